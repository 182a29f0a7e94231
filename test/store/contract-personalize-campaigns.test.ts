/**
 * The store contract for Amazon Personalize campaigns and their model blobs: one suite, both
 * adapters (SQLite keeps models in files, PostgreSQL in the database). What training and the
 * registry rely on: one lease holder at a time, commits fenced by the lease and the version,
 * events read back in sequence order, tenants isolated, and model keys that cannot leave their root.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { CampaignRecord } from "../../src/store/personalize-campaigns.js";
import type { Store, Tenant } from "../../src/store/types.js";
import { STORE_KINDS, suiteStore, type SuiteStore } from "../helpers.js";

const T1: Tenant = { accountId: "111122223333", region: "us-east-1" };
const T2: Tenant = { accountId: "444455556666", region: "us-east-1" };
const NOW = "2030-01-01T00:00:00.000Z";
const HOUR = 3_600_000;

function record(t: Tenant, name: string, version: number): CampaignRecord {
  return {
    name,
    arn: `arn:aws:personalize:${t.region}:${t.accountId}:campaign/${name}`,
    trackingId: `${t.accountId}-${name}`,
    recipe: "ials",
    recipeChoice: "auto",
    version,
    modelKey: `${t.accountId}/${t.region}/${name}/v${version}`,
    eventsSeq: 0,
    interactionsFile: "interactions.csv",
    eventWeights: { types: { purchase: 5 }, others: 1 },
    stats: { users: 2 },
    creationDateTime: NOW,
    lastUpdatedDateTime: NOW,
  };
}

describe.each(STORE_KINDS)("store contract (Personalize campaigns, model blobs): %s", (kind) => {
  let suite: SuiteStore;
  let store: Store;

  beforeAll(async () => {
    suite = await suiteStore(kind);
    store = suite.store;
  });
  afterAll(() => suite.dispose());

  test("a lease has one holder until released or expired; renewing needs holding it", async () => {
    const repo = store.personalizeCampaigns;
    expect(await repo.acquireLease(T1, "lease", "a", "create", HOUR)).toEqual({ acquired: true });
    const refused = await repo.acquireLease(T1, "lease", "b", "retrain", HOUR);
    expect(refused.acquired).toBe(false);
    expect(!refused.acquired && refused.holder).toMatchObject({ owner: "a", operation: "create" });
    // The same name in another tenant is another campaign.
    expect(await repo.acquireLease(T2, "lease", "b", "create", HOUR)).toEqual({ acquired: true });
    expect(await repo.renewLease(T1, "lease", "b", HOUR)).toBe(false);
    expect(await repo.renewLease(T1, "lease", "a", HOUR)).toBe(true);
    await repo.releaseLease(T1, "lease", "b"); // not b's: nothing happens
    expect((await repo.acquireLease(T1, "lease", "b", "retrain", HOUR)).acquired).toBe(false);
    await repo.releaseLease(T1, "lease", "a");
    expect(await repo.acquireLease(T1, "lease", "b", "retrain", 1)).toEqual({ acquired: true });
    await new Promise((r) => setTimeout(r, 20));
    // b's lease ran out (on the database's clock), so a takes it over and b can no longer renew it.
    expect(await repo.acquireLease(T1, "lease", "a", "delete", HOUR)).toEqual({ acquired: true });
    expect(await repo.renewLease(T1, "lease", "b", HOUR)).toBe(false);
  });

  test("commit is fenced by the lease and the expected version; reads see the deployed record", async () => {
    const repo = store.personalizeCampaigns;
    await repo.acquireLease(T1, "movies", "a", "create", HOUR);
    expect(await repo.commit(T1, record(T1, "movies", 1), "b", 0)).toBe("lease-lost");
    expect(await repo.commit(T1, record(T1, "movies", 1), "a", 0)).toBe("committed");
    expect(await repo.commit(T1, record(T1, "movies", 1), "a", 0)).toBe("exists");
    expect(await repo.commit(T1, record(T1, "movies", 3), "a", 2)).toBe("changed");
    await repo.acquireLease(T1, "absent", "a", "retrain", HOUR);
    expect(await repo.commit(T1, record(T1, "absent", 2), "a", 1)).toBe("missing");
    const v2 = { ...record(T1, "movies", 2), previousModelKey: record(T1, "movies", 1).modelKey, trackingId: "retrained" };
    expect(await repo.commit(T1, v2, "a", 1)).toBe("committed");

    expect(await repo.get(T1, "movies")).toEqual(v2);
    expect(await repo.get(T2, "movies")).toBeUndefined();
    expect(await repo.getByTrackingId("retrained")).toEqual({ tenant: T1, campaign: v2 });
    expect(await repo.getByTrackingId(record(T1, "movies", 1).trackingId)).toBeUndefined();
    await repo.acquireLease(T2, "other", "a", "create", HOUR);
    expect(await repo.commit(T2, record(T2, "other", 1), "a", 0)).toBe("committed");
    expect((await repo.list(T1)).map((c) => c.campaign.name)).toEqual(["movies"]);
    expect((await repo.list()).map((c) => [c.tenant.accountId, c.campaign.name])).toEqual([
      [T1.accountId, "movies"],
      [T2.accountId, "other"],
    ]);
    expect(await repo.versions()).toEqual(
      expect.arrayContaining([
        { ...T1, name: "movies", version: 2 },
        { ...T2, name: "other", version: 1 },
      ]),
    );
  });

  test("events come back in sequence order from where a reader left off; delete takes them with the campaign", async () => {
    const repo = store.personalizeCampaigns;
    await repo.acquireLease(T1, "events", "a", "create", HOUR);
    expect(await repo.commit(T1, record(T1, "events", 1), "a", 0)).toBe("committed");
    expect(await repo.lastEventSeq(T1, "events")).toBe(0);
    const event = (userId: string, itemId: string | null, eventValue: number | null) => ({
      userId,
      itemId,
      eventType: "click",
      eventValue,
      sentAt: NOW,
    });
    await repo.addEvents(T1, "events", [event("u1", "i1", null), event("u2", null, 2.5)]);
    await repo.addEvents(T1, "events", [event("u3", "i3", null)]);
    await repo.addEvents(T2, "events", [event("other", "x", null)]);
    const all = await repo.eventsAfter(T1, "events", 0);
    expect(all.map((e) => [e.userId, e.itemId, e.eventValue])).toEqual([
      ["u1", "i1", null],
      ["u2", null, 2.5],
      ["u3", "i3", null],
    ]);
    expect(all.map((e) => e.seq)).toEqual([...all.map((e) => e.seq)].sort((a, b) => a - b));
    expect(await repo.lastEventSeq(T1, "events")).toBe(all[2].seq);
    expect((await repo.eventsAfter(T1, "events", all[0].seq, 1)).map((e) => e.userId)).toEqual(["u2"]);

    expect(await repo.delete(T1, "events", "b")).toBe("lease-lost");
    expect(await repo.delete(T1, "events", "a")).toEqual(record(T1, "events", 1));
    expect(await repo.get(T1, "events")).toBeUndefined();
    expect(await repo.eventsAfter(T1, "events", 0)).toEqual([]);
    expect((await repo.eventsAfter(T2, "events", 0)).map((e) => e.userId)).toEqual(["other"]);
  });

  test("model blobs: put replaces, list and deleteAll stay inside their prefix, keys cannot climb out", async () => {
    const models = store.models;
    await models.put("acct/region/m_1/v1", Buffer.from("one"));
    await models.put("acct/region/m_1/v1", Buffer.from("uno"));
    await models.put("acct/region/m_1/v2", Buffer.from([0, 255, 7]));
    // '_' in a prefix is a character, not a wildcard: mX1 is not under m_1.
    await models.put("acct/region/mX1/v1", Buffer.from("x"));
    expect((await models.get("acct/region/m_1/v1"))?.toString()).toBe("uno");
    expect([...((await models.get("acct/region/m_1/v2")) ?? [])]).toEqual([0, 255, 7]);
    expect(await models.get("acct/region/m_1/v9")).toBeUndefined();
    expect((await models.list("acct/region/m_1")).sort()).toEqual(["acct/region/m_1/v1", "acct/region/m_1/v2"]);

    await models.delete("acct/region/m_1/v1");
    expect(await models.get("acct/region/m_1/v1")).toBeUndefined();
    await models.deleteAll("acct/region/m_1");
    expect(await models.list("acct/region/m_1")).toEqual([]);
    expect((await models.get("acct/region/mX1/v1"))?.toString()).toBe("x");

    for (const bad of ["../outside", "acct/../../x", "/abs", "a//b", "a b"])
      await expect(models.put(bad, Buffer.from("no"))).rejects.toThrow(/invalid model key/);
  });
});
