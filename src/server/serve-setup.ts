/**
 * What starting a server settles before the server itself is loaded: its defaults and its
 * credentials. Kept apart from serve.ts (which loads every API, the store and the engine) so that
 * the `--workers` primary, which only forks and supervises, can settle them cheaply.
 */
import { join } from "node:path";
import { ensureGeneratedCredentials, loadCredentialsFile, type Credential } from "./credentials.js";

export const DEFAULT_PORT = 4580;
export const DEFAULT_HOST = "127.0.0.1";
export const DEFAULT_DATA_DIR = ".pinrec";

/** Given credentials, else the file named, else the data dir's own key pair (generated on first start). */
export function resolveCredentials(
  opts: { credentials?: Credential[]; credentialsFile?: string },
  dataDir: string,
): { credentials: Credential[]; generatedPath?: string } {
  if (opts.credentials) return { credentials: opts.credentials };
  if (opts.credentialsFile) return { credentials: loadCredentialsFile(opts.credentialsFile) };
  const path = join(dataDir, "credentials.json");
  const { credentials, created } = ensureGeneratedCredentials(path);
  return { credentials, generatedPath: created ? path : undefined };
}
