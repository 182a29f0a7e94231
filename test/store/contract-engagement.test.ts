/**
 * The store contract for engagement events: one suite, both adapters. Covers idempotent records,
 * tenancy, the journeys' "had event" check, KPI counts by group, paging by seq, retention pruning,
 * message contexts and one tracking key shared by two connections.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { randomUUID } from "node:crypto";
import type { EngagementEvent } from "../../src/store/engagement-events.js";
import type { Store, Tenant } from "../../src/store/types.js";
import { STORE_KINDS, suiteStore, type SuiteStore } from "../helpers.js";

const T1: Tenant = { accountId: "111122223333", region: "us-east-1" };
const T2: Tenant = { accountId: "444455556666", region: "us-east-1" };
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 10);

function ev(extra: Partial<EngagementEvent>): EngagementEvent {
  return { appId: "app1", eventId: randomUUID(), eventType: "_email.send", timestamp: T0, endpointId: "e1", ...extra };
}

describe.each(STORE_KINDS)("store contract (engagement events): %s", (kind) => {
  let suite: SuiteStore;
  let store: Store;

  beforeAll(async () => {
    suite = await suiteStore(kind);
    store = suite.store;
  });
  afterAll(() => suite.dispose());

  test("record is idempotent per event id and tenant-scoped; list pages in insertion order", async () => {
    const a = ev({ appId: "list", attributes: { click_url: "https://x.example/?a=1&b=ü" }, campaignId: "c1", treatmentId: "0" });
    const b = ev({ appId: "list", eventType: "_email.delivered", messageId: "m1" });
    expect(await store.engagement.record(T1, [a, b])).toBe(2);
    expect(await store.engagement.record(T1, [a])).toBe(0);
    // The same event id in another tenant is another event.
    expect(await store.engagement.record(T2, [a])).toBe(1);
    const listed = await store.engagement.list(T1, "list");
    expect(listed.map((e) => e.eventId)).toEqual([a.eventId, b.eventId]);
    expect(listed[0]).toMatchObject({ ...a, tenant: T1, arrivalTimestamp: T0 });
    expect(listed[0].messageId).toBeUndefined();
    expect(listed[1]).toMatchObject({ messageId: "m1", attributes: {} });
    const after = await store.engagement.list(T1, "list", { afterSeq: listed[0].seq });
    expect(after.map((e) => e.eventId)).toEqual([b.eventId]);
    expect((await store.engagement.list(T2, "list")).map((e) => e.tenant)).toEqual([T2]);
  });

  test("hadEvent answers by endpoint, type, activity, message and time", async () => {
    await store.engagement.record(T1, [
      ev({ appId: "had", eventType: "_email.open", endpointId: "e1", journeyActivityId: "act1", messageId: "mA", timestamp: T0 + 1000 }),
      ev({ appId: "had", eventType: "_email.click", endpointId: "e2", campaignActivityId: "act2", timestamp: T0 + 2000 }),
    ]);
    const had = (q: Partial<Parameters<Store["engagement"]["hadEvent"]>[2]>, t = T1) =>
      store.engagement.hadEvent(t, "had", { endpointId: "e1", eventTypes: ["_email.open"], since: T0, ...q });
    expect(await had({})).toBe(true);
    expect(await had({ activityId: "act1" })).toBe(true);
    expect(await had({ activityId: "act2" })).toBe(false);
    expect(await had({ messageId: "mA" })).toBe(true);
    expect(await had({ messageId: "mB" })).toBe(false);
    expect(await had({ since: T0 + 1001 })).toBe(false);
    expect(await had({ eventTypes: ["_email.click"] })).toBe(false);
    expect(await had({ endpointId: "e2", eventTypes: ["_email.click", "_email.open"], activityId: "act2" })).toBe(true);
    expect(await had({ eventTypes: [] })).toBe(false);
    expect(await had({}, T2)).toBe(false);
  });

  test("count groups by date, campaign activity and origin within [from, to)", async () => {
    await store.engagement.record(T1, [
      ev({ appId: "kpi", eventType: "_email.delivered", endpointId: "e1", campaignId: "c1", campaignActivityId: "a1" }),
      ev({ appId: "kpi", eventType: "_email.delivered", endpointId: "e1", campaignId: "c1", campaignActivityId: "a1", timestamp: T0 + 10 }),
      ev({
        appId: "kpi",
        eventType: "_email.delivered",
        endpointId: "e2",
        campaignId: "c1",
        campaignActivityId: "a2",
        timestamp: T0 + DAY,
      }),
      ev({ appId: "kpi", eventType: "_email.open", endpointId: "e2", timestamp: T0 + DAY + 5 }),
      ev({ appId: "kpi", eventType: "_email.delivered", endpointId: "e3", timestamp: T0 + 2 * DAY }),
    ]);
    await store.engagement.record(T2, [ev({ appId: "kpi", eventType: "_email.delivered", timestamp: T0 })]);
    const base = { from: T0, to: T0 + 2 * DAY, eventTypes: ["_email.delivered", "_email.open"], distinct: "endpoint" as const };
    const sorted = (rows: { group: string; eventType: string }[]) =>
      [...rows].sort((x, y) => `${x.group}${x.eventType}`.localeCompare(`${y.group}${y.eventType}`));
    expect(sorted(await store.engagement.count(T1, "kpi", base))).toEqual([
      { group: "", eventType: "_email.delivered", count: 3, distinct: 2 },
      { group: "", eventType: "_email.open", count: 1, distinct: 1 },
    ]);
    expect(sorted(await store.engagement.count(T1, "kpi", { ...base, groupBy: "date" }))).toEqual([
      { group: "2026-01-10", eventType: "_email.delivered", count: 2, distinct: 1 },
      { group: "2026-01-11", eventType: "_email.delivered", count: 1, distinct: 1 },
      { group: "2026-01-11", eventType: "_email.open", count: 1, distinct: 1 },
    ]);
    expect(sorted(await store.engagement.count(T1, "kpi", { ...base, campaignId: "c1", groupBy: "campaign_activity" }))).toEqual([
      { group: "a1", eventType: "_email.delivered", count: 2, distinct: 1 },
      { group: "a2", eventType: "_email.delivered", count: 1, distinct: 1 },
    ]);
    expect(await store.engagement.count(T1, "kpi", { ...base, to: T0 + 3 * DAY, origin: "transactional" })).toEqual(
      expect.arrayContaining([{ group: "", eventType: "_email.delivered", count: 1, distinct: 1 }]),
    );
    expect(await store.engagement.count(T1, "kpi", { ...base, eventTypes: [] })).toEqual([]);
    expect(await store.engagement.count(T1, "kpi", { ...base, eventTypes: ["_email.open"], distinct: undefined })).toEqual([
      { group: "", eventType: "_email.open", count: 1, distinct: 0 },
    ]);
  });

  test("counts over many days (whole days from the daily counts, partial days from the events) equal a count of the events, before and after a prune", async () => {
    // Events over six days at scattered times, some repeated (stored once), across campaigns,
    // treatments, activities, a journey and transactional mail, some clicks on recommended items.
    // mulberry32: a small, well-mixed seeded generator (integer arithmetic with Math.imul).
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed + 0x6d2b79f5) | 0;
      let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
      return Math.floor((((x ^ (x >>> 14)) >>> 0) / 2 ** 32) * n);
    };
    const types = ["_email.delivered", "_email.open", "_email.click"];
    const events: EngagementEvent[] = [];
    for (let i = 0; i < 400; i++) {
      const origin = rand(3);
      events.push(
        ev({
          appId: "days",
          eventType: types[rand(3)],
          timestamp: T0 + rand(6 * DAY),
          endpointId: `e${rand(20)}`,
          ...(origin === 0 && { campaignId: `c${rand(2)}`, treatmentId: `${rand(2)}`, campaignActivityId: `a${rand(3)}` }),
          ...(origin === 1 && { journeyId: "j1", journeyActivityId: `ja${rand(2)}` }),
          ...(rand(4) === 0 && { attributes: { recommended_item: `i${rand(9)}` } }),
        }),
      );
    }
    expect(await store.engagement.record(T1, events)).toBe(400);
    expect(await store.engagement.record(T1, events.slice(0, 50))).toBe(0);
    const stored = [...events];
    const expected = (q: Parameters<Store["engagement"]["count"]>[2]) => {
      const out = new Map<string, number>();
      for (const e of stored) {
        if (e.timestamp < q.from || e.timestamp >= q.to || !q.eventTypes.includes(e.eventType)) continue;
        if (q.campaignId !== undefined && e.campaignId !== q.campaignId) continue;
        if (q.origin === "campaign" && !e.campaignId) continue;
        if (q.origin === "journey" && !e.journeyId) continue;
        if (q.origin === "transactional" && (e.campaignId || e.journeyId)) continue;
        if (q.recommendedOnly && !e.attributes?.recommended_item) continue;
        const group = {
          none: "",
          date: new Date(e.timestamp).toISOString().slice(0, 10),
          campaign: e.campaignId ?? "",
          campaign_activity: e.campaignActivityId ?? "",
          journey_activity: e.journeyActivityId ?? "",
          campaign_treatment: e.campaignId ? `${e.campaignId}/${e.treatmentId ?? ""}` : "",
        }[q.groupBy ?? "none"];
        const id = `${group} ${e.eventType}`;
        out.set(id, (out.get(id) ?? 0) + 1);
      }
      return [...out].map(([id, n]) => `${id} ${n}`).sort();
    };
    const actual = async (q: Parameters<Store["engagement"]["count"]>[2]) =>
      (await store.engagement.count(T1, "days", q)).map((c) => `${c.group} ${c.eventType} ${c.count}`).sort();
    const groupings = [undefined, "date", "campaign", "campaign_activity", "journey_activity", "campaign_treatment"] as const;
    const origins = [undefined, "campaign", "journey", "transactional"] as const;
    let nonEmpty = 0;
    for (let i = 0; i < 40; i++) {
      const from = T0 - DAY + rand(4 * DAY);
      const q = {
        from,
        to: from + rand(5 * DAY) + 1,
        eventTypes: rand(2) ? types : ["_email.click"],
        groupBy: groupings[rand(groupings.length)],
        origin: origins[rand(origins.length)],
        ...(rand(4) === 0 && { campaignId: "c1" }),
        ...(rand(4) === 0 && { recommendedOnly: true }),
      };
      const want = expected(q);
      nonEmpty += want.length > 0 ? 1 : 0;
      expect(await actual(q), JSON.stringify(q)).toEqual(want);
    }
    expect(nonEmpty).toBeGreaterThan(30);
    // A whole-range count, then again after pruning the first two and a half days.
    const all = { from: T0, to: T0 + 6 * DAY, eventTypes: types, groupBy: "date" as const };
    expect(await actual(all)).toEqual(expected(all));
    const cut = T0 + 2.5 * DAY;
    const before = stored.filter((e) => e.timestamp < cut).length;
    expect(await store.engagement.prune(cut)).toBeGreaterThanOrEqual(before);
    stored.splice(0, stored.length, ...stored.filter((e) => e.timestamp >= cut));
    expect(await actual(all)).toEqual(expected(all));
    expect(await actual({ ...all, groupBy: undefined, origin: "campaign" })).toEqual(
      expected({ ...all, groupBy: undefined, origin: "campaign" }),
    );
  });

  test("message contexts are read by id alone; prune removes old events and contexts", async () => {
    const messageId = randomUUID();
    const m = { tenant: T2, appId: "msg", messageId, channel: "EMAIL", createdAt: T0, endpointId: "e9", recommendationItems: ["i1", "i2"] };
    await store.engagement.putMessage(m);
    await store.engagement.putMessage({ ...m, endpointId: "other" });
    expect(await store.engagement.getMessage(messageId)).toEqual(m);
    expect(await store.engagement.getMessage("nope")).toBeUndefined();

    await store.engagement.record(T1, [ev({ appId: "prune", timestamp: 5 }), ev({ appId: "prune", timestamp: T0 + 100 * DAY })]);
    await store.engagement.putMessage({ ...m, messageId: "old", createdAt: 5 });
    expect(await store.engagement.prune(6)).toBe(1);
    expect((await store.engagement.list(T1, "prune")).map((e) => e.timestamp)).toEqual([T0 + 100 * DAY]);
    expect(await store.engagement.getMessage("old")).toBeUndefined();
    expect(await store.engagement.getMessage(messageId)).toBeDefined();
  });

  test("the tracking key is made once and shared by every connection", async () => {
    const other = await suite.open();
    try {
      const [a, b] = await Promise.all([store.engagement.trackingKey(), other.engagement.trackingKey()]);
      expect(a.length).toBe(32);
      expect(b.equals(a)).toBe(true);
    } finally {
      await other.close();
    }
  });
});
