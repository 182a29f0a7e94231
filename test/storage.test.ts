/**
 * Storage robustness and secrets at rest: model files carry a checksum that is verified on load, a
 * bad model is reported once while the previous good one keeps serving, fold-in memory is capped,
 * a deleted campaign leaves no directory, and everything pinrec writes is private to its user.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import pino from "pino";
import { describe, expect, test } from "vitest";
import { GetRecommendationsCommand, PersonalizeRuntimeClient } from "@aws-sdk/client-personalize-runtime";
import { PersonalizeEventsClient, PutEventsCommand } from "@aws-sdk/client-personalize-events";
import { CampaignTrainer } from "../src/personalize/campaigns/training.js";
import { ModelIntegrityError, datasetFromEvents, deserializeModel, serializeModel, synth, train } from "../src/engine/index.js";
import { startServer } from "../src/server/serve.js";
import {
  ACCOUNT_A,
  ACCOUNT_B,
  PG_URL,
  STORE_KINDS,
  TEST_CREDENTIALS,
  errorOf,
  freshPgSchema,
  startTestServer,
  tempDir,
} from "./helpers.js";
import { processSuite } from "./server-process.js";

const TENANT = { accountId: ACCOUNT_A.accountId, region: "us-east-1" };
const cleanups = processSuite();

function runtimeClient(url: string, credential = ACCOUNT_A) {
  const config = {
    endpoint: url,
    region: "us-east-1",
    credentials: { accessKeyId: credential.accessKeyId, secretAccessKey: credential.secretAccessKey },
    maxAttempts: 1,
  };
  return { runtime: new PersonalizeRuntimeClient(config), events: new PersonalizeEventsClient(config) };
}

/** A real pino logger writing JSON lines into an array, to count what was said. */
function capturedLog() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split("\n")) if (l) lines.push(JSON.parse(l));
      done();
    },
  });
  return { log: pino({ level: "info" }, sink), lines, said: (msg: RegExp) => lines.filter((l) => msg.test(String(l.msg))) };
}

describe("model file checksum", () => {
  test("every single-byte corruption and every truncation is refused on load", async () => {
    const ds = datasetFromEvents(Array.from({ length: 400 }, (_, k) => ({ userId: `u${k % 37}`, itemId: `i${(k * 7) % 23}` })));
    const bytes = serializeModel(await train(ds, { recipe: "ials", seed: 1 }));
    expect(deserializeModel(bytes).nUsers).toBe(37);
    let seed = 42;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let k = 0; k < 300; k++) {
      const bad = Buffer.from(bytes);
      const at = rand(bad.length);
      bad[at] ^= 1 + rand(255);
      expect(() => deserializeModel(bad), `byte ${at} changed`).toThrow(ModelIntegrityError);
    }
    for (const len of [0, 10, 47, 48, bytes.length >> 1, bytes.length - 1]) {
      expect(() => deserializeModel(bytes.subarray(0, len)), `cut to ${len} bytes`).toThrow(ModelIntegrityError);
    }
    expect(() => deserializeModel(bytes.subarray(0, bytes.length - 1))).toThrow(/truncated/);
  });
});

