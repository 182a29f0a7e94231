/**
 * The store contract for apps, endpoints and templates: one suite, both adapters, so SQLite and
 * PostgreSQL cannot drift apart on what the domain relies on.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { ApplicationResponse, EndpointResponse } from "@aws-sdk/client-pinpoint";
import { openStore } from "../../src/store/open.js";
import type { EndpointWritePlan } from "../../src/store/endpoints.js";
import type { Store, Tenant } from "../../src/store/types.js";
import { newResourceId } from "../../src/shared/ids.js";
import { PG_URL, STORE_KINDS, freshPgSchema, tempDir } from "../helpers.js";

const T1: Tenant = { accountId: "111122223333", region: "us-east-1" };
const T2: Tenant = { accountId: "111122223333", region: "eu-west-1" };
const T3: Tenant = { accountId: "444455556666", region: "us-east-1" };
const NOW = "2024-01-01T00:00:00.000Z";

function app(t: Tenant, name = "x"): ApplicationResponse {
  const id = newResourceId();
  return {
    Id: id,
    Arn: `arn:aws:mobiletargeting:${t.region}:${t.accountId}:apps/${id}`,
    Name: `${name} ünïcødé`,
    tags: {},
    CreationDate: NOW,
  };
}

function ep(id: string, extra: Partial<EndpointResponse> = {}): EndpointResponse {
  return { Id: id, Attributes: {}, Metrics: {}, EndpointStatus: "ACTIVE", CreationDate: NOW, ...extra };
}

/** A plan that writes the given documents as they are. */
function plain(docs: EndpointResponse[], onSettle?: EndpointWritePlan["settle"]): EndpointWritePlan {
  return { ids: docs.map((d) => d.Id!), merge: () => docs, settle: onSettle ?? (() => []) };
}

