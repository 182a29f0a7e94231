/** The store contract for journeys and their participants: one suite, both adapters. */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { JourneyResponse } from "@aws-sdk/client-pinpoint";
import { openStore } from "../../src/store/open.js";
import type { Store, Tenant } from "../../src/store/types.js";
import { newResourceId } from "../../src/shared/ids.js";
import { PG_URL, STORE_KINDS, freshPgSchema, tempDir } from "../helpers.js";

const T1: Tenant = { accountId: "111122223333", region: "us-east-1" };
const T2: Tenant = { accountId: "444455556666", region: "us-east-1" };

describe.each(STORE_KINDS)("store contract, journeys: %s", (kind) => {
  const dir = tempDir();
  let schema: Awaited<ReturnType<typeof freshPgSchema>> | undefined;
  let store: Store;
  let appId: string;
  const journey = (over: Partial<JourneyResponse> = {}): JourneyResponse => ({
    Id: newResourceId(),
    ApplicationId: appId,
    Name: "j ünïcødé",
    State: "DRAFT",
    StartActivity: "a",
    Activities: { a: { Wait: { WaitTime: { WaitFor: "PT1H" } } } },
    StartCondition: { SegmentStartCondition: { SegmentId: "seg-1" } },
    tags: {},
    ...over,
  });

  beforeAll(async () => {
    if (kind === "postgres") schema = await freshPgSchema();
    store = await openStore(kind === "postgres" ? { database: PG_URL, schema: schema!.schema, dataDir: dir.path } : { dataDir: dir.path });
    appId = newResourceId();
    await store.apps.insert(T1, { Id: appId, Name: "app", Arn: "arn", tags: {} }, 100);
  });
  afterAll(async () => {
    await store.close();
    await schema?.drop();
    dir.remove();
  });

  test("insert, get, list, replace (with its revision) and delete round-trip exactly", async () => {
    const j = journey();
    expect(await store.journeys.insert(T1, j)).toBe(true);
    expect(await store.journeys.insert(T1, { ...journey(), ApplicationId: newResourceId() })).toBe(false);
    expect(await store.journeys.get(T1, appId, j.Id!)).toEqual({ doc: j, revision: 1, inProgress: 0, entryClosed: false });
    const renamed = { ...j, Name: "renamed" };
    expect(await store.journeys.replace(T1, renamed, 1)).toBe("ok");
    expect(await store.journeys.replace(T1, { ...j, Name: "late" }, 1)).toBe("stale");
    expect(await store.journeys.replace(T1, { ...j, Id: newResourceId() }, 1)).toBe("not-found");
    expect((await store.journeys.get(T1, appId, j.Id!))!).toMatchObject({ doc: renamed, revision: 2 });
    const more = [journey(), journey()];
    for (const m of more) await store.journeys.insert(T1, m);
    const first = await store.journeys.list(T1, appId, 0, 2);
    expect(first.items.map((s) => s.doc.Id)).toEqual([j.Id, more[0].Id]);
    expect((await store.journeys.list(T1, appId, first.after!, 2)).items.map((s) => s.doc.Id)).toEqual([more[1].Id]);
    expect(await store.journeys.usingSegment(T1, appId, "seg-1")).toHaveLength(3);
    expect(await store.journeys.usingSegment(T1, appId, "seg")).toHaveLength(0);
    expect((await store.journeys.delete(T1, appId, j.Id!))!.doc).toEqual(renamed);
    expect(await store.journeys.get(T1, appId, j.Id!)).toBeUndefined();
    expect(await store.journeys.delete(T1, appId, j.Id!)).toBeUndefined();
  });

  test("another tenant reads, replaces and deletes nothing", async () => {
    const j = journey();
    await store.journeys.insert(T1, j);
    expect(await store.journeys.get(T2, appId, j.Id!)).toBeUndefined();
    expect(await store.journeys.replace(T2, { ...j, Name: "hijack" }, 1)).toBe("not-found");
    expect(await store.journeys.delete(T2, appId, j.Id!)).toBeUndefined();
    expect((await store.journeys.list(T2, appId, 0, 100)).items).toEqual([]);
    expect((await store.journeys.get(T1, appId, j.Id!))!.doc).toEqual(j);
  });

  test("participants: entry once per run, claims under a lease, paused journeys hold, moves count once", async () => {
    const j = journey({ State: "ACTIVE" });
    await store.journeys.insert(T1, j);
    const p = store.journeyParticipants;
    expect((await p.openForEntry(1000)).map((o) => o.doc.Id)).toContain(j.Id);
    expect(await p.enter(T1, appId, j.Id!, "1", ["e1", "e2", "e2"], "a", 1000, false)).toBe(2);
    expect(await p.enter(T1, appId, j.Id!, "1", ["e2", "e3"], "a", 1000, true)).toBe(1);
    // Entry is closed now: nobody else enters, and the journey is no longer open.
    expect(await p.enter(T1, appId, j.Id!, "1", ["e4"], "a", 1000, true)).toBe(0);
    expect((await p.openForEntry(1000)).map((o) => o.doc.Id)).not.toContain(j.Id);
    expect(await store.journeys.get(T1, appId, j.Id!)).toMatchObject({ inProgress: 3, entryClosed: true });

    const claimed = await p.claim("t1", 1000, 61_000, 10);
    expect(claimed.map((c) => c.endpointId).sort()).toEqual(["e1", "e2", "e3"]);
    expect(claimed[0]).toMatchObject({ tenant: T1, appId, journeyId: j.Id, runId: "1", activityId: "a", enteredAt: 1000, attempts: 1 });
    // Claimed rows are due at the lease's end: nobody else takes them before.
    expect(await p.claim("t2", 2000, 62_000, 10)).toEqual([]);
    const [e1, e2, e3] = [...claimed].sort((x, y) => x.endpointId.localeCompare(y.endpointId));
    const metrics = new Map([["a", new Map([["WAIT", 2]])]]);
    expect(
      await p.advance(
        "t1",
        T1,
        appId,
        j.Id!,
        [
          { seq: e1.seq, finished: true },
          { seq: e2.seq, dueAt: 100_000, context: { arrivedAt: 1000, waiting: true }, stay: true },
        ],
        metrics,
        2000,
      ),
    ).toBe(2);
    // A stale token moves nothing and counts nothing.
    expect(await p.advance("t-old", T1, appId, j.Id!, [{ seq: e3.seq, finished: true }], metrics, 2000)).toBe(0);
    // e3's lease ends: it is claimable again by another process.
    const again = await p.claim("t3", 61_001, 121_000, 10);
    expect(again.map((c) => c.endpointId)).toEqual(["e3"]);
    expect(again[0].attempts).toBe(2);
    expect(await p.advance("t3", T1, appId, j.Id!, [{ seq: e3.seq, finished: true }], new Map(), 61_001)).toBe(1);
    const m = await p.metrics(T1, appId, j.Id!);
    expect(m.values.get("")!.get("ENDPOINT_ENTERED")).toBe(3);
    expect(m.values.get("a")!.get("WAIT")).toBe(2);

    // Paused: e2 (due at 100 s) is not claimed; resumed after 10 s, its due time moved on by the pause.
    const stored = (await store.journeys.get(T1, appId, j.Id!))!;
    expect(await store.journeys.changeState(T1, { ...j, State: "PAUSED" }, stored.revision, 3000)).toBe("ok");
    expect(await p.claim("t4", 200_000, 260_000, 10)).toEqual([]);
    expect(await store.journeys.changeState(T1, { ...j, State: "ACTIVE" }, stored.revision + 1, 13_000)).toBe("ok");
    expect(await p.claim("t5", 109_999, 170_000, 10)).toEqual([]);
    const resumed = await p.claim("t5", 110_000, 170_000, 10);
    expect(resumed.map((c) => c.endpointId)).toEqual(["e2"]);
    expect(resumed[0].context).toEqual({ arrivedAt: 1000, waiting: true });
    // Cancelled: every participant ends.
    expect(await store.journeys.changeState(T1, { ...j, State: "CANCELLED" }, stored.revision + 2, 16_000)).toBe("ok");
    expect(await store.journeys.get(T1, appId, j.Id!)).toMatchObject({ inProgress: 0 });
    expect(await p.claim("t6", 1e12, 1e12 + 1, 10)).toEqual([]);
    expect((await p.metrics(T2, appId, j.Id!)).values.size).toBe(0);
  });
});
