/** The `pinrec` command line. */
import { Command, InvalidArgumentError, Option } from "commander";
import { CredentialsError } from "./server/credentials.js";
import { DEFAULT_DATA_DIR, DEFAULT_HOST, DEFAULT_PORT, startServer } from "./serve.js";
import { describeDatabase } from "./store/open.js";
import { resolve } from "node:path";

function positiveInt(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError("must be a positive integer");
  return Number(value);
}

function port(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 65535) throw new InvalidArgumentError("must be a port number (0-65535)");
  return Number(value);
}

export function buildCli(): Command {
  const program = new Command("pinrec")
    .description("Self-hosted Amazon Pinpoint recommender models")
    .showHelpAfterError();

  program
    .command("serve")
    .description("run the AWS-compatible API server")
    .option("--host <host>", "address to listen on", DEFAULT_HOST)
    .option("--port <port>", "port to listen on", port, DEFAULT_PORT)
    .option("--data-dir <dir>", "where pinrec keeps its data", DEFAULT_DATA_DIR)
    .addOption(new Option("--credentials <file>", "JSON array of {accessKeyId, secretAccessKey, accountId}").env("PINREC_CREDENTIALS_FILE"))
    .addOption(new Option("--database <url>", "postgres://… for PostgreSQL; default: SQLite in the data dir").env("PINREC_DATABASE_URL"))
    .addOption(new Option("--log-level <level>", "log level").choices(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info").env("PINREC_LOG_LEVEL"))
    .option("--rate-limit <n>", "requests per second per account (default: unlimited)", positiveInt)
    .option("--recommender-quota <n>", "recommender configurations per account and region", positiveInt, 100)
    .action(async (o) => {
      const server = await startServer({
        host: o.host,
        port: o.port,
        dataDir: o.dataDir,
        credentialsFile: o.credentials,
        database: o.database,
        logger: { level: o.logLevel },
        rateLimit: o.rateLimit,
        recommenderQuota: o.recommenderQuota,
      });
      const log = server.app.log;
      log.info({ url: server.url, database: describeDatabase({ database: o.database, dataDir: resolve(o.dataDir) }) }, "pinrec listening");
      if (server.generatedCredentials) printGeneratedCredentials(server);
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        log.info({ signal }, "shutting down: finishing in-flight requests");
        server.close().then(
          () => process.exit(0),
          (err) => {
            log.error({ err }, "shutdown failed");
            process.exit(1);
          },
        );
      };
      process.on("SIGTERM", () => stop("SIGTERM"));
      process.on("SIGINT", () => stop("SIGINT"));
    });

  return program;
}

function printGeneratedCredentials(server: { url: string; credentials: { accessKeyId: string; secretAccessKey: string; accountId: string }[]; generatedCredentials?: string }) {
  const c = server.credentials[0];
  process.stderr.write(
    [
      "",
      `pinrec generated an access key for account ${c.accountId} in ${server.generatedCredentials}`,
      "Use it with the AWS CLI or any AWS SDK by pointing the endpoint URL at this server:",
      "",
      `  export AWS_ACCESS_KEY_ID=${c.accessKeyId}`,
      `  export AWS_SECRET_ACCESS_KEY=${c.secretAccessKey}`,
      "  export AWS_DEFAULT_REGION=us-east-1",
      `  aws pinpoint get-recommender-configurations --endpoint-url ${server.url}`,
      "",
    ].join("\n") + "\n",
  );
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildCli().parseAsync(argv);
  } catch (err) {
    if (err instanceof CredentialsError) {
      process.stderr.write(`pinrec: ${err.message}\n`);
      process.exit(2);
    }
    const e = err as NodeJS.ErrnoException;
    if (e.code === "EADDRINUSE") {
      process.stderr.write(`pinrec: the port is already in use (${e.message})\n`);
      process.exit(2);
    }
    if (e.code === "ECONNREFUSED" || e.code === "ENOTFOUND" || e.code === "28P01" || e.code === "3D000") {
      process.stderr.write(`pinrec: cannot open the database: ${e.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}
