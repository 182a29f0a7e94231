/** `pinrec campaigns …`: train, deploy, inspect and remove the embedded engine's campaigns. */
import { Command, InvalidArgumentError, Option } from "commander";
import { resolve } from "node:path";
import {
  CampaignError,
  CampaignTrainer,
  RECIPES,
  TUNE_MODES,
  type TrainCampaignOptions,
  type TuneMode,
} from "../personalize/campaigns/training.js";
import type { CampaignRecord } from "../store/personalize-campaigns.js";
import type { Tenant } from "../store/types.js";
import { positiveInt, seed } from "./args.js";
import { progressReporter } from "./progress.js";
import { addTargetOptions, resolveTarget, resolveTenant, withTargetStore } from "./tenant.js";
import { parseEventWeights, type EventWeights, type ProgressCallback } from "../engine/index.js";
import { liftReport } from "../pinpoint/engagement/lift.js";

function recipe(value: string) {
  if (!(RECIPES as string[]).includes(value)) throw new InvalidArgumentError(`choose one of ${RECIPES.join(", ")}`);
  return value;
}

function eventWeightsOption(value: string): EventWeights {
  try {
    return parseEventWeights(value);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

/** --event-weights and --event-value as the campaign's EventWeights (undefined when neither is given). */
function eventWeightsOf(o: { eventWeights?: EventWeights; eventValue?: boolean }): EventWeights | undefined {
  if (!o.eventWeights && !o.eventValue) return undefined;
  return { ...(o.eventWeights ?? { types: {} }), ...(o.eventValue && { eventValue: true }) };
}

/** The training flags `create` and `retrain` share, as the trainer's options. */
function trainingSettings(
  o: {
    recipe?: TrainCampaignOptions["recipe"];
    seed?: number;
    eventWeights?: EventWeights;
    eventValue?: boolean;
    tune?: TuneMode;
    tuneBudget?: number;
  },
  onProgress: ProgressCallback,
): Partial<TrainCampaignOptions> {
  return { recipe: o.recipe, seed: o.seed, eventWeights: eventWeightsOf(o), tune: o.tune, tuneBudgetSeconds: o.tuneBudget, onProgress };
}

function tuneOption(value: string): TuneMode {
  if (!(TUNE_MODES as string[]).includes(value)) throw new InvalidArgumentError(`choose one of ${TUNE_MODES.join(", ")}`);
  return value as TuneMode;
}

function withTrainingOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option(
        "--tune [when]",
        "tune hyper-parameters on a validation split of the data: always (the bare flag), auto (only when the search fits the budget), never",
      )
        .preset("always")
        .argParser(tuneOption),
    )
    .option("--tune-budget <seconds>", "seconds for the search and the final training", positiveInt)
    .option(
      "--event-weights <spec>",
      "weight per EVENT_TYPE for training and PutEvents alike, e.g. purchase=5,click=1 (*=W for other types)",
      eventWeightsOption,
    )
    .option("--event-value", "also multiply each event's weight by its EVENT_VALUE where it has one");
}

function describe(c: CampaignRecord) {
  return {
    campaignArn: c.arn,
    name: c.name,
    status: "ACTIVE",
    recipe: c.recipe,
    recipeChoice: c.recipeChoice,
    version: c.version,
    trackingId: c.trackingId,
    interactionsFile: c.interactionsFile,
    ...(c.itemsFile && { itemsFile: c.itemsFile }),
    ...(c.eventWeights && { eventWeights: c.eventWeights }),
    ...(c.tuning && { tuning: c.tuning }),
    stats: c.stats,
    creationDateTime: c.creationDateTime,
    lastUpdatedDateTime: c.lastUpdatedDateTime,
  };
}

const print = (v: unknown) => process.stdout.write(JSON.stringify(v, null, 2) + "\n");

/** Runs a training command with a progress bar and prints the deployed campaign. */
async function training(
  cmd: Command,
  mode: { create: boolean },
  run: (trainer: CampaignTrainer, tenant: Tenant, onProgress: ProgressCallback) => Promise<CampaignRecord>,
): Promise<void> {
  const target = resolveTarget(cmd);
  const tenant = resolveTenant(target);
  const progress = progressReporter();
  const rec = await withTargetStore(target, mode, (store) => run(new CampaignTrainer(store), tenant, progress.onProgress)).finally(
    progress.done,
  );
  print(describe(rec));
}

