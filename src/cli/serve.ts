/** `pinrec serve`: the AWS-compatible API server. */
import { Command, InvalidArgumentError } from "commander";
import { resolve } from "node:path";
import cluster from "node:cluster";
import type { RunningServer, ServerOptions } from "../server/serve.js";
import { describeDatabase } from "../store/location.js";
import { printGeneratedCredentials } from "./banner.js";
import { runPrimary, type ListeningMessage } from "./cluster.js";
import { SERVE_SETTINGS, addSettings, printConfig, resolveSettings, type ServeSettings } from "./settings.js";

/**
 * The settings as startServer takes them. Every other setting must be the ServerOptions field of
 * the same name and type: `Pick` refuses to compile a row that startServer would not receive.
 */
export function serverOptions(settings: ServeSettings): ServerOptions {
  const { credentials, logLevel, workers: _workers, ...rest } = settings;
  const passedThrough: Pick<ServerOptions, keyof typeof rest> = rest;
  return { ...passedThrough, credentialsFile: credentials, logger: { level: logLevel } };
}

export function serveCommand(): Command {
  const cmd = new Command("serve").description("run the AWS-compatible API server");
  addSettings(cmd, SERVE_SETTINGS).option("--print-config", "print the resolved settings (and where each came from) and exit");
  return cmd.action(async () => {
    const resolved = resolveSettings(cmd, SERVE_SETTINGS);
    if (cmd.opts().printConfig) return printConfig(resolved);
    const o = resolved.values;
    if (o.webhookUrl && !o.webhookSecret)
      throw new InvalidArgumentError("--webhook-url needs --webhook-secret (or PINREC_WEBHOOK_SECRET): webhooks are always signed");
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
    // Loaded only here: the --workers primary returned above and never loads the server.
    const { startServer } = await import("../server/serve.js");
    server = await startServer(serverOptions(o));
    server.app.log.info(
      {
        url: server.url,
        database: describeDatabase({ database: o.database, dataDir: resolve(o.dataDir) }),
        transformers: server.transformers.describe(),
      },
      "pinrec listening",
    );
    if (cluster.isWorker) {
      (await import("../observability/cluster-metrics.js")).answerMetricsCollection();
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
