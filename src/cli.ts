/** The `pinrec` command line. */
import { Command, CommanderError } from "commander";
import { campaignsCommand } from "./cli/campaigns.js";
import { dataCommand, evaluateCommand } from "./cli/data.js";
import { segmentsCommand } from "./cli/segments.js";
import { serveCommand } from "./cli/serve.js";
import { CampaignError } from "./campaigns/training.js";
import { ImportError } from "./engine/index.js";
import { CredentialsError } from "./server/credentials.js";
import { ImportFileError } from "./segments/import.js";
import { ApiError } from "./shared/errors.js";

export function buildCli(): Command {
  const program = new Command("pinrec").description("Self-hosted Amazon Pinpoint recommender models").showHelpAfterError();
  program.addCommand(serveCommand());
  program.addCommand(campaignsCommand());
  program.addCommand(segmentsCommand());
  program.addCommand(dataCommand());
  program.addCommand(evaluateCommand());
  return program;
}

/** Expected failures get one clear message and exit code 2; anything else is a bug and shows its stack. */
function explain(err: unknown): string | undefined {
  if (err instanceof ImportError) {
    const lines = err.errors.map((e) => `  ${err.file}:${e.line}: ${e.reason}`);
    const more = err.errorCount > err.errors.length ? [`  … and ${err.errorCount - err.errors.length} more`] : [];
    return [err.message, ...lines, ...more, "Nothing was changed: any deployed model stays in service."].join("\n");
  }
  if (err instanceof ImportFileError) {
    const more = err.totalFailures > err.failures.length ? [`  … and ${err.totalFailures - err.failures.length} more`] : [];
    return [err.message, ...err.failures.map((f) => `  ${f}`), ...more].join("\n");
  }
  if (err instanceof CredentialsError || err instanceof CampaignError || err instanceof ApiError) return err.message;
  if (err instanceof CommanderError) return err.message;
  const e = err as NodeJS.ErrnoException;
  if (e?.code === "EADDRINUSE") return `the port is already in use (${e.message})`;
  if (e?.code === "ENOENT") return e.message;
  if (e?.code === "ECONNREFUSED" || e?.code === "ENOTFOUND") return `cannot open the database: ${e.message}`;
  // Any error PostgreSQL itself reports (unknown database, schema or role, auth failure, …).
  if (e && typeof (e as { severity?: unknown }).severity === "string") return `cannot open the database: ${e.message}`;
  return undefined;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildCli().parseAsync(argv);
  } catch (err) {
    const message = explain(err);
    if (message === undefined) throw err;
    process.stderr.write(`pinrec: ${message}\n`);
    process.exit(2);
  }
}
