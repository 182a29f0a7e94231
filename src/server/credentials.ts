/**
 * The credentials file: a JSON array of `{accessKeyId, secretAccessKey, accountId}`. Each key
 * belongs to one account; the region comes from each request's SigV4 scope.
 */
import { randomBytes, randomInt } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { PRIVATE_DIR_MODE } from "../store/files.js";

export interface Credential {
  accessKeyId: string;
  secretAccessKey: string;
  accountId: string;
}

export class CredentialsError extends Error {}

export function parseCredentials(text: string, source: string): Credential[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new CredentialsError(`${source}: not valid JSON`);
  }
  if (!Array.isArray(data) || data.length === 0) {
    throw new CredentialsError(`${source}: expected a non-empty JSON array of {accessKeyId, secretAccessKey, accountId}`);
  }
  const seen = new Set<string>();
  return data.map((c, i) => {
    const where = `${source}[${i}]`;
    if (typeof c !== "object" || c === null) throw new CredentialsError(`${where}: expected an object`);
    const { accessKeyId, secretAccessKey, accountId } = c as Record<string, unknown>;
    if (typeof accessKeyId !== "string" || !/^[A-Za-z0-9]{4,128}$/.test(accessKeyId)) {
      throw new CredentialsError(`${where}.accessKeyId: 4 to 128 letters or digits`);
    }
    if (typeof secretAccessKey !== "string" || secretAccessKey.length < 16) {
      throw new CredentialsError(`${where}.secretAccessKey: a string of at least 16 characters`);
    }
    if (typeof accountId !== "string" || !/^\d{12}$/.test(accountId)) {
      throw new CredentialsError(`${where}.accountId: 12 digits`);
    }
    if (seen.has(accessKeyId)) throw new CredentialsError(`${where}: duplicate accessKeyId ${accessKeyId}`);
    seen.add(accessKeyId);
    return { accessKeyId, secretAccessKey, accountId };
  });
}

export function loadCredentialsFile(path: string): Credential[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new CredentialsError(`cannot read credentials file ${path}: ${(err as Error).message}`);
  }
  return parseCredentials(text, path);
}

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

function randomKeyId(): string {
  const bytes = randomBytes(17);
  return "PRK" + Array.from(bytes, (b) => ALNUM[b % 32]).join("");
}

/**
 * Returns the data dir's generated credentials, creating a random key pair on first use. There is
 * deliberately no built-in default secret: every installation gets its own.
 */
export function ensureGeneratedCredentials(path: string): { credentials: Credential[]; created: boolean } {
  if (existsSync(path)) return { credentials: loadCredentialsFile(path), created: false };
  const credential: Credential = {
    accessKeyId: randomKeyId(),
    secretAccessKey: randomBytes(30).toString("base64url"),
    accountId: String(randomInt(100_000_000_000, 999_999_999_999)),
  };
  mkdirSync(dirname(path), { recursive: true, mode: PRIVATE_DIR_MODE });
  writeFileSync(path, JSON.stringify([credential], null, 2) + "\n", { mode: 0o600, flag: "wx" });
  return { credentials: [credential], created: true };
}
