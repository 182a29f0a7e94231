#!/usr/bin/env node
// npm run bench:api (last step) — `pinrec serve --workers 2` against one process, on the 10k-item
// model of bench/engine.mjs (`pinrec data synth --users 50000 --items 10000 --interactions 1000000
// --seed 1`, default recipe), in one run:
//   - memory: RSS (and PSS, which counts pages shared between processes once) of the primary and of
//     each worker, after a warm-up and again after the load; target ≤ 280 MB RSS for all three;
//   - throughput: signed GetRecommendations (25 items) at 32 connections, --workers 2 over one
//     process; target ≥ 1.7×. The load generator (autocannon, in this process) shares the 2 cores,
//     so its own CPU use and the server's CPU per request are printed, and from them the ratio the
//     cores left to the server allow;
//   - what each import costs: RSS of a fresh node after importing one module, for the modules the
//     primary and the workers load.
//
//   node bench/cluster.mjs [--duration=10] [--write-docs]
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { ROOT, cpuSeconds, load, machine, processes, recommendationRequests, startPinrec, warmEveryProcess } from "./lib.mjs";

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, "").split("=")));
const DURATION = Number(args.duration ?? 10);
const USERS = 50_000,
  ITEMS = 10_000,
  N = 1_000_000;
const TARGET_RSS_MB = 280,
  TARGET_RATIO = 1.7;
const CORES = os.availableParallelism();
const header = machine();
console.log(`pinrec bench:cluster — ${header}`);

// ------------------------------------------------------------------------------------------------
// Per-process figures from /proc.

const TICK_S = 0.01; // USER_HZ = 100 on Linux
const kb = (text, field) => Number(new RegExp(`^${field}:\\s+(\\d+)`, "m").exec(text)?.[1] ?? 0);
const memory = (pid) => {
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
  return { rss: kb(rollup, "Rss") / 1024, pss: kb(rollup, "Pss") / 1024 };
};
/** Machine-wide busy CPU seconds (all processes, all cores), to show what else ran during a load. */
const machineBusySeconds = () => {
  const [, ...t] = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).map(Number);
  return (t[0] + t[1] + t[2] + t[5] + t[6] + t[7]) * TICK_S; // user nice system irq softirq steal
};

function memoryRows(server) {
  const rows = processes(server).map((p) => ({ ...p, ...memory(p.pid) }));
  return { rows, rss: rows.reduce((s, r) => s + r.rss, 0), pss: rows.reduce((s, r) => s + r.pss, 0) };
}

// ------------------------------------------------------------------------------------------------
// The model (the same data and command as bench/engine.mjs; the synthetic data is cached in .bench/).

