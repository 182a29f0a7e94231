/**
 * EVENT campaigns: the event filter (the segment dimension rules over an event's facts) and the
 * trigger, against small in-test implementations of the CampaignSource and CampaignRunner seams.
 */
import { describe, expect, it } from "vitest";
import type { CampaignEventFilter, CampaignResponse, Event } from "@aws-sdk/client-pinpoint";
import type { CampaignRunner, CampaignSource, EndpointEvent } from "../../../src/pinpoint/campaigns/contracts.js";
import { eventFilterMatches } from "../../../src/pinpoint/campaigns/event-filter.js";
import { CampaignEventTrigger, eventRunKey } from "../../../src/pinpoint/campaigns/event-trigger.js";
import type { Tenant } from "../../../src/store/types.js";

const TENANT: Tenant = { accountId: "111122223333", region: "us-east-1" };
const viewed: Event = {
  EventType: "product.viewed",
  Timestamp: "2024-05-01T10:00:00Z",
  Attributes: { category: "books", seenAt: "2024-05-01T09:59:00Z" },
  Metrics: { price: 12.5 },
};
const filter = (f: Partial<CampaignEventFilter["Dimensions"]> & object, type: string = "ENDPOINT"): CampaignEventFilter => ({
  FilterType: type as "ENDPOINT",
  Dimensions: f,
});

describe("eventFilterMatches", () => {
  it("matches EventType as a SetDimension, INCLUSIVE by default and EXCLUSIVE", () => {
    expect(eventFilterMatches(filter({ EventType: { Values: ["product.viewed", "cart.add"] } }), viewed)).toBe(true);
    expect(eventFilterMatches(filter({ EventType: { DimensionType: "INCLUSIVE", Values: ["cart.add"] } }), viewed)).toBe(false);
    expect(eventFilterMatches(filter({ EventType: { DimensionType: "EXCLUSIVE", Values: ["cart.add"] } }), viewed)).toBe(true);
    expect(eventFilterMatches(filter({ EventType: { DimensionType: "EXCLUSIVE", Values: ["product.viewed"] } }), viewed)).toBe(false);
  });

  it("matches Attributes with the segment attribute types", () => {
    const attr = (AttributeType: string, Values: string[]) =>
      filter({ Attributes: { category: { AttributeType: AttributeType as "INCLUSIVE", Values } } });
    expect(eventFilterMatches(attr("INCLUSIVE", ["books", "music"]), viewed)).toBe(true);
    expect(eventFilterMatches(attr("INCLUSIVE", ["music"]), viewed)).toBe(false);
    expect(eventFilterMatches(attr("EXCLUSIVE", ["music"]), viewed)).toBe(true);
    expect(eventFilterMatches(attr("EXCLUSIVE", ["books"]), viewed)).toBe(false);
    expect(eventFilterMatches(attr("CONTAINS", ["boo"]), viewed)).toBe(true);
    expect(
      eventFilterMatches(filter({ Attributes: { seenAt: { AttributeType: "BEFORE", Values: ["2024-05-01T10:00:00Z"] } } }), viewed),
    ).toBe(true);
    expect(
      eventFilterMatches(filter({ Attributes: { seenAt: { AttributeType: "AFTER", Values: ["2024-05-01T10:00:00Z"] } } }), viewed),
    ).toBe(false);
    // An attribute the event does not carry: INCLUSIVE fails, EXCLUSIVE holds (as for segments).
    expect(eventFilterMatches(filter({ Attributes: { color: { Values: ["red"] } } }), viewed)).toBe(false);
    expect(eventFilterMatches(filter({ Attributes: { color: { AttributeType: "EXCLUSIVE", Values: ["red"] } } }), viewed)).toBe(true);
  });

  it("matches Metrics with every comparison operator", () => {
    const metric = (op: string, Value: number) =>
      eventFilterMatches(filter({ Metrics: { price: { ComparisonOperator: op, Value } } }), viewed);
    expect([metric("GREATER_THAN", 12), metric("GREATER_THAN", 12.5)]).toEqual([true, false]);
    expect([metric("GREATER_THAN_OR_EQUAL", 12.5), metric("GREATER_THAN_OR_EQUAL", 13)]).toEqual([true, false]);
    expect([metric("LESS_THAN", 13), metric("LESS_THAN", 12.5)]).toEqual([true, false]);
    expect([metric("LESS_THAN_OR_EQUAL", 12.5), metric("LESS_THAN_OR_EQUAL", 12)]).toEqual([true, false]);
    expect([metric("EQUAL", 12.5), metric("EQUAL", 12)]).toEqual([true, false]);
    expect(eventFilterMatches(filter({ Metrics: { quantity: { ComparisonOperator: "GREATER_THAN", Value: 0 } } }), viewed)).toBe(false);
  });

  it("requires every dimension to hold", () => {
    const all = {
      EventType: { Values: ["product.viewed"] },
      Attributes: { category: { Values: ["books"] } },
      Metrics: { price: { ComparisonOperator: "LESS_THAN", Value: 20 } },
    };
    expect(eventFilterMatches(filter(all), viewed)).toBe(true);
    expect(eventFilterMatches(filter({ ...all, Metrics: { price: { ComparisonOperator: "GREATER_THAN", Value: 20 } } }), viewed)).toBe(
      false,
    );
    expect(eventFilterMatches(filter({}), viewed)).toBe(true);
  });

  it("fires ENDPOINT filters for every event and SYSTEM filters only for reserved `_` events", () => {
    const session: Event = { EventType: "_session.start", Timestamp: "2024-05-01T10:00:00Z" };
    expect(eventFilterMatches(filter({}, "SYSTEM"), viewed)).toBe(false);
    expect(eventFilterMatches(filter({ EventType: { Values: ["_session.start"] } }, "SYSTEM"), session)).toBe(true);
    expect(eventFilterMatches(filter({ EventType: { Values: ["_session.start"] } }, "ENDPOINT"), session)).toBe(true);
    expect(eventFilterMatches(undefined, viewed)).toBe(false);
  });
});

