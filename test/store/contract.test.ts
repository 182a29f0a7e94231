/**
 * The store contract: one suite, both adapters. Anything the domain relies on from storage is
 * stated here, so SQLite and PostgreSQL cannot drift apart.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { RecommenderConfigurationResponse } from "@aws-sdk/client-pinpoint";
import { openStore } from "../../src/store/open.js";
import type { Store, Tenant } from "../../src/store/types.js";
import { newResourceId } from "../../src/shared/ids.js";
import { PG_URL, STORE_KINDS, freshPgSchema, tempDir } from "../helpers.js";

const T1: Tenant = { accountId: "111122223333", region: "us-east-1" };
const T2: Tenant = { accountId: "111122223333", region: "eu-west-1" };
const T3: Tenant = { accountId: "444455556666", region: "us-east-1" };

function doc(name = "x"): RecommenderConfigurationResponse {
  return {
    Id: newResourceId(),
    Name: name,
    RecommendationProviderUri: "arn:aws:personalize:us-east-1:111122223333:campaign/c",
    RecommendationProviderRoleArn: "arn:aws:iam::111122223333:role/r",
    RecommendationProviderIdType: "PINPOINT_ENDPOINT_ID",
    RecommendationsPerMessage: 5,
    RecommendationsDisplayName: "Picks ünïcødé",
    CreationDate: "2024-01-01T00:00:00.000Z",
    LastModifiedDate: "2024-01-01T00:00:00.000Z",
  };
}

describe.each(STORE_KINDS)("store contract: %s", (kind) => {
  const dir = tempDir();
  let schema: Awaited<ReturnType<typeof freshPgSchema>> | undefined;
  let open: () => Promise<Store>;
  let store: Store;

  beforeAll(async () => {
    if (kind === "postgres") schema = await freshPgSchema();
    open = () => openStore(kind === "postgres" ? { database: PG_URL, schema: schema!.schema, dataDir: dir.path } : { dataDir: dir.path });
    store = await open();
  });
  afterAll(async () => {
    await store.close();
    await schema?.drop();
    dir.remove();
  });

  test("insert, get, replace and delete round-trip documents exactly", async () => {
    const d = doc("round trip");
    expect(await store.recommenders.insert(T1, d, 100)).toBe(true);
    expect(await store.recommenders.get(T1, d.Id!)).toEqual(d);
    const changed = { ...d, Name: "changed", Attributes: { "Recommendations.A": "A" } };
    expect(await store.recommenders.replace(T1, changed)).toBe(true);
    expect(await store.recommenders.get(T1, d.Id!)).toEqual(changed);
    expect(await store.recommenders.delete(T1, d.Id!)).toEqual(changed);
    expect(await store.recommenders.get(T1, d.Id!)).toBeUndefined();
    expect(await store.recommenders.delete(T1, d.Id!)).toBeUndefined();
    expect(await store.recommenders.replace(T1, changed)).toBe(false);
  });

  test("tenants are isolated by account and by region", async () => {
    const d = doc("isolated");
    await store.recommenders.insert(T1, d, 100);
    for (const t of [T2, T3]) {
      expect(await store.recommenders.get(t, d.Id!)).toBeUndefined();
      expect(await store.recommenders.replace(t, { ...d, Name: "hijack" })).toBe(false);
      expect(await store.recommenders.delete(t, d.Id!)).toBeUndefined();
      expect((await store.recommenders.list(t, 0, 100)).items).toEqual([]);
    }
    expect(await store.recommenders.get(T1, d.Id!)).toEqual(d);
    await store.recommenders.delete(T1, d.Id!);
  });

  test("list pages in insertion order with a resumable position", async () => {
    const docs = Array.from({ length: 5 }, (_, i) => doc(`p${i}`));
    for (const d of docs) await store.recommenders.insert(T3, d, 100);
    const seen: string[] = [];
    let after = 0;
    for (;;) {
      const page = await store.recommenders.list(T3, after, 2);
      seen.push(...page.items.map((i) => i.Name!));
      if (page.after === undefined) break;
      after = page.after;
    }
    expect(seen).toEqual(["p0", "p1", "p2", "p3", "p4"]);
    for (const d of docs) await store.recommenders.delete(T3, d.Id!);
  });

  test("the quota holds exactly under concurrent inserts", async () => {
    const results = await Promise.all(Array.from({ length: 30 }, () => store.recommenders.insert(T2, doc("q"), 7)));
    expect(results.filter(Boolean)).toHaveLength(7);
    const page = await store.recommenders.list(T2, 0, 100);
    expect(page.items).toHaveLength(7);
    for (const d of page.items) await store.recommenders.delete(T2, d.Id!);
  });

  test("a duplicate id is rejected and leaves the first document intact", async () => {
    const d = doc("first");
    await store.recommenders.insert(T1, d, 100);
    await expect(store.recommenders.insert(T1, { ...d, Name: "second" }, 100)).rejects.toThrow();
    expect(await store.recommenders.get(T1, d.Id!)).toEqual(d);
    await store.recommenders.delete(T1, d.Id!);
  });

  test("reopening runs no migration twice and sees committed data; two handles share writes", async () => {
    const d = doc("durable");
    await store.recommenders.insert(T1, d, 100);
    const [second, third] = await Promise.all([open(), open()]);
    try {
      expect(await second.recommenders.get(T1, d.Id!)).toEqual(d);
      const e = doc("from second");
      await second.recommenders.insert(T1, e, 100);
      expect(await third.recommenders.get(T1, e.Id!)).toEqual(e);
      expect(await store.recommenders.get(T1, e.Id!)).toEqual(e);
      await third.recommenders.delete(T1, e.Id!);
      expect(await store.recommenders.get(T1, e.Id!)).toBeUndefined();
    } finally {
      await second.close();
      await third.close();
    }
    await store.recommenders.delete(T1, d.Id!);
  });
});
