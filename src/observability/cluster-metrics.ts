/**
 * `GET /metrics` under `pinrec serve --workers N`. Each worker counts only what it answered, and a
 * scrape reaches whichever worker the primary hands the connection to, so the answering worker asks
 * the primary for every worker's figures and merges them with prom-client's
 * `AggregatorRegistry.aggregate`: counters and histograms are summed, a gauge is merged as its
 * `aggregator` says (see metrics.ts). The primary only relays messages (cli/cluster.ts) and never
 * loads prom-client; its own process is not in the figures, since it answers no requests.
 *
 * prom-client's `clusterMetrics()` does the asking from the primary, which would load prom-client
 * there; its static `aggregate` is the same merge, run in the worker instead.
 */
import cluster from "node:cluster";
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue } from "prom-client";
import { ApiError } from "../shared/errors.js";
import { registry } from "./metrics.js";

type WorkerMetrics = MetricObjectWithValues<MetricValue<string>>[];

/** Worker → primary: "a scrape arrived; gather everyone's figures". */
export interface MetricsRequest {
  type: "pinrec:metrics-request";
  id: number;
}
/** Primary → every worker: "send me your figures". */
export interface MetricsCollect {
  type: "pinrec:metrics-collect";
  id: number;
}
/** Worker → primary: one worker's figures. */
export interface MetricsReport {
  type: "pinrec:metrics-report";
  id: number;
  metrics: WorkerMetrics;
}
/** Primary → the asking worker: every worker's figures, or why they could not all be gathered. */
export interface MetricsResult {
  type: "pinrec:metrics-result";
  id: number;
  reports: WorkerMetrics[];
  error?: string;
}

/** How long the asking worker waits for the primary; the primary gives the workers less (cli/cluster.ts). */
const RESULT_TIMEOUT_MS = 10_000;

let nextId = 0;
const pending = new Map<number, (result: MetricsResult) => void>();
let listening = false;

/**
 * In a cluster worker: answer the primary's collection requests with this worker's figures, and
 * take the results of this worker's own requests. Call once the worker serves.
 */
export function answerMetricsCollection(): void {
  if (!cluster.isWorker || listening) return;
  listening = true;
  process.on("message", (msg: MetricsCollect | MetricsResult) => {
    if (msg?.type === "pinrec:metrics-collect") {
      void registry
        .getMetricsAsJSON()
        .then((metrics) => process.send?.({ type: "pinrec:metrics-report", id: msg.id, metrics } satisfies MetricsReport));
    } else if (msg?.type === "pinrec:metrics-result") {
      pending.get(msg.id)?.(msg);
    }
  });
}

/** The Prometheus text of this process, or of every worker when this process is a cluster worker. */
export async function metricsText(): Promise<string> {
  if (!listening) return registry.metrics();
  const id = nextId++;
  const result = await new Promise<MetricsResult>((resolve) => {
    const timer = setTimeout(
      () => resolve({ type: "pinrec:metrics-result", id, reports: [], error: "the primary process did not answer" }),
      RESULT_TIMEOUT_MS,
    );
    pending.set(id, (r) => {
      clearTimeout(timer);
      resolve(r);
    });
    process.send!({ type: "pinrec:metrics-request", id } satisfies MetricsRequest);
  }).finally(() => pending.delete(id));
  // Figures missing a worker would look like a counter reset to Prometheus: a failed scrape is honest.
  if (result.error)
    throw new ApiError(
      "ServiceUnavailableException",
      503,
      `metrics could not be gathered from every worker: ${result.error}; retry the scrape`,
    );
  return AggregatorRegistry.aggregate(result.reports).metrics();
}
