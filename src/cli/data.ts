/** `pinrec data synth` and `pinrec evaluate`: data you can ship, and offline accuracy. */
import { Command, InvalidArgumentError } from "commander";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { dataShape, evaluate, formatEvalTable, importDataset, recipeDefinition, synth } from "../engine/index.js";
import { RECIPES } from "../personalize/campaigns/training.js";
import { positiveInt, seed } from "./args.js";
import { progressReporter } from "./progress.js";

export function dataCommand(): Command {
  const cmd = new Command("data").description("synthetic data sets for tests, demos and benchmarks");
  cmd
    .command("synth")
    .description("write interactions.csv and items.csv with planted tastes, Zipf-like popularity and item titles/genres")
    .option("--users <n>", "users", positiveInt, 1000)
    .option("--items <n>", "items", positiveInt, 500)
    .option("--interactions <n>", "interactions", positiveInt, 20000)
    .option("--seed <n>", "seed", seed, 1)
    .option("--out <dir>", "output directory", ".")
    .action(async (o) => {
      const r = await synth({ users: o.users, items: o.items, interactions: o.interactions, seed: o.seed, outDir: resolve(o.out) });
      process.stdout.write(JSON.stringify(r, null, 2) + "\n");
    });
  return cmd;
}

export function evaluateCommand(): Command {
  return new Command("evaluate")
    .description("offline evaluation: seeded per-user 75/25 split, every recipe side by side")
    .requiredOption("--interactions <file>", "interactions CSV")
    .option("--recipe <recipes...>", "recipes to compare (default: popularity ials ease; ease only up to its item limit)")
    .option("--seed <n>", "split and training seed", seed, 1)
    .option(
      "--tune",
      "also tune each personalised recipe on the training part (a validation split of it) and show tuned rows beside the untuned ones",
    )
    .option("--tune-budget <seconds>", "seconds per recipe's search", positiveInt)
    .option("--json", "print rows as JSON")
    .action(async (o) => {
      for (const r of o.recipe ?? []) if (!(RECIPES as string[]).includes(r)) throw new InvalidArgumentError(`unknown recipe ${r}`);
      if (!existsSync(resolve(o.interactions))) throw new InvalidArgumentError(`--interactions: no such file ${resolve(o.interactions)}`);
      const progress = progressReporter();
      const ds = await importDataset(resolve(o.interactions), { onProgress: progress.onProgress });
      let recipes: string[] = o.recipe ?? ["popularity", "ials", "ease"];
      if (!o.recipe) {
        // The default comparison leaves out a recipe that cannot train on this data with its default
        // hyper-parameters (EASE above its item limit), as "auto" would.
        const shape = dataShape(ds);
        const cannot = recipes.filter((r) => {
          const def = recipeDefinition(r);
          return def.canTrain !== undefined && !def.canTrain(shape, def.defaults);
        });
        for (const r of cannot) process.stderr.write(`${r} skipped: it cannot train on ${shape.items} items with its default parameters\n`);
        recipes = recipes.filter((r) => !cannot.includes(r));
      }
      const rows = await evaluate(ds, {
        recipes,
        seed: o.seed,
        tune: o.tune,
        tuneBudgetSeconds: o.tuneBudget,
        onProgress: progress.onProgress,
      }).finally(progress.done);
      process.stdout.write(o.json ? JSON.stringify(rows, null, 2) + "\n" : formatEvalTable(rows) + "\n");
    });
}