export function campaignsCommand(): Command {
  const cmd = new Command("campaigns").description("train and deploy recommender campaigns (Amazon Personalize-compatible)");

  withTrainingOptions(
    addTargetOptions(cmd.command("create").description("train a model from interaction data and deploy it as a campaign")),
  )
    .requiredOption("--name <name>", "campaign name (the ARN ends in campaign/NAME)")
    .requiredOption("--interactions <file>", "interactions CSV: USER_ID,ITEM_ID,TIMESTAMP[,EVENT_TYPE,EVENT_VALUE]")
    .option("--items <file>", "items CSV: ITEM_ID plus metadata columns")
    .option("--recipe <recipe>", `one of ${RECIPES.join(", ")}`, recipe, "auto")
    .option("--seed <n>", "training seed", seed, 1)
    .action((o, command: Command) =>
      training(command, { create: true }, (trainer, tenant, onProgress) =>
        trainer.create({
          tenant,
          name: o.name,
          interactionsFile: resolve(o.interactions),
          itemsFile: o.items ? resolve(o.items) : undefined,
          ...trainingSettings(o, onProgress),
        }),
      ),
    );

  withTrainingOptions(
    addTargetOptions(
      cmd.command("retrain").description("retrain a campaign on its data plus the events recorded since; servers swap the model in"),
    ),
  )
    .requiredOption("--name <name>", "campaign name")
    .option("--interactions <file>", "a new interactions CSV (default: the campaign's)")
    .option("--items <file>", "a new items CSV (default: the campaign's)")
    .option("--recipe <recipe>", `one of ${RECIPES.join(", ")}`, recipe)
    .option("--seed <n>", "training seed", seed, 1)
    .action((o, command: Command) =>
      training(command, { create: false }, (trainer, tenant, onProgress) =>
        trainer.retrain(tenant, o.name, {
          interactionsFile: o.interactions ? resolve(o.interactions) : undefined,
          itemsFile: o.items ? resolve(o.items) : undefined,
          ...trainingSettings(o, onProgress),
        }),
      ),
    );

  addTargetOptions(cmd.command("list").description("list campaigns (of every account, unless --account or --region is given)")).action(
    async (o, command: Command) => {
      const target = resolveTarget(command);
      const tenant = o.account || o.region ? resolveTenant(target) : undefined;
      const all = await withTargetStore(target, { create: false }, (store) => store.personalizeCampaigns.list(tenant));
      print({ campaigns: all.map(({ tenant: t, campaign }) => ({ ...describe(campaign), accountId: t.accountId, region: t.region })) });
    },
  );

  addTargetOptions(cmd.command("describe").description("show one campaign"))
    .requiredOption("--name <name>", "campaign name")
    .action(async (o, command: Command) => {
      const target = resolveTarget(command);
      const tenant = resolveTenant(target);
      const rec = await withTargetStore(target, { create: false }, (store) => store.personalizeCampaigns.get(tenant, o.name));
      if (!rec) throw new CampaignError(`no campaign ${o.name} in ${tenant.accountId}/${tenant.region}`);
      print({ campaign: describe(rec) });
    });

  addTargetOptions(cmd.command("delete").description("delete a campaign, its model and its recorded events"))
    .requiredOption("--name <name>", "campaign name")
    .action(async (o, command: Command) => {
      const target = resolveTarget(command);
      const tenant = resolveTenant(target);
      const rec = await withTargetStore(target, { create: false }, (store) => new CampaignTrainer(store).delete(tenant, o.name));
      print({ deleted: describe(rec) });
    });

  addTargetOptions(
    cmd
      .command("report")
      .description(
        "lift of a Pinpoint app's campaigns per treatment: sent, delivered, opened, clicks, clicks on recommended items, holdout endpoints",
      ),
  )
    .requiredOption("--app-id <id>", "the Pinpoint application (project) id")
    .option("--campaign-id <id>", "only this campaign")
    .option("--days <n>", "the last N days of engagement events", positiveInt, 31)
    .action(async (o, command: Command) => {
      const target = resolveTarget(command);
      const tenant = resolveTenant(target);
      const to = Date.now() + 1;
      const from = to - o.days * 86_400_000;
      const campaigns = await withTargetStore(target, { create: false }, (store) =>
        liftReport(store, tenant, o.appId, { from, to }, o.campaignId),
      );
      print({ applicationId: o.appId, from: new Date(from).toISOString(), to: new Date(to).toISOString(), campaigns });
    });

  return cmd;
}
