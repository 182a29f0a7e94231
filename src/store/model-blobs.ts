/** Trained model files by key: one interface, kept in files (FileModelBlobStore) or in the database (SqlModelBlobStore). */
import { mkdir, readdir, readFile, rename, rm, rmdir, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { randomBytes } from "node:crypto";
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from "./files.js";
import type { SqlDb } from "./sql.js";

/** Where trained model files live: the data dir for SQLite setups, the database for PostgreSQL ones. */
export interface ModelBlobStore {
  put(key: string, bytes: Buffer): Promise<void>;
  get(key: string): Promise<Buffer | undefined>;
  delete(key: string): Promise<void>;
  /** Keys stored under `prefix/`. */
  list(prefix: string): Promise<string[]>;
  /** Removes everything under `prefix/` (with files, the directory itself and any temporary files). */
  deleteAll(prefix: string): Promise<void>;
}

const SAFE_KEY = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

function checkKey(key: string): void {
  if (!SAFE_KEY.test(key) || key.split("/").some((p) => p === "." || p === "..")) throw new Error(`invalid model key ${key}`);
}

export class FileModelBlobStore implements ModelBlobStore {
  constructor(private readonly root: string) {}

  async put(key: string, bytes: Buffer): Promise<void> {
    checkKey(key);
    const path = join(this.root, `${key}.bin`);
    await mkdir(dirname(path), { recursive: true, mode: PRIVATE_DIR_MODE });
    const tmp = `${path}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`;
    try {
      await writeFile(tmp, bytes, { flush: true, mode: PRIVATE_FILE_MODE });
      await rename(tmp, path); // readers see the old file or the new one, never half of one
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => {}); // e.g. a full disk: leave nothing behind
      const e = err as NodeJS.ErrnoException;
      if (e && typeof e === "object" && e.path === undefined) e.path = path; // say which file (a failed write names none)
      throw err;
    }
  }

  async get(key: string): Promise<Buffer | undefined> {
    checkKey(key);
    try {
      return await readFile(join(this.root, `${key}.bin`));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    checkKey(key);
    await rm(join(this.root, `${key}.bin`), { force: true });
  }

  async list(prefix: string): Promise<string[]> {
    checkKey(prefix);
    const dir = join(this.root, prefix);
    const names = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return [] as string[];
      throw err;
    });
    return names.filter((n) => n.endsWith(".bin")).map((n) => `${prefix}/${n.slice(0, -".bin".length)}`);
  }

  async deleteAll(prefix: string): Promise<void> {
    checkKey(prefix);
    await rm(join(this.root, prefix), { recursive: true, force: true });
    // Parents left empty (the tenant's region and account directories) go too.
    for (
      let dir = dirname(join(this.root, prefix));
      relative(this.root, dir) !== "" && !relative(this.root, dir).startsWith("..");
      dir = dirname(dir)
    ) {
      try {
        await rmdir(dir);
      } catch {
        break; // not empty (or already gone): stop climbing
      }
    }
  }
}

export class SqlModelBlobStore implements ModelBlobStore {
  constructor(private readonly db: SqlDb) {}

  async put(key: string, bytes: Buffer): Promise<void> {
    checkKey(key);
    await this.db.run("INSERT INTO model_blobs (key, bytes) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET bytes = excluded.bytes", [
      key,
      bytes,
    ]);
  }

  async get(key: string): Promise<Buffer | undefined> {
    checkKey(key);
    const row = await this.db.get<{ bytes: Buffer }>("SELECT bytes FROM model_blobs WHERE key = ?", [key]);
    return row ? Buffer.from(row.bytes) : undefined;
  }

  async delete(key: string): Promise<void> {
    checkKey(key);
    await this.db.run("DELETE FROM model_blobs WHERE key = ?", [key]);
  }

  async list(prefix: string): Promise<string[]> {
    checkKey(prefix);
    // substr rather than LIKE: names may contain '_', which LIKE reads as a wildcard.
    const rows = await this.db.all<{ key: string }>("SELECT key FROM model_blobs WHERE substr(key, 1, ?) = ? ORDER BY key", [
      prefix.length + 1,
      `${prefix}/`,
    ]);
    return rows.map((r) => r.key);
  }

  async deleteAll(prefix: string): Promise<void> {
    checkKey(prefix);
    await this.db.run("DELETE FROM model_blobs WHERE substr(key, 1, ?) = ?", [prefix.length + 1, `${prefix}/`]);
  }
}
