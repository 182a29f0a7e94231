/**
 * Every Prometheus instrument pinrec exposes on `GET /metrics`, declared in one place so any layer
 * (HTTP front, store, campaign registry, send pipeline) can import and update them without knowing
 * HTTP. They live in one registry per process, as Prometheus expects of a scrape target; several
 * servers started in one process (the tests do) share it, so tests compare before/after values.
 *
 * Naming follows https://prometheus.io/docs/practices/naming/: `pinrec_` prefix, base units
 * (seconds), `_total` for counters.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { VERSION } from "../version.js";
import { bindCounter, bindHistogram, type BoundCounter, type BoundHistogram } from "./bound-series.js";

export const registry = new Registry();

/** Latency buckets (seconds) for requests and deliveries: sub-millisecond reads up to slow sends. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export const buildInfo = new Gauge({
  name: "pinrec_build_info",
  help: "Always 1; the labels say which pinrec version and Node.js runtime are running",
  labelNames: ["version", "node"] as const,
  // Under `serve --workers`, /metrics merges the workers' figures (cluster-metrics.ts): counters and
  // histograms add up, but every worker runs the same version, so this gauge is reported once.
  aggregator: "first",
  registers: [registry],
});
buildInfo.set({ version: VERSION, node: process.version }, 1);

export const requests = new Counter({
  name: "pinrec_requests_total",
  help: "API requests answered, by service, operation (or unknown/unimplemented route) and HTTP status",
  labelNames: ["service", "operation", "status"] as const,
  registers: [registry],
});

export const requestDuration = new Histogram({
  name: "pinrec_request_duration_seconds",
  help: "Time from a request's arrival to its response, by service and operation",
  labelNames: ["service", "operation"] as const,
  buckets: LATENCY_BUCKETS,
  registers: [registry],
});

export const sigv4Failures = new Counter({
  name: "pinrec_sigv4_failures_total",
  help: "Requests refused by Signature Version 4 verification, by reason",
  labelNames: ["reason"] as const,
  registers: [registry],
});

export const storeQueryDuration = new Histogram({
  name: "pinrec_store_query_duration_seconds",
  help: "Database statements and transactions, by store kind (sqlite, postgres) and statement (select, insert, …, transaction)",
  labelNames: ["store", "statement"] as const,
  buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
  registers: [registry],
});

export const modelVersion = new Gauge({
  name: "pinrec_campaign_model_version",
  help: "Version of each campaign's model this server answers from (the series disappears when the campaign is deleted)",
  labelNames: ["account", "region", "campaign"] as const,
  // Across workers: the oldest version any of them answers from (each loads a retrained model on its own poll).
  aggregator: "min",
  registers: [registry],
});

export const modelLoadDuration = new Histogram({
  name: "pinrec_campaign_model_load_seconds",
  help: "Time to read, deserialize and bring a campaign model up to date with recorded events, by recipe",
  labelNames: ["recipe"] as const,
  buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [registry],
});

export const modelLoadFailures = new Counter({
  name: "pinrec_campaign_model_load_failures_total",
  help: "Campaign models that could not be loaded (missing or unreadable model data)",
  registers: [registry],
});

export const eventsFolded = new Counter({
  name: "pinrec_events_folded_total",
  help: "Recorded interaction events (PutEvents, from any server on the database) folded into loaded models",
  registers: [registry],
});

export const eventsRecorded = new Counter({
  name: "pinrec_events_recorded_total",
  help: "Interaction events accepted by PutEvents on this server",
  registers: [registry],
});

/** For the send pipeline: one increment per message, e.g. `messages.inc({ channel: "EMAIL", status: "SUCCESSFUL" })`. */
export const messages = new Counter({
  name: "pinrec_messages_total",
  help: "Messages handled by the send pipeline, by channel (EMAIL, SMS, PUSH, CUSTOM) and delivery status",
  labelNames: ["channel", "status"] as const,
  registers: [registry],
});

/** For the outbox drainers: how long a transport took to deliver one message, by channel. */
export const deliveryDuration = new Histogram({
  name: "pinrec_message_delivery_seconds",
  help: "Time the transport (SMTP or webhook) took to deliver one message from the outbox, by channel",
  labelNames: ["channel"] as const,
  buckets: LATENCY_BUCKETS,
  registers: [registry],
});

let processMetrics = false;
/** Node.js process metrics (CPU, memory, event-loop lag, GC, start time), once per process. */
export function enableProcessMetrics(): void {
  if (processMetrics) return;
  processMetrics = true;
  collectDefaultMetrics({ register: registry });
}

type RequestInstruments = { count: BoundCounter; duration: BoundHistogram };
const requestChildren = new Map<string, RequestInstruments>();

/**
 * Counts one answered request. The series are bound once per label set (bound-series.ts), so the
 * hot path costs a map lookup, an increment and a bucket search instead of prom-client's label
 * hashing.
 */
export function recordRequest(service: string, operation: string, status: number, seconds: number): void {
  const key = `${service}\u0000${operation}\u0000${status}`;
  let c = requestChildren.get(key);
  if (!c) {
    c = {
      count: bindCounter(requests, { service, operation, status: String(status) }),
      duration: bindHistogram(requestDuration, { service, operation }),
    };
    requestChildren.set(key, c);
  }
  c.count.inc();
  c.duration.observe(seconds);
}

/** The store's timer for one kind of statement (see store/instrumented.ts). */
export function storeQueryTimer(store: string, statement: string): BoundHistogram {
  return bindHistogram(storeQueryDuration, { store, statement });
}
