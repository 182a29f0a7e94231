#!/usr/bin/env node
// node bench/engine-tune.mjs — what `campaigns create --tune` does on MovieLens-100K-shaped data
// (pinrec data synth --users 943 --items 1682 --interactions 100000 --seed 7): the planned search
// (budget 60 s by the cost estimates) plus the final training on all the data, timed in CPU
// seconds as well as wall seconds. The wall-clock safety stop is lifted so the whole plan runs
// even on a busy machine; on an idle one, wall time ≈ CPU time. Then the untuned and the tuned
// model on a held-out 75/25 split (pinrec evaluate's protocol), so the gain is measured on data
// the search never saw.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { join } from "node:path";
import { importDataset, tune, train, tuneCandidates, splitDataset, scoreModel } from "#dist/engine/index.js";
import { ROOT } from "./lib.mjs";

const dir = join(ROOT, ".bench", "synth-943-1682-100000-7");
if (!existsSync(join(dir, "interactions.csv"))) {
  mkdirSync(dir, { recursive: true });
  execFileSync(process.execPath, [
    join(ROOT, "bin/pinrec.js"),
    "data",
    "synth",
    "--users",
    "943",
    "--items",
    "1682",
    "--interactions",
    "100000",
    "--seed",
    "7",
    "--out",
    dir,
  ]);
}
const ds = await importDataset(join(dir, "interactions.csv"));
const cpu = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
};
console.log(
  `pinrec bench:tune — ${availableParallelism()} cores, load average ${loadavg()[0].toFixed(1)} (machine shared), Node ${process.version}`,
);

// 1. The campaign command's work: search on all the data, then the winner on all of it.
const c0 = cpu(),
  t0 = performance.now();
const recipes = tuneCandidates(ds, "auto");
const search = await tune(ds, { recipes, seed: 1, budgetSeconds: 60, wallLimitSeconds: Infinity });
await train(ds, { recipe: search.recipe, params: { [search.recipe]: search.params }, seed: 1 });
console.log(
  `--tune on ${ds.users.size} users × ${ds.items.size} items, ${ds.indices.length} interactions: ${search.trials.length} trials over ${recipes.join(", ")}; ` +
    `${(cpu() - c0).toFixed(1)} CPU-s, ${((performance.now() - t0) / 1000).toFixed(1)} s wall (target ≤ 60 s)`,
);
for (const t of search.trials) console.log(`  ${t.recipe.padEnd(5)} ${JSON.stringify(t.params)} val NDCG@10 ${t.ndcg.toFixed(4)}`);
console.log(
  `winner: trial ${search.winner} (${search.recipe}), validation NDCG@10 ${search.bestNdcg.toFixed(4)} vs default ${search.defaultNdcg.toFixed(4)}`,
);

// 2. Held-out check: tune on the 75 % training part only, compare on the 25 % test part.
const split = splitDataset(ds, 1, 0.25);
const inner = await tune(split.train, { recipes, seed: 1, budgetSeconds: 60, wallLimitSeconds: Infinity });
const untuned = scoreModel(await train(split.train, { recipe: "auto", seed: 1 }), split, 10);
const tuned = scoreModel(await train(split.train, { recipe: inner.recipe, params: { [inner.recipe]: inner.params }, seed: 1 }), split, 10);
console.log(
  `held-out test NDCG@10: untuned auto ${untuned.ndcg.toFixed(4)}, tuned ${tuned.ndcg.toFixed(4)} (${inner.recipe}, ${JSON.stringify(inner.params)})`,
);
