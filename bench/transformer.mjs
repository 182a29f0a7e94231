#!/usr/bin/env node
// node bench/transformer.mjs (after `npm run build`) — local transformer invocations per second:
// a trivial function (titles from a Map) over events of 50 endpoints, through the worker-thread
// pool, against the same handler called in-process in the same run (plainly, and with the JSON
// round trip a Lambda payload makes). Options: --duration=SECONDS (default 3 per row),
// --workers=N (default: the pool's default), --concurrency=N (in-flight invocations, default 16).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT, machine } from "./lib.mjs";

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, "").split("=")));
const DURATION_MS = Number(args.duration ?? 3) * 1000;
const CONCURRENCY = Number(args.concurrency ?? 16);
const ENDPOINTS = 50;
const { LocalFunctionInvoker, defaultFunctionWorkers } = await import(
  pathToFileURL(join(ROOT, "dist/pinpoint/messaging/transformer/local.js")).href
);
const WORKERS = Number(args.workers ?? defaultFunctionWorkers());

const dir = mkdtempSync(join(tmpdir(), "pinrec-bench-transformer-"));
writeFileSync(
  join(dir, "add-titles.mjs"),
  `const titles = new Map(Array.from({ length: 1000 }, (_, i) => [String(i), "Item " + i]));
export const handler = async (event) => {
  for (const endpoint of Object.values(event.Endpoints)) {
    endpoint.Recommendations = { Title: endpoint.RecommendationItems.map((id) => titles.get(id) ?? id) };
  }
  return event.Endpoints;
};`,
);
const { handler } = await import(pathToFileURL(join(dir, "add-titles.mjs")).href);

const tenant = { accountId: "123456789012", region: "us-east-1" };
function event(seed) {
  const Endpoints = {};
  for (let i = 0; i < ENDPOINTS; i++) {
    const u = (seed * ENDPOINTS + i) % 1000;
    Endpoints[`ep-${u}`] = {
      ChannelType: "EMAIL",
      Address: `user${u}@example.com`,
      EndpointStatus: "ACTIVE",
      OptOut: "NONE",
      Attributes: { AddressType: ["primary"] },
      User: { UserId: `user-${u}`, UserAttributes: { FirstName: ["Ana"] } },
      RecommendationItems: [0, 1, 2, 3, 4].map((k) => String((u + k * 7) % 1000)),
    };
  }
  return { ApplicationId: "bench", Endpoints };
}
const events = Array.from({ length: 64 }, (_, i) => event(i));

/** Runs `call` with `concurrency` in flight for DURATION_MS; invocations/s and latency percentiles. */
async function measure(concurrency, call) {
  const latencies = [];
  let n = 0;
  const end = performance.now() + DURATION_MS;
  const lane = async () => {
    while (performance.now() < end) {
      const t = performance.now();
      await call(events[n++ % events.length]);
      latencies.push(performance.now() - t);
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, lane));
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
  return { perSecond: latencies.length / seconds, p50: pct(50), p99: pct(99) };
}

const invoker = new LocalFunctionInvoker({ functionsDir: dir, workers: WORKERS });
await invoker.invoke(tenant, "add-titles", events[0]); // start and warm one worker
await Promise.all(Array.from({ length: WORKERS * 2 }, (_, i) => invoker.invoke(tenant, "add-titles", events[i])));

console.log(`pinrec bench:transformer — ${machine()}`);
console.log(`${ENDPOINTS} endpoints per event, ${DURATION_MS / 1000} s per row, pool of ${WORKERS} workers\n`);
/** @type {[string, { perSecond: number, p50: number, p99: number }][]} */
const rows = [
  ["in-process handler call (baseline)", await measure(1, (e) => handler(structuredClone(e), {}))],
  [
    "in-process, JSON round trip",
    await measure(1, async (e) => JSON.parse(JSON.stringify(await handler(JSON.parse(JSON.stringify(e)), {})))),
  ],
  ["worker pool, 1 in flight", await measure(1, (e) => invoker.invoke(tenant, "add-titles", e))],
  [`worker pool, ${CONCURRENCY} in flight`, await measure(CONCURRENCY, (e) => invoker.invoke(tenant, "add-titles", e))],
];
await invoker.close();
rmSync(dir, { recursive: true, force: true });

const base = rows[0][1].perSecond;
console.log("| how | invocations/s | endpoints/s | p50 ms | p99 ms | ratio to baseline |");
console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
for (const [name, r] of rows) {
  const f = (x, d = 0) => x.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });
  console.log(
    `| ${name} | ${f(r.perSecond)} | ${f(r.perSecond * ENDPOINTS)} | ${f(r.p50, 2)} | ${f(r.p99, 2)} | ${(r.perSecond / base).toFixed(2)} |`,
  );
}
