#!/usr/bin/env node
// npm run bench:engine — GetRecommendations over HTTP, SigV4-signed, numResults 25, on the default
// recipe trained from `pinrec data synth --users 50000 --items 10000 --interactions 1000000 --seed 1`,
// against a bare node:http hello-world measured in the same run. Also: training time and the
// server's RSS with the model loaded. Targets: one process ≥ 5,000 req/s with p99 ≤ 10 ms
// at 32 connections, --workers 2 ≥ 1.7× one process; also training ≤ 30 s and RSS ≤ 300 MB.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, load, machine, recommendationRequests, startHelloWorld, startPinrec, table, warmEveryProcess } from "./lib.mjs";

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, "").split("=")));
const USERS = Number(args.users ?? 50_000),
  ITEMS = Number(args.items ?? 10_000),
  N = Number(args.interactions ?? 1_000_000);
const DURATION = Number(args.duration ?? 10);
console.log(`pinrec bench:engine — ${machine()}`);

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

const home = mkdtempSync(join(tmpdir(), "pinrec-bench-engine-"));
const credential = { accessKeyId: "AKIABENCHMARK0000001", secretAccessKey: "bench-secret-0123456789abcdef", accountId: "123456789012" };
writeFileSync(join(home, "credentials.json"), JSON.stringify([credential]));
const t0 = performance.now();
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
const trainWall = (performance.now() - t0) / 1000;
console.log(
  `campaign: recipe ${created.recipe}, training ${(created.stats.trainingMs / 1000).toFixed(1)} s (create command ${trainWall.toFixed(1)} s wall incl. import)`,
);

const hello = await startHelloWorld();
const flags = ["--data-dir", home, "--credentials", join(home, "credentials.json"), "--log-level", "warn"];
const rows = [];
const notes = [];
let single, dual;
try {
  const base = await load(hello.url, { duration: DURATION, title: "node:http hello-world" });
  rows.push(base);
  for (const workers of [1, 2]) {
    const server = await startPinrec([...flags, "--workers", String(workers)]);
    try {
      const rssBefore = server.rssMb(true);
      const requests = await recommendationRequests(server.url, credential, created.campaignArn, USERS);
      // Every process loads the model (first use) and warms its JIT before the measured runs.
      await warmEveryProcess(server, requests, workers);
      await load(server.url, { requests, connections: 32, duration: 3, title: "warm-up" });
      const rss = server.rssMb(true);
      const label = workers === 1 ? "1 process" : `--workers ${workers}`;
      const r32 = await load(server.url, {
        requests,
        duration: DURATION,
        title: `GetRecommendations (25, signed), ${label}, 32 connections`,
      });
      // At 32 connections latency is mostly queueing (Little's law: 32 / throughput); 8 shows service time.
      const r8 = await load(server.url, {
        requests,
        connections: 8,
        duration: DURATION,
        title: `GetRecommendations (25, signed), ${label}, 8 connections`,
      });
      rows.push(r32, r8);
      notes.push(
        `${label}: RSS ${rssBefore.toFixed(0)} MB before the model was loaded, ${rss.toFixed(0)} MB with it loaded (all processes)`,
      );
      if (workers === 1) single = { r32, rss };
      else dual = { r32 };
    } finally {
      await server.stop();
    }
  }
  console.log(`\n${DURATION} s each; hello-world at 32 connections\n`);
  console.log(table(rows, base));
  console.log("\n" + notes.join("\n"));
  const verdict = (ok) => (ok ? "met" : "NOT met");
  const pct = (r) => `${((r.rps / base.rps) * 100).toFixed(0)}% of hello-world (${Math.round(base.rps)} req/s in this run)`;
  console.log(
    `one process, 32 connections: ${Math.round(single.r32.rps)} req/s, ${pct(single.r32)}; --workers 2: ${Math.round(dual.r32.rps)} req/s, ${pct(dual.r32)}`,
  );
  const scale = dual.r32.rps / single.r32.rps;
  console.log(
    `targets: one process ≥ 5,000 req/s ${verdict(single.r32.rps >= 5000)}; p99 ≤ 10 ms at 32 connections ${verdict(single.r32.p99 <= 10)} (${single.r32.p99} ms); ` +
      `--workers 2 ≥ 1.7× one process ${verdict(scale >= 1.7)} (${scale.toFixed(2)}×); training ≤ 30 s ${verdict(created.stats.trainingMs <= 30_000)}; RSS ≤ 300 MB ${verdict(single.rss <= 300)}`,
  );
} finally {
  await hello.stop();
  rmSync(home, { recursive: true, force: true });
}