describe.each(STORE_KINDS)("store contract (apps, endpoints, templates): %s", (kind) => {
  const dir = tempDir();
  let schema: Awaited<ReturnType<typeof freshPgSchema>> | undefined;
  let store: Store;

  beforeAll(async () => {
    if (kind === "postgres") schema = await freshPgSchema();
    store = await openStore(kind === "postgres" ? { database: PG_URL, schema: schema!.schema, dataDir: dir.path } : { dataDir: dir.path });
  });
  afterAll(async () => {
    await store.close();
    await schema?.drop();
    dir.remove();
  });

  test("apps: insert, get, list in order, delete; tenants isolated; quota exact under concurrency", async () => {
    const docs = Array.from({ length: 5 }, (_, i) => app(T1, `a${i}`));
    for (const d of docs) expect(await store.apps.insert(T1, d, 100)).toBe(true);
    expect(await store.apps.get(T1, docs[0].Id!)).toEqual(docs[0]);
    const seen: string[] = [];
    let after = 0;
    for (;;) {
      const page = await store.apps.list(T1, after, 2);
      seen.push(...page.items.map((i) => i.Id!));
      if (page.after === undefined) break;
      after = page.after;
    }
    expect(seen).toEqual(docs.map((d) => d.Id));
    for (const t of [T2, T3]) {
      expect(await store.apps.get(t, docs[0].Id!)).toBeUndefined();
      expect(await store.apps.delete(t, docs[0].Id!)).toBeUndefined();
      expect((await store.apps.list(t, 0, 10)).items).toEqual([]);
    }
    for (const d of docs) expect(await store.apps.delete(T1, d.Id!)).toEqual(d);
    expect(await store.apps.delete(T1, docs[0].Id!)).toBeUndefined();
    const results = await Promise.all(Array.from({ length: 20 }, () => store.apps.insert(T2, app(T2), 6)));
    expect(results.filter(Boolean)).toHaveLength(6);
    for (const d of (await store.apps.list(T2, 0, 100)).items) await store.apps.delete(T2, d.Id!);
  });

  test("endpoints: keys are case-insensitive, lookups by user id, deletes by id and user", async () => {
    const a = app(T1);
    await store.apps.insert(T1, a, 100);
    expect(
      await store.endpoints.write(
        T1,
        a.Id!,
        plain([
          ep("Alpha", { User: { UserId: "u1" } }),
          ep("beta", { User: { UserId: "u1" } }),
          ep("gamma", { User: { UserId: "u2" } }),
          ep("delta"),
        ]),
      ),
    ).toBe(true);
    expect((await store.endpoints.get(T1, a.Id!, "ALPHA"))!.Id).toBe("Alpha");
    expect((await store.endpoints.byUser(T1, a.Id!, "u1")).map((d) => d.Id)).toEqual(["Alpha", "beta"]);
    expect(await store.endpoints.byUser(T1, a.Id!, "nobody")).toEqual([]);
    // merge sees the stored documents by key; a rewrite moves the endpoint to another user.
    let seen: Map<string, EndpointResponse> | undefined;
    await store.endpoints.write(T1, a.Id!, {
      ids: ["BETA", "new"],
      merge: (existing) => {
        seen = existing;
        return [{ ...existing.get("beta")!, User: { UserId: "u2" } }, ep("new")];
      },
      settle: () => [],
    });
    expect([...seen!.keys()]).toEqual(["beta"]);
    expect((await store.endpoints.byUser(T1, a.Id!, "u2")).map((d) => d.Id)).toEqual(["beta", "gamma"]);
    expect((await store.endpoints.delete(T1, a.Id!, "GAMMA"))!.Id).toBe("gamma");
    expect(await store.endpoints.delete(T1, a.Id!, "gamma")).toBeUndefined();
    expect((await store.endpoints.deleteByUser(T1, a.Id!, "u2")).map((d) => d.Id)).toEqual(["beta"]);
    expect(await store.endpoints.get(T1, a.Id!, "beta")).toBeUndefined();
    // Other tenants see nothing, and cannot write into an app that is not theirs.
    for (const t of [T2, T3]) {
      expect(await store.endpoints.get(t, a.Id!, "alpha")).toBeUndefined();
      expect(await store.endpoints.byUser(t, a.Id!, "u1")).toEqual([]);
      expect(await store.endpoints.write(t, a.Id!, plain([ep("intruder")]))).toBe(false);
    }
    await store.apps.delete(T1, a.Id!);
  });

  test("endpoints: settle sees other users' counts and ACTIVE endpoints sharing an address", async () => {
    const a = app(T1);
    await store.apps.insert(T1, a, 100);
    await store.endpoints.write(
      T1,
      a.Id!,
      plain([
        ep("e1", { User: { UserId: "u" }, Address: "x@example.com", ChannelType: "EMAIL" }),
        ep("e2", { User: { UserId: "u" }, Address: "x@example.com", ChannelType: "EMAIL", EndpointStatus: "INACTIVE" }),
        ep("e3", { User: { UserId: "v" }, Address: "y@example.com", ChannelType: "EMAIL" }),
      ]),
    );
    let context: Parameters<EndpointWritePlan["settle"]>[0] | undefined;
    await store.endpoints.write(
      T1,
      a.Id!,
      plain(
        [ep("e4", { User: { UserId: "u" }, Address: "x@example.com", ChannelType: "EMAIL" }), ep("e1", { User: { UserId: "u" } })],
        (c) => {
          context = c;
          return c.sameAddress.map((d) => ({ ...d, EndpointStatus: "INACTIVE" }));
        },
      ),
    );
    // e1 is being written, so it is not counted; e2 is INACTIVE, so it does not share the address.
    expect(Object.fromEntries(context!.userCounts)).toEqual({ u: 1 });
    expect(context!.sameAddress.map((d) => d.Id)).toEqual([]);
    await store.endpoints.write(
      T1,
      a.Id!,
      plain([ep("e5", { Address: "y@example.com", ChannelType: "EMAIL" })], (c) => {
        context = c;
        return c.sameAddress.map((d) => ({ ...d, EndpointStatus: "INACTIVE" }));
      }),
    );
    expect(context!.sameAddress.map((d) => d.Id)).toEqual(["e3"]);
    expect((await store.endpoints.get(T1, a.Id!, "e3"))!.EndpointStatus).toBe("INACTIVE");
    await store.apps.delete(T1, a.Id!);
  });

  test("endpoints: a plan that throws writes nothing; deleting the app deletes its endpoints and only its", async () => {
    const a = app(T1);
    const b = app(T1);
    await store.apps.insert(T1, a, 100);
    await store.apps.insert(T1, b, 100);
    await expect(
      store.endpoints.write(
        T1,
        a.Id!,
        plain([ep("doomed")], () => {
          throw new Error("refused");
        }),
      ),
    ).rejects.toThrow("refused");
    expect(await store.endpoints.get(T1, a.Id!, "doomed")).toBeUndefined();
    const many = Array.from({ length: 250 }, (_, i) => ep(`m${i}`, { User: { UserId: `u${i % 3}` } }));
    await store.endpoints.write(T1, a.Id!, plain(many));
    await store.endpoints.write(T1, b.Id!, plain([ep("m1", { User: { UserId: "u1" } })]));
    expect(await store.endpoints.byUser(T1, a.Id!, "u1")).toHaveLength(83);
    expect(await store.apps.delete(T1, a.Id!)).toEqual(a);
    expect(await store.endpoints.get(T1, a.Id!, "m1")).toBeUndefined();
    expect(await store.endpoints.byUser(T1, a.Id!, "u1")).toEqual([]);
    // A new app never sees the old rows, even under the same id (nothing left behind).
    await store.apps.insert(T1, a, 100);
    expect(await store.endpoints.byUser(T1, a.Id!, "u1")).toEqual([]);
    expect((await store.endpoints.get(T1, b.Id!, "m1"))!.Id).toBe("m1");
    expect(await store.endpoints.write(T1, newResourceId(), plain([ep("orphan")]))).toBe(false);
    await store.apps.delete(T1, a.Id!);
    await store.apps.delete(T1, b.Id!);
  });

  /** The query plan the database picks for `sql` (with `?` placeholders), optionally after ANALYZE. */
  async function explain(sql: string, params: unknown[], analyze: boolean): Promise<string> {
    if (kind === "sqlite") {
      const Database = (await import("better-sqlite3")).default;
      const db = new Database(`${dir.path}/pinrec.db`);
      try {
        if (analyze) db.exec("ANALYZE");
        return (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail).join("; ");
      } finally {
        db.close();
      }
    }
    const pg = (await import("pg")).default;
    const c = new pg.Client({ connectionString: PG_URL, options: `-c search_path=${schema!.schema}` });
    await c.connect();
    try {
      if (analyze) await c.query("ANALYZE endpoints");
      let i = 0;
      const r = await c.query(`EXPLAIN ${sql.replace(/\?/g, () => `$${++i}`)}`, params);
      return r.rows.map((x: Record<string, string>) => x["QUERY PLAN"]).join("; ");
    } finally {
      await c.end();
    }
  }

  test("reads use the right index: by id the primary key (even before statistics exist), by user and by address their indexes", async () => {
    const a = app(T1);
    await store.apps.insert(T1, a, 100);
    for (let i = 0; i < 20; i++) {
      await store.endpoints.write(
        T1,
        a.Id!,
        plain(
          Array.from({ length: 100 }, (_, j) =>
            ep(`s${i * 100 + j}`, {
              User: { UserId: `u${(i * 100 + j) % 700}` },
              Address: `a${i * 100 + j}@example.com`,
              ChannelType: "EMAIL",
            }),
          ),
        ),
      );
    }
    const scope = [T1.accountId, T1.region, a.Id!];
    const byId = "SELECT doc FROM endpoints WHERE account_id = ? AND region = ? AND app_id = ? AND id_key = ?";
    // Without statistics PostgreSQL once chose the user index here and scanned the whole app.
    const primary = kind === "sqlite" ? "sqlite_autoindex_endpoints_1" : "endpoints_pkey";
    expect(await explain(byId, [...scope, "s42"], false)).toContain(primary);
    expect(
      await explain("SELECT doc FROM endpoints WHERE account_id = ? AND region = ? AND app_id = ? AND user_id = ?", [...scope, "u7"], true),
    ).toContain("endpoints_by_user");
    expect(
      await explain(
        "SELECT doc FROM endpoints WHERE account_id = ? AND region = ? AND app_id = ? AND address IN (?, ?) AND active = 1",
        [...scope, "a1@example.com", "a2@example.com"],
        true,
      ),
    ).toContain("endpoints_by_address");
    expect(await explain(byId, [...scope, "s42"], true)).toContain(primary);
    expect((await store.endpoints.byUser(T1, a.Id!, "u7")).map((d) => d.Id)).toEqual(["s1407", "s7", "s707"]);
    await store.apps.delete(T1, a.Id!);
  });

  test("templates: create v1, update in place or append, activate, delete versions, list with filters", async () => {
    const content = { Subject: "v1 ünïcødé", RecommenderId: "r" };
    expect(await store.templates.create(T1, { name: "t_1", type: "EMAIL", tags: { k: "v" } }, content, NOW, 100)).toBe("ok");
    expect(await store.templates.create(T1, { name: "t_1", type: "EMAIL", tags: {} }, {}, NOW, 100)).toBe("exists");
    expect(await store.templates.create(T1, { name: "t_1", type: "SMS", tags: {} }, { Body: "b" }, NOW, 100)).toBe("ok");
    expect(await store.templates.head(T1, "t_1", "EMAIL")).toEqual({
      name: "t_1",
      type: "EMAIL",
      activeVersion: 1,
      latestVersion: 1,
      creationDate: NOW,
      lastModifiedDate: NOW,
      tags: { k: "v" },
    });
    expect(await store.templates.version(T1, "t_1", "EMAIL", 1)).toEqual({ version: 1, creationDate: NOW, lastModifiedDate: NOW, content });
    const later = "2024-01-02T00:00:00.000Z";
    const opts = { newVersion: false, maxVersions: 3 };
    expect(await store.templates.update(T1, "t_1", "EMAIL", { Subject: "v1b" }, later, opts)).toBe("ok");
    expect((await store.templates.version(T1, "t_1", "EMAIL", 1))!.content).toEqual({ Subject: "v1b" });
    expect(await store.templates.update(T1, "t_1", "EMAIL", { Subject: "v2" }, later, { ...opts, newVersion: true })).toBe("ok");
    expect(await store.templates.update(T1, "t_1", "EMAIL", { Subject: "x" }, later, { ...opts, version: 1 })).toBe("not-latest");
    expect(await store.templates.update(T1, "t_1", "EMAIL", { Subject: "x" }, later, { ...opts, version: 9 })).toBe("version-not-found");
    expect(await store.templates.update(T1, "t_1", "EMAIL", { Subject: "v3" }, later, { ...opts, newVersion: true })).toBe("ok");
    expect(await store.templates.update(T1, "t_1", "EMAIL", { Subject: "v4" }, later, { ...opts, newVersion: true })).toBe(
      "too-many-versions",
    );
    expect(await store.templates.update(T1, "nope", "EMAIL", {}, later, opts)).toBe("not-found");
    expect((await store.templates.head(T1, "t_1", "EMAIL"))!).toMatchObject({
      activeVersion: 1,
      latestVersion: 3,
      lastModifiedDate: later,
    });
    expect(await store.templates.activate(T1, "t_1", "EMAIL", "latest", later)).toBe("ok");
    expect((await store.templates.head(T1, "t_1", "EMAIL"))!.activeVersion).toBe(3);
    expect(await store.templates.activate(T1, "t_1", "EMAIL", 7, later)).toBe("version-not-found");
    expect(await store.templates.deleteVersion(T1, "t_1", "EMAIL", 3, later)).toBe("active");
    expect(await store.templates.deleteVersion(T1, "t_1", "EMAIL", 2, later)).toBe("ok");
    expect((await store.templates.versions(T1, "t_1", "EMAIL", 0, 10)).items.map((v) => v.version)).toEqual([1, 3]);
    const page = await store.templates.versions(T1, "t_1", "EMAIL", 0, 1);
    expect([page.items.map((v) => v.version), page.after]).toEqual([[1], 1]);
    expect((await store.templates.versions(T1, "t_1", "EMAIL", 1, 1)).items.map((v) => v.version)).toEqual([3]);
    // Version numbers are never reused.
    expect(await store.templates.update(T1, "t_1", "EMAIL", { Subject: "v4" }, later, { ...opts, newVersion: true })).toBe("ok");
    expect((await store.templates.head(T1, "t_1", "EMAIL"))!.latestVersion).toBe(4);
    await store.templates.create(T1, { name: "t%2", type: "PUSH", tags: {} }, {}, NOW, 100);
    await store.templates.create(T1, { name: "tX3", type: "EMAIL", tags: {} }, {}, NOW, 100);
    const names = async (filter: { prefix?: string; type?: string }) =>
      (await store.templates.list(T1, filter, 0, 10)).items.map((h) => `${h.name}/${h.type}`);
    expect(await names({})).toEqual(["t_1/EMAIL", "t_1/SMS", "t%2/PUSH", "tX3/EMAIL"]);
    expect(await names({ prefix: "t_" })).toEqual(["t_1/EMAIL", "t_1/SMS"]);
    expect(await names({ prefix: "t%" })).toEqual(["t%2/PUSH"]);
    expect(await names({ type: "EMAIL" })).toEqual(["t_1/EMAIL", "tX3/EMAIL"]);
    for (const t of [T2, T3]) {
      expect(await store.templates.head(t, "t_1", "EMAIL")).toBeUndefined();
      expect((await store.templates.list(t, {}, 0, 10)).items).toEqual([]);
      expect(await store.templates.delete(t, "t_1", "EMAIL")).toBe(false);
      expect(await store.templates.update(t, "t_1", "EMAIL", {}, later, opts)).toBe("not-found");
    }
    expect(await store.templates.delete(T1, "t_1", "EMAIL")).toBe(true);
    expect(await store.templates.version(T1, "t_1", "EMAIL", 1)).toBeUndefined();
    expect(await store.templates.delete(T1, "t_1", "EMAIL")).toBe(false);
    // Deleting the only version deletes the template.
    expect(await store.templates.deleteVersion(T1, "t_1", "SMS", 1, later)).toBe("ok");
    expect(await store.templates.head(T1, "t_1", "SMS")).toBeUndefined();
    await store.templates.delete(T1, "t%2", "PUSH");
    await store.templates.delete(T1, "tX3", "EMAIL");
  });

  test("templates: the quota and version numbering hold under concurrency", async () => {
    const created = await Promise.all(
      Array.from({ length: 12 }, (_, i) => store.templates.create(T3, { name: `c${i}`, type: "SMS", tags: {} }, {}, NOW, 5)),
    );
    expect(created.filter((r) => r === "ok")).toHaveLength(5);
    expect(created.filter((r) => r === "quota")).toHaveLength(7);
    const name = (await store.templates.list(T3, {}, 0, 10)).items[0].name;
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        store.templates.update(T3, name, "SMS", { Body: `${i}` }, NOW, { newVersion: true, maxVersions: 100 }),
      ),
    );
    expect(results.every((r) => r === "ok")).toBe(true);
    expect((await store.templates.versions(T3, name, "SMS", 0, 100)).items.map((v) => v.version)).toEqual(
      Array.from({ length: 11 }, (_, i) => i + 1),
    );
    for (const h of (await store.templates.list(T3, {}, 0, 10)).items) await store.templates.delete(T3, h.name, h.type);
  });
});
