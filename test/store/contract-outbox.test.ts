/**
 * The store contract for the outbox: one suite, both adapters. Covers what delivery relies on:
 * idempotent batch inserts, tenant-scoped reads, and a claim that hands each due row to exactly
 * one drainer, including two drainers (two stores, as two servers would be) on one database.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { randomUUID } from "node:crypto";
import type { OutboxInsert } from "../../src/store/outbox.js";
import type { Store, Tenant } from "../../src/store/types.js";
import { newMessageId } from "../../src/pinpoint/messaging/delivery/message-id.js";
import { STORE_KINDS, suiteStore, type SuiteStore } from "../helpers.js";

const T1: Tenant = { accountId: "111122223333", region: "us-east-1" };
const T2: Tenant = { accountId: "444455556666", region: "us-east-1" };

let clock = 1_000_000;

function row(t: Tenant, extra: Partial<OutboxInsert> = {}): OutboxInsert {
  return {
    tenant: t,
    messageId: newMessageId(),
    appId: "app1",
    channel: "EMAIL",
    address: "a@example.com",
    status: "QUEUED",
    createdAt: new Date(clock).toISOString(),
    dueAt: clock,
    doc: JSON.stringify({ note: "ünïcødé" }),
    ...extra,
  };
}

describe.each(STORE_KINDS)("store contract (outbox): %s", (kind) => {
  let suite: SuiteStore;
  let store: Store;

  beforeAll(async () => {
    suite = await suiteStore(kind);
    store = suite.store;
  });
  afterAll(() => suite.dispose());

  /** Claims everything due for `channels` until nothing is left (bounded). */
  async function drainAll(channels = ["EMAIL", "SMS", "PUSH"]) {
    for (let i = 0; i < 100; i++) {
      const got = await store.outbox.claim({ token: randomUUID(), channels, now: clock + 1e12, leaseUntil: clock + 2e12, limit: 1000 });
      if (got.length === 0) return;
    }
  }

  test("insert stores a batch; get and list are tenant-scoped, in order, filtered and paged", async () => {
    await drainAll();
    const batch = [
      row(T1, { channel: "EMAIL", address: "x@example.com", appId: "appA" }),
      row(T1, { channel: "SMS", address: "+15550001", appId: "appA", status: "STORED" }),
      row(T1, { channel: "EMAIL", address: "y@example.com", appId: "appB" }),
      row(T2, { channel: "EMAIL", address: "x@example.com", appId: "appA" }),
    ];
    const results = await store.outbox.insert(batch);
    expect(results).toEqual(batch.map((b) => ({ messageId: b.messageId, inserted: true })));

    const got = await store.outbox.get(T1, batch[0].messageId);
    expect(got).toMatchObject({
      tenant: T1,
      messageId: batch[0].messageId,
      appId: "appA",
      channel: "EMAIL",
      status: "QUEUED",
      attempts: 0,
      doc: batch[0].doc,
    });
    // Members the row has no value for are absent, not present as null or undefined.
    expect(Object.keys(got!).sort()).toEqual([
      "address",
      "appId",
      "attempts",
      "channel",
      "createdAt",
      "doc",
      "dueAt",
      "messageId",
      "status",
      "tenant",
    ]);
    expect(await store.outbox.get(T2, batch[0].messageId)).toBeUndefined();

    const ids = async (filter: Parameters<Store["outbox"]["list"]>[1], t = T1) => {
      const seen: string[] = [];
      let after = 0;
      for (let i = 0; i < 50; i++) {
        const page = await store.outbox.list(t, filter, after, 1);
        seen.push(...page.items.map((m) => m.messageId));
        if (page.after === undefined) return seen;
        after = page.after;
      }
      throw new Error("paging did not end");
    };
    const mine = [batch[0], batch[1], batch[2]].map((b) => b.messageId);
    expect((await ids({})).filter((id) => mine.includes(id))).toEqual(mine);
    expect(await ids({ address: "x@example.com" })).toEqual([batch[0].messageId]);
    expect(await ids({ appId: "appB" })).toEqual([batch[2].messageId]);
    expect(await ids({ channel: "SMS", status: "STORED" })).toEqual([batch[1].messageId]);
    expect(await ids({ channel: "SMS" })).toEqual([batch[1].messageId]);
    expect((await ids({ status: "STORED" })).filter((id) => mine.includes(id))).toEqual([batch[1].messageId]);
    // A page that holds exactly the rest says there is no more.
    const all = await store.outbox.list(T1, { appId: "appA" }, 0, 2);
    expect([all.items.length, all.after]).toEqual([2, undefined]);
    expect(await ids({ address: "x@example.com" }, T2)).toEqual([batch[3].messageId]);
  });

  test("an idempotency key is honoured per tenant: before, within the batch, and under concurrency", async () => {
    const key = `k-${randomUUID()}`;
    const first = row(T1, { idempotencyKey: key });
    expect(await store.outbox.insert([first])).toEqual([{ messageId: first.messageId, inserted: true }]);
    expect((await store.outbox.get(T1, first.messageId))!.idempotencyKey).toBe(key);

    const again = row(T1, { idempotencyKey: key });
    const fresh = row(T1, { idempotencyKey: `${key}-2` });
    const repeatInBatch = row(T1, { idempotencyKey: `${key}-2` });
    const otherTenant = row(T2, { idempotencyKey: key });
    expect(await store.outbox.insert([again, fresh, repeatInBatch, otherTenant])).toEqual([
      { messageId: first.messageId, inserted: false },
      { messageId: fresh.messageId, inserted: true },
      { messageId: fresh.messageId, inserted: false },
      { messageId: otherTenant.messageId, inserted: true },
    ]);
    expect(await store.outbox.get(T1, again.messageId)).toBeUndefined();
    expect(await store.outbox.get(T1, repeatInBatch.messageId)).toBeUndefined();

    // Ten concurrent callers with one key: one row, and everybody is told its id.
    const racers = Array.from({ length: 10 }, () => row(T1, { idempotencyKey: `${key}-race` }));
    const answers = await Promise.all(racers.map((r) => store.outbox.insert([r])));
    const winners = answers.filter((a) => a[0].inserted);
    expect(winners).toHaveLength(1);
    expect(new Set(answers.map((a) => a[0].messageId))).toEqual(new Set([winners[0][0].messageId]));
  });

  test("claim takes due rows of the asked channels once; the token fences every finish; leases run out", async () => {
    await drainAll();
    clock += 10_000;
    const due = [row(T1, { dueAt: clock - 2 }), row(T1, { dueAt: clock - 1 }), row(T1, { channel: "SMS", dueAt: clock - 3 })];
    const later = row(T1, { dueAt: clock + 5_000 });
    const stored = row(T1, { status: "STORED", dueAt: clock - 10 });
    await store.outbox.insert([...due, later, stored]);

    const a = randomUUID();
    // The longest due first.
    const first = await store.outbox.claim({ token: a, channels: ["EMAIL"], now: clock, leaseUntil: clock + 1_000, limit: 1 });
    expect(first.map((m) => m.messageId)).toEqual([due[0].messageId]);
    const claimed = [
      ...first,
      ...(await store.outbox.claim({ token: a, channels: ["EMAIL"], now: clock, leaseUntil: clock + 1_000, limit: 10 })),
    ];
    expect(claimed.map((m) => m.messageId).sort()).toEqual([due[0].messageId, due[1].messageId].sort());
    expect(claimed.every((m) => m.status === "SENDING" && m.attempts === 1 && m.dueAt === clock + 1_000)).toBe(true);
    // No channel or no room: nothing is claimed.
    expect(await store.outbox.claim({ token: randomUUID(), channels: [], now: clock, leaseUntil: clock + 1_000, limit: 10 })).toEqual([]);
    expect(await store.outbox.claim({ token: randomUUID(), channels: ["SMS"], now: clock, leaseUntil: clock + 1_000, limit: 0 })).toEqual(
      [],
    );
    // Nothing else is due for EMAIL while the lease holds.
    expect(
      await store.outbox.claim({ token: randomUUID(), channels: ["EMAIL"], now: clock + 999, leaseUntil: clock + 5_000, limit: 10 }),
    ).toEqual([]);

    expect(await store.outbox.renew(a, clock + 3_000)).toBe(2);
    const sent = (messageId: string, token: string, at = new Date(clock).toISOString()) =>
      store.outbox.markSent([{ messageId, token }], at);
    expect(await sent(due[0].messageId, a)).toEqual(new Set([due[0].messageId]));
    expect(await sent(due[0].messageId, a)).toEqual(new Set());
    expect(await sent(due[1].messageId, "not-the-token", "x")).toEqual(new Set());

    // The drainer holding `a` dies: after its lease, the row is claimed again, and `a` is fenced off.
    const b = randomUUID();
    const reclaimed = await store.outbox.claim({ token: b, channels: ["EMAIL"], now: clock + 3_000, leaseUntil: clock + 4_000, limit: 10 });
    expect(reclaimed.map((m) => [m.messageId, m.attempts])).toEqual([[due[1].messageId, 2]]);
    expect(await sent(due[1].messageId, a, "x")).toEqual(new Set());
    expect(await store.outbox.reschedule(due[1].messageId, a, clock + 8_000, "fenced")).toBe(false);
    expect(await store.outbox.markFailed(due[1].messageId, a, "fenced")).toBe(false);
    expect(await store.outbox.reschedule(due[1].messageId, b, clock + 8_000, "421 try later")).toBe(true);
    expect(await store.outbox.get(T1, due[1].messageId)).toMatchObject({
      status: "QUEUED",
      dueAt: clock + 8_000,
      lastError: "421 try later",
      attempts: 2,
    });

    const c = randomUUID();
    const next = await store.outbox.claim({
      token: c,
      channels: ["EMAIL", "SMS"],
      now: clock + 8_000,
      leaseUntil: clock + 9_000,
      limit: 10,
    });
    expect(next.map((m) => m.messageId).sort()).toEqual([due[2].messageId, later.messageId, due[1].messageId].sort());
    expect(await store.outbox.markFailed(due[2].messageId, c, "550 no such user")).toBe(true);
    expect(await store.outbox.get(T1, due[2].messageId)).toMatchObject({ status: "FAILED", lastError: "550 no such user" });
    expect(await sent(later.messageId, c)).toEqual(new Set([later.messageId]));
    expect(await store.outbox.get(T1, later.messageId)).toMatchObject({ status: "SENT", sentAt: new Date(clock).toISOString() });
    expect((await store.outbox.get(T1, stored.messageId))!.status).toBe("STORED");
  });

  test("two drainers on one database never claim the same row", async () => {
    await drainAll();
    clock += 10_000;
    const other = await suite.open();
    try {
      const rows = Array.from({ length: 300 }, () => row(T1, { dueAt: clock }));
      await store.outbox.insert(rows);
      const claimedBy = new Map<string, number>();
      const claims: { messageId: string; token: string }[] = [];
      const drainer = async (s: Store, id: number) => {
        for (let i = 0; i < 200; i++) {
          const token = randomUUID();
          const got = await s.outbox.claim({ token, channels: ["EMAIL"], now: clock, leaseUntil: clock + 60_000, limit: 7 });
          if (got.length === 0) return;
          for (const m of got) {
            expect(claimedBy.has(m.messageId)).toBe(false);
            claimedBy.set(m.messageId, id);
            claims.push({ messageId: m.messageId, token });
          }
        }
      };
      await Promise.all([drainer(store, 1), drainer(other, 2), drainer(store, 3), drainer(other, 4)]);
      expect(new Set(claimedBy.keys())).toEqual(new Set(rows.map((r) => r.messageId)));
      // Each drainer got work: the claims interleaved rather than one taking everything.
      expect(new Set(claimedBy.values()).size).toBeGreaterThan(1);
      // Many claims (of many tokens) finish in one call; a wrong token finishes nothing.
      const done = await store.outbox.markSent(
        [{ messageId: rows[0].messageId, token: "wrong" }, ...claims],
        new Date(clock).toISOString(),
      );
      expect(done).toEqual(new Set(rows.map((r) => r.messageId)));
      for (const r of [rows[0], rows[150], rows[299]]) expect((await store.outbox.get(T1, r.messageId))!.status).toBe("SENT");
    } finally {
      await other.close();
    }
  });

  test("claims take turns across tenants' apps: one backlog never holds another's message", async () => {
    await drainAll();
    clock += 10_000;
    // Account 1's app queues thousands first; account 2 and another app of account 1 one each, later.
    const backlog = Array.from({ length: 5_000 }, (_, i) => row(T1, { appId: "bulk", dueAt: clock - 10_000 + i }));
    await store.outbox.insert(backlog);
    const single = row(T2, { appId: "bulk", dueAt: clock });
    const sibling = row(T1, { appId: "other", dueAt: clock });
    await store.outbox.insert([single, sibling]);

    const claim = (limit: number) =>
      store.outbox.claim({ token: randomUUID(), channels: ["EMAIL"], now: clock, leaseUntil: clock + 60_000, limit });
    const first = await claim(8);
    // The first batch holds both single messages, and the backlog fills the rest of its room.
    expect(first.map((m) => m.messageId)).toEqual(expect.arrayContaining([single.messageId, sibling.messageId]));
    expect(first).toHaveLength(8);
    expect(first.filter((m) => m.appId === "bulk" && m.tenant.accountId === T1.accountId)).toHaveLength(6);
    // Within a lane, the longest due first.
    const bulk = first.filter((m) => m.tenant.accountId === T1.accountId && m.appId === "bulk").map((m) => m.messageId);
    expect(bulk.sort()).toEqual(
      backlog
        .slice(0, 6)
        .map((m) => m.messageId)
        .sort(),
    );

    // More lanes than a claim has room for: successive claims take turns, every lane served.
    await drainAll();
    clock += 10_000;
    const lanes = ["a", "b", "c", "d", "e"];
    await store.outbox.insert(lanes.flatMap((appId) => Array.from({ length: 20 }, () => row(T2, { appId, dueAt: clock }))));
    const served = new Set<string>();
    for (let i = 0; i < 3; i++) for (const m of await claim(2)) served.add(m.appId);
    expect([...served].sort()).toEqual(lanes);
  });
});
