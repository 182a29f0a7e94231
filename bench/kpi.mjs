#!/usr/bin/env node
// KPI benchmark (`npm run bench:kpi`, after `npm run build`): 1,000,000 stored engagement events of one
// app over 90 days (sends, deliveries, opens, clicks of 20 campaigns and transactional mail, 50,000
// endpoints), then KPI queries over the last 31 days as GetApplicationDateRangeKpi and
// GetCampaignDateRangeKpi compute them (the same KpiService, in-process, on SQLite or --database URL).
// Reported: the median and worst of 20 runs per KPI (target ≤ 100 ms), with the core count.
//
//   node bench/kpi.mjs [--events 1000000] [--database postgres://…]
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { machine } from "./lib.mjs";
import { openStore } from "#dist/store/open.js";
import { AppService } from "#dist/pinpoint/apps/service.js";
import { KpiService } from "#dist/pinpoint/engagement/kpis.js";

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? dflt : args[i + 1];
};
const EVENTS = Number(opt("events", 1_000_000));
const DATABASE = opt("database", undefined);
const DAY = 86_400_000;
const tenant = { accountId: "111122223333", region: "us-east-1" };

const dir = mkdtempSync(join(os.tmpdir(), "pinrec-bench-kpi-"));
const store = await openStore({ dataDir: dir, database: DATABASE, schema: DATABASE ? `kpi_bench_${process.pid}` : undefined });
try {
  console.log(`machine: ${machine()} (shared with other work); ${store.kind}`);
  const app = await new AppService(store, 100).create(tenant, { Name: "kpi-bench" });
  const appId = app.Id;
  const now = Date.now();
  const started = performance.now();
  // Each message: a send, a delivery, sometimes an open, rarely a click; campaigns for 70 % of them.
  const batch = [];
  let n = 0;
  for (let m = 0; n < EVENTS; m++) {
    const at = now - Math.floor((m * 7919) % (90 * DAY));
    const campaign = m % 10 < 7 ? `c${m % 20}` : undefined;
    const base = {
      tenant,
      appId,
      endpointId: `e${m % 50_000}`,
      messageId: `m${m}`,
      ...(campaign && { campaignId: campaign, campaignActivityId: `${campaign}-a`, treatmentId: "0" }),
    };
    const types = ["_email.send", "_email.delivered", ...(m % 3 === 0 ? ["_email.open"] : []), ...(m % 11 === 0 ? ["_email.click"] : [])];
    for (const [i, eventType] of types.entries()) {
      if (n++ >= EVENTS) break;
      batch.push({ ...base, eventId: `${m}:${i}`, eventType, timestamp: at + i * 1000, attributes: {} });
    }
    if (batch.length >= 5000) await store.engagement.recordMany(batch.splice(0));
  }
  if (batch.length) await store.engagement.recordMany(batch.splice(0));
  console.log(`stored ${EVENTS.toLocaleString("en-US")} events in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const kpis = new KpiService(store);
  const range = { StartTime: new Date(now - 31 * DAY + 1).toISOString(), EndTime: new Date(now).toISOString() };
  const cases = [
    ["application", "txn-emails-delivered"],
    ["application", "successful-delivery-rate"],
    ["application", "unique-deliveries"],
    ["application", "email-open-rate-grouped-by-date"],
    ["application", "successful-deliveries-grouped-by-campaign"],
    ["campaign", "email-open-rate"],
    ["campaign", "unique-deliveries-grouped-by-campaign-activity"],
  ];
  let worstMedian = 0;
  for (const [scope, name] of cases) {
    const run = () =>
      scope === "application"
        ? kpis.application(tenant, appId, { KpiName: name, ...range })
        : kpis.compute(tenant, appId, "campaign", { KpiName: name, ...range }, { campaignId: "c3" });
    await run();
    const times = [];
    for (let i = 0; i < 20; i++) {
      const t = performance.now();
      await run();
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    const median = times[10];
    worstMedian = Math.max(worstMedian, median);
    console.log(`${scope.padEnd(11)} ${name.padEnd(48)} median ${median.toFixed(1)} ms, worst ${times[19].toFixed(1)} ms`);
  }
  console.log(`slowest median: ${worstMedian.toFixed(1)} ms (target ≤ 100 ms)`);
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