const dataDir = join(ROOT, ".bench", `synth-${USERS}-${ITEMS}-${N}`);
const pinrec = (...a) =>
  execFileSync(process.execPath, [join(ROOT, "bin/pinrec.js"), ...a], {
    cwd: ROOT,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
if (!existsSync(join(dataDir, "interactions.csv"))) {
  mkdirSync(dataDir, { recursive: true });
  pinrec("data", "synth", "--users", String(USERS), "--items", String(ITEMS), "--interactions", String(N), "--seed", "1", "--out", dataDir);
}
const home = mkdtempSync(join(os.tmpdir(), "pinrec-bench-cluster-"));
const credential = { accessKeyId: "AKIABENCHMARK0000001", secretAccessKey: "bench-secret-0123456789abcdef", accountId: "123456789012" };
writeFileSync(join(home, "credentials.json"), JSON.stringify([credential]), { mode: 0o600 });
const created = JSON.parse(
  pinrec(
    "campaigns",
    "create",
    "--name",
    "bench",
    "--interactions",
    join(dataDir, "interactions.csv"),
    "--items",
    join(dataDir, "items.csv"),
    "--data-dir",
    home,
    "--credentials",
    join(home, "credentials.json"),
  ),
);
console.log(`campaign: recipe ${created.recipe}, ${created.stats.items} items, ${created.stats.users} users`);

// ------------------------------------------------------------------------------------------------
// One configuration: start, warm up every process, measure memory, load, measure again.

async function measure(workers) {
  const flags = ["--data-dir", home, "--credentials", join(home, "credentials.json"), "--log-level", "warn", "--workers", String(workers)];
  const server = await startPinrec(flags);
  try {
    const requests = await recommendationRequests(server.url, credential, created.campaignArn, USERS);
    await warmEveryProcess(server, requests, workers);
    await load(server.url, { requests, connections: 32, duration: 3, title: "warm-up" });
    const warm = memoryRows(server);

    const pids = processes(server).map((p) => p.pid);
    const serverCpu0 = pids.reduce((s, pid) => s + cpuSeconds(pid), 0);
    const selfCpu0 = process.cpuUsage();
    const machine0 = machineBusySeconds();
    const t0 = performance.now();
    const r = await load(server.url, {
      requests,
      connections: 32,
      duration: DURATION,
      title: workers === 1 ? "one process" : `--workers ${workers}`,
    });
    const wall = (performance.now() - t0) / 1000;
    const selfCpu = process.cpuUsage(selfCpu0);
    const cpu = {
      server: (pids.reduce((s, pid) => s + cpuSeconds(pid), 0) - serverCpu0) / wall,
      loadgen: (selfCpu.user + selfCpu.system) / 1e6 / wall,
      machine: (machineBusySeconds() - machine0) / wall,
    };
    const loaded = memoryRows(server);
    if (r.non2xx) throw new Error(`${r.title}: ${r.non2xx} non-2xx responses or errors`);
    return {
      workers,
      r,
      cpu,
      warm,
      loaded,
      serverCpuPerRequestUs: (cpu.server * wall * 1e6) / r.total,
      loadgenCpuPerRequestUs: (cpu.loadgen * wall * 1e6) / r.total,
    };
  } finally {
    await server.stop();
  }
}

// ------------------------------------------------------------------------------------------------
// What each import costs: RSS of a fresh node process after importing one module (after a GC).

function importCost(spec) {
  const code = `${spec ? `await import(${JSON.stringify(spec)});` : ""} globalThis.gc(); await new Promise((r) => setTimeout(r, 50)); globalThis.gc(); process.stdout.write(String(process.memoryUsage().rss));`;
  const rss = Number(execFileSync(process.execPath, ["--expose-gc", "--input-type=module", "-e", code], { cwd: ROOT, encoding: "utf8" }));
  return rss / 1048576;
}
const IMPORTS = [
  ["(nothing: node itself)", ""],
  ["dist/cli.js + cli/serve.js (all the --workers primary loads)", "./dist/cli/serve.js"],
  ["dist/server/serve.js (the whole server: what a worker loads)", "./dist/server/serve.js"],
  ["commander", "commander"],
  ["fastify", "fastify"],
  ["prom-client", "prom-client"],
  ["@aws-sdk/client-pinpoint", "@aws-sdk/client-pinpoint"],
  ["@aws-sdk/client-personalize-runtime", "@aws-sdk/client-personalize-runtime"],
  ["@aws-sdk/client-personalize-events", "@aws-sdk/client-personalize-events"],
  ["@aws-sdk/client-sts (first use only)", "@aws-sdk/client-sts"],
  ["@aws-sdk/client-lambda (first use only)", "@aws-sdk/client-lambda"],
  ["pg (PostgreSQL only)", "pg"],
  ["better-sqlite3 (SQLite only)", "better-sqlite3"],
  ["handlebars", "handlebars"],
  ["dist/engine/index.js", "./dist/engine/index.js"],
];

// ------------------------------------------------------------------------------------------------

const fmt = (n, d = 0) => n.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });
const verdict = (ok) => (ok ? "met" : "NOT met");
try {
  const single = await measure(1);
  const cluster = await measure(2);
  const costs = IMPORTS.map(([label, spec]) => ({ label, rss: importCost(spec) }));

  const memLines = [
    "| configuration | process | RSS after warm-up MB | RSS after load MB | PSS after load MB |",
    "| --- | --- | ---: | ---: | ---: |",
  ];
  for (const m of [single, cluster]) {
    const name = m.workers === 1 ? "one process" : `--workers ${m.workers}`;
    m.loaded.rows.forEach((row, i) =>
      memLines.push(`| ${name} | ${row.role} | ${fmt(m.warm.rows[i]?.rss ?? 0)} | ${fmt(row.rss)} | ${fmt(row.pss)} |`),
    );
    memLines.push(`| ${name} | **total** | **${fmt(m.warm.rss)}** | **${fmt(m.loaded.rss)}** | **${fmt(m.loaded.pss)}** |`);
  }
  const loadLines = [
    "| configuration | req/s | p50 ms | p99 ms | server CPU (cores) | server CPU µs/request | load generator CPU (cores) | whole machine busy (cores) |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...[single, cluster].map(
      (m) =>
        `| ${m.r.title} | ${fmt(m.r.rps)} | ${m.r.p50} | ${m.r.p99} | ${fmt(m.cpu.server, 2)} | ${fmt(m.serverCpuPerRequestUs)} | ${fmt(m.cpu.loadgen, 2)} | ${fmt(m.cpu.machine, 2)} |`,
    ),
  ];
  const base = costs[0].rss;
  const costLines = [
    "| import (fresh node, after GC) | RSS MB | over node alone MB |",
    "| --- | ---: | ---: |",
    ...costs.map((c) => `| ${c.label} | ${fmt(c.rss, 1)} | ${c.label.startsWith("(") ? "-" : fmt(c.rss - base, 1)} |`),
  ];

  const ratio = cluster.r.rps / single.r.rps;
  // The most the cores allow when the server and the load generator share them: every core busy,
  // each request costing the server's and autocannon's CPU (as measured with --workers 2), over the
  // one-process rate (one process is bounded by its one JavaScript thread).
  const perRequestUs = cluster.serverCpuPerRequestUs + cluster.loadgenCpuPerRequestUs;
  const ceiling = (CORES * 1e6) / perRequestUs / single.r.rps;
  const others = Math.max(...[single, cluster].map((m) => m.cpu.machine - m.cpu.server - m.cpu.loadgen));
  const rssTotal = Math.max(cluster.warm.rss, cluster.loaded.rss);
  const targets = [
    `--workers 2 RSS (primary + both workers, the larger of after warm-up and after load) ${fmt(rssTotal)} MB ≤ ${TARGET_RSS_MB} MB: ${verdict(rssTotal <= TARGET_RSS_MB)}`,
    `--workers 2 throughput ${fmt(ratio, 2)}× one process ≥ ${TARGET_RATIO}×: ${verdict(ratio >= TARGET_RATIO)} ` +
      `(ceiling with autocannon on the same ${CORES} cores: ${CORES} cores / (${fmt(cluster.serverCpuPerRequestUs)} µs server + ${fmt(cluster.loadgenCpuPerRequestUs)} µs autocannon CPU per request) = ` +
      `${fmt((CORES * 1e6) / perRequestUs)} req/s = ${fmt(ceiling, 2)}× the one-process rate)`,
  ];
  if (others > 0.3)
    targets.push(
      `other processes used up to ${fmt(others, 2)} cores during the loads: throughput figures and their ratio are not representative on this machine now`,
    );
  console.log(`\n${memLines.join("\n")}\n\n${loadLines.join("\n")}\n\n${costLines.join("\n")}\n`);
  console.log(`targets: ${targets.join("; ")}`);
  if ("write-docs" in args) writeDocs({ memLines, loadLines, costLines, targets });
} finally {
  rmSync(home, { recursive: true, force: true });
}

