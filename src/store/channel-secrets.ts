/**
 * Channel credentials sealed at rest with AES-256-GCM. The 256-bit key lives in the database
 * (`channel_secret_keys`, created on first use), so every node of a PostgreSQL cluster can open
 * what another sealed. Each sealed value is bound to its row (account, region, app, channel type)
 * as additional authenticated data: a ciphertext copied to another app's row does not open.
 *
 * Format: `v1.` + base64url(12-byte IV ‖ 16-byte tag ‖ ciphertext).
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import type { SqlDb } from "./sql.js";

export class ChannelSecretBox {
  private key?: Promise<Buffer>;

  constructor(private readonly db: SqlDb) {}

  async seal(plain: string, binding: string): Promise<string> {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", await this.loadKey(), iv);
    cipher.setAAD(Buffer.from(binding, "utf8"));
    const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
    return `v1.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url")}`;
  }

  async open(sealed: string, binding: string): Promise<string> {
    if (!sealed.startsWith("v1.")) throw new Error("unknown sealed credential format");
    const raw = Buffer.from(sealed.slice(3), "base64url");
    const decipher = createDecipheriv("aes-256-gcm", await this.loadKey(), raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(binding, "utf8"));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
  }

  private loadKey(): Promise<Buffer> {
    this.key ??= this.readOrCreate().catch((err: unknown) => {
      this.key = undefined;
      throw err;
    });
    return this.key;
  }

  private async readOrCreate(): Promise<Buffer> {
    // Two processes starting together both insert; the first row wins and both read it back.
    await this.db.run("INSERT INTO channel_secret_keys (id, secret, created_at) VALUES ('default', ?, ?) ON CONFLICT (id) DO NOTHING", [
      randomBytes(32).toString("base64"),
      Date.now(),
    ]);
    const row = await this.db.get<{ secret: string }>("SELECT secret FROM channel_secret_keys WHERE id = 'default'");
    if (!row) throw new Error("the channel credential key could not be stored");
    return Buffer.from(row.secret, "base64");
  }
}
