/** `pinrec serve`: the AWS-compatible API server. */
import { Command, Option } from "commander";
import { port, positiveInt } from "./args.js";
import { resolve } from "node:path";
import { DEFAULT_DATA_DIR, DEFAULT_HOST, DEFAULT_PORT, startServer, type RunningServer } from "../serve.js";
import cluster from "node:cluster";
import { describeDatabase } from "../store/open.js";
import { printGeneratedCredentials } from "./banner.js";
import { runPrimary, type ListeningMessage } from "./cluster.js";

export function serveCommand(): Command {
  return new Command("serve")
    .description("run the AWS-compatible API server")
    .option("--host <host>", "address to listen on", DEFAULT_HOST)
    .option("--port <port>", "port to listen on", port, DEFAULT_PORT)
    .option("--data-dir <dir>", "where pinrec keeps its data", DEFAULT_DATA_DIR)
    .addOption(new Option("--credentials <file>", "JSON array of {accessKeyId, secretAccessKey, accountId}").env("PINREC_CREDENTIALS_FILE"))
    .addOption(new Option("--database <url>", "postgres://… for PostgreSQL; default: SQLite in the data dir").env("PINREC_DATABASE_URL"))
    .addOption(new Option("--log-level <level>", "log level").choices(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info").env("PINREC_LOG_LEVEL"))
    .option("--rate-limit <n>", "requests per second per account (default: unlimited)", positiveInt)
    .option("--recommender-quota <n>", "recommender configurations per account and region", positiveInt, 100)
    .option("--app-quota <n>", "apps (projects) per account and region", positiveInt, 100)
    .option("--import-dir <dir>", "the only directory CreateImportJob may read file:// URLs from (default: DATA_DIR/imports)")
    .option("--workers <n>", "server processes sharing the port, e.g. one per core (default 1)", positiveInt, 1)
    .action(async (o) => {
      if (o.workers > 1 && cluster.isPrimary) return runPrimary(o);
      // Signal handlers come first: a supervisor may stop the server the moment it starts.
      let server: RunningServer | undefined;
      let signalled: string | undefined;
      const stop = (signal: string) => {
        if (signalled) return;
        signalled = signal;
        if (!server) return; // still starting: stopped as soon as it is up
        server.app.log.info({ signal }, "shutting down: finishing in-flight requests");
        server.close().then(
          () => process.exit(0),
          (err) => {
            server!.app.log.error({ err }, "shutdown failed");
            process.exit(1);
          },
        );
      };
      process.on("SIGTERM", () => stop("SIGTERM"));
      process.on("SIGINT", () => stop("SIGINT"));
      server = await startServer({
        host: o.host,
        port: o.port,
        dataDir: o.dataDir,
        credentialsFile: o.credentials,
        database: o.database,
        logger: { level: o.logLevel },
        rateLimit: o.rateLimit,
        recommenderQuota: o.recommenderQuota,
        appQuota: o.appQuota,
        importDir: o.importDir,
      });
      server.app.log.info({ url: server.url, database: describeDatabase({ database: o.database, dataDir: resolve(o.dataDir) }) }, "pinrec listening");
      if (cluster.isWorker) {
        process.send!({ type: "pinrec:listening", url: server.url } satisfies ListeningMessage);
      } else {
        // Said on stderr whatever the log level, so people and scripts learn the address (e.g. with --port 0).
        process.stderr.write(`pinrec listening on ${server.url}\n`);
        if (server.generatedCredentials) printGeneratedCredentials(server);
      }
      if (signalled) {
        const pending = signalled;
        signalled = undefined;
        stop(pending);
      }
    });

}
