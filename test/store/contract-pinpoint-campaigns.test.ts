/**
 * The store contract for Pinpoint campaigns (migration 7): one suite, both adapters. What the
 * campaign service and the runner rely on: next_run_at written with its version, versions kept,
 * stale updates refused, activities in order and summarised per treatment, cascades and tenants.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { ActivityResponse, ApplicationResponse, CampaignResponse } from "@aws-sdk/client-pinpoint";
import { openStore } from "../../src/store/open.js";
import type { Store, Tenant } from "../../src/store/types.js";
import { newResourceId } from "../../src/shared/ids.js";
import { PG_URL, STORE_KINDS, freshPgSchema, tempDir } from "../helpers.js";

const T1: Tenant = { accountId: "111122223333", region: "us-east-1" };
const T2: Tenant = { accountId: "444455556666", region: "us-east-1" };
const NOW = "2030-01-01T00:00:00.000Z";

function app(t: Tenant): ApplicationResponse {
  const id = newResourceId();
  return { Id: id, Arn: `arn:aws:mobiletargeting:${t.region}:${t.accountId}:apps/${id}`, Name: "a", tags: {}, CreationDate: NOW };
}

function campaign(appId: string, extra: Partial<CampaignResponse> = {}): CampaignResponse {
  const id = newResourceId();
  return {
    ApplicationId: appId,
    Arn: `arn:aws:mobiletargeting:us-east-1:111122223333:apps/${appId}/campaigns/${id}`,
    CreationDate: NOW,
    Id: id,
    LastModifiedDate: NOW,
    SegmentId: "seg",
    SegmentVersion: 1,
    Schedule: { StartTime: "IMMEDIATE" },
    Version: 1,
    ...extra,
  };
}

function activity(c: CampaignResponse, state: string, treatmentId = "0"): ActivityResponse {
  return {
    ApplicationId: c.ApplicationId,
    CampaignId: c.Id,
    Id: newResourceId(),
    State: state,
    TreatmentId: treatmentId,
    ScheduledStart: NOW,
    TotalEndpointCount: 3,
    SuccessfulEndpointCount: 2,
  };
}

describe.each(STORE_KINDS)("store contract (message campaigns): %s", (kind) => {
  const dir = tempDir();
  let schema: Awaited<ReturnType<typeof freshPgSchema>> | undefined;
  let store: Store;
  let appId: string;

  beforeAll(async () => {
    if (kind === "postgres") schema = await freshPgSchema();
    store = await openStore(kind === "postgres" ? { database: PG_URL, schema: schema!.schema, dataDir: dir.path } : { dataDir: dir.path });
    const a = app(T1);
    await store.apps.insert(T1, a, 100);
    appId = a.Id!;
  });
  afterAll(async () => {
    await store.close();
    await schema?.drop();
    dir.remove();
  });

  test("insert writes the head with its next run; versions are kept and a stale update is refused", async () => {
    const repo = store.pinpointCampaigns;
    const c = campaign(appId);
    expect(await repo.insert(T1, c, 1_000)).toBe(true);
    expect(await repo.insert(T1, campaign(newResourceId()), 1)).toBe(false);
    expect((await repo.head(T1, appId, c.Id!))!).toMatchObject({ doc: c, nextRunAt: 1_000, runs: { runs: 0, unfinished: 0 } });
    const v2 = { ...c, Name: "second", Version: 2 };
    expect(await repo.appendVersion(T1, v2, 1, { at: undefined })).toBe("ok");
    expect(await repo.appendVersion(T1, { ...c, Version: 2 }, 1, { at: 5 })).toBe("stale");
    expect(await repo.appendVersion(T1, { ...c, Id: "nope", Version: 2 }, 1, { at: 5 })).toBe("not-found");
    const head = (await repo.head(T1, appId, c.Id!))!;
    expect(head.doc).toEqual(v2);
    expect(head.nextRunAt).toBeUndefined();
    // "unchanged" keeps what the scheduler wrote.
    expect(await repo.appendVersion(T1, { ...v2, Version: 3 }, 2, { at: 7_000 })).toBe("ok");
    expect(await repo.appendVersion(T1, { ...v2, Name: "fourth", Version: 4 }, 3, "unchanged")).toBe("ok");
    expect((await repo.head(T1, appId, c.Id!))!).toMatchObject({ doc: { Name: "fourth", Version: 4 }, nextRunAt: 7_000 });
    expect(await repo.get(T1, appId, c.Id!, 1)).toEqual(c);
    expect(await repo.get(T1, appId, c.Id!, 5)).toBeUndefined();
    const p1 = await repo.versions(T1, appId, c.Id!, 0, 1);
    expect(p1.items.map((d) => d.Version)).toEqual([1]);
    const p2 = await repo.versions(T1, appId, c.Id!, p1.after!, 3);
    expect(p2.items.map((d) => d.Version)).toEqual([2, 3, 4]);
    expect(p2.after).toBeUndefined();
  });

  test("activities: in insertion order, paged; one per run key; summarised per treatment", async () => {
    const repo = store.pinpointCampaigns;
    const c = campaign(appId);
    await repo.insert(T1, c, 0);
    const docs = [activity(c, "COMPLETED"), activity(c, "COMPLETED", "1"), activity(c, "EXECUTING"), activity(c, "PENDING", "1")];
    for (const [i, d] of docs.entries()) expect(await repo.insertActivity(T1, { runKey: `run-${i}`, scheduledAt: i, doc: d })).toBe(true);
    expect(await repo.insertActivity(T1, { runKey: "run-0", scheduledAt: 0, doc: activity(c, "PENDING") })).toBe(false);
    const seen: ActivityResponse[] = [];
    let after = 0;
    for (;;) {
      const page = await repo.activities(T1, appId, c.Id!, after, 3);
      seen.push(...page.items);
      if (page.after === undefined) break;
      after = page.after;
    }
    expect(seen).toEqual(docs);
    const head = (await repo.head(T1, appId, c.Id!))!;
    expect(head.runs).toEqual({ runs: 4, unfinished: 2 });
    expect(head.treatments.get("0")).toEqual({ runs: 2, unfinished: 1 });
    expect(head.treatments.get("1")).toEqual({ runs: 2, unfinished: 1 });
    const listed = (await repo.list(T1, appId, 0, 100)).items.find((x) => x.doc.Id === c.Id)!;
    expect(listed.runs).toEqual(head.runs);
  });

  test("list pages in creation order; usingSegment and eventCampaigns read latest versions; tenants isolated", async () => {
    const repo = store.pinpointCampaigns;
    const other = app(T1);
    await store.apps.insert(T1, other, 100);
    const made = [
      campaign(other.Id!, { SegmentId: "s1" }),
      campaign(other.Id!, { SegmentId: "s2", Schedule: { StartTime: NOW, Frequency: "EVENT" } }),
      campaign(other.Id!, { SegmentId: "s1", IsPaused: true, Schedule: { StartTime: NOW, Frequency: "EVENT" } }),
    ];
    for (const c of made) await repo.insert(T1, c, undefined);
    const ids: string[] = [];
    let after = 0;
    for (;;) {
      const page = await repo.list(T1, other.Id!, after, 2);
      ids.push(...page.items.map((i) => i.doc.Id!));
      if (page.after === undefined) break;
      after = page.after;
    }
    expect(ids).toEqual(made.map((c) => c.Id));
    expect((await repo.usingSegment(T1, other.Id!, "s1")).map((c) => c.Id)).toEqual([made[0].Id, made[2].Id]);
    expect((await repo.eventCampaigns(T1, other.Id!)).map((c) => c.Id)).toEqual([made[1].Id]);
    // Moving a campaign to another segment frees the old one.
    await repo.appendVersion(T1, { ...made[0], SegmentId: "s3", Version: 2 }, 1, "unchanged");
    expect((await repo.usingSegment(T1, other.Id!, "s1")).map((c) => c.Id)).toEqual([made[2].Id]);
    // Another account sees none of it, even with the same app id.
    expect(await repo.head(T2, other.Id!, made[0].Id!)).toBeUndefined();
    expect((await repo.list(T2, other.Id!, 0, 10)).items).toEqual([]);
    expect(await repo.delete(T2, other.Id!, made[0].Id!)).toBeUndefined();
  });

  test("delete takes versions and activities; deleting the app deletes its campaigns", async () => {
    const repo = store.pinpointCampaigns;
    const c = campaign(appId);
    await repo.insert(T1, c, 0);
    await repo.appendVersion(T1, { ...c, Version: 2 }, 1, { at: 0 });
    await repo.insertActivity(T1, { runKey: "r", scheduledAt: 0, doc: activity(c, "COMPLETED") });
    expect((await repo.delete(T1, appId, c.Id!))!.doc.Version).toBe(2);
    expect(await repo.get(T1, appId, c.Id!, 1)).toBeUndefined();
    expect((await repo.activities(T1, appId, c.Id!, 0, 10)).items).toEqual([]);
    // The same run key is free again for a new campaign with the same id.
    await repo.insert(T1, c, 0);
    expect(await repo.insertActivity(T1, { runKey: "r", scheduledAt: 0, doc: activity(c, "COMPLETED") })).toBe(true);
    const doomed = app(T1);
    await store.apps.insert(T1, doomed, 100);
    const d = campaign(doomed.Id!);
    await repo.insert(T1, d, 0);
    await repo.insertActivity(T1, { runKey: "r", scheduledAt: 0, doc: activity(d, "COMPLETED") });
    await store.apps.delete(T1, doomed.Id!);
    expect(await repo.head(T1, doomed.Id!, d.Id!)).toBeUndefined();
    expect(await repo.get(T1, doomed.Id!, d.Id!, 1)).toBeUndefined();
    expect((await repo.activities(T1, doomed.Id!, d.Id!, 0, 10)).items).toEqual([]);
    expect(await repo.head(T1, appId, c.Id!)).toBeDefined();
  });
});
