/**
 * The embedded engine behind Amazon Personalize's runtime and events APIs, driven by the real
 * `@aws-sdk/client-personalize-runtime` and `@aws-sdk/client-personalize-events` clients.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { GetPersonalizedRankingCommand, GetRecommendationsCommand, PersonalizeRuntimeClient } from "@aws-sdk/client-personalize-runtime";
import { PersonalizeEventsClient, PutEventsCommand } from "@aws-sdk/client-personalize-events";
import { synth } from "../../src/engine/index.js";
import { CampaignTrainer } from "../../src/personalize/campaigns/training.js";
import type { CampaignRecord } from "../../src/store/personalize-campaigns.js";
import { ACCOUNT_A, ACCOUNT_B, STORE_KINDS, errorOf, startTestServer, tempDir, type TestServer } from "../helpers.js";
import type { Credential } from "../../src/server/credentials.js";

const TENANT = { accountId: ACCOUNT_A.accountId, region: "us-east-1" };

function clients(server: { url: string }, c: Credential = ACCOUNT_A) {
  const config = {
    endpoint: server.url,
    region: "us-east-1",
    credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey },
    maxAttempts: 1,
  };
  return { runtime: new PersonalizeRuntimeClient(config), events: new PersonalizeEventsClient(config) };
}

/** Reads the CSV the test generated, independently of the engine's importer. */
function readInteractions(path: string): Map<string, Set<string>> {
  const seen = new Map<string, Set<string>>();
  for (const line of readFileSync(path, "utf8").trim().split("\n").slice(1)) {
    const [u, i] = line.split(",");
    if (!seen.has(u)) seen.set(u, new Set());
    seen.get(u)!.add(i);
  }
  return seen;
}

