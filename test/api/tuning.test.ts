/**
 * Tuning through campaigns: the search is recorded with the campaign (every trial, the winner),
 * the deployed model is the winner retrained on all the data, and a retrain without --tune keeps
 * the tuned settings instead of silently going back to the defaults.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { deserializeModel, synth } from "../../src/engine/index.js";
import { CampaignTrainer } from "../../src/personalize/campaigns/training.js";
import { ACCOUNT_A, STORE_KINDS, startTestServer, tempDir, type TestServer } from "../helpers.js";

const TENANT = { accountId: ACCOUNT_A.accountId, region: "us-east-1" };

describe.each(STORE_KINDS)("campaign tuning on %s", (kind) => {
  const data = tempDir("pinrec-data-");
  let server: TestServer;
  let interactions: string;

  beforeAll(async () => {
    interactions = (await synth({ users: 200, items: 90, interactions: 4000, seed: 3, outDir: data.path })).interactionsPath;
    server = await startTestServer(kind, { campaignPollMs: 0 });
  });
  afterAll(async () => {
    await server.dispose();
    data.remove();
  });

  test("create --tune records the search and deploys its winner; retrain without --tune keeps it", { timeout: 120_000 }, async () => {
    const trainer = new CampaignTrainer(server.store);
    const rec = await trainer.create({
      tenant: TENANT,
      name: "tuned",
      interactionsFile: interactions,
      recipe: "ials",
      seed: 1,
      tune: "always",
      tuneBudgetSeconds: 8,
    });
    const t = rec.tuning!;
    expect(t.trials.length).toBeGreaterThan(1);
    expect(t.trials[t.winner].ndcg).toBe(Math.max(...t.trials.map((x) => x.ndcg)));
    expect(t.bestNdcg).toBeGreaterThanOrEqual(t.defaultNdcg);
    expect(rec.recipe).toBe(t.recipe);
    const model = deserializeModel((await server.store.models.get(rec.modelKey))!);
    expect(model.data.params).toEqual(t.params);
    expect(model.nUsers).toBe(200); // retrained on all the data, not the search's training part
    expect((await server.store.personalizeCampaigns.get(TENANT, "tuned"))!.tuning).toEqual(t);

    const again = await trainer.retrain(TENANT, "tuned", { seed: 1 });
    expect(again.tuning).toEqual(t);
    expect(deserializeModel((await server.store.models.get(again.modelKey))!).data.params).toEqual(t.params);
    // A different recipe choice is not served settings searched for another.
    const other = await trainer.retrain(TENANT, "tuned", { recipe: "ease" });
    expect(other.tuning).toBeUndefined();
    expect(other.recipe).toBe("ease");
  });

  test("--tune auto skips the search when it cannot fit the budget, and popularity has nothing to tune", { timeout: 60_000 }, async () => {
    const trainer = new CampaignTrainer(server.store);
    const tight = await trainer.create({
      tenant: TENANT,
      name: "tight",
      interactionsFile: interactions,
      recipe: "ials",
      tune: "auto",
      tuneBudgetSeconds: 1e-6,
    });
    expect(tight.tuning).toBeUndefined();
    const roomy = await trainer.create({
      tenant: TENANT,
      name: "roomy",
      interactionsFile: interactions,
      recipe: "ease",
      tune: "auto",
      tuneBudgetSeconds: 5,
    });
    expect(roomy.tuning?.trials.length).toBeGreaterThan(1);
    const pop = await trainer.create({ tenant: TENANT, name: "pop", interactionsFile: interactions, recipe: "popularity", tune: "always" });
    expect(pop.tuning).toBeUndefined();
  });
});
