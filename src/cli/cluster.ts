/**
 * `pinrec serve --workers N`: N server processes sharing one port through node:cluster, so every
 * core answers requests. The primary only forks and supervises: it settles the credentials (a
 * generated key pair must be made once), starts the first worker, which brings the schema up to
 * date, then the others, restarts a worker that dies, relays /metrics collection between the
 * workers, and on SIGTERM/SIGINT stops every worker gracefully.
 *
 * The primary loads none of the server (APIs, store, engine, SDKs, prom-client): whatever it loaded
 * would sit idle beside the workers' own copies (docs/benchmarks-history.md, "Cluster"; the module set is
 * checked by test/cluster-process.test.ts).
 */
import cluster, { type Worker } from "node:cluster";
import { resolve } from "node:path";
import type { MetricsCollect, MetricsReport, MetricsRequest, MetricsResult } from "../observability/cluster-metrics.js";
import { resolveCredentials } from "../server/serve-setup.js";
import { printGeneratedCredentials } from "./banner.js";

export interface ClusterOptions {
  workers: number;
  dataDir: string;
  credentials?: string;
}

export interface ListeningMessage {
  type: "pinrec:listening";
  url: string;
}

/**
 * V8 flags for the workers. A 4 MB young generation instead of V8's 16 MB: under load each worker
 * otherwise grows its young generation to 32 MB of RSS (two 16 MB semi-spaces) that hold nothing
 * live between requests; GetRecommendations measured the same CPU per request either way (the
 * request's garbage dies young at either size). A flag given by the user (command line or
 * NODE_OPTIONS) wins.
 */
export const WORKER_V8_FLAGS = ["--max-semi-space-size=4"];

/** How long the primary waits for every worker's figures before the scrape fails. */
const METRICS_COLLECT_MS = 5_000;

export function workerExecArgv(execArgv: readonly string[], nodeOptions = ""): string[] {
  const given = `${execArgv.join(" ")} ${nodeOptions}`;
  return [...execArgv, ...WORKER_V8_FLAGS.filter((f) => !given.includes(f.split("=")[0]))];
}

export async function runPrimary(o: ClusterOptions): Promise<void> {
  const dataDir = resolve(o.dataDir);
  const { credentials, generatedPath } = resolveCredentials({ credentialsFile: o.credentials }, dataDir);
  cluster.setupPrimary({ execArgv: workerExecArgv(process.execArgv, process.env.NODE_OPTIONS) });

  let stopping = false;
  let url: string | undefined;
  const ready = new Set<Worker>();
  const relay = metricsRelay(ready);

  const stopAll = (exitCode: number) => {
    if (stopping) return;
    stopping = true;
    const alive = Object.values(cluster.workers ?? {}).filter((w): w is Worker => Boolean(w));
    if (alive.length === 0) process.exit(exitCode);
    for (const w of alive) w.process.kill("SIGTERM");
    process.exitCode = exitCode;
  };

  cluster.on("message", (worker, msg: ListeningMessage | MetricsRequest | MetricsReport) => {
    if (msg?.type === "pinrec:metrics-request") return relay.collect(worker, msg.id);
    if (msg?.type === "pinrec:metrics-report") return relay.report(msg);
    if (msg?.type !== "pinrec:listening") return;
    ready.add(worker);
    if (url) return;
    url = msg.url;
    process.stderr.write(`pinrec listening on ${url} (${o.workers} workers)\n`);
    if (generatedPath) printGeneratedCredentials({ url, credentials, generatedCredentials: generatedPath });
    // The first worker has migrated the schema; the others can open the database at once.
    for (let i = 1; i < o.workers && !stopping; i++) cluster.fork();
  });

  cluster.on("exit", (worker, code, signal) => {
    const wasReady = ready.delete(worker);
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(process.exitCode ?? 0);
      return;
    }
    if (!wasReady) {
      // It never came up (port in use, bad database…): restarting would only repeat the failure.
      process.stderr.write(`pinrec: a worker failed to start (exit ${code ?? signal}); stopping\n`);
      stopAll(typeof code === "number" && code !== 0 ? code : 1);
      return;
    }
    process.stderr.write(`pinrec: worker ${worker.process.pid} exited (${code ?? signal}); starting a new one\n`);
    cluster.fork();
  });

  process.on("SIGTERM", () => stopAll(0));
  process.on("SIGINT", () => stopAll(0));
  // One worker first: it brings the schema up to date before any other opens the database.
  cluster.fork();
}

/** Gathers every serving worker's figures for the worker that was scraped (see observability/cluster-metrics.ts). */
function metricsRelay(ready: Set<Worker>) {
  let nextId = 0;
  const collections = new Map<number, (report: MetricsReport) => void>();
  return {
    collect(asker: Worker, askId: number): void {
      const id = nextId++;
      const workers = [...ready].filter((w) => w.isConnected());
      const reports: MetricsReport["metrics"][] = [];
      const finish = (error?: string) => {
        clearTimeout(timer);
        collections.delete(id);
        if (asker.isConnected()) asker.send({ type: "pinrec:metrics-result", id: askId, reports, error } satisfies MetricsResult);
      };
      const timer = setTimeout(
        () =>
          finish(`${workers.length - reports.length} of ${workers.length} workers did not answer within ${METRICS_COLLECT_MS / 1000} s`),
        METRICS_COLLECT_MS,
      );
      if (workers.length === 0) return finish("no worker is serving");
      collections.set(id, (report) => {
        reports.push(report.metrics);
        if (reports.length === workers.length) finish();
      });
      for (const w of workers) w.send({ type: "pinrec:metrics-collect", id } satisfies MetricsCollect);
    },
    report(msg: MetricsReport): void {
      collections.get(msg.id)?.(msg);
    },
  };
}
