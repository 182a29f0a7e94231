#!/usr/bin/env node
// Campaign benchmark (`npm run bench:campaign`, builds first): a Pinpoint campaign run over an
// imported segment, recipient by recipient into the outbox, by real `pinrec serve` processes.
//
// Setup, as a user would do it: `pinrec data synth` and `pinrec campaigns create` (the engine), one
// app, a recommender configuration (PINPOINT_USER_ID, 5 items, a local transformer adding titles),
// an email template with the five items and their titles, an enabled email channel, and imported
// segments of 10,000 and N (default 100,000) EMAIL endpoints (`SegmentImporter`, what `pinrec
// segments import` runs). Each campaign is created through the API (CreateCampaign, StartTime
// IMMEDIATE) and the servers' schedulers fire it; the benchmark only reads the database.
//
// Reported: messages/s of a run (activity End - Start, every message in the outbox), on SQLite in
// one process, and on one PostgreSQL database with one process, then two (the ratio); the server's
// RSS during each SQLite run, peak and at each tenth of the run (memory stays flat as the segment
// grows). `--rss-series 10000,50000,100000,200000` runs SQLite at each size instead, in a server
// started with --trace-gc, and adds the largest heap after a full GC during each run.
//
//   node bench/campaign.mjs [--endpoints 100000] [--pg-endpoints 100000] [--pg postgres://…] [--skip-pg] [--rss-series a,b,…]
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { CreateCampaignCommand, PinpointClient, UpdateEmailChannelCommand } from "@aws-sdk/client-pinpoint";
import { ROOT, createPicksEmail, writeAddTitles, machine, startChild } from "./lib.mjs";
import { openStore } from "#dist/store/open.js";
import { EndpointService } from "#dist/pinpoint/endpoints/service.js";
import { SegmentImporter } from "#dist/pinpoint/segments/import.js";

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? dflt : args[i + 1];
};
const N = Number(opt("endpoints", 100_000));
const PG_N = Number(opt("pg-endpoints", N));
const SMALL = 10_000;
const PG_URL = opt("pg", process.env.PINREC_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test");
const SKIP_PG = args.includes("--skip-pg");
// --rss-series 10000,50000,100000,200000: SQLite runs of each size in one server started with
// --trace-gc, reporting RSS over each run and the heap after full GCs (does memory follow the segment?).
const SERIES = opt("rss-series")?.split(",").map(Number);
const SQLITE_SIZES = SERIES ? Object.fromEntries(SERIES.map((n) => [`s${n}`, n])) : { small: SMALL, big: N };
// Segment import keeps at most 15 endpoints per user (Pinpoint's limit), so enough users for every endpoint.
const USERS = Math.max(10_000, Math.ceil(Object.values(SQLITE_SIZES).reduce((a, b) => a + b, 0) / 15));
const TARGETS = { sqlite: 3_000, ratio: 1.6 };
const CREDENTIAL = {
  accessKeyId: "AKIABENCHCAMPAIGN001",
  secretAccessKey: "bench-campaign-secret-0123456789abc",
  accountId: "111122223333",
};
const TENANT = { accountId: CREDENTIAL.accountId, region: "us-east-1" };

const dir = mkdtempSync(join(os.tmpdir(), "pinrec-bench-campaign-"));
const pinrec = (...a) =>
  execFileSync(process.execPath, [join(ROOT, "bin/pinrec.js"), ...a], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] }).toString();
const credentials = join(dir, "credentials.json");
const functionsDir = join(dir, "functions");

function endpointsCsv(name, n, offset) {
  const path = join(dir, `${name}.csv`);
  const lines = ["ChannelType,Address,Id,User.UserId"];
  for (let i = 0; i < n; i++) lines.push(`EMAIL,${name}${i}@example.com,${name}-${String(i).padStart(7, "0")},u${(i + offset) % USERS}`);
  writeFileSync(path, lines.join("\n") + "\n");
  return path;
}

