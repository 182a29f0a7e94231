/**
 * PutEvents through the real AWS SDK on both stores: per-endpoint and per-event results, endpoint
 * updates applied as UpdateEndpoint applies them, refused items beside accepted ones, malformed
 * requests refused whole, and EVENT campaigns started through the real trigger (with small in-test
 * implementations of the CampaignSource and CampaignRunner seams, which other parts implement).
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  CreateAppCommand,
  GetEndpointCommand,
  PutEventsCommand,
  type CampaignResponse,
  type EndpointResponse,
  type Event,
  type EventsBatch,
  type PinpointClient,
} from "@aws-sdk/client-pinpoint";
import type { CampaignRunner, CampaignSource } from "../../src/pinpoint/campaigns/contracts.js";
import { CampaignEventTrigger } from "../../src/pinpoint/campaigns/event-trigger.js";
import type { Tenant } from "../../src/store/types.js";
import { STORE_KINDS, errorOf, pinpointClient, startTestServer, type TestServer } from "../helpers.js";
import { expectPinpointError, rawRequest } from "../signing.js";

const NOW = new Date().toISOString();
const ev = (EventType: string, extra: Partial<Event> = {}): Event => ({ EventType, Timestamp: NOW, ...extra });

class Campaigns implements CampaignSource {
  list: CampaignResponse[] = [];
  async get(_t: Tenant, appId: string, id: string) {
    return this.list.find((c) => c.ApplicationId === appId && c.Id === id);
  }
  async eventCampaigns(_t: Tenant, appId: string) {
    return this.list.filter((c) => c.ApplicationId === appId);
  }
}

/** Records each run and what the endpoint looked like when the run was asked for. */
class Runner implements CampaignRunner {
  runs: { campaignId: string; endpointIds: string[]; runKey: string; seen?: EndpointResponse }[] = [];
  client?: PinpointClient;
  fail = false;
  /** Runs asked for while `fail` was set. */
  failures = 0;
  async runForEndpoints(_t: Tenant, appId: string, campaign: CampaignResponse, endpointIds: string[], runKey: string) {
    if (this.fail) {
      this.failures++;
      throw new Error("the runner's database is down");
    }
    const seen = (await this.client!.send(new GetEndpointCommand({ ApplicationId: appId, EndpointId: endpointIds[0] }))).EndpointResponse;
    this.runs.push({ campaignId: campaign.Id!, endpointIds, runKey, seen });
  }
  async close() {}
}

