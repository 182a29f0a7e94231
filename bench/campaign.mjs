#!/usr/bin/env node
// Campaign benchmark (`npm run bench:campaign`, builds first): a Pinpoint campaign run over an
// imported segment, recipient by recipient into the outbox, by real `pinrec serve` processes.
//
// Setup, as a user would do it: `pinrec data synth` and `pinrec campaigns create` (the engine), one
// app, a recommender configuration (PINPOINT_USER_ID, 5 items, a local transformer adding titles),
// an email template with the five items and their titles, an enabled email channel, and imported
// segments of 10,000 and N (default 100,000) EMAIL endpoints (`SegmentImporter`, what `pinrec
// segments import` runs). Each campaign is written into message_campaigns due now (as CreateCampaign
// with StartTime IMMEDIATE stores it) and the servers' schedulers fire it.
//
// Reported: messages/s of a run (activity End - Start, every message in the outbox), on SQLite in
// one process, and on one PostgreSQL database with one process, then two (the ratio); the server's
// peak RSS during the 10k and the N-endpoint runs on SQLite (memory stays flat as the segment grows).
//
//   node bench/campaign.mjs [--endpoints 100000] [--pg-endpoints 100000] [--pg postgres://…] [--skip-pg]
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { CreateAppCommand, CreateEmailTemplateCommand, CreateRecommenderConfigurationCommand, PinpointClient, UpdateEmailChannelCommand } from "@aws-sdk/client-pinpoint";
import { ROOT, machine, startChild } from "./lib.mjs";
import { openStore } from "../dist/store/open.js";
import { EndpointService } from "../dist/endpoints/service.js";
import { SegmentImporter } from "../dist/segments/import.js";

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
const USERS = 10_000;
const TARGETS = { sqlite: 3_000, ratio: 1.6 };
const CREDENTIAL = { accessKeyId: "AKIABENCHCAMPAIGN001", secretAccessKey: "bench-campaign-secret-0123456789abc", accountId: "111122223333" };
const TENANT = { accountId: CREDENTIAL.accountId, region: "us-east-1" };