/** One data dir (and PostgreSQL schema): the engine campaign, the app and its settings, the segments. */
async function setup(kind, sizes) {
  const dataDir = join(dir, `data-${kind}`);
  mkdirSync(dataDir, { recursive: true });
  let database;
  let schema;
  if (kind === "postgres") {
    schema = `bench_${randomBytes(5).toString("hex")}`;
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`CREATE SCHEMA ${schema}`);
    await c.end();
    database = `${PG_URL}${PG_URL.includes("?") ? "&" : "?"}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  }
  const common = ["--data-dir", dataDir, "--credentials", credentials, ...(database ? ["--database", database] : [])];
  const engine = JSON.parse(
    pinrec(
      "campaigns",
      "create",
      "--name",
      "bench",
      "--interactions",
      join(dir, "synth/interactions.csv"),
      "--items",
      join(dir, "synth/items.csv"),
      ...common,
    ),
  );
  const serveArgs = [...common, "--functions-dir", functionsDir, "--log-level", "warn"];
  const first = await server(serveArgs, SERIES ? ["--trace-gc"] : []);
  const client = clientOf(first);
  const { appId } = await createPicksEmail(client, engine.campaignArn);
  await client.send(
    new UpdateEmailChannelCommand({
      ApplicationId: appId,
      EmailChannelRequest: {
        FromAddress: "news@example.com",
        Identity: "arn:aws:ses:us-east-1:111122223333:identity/example.com",
        Enabled: true,
      },
    }),
  );
  const store = await openStore({ dataDir, ...(database && { database: PG_URL, schema }) });
  const segments = {};
  let offset = 0;
  for (const [name, n] of Object.entries(sizes)) {
    const t = Date.now();
    const csv = endpointsCsv(name, n, offset);
    offset += n;
    const imported = await new SegmentImporter(store, new EndpointService(store)).import(
      TENANT,
      appId,
      { path: csv, format: "CSV", s3Url: `file://${csv}` },
      name,
    );
    segments[name] = imported.segment.Id;
    console.log(`${kind}: segment ${name} of ${n} endpoints imported in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  }
  return { kind, serveArgs, servers: [first], appId, store, segments, schema, ...(SERIES && { fullGcs: traceGc(first) }) };
}

function clientOf(server) {
  return new PinpointClient({
    endpoint: server.url,
    region: "us-east-1",
    credentials: { accessKeyId: CREDENTIAL.accessKeyId, secretAccessKey: CREDENTIAL.secretAccessKey },
    maxAttempts: 1,
  });
}

async function server(serveArgs, nodeArgs = []) {
  const c = await startChild([...nodeArgs, "bin/pinrec.js", "serve", "--port", "0", ...serveArgs], /pinrec listening on \S+/);
  return { ...c, url: /pinrec listening on (\S+)/.exec(c.output())[1] };
}

let seq = 0;

/** Heap after each full GC of a server started with --trace-gc (MB), with when it was read. */
function traceGc(server) {
  const fullGcs = [];
  server.child.stdout.on("data", (d) => {
    for (const m of String(d).matchAll(/Mark-Compact[^\n]*?([\d.]+) \(([\d.]+)\) -> ([\d.]+) \(([\d.]+)\) MB/g))
      fullGcs.push([Date.now(), Number(m[3])]);
  });
  return fullGcs;
}

/** Reads the run's database (never writes it: the campaign is created through the API). */
async function reader(env) {
  if (env.kind === "postgres") {
    const db = new pg.Client({ connectionString: PG_URL, options: `-c search_path=${env.schema}` });
    await db.connect();
    return {
      all: async (sql, params) =>
        (
          await db.query(
            sql.replace(
              /\?/g,
              (
                (i) => () =>
                  `$${++i}`
              )(0),
            ),
            params,
          )
        ).rows,
      close: () => db.end(),
    };
  }
  const { default: Database } = await import("better-sqlite3");
  const sqlite = new Database(join(dir, "data-sqlite", "pinrec.db"), { readonly: true });
  sqlite.pragma("busy_timeout = 10000");
  return { all: async (sql, params) => sqlite.prepare(sql).all(...params), close: async () => sqlite.close() };
}

/**
 * Creates a campaign over `segmentId` through the API (CreateCampaign, StartTime IMMEDIATE), waits
 * for its activity to complete; messages/s, and the servers' RSS sampled every 100 ms.
 */
async function run(env, segmentId, expected) {
  // A client of its own: a kept-alive socket idle through the previous run may be closed under it.
  const client = clientOf(env.servers[0]);
  const created = await client.send(
    new CreateCampaignCommand({
      ApplicationId: env.appId,
      WriteCampaignRequest: {
        Name: `bench-${seq++}`,
        SegmentId: segmentId,
        Schedule: { StartTime: "IMMEDIATE", Frequency: "ONCE" },
        TemplateConfiguration: { EmailTemplate: { Name: "picks" } },
      },
    }),
  );
  client.destroy();
  const id = created.CampaignResponse.Id;
  const db = await reader(env);
  const samples = [];
  const sampler = setInterval(() => {
    try {
      samples.push([Date.now(), env.servers.reduce((sum, s) => sum + s.rssMb(), 0)]);
    } catch {
      // a process between samples
    }
  }, 100);
  let activity;
  for (;;) {
    const rows = await db.all("SELECT doc FROM campaign_activities WHERE app_id = ? AND campaign_id = ?", [env.appId, id]);
    activity = rows[0] && JSON.parse(/** @type {any} */ (rows[0]).doc);
    if (activity?.State === "COMPLETED") break;
    await new Promise((r) => setTimeout(r, 200));
  }
  clearInterval(sampler);
  const [{ n }] = /** @type {any[]} */ (
    await db.all("SELECT COUNT(*) AS n FROM outbox_messages WHERE app_id = ? AND doc LIKE ?", [env.appId, `%"requestId":"${activity.Id}"%`])
  );
  await db.close();
  if (activity.SuccessfulEndpointCount !== expected || Number(n) !== expected) {
    throw new Error(`run of ${expected}: ${activity.SuccessfulEndpointCount} successful, ${n} in the outbox: ${JSON.stringify(activity)}`);
  }
  const [from, to] = [Date.parse(activity.Start), Date.parse(activity.End)];
  const seconds = (to - from) / 1000;
  // RSS at each tenth of the run, to see whether it climbs with the endpoints sent or levels off.
  const during = samples.filter(([t]) => t >= from && t <= to);
  const timeline = Array.from(
    { length: 10 },
    (_, i) => during[Math.min(during.length - 1, Math.floor(((i + 1) * during.length) / 10) - 1)]?.[1] ?? NaN,
  );
  const fullGcs = (env.fullGcs ?? []).filter(([t]) => t >= from && t <= to).map(([, mb]) => mb);
  return {
    perSecond: expected / seconds,
    seconds,
    peakMb: Math.max(...samples.map(([, mb]) => mb)),
    timeline,
    heapAfterGcMb: fullGcs.length > 0 ? Math.max(...fullGcs) : undefined,
    fullGcCount: fullGcs.length,
  };
}

const fmt = (x) => Math.round(x).toLocaleString("en-US");
const met = (ok) => (ok ? "met" : "NOT met");

const envs = [];
try {
  console.log(`pinrec bench:campaign — ${machine()} (shared with other work)`);
  mkdirSync(functionsDir, { recursive: true });
  writeFileSync(credentials, JSON.stringify([CREDENTIAL]));
  writeAddTitles(functionsDir);
  pinrec("data", "synth", "--users", String(USERS), "--items", "500", "--interactions", "200000", "--out", join(dir, "synth"));

  const sqlite = await setup("sqlite", SQLITE_SIZES);
  envs.push(sqlite);
  const results = [];
  for (const [name, n] of Object.entries(SQLITE_SIZES)) {
    const r = await run(sqlite, sqlite.segments[name], n);
    results.push({ n, ...r });
    console.log(
      `sqlite, 1 process, ${fmt(n)} endpoints: ${fmt(r.perSecond)} messages/s (${r.seconds.toFixed(1)} s), peak RSS ${fmt(r.peakMb)} MB`,
    );
    console.log(`  RSS at each tenth of the run (MB): ${r.timeline.map(fmt).join(" ")}`);
    if (r.heapAfterGcMb !== undefined)
      console.log(`  heap after full GC: at most ${r.heapAfterGcMb.toFixed(1)} MB over ${r.fullGcCount} full GCs`);
  }
  const [small, big] = [results[0], results[results.length - 1]];

  let ratio;
  if (!SKIP_PG) {
    const pgEnv = await setup("postgres", { big: PG_N });
    envs.push(pgEnv);
    const one = await run(pgEnv, pgEnv.segments.big, PG_N);
    console.log(`postgres, 1 process, ${fmt(PG_N)} endpoints: ${fmt(one.perSecond)} messages/s (${one.seconds.toFixed(1)} s)`);
    pgEnv.servers.push(await server(pgEnv.serveArgs));
    const two = await run(pgEnv, pgEnv.segments.big, PG_N);
    ratio = two.perSecond / one.perSecond;
    console.log(
      `postgres, 2 processes, ${fmt(PG_N)} endpoints: ${fmt(two.perSecond)} messages/s (${two.seconds.toFixed(1)} s): ${ratio.toFixed(2)}x one process`,
    );
  }
  console.log("\ntargets (2 cores):");
  console.log(
    `  SQLite, one process, ${fmt(big.n)} endpoints >= ${fmt(TARGETS.sqlite)} messages/s: ${fmt(big.perSecond)} — ${met(big.perSecond >= TARGETS.sqlite)}`,
  );
  if (ratio !== undefined)
    console.log(`  PostgreSQL, two processes / one >= ${TARGETS.ratio}x: ${ratio.toFixed(2)}x — ${met(ratio >= TARGETS.ratio)}`);
  console.log(
    `  RSS flat as the segment grows: ${fmt(small.peakMb)} MB at ${fmt(small.n)}, ${fmt(big.peakMb)} MB at ${fmt(big.n)} (${(big.peakMb / small.peakMb).toFixed(2)}x) — ${met(big.peakMb <= small.peakMb * 1.5)}`,
  );
  if (results.length > 2) {
    // The smallest run ends while the server is still warming up (its RSS climbs throughout): whether
    // memory follows the segment shows between the larger runs, and in the live heap.
    const prev = results[results.length - 2];
    console.log(
      `  RSS levels off: ${fmt(prev.peakMb)} MB at ${fmt(prev.n)}, ${fmt(big.peakMb)} MB at ${fmt(big.n)} (${(big.peakMb / prev.peakMb).toFixed(2)}x for ${(big.n / prev.n).toFixed(1)}x the endpoints, bound 1.2x) — ${met(big.peakMb <= prev.peakMb * 1.2)}`,
    );
    if (big.heapAfterGcMb !== undefined)
      console.log(
        `  heap after full GC flat: ${small.heapAfterGcMb.toFixed(1)} MB at ${fmt(small.n)}, ${big.heapAfterGcMb.toFixed(1)} MB at ${fmt(big.n)} (bound 1.5x) — ${met(big.heapAfterGcMb <= small.heapAfterGcMb * 1.5)}`,
      );
  }
} finally {
  for (const env of envs) {
    for (const s of env.servers) await s.stop();
    await env.store.close();
    if (env.schema) {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${env.schema} CASCADE`);
      await c.end();
    }
  }
  rmSync(dir, { recursive: true, force: true });
}