describe.each(STORE_KINDS)("PutEvents on %s", (kind) => {
  let server: TestServer;
  let a: PinpointClient;
  let appId: string;
  const campaigns = new Campaigns();
  const runner = new Runner();
  const put = (items: Record<string, EventsBatch>, app = appId) =>
    a.send(new PutEventsCommand({ ApplicationId: app, EventsRequest: { BatchItem: items } }));
  const getEndpoint = async (id: string) =>
    (await a.send(new GetEndpointCommand({ ApplicationId: appId, EndpointId: id }))).EndpointResponse!;

  beforeAll(async () => {
    server = await startTestServer(kind, { eventTrigger: new CampaignEventTrigger(campaigns, runner) });
    a = pinpointClient(server);
    runner.client = a;
    appId = (await a.send(new CreateAppCommand({ CreateApplicationRequest: { Name: "events" } }))).ApplicationResponse!.Id!;
  });
  afterAll(async () => {
    await server.dispose();
  });

  test("accepts events and the endpoint update of the same call: 202 per endpoint and per event", async () => {
    const r = await put({
      "reader-1": {
        Endpoint: {
          ChannelType: "EMAIL",
          Address: "reader1@example.com",
          Attributes: { Plan: ["free"] },
          User: { UserId: "u1" },
          Demographic: { Timezone: "Europe/Berlin" },
        },
        Events: {
          "ev-1": ev("product.viewed", { Attributes: { item: "42" }, Metrics: { price: 9.5 } }),
          "ev-2": ev("_session.start", { Session: { Id: "s1", StartTimestamp: NOW } }),
        },
      },
    });
    expect(r.$metadata.httpStatusCode).toBe(202);
    expect(r.EventsResponse).toEqual({
      Results: {
        "reader-1": {
          EndpointItemResponse: { StatusCode: 202, Message: "Accepted" },
          EventsItemResponse: { "ev-1": { StatusCode: 202, Message: "Accepted" }, "ev-2": { StatusCode: 202, Message: "Accepted" } },
        },
      },
    });
    expect(await getEndpoint("reader-1")).toMatchObject({
      ChannelType: "EMAIL",
      Address: "reader1@example.com",
      Attributes: { Plan: ["free"] },
      User: { UserId: "u1" },
      EndpointStatus: "ACTIVE",
    });
    // A later call merges into the endpoint, as UpdateEndpoint does.
    await put({ "reader-1": { Endpoint: { Attributes: { Plan: ["paid"] } }, Events: {} } });
    expect(await getEndpoint("reader-1")).toMatchObject({
      Address: "reader1@example.com",
      Attributes: { Plan: ["paid"] },
      User: { UserId: "u1" },
    });
  });

  test("refuses a bad event or endpoint on its own, with a 400 item result naming the rule, and accepts the rest", async () => {
    const attrs = Object.fromEntries(Array.from({ length: 41 }, (_, i) => [`a${i}`, "x"]));
    const r = await put({
      good: {
        Endpoint: { ChannelType: "EMAIL", Address: "good@example.com" },
        Events: { ok: ev("click"), late: ev("click", { Timestamp: "yesterday" }), wide: ev("click", { Attributes: attrs }) },
      },
      bad: { Endpoint: { ChannelType: "EMAIL", Address: "not-an-address" }, Events: { fine: ev("click"), long: ev("x".repeat(51)) } },
      more: {
        Endpoint: {},
        Events: {
          key: ev("click", { Attributes: { ["k".repeat(51)]: "v" } }),
          value: ev("click", { Attributes: { k: "v".repeat(201) } }),
          metric: ev("click", { Metrics: Object.fromEntries(Array.from({ length: 41 }, (_, i) => [`m${i}`, i])) }),
        },
      },
    });
    const results = r.EventsResponse!.Results!;
    expect(results.good.EndpointItemResponse).toEqual({ StatusCode: 202, Message: "Accepted" });
    expect(results.good.EventsItemResponse!.ok).toEqual({ StatusCode: 202, Message: "Accepted" });
    expect(results.good.EventsItemResponse!.late).toMatchObject({
      StatusCode: 400,
      Message: expect.stringContaining("Timestamp 'yesterday'"),
    });
    expect(results.good.EventsItemResponse!.wide).toMatchObject({
      StatusCode: 400,
      Message: expect.stringContaining("at most 40 attributes"),
    });
    expect(results.bad.EndpointItemResponse).toMatchObject({
      StatusCode: 400,
      Message: expect.stringContaining("not a valid email address"),
    });
    expect(results.bad.EventsItemResponse!.fine).toEqual({ StatusCode: 202, Message: "Accepted" });
    expect(results.bad.EventsItemResponse!.long).toMatchObject({
      StatusCode: 400,
      Message: expect.stringContaining("EventType must be at most 50 characters"),
    });
    expect(results.more.EventsItemResponse!.key.Message).toContain("Attribute key");
    expect(results.more.EventsItemResponse!.value.Message).toContain("at most 200 characters");
    expect(results.more.EventsItemResponse!.metric.Message).toContain("at most 40 metrics");
    // The refused endpoint was not written; the accepted ones were.
    expect((await errorOf(() => getEndpoint("bad"))).name).toBe("NotFoundException");
    expect((await getEndpoint("good")).Address).toBe("good@example.com");
  });

  test("refuses a malformed request whole: BadRequestException naming the problem, nothing written", async () => {
    const empty = await errorOf(() => put({}));
    expect([empty.name, empty.message]).toEqual(["BadRequestException", "BatchItem must contain at least one endpoint"]);
    const events = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`e${i}`, ev("click")]));
    const tooMany = await errorOf(() => put({ big: { Endpoint: { ChannelType: "EMAIL", Address: "big@example.com" }, Events: events } }));
    expect(tooMany.name).toBe("BadRequestException");
    expect(tooMany.message).toContain("at most 100 events");
    expect((await errorOf(() => getEndpoint("big"))).name).toBe("NotFoundException");
    const missing = await rawRequest(server, {
      method: "POST",
      path: `/v1/apps/${appId}/events`,
      body: JSON.stringify({ BatchItem: { x: { Endpoint: {}, Events: { e: { Timestamp: NOW } } } } }),
    });
    expectPinpointError(missing, 400, "BadRequestException");
    expect(missing.json.Message).toContain("EventType");
    const notJson = await rawRequest(server, { method: "POST", path: `/v1/apps/${appId}/events`, body: "{" });
    expectPinpointError(notJson, 400, "BadRequestException");
    const noApp = await errorOf(() => put({ x: { Endpoint: {}, Events: { e: ev("click") } } }, "0123456789abcdef0123456789abcdef"));
    expect([noApp.name, noApp.$metadata.httpStatusCode]).toEqual(["NotFoundException", 404]);
  });

  /** An EVENT campaign of the app for events of `EventType` whose category attribute is "books". */
  const eventCampaign = (Id: string, EventType: string): CampaignResponse =>
    ({
      Id,
      ApplicationId: appId,
      Arn: `arn:${Id}`,
      CreationDate: NOW,
      LastModifiedDate: NOW,
      SegmentId: "s",
      SegmentVersion: 1,
      Version: 1,
      Schedule: {
        StartTime: "IMMEDIATE",
        Frequency: "EVENT",
        EventFilter: {
          FilterType: "ENDPOINT",
          Dimensions: { EventType: { Values: [EventType] }, Attributes: { category: { Values: ["books"] } } },
        },
      },
    }) as CampaignResponse;

  test("starts the EVENT campaigns whose filter matches, after the endpoint update, once per event id", async () => {
    campaigns.list = [eventCampaign("viewed-books", "product.viewed"), eventCampaign("bought-books", "product.bought")];
    runner.runs = [];
    const call = () =>
      put({
        "reader-2": {
          Endpoint: { ChannelType: "EMAIL", Address: "reader2@example.com", User: { UserId: "u2" } },
          Events: {
            "view-1": ev("product.viewed", { Attributes: { category: "books" } }),
            "view-2": ev("product.viewed", { Attributes: { category: "films" } }),
            bad: ev("product.viewed", { Timestamp: "never", Attributes: { category: "books" } }),
          },
        },
      });
    await call();
    expect(runner.runs.map((r) => [r.campaignId, r.endpointIds])).toEqual([["viewed-books", ["reader-2"]]]);
    // The runner was asked after the same call's endpoint update was stored.
    expect(runner.runs[0].seen).toMatchObject({ Address: "reader2@example.com", User: { UserId: "u2" } });
    // A retried call names the same run (the runner starts a key once).
    await call();
    expect(runner.runs.map((r) => r.runKey)).toEqual([runner.runs[0].runKey, runner.runs[0].runKey]);
    expect(runner.runs[0].runKey).toContain("view-1");
  });

  test("a failing trigger never fails PutEvents: the events are still accepted", async () => {
    // Its own matching campaign, so the trigger is asked here whatever ran before.
    campaigns.list = [eventCampaign("viewed-books", "product.viewed")];
    runner.fail = true;
    runner.failures = 0;
    try {
      const r = await put({
        "reader-3": {
          Endpoint: { ChannelType: "EMAIL", Address: "reader3@example.com" },
          Events: { v: ev("product.viewed", { Attributes: { category: "books" } }) },
        },
      });
      expect(r.EventsResponse!.Results!["reader-3"].EventsItemResponse!.v).toEqual({ StatusCode: 202, Message: "Accepted" });
      expect((await getEndpoint("reader-3")).Address).toBe("reader3@example.com");
      expect(runner.failures).toBe(1);
    } finally {
      runner.fail = false;
    }
  });
});