/** The source seam: a fixed list of campaigns per app. */
class ListSource implements CampaignSource {
  constructor(readonly campaigns: CampaignResponse[]) {}
  async get(_t: Tenant, appId: string, id: string) {
    return this.campaigns.find((c) => c.ApplicationId === appId && c.Id === id);
  }
  async eventCampaigns(_t: Tenant, appId: string) {
    return this.campaigns.filter((c) => c.ApplicationId === appId && c.Schedule?.Frequency === "EVENT");
  }
}

/** The runner seam: records each run it is asked to start, and starts a key only once. */
class RecordingRunner implements CampaignRunner {
  runs: { campaignId: string; endpointIds: string[]; runKey: string; scheduledTime: string }[] = [];
  failFor = new Set<string>();
  async runForEndpoints(
    _t: Tenant,
    _appId: string,
    campaign: CampaignResponse,
    endpointIds: string[],
    runKey: string,
    scheduledTime: string,
  ) {
    if (this.failFor.has(campaign.Id!)) throw new Error(`runner down for ${campaign.Id}`);
    if (this.runs.some((r) => r.runKey === runKey)) return;
    this.runs.push({ campaignId: campaign.Id!, endpointIds, runKey, scheduledTime });
  }
  async close() {}
}

const eventCampaign = (
  id: string,
  f: CampaignEventFilter,
  extra: Partial<CampaignResponse> = {},
  schedule: Partial<CampaignResponse["Schedule"]> = {},
): CampaignResponse =>
  ({
    Id: id,
    ApplicationId: "app",
    Arn: `arn:${id}`,
    CreationDate: "",
    LastModifiedDate: "",
    SegmentId: "s",
    SegmentVersion: 1,
    Version: 1,
    Schedule: { StartTime: "IMMEDIATE", Frequency: "EVENT", EventFilter: f, ...schedule },
    ...extra,
  }) as CampaignResponse;