describe.each(STORE_KINDS)("Personalize runtime and events on %s", (kind) => {
  const data = tempDir("pinrec-data-");
  let server: TestServer;
  let campaign: CampaignRecord;
  let seen: Map<string, Set<string>>;
  let interactions: string;
  let items: string;
  let runtime: PersonalizeRuntimeClient;
  let events: PersonalizeEventsClient;

  beforeAll(async () => {
    const files = await synth({ users: 300, items: 120, interactions: 6000, seed: 7, outDir: data.path });
    interactions = files.interactionsPath;
    items = files.itemsPath;
    seen = readInteractions(interactions);
    server = await startTestServer(kind, { campaignPollMs: 0 });
    campaign = await new CampaignTrainer(server.store).create({
      tenant: TENANT,
      name: "movies",
      interactionsFile: interactions,
      itemsFile: items,
      seed: 1,
    });
    ({ runtime, events } = clients(server));
  });
  afterAll(async () => {
    await server.dispose();
    data.remove();
  });

  const recommend = async (userId: string, numResults = 10) =>
    (await runtime.send(new GetRecommendationsCommand({ campaignArn: campaign.arn, userId, numResults }))).itemList!.map((i) => i.itemId!);

  test("a known user gets numResults distinct items, none already seen, scores descending", async () => {
    const user = [...seen.keys()][0];
    const r = await runtime.send(new GetRecommendationsCommand({ campaignArn: campaign.arn, userId: user, numResults: 15 }));
    expect(r.$metadata.httpStatusCode).toBe(200);
    expect(r.recommendationId).toMatch(/^RID-/);
    const ids = r.itemList!.map((i) => i.itemId!);
    expect(ids).toHaveLength(15);
    expect(new Set(ids).size).toBe(15);
    for (const id of ids) expect(seen.get(user)!.has(id)).toBe(false);
    const scores = r.itemList!.map((i) => i.score!);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    expect(await recommend(user)).toEqual(ids.slice(0, 10));
  });

  test("an unknown user gets the most popular items", async () => {
    const popularity = new Map<string, number>();
    for (const set of seen.values()) for (const i of set) popularity.set(i, (popularity.get(i) ?? 0) + 1);
    const top = [...popularity.entries()].sort((a, b) => b[1] - a[1]);
    const got = await recommend("never-seen-user", 5);
    // Ties in popularity may order either way; every returned item must be as popular as the 5th.
    for (const id of got) expect(popularity.get(id)!).toBeGreaterThanOrEqual(top[4][1]);
    expect(got).toContain(top[0][0]);
  });

  test("itemId asks for similar items, never the item itself", async () => {
    const item = [...seen.values()][0].values().next().value as string;
    const r = await runtime.send(new GetRecommendationsCommand({ campaignArn: campaign.arn, itemId: item, numResults: 8 }));
    const ids = r.itemList!.map((i) => i.itemId!);
    expect(ids).toHaveLength(8);
    expect(ids).not.toContain(item);
  });

  test("metadataColumns returns the items' metadata", async () => {
    const r = await runtime.send(
      new GetRecommendationsCommand({
        campaignArn: campaign.arn,
        userId: "nobody",
        numResults: 3,
        metadataColumns: { ITEMS: ["TITLE", "GENRES"] },
      }),
    );
    // Each item's columns as the items file has them (a plain RFC 4180 reading, quotes doubled).
    const rows = new Map<string, { TITLE: string; GENRES: string }>();
    for (const line of readFileSync(items, "utf8").trim().split("\n").slice(1)) {
      const fields = [...line.matchAll(/("(?:[^"]|"")*"|[^,]*)(?:,|$)/g)].map((m) => m[1].replace(/^"|"$/g, "").replaceAll('""', '"'));
      rows.set(fields[0], { TITLE: fields[1], GENRES: fields[2] });
    }
    expect(r.itemList).toHaveLength(3);
    for (const item of r.itemList!) {
      expect(rows.get(item.itemId!)?.GENRES).toBeTruthy();
      expect(item.metadata).toEqual(rows.get(item.itemId!));
    }
  });

  test("GetPersonalizedRanking orders the given items; unknown items come last", async () => {
    const user = [...seen.keys()][1];
    const candidates = (await recommend(user, 6)).reverse();
    const r = await runtime.send(
      new GetPersonalizedRankingCommand({ campaignArn: campaign.arn, userId: user, inputList: [...candidates, "no-such-item"] }),
    );
    const ranked = r.personalizedRanking!.map((i) => i.itemId);
    expect(ranked.slice(0, 6)).toEqual([...candidates].reverse());
    expect(ranked[6]).toBe("no-such-item");
  });

  test("bad input is InvalidInputException; unknown or foreign campaigns ResourceNotFoundException", async () => {
    const cases: [() => Promise<unknown>, string][] = [
      [
        () => runtime.send(new GetRecommendationsCommand({ campaignArn: campaign.arn, userId: "u", numResults: 501 })),
        "InvalidInputException",
      ],
      [() => runtime.send(new GetRecommendationsCommand({ campaignArn: campaign.arn })), "InvalidInputException"],
      [() => runtime.send(new GetRecommendationsCommand({ campaignArn: "not-an-arn", userId: "u" })), "InvalidInputException"],
      [
        () =>
          runtime.send(
            new GetRecommendationsCommand({
              campaignArn: campaign.arn,
              userId: "u",
              filterArn: "arn:aws:personalize:us-east-1:111122223333:filter/f",
            }),
          ),
        // No such filter in this account.
        "ResourceNotFoundException",
      ],
      [() => runtime.send(new GetRecommendationsCommand({ campaignArn: campaign.arn, itemId: "no-such-item" })), "InvalidInputException"],
      [
        () => runtime.send(new GetRecommendationsCommand({ campaignArn: campaign.arn.replace("movies", "other"), userId: "u" })),
        "ResourceNotFoundException",
      ],
      [
        () => clients(server, ACCOUNT_B).runtime.send(new GetRecommendationsCommand({ campaignArn: campaign.arn, userId: "u" })),
        "ResourceNotFoundException",
      ],
      [
        () => runtime.send(new GetPersonalizedRankingCommand({ campaignArn: campaign.arn, userId: "u", inputList: [] })),
        "InvalidInputException",
      ],
      [
        () =>
          events.send(
            new PutEventsCommand({
              trackingId: "no-such-tracker",
              sessionId: "s",
              eventList: [{ eventType: "click", itemId: "i1", sentAt: new Date() }],
            }),
          ),
        "ResourceNotFoundException",
      ],
      [
        () =>
          clients(server, ACCOUNT_B).events.send(
            new PutEventsCommand({
              trackingId: campaign.trackingId,
              sessionId: "s",
              eventList: [{ eventType: "click", itemId: "i1", sentAt: new Date() }],
            }),
          ),
        "ResourceNotFoundException",
      ],
      [
        () =>
          events.send(
            new PutEventsCommand({
              trackingId: campaign.trackingId,
              sessionId: "s",
              eventList: Array.from({ length: 11 }, () => ({ eventType: "click", itemId: "i1", sentAt: new Date() })),
            }),
          ),
        "InvalidInputException",
      ],
      [
        () =>
          events.send(
            new PutEventsCommand({
              trackingId: campaign.trackingId,
              sessionId: "s",
              eventList: [{ eventType: "click", itemId: "i1", sentAt: new Date(), properties: "{not json" }],
            }),
          ),
        "InvalidInputException",
      ],
    ];
    for (const [call, name] of cases) {
      const err = await errorOf(call);
      expect(err.name).toBe(name);
    }
  });

  test("PutEvents changes that user's next recommendations at once, and only that user's", async () => {
    const [user, other] = [...seen.keys()].slice(2, 4);
    const before = await recommend(user, 10);
    const otherBefore = await recommend(other, 10);
    const clicked = before.slice(0, 3);
    const r = await events.send(
      new PutEventsCommand({
        trackingId: campaign.trackingId,
        userId: user,
        sessionId: "session-1",
        eventList: clicked.map((itemId, k) => ({ eventType: "click", itemId, sentAt: new Date(Date.now() + k) })),
      }),
    );
    expect(r.$metadata.httpStatusCode).toBe(200);
    const after = await recommend(user, 10);
    expect(after).not.toEqual(before);
    for (const id of clicked) expect(after).not.toContain(id); // now seen, so excluded
    expect(await recommend(other, 10)).toEqual(otherBefore);
  });

  test("retraining under load: every request is answered, the new model is swapped in, events are kept", async () => {
    const trainer = new CampaignTrainer(server.store);
    let stop = false;
    const statuses: number[] = [];
    const load = (async () => {
      while (!stop) {
        const r = await runtime.send(new GetRecommendationsCommand({ campaignArn: campaign.arn, userId: "u1", numResults: 5 }));
        statuses.push(r.$metadata.httpStatusCode!);
      }
    })();
    const retrained = await trainer.retrain(TENANT, "movies", { seed: 2 });
    await server.personalizeCampaigns.poll();
    const loaded = await server.personalizeCampaigns.get(TENANT, "movies");
    stop = true;
    await load;
    expect(retrained.version).toBe(campaign.version + 1);
    expect(loaded!.record.version).toBe(retrained.version);
    expect(retrained.stats.events).toBeGreaterThanOrEqual(3);
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.every((s) => s === 200)).toBe(true);
    campaign = retrained;
  });

  test("a failed import reports bad rows by line and leaves the deployed model in service", async () => {
    const bad = join(data.path, "bad.csv");
    writeFileSync(bad, "USER_ID,ITEM_ID,TIMESTAMP\nu1,i1,1700000000\nu2,,1700000000\nu3,i3,yesterday\nu4,i4\n");
    const err = await new CampaignTrainer(server.store).retrain(TENANT, "movies", { interactionsFile: bad }).then(
      () => undefined,
      (e) => e,
    );
    expect(err?.name).toBe("ImportError");
    expect(err.errors.map((e: { line: number }) => e.line)).toEqual([3, 4, 5]);
    // Events recorded earlier are merged in for the retrain; the error still names the user's file.
    expect(err.file).toBe(bad);
    const still = await server.store.personalizeCampaigns.get(TENANT, "movies");
    expect(still!.version).toBe(campaign.version);
    expect((await recommend("u1", 5)).length).toBe(5);
  });
});

