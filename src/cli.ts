/** The `pinrec` command line. */
import { Command, CommanderError, type Option } from "commander";
import { ApiError } from "./shared/errors.js";
import { ConfigError } from "./cli/settings.js";
import { CredentialsError } from "./server/credentials.js";
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
import { VERSION } from "./version.js";

/**
 * Each command's module, loaded only when that command runs: `pinrec serve --workers N`'s primary
 * and workers load the serve command alone, not the engine's training, imports or the outbox tools.
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  serve: async () => (await import("./cli/serve.js")).serveCommand(),
  campaigns: async () => (await import("./cli/campaigns.js")).campaignsCommand(),
  segments: async () => (await import("./cli/segments.js")).segmentsCommand(),
  data: async () => (await import("./cli/data.js")).dataCommand(),
  evaluate: async () => (await import("./cli/data.js")).evaluateCommand(),
  credentials: async () => (await import("./cli/credentials.js")).credentialsCommand(),
  outbox: async () => (await import("./cli/outbox.js")).outboxCommand(),
  messages: async () => (await import("./cli/messages.js")).messagesCommand(),
};

/** The CLI with every command, or with only `command` when that names one (it is all that will run). */
export async function buildCli(command?: string): Promise<Command> {
  const program = new Command("pinrec")
    .description("Self-hosted Amazon Pinpoint recommender models")
    .version(VERSION, "-V, --version", "print pinrec's version")
    .showHelpAfterError();
  const names = command !== undefined && Object.hasOwn(COMMANDS, command) ? [command] : Object.keys(COMMANDS);
  for (const cmd of await Promise.all(names.map((name) => COMMANDS[name]()))) program.addCommand(cmd);
  checkUnknownOptionsFirst(program);
  return program;
}

/**
 * Commander checks required options before unknown ones, so a typo such as `--nam x` is reported as
 * "required option '--name' not specified". Required options are checked here instead, after
 * commander has refused unknown options (which it does just before running the action).
 */
function checkUnknownOptionsFirst(program: Command): void {
  const required = new Map<Command, Option[]>();
  const walk = (cmd: Command) => {
    const mandatory = cmd.options.filter((o) => o.mandatory);
    for (const o of mandatory) o.makeOptionMandatory(false);
    if (mandatory.length) required.set(cmd, mandatory);
    cmd.commands.forEach(walk);
  };
  walk(program);
  program.hook("preAction", (_root, action) => {
    for (const o of required.get(action) ?? []) {
      if (action.getOptionValue(o.attributeName()) === undefined)
        action.error(`error: required option '${o.flags}' not specified`, { code: "commander.missingMandatoryOptionValue" });
    }
  });
}

/**
 * Usage mistakes (options, accounts, input files, config) exit 1, like commander's own errors, and
 * so does a valid command the campaign's state refused (it already exists, or another process is
 * working on it); failures while doing the work (bad data rows, database down, port taken, disk
 * full) exit 2. Both print one clear message; anything else is a bug and shows its stack.
 */
async function explain(err: unknown): Promise<{ message: string; exitCode: 1 | 2 } | undefined> {
  const usage = (message: string) => ({ message, exitCode: 1 as const });
  const failure = (message: string) => ({ message, exitCode: 2 as const });
  const [{ TenantError }, { CampaignConflictError, MissingInputFileError }] = await Promise.all([
    import("./cli/tenant.js"),
    import("./personalize/campaigns/training.js"),
  ]);
  if (err instanceof CommanderError || err instanceof TenantError || err instanceof ConfigError || err instanceof CredentialsError)
    return usage(err.message);
  if (err instanceof CampaignConflictError) return usage(err.message);
  if (err instanceof MissingInputFileError) {
    const flag = `--${err.input}`;
    return usage(err.recorded ? `${err.message} (moved or deleted since?): pass ${flag} FILE` : `${flag}: no such file ${err.path}`);
  }
  const found = await explainFailure(err);
  return found === undefined ? undefined : failure(found);
}

/**
 * The error classes of the commands' modules are loaded here, when an error is explained, so that no
 * command loads another's modules up front. (A module that was never loaded threw none of its errors;
 * one that was is served from the module cache.)
 */
async function explainFailure(err: unknown): Promise<string | undefined> {
  const [{ ImportError }, { ImportFileError }, { CampaignError }, { DatabaseDamagedError }, { OutboxReadError }] = await Promise.all([
    import("./engine/index.js"),
    import("./pinpoint/segments/import.js"),
    import("./personalize/campaigns/training.js"),
    import("./store/sqlite.js"),
    import("./cli/outbox.js"),
  ]);
  if (err instanceof ImportError) {
    const lines = err.errors.map((e) => `  ${err.file}:${e.line}: ${e.reason}`);
    const more = err.errorCount > err.errors.length ? [`  … and ${err.errorCount - err.errors.length} more`] : [];
    return [err.message, ...lines, ...more, "Nothing was changed: any deployed model stays in service."].join("\n");
  }
  if (err instanceof ImportFileError) {
    const more = err.totalFailures > err.failures.length ? [`  … and ${err.totalFailures - err.failures.length} more`] : [];
    return [err.message, ...err.failures.map((f) => `  ${f}`), ...more].join("\n");
  }
  if (err instanceof CampaignError || err instanceof DatabaseDamagedError || err instanceof OutboxReadError) return err.message;
  if (err instanceof ApiError) return `${err.code}: ${err.message}`;
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
    await (await buildCli(argv[2])).parseAsync(argv);
  } catch (err) {
    // Explaining loads the commands' error classes; if even that fails, the original error is shown.
    const explained = await explain(err).catch(() => undefined);
    if (explained === undefined) throw err;
    process.stderr.write(`pinrec: ${explained.message}\n`);
    process.exit(explained.exitCode);
  }
}