describe("CampaignEventTrigger", () => {
  const NOW = Date.parse("2024-05-01T10:00:05Z");
  const events: EndpointEvent[] = [
    { endpointId: "e1", eventId: "ev-1", event: viewed },
    { endpointId: "e2", eventId: "ev-2", event: { ...viewed, EventType: "cart.add" } },
  ];

  it("starts one run per matching campaign and event, for that event's endpoint, keyed by the event", async () => {
    const source = new ListSource([
      eventCampaign("views", filter({ EventType: { Values: ["product.viewed"] } })),
      eventCampaign("carts", filter({ EventType: { Values: ["cart.add"] } })),
      eventCampaign("both", filter({ Attributes: { category: { Values: ["books"] } } })),
      eventCampaign("other-app", filter({}), { ApplicationId: "other" }),
    ]);
    const runner = new RecordingRunner();
    await new CampaignEventTrigger(source, runner, () => NOW).onEvents(TENANT, "app", events);
    const got = runner.runs.map((r) => `${r.campaignId}→${r.endpointIds.join(",")}`).sort();
    expect(got).toEqual(["both→e1", "both→e2", "carts→e2", "views→e1"]);
    expect(runner.runs.find((r) => r.campaignId === "views")).toEqual({
      campaignId: "views",
      endpointIds: ["e1"],
      runKey: eventRunKey("views", events[0]),
      scheduledTime: "2024-05-01T10:00:05.000Z",
    });
    expect(new Set(runner.runs.map((r) => r.runKey)).size).toBe(4);
  });

  it("derives the same run key for a retried event, so the runner starts it once", async () => {
    const source = new ListSource([eventCampaign("views", filter({ EventType: { Values: ["product.viewed"] } }))]);
    const runner = new RecordingRunner();
    const trigger = new CampaignEventTrigger(source, runner, () => NOW);
    await trigger.onEvents(TENANT, "app", events);
    await trigger.onEvents(TENANT, "app", events);
    expect(runner.runs).toHaveLength(1);
    // The same event id on another endpoint is another event.
    await trigger.onEvents(TENANT, "app", [{ ...events[0], endpointId: "e9" }]);
    expect(runner.runs.map((r) => r.endpointIds[0])).toEqual(["e1", "e9"]);
  });

  it("skips paused campaigns and campaigns outside their StartTime … EndTime window", async () => {
    const any = filter({});
    const source = new ListSource([
      eventCampaign("paused", any, { IsPaused: true }),
      eventCampaign("not-yet", any, {}, { StartTime: "2024-05-02T00:00:00Z" }),
      eventCampaign("over", any, {}, { StartTime: "2024-04-01T00:00:00Z", EndTime: "2024-05-01T00:00:00Z" }),
      eventCampaign("open", any, {}, { StartTime: "2024-04-01T00:00:00Z", EndTime: "2024-06-01T00:00:00Z" }),
    ]);
    const runner = new RecordingRunner();
    await new CampaignEventTrigger(source, runner, () => NOW).onEvents(TENANT, "app", [events[0]]);
    expect(runner.runs.map((r) => r.campaignId)).toEqual(["open"]);
  });

  it("starts the other campaigns when one runner call fails, then reports the failure", async () => {
    const source = new ListSource([eventCampaign("broken", filter({})), eventCampaign("fine", filter({}))]);
    const runner = new RecordingRunner();
    runner.failFor.add("broken");
    await expect(new CampaignEventTrigger(source, runner, () => NOW).onEvents(TENANT, "app", [events[0]])).rejects.toThrow(
      "runner down for broken",
    );
    expect(runner.runs.map((r) => r.campaignId)).toEqual(["fine"]);
    runner.failFor.add("fine");
    const both = await new CampaignEventTrigger(source, runner, () => NOW).onEvents(TENANT, "app", [events[1]]).catch((e: unknown) => e);
    expect(both).toBeInstanceOf(AggregateError);
    expect((both as AggregateError).errors.map((e: Error) => e.message).sort()).toEqual(["runner down for broken", "runner down for fine"]);
  });
});