describe("PutEvents with awkward ids", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer("sqlite");
  });
  afterAll(async () => {
    await server.dispose();
  });

  test("prototype names as endpoint and event ids are plain keys: a result each, never a 500", async () => {
    const a = pinpointClient(server);
    const appId = (await a.send(new CreateAppCommand({ CreateApplicationRequest: { Name: "awkward" } }))).ApplicationResponse!.Id!;
    const body = `{"BatchItem":{"__proto__":{"Endpoint":{},"Events":{"constructor":{"EventType":"click","Timestamp":"${NOW}"},"__proto__":{"EventType":"click","Timestamp":"${NOW}"}}},"toString":{"Endpoint":{},"Events":{}}}}`;
    const r = await rawRequest(server, { method: "POST", path: `/v1/apps/${appId}/events`, body });
    expect(r.status, r.text).toBe(202);
    const accepted = { StatusCode: 202, Message: "Accepted" };
    expect(Object.keys(r.json.Results).sort()).toEqual(["__proto__", "toString"]);
    expect(Object.getOwnPropertyDescriptor(r.json.Results, "__proto__")!.value).toEqual({
      EndpointItemResponse: accepted,
      EventsItemResponse: JSON.parse(`{"constructor":${JSON.stringify(accepted)},"__proto__":${JSON.stringify(accepted)}}`),
    });
    expect((await a.send(new GetEndpointCommand({ ApplicationId: appId, EndpointId: "__proto__" }))).EndpointResponse!.Id).toBe(
      "__proto__",
    );
  });
});