const dir = mkdtempSync(join(os.tmpdir(), "pinrec-bench-campaign-"));
const pinrec = (...a) => execFileSync(process.execPath, [join(ROOT, "bin/pinrec.js"), ...a], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] }).toString();
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
  const engine = JSON.parse(pinrec("campaigns", "create", "--name", "bench", "--interactions", join(dir, "synth/interactions.csv"), "--items", join(dir, "synth/items.csv"), ...common));
  const serveArgs = [...common, "--functions-dir", functionsDir, "--log-level", "warn"];
  const first = await server(serveArgs);
  const client = new PinpointClient({ endpoint: first.url, region: "us-east-1", credentials: { accessKeyId: CREDENTIAL.accessKeyId, secretAccessKey: CREDENTIAL.secretAccessKey }, maxAttempts: 1 });
  const appId = (await client.send(new CreateAppCommand({ CreateApplicationRequest: { Name: "bench" } }))).ApplicationResponse.Id;
  const recommender = (
    await client.send(
      new CreateRecommenderConfigurationCommand({
        CreateRecommenderConfiguration: {
          RecommendationProviderUri: engine.campaignArn,
          RecommendationProviderRoleArn: "arn:aws:iam::111122223333:role/PinpointRoleforPersonalize",
          RecommendationProviderIdType: "PINPOINT_USER_ID",
          RecommendationsPerMessage: 5,
          RecommendationTransformerUri: "add-titles",
          Attributes: { "Recommendations.Title": "Title" },
        },
      }),
    )
  ).RecommenderConfigurationResponse.Id;
  await client.send(
    new CreateEmailTemplateCommand({
      TemplateName: "picks",
      EmailTemplateRequest: {
        RecommenderId: recommender,
        Subject: "{{Recommendations.Title.[0]}} and more, picked for you",
        HtmlPart: "<h1>Picked for you</h1><ol>{{#each RecommendationItems}}<li>{{this}}</li>{{/each}}</ol><p>{{Recommendations.Title.[0]}}, {{Recommendations.Title.[1]}}</p>",
        TextPart: "{{#each Recommendations.Title}}- {{this}}\n{{/each}}",
      },
    }),
  );
  await client.send(new UpdateEmailChannelCommand({ ApplicationId: appId, EmailChannelRequest: { FromAddress: "news@example.com", Identity: "arn:aws:ses:us-east-1:111122223333:identity/example.com", Enabled: true } }));
  const store = await openStore({ dataDir, ...(database && { database: PG_URL, schema }) });
  const segments = {};
  let offset = 0;
  for (const [name, n] of Object.entries(sizes)) {
    const t = Date.now();
    const csv = endpointsCsv(name, n, offset);
    offset += n;
    const imported = await new SegmentImporter(store, new EndpointService(store)).import(TENANT, appId, { path: csv, format: "CSV", s3Url: `file://${csv}` }, name);
    segments[name] = imported.segment.Id;
    console.log(`${kind}: segment ${name} of ${n} endpoints imported in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  }
  return { kind, serveArgs, servers: [first], appId, store, segments, schema };
}

async function server(serveArgs) {
  const c = await startChild(["bin/pinrec.js", "serve", "--port", "0", ...serveArgs], /pinrec listening on \S+/);
  return { ...c, url: /pinrec listening on (\S+)/.exec(c.output())[1] };
}

let seq = 0;
/** Writes a due campaign over `segmentId`, waits for its activity to complete; messages/s and peak RSS of the servers. */
async function run(env, segmentId, expected) {
  const id = `bench${Date.now().toString(36)}${seq++}`;
  const now = new Date().toISOString();
  const doc = {
    ApplicationId: env.appId,
    Arn: `arn:aws:mobiletargeting:us-east-1:${TENANT.accountId}:apps/${env.appId}/campaigns/${id}`,
    CreationDate: now,
    LastModifiedDate: now,
    Id: id,
    Name: id,
    SegmentId: segmentId,
    SegmentVersion: 1,
    Version: 1,
    Schedule: { StartTime: "IMMEDIATE", Frequency: "ONCE" },
    TemplateConfiguration: { EmailTemplate: { Name: "picks" } },
    State: { CampaignStatus: "SCHEDULED" },
  };
  const db = env.kind === "postgres" ? new pg.Client({ connectionString: PG_URL, options: `-c search_path=${env.schema}` }) : undefined;
  let query;
  if (db) {
    await db.connect();
    query = async (sql, params) => (await db.query(sql.replace(/\?/g, ((i) => () => `$${++i}`)(0)), params)).rows;
  } else {
    const { default: Database } = await import("better-sqlite3");
    const sqlite = new Database(join(dir, "data-sqlite", "pinrec.db"));
    sqlite.pragma("busy_timeout = 10000");
    query = async (sql, params) => (/^\s*select/i.test(sql) ? sqlite.prepare(sql).all(...params) : (sqlite.prepare(sql).run(...params), []));
  }
  const json = JSON.stringify(doc);
  // The head row first (the version row references it).
  await query("INSERT INTO message_campaigns (account_id, region, app_id, id, version, next_run_at, doc) VALUES (?, ?, ?, ?, ?, ?, ?)", [TENANT.accountId, TENANT.region, env.appId, id, 1, Date.now(), json]);
  await query("INSERT INTO message_campaign_versions (account_id, region, app_id, id, version, doc) VALUES (?, ?, ?, ?, ?, ?)", [TENANT.accountId, TENANT.region, env.appId, id, 1, json]);
  let peak = 0;
  const sampler = setInterval(() => {
    try {
      peak = Math.max(peak, ...env.servers.map((s) => s.rssMb()));
    } catch {
      // a process between samples
    }
  }, 100);
  let activity;
  for (;;) {
    const rows = await query("SELECT doc FROM campaign_activities WHERE app_id = ? AND campaign_id = ?", [env.appId, id]);
    activity = rows[0] && JSON.parse(rows[0].doc);
    if (activity?.State === "COMPLETED") break;
    await new Promise((r) => setTimeout(r, 200));
  }
  clearInterval(sampler);
  const [{ n }] = await query("SELECT COUNT(*) AS n FROM outbox_messages WHERE app_id = ? AND doc LIKE ?", [env.appId, `%"requestId":"${activity.Id}"%`]);
  if (db) await db.end();
  if (activity.SuccessfulEndpointCount !== expected || Number(n) !== expected) {
    throw new Error(`run of ${expected}: ${activity.SuccessfulEndpointCount} successful, ${n} in the outbox: ${JSON.stringify(activity)}`);
  }
  const seconds = (Date.parse(activity.End) - Date.parse(activity.Start)) / 1000;
  return { perSecond: expected / seconds, seconds, peakMb: peak };
}

const fmt = (x) => Math.round(x).toLocaleString("en-US");
const met = (ok) => (ok ? "met" : "NOT met");

const envs = [];
try {
  console.log(`pinrec bench:campaign — ${machine()} (shared with other work)`);
  mkdirSync(functionsDir, { recursive: true });
  writeFileSync(credentials, JSON.stringify([CREDENTIAL]));
  writeFileSync(
    join(functionsDir, "add-titles.mjs"),
    `export const handler = async (event) => {
  for (const endpoint of Object.values(event.Endpoints)) endpoint.Recommendations = { Title: endpoint.RecommendationItems.map((id) => "Title of item " + id) };
  return event.Endpoints;
};`,
  );
  pinrec("data", "synth", "--users", String(USERS), "--items", "500", "--interactions", "200000", "--out", join(dir, "synth"));

  const sqlite = await setup("sqlite", { small: SMALL, big: N });
  envs.push(sqlite);
  const small = await run(sqlite, sqlite.segments.small, SMALL);
  console.log(`sqlite, 1 process, ${fmt(SMALL)} endpoints: ${fmt(small.perSecond)} messages/s (${small.seconds.toFixed(1)} s), peak RSS ${fmt(small.peakMb)} MB`);
  const big = await run(sqlite, sqlite.segments.big, N);
  console.log(`sqlite, 1 process, ${fmt(N)} endpoints: ${fmt(big.perSecond)} messages/s (${big.seconds.toFixed(1)} s), peak RSS ${fmt(big.peakMb)} MB`);

  let ratio;
  if (!SKIP_PG) {
    const pgEnv = await setup("postgres", { big: PG_N });
    envs.push(pgEnv);
    const one = await run(pgEnv, pgEnv.segments.big, PG_N);
    console.log(`postgres, 1 process, ${fmt(PG_N)} endpoints: ${fmt(one.perSecond)} messages/s (${one.seconds.toFixed(1)} s)`);
    pgEnv.servers.push(await server(pgEnv.serveArgs));
    const two = await run(pgEnv, pgEnv.segments.big, PG_N);
    ratio = two.perSecond / one.perSecond;
    console.log(`postgres, 2 processes, ${fmt(PG_N)} endpoints: ${fmt(two.perSecond)} messages/s (${two.seconds.toFixed(1)} s): ${ratio.toFixed(2)}x one process`);
  }
  console.log("\ntargets (2 cores):");
  console.log(`  SQLite, one process, ${fmt(N)} endpoints >= ${fmt(TARGETS.sqlite)} messages/s: ${fmt(big.perSecond)} — ${met(big.perSecond >= TARGETS.sqlite)}`);
  if (ratio !== undefined) console.log(`  PostgreSQL, two processes / one >= ${TARGETS.ratio}x: ${ratio.toFixed(2)}x — ${met(ratio >= TARGETS.ratio)}`);
  console.log(`  RSS flat as the segment grows: ${fmt(small.peakMb)} MB at ${fmt(SMALL)}, ${fmt(big.peakMb)} MB at ${fmt(N)} (${(big.peakMb / small.peakMb).toFixed(2)}x) — ${met(big.peakMb <= small.peakMb * 1.5)}`);
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
