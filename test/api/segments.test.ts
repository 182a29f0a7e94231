/** Every segment operation and documented error, through the real AWS SDK, on both stores. */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  CreateAppCommand,
  CreateSegmentCommand,
  DeleteAppCommand,
  DeleteEndpointCommand,
  DeleteSegmentCommand,
  GetSegmentCommand,
  GetSegmentsCommand,
  GetSegmentVersionCommand,
  GetSegmentVersionsCommand,
  UpdateEndpointsBatchCommand,
  UpdateSegmentCommand,
  type EndpointBatchItem,
  type PinpointClient,
  type WriteSegmentRequest,
} from "@aws-sdk/client-pinpoint";
import { ACCOUNT_B, STORE_KINDS, errorOf, pinpointClient, startTestServer, type TestServer } from "../helpers.js";
import { SegmentService } from "../../src/pinpoint/segments/service.js";

const TENANT = { accountId: "111122223333", region: "us-east-1" };
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe.each(STORE_KINDS)("segments on %s", (kind) => {
  let server: TestServer;
  let a: PinpointClient;
  let appId: string;
  let service: SegmentService;
  const create = async (req: WriteSegmentRequest, app = appId) =>
    (await a.send(new CreateSegmentCommand({ ApplicationId: app, WriteSegmentRequest: req }))).SegmentResponse!;
  /** Endpoint ids of a segment, through the domain function campaigns use, in small batches. */
  const members = async (id: string, version?: number) => {
    const ids: string[] = [];
    for await (const batch of service.endpointsOf(TENANT, appId, id, version, 2)) {
      expect(batch.length).toBeLessThanOrEqual(2);
      ids.push(...batch.map((e) => e.Id!));
    }
    return ids.sort();
  };

  beforeAll(async () => {
    server = await startTestServer(kind);
    service = new SegmentService(server.store);
    a = pinpointClient(server);
    appId = (await a.send(new CreateAppCommand({ CreateApplicationRequest: { Name: "segments" } }))).ApplicationResponse!.Id!;
    const items: EndpointBatchItem[] = [
      {
        Id: "ana",
        ChannelType: "EMAIL",
        Address: "ana@example.com",
        Attributes: { Interests: ["Science", "Music"], Signup: ["2024-03-05T10:00:00Z"] },
        Metrics: { Visits: 3 },
        Demographic: { Platform: "ios" },
        Location: { Country: "US" },
        User: { UserId: "u-ana", UserAttributes: { Tier: ["gold"] } },
      },
      {
        Id: "bo",
        ChannelType: "EMAIL",
        Address: "bo@example.com",
        Attributes: { Interests: ["Cooking"], Signup: ["2024-03-06T23:59:59Z"] },
        Metrics: { Visits: 10 },
        Demographic: { Platform: "android" },
        Location: { Country: "DE" },
        User: { UserId: "u-bo", UserAttributes: { Tier: ["silver"] } },
      },
      {
        Id: "cy",
        ChannelType: "SMS",
        Address: "+12065550100",
        Attributes: { Interests: ["Science fiction"] },
        Metrics: { Visits: 1 },
        Location: { Country: "US" },
      },
      { Id: "di", ChannelType: "EMAIL", Address: "di@example.com" },
    ];
    await a.send(new UpdateEndpointsBatchCommand({ ApplicationId: appId, EndpointBatchRequest: { Item: items } }));
  });
  afterAll(async () => {
    await server.dispose();
  });

  test("CreateSegment answers 201 with the SegmentResponse; GetSegment returns it", async () => {
    const r = await a.send(
      new CreateSegmentCommand({
        ApplicationId: appId,
        WriteSegmentRequest: {
          Name: "science",
          Dimensions: { Attributes: { Interests: { AttributeType: "INCLUSIVE", Values: ["Science"] } } },
          tags: { team: "growth" },
        },
      }),
    );
    expect(r.$metadata.httpStatusCode).toBe(201);
    const s = r.SegmentResponse!;
    expect(s).toMatchObject({
      ApplicationId: appId,
      Arn: `arn:aws:mobiletargeting:us-east-1:111122223333:apps/${appId}/segments/${s.Id}`,
      Name: "science",
      SegmentType: "DIMENSIONAL",
      Version: 1,
      Dimensions: { Attributes: { Interests: { AttributeType: "INCLUSIVE", Values: ["Science"] } } },
      tags: { team: "growth" },
    });
    expect(s.Id).toMatch(/^[0-9a-f]{32}$/);
    expect(s.CreationDate).toMatch(ISO);
    const got = await a.send(new GetSegmentCommand({ ApplicationId: appId, SegmentId: s.Id }));
    expect(got.SegmentResponse).toEqual(s);
    expect(await members(s.Id!)).toEqual(["ana"]);
    expect(await service.size({ accountId: "111122223333", region: "us-east-1" }, appId, s.Id!)).toBe(1);
  });

  test.each<[string, WriteSegmentRequest["Dimensions"], string[]]>([
    ["no dimensions: every endpoint", {}, ["ana", "bo", "cy", "di"]],
    [
      "EXCLUSIVE keeps endpoints without the attribute",
      { Attributes: { Interests: { AttributeType: "EXCLUSIVE", Values: ["Science", "Cooking"] } } },
      ["cy", "di"],
    ],
    ["CONTAINS matches substrings", { Attributes: { Interests: { AttributeType: "CONTAINS", Values: ["cien"] } } }, ["ana", "cy"]],
    ["BEFORE", { Attributes: { Signup: { AttributeType: "BEFORE", Values: ["2024-03-06T00:00:00Z"] } } }, ["ana"]],
    ["AFTER", { Attributes: { Signup: { AttributeType: "AFTER", Values: ["2024-03-05T10:00:00Z"] } } }, ["bo"]],
    ["ON ignores the time", { Attributes: { Signup: { AttributeType: "ON", Values: ["2024-03-06T08:00:00Z"] } } }, ["bo"]],
    [
      "BETWEEN is inclusive",
      { Attributes: { Signup: { AttributeType: "BETWEEN", Values: ["2024-03-05T10:00:00Z", "2024-03-06T23:59:59Z"] } } },
      ["ana", "bo"],
    ],
    ["UserAttributes", { UserAttributes: { Tier: { Values: ["gold"] } } }, ["ana"]],
    ["Metrics GREATER_THAN_OR_EQUAL", { Metrics: { Visits: { ComparisonOperator: "GREATER_THAN_OR_EQUAL", Value: 3 } } }, ["ana", "bo"]],
    ["Metrics EQUAL", { Metrics: { Visits: { ComparisonOperator: "EQUAL", Value: 1 } } }, ["cy"]],
    ["Demographic.Platform", { Demographic: { Platform: { Values: ["ios", "android"] } } }, ["ana", "bo"]],
    ["Demographic.Channel EXCLUSIVE", { Demographic: { Channel: { DimensionType: "EXCLUSIVE", Values: ["EMAIL"] } } }, ["cy"]],
    ["Location.Country", { Location: { Country: { Values: ["US"] } } }, ["ana", "cy"]],
    [
      "Behavior.Recency ACTIVE over 24 hours: every endpoint was just written",
      { Behavior: { Recency: { Duration: "HR_24", RecencyType: "ACTIVE" } } },
      ["ana", "bo", "cy", "di"],
    ],
    ["Behavior.Recency INACTIVE", { Behavior: { Recency: { Duration: "DAY_7", RecencyType: "INACTIVE" } } }, []],
    [
      "all criteria of one Dimensions must hold",
      { Location: { Country: { Values: ["US"] } }, Metrics: { Visits: { ComparisonOperator: "GREATER_THAN", Value: 2 } } },
      ["ana"],
    ],
  ])("dimension: %s", async (_name, dims, expected) => {
    const s = await create({ Name: "d", Dimensions: dims });
    expect(await members(s.Id!)).toEqual(expected);
  });

  test("SegmentGroups: source segments, Type, SourceType and Include", async () => {
    const us = await create({ Name: "us", Dimensions: { Location: { Country: { Values: ["US"] } } } });
    const email = await create({ Name: "email", Dimensions: { Demographic: { Channel: { Values: ["EMAIL"] } } } });
    const both = await create({
      Name: "us-email",
      SegmentGroups: { Include: "ALL", Groups: [{ SourceSegments: [{ Id: us.Id }, { Id: email.Id }], SourceType: "ALL" }] },
    });
    expect(await members(both.Id!)).toEqual(["ana"]);
    const either = await create({ SegmentGroups: { Groups: [{ SourceSegments: [{ Id: us.Id }, { Id: email.Id }], SourceType: "ANY" }] } });
    expect(await members(either.Id!)).toEqual(["ana", "bo", "cy", "di"]);
    const filtered = await create({
      SegmentGroups: {
        Groups: [
          {
            SourceSegments: [{ Id: us.Id }],
            Dimensions: [
              { Metrics: { Visits: { ComparisonOperator: "LESS_THAN", Value: 2 } } },
              { Attributes: { Interests: { Values: ["Music"] } } },
            ],
            Type: "ANY",
          },
        ],
      },
    });
    expect(await members(filtered.Id!)).toEqual(["ana", "cy"]);
    const none = await create({ SegmentGroups: { Include: "NONE", Groups: [{ SourceSegments: [{ Id: us.Id }] }] } });
    expect(await members(none.Id!)).toEqual(["bo", "di"]);
    const dimsNone = await create({
      SegmentGroups: {
        Groups: [
          {
            Dimensions: [{ Location: { Country: { Values: ["US"] } } }, { Demographic: { Platform: { Values: ["android"] } } }],
            Type: "NONE",
          },
        ],
      },
    });
    expect(await members(dimsNone.Id!)).toEqual(["di"]);
  });

  test("UpdateSegment makes a new version; GetSegmentVersion(s) return each; a source pinned to a version keeps it", async () => {
    const s = await create({ Name: "v", Dimensions: { Location: { Country: { Values: ["DE"] } } }, tags: { a: "b" } });
    const pinned = await create({ SegmentGroups: { Groups: [{ SourceSegments: [{ Id: s.Id, Version: 1 }] }] } });
    const r = await a.send(
      new UpdateSegmentCommand({
        ApplicationId: appId,
        SegmentId: s.Id,
        WriteSegmentRequest: { Name: "v2", Dimensions: { Location: { Country: { Values: ["US"] } } }, tags: { ignored: "yes" } },
      }),
    );
    expect(r.$metadata.httpStatusCode).toBe(200);
    expect(r.SegmentResponse).toMatchObject({ Id: s.Id, Name: "v2", Version: 2, CreationDate: s.CreationDate, tags: { a: "b" } });
    expect((await a.send(new GetSegmentCommand({ ApplicationId: appId, SegmentId: s.Id }))).SegmentResponse!.Version).toBe(2);
    const v1 = (await a.send(new GetSegmentVersionCommand({ ApplicationId: appId, SegmentId: s.Id, Version: "1" }))).SegmentResponse!;
    expect(v1).toEqual(s);
    const versions = await a.send(new GetSegmentVersionsCommand({ ApplicationId: appId, SegmentId: s.Id, PageSize: "1" }));
    expect(versions.SegmentsResponse!.Item!.map((v) => v.Version)).toEqual([1]);
    const rest = await a.send(
      new GetSegmentVersionsCommand({ ApplicationId: appId, SegmentId: s.Id, Token: versions.SegmentsResponse!.NextToken }),
    );
    expect(rest.SegmentsResponse!.Item!.map((v) => v.Version)).toEqual([2]);
    expect(rest.SegmentsResponse!.NextToken).toBeUndefined();
    expect(await members(s.Id!)).toEqual(["ana", "cy"]);
    expect(await members(s.Id!, 1)).toEqual(["bo"]);
    expect(await members(pinned.Id!)).toEqual(["bo"]);
    // Without a new definition, the old one carries over.
    const renamed = await a.send(new UpdateSegmentCommand({ ApplicationId: appId, SegmentId: s.Id, WriteSegmentRequest: { Name: "v3" } }));
    expect(renamed.SegmentResponse).toMatchObject({ Name: "v3", Version: 3, Dimensions: { Location: { Country: { Values: ["US"] } } } });
  });

  test("GetSegments pages in creation order", async () => {
    const app = (await a.send(new CreateAppCommand({ CreateApplicationRequest: { Name: "paging" } }))).ApplicationResponse!.Id!;
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await create({ Name: `p${i}` }, app)).Id);
    const first = await a.send(new GetSegmentsCommand({ ApplicationId: app, PageSize: "2" }));
    expect(first.SegmentsResponse!.Item!.map((s) => s.Id)).toEqual(ids.slice(0, 2));
    const second = await a.send(new GetSegmentsCommand({ ApplicationId: app, PageSize: "2", Token: first.SegmentsResponse!.NextToken }));
    expect(second.SegmentsResponse!.Item!.map((s) => s.Id)).toEqual(ids.slice(2));
    expect(second.SegmentsResponse!.NextToken).toBeUndefined();
    expect((await errorOf(() => a.send(new GetSegmentsCommand({ ApplicationId: app, Token: "bogus" })))).name).toBe("BadRequestException");
  });

  test("DeleteSegment returns the segment; later reads are 404; endpoints stay; a segment built on it no longer resolves", async () => {
    const s = await create({ Name: "gone", Dimensions: { Location: { Country: { Values: ["US"] } } } });
    const child = await create({ SegmentGroups: { Groups: [{ SourceSegments: [{ Id: s.Id }] }] } });
    const r = await a.send(new DeleteSegmentCommand({ ApplicationId: appId, SegmentId: s.Id }));
    expect(r.SegmentResponse).toMatchObject({ Id: s.Id, Name: "gone" });
    for (const op of [
      () => a.send(new GetSegmentCommand({ ApplicationId: appId, SegmentId: s.Id })),
      () => a.send(new GetSegmentVersionCommand({ ApplicationId: appId, SegmentId: s.Id, Version: "1" })),
      () => a.send(new GetSegmentVersionsCommand({ ApplicationId: appId, SegmentId: s.Id })),
      () => a.send(new DeleteSegmentCommand({ ApplicationId: appId, SegmentId: s.Id })),
      () => a.send(new UpdateSegmentCommand({ ApplicationId: appId, SegmentId: s.Id, WriteSegmentRequest: { Name: "x" } })),
    ]) {
      const e = await errorOf(op);
      expect([e.name, e.$metadata.httpStatusCode]).toEqual(["NotFoundException", 404]);
    }
    const e = await errorOf(() => members(child.Id!));
    expect(e.message).toContain(`Source segment '${s.Id}'`);
  });

  test("deleting a segment that something uses is refused, and nothing is deleted", async () => {
    const s = await create({ Name: "used" });
    const guarded = new SegmentService(server.store, { usage: async (_t, _app, id) => (id === s.Id ? ["campaign 'newsletter'"] : []) });
    const e = await errorOf(() => guarded.delete({ accountId: "111122223333", region: "us-east-1" }, appId, s.Id!));
    expect(e.name).toBe("BadRequestException");
    expect(e.message).toContain("campaign 'newsletter'");
    expect((await a.send(new GetSegmentCommand({ ApplicationId: appId, SegmentId: s.Id }))).SegmentResponse!.Id).toBe(s.Id);
  });

  test.each<[string, WriteSegmentRequest, string]>([
    ["both Dimensions and SegmentGroups", { Dimensions: {}, SegmentGroups: {} }, "not both"],
    [
      "an unknown AttributeType",
      { Dimensions: { Attributes: { A: { AttributeType: "NOT_BETWEEN" as never, Values: ["x"] } } } },
      "Dimensions.Attributes.A.AttributeType",
    ],
    ["INCLUSIVE without values", { Dimensions: { Attributes: { A: { Values: [] } } } }, "Dimensions.Attributes.A.Values"],
    [
      "BEFORE with a non-date",
      { Dimensions: { Attributes: { A: { AttributeType: "BEFORE", Values: ["yesterday"] } } } },
      "Dimensions.Attributes.A.Values[0]",
    ],
    [
      "BETWEEN with one value",
      { Dimensions: { UserAttributes: { A: { AttributeType: "BETWEEN", Values: ["2024-01-01T00:00:00Z"] } } } },
      "Dimensions.UserAttributes.A.Values must hold exactly 2",
    ],
    [
      "BETWEEN reversed",
      { Dimensions: { Attributes: { A: { AttributeType: "BETWEEN", Values: ["2024-02-01T00:00:00Z", "2024-01-01T00:00:00Z"] } } } },
      "must not be after",
    ],
    [
      "a bad ComparisonOperator",
      { Dimensions: { Metrics: { m: { ComparisonOperator: "BIGGER", Value: 1 } } } },
      "Dimensions.Metrics.m.ComparisonOperator",
    ],
    [
      "a bad DimensionType",
      { Dimensions: { Location: { Country: { DimensionType: "MAYBE" as never, Values: ["US"] } } } },
      "Dimensions.Location.Country.DimensionType",
    ],
    [
      "a bad Duration",
      { Dimensions: { Behavior: { Recency: { Duration: "DAY_99" as never, RecencyType: "ACTIVE" } } } },
      "Dimensions.Behavior.Recency.Duration",
    ],
    ["GPSPoint", { Dimensions: { Location: { GPSPoint: { Coordinates: { Latitude: 1, Longitude: 2 } } } } }, "GPSPoint is not supported"],
    ["DeviceType", { Dimensions: { Demographic: { DeviceType: { Values: ["phone"] } } } }, "DeviceType is not supported"],
    ["a bad Include", { SegmentGroups: { Include: "SOME" as never } }, "SegmentGroups.Include"],
    ["a bad group Type", { SegmentGroups: { Groups: [{ Type: "SOME" as never }] } }, "SegmentGroups.Groups[0].Type"],
    [
      "a bad dimension in a group",
      { SegmentGroups: { Groups: [{ Dimensions: [{}, { Metrics: { m: { ComparisonOperator: "X", Value: 1 } } }] }] } },
      "SegmentGroups.Groups[0].Dimensions[1].Metrics.m.ComparisonOperator",
    ],
    ["bad tags", { tags: { "aws:x": "y" } }, "reserved prefix"],
  ])("CreateSegment with %s is a BadRequestException naming the field", async (_name, req, message) => {
    const e = await errorOf(() => a.send(new CreateSegmentCommand({ ApplicationId: appId, WriteSegmentRequest: req })));
    expect([e.name, e.$metadata.httpStatusCode]).toEqual(["BadRequestException", 400]);
    expect(e.message).toContain(message);
  });

  test("unknown apps, segments, source segments and versions are NotFoundException", async () => {
    const s = await create({ Name: "nf" });
    const cases: [() => Promise<unknown>, string][] = [
      [() => create({ Name: "x" }, "0".repeat(32)), "Application"],
      [() => a.send(new GetSegmentsCommand({ ApplicationId: "0".repeat(32) })), "Application"],
      [() => a.send(new GetSegmentCommand({ ApplicationId: appId, SegmentId: "nope" })), "Segment 'nope'"],
      [() => a.send(new GetSegmentVersionCommand({ ApplicationId: appId, SegmentId: s.Id, Version: "7" })), "Version '7'"],
      [() => a.send(new GetSegmentVersionCommand({ ApplicationId: appId, SegmentId: s.Id, Version: "x" })), "Version 'x'"],
      [() => create({ SegmentGroups: { Groups: [{ SourceSegments: [{ Id: "missing" }] }] } }), "SegmentGroups.Groups[0].SourceSegments[0]"],
      [() => create({ SegmentGroups: { Groups: [{ SourceSegments: [{ Id: s.Id, Version: 9 }] }] } }), "Version 9"],
    ];
    for (const [op, message] of cases) {
      const e = await errorOf(op);
      expect([e.name, e.$metadata.httpStatusCode]).toEqual(["NotFoundException", 404]);
      expect(e.message).toContain(message);
    }
  });

  test("a segment cannot be built on itself, directly or through another", async () => {
    const s = await create({ Name: "loop" });
    const t = await create({ SegmentGroups: { Groups: [{ SourceSegments: [{ Id: s.Id }] }] } });
    for (const req of [
      { SegmentGroups: { Groups: [{ SourceSegments: [{ Id: s.Id }] }] } },
      { SegmentGroups: { Groups: [{ SourceSegments: [{ Id: t.Id }] }] } },
    ]) {
      const e = await errorOf(() => a.send(new UpdateSegmentCommand({ ApplicationId: appId, SegmentId: s.Id, WriteSegmentRequest: req })));
      expect([e.name, e.message]).toEqual(["BadRequestException", expect.stringContaining("built on itself")]);
    }
  });

  test("segments follow endpoint writes and deletes, belong to one account, and go with their app", async () => {
    const app = (await a.send(new CreateAppCommand({ CreateApplicationRequest: { Name: "follow" } }))).ApplicationResponse!.Id!;
    const s = await create({ Dimensions: { Attributes: { Plan: { Values: ["pro"] } } } }, app);
    const tenant = { accountId: "111122223333", region: "us-east-1" };
    const ids = async () => {
      const out: string[] = [];
      for await (const b of service.endpointsOf(tenant, app, s.Id!)) out.push(...b.map((e) => e.Id!));
      return out;
    };
    await a.send(
      new UpdateEndpointsBatchCommand({
        ApplicationId: app,
        EndpointBatchRequest: {
          Item: [
            { Id: "x", Attributes: { Plan: ["pro"] } },
            { Id: "y", Attributes: { Plan: ["free"] } },
          ],
        },
      }),
    );
    expect(await ids()).toEqual(["x"]);
    await a.send(
      new UpdateEndpointsBatchCommand({
        ApplicationId: app,
        EndpointBatchRequest: {
          Item: [
            { Id: "x", Attributes: { Plan: ["free"] } },
            { Id: "y", Attributes: { Plan: ["pro"] } },
          ],
        },
      }),
    );
    expect(await ids()).toEqual(["y"]);
    await a.send(new DeleteEndpointCommand({ ApplicationId: app, EndpointId: "y" }));
    expect(await ids()).toEqual([]);
    const other = pinpointClient(server, ACCOUNT_B);
    expect((await errorOf(() => other.send(new GetSegmentCommand({ ApplicationId: app, SegmentId: s.Id })))).name).toBe(
      "NotFoundException",
    );
    await a.send(new DeleteAppCommand({ ApplicationId: app }));
    expect((await errorOf(() => a.send(new GetSegmentCommand({ ApplicationId: app, SegmentId: s.Id })))).name).toBe("NotFoundException");
  });
});