describe("a running server and the campaigns CLI share one data dir", () => {
  test("new, retrained and deleted campaigns are picked up without a restart or a request", async () => {
    const data = tempDir("pinrec-data-");
    const server = await startTestServer("sqlite", { campaignPollMs: 50 });
    // The CLI opens its own store on the server's data dir, as `pinrec campaigns …` does.
    const { openStore } = await import("../../src/store/open.js");
    const cliStore = await openStore({ dataDir: server.dataDir });
    try {
      const files = await synth({ users: 80, items: 40, interactions: 1200, seed: 5, outDir: data.path });
      const trainer = new CampaignTrainer(cliStore);
      const until = async (what: string, ok: () => boolean) => {
        for (let i = 0; i < 100 && !ok(); i++) await new Promise((r) => setTimeout(r, 50));
        expect(ok(), what).toBe(true);
      };
      await trainer.create({ tenant: TENANT, name: "shop", interactionsFile: files.interactionsPath });
      await until("loaded after create", () => server.personalizeCampaigns.loadedVersion(TENANT, "shop") === 1);
      await trainer.retrain(TENANT, "shop", { seed: 9 });
      await until("swapped after retrain", () => server.personalizeCampaigns.loadedVersion(TENANT, "shop") === 2);
      // Model files: the deployed one and the one before it are kept, older ones removed.
      const stored = async () =>
        (await cliStore.models.list(`${TENANT.accountId}/${TENANT.region}/shop`))
          .map((k) => Number(/\/v(\d+)-[0-9a-f]{8}$/.exec(k)![1]))
          .sort();
      expect(await stored()).toEqual([1, 2]);
      await trainer.retrain(TENANT, "shop", { seed: 10 });
      await until("swapped after a second retrain", () => server.personalizeCampaigns.loadedVersion(TENANT, "shop") === 3);
      expect(await stored()).toEqual([2, 3]);
      const { runtime } = clients(server);
      const arn = `arn:aws:personalize:us-east-1:${ACCOUNT_A.accountId}:campaign/shop`;
      expect((await runtime.send(new GetRecommendationsCommand({ campaignArn: arn, userId: "u1", numResults: 3 }))).itemList).toHaveLength(
        3,
      );
      await trainer.delete(TENANT, "shop");
      expect(await stored()).toEqual([]);
      await until("unloaded after delete", () => server.personalizeCampaigns.loadedVersion(TENANT, "shop") === undefined);
      expect((await errorOf(() => runtime.send(new GetRecommendationsCommand({ campaignArn: arn, userId: "u1" })))).name).toBe(
        "ResourceNotFoundException",
      );
    } finally {
      await cliStore.close();
      await server.dispose();
      data.remove();
    }
  });
});
