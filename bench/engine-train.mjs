#!/usr/bin/env node
// Benchmark of the embedded engine: synthesise 50k users × 10k items × 1M events,
// time import and training per recipe, measure a loaded model's RSS and
// recommend() latency in a fresh process, then evaluate recipes on a
// MovieLens-100K-shaped synthetic set.
//
//   npx tsc -p tsconfig.build.json && node bench/engine-train.mjs
//   ENGINE_DIST=/tmp/engine-dist/engine/index.js node bench/engine-train.mjs   # if the full build is broken
//
// Options: --users N --items N --interactions N --seed N --skip-eval --threads N
import os from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL, fileURLToPath } from "node:url";
import { execFileSync } from "node:child_process";
import { statSync, mkdirSync } from "node:fs";

const here = fileURLToPath(new URL(".", import.meta.url));
const distPath = resolve(process.env.ENGINE_DIST ?? join(here, "..", "dist", "engine", "index.js"));
const E = await import(pathToFileURL(distPath).href);

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const USERS = opt("users", 50_000);
const ITEMS = opt("items", 10_000);
const N = opt("interactions", 1_000_000);
const SEED = opt("seed", 1);
const THREADS = opt("threads", undefined);
const dir = join(os.tmpdir(), "pinrec-engine-bench");
mkdirSync(dir, { recursive: true });

const sec = (ms) => (ms / 1000).toFixed(2) + " s";
const mb = (b) => (b / 2 ** 20).toFixed(0) + " MB";
const now = () => performance.now();

console.log(`pinrec engine benchmark — node ${process.version}, os.availableParallelism() = ${os.availableParallelism()}, ${os.cpus()[0]?.model ?? "?"}`);
console.log(`load average at start: ${os.loadavg().map((x) => x.toFixed(2)).join(" ")} (other processes on this machine compete for the ${os.availableParallelism()} cores)`);
console.log(`data: synth --users ${USERS} --items ${ITEMS} --interactions ${N} --seed ${SEED}\n`);

let t = now();
const syn = await E.synth({ users: USERS, items: ITEMS, interactions: N, seed: SEED, outDir: join(dir, "big") });
console.log(`synth           ${sec(now() - t)}  (${syn.rows} rows, ${mb(statSync(syn.interactionsPath).size)} CSV)`);

t = now();
const ds = await E.importDataset(syn.interactionsPath, { itemsPath: syn.itemsPath });
console.log(`import          ${sec(now() - t)}  (${ds.stats.users} users, ${ds.stats.items} items, ${ds.stats.pairs} pairs)`);

const modelPaths = {};
for (const recipe of ["popularity", "ials", "ease"]) {
  t = now();
  const cpu0 = process.cpuUsage();
  let lastEpoch = t;
  const epochTimes = [];
  try {
    const m = await E.train(ds, {
      recipe,
      seed: SEED,
      threads: THREADS,
      onProgress: (e) => {
        if (e.phase === "ials" && e.done > 0) {
          epochTimes.push(now() - lastEpoch);
          lastEpoch = now();
        }
      },
    });
    const ms = now() - t;
    const cpu = process.cpuUsage(cpu0);
    const cpuSec = (cpu.user + cpu.system) / 1e6;
    const p = join(dir, `${recipe}.model`);
    const t2 = now();
    await E.saveModel(m, p);
    const extra = epochTimes.length ? `, ${epochTimes.length} epochs, mean ${sec(epochTimes.reduce((a, b) => a + b, 0) / epochTimes.length)}/epoch` : "";
    console.log(`train ${recipe.padEnd(10)} ${sec(ms)} wall, ${cpuSec.toFixed(1)} CPU-s (all threads)${extra}; save ${sec(now() - t2)}, file ${mb(statSync(p).size)}`);
    modelPaths[recipe] = p;
  } catch (e) {
    console.log(`train ${recipe.padEnd(10)} refused: ${e.message.split(";")[0]}`);
  }
}

// Load + serve in a fresh process so RSS reflects a serving process, not this one.
const child = `
const E = await import(${JSON.stringify(pathToFileURL(distPath).href)});
const t0 = performance.now();
const m = await E.loadModel(process.argv[1]);
const loadMs = performance.now() - t0;
const rss = process.memoryUsage().rss;
const users = m.data.userIds;
const lat = [];
let x = 12345;
for (let i = 0; i < 1000; i++) m.recommend(users[i % users.length], 10); // warm-up
for (let i = 0; i < 10000; i++) {
  x = (x * 1103515245 + 12345) >>> 0;
  const u = users[x % users.length];
  const s = performance.now();
  m.recommend(u, 10);
  lat.push(performance.now() - s);
}
lat.sort((a, b) => a - b);
const sim = [];
for (let i = 0; i < 2000; i++) { const s = performance.now(); m.similarItems(m.data.itemIds[i % m.nItems], 10); sim.push(performance.now() - s); }
sim.sort((a, b) => a - b);
console.log(JSON.stringify({ loadMs, rss, p50: lat[5000], p99: lat[9900], simP50: sim[1000], simP99: sim[1980] }));
`;
console.log("\nserving (fresh process: loadModel, then 10,000 recommend(user, 10) calls on random known users)");
for (const [recipe, p] of Object.entries(modelPaths)) {
  const out = JSON.parse(execFileSync(process.execPath, ["--input-type=module", "-e", child, p], { encoding: "utf8" }).trim().split("\n").pop());
  console.log(
    `${recipe.padEnd(10)} load ${sec(out.loadMs)}, RSS after load ${mb(out.rss)}, recommend p50 ${out.p50.toFixed(3)} ms / p99 ${out.p99.toFixed(3)} ms, similarItems p50 ${out.simP50.toFixed(3)} ms / p99 ${out.simP99.toFixed(3)} ms`,
  );
}

if (!args.includes("--skip-eval")) {
  console.log("\noffline evaluation on MovieLens-100K-shaped synthetic data (943 users × 1,682 items, 100k events, per-user random 75/25 split, seed 1)");
  const ml = await E.synth({ users: 943, items: 1682, interactions: 100_000, seed: 7, minPerUser: 20, outDir: join(dir, "ml100k") });
  const mds = await E.importDataset(ml.interactionsPath, { itemsPath: ml.itemsPath });
  const rows = await E.evaluate(mds, { recipes: ["popularity", "ials", "ease", "auto"], seed: 1 });
  console.log(E.formatEvalTable(rows));
  console.log(`load average at end: ${os.loadavg().map((x) => x.toFixed(2)).join(" ")}`);
  console.log("reference: Microsoft Recommenders' best row on the real ML-100K is NDCG@10 0.475 / P@10 0.412 (not comparable 1:1: this is synthetic data).");
}
