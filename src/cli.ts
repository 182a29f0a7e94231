/** The `pinrec` command line. */
import { Command, CommanderError } from "commander";
import { campaignsCommand } from "./cli/campaigns.js";
import { dataCommand, evaluateCommand } from "./cli/data.js";
import { serveCommand } from "./cli/serve.js";
import { credentialsCommand } from "./cli/credentials.js";
import { CampaignConflictError, CampaignError } from "./campaigns/training.js";
import { ImportError } from "./engine/index.js";
import { CredentialsError } from "./server/credentials.js";
import { DatabaseDamagedError } from "./store/sqlite.js";
import { PRIVATE_DIR_MODE } from "./store/files.js";

/** File-system failures a person can act on, said in words instead of a stack trace. */
const IO_ERRORS: Record<string, string> = {
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "the file system is read-only",
  EIO: "input/output error (the disk may be failing)",
  EMFILE: "too many open files",
  ENFILE: "too many open files in the system",
  ENOTDIR: "a path component is not a directory",
  EISDIR: "is a directory",
  EFBIG: "file too large",
  ENAMETOOLONG: "file name too long",
  // The same failures as SQLite reports them.
  SQLITE_FULL: "no space left on the device (database)",
  SQLITE_READONLY: "the database is read-only",
  SQLITE_CANTOPEN: "cannot open the database file",
  SQLITE_IOERR: "input/output error on the database (the disk may be full or failing)",
  SQLITE_PERM: "permission denied on the database",
};

function ioError(e: NodeJS.ErrnoException & { dest?: string }): string | undefined {
  const code = e.code ?? "";
  const what = IO_ERRORS[code] ?? (code.startsWith("SQLITE_IOERR") ? IO_ERRORS.SQLITE_IOERR : undefined);
  if (!what) return undefined;
  const op = [e.syscall, e.path, e.dest && `→ ${e.dest}`].filter(Boolean).join(" ");
  return `${what}${op ? ` (${op})` : ""}; nothing was changed: any deployed model stays in service`;
}

export function buildCli(): Command {
  const program = new Command("pinrec").description("Self-hosted Amazon Pinpoint recommender models").showHelpAfterError();
  program.addCommand(serveCommand());
  program.addCommand(campaignsCommand());
  program.addCommand(dataCommand());
  program.addCommand(evaluateCommand());
  program.addCommand(credentialsCommand());
  return program;
}

/**
 * Expected failures get one clear message: exit code 1 when the campaign's state refused a valid
 * command (it already exists, or another process is working on it), 2 for everything else. Anything
 * unexpected is a bug and shows its stack.
 */
function explain(err: unknown): string | undefined {
  if (err instanceof ImportError) {
    const lines = err.errors.map((e) => `  ${err.file}:${e.line}: ${e.reason}`);
    const more = err.errorCount > err.errors.length ? [`  … and ${err.errorCount - err.errors.length} more`] : [];
    return [err.message, ...lines, ...more, "Nothing was changed: any deployed model stays in service."].join("\n");
  }
  if (err instanceof CredentialsError || err instanceof CampaignError || err instanceof DatabaseDamagedError) return err.message;
  if (err instanceof CommanderError) return err.message;
  const e = err as NodeJS.ErrnoException;
  if (e?.code === "EADDRINUSE") return `the port is already in use (${e.message})`;
  if (e?.code === "ENOENT") return e.message;
  const io = e?.code ? ioError(e) : undefined;
  if (io) return io;
  if (e?.code === "ECONNREFUSED" || e?.code === "ENOTFOUND") return `cannot open the database: ${e.message}`;
  // Any error PostgreSQL itself reports (unknown database, schema or role, auth failure, …).
  if (e && typeof (e as { severity?: unknown }).severity === "string") return `cannot open the database: ${e.message}`;
  return undefined;
}

export async function main(argv: string[]): Promise<void> {
  // Everything pinrec creates (database, models, credentials, temporary files) is private to its user.
  process.umask(0o777 & ~PRIVATE_DIR_MODE);
  try {
    await buildCli().parseAsync(argv);
  } catch (err) {
    const message = explain(err);
    if (message === undefined) throw err;
    process.stderr.write(`pinrec: ${message}\n`);
    process.exit(err instanceof CampaignConflictError ? 1 : 2);
  }
}
