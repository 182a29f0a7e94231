#!/usr/bin/env node
// npm run bench:segments — an imported segment of N endpoints (default 100,000) from a CSV file,
// then a dimensional segment over them iterated with endpointsOf in batches of 500, on SQLite and
// (with --pg=postgres://…) PostgreSQL. Reports import rate, iteration rate, a plain scan of the
// endpoints table in the same run as the baseline, and the process's peak RSS.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { machine } from "./lib.mjs";
import { openStore } from "#dist/store/open.js";
import { AppService } from "#dist/pinpoint/apps/service.js";
import { EndpointService } from "#dist/pinpoint/endpoints/service.js";
import { SegmentService } from "#dist/pinpoint/segments/service.js";
import { SegmentImporter } from "#dist/pinpoint/segments/import.js";

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, "").split("=")));
const N = Number(args.endpoints ?? 100_000);
/** This process's CPU seconds (user + system) from a cpuUsage() difference: steadier than wall time on a shared machine. */
const cpuS = (u) => (u.user + u.system) / 1e6;
const TENANT = { accountId: "123456789012", region: "us-east-1" };
console.log(`pinrec bench:segments — ${machine()} — ${N} endpoints`);

const dir = mkdtempSync(join(tmpdir(), "pinrec-bench-segments-"));
const csv = join(dir, "endpoints.csv");
const lines = ["ChannelType,Address,Id,User.UserId,Attributes.Plan,Attributes.Interests,Metrics.Visits,Location.Country"];
const plans = ["free", "pro", "team"];
const countries = ["US", "DE", "FR", "JP"];
for (let i = 0; i < N; i++)
  lines.push(`EMAIL,user${i}@example.com,e${i},u${i},${plans[i % 3]},topic-${i % 10},${i % 50},${countries[i % 4]}`);
writeFileSync(csv, lines.join("\n") + "\n");

let peakRss = 0;
const sample = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);

async function run(kind, open) {
  const store = await open();
  try {
    const apps = new AppService(store);
    const endpoints = new EndpointService(store);
    const segments = new SegmentService(store);
    const appId = (await apps.create(TENANT, { Name: "bench" })).Id;
    const rssBefore = process.memoryUsage().rss;
    peakRss = rssBefore;
    let t = performance.now();
    const cpu = process.cpuUsage();
    const imported = await new SegmentImporter(store, endpoints).import(
      TENANT,
      appId,
      { path: csv, format: "CSV", s3Url: `file://${csv}` },
      "all",
    );
    const importS = (performance.now() - t) / 1000;
    const importCpu = cpuS(process.cpuUsage(cpu));
    const importPeak = peakRss;

    // Baseline: every endpoint of the app, no criteria (the cost of reading and parsing the rows).
    const everyone = await segments.create(TENANT, appId, {});
    const iterate = async (id) => {
      peakRss = process.memoryUsage().rss;
      const start = performance.now();
      const startCpu = process.cpuUsage();
      let n = 0;
      for await (const batch of segments.endpointsOf(TENANT, appId, id, undefined, 500)) n += batch.length;
      return { n, s: (performance.now() - start) / 1000, cpu: cpuS(process.cpuUsage(startCpu)), peak: peakRss };
    };
    const base = await iterate(everyone.Id);
    const dims = await segments.create(TENANT, appId, {
      Dimensions: {
        Attributes: { Plan: { Values: ["pro", "team"] } },
        Metrics: { Visits: { ComparisonOperator: "GREATER_THAN_OR_EQUAL", Value: 10 } },
        Location: { Country: { DimensionType: "EXCLUSIVE", Values: ["JP"] } },
      },
    });
    const filtered = await iterate(dims.Id);
    const onImported = await segments.create(TENANT, appId, {
      SegmentGroups: {
        Groups: [
          {
            SourceSegments: [{ Id: imported.segment.Id }],
            Dimensions: [{ Attributes: { Interests: { AttributeType: "CONTAINS", Values: ["-7"] } } }],
          },
        ],
      },
    });
    const group = await iterate(onImported.Id);
    t = performance.now();
    const size = await segments.size(TENANT, appId, dims.Id);
    const countS = (performance.now() - t) / 1000;
    const mb = (b) => `${Math.round(b / 2 ** 20)} MB`;
    console.log(`\n${kind}`);
    console.log(
      `  import ${imported.processed} rows into an IMPORT segment (one transaction): ${importS.toFixed(1)} s wall (${importCpu.toFixed(1)} s CPU in this process), ${Math.round(imported.processed / importS)} endpoints/s, peak RSS ${mb(importPeak)} (before ${mb(rssBefore)})`,
    );
    console.log(
      `  iterate every endpoint (baseline):      ${base.n} in ${base.s.toFixed(2)} s wall, ${base.cpu.toFixed(2)} s CPU, peak RSS ${mb(base.peak)}`,
    );
    console.log(
      `  iterate 3-dimension segment:            ${filtered.n} in ${filtered.s.toFixed(2)} s wall, ${filtered.cpu.toFixed(2)} s CPU (wall ratio to baseline ${(filtered.s / base.s).toFixed(2)}), peak RSS ${mb(filtered.peak)}`,
    );
    console.log(
      `  iterate group (imported ∩ CONTAINS):    ${group.n} in ${group.s.toFixed(2)} s wall, ${group.cpu.toFixed(2)} s CPU (wall ratio ${(group.s / base.s).toFixed(2)}), peak RSS ${mb(group.peak)}`,
    );
    console.log(`  GetSegment-size COUNT of the 3-dimension segment: ${size} in ${countS.toFixed(2)} s`);
  } finally {
    await store.close();
  }
}

try {
  const dataDir = join(dir, "data");
  await run("SQLite", () => openStore({ dataDir }));
  if (args.pg) {
    const schema = `bench_${randomBytes(4).toString("hex")}`;
    const c = new pg.Client({ connectionString: args.pg });
    await c.connect();
    await c.query(`CREATE SCHEMA ${schema}`);
    try {
      await run("PostgreSQL", () => openStore({ dataDir, database: args.pg, schema }));
    } finally {
      await c.query(`DROP SCHEMA ${schema} CASCADE`);
      await c.end();
    }
  }
} finally {
  clearInterval(sample);
  rmSync(dir, { recursive: true, force: true });
}
