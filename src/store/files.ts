/**
 * Everything pinrec keeps on disk (the database with its -wal/-shm files, model files, the generated
 * credentials) holds endpoint addresses, user attributes or secrets, so it is private to the user
 * running pinrec: directories 0700, files 0600. New files are created with these modes; files and
 * directories an older version created more open are tightened on start, and each change is reported.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

const octal = (mode: number) => (mode & 0o777).toString(8).padStart(4, "0");

/** chmods `path` to `mode` when group or others have any access; returns a line saying so, if it did. */
function tighten(path: string, mode: number): string | undefined {
  const st = statSync(path);
  if ((st.mode & 0o077) === 0) return undefined;
  chmodSync(path, mode);
  return `tightened permissions of ${path} from ${octal(st.mode)} to ${octal(mode)}`;
}

/** Creates `dir` (and missing parents) as a private directory, or tightens it if it exists. */
export function ensurePrivateDir(dir: string): string[] {
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
    return [];
  }
  const note = tighten(dir, PRIVATE_DIR_MODE);
  return note ? [note] : [];
}

/** What pinrec itself keeps in a data directory; anything else there is the user's and left alone. */
const DATA_DIR_FILES = ["pinrec.db", "pinrec.db-wal", "pinrec.db-shm", "credentials.json"];
const DATA_DIR_TREES = ["models"];

/**
 * Tightens a data directory and what pinrec keeps in it (database files, credentials, the models
 * tree). Returns one line per change, for the caller to log. Symbolic links are left alone.
 */
export function securePrivateTree(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const notes: string[] = [];
  const note = (n: string | undefined) => n && notes.push(n);
  const walk = (path: string) => {
    note(tighten(path, PRIVATE_DIR_MODE));
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const child = join(path, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile()) note(tighten(child, PRIVATE_FILE_MODE));
    }
  };
  note(tighten(dir, PRIVATE_DIR_MODE));
  for (const f of DATA_DIR_FILES) note(securePrivateFile(join(dir, f)));
  for (const t of DATA_DIR_TREES) if (existsSync(join(dir, t))) walk(join(dir, t));
  return notes;
}

/** Tightens one file to 0600 if it exists and is more open; returns a line saying so, if it did. */
export function securePrivateFile(path: string): string | undefined {
  return existsSync(path) ? tighten(path, PRIVATE_FILE_MODE) : undefined;
}