function writeDocs({ memLines, loadLines, costLines, targets }) {
  const file = join(ROOT, "docs", "benchmarks-history.md");
  const title = "## Cluster";
  const section = [
    title,
    "",
    `Measured with \`node bench/cluster.mjs --write-docs\` (the last step of \`npm run bench:api\`) on ${header} (at the start of the run).`,
    "",
    `Model: the default recipe on \`pinrec data synth --users ${USERS} --items ${ITEMS} --interactions ${N} --seed 1\` (as bench:engine). Load: signed GetRecommendations (25 items) replayed by autocannon at 32 connections for ${DURATION} s after warm-ups that reach every worker; \`--log-level warn\`. Memory from /proc/PID/smaps_rollup: RSS counts the node binary's pages (about 43 MB, shared) in every process; PSS counts shared pages once.`,
    "",
    ...memLines,
    "",
    ...loadLines,
    "",
    ...costLines,
    "",
    ...targets.map((t) => `- ${t}`),
    "",
  ].join("\n");
  let text = readFileSync(file, "utf8");
  const start = text.indexOf(`${title}\n`);
  if (start === -1) text = `${text.trimEnd()}\n\n${section}`;
  else {
    const marker = text.indexOf("<!-- bench/cluster.mjs: generated above, hand-written notes below -->", start);
    const next = text.indexOf("\n## ", start + title.length);
    const end = marker !== -1 && (next === -1 || marker < next) ? marker : next === -1 ? text.length : next + 1;
    text = text.slice(0, start) + section + (marker !== -1 && end === marker ? "" : "\n") + text.slice(end);
  }
  writeFileSync(file, text.endsWith("\n") ? text : `${text}\n`);
  console.log(`wrote ${file}`);
}