describe.each(STORE_KINDS)("campaign storage on %s", (kind) => {
  test("a damaged new model is reported once and the model in service stays; a fresh server falls back to the previous one", async () => {
    const data = tempDir("pinrec-csv-");
    cleanups.push(() => data.remove());
    const files = await synth({ users: 120, items: 60, interactions: 2000, seed: 4, outDir: data.path });
    // Several servers over one database: the one running now, and ones that start later.
    const dir = tempDir("pinrec-data-");
    cleanups.push(() => dir.remove());
    const schema = kind === "postgres" ? await freshPgSchema() : undefined;
    if (schema) cleanups.push(() => schema.drop());
    const start = async () => {
      const captured = capturedLog();
      const s = await startServer({
        host: "127.0.0.1",
        port: 0,
        dataDir: dir.path,
        credentials: TEST_CREDENTIALS,
        logger: captured.log,
        campaignPollMs: 0,
        ...(schema && { database: PG_URL, databaseSchema: schema.schema }),
      });
      cleanups.push(() => s.close());
      return { ...s, ...captured };
    };
    const server = await start();
    const first = server;
    const trainer = new CampaignTrainer(server.store);
    const v1 = await trainer.create({ tenant: TENANT, name: "shop", interactionsFile: files.interactionsPath });
    await server.personalizeCampaigns.poll();
    expect(server.personalizeCampaigns.loadedVersion(TENANT, "shop")).toBe(1);

    const v2 = await trainer.retrain(TENANT, "shop", { seed: 2 });
    const good = (await server.store.models.get(v2.modelKey))!;
    await server.store.models.put(v2.modelKey, good.subarray(0, good.length - 100)); // truncated
    for (let i = 0; i < 5; i++) await server.personalizeCampaigns.poll();
    expect(server.personalizeCampaigns.loadedVersion(TENANT, "shop")).toBe(1);
    const failures = first.said(/failed to load/);
    expect(failures, JSON.stringify(first.lines)).toHaveLength(1);
    expect(failures[0]).toMatchObject({ level: 50, version: 2, serving: 1 });
    expect(String(failures[0].reason)).toMatch(/truncated/);
    const { runtime } = runtimeClient(server.url);
    const ask = () => runtime.send(new GetRecommendationsCommand({ campaignArn: v1.arn, userId: "u1", numResults: 3 }));
    expect((await ask()).itemList).toHaveLength(3);

    // A server starting now finds the deployed model damaged and serves the one before it.
    const second = await start();
    const fresh = second;
    const ask2 = () =>
      runtimeClient(second.url).runtime.send(new GetRecommendationsCommand({ campaignArn: v1.arn, userId: "u1", numResults: 3 }));
    expect((await ask2()).itemList).toHaveLength(3);
    expect(fresh.said(/serving the model deployed before it/)).toHaveLength(1);

    // With both damaged, requests get a clear error, not a 500, and the log says it once.
    await server.store.models.put(v1.modelKey, Buffer.from("not a model"));
    const third = await start();
    const last = third;
    for (let i = 0; i < 3; i++) {
      const err = await errorOf(() =>
        runtimeClient(third.url).runtime.send(new GetRecommendationsCommand({ campaignArn: v1.arn, userId: "u1" })),
      );
      expect(err.$metadata.httpStatusCode).toBe(404);
      expect(err.name).toBe("ResourceNotFoundException");
      expect(err.message).toMatch(/not active: its model file failed its integrity check/);
      await third.personalizeCampaigns.poll();
    }
    expect(last.said(/failed to load/)).toHaveLength(1);
  }, 60_000);

  test("fold-in memory is capped: past --max-folded-users the least recently active user is answered from popularity", async () => {
    const data = tempDir("pinrec-csv-");
    cleanups.push(() => data.remove());
    const files = await synth({ users: 100, items: 50, interactions: 1500, seed: 6, outDir: data.path });
    const cap = capturedLog();
    const server = await startTestServer(kind, { campaignPollMs: 0, maxFoldedUsers: 3, logger: cap.log });
    cleanups.push(() => server.dispose());
    const rec = await new CampaignTrainer(server.store).create({
      tenant: TENANT,
      name: "shop",
      interactionsFile: files.interactionsPath,
      recipe: "ials",
    });
    const { runtime, events } = runtimeClient(server.url);
    const recommend = async (userId: string) =>
      (await runtime.send(new GetRecommendationsCommand({ campaignArn: rec.arn, userId, numResults: 5 }))).itemList!.map((i) => i.itemId);
    const popular = await recommend("never-seen");
    for (let k = 0; k < 5; k++) {
      await events.send(
        new PutEventsCommand({
          trackingId: rec.trackingId,
          userId: `new-${k}`,
          sessionId: `s${k}`,
          eventList: [{ eventType: "click", itemId: popular[0], sentAt: new Date() }],
        }),
      );
    }
    expect(server.personalizeCampaigns.foldedUsers).toBe(3);
    expect(cap.said(/fold-in cap reached/)).toHaveLength(1);
    // new-0 and new-1 were evicted: popularity again, including the item they clicked.
    expect(await recommend("new-0")).toEqual(popular);
    // new-4 is still folded in: the clicked item is excluded as seen.
    expect(await recommend("new-4")).not.toContain(popular[0]);
  }, 60_000);

  test("the fold-in cap is shared fairly: one account's flood of new users never erases another account's events", async () => {
    const data = tempDir("pinrec-csv-");
    cleanups.push(() => data.remove());
    const files = await synth({ users: 100, items: 50, interactions: 1500, seed: 6, outDir: data.path });
    const server = await startTestServer(kind, { campaignPollMs: 0, maxFoldedUsers: 4 });
    cleanups.push(() => server.dispose());
    const trainer = new CampaignTrainer(server.store);
    const TENANT_B = { accountId: ACCOUNT_B.accountId, region: "us-east-1" };
    const recA = await trainer.create({ tenant: TENANT, name: "shop", interactionsFile: files.interactionsPath, recipe: "ials" });
    const recB = await trainer.create({ tenant: TENANT_B, name: "shop", interactionsFile: files.interactionsPath, recipe: "ials" });
    const a = runtimeClient(server.url, ACCOUNT_A);
    const b = runtimeClient(server.url, ACCOUNT_B);
    const recommend = async (c: typeof a, arn: string, userId: string) =>
      (await c.runtime.send(new GetRecommendationsCommand({ campaignArn: arn, userId, numResults: 5 }))).itemList!.map((i) => i.itemId);
    const popular = await recommend(b, recB.arn, "never-seen");
    // Events are folded into loaded models: both campaigns answer once first.
    const popularA = await recommend(a, recA.arn, "never-seen");
    const click = (c: typeof a, trackingId: string, userId: string) =>
      c.events.send(
        new PutEventsCommand({
          trackingId,
          userId,
          sessionId: userId,
          eventList: [{ eventType: "click", itemId: popular[0], sentAt: new Date() }],
        }),
      );
    // B's one real-time user first (the least recently active of all), then 60 of A's.
    await click(b, recB.trackingId, "b-user");
    for (let k = 0; k < 60; k++) await click(a, recA.trackingId, `a-${k}`);
    expect(server.personalizeCampaigns.foldedUsers).toBe(4);
    // B's user is still folded in (the clicked item is excluded as seen); A's oldest were forgotten.
    expect(await recommend(b, recB.arn, "b-user")).not.toContain(popular[0]);
    expect(await recommend(a, recA.arn, "a-0")).toEqual(popularA);
    expect(await recommend(a, recA.arn, "a-59")).not.toContain(popular[0]);
  }, 60_000);

  test("a deleted campaign leaves no model directory or blob behind", async () => {
    const data = tempDir("pinrec-csv-");
    cleanups.push(() => data.remove());
    const files = await synth({ users: 60, items: 30, interactions: 600, seed: 8, outDir: data.path });
    const server = await startTestServer(kind, { campaignPollMs: 0 });
    cleanups.push(() => server.dispose());
    const trainer = new CampaignTrainer(server.store);
    await trainer.create({ tenant: TENANT, name: "gone", interactionsFile: files.interactionsPath, recipe: "popularity" });
    await trainer.retrain(TENANT, "gone");
    const prefix = `${TENANT.accountId}/${TENANT.region}/gone`;
    expect(await server.store.models.list(prefix)).toHaveLength(2);
    await trainer.delete(TENANT, "gone");
    expect(await server.store.models.list(prefix)).toEqual([]);
    if (kind === "sqlite") {
      expect(existsSync(join(server.dataDir, "models", TENANT.accountId))).toBe(false);
      const models = join(server.dataDir, "models");
      expect(existsSync(models) ? readdirSync(models) : []).toEqual([]);
    }
  }, 60_000);
});
