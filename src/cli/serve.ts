/** `pinrec serve`: the AWS-compatible API server. */
import { Command, InvalidArgumentError, Option } from "commander";
import { httpUrl, port, positiveInt, urlOption } from "./args.js";
import { checkSmtpUrl } from "../messaging/delivery/smtp.js";
import { checkWebhookUrl } from "../messaging/delivery/webhook.js";
import { DEFAULT_LEASE_MS, DEFAULT_MAX_ATTEMPTS } from "../messaging/delivery/drainer.js";
import { TRANSFORMER_BACKENDS } from "../messaging/transformer/index.js";
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
    .option("--workers <n>", "server processes sharing the port, e.g. one per core (default 1)", positiveInt, 1)
    .option("--personalize-endpoint <url>", "Amazon Personalize runtime endpoint for campaigns this pinrec does not serve (default: AWS's)")
    .option("--assume-provider-role", "assume each recommender's RecommendationProviderRoleArn through STS before calling Personalize")
    .option("--sts-endpoint <url>", "STS endpoint for --assume-provider-role (default: AWS's)")
    .addOption(new Option("--smtp-url <url>", "send email through this SMTP server: smtp://[user:pass@]host:port or smtps://… (default: keep it in the outbox)").argParser(urlOption(checkSmtpUrl)).env("PINREC_SMTP_URL"))
    .addOption(new Option("--webhook-url <url>", "POST SMS and push messages here as signed JSON (default: keep them in the outbox)").argParser(urlOption(checkWebhookUrl)).env("PINREC_WEBHOOK_URL"))
    .addOption(new Option("--webhook-secret <secret>", "the webhook's HMAC-SHA256 signing secret (whsec_<base64> or any string)").env("PINREC_WEBHOOK_SECRET"))
    .addOption(new Option("--delivery-lease-ms <ms>", "how long a claimed message waits for a sender that stopped answering before another takes it").argParser(positiveInt).default(DEFAULT_LEASE_MS).env("PINREC_DELIVERY_LEASE_MS"))
    .addOption(new Option("--delivery-attempts <n>", "attempts before a transiently failing message is recorded as failed").argParser(positiveInt).default(DEFAULT_MAX_ATTEMPTS).env("PINREC_DELIVERY_ATTEMPTS"))
    .addOption(new Option("--functions-dir <dir>", "local recommendation transformer functions (NAME.mjs or NAME/index.mjs); default: <data-dir>/functions").env("PINREC_FUNCTIONS_DIR"))
    .addOption(new Option("--lambda-endpoint <url>", "AWS Lambda API endpoint for transformers (implies --transformer auto)").argParser(httpUrl).env("PINREC_LAMBDA_ENDPOINT"))
    .addOption(
      new Option("--transformer <backend>", "where transformers run: local functions, AWS Lambda, or auto (local when the function exists, else Lambda)")
        .choices(TRANSFORMER_BACKENDS)
        .env("PINREC_TRANSFORMER"),
    )
    .addOption(new Option("--function-workers <n>", "worker threads for local functions (default: cores, 2-8)").argParser(positiveInt).env("PINREC_FUNCTION_WORKERS"))
    .addOption(new Option("--function-memory <mb>", "heap limit of each local function worker in MB").argParser(positiveInt).default(256).env("PINREC_FUNCTION_MEMORY"))
    .action(async (o) => {
      if (o.webhookUrl && !o.webhookSecret) throw new InvalidArgumentError("--webhook-url needs --webhook-secret (or PINREC_WEBHOOK_SECRET): webhooks are always signed");
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
        functionsDir: o.functionsDir,
        personalize: { endpoint: o.personalizeEndpoint, assumeRole: o.assumeProviderRole === true, stsEndpoint: o.stsEndpoint },
        smtpUrl: o.smtpUrl,
        webhookUrl: o.webhookUrl,
        webhookSecret: o.webhookSecret,
        delivery: { leaseMs: o.deliveryLeaseMs, maxAttempts: o.deliveryAttempts },
        lambdaEndpoint: o.lambdaEndpoint,
        transformer: o.transformer,
        functionWorkers: o.functionWorkers,
        functionMemoryMb: o.functionMemory,
      });
      server.app.log.info(
        { url: server.url, database: describeDatabase({ database: o.database, dataDir: resolve(o.dataDir) }), transformers: server.transformers.describe() },
        "pinrec listening",
      );
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
