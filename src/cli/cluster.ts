/**
 * `pinrec serve --workers N`: N server processes sharing one port through node:cluster, so every
 * core answers requests. The primary prepares what must happen once (generated credentials, schema
 * migrations), restarts a worker that dies, and on SIGTERM/SIGINT stops every worker gracefully.
 */
import cluster, { type Worker } from "node:cluster";
import { resolve } from "node:path";
import { resolveCredentials } from "../serve.js";
import { openStore } from "../store/open.js";
import { printGeneratedCredentials } from "./banner.js";

export interface ClusterOptions {
  workers: number;
  dataDir: string;
  credentials?: string;
  database?: string;
}

export interface ListeningMessage {
  type: "pinrec:listening";
  url: string;
}

export async function runPrimary(o: ClusterOptions): Promise<void> {
  const dataDir = resolve(o.dataDir);
  const { credentials, generatedPath } = resolveCredentials({ credentialsFile: o.credentials }, dataDir);
  const store = await openStore({ database: o.database, dataDir }); // migrate once, before any worker
  for (const notice of store.notices) process.stderr.write(`pinrec: ${notice}\n`);
  await store.close();

  let stopping = false;
  let url: string | undefined;
  const ready = new Set<Worker>();

  const stopAll = (exitCode: number) => {
    if (stopping) return;
    stopping = true;
    const alive = Object.values(cluster.workers ?? {}).filter((w): w is Worker => Boolean(w));
    if (alive.length === 0) process.exit(exitCode);
    for (const w of alive) w.process.kill("SIGTERM");
    process.exitCode = exitCode;
  };

  cluster.on("message", (worker, msg: ListeningMessage) => {
    if (msg?.type !== "pinrec:listening") return;
    ready.add(worker);
    if (url) return;
    url = msg.url;
    process.stderr.write(`pinrec listening on ${url} (${o.workers} workers)\n`);
    if (generatedPath) printGeneratedCredentials({ url, credentials, generatedCredentials: generatedPath });
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
  for (let i = 0; i < o.workers; i++) cluster.fork();
}
