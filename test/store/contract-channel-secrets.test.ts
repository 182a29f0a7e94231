/**
 * The store contract for channels with credentials: sealed beside the document, handed to `next`
 * on update, read back for delivery, isolated per tenant, gone with the channel; both adapters.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { ApplicationResponse } from "@aws-sdk/client-pinpoint";
import { openStore } from "../../src/store/open.js";
import type { Store, Tenant } from "../../src/store/types.js";
import { newResourceId } from "../../src/shared/ids.js";
import { PG_URL, STORE_KINDS, freshPgSchema, tempDir } from "../helpers.js";

const T1: Tenant = { accountId: "111122223333", region: "us-east-1" };
const T2: Tenant = { accountId: "444455556666", region: "us-east-1" };

function app(t: Tenant): ApplicationResponse {
  const id = newResourceId();
  return {
    Id: id,
    Arn: `arn:aws:mobiletargeting:${t.region}:${t.accountId}:apps/${id}`,
    Name: "x",
    tags: {},
    CreationDate: "2024-01-01T00:00:00.000Z",
  };
}

type Doc = { Version: number };
type Secrets = { TokenKey?: string; ApiKey?: string };

describe.each(STORE_KINDS)("store contract (channel credentials): %s", (kind) => {
  const dir = tempDir();
  let schema: Awaited<ReturnType<typeof freshPgSchema>> | undefined;
  let store: Store;
  const open = () =>
    openStore(kind === "postgres" ? { database: PG_URL, schema: schema!.schema, dataDir: dir.path } : { dataDir: dir.path });

  beforeAll(async () => {
    if (kind === "postgres") schema = await freshPgSchema();
    store = await open();
  });
  afterAll(async () => {
    await store.close();
    await schema?.drop();
    dir.remove();
  });

  test("upsertWithSecrets stores both, next sees the stored credentials, get never returns them", async () => {
    const a = app(T1);
    await store.apps.insert(T1, a, 100);
    const seen: unknown[] = [];
    const first = await store.channels.upsertWithSecrets<Doc, Secrets>(T1, a.Id!, "APNS", (cur) => {
      seen.push(cur);
      return { doc: { Version: 1 }, secrets: { TokenKey: "k1" } };
    });
    expect(first).toEqual({ Version: 1 });
    await store.channels.upsertWithSecrets<Doc, Secrets>(T1, a.Id!, "APNS", (cur) => {
      seen.push(cur);
      return { doc: { Version: cur!.doc.Version + 1 }, secrets: { ...cur!.secrets, ApiKey: "k2" } };
    });
    expect(seen).toEqual([undefined, { doc: { Version: 1 }, secrets: { TokenKey: "k1" } }]);
    expect(await store.channels.get(T1, a.Id!, "APNS")).toEqual({ Version: 2 });
    expect(await store.channels.getSecrets(T1, a.Id!, "APNS")).toEqual({ TokenKey: "k1", ApiKey: "k2" });
    expect((await store.channels.all(T1, a.Id!)).get("APNS")).toEqual({ Version: 2 });
    // Another connection (a second server) opens what this one sealed: the key is in the database.
    const other = await open();
    try {
      expect(await other.channels.getSecrets(T1, a.Id!, "APNS")).toEqual({ TokenKey: "k1", ApiKey: "k2" });
    } finally {
      await other.close();
    }
    // Other tenants see nothing; an unknown app stores nothing.
    expect(await store.channels.getSecrets(T2, a.Id!, "APNS")).toBeUndefined();
    expect(await store.channels.upsertWithSecrets(T2, a.Id!, "APNS", () => ({ doc: { Version: 9 }, secrets: {} }))).toBeUndefined();
    expect(await store.channels.getSecrets(T1, a.Id!, "APNS")).toEqual({ TokenKey: "k1", ApiKey: "k2" });
    // A next that throws writes nothing.
    await expect(
      store.channels.upsertWithSecrets(T1, a.Id!, "APNS", () => {
        throw new Error("refused");
      }),
    ).rejects.toThrow("refused");
    expect(await store.channels.get(T1, a.Id!, "APNS")).toEqual({ Version: 2 });
    // Deleting the channel deletes its credentials.
    expect(await store.channels.delete(T1, a.Id!, "APNS")).toEqual({ Version: 2 });
    expect(await store.channels.getSecrets(T1, a.Id!, "APNS")).toBeUndefined();
  });

  test("channels without credentials have none; concurrent updates each see the one before", async () => {
    const a = app(T1);
    await store.apps.insert(T1, a, 100);
    await store.channels.upsert(T1, a.Id!, "EMAIL", () => ({ Version: 1 }));
    expect(await store.channels.getSecrets(T1, a.Id!, "EMAIL")).toBeUndefined();
    await Promise.all(
      Array.from({ length: 10 }, () =>
        store.channels.upsertWithSecrets<Doc, { n: number }>(T1, a.Id!, "GCM", (cur) => ({
          doc: { Version: (cur?.doc.Version ?? 0) + 1 },
          secrets: { n: (cur?.secrets?.n ?? 0) + 1 },
        })),
      ),
    );
    expect(await store.channels.get(T1, a.Id!, "GCM")).toEqual({ Version: 10 });
    expect(await store.channels.getSecrets(T1, a.Id!, "GCM")).toEqual({ n: 10 });
  });
});
