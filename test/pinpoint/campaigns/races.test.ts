/**
 * Campaign create, retrain and delete are serialised per campaign in the store: two real
 * `pinrec campaigns …` processes racing on one campaign never both deploy, the loser says why and
 * exits with 1, and the record left behind always points at a model that exists and matches it.
 * Run on SQLite (one file, several processes) and PostgreSQL (several processes on one schema).
 */
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { CampaignConflictError, CampaignTrainer } from "../../../src/personalize/campaigns/training.js";
import { deserializeModel, synth } from "../../../src/engine/index.js";
import { openStore } from "../../../src/store/open.js";
import type { Store } from "../../../src/store/types.js";
import { ACCOUNT_A, PG_URL, STORE_KINDS, freshPgSchema, tempDir } from "../../helpers.js";
import { pgUrlWithSchema, processSuite, runCli, writeCredentials } from "../../server-process.js";

const TENANT = { accountId: ACCOUNT_A.accountId, region: "us-east-1" };
const cleanups = processSuite();

interface Setup {
  data: string;
  interactions: string;
  /** CLI arguments naming the data dir, database, credentials and tenant. */
  args: string[];
  open(): Promise<Store>;
}

async function setup(kind: "sqlite" | "postgres"): Promise<Setup> {
  const dir = tempDir("pinrec-race-");
  cleanups.push(() => dir.remove());
  const schema = kind === "postgres" ? await freshPgSchema() : undefined;
  if (schema) cleanups.push(() => schema.drop());
  const data = join(dir.path, "data");
  // Large enough that training takes a noticeable time, so the two processes overlap: EASE on
  // 2,000 items is ~1 CPU-s with the SIMD kernels (600 items, enough for the old Gauss-Jordan, now
  // train in milliseconds and the second process could start after the first had finished).
  const files = await synth({ users: 1000, items: 2000, interactions: 40_000, seed: 3, outDir: join(dir.path, "csv") });
  const creds = writeCredentials(join(dir.path, "credentials.json"), [ACCOUNT_A]);
  const args = ["--data-dir", data, "--credentials", creds, "--account", TENANT.accountId, "--region", TENANT.region];
  if (schema) args.push("--database", pgUrlWithSchema(PG_URL, schema.schema));
  return {
    data,
    interactions: files.interactionsPath,
    args,
    open: async () => {
      const store = await openStore(schema ? { database: PG_URL, schema: schema.schema, dataDir: data } : { dataDir: data });
      cleanups.push(() => store.close());
      return store;
    },
  };
}

/** The campaign record and the model it names agree, and only it and its predecessor are stored. */
async function expectConsistent(store: Store, name: string) {
  const rec = (await store.personalizeCampaigns.get(TENANT, name))!;
  expect(rec).toBeDefined();
  const bytes = await store.models.get(rec.modelKey);
  expect(bytes, `model ${rec.modelKey} of the deployed record`).toBeDefined();
  const model = deserializeModel(bytes!);
  expect(model.recipe).toBe(rec.recipe);
  expect(model.nUsers).toBe(rec.stats.users);
  const stored = await store.models.list(`${TENANT.accountId}/${TENANT.region}/${name}`);
  expect(stored.sort()).toEqual([rec.modelKey, ...(rec.previousModelKey ? [rec.previousModelKey] : [])].sort());
  return rec;
}

describe.each(STORE_KINDS)("concurrent campaign commands on %s", (kind) => {
  test("two concurrent `campaigns create --name X`: one deploys, the other is refused with exit code 1", async () => {
    const s = await setup(kind);
    const create = () =>
      runCli(["campaigns", "create", "--name", "shop", "--interactions", s.interactions, "--recipe", "ease", ...s.args], {
        timeoutMs: 60_000,
      });
    const results = await Promise.all([create(), create()]);
    const won = results.filter((r) => r.code === 0);
    const lost = results.filter((r) => r.code !== 0);
    expect(won, results.map((r) => r.stderr).join("\n")).toHaveLength(1);
    expect(lost[0].code, lost[0].stderr).toBe(1);
    // Only overlapping creates print this ("already exists" is what a create after the other had
    // finished would print, which would prove nothing about the race).
    expect(lost[0].stderr).toMatch(/^pinrec: campaign 'shop' is being created by another process/);
    expect(lost[0].stderr).not.toMatch(/\n\s+at /); // no stack trace
    const store = await s.open();
    const rec = await expectConsistent(store, "shop");
    // The tracking id the winner printed is the one that stays valid.
    expect(JSON.parse(won[0].stdout).trackingId).toBe(rec.trackingId);
    expect(rec.version).toBe(1);
  }, 120_000);

  test("two concurrent retrains: one deploys version 2, the other is refused; record and model match", async () => {
    const s = await setup(kind);
    const created = await runCli(
      ["campaigns", "create", "--name", "shop", "--interactions", s.interactions, "--recipe", "ease", ...s.args],
      { timeoutMs: 60_000 },
    );
    expect(created.code, created.stderr).toBe(0);
    const retrain = (seed: number) =>
      runCli(["campaigns", "retrain", "--name", "shop", "--seed", String(seed), ...s.args], { timeoutMs: 60_000 });
    const results = await Promise.all([retrain(2), retrain(3)]);
    const won = results.filter((r) => r.code === 0);
    const lost = results.filter((r) => r.code !== 0);
    expect(won, results.map((r) => r.stderr).join("\n")).toHaveLength(1);
    expect(lost[0].code, lost[0].stderr).toBe(1);
    expect(lost[0].stderr).toMatch(/^pinrec: campaign 'shop' is being retrained by another process/);
    const store = await s.open();
    const rec = await expectConsistent(store, "shop");
    expect(rec.version).toBe(2);
    expect(JSON.parse(won[0].stdout).version).toBe(2);
  }, 120_000);

  test("a crashed trainer's lease expires; a run that lost its lease deploys nothing", async () => {
    const s = await setup(kind);
    const store = await s.open();
    const trainer = new CampaignTrainer(store, 400);
    await trainer.create({ tenant: TENANT, name: "shop", interactionsFile: s.interactions, recipe: "popularity" });
    // A process that took the lease and died without releasing it.
    expect((await store.personalizeCampaigns.acquireLease(TENANT, "shop", "crashed-process", "retrain", 400)).acquired).toBe(true);
    const refused = await trainer.retrain(TENANT, "shop").catch((e) => e);
    expect(refused).toBeInstanceOf(CampaignConflictError);
    expect(refused.message).toMatch(/is being retrained by another process/);
    await new Promise((r) => setTimeout(r, 600));
    expect((await trainer.retrain(TENANT, "shop")).version).toBe(2);
    // A commit by an owner whose lease was taken over is refused and stores nothing.
    expect((await store.personalizeCampaigns.acquireLease(TENANT, "shop", "new-owner", "retrain", 60_000)).acquired).toBe(true);
    const rec = (await store.personalizeCampaigns.get(TENANT, "shop"))!;
    expect(await store.personalizeCampaigns.commit(TENANT, { ...rec, version: 3 }, "crashed-process", 2)).toBe("lease-lost");
    expect((await store.personalizeCampaigns.get(TENANT, "shop"))!.version).toBe(2);
    expect(await store.personalizeCampaigns.renewLease(TENANT, "shop", "crashed-process", 1000)).toBe(false);
    await store.personalizeCampaigns.releaseLease(TENANT, "shop", "new-owner");
    await expectConsistent(store, "shop");
  }, 120_000);
});
