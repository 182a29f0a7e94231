/** Every endpoint and user operation and documented error, through the real AWS SDK, on both stores. */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  CreateAppCommand,
  DeleteAppCommand,
  DeleteEndpointCommand,
  DeleteUserEndpointsCommand,
  GetEndpointCommand,
  GetUserEndpointsCommand,
  UpdateEndpointCommand,
  UpdateEndpointsBatchCommand,
  type EndpointBatchItem,
  type EndpointRequest,
  type PinpointClient,
} from "@aws-sdk/client-pinpoint";
import { ACCOUNT_A, ACCOUNT_B, STORE_KINDS, errorOf, pinpointClient, startTestServer, type TestServer } from "../helpers.js";
import { expectPinpointError, rawRequest } from "../signing.js";

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe.each(STORE_KINDS)("endpoints on %s", (kind) => {
  let server: TestServer;
  let a: PinpointClient;
  let appId: string;
  const put = (id: string, req: EndpointRequest, app = appId) =>
    a.send(new UpdateEndpointCommand({ ApplicationId: app, EndpointId: id, EndpointRequest: req }));
  const get = async (id: string) => (await a.send(new GetEndpointCommand({ ApplicationId: appId, EndpointId: id }))).EndpointResponse!;
  const batch = (items: EndpointBatchItem[]) =>
    a.send(new UpdateEndpointsBatchCommand({ ApplicationId: appId, EndpointBatchRequest: { Item: items } }));

  beforeAll(async () => {
    server = await startTestServer(kind);
    a = pinpointClient(server);
    appId = (await a.send(new CreateAppCommand({ CreateApplicationRequest: { Name: "endpoints" } }))).ApplicationResponse!.Id!;
  });
  afterAll(async () => {
    await server.dispose();
  });

  test("UpdateEndpoint creates (202 Accepted) and GetEndpoint returns the full EndpointResponse", async () => {
    const r = await put("Mixed-Case-1", {
      ChannelType: "SMS",
      Address: "+12065550100",
      Attributes: { Interests: ["Science", "Music"] },
      Metrics: { Visits: 3 },
      Demographic: { Platform: "ios", Timezone: "America/Los_Angeles" },
      Location: { Country: "US", Latitude: 47.6, Longitude: -122.3 },
      User: { UserId: "user-1", UserAttributes: { FirstName: ["Ana"] } },
    });
    expect(r.$metadata.httpStatusCode).toBe(202);
    expect(r.MessageBody).toEqual({ Message: "Accepted", RequestID: r.$metadata.requestId });
    const e = await get("Mixed-Case-1");
    expect(e).toMatchObject({
      Id: "Mixed-Case-1",
      ApplicationId: appId,
      ChannelType: "SMS",
      Address: "+12065550100",
      Attributes: { Interests: ["Science", "Music"] },
      Metrics: { Visits: 3 },
      Demographic: { Platform: "ios", Timezone: "America/Los_Angeles" },
      Location: { Country: "US", Latitude: 47.6, Longitude: -122.3 },
      User: { UserId: "user-1", UserAttributes: { FirstName: ["Ana"] } },
      EndpointStatus: "ACTIVE",
      OptOut: "NONE",
      RequestId: r.$metadata.requestId,
    });
    expect(e.CohortId).toMatch(/^(\d|[1-9]\d)$/);
    expect(e.CreationDate).toMatch(ISO);
    expect(e.EffectiveDate).toMatch(ISO);
    // Ids are case-insensitive; the id is echoed as first given.
    expect(await get("mixed-case-1")).toEqual(e);
    expect(await get("MIXED-CASE-1")).toEqual(e);
  });

  test("an update merges: supplied attributes replace their values, others are kept; CreationDate and CohortId stay", async () => {
    await put("merge", {
      ChannelType: "EMAIL",
      Address: "m@example.com",
      Attributes: { A: ["1"], B: ["2"] },
      Metrics: { x: 1 },
      User: { UserId: "u-merge", UserAttributes: { P: ["p"], Q: ["q"] } },
      OptOut: "ALL",
    });
    const before = await get("merge");
    await new Promise((r) => setTimeout(r, 5));
    await put("MERGE", {
      Attributes: { B: ["3", "4"], C: ["5"] },
      Metrics: { y: 2 },
      User: { UserAttributes: { Q: ["q2"] } },
      Demographic: { Locale: "en_US" },
    });
    const after = await get("merge");
    expect(after.Id).toBe("merge");
    expect(after.Address).toBe("m@example.com");
    expect(after.Attributes).toEqual({ A: ["1"], B: ["3", "4"], C: ["5"] });
    expect(after.Metrics).toEqual({ x: 1, y: 2 });
    expect(after.User).toEqual({ UserId: "u-merge", UserAttributes: { P: ["p"], Q: ["q2"] } });
    expect(after.OptOut).toBe("ALL");
    expect(after.Demographic).toEqual({ Locale: "en_US" });
    expect(after.CreationDate).toBe(before.CreationDate);
    expect(after.CohortId).toBe(before.CohortId);
    expect(after.EffectiveDate! > before.EffectiveDate!).toBe(true);
    // An empty list removes the attribute.
    await put("merge", { Attributes: { A: [] } });
    expect((await get("merge")).Attributes).toEqual({ B: ["3", "4"], C: ["5"] });
    // EndpointStatus goes back to ACTIVE on update unless given.
    await put("merge", { EndpointStatus: "INACTIVE" });
    expect((await get("merge")).EndpointStatus).toBe("INACTIVE");
    await put("merge", { Metrics: { z: 1 } });
    expect((await get("merge")).EndpointStatus).toBe("ACTIVE");
  });

  test("CohortId is a stable function of the id (0-99), the same across apps", async () => {
    const other = (await a.send(new CreateAppCommand({ CreateApplicationRequest: { Name: "cohort" } }))).ApplicationResponse!.Id!;
    await put("cohort-x", {}, other);
    await put("cohort-x", {});
    const c1 = (await a.send(new GetEndpointCommand({ ApplicationId: other, EndpointId: "cohort-x" }))).EndpointResponse!.CohortId;
    expect((await get("cohort-x")).CohortId).toBe(c1);
    await a.send(new DeleteAppCommand({ ApplicationId: other }));
  });

  test("another endpoint written with the same address makes the older one INACTIVE", async () => {
    await put("dup-1", { ChannelType: "EMAIL", Address: "same@example.com" });
    await put("dup-2", { ChannelType: "EMAIL", Address: "same@example.com" });
    expect((await get("dup-1")).EndpointStatus).toBe("INACTIVE");
    expect((await get("dup-2")).EndpointStatus).toBe("ACTIVE");
    // Within one batch, the last item with the address wins.
    await batch([
      { Id: "dup-3", ChannelType: "EMAIL", Address: "batch@example.com" },
      { Id: "dup-4", ChannelType: "EMAIL", Address: "batch@example.com" },
    ]);
    expect((await get("dup-3")).EndpointStatus).toBe("INACTIVE");
    expect((await get("dup-4")).EndpointStatus).toBe("ACTIVE");
  });

  test("UpdateEndpointsBatch writes up to 100 endpoints; GetUserEndpoints and DeleteUserEndpoints use the user id", async () => {
    const items: EndpointBatchItem[] = Array.from({ length: 100 }, (_, i) => ({
      Id: `b-${i}`,
      ChannelType: "EMAIL",
      Address: `user${i}@example.com`,
      User: { UserId: `bu-${i % 10}` },
      Attributes: { Batch: ["1"] },
    }));
    const r = await batch(items);
    expect(r.$metadata.httpStatusCode).toBe(202);
    expect(r.MessageBody).toEqual({ Message: "Accepted", RequestID: r.$metadata.requestId });
    const u = await a.send(new GetUserEndpointsCommand({ ApplicationId: appId, UserId: "bu-3" }));
    expect(u.$metadata.httpStatusCode).toBe(200);
    expect(u.EndpointsResponse!.Item!.map((e) => e.Id).sort()).toEqual([
      "b-13",
      "b-23",
      "b-3",
      "b-33",
      "b-43",
      "b-53",
      "b-63",
      "b-73",
      "b-83",
      "b-93",
    ]);
    expect(u.EndpointsResponse!.Item!.every((e) => e.User!.UserId === "bu-3")).toBe(true);
    const d = await a.send(new DeleteUserEndpointsCommand({ ApplicationId: appId, UserId: "bu-3" }));
    expect(d.$metadata.httpStatusCode).toBe(202);
    expect(d.EndpointsResponse!.Item).toHaveLength(10);
    expect((await errorOf(() => get("b-13"))).name).toBe("NotFoundException");
    expect((await errorOf(() => a.send(new GetUserEndpointsCommand({ ApplicationId: appId, UserId: "bu-3" })))).name).toBe(
      "NotFoundException",
    );
    expect((await errorOf(() => a.send(new DeleteUserEndpointsCommand({ ApplicationId: appId, UserId: "bu-3" })))).name).toBe(
      "NotFoundException",
    );
    expect((await get("b-14")).User!.UserId).toBe("bu-4");
  });

  test("a batch is validated whole: one bad item writes nothing", async () => {
    const items: EndpointBatchItem[] = [
      { Id: "all-or-none-1", ChannelType: "EMAIL", Address: "ok@example.com" },
      { Id: "all-or-none-2", ChannelType: "SMS", Address: "not-a-phone" },
    ];
    const err = await errorOf(() => batch(items));
    expect(err.name).toBe("BadRequestException");
    expect(err.message).toContain("Item[1]");
    expect((await errorOf(() => get("all-or-none-1"))).name).toBe("NotFoundException");
    // A merged-state failure (checked inside the transaction) also rolls back the earlier items.
    await put("existing-email", { ChannelType: "EMAIL", Address: "e@example.com" });
    const err2 = await errorOf(() =>
      batch([
        { Id: "all-or-none-3", ChannelType: "EMAIL", Address: "x@example.com" },
        { Id: "existing-email", ChannelType: "SMS" },
      ]),
    );
    expect(err2.name).toBe("BadRequestException");
    expect((await errorOf(() => get("all-or-none-3"))).name).toBe("NotFoundException");
    expect((await get("existing-email")).ChannelType).toBe("EMAIL");
    for (const n of [0, 101]) {
      const e = await errorOf(() => batch(Array.from({ length: n }, (_, i) => ({ Id: `n${i}` }))));
      expect([n, e.name]).toEqual([n, "BadRequestException"]);
    }
    expect((await errorOf(() => batch([{ ChannelType: "EMAIL", Address: "noid@example.com" }]))).name).toBe("BadRequestException");
  });

  test("15 endpoints per user id", async () => {
    await batch(Array.from({ length: 15 }, (_, i) => ({ Id: `q-${i}`, User: { UserId: "quota-user" } })));
    const err = await errorOf(() => put("q-15", { User: { UserId: "quota-user" } }));
    expect(err.name).toBe("BadRequestException");
    expect(err.message).toMatch(/15/);
    await put("q-3", { User: { UserId: "quota-user" }, Attributes: { again: ["1"] } }); // an existing one may be rewritten
    expect(
      (await a.send(new GetUserEndpointsCommand({ ApplicationId: appId, UserId: "quota-user" }))).EndpointsResponse!.Item,
    ).toHaveLength(15);
  });

  const invalid: [string, string, EndpointRequest][] = [
    ["unknown ChannelType", "v1", { ChannelType: "FAX" as never, Address: "x" }],
    ["unknown OptOut", "v2", { OptOut: "SOME" }],
    ["unknown EndpointStatus", "v3", { EndpointStatus: "DELETED" }],
    ["email address not an email", "v4", { ChannelType: "EMAIL", Address: "not-an-email" }],
    ["sms address not E.164", "v5", { ChannelType: "SMS", Address: "2065550100" }],
    ["voice address with spaces", "v6", { ChannelType: "VOICE", Address: "+1 206 555 0100" }],
    ["channel without address", "v7", { ChannelType: "EMAIL" }],
    ["address without channel", "v8", { Address: "a@example.com" }],
    ["attribute name 51 chars", "v9", { Attributes: { ["n".repeat(51)]: ["v"] } }],
    ["attribute value 101 chars", "v10", { Attributes: { n: ["v".repeat(101)] } }],
    ["51 values", "v11", { Attributes: { n: Array.from({ length: 51 }, (_, i) => `v${i}`) } }],
    ["user attribute value 101 chars", "v12", { User: { UserAttributes: { n: ["v".repeat(101)] } } }],
    [
      "over 15 KB",
      "v13",
      { Attributes: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`a${i}`, Array.from({ length: 5 }, () => "v".repeat(100))])) },
    ],
    ["latitude out of range", "v14", { Location: { Latitude: 91 } }],
    ["bad EffectiveDate", "v15", { EffectiveDate: "yesterday" }],
    ["id with $", "bad$id", {}],
    ["id with {", "bad{id", {}],
    ["id with }", "bad}id", {}],
  ];

  test.each(invalid)("400 BadRequestException and nothing stored: %s", async (_label, id, req) => {
    const err = await errorOf(() => put(id, req));
    expect(err.name).toBe("BadRequestException");
    expect(err.$metadata.httpStatusCode).toBe(400);
    expect(err.message.length).toBeGreaterThan(5);
    expect((await errorOf(() => get(id))).name).toBe("NotFoundException");
  });

  test("wire: type errors are 400s in the Pinpoint envelope; an unknown app is a 404", async () => {
    const path = `/v1/apps/${appId}/endpoints/wire`;
    expectPinpointError(
      await rawRequest(server, { method: "PUT", path, body: JSON.stringify({ Attributes: { a: "not-a-list" } }) }),
      400,
      "BadRequestException",
    );
    expectPinpointError(
      await rawRequest(server, { method: "PUT", path, body: JSON.stringify({ Metrics: { a: "1" } }) }),
      400,
      "BadRequestException",
    );
    expectPinpointError(
      await rawRequest(server, { method: "PUT", path: `/v1/apps/${appId}/endpoints`, body: JSON.stringify({}) }),
      400,
      "BadRequestException",
    );
    const missing = "0123456789abcdef0123456789abcdef";
    for (const [method, p, body] of [
      ["PUT", `/v1/apps/${missing}/endpoints/e`, "{}"],
      ["GET", `/v1/apps/${missing}/endpoints/e`, undefined],
      ["DELETE", `/v1/apps/${missing}/endpoints/e`, undefined],
      ["PUT", `/v1/apps/${missing}/endpoints`, JSON.stringify({ Item: [{ Id: "e" }] })],
      ["GET", `/v1/apps/${missing}/users/u`, undefined],
      ["DELETE", `/v1/apps/${missing}/users/u`, undefined],
    ] as const) {
      const res = await rawRequest(server, { method, path: p, body });
      expectPinpointError(res, 404, "NotFoundException");
      expect(res.json.Message).toContain("Application");
    }
  });

  test("DeleteEndpoint answers 202 with the deleted endpoint, case-insensitively", async () => {
    await put("To-Delete", { ChannelType: "EMAIL", Address: "d@example.com" });
    const before = await get("to-delete");
    const d = await a.send(new DeleteEndpointCommand({ ApplicationId: appId, EndpointId: "TO-DELETE" }));
    expect(d.$metadata.httpStatusCode).toBe(202);
    expect(d.EndpointResponse).toEqual(before);
    const err = await errorOf(() => a.send(new DeleteEndpointCommand({ ApplicationId: appId, EndpointId: "to-delete" })));
    expect([err.name, err.$metadata.httpStatusCode]).toEqual(["NotFoundException", 404]);
  });

  test("ids with reserved URL characters round-trip through the path", async () => {
    await put("id/with slash?x=1&y", { Attributes: { k: ["v"] } });
    expect((await get("ID/WITH SLASH?X=1&Y")).Id).toBe("id/with slash?x=1&y");
  });

  test("tenants: another account or region cannot read or write this app's endpoints", async () => {
    await put("tenant-e", { Attributes: { k: ["v"] }, User: { UserId: "tenant-u" } });
    for (const other of [pinpointClient(server, ACCOUNT_B), pinpointClient(server, ACCOUNT_A, "eu-west-1")]) {
      for (const call of [
        () => other.send(new GetEndpointCommand({ ApplicationId: appId, EndpointId: "tenant-e" })),
        () => other.send(new DeleteEndpointCommand({ ApplicationId: appId, EndpointId: "tenant-e" })),
        () => other.send(new GetUserEndpointsCommand({ ApplicationId: appId, UserId: "tenant-u" })),
        () => other.send(new DeleteUserEndpointsCommand({ ApplicationId: appId, UserId: "tenant-u" })),
        () => other.send(new UpdateEndpointsBatchCommand({ ApplicationId: appId, EndpointBatchRequest: { Item: [{ Id: "tenant-e" }] } })),
      ]) {
        expect((await errorOf(call)).name).toBe("NotFoundException");
      }
    }
    expect((await get("tenant-e")).Attributes).toEqual({ k: ["v"] });
  });

  test("concurrent writers to one user id cannot exceed the per-user quota", async () => {
    const results = await Promise.allSettled(Array.from({ length: 25 }, (_, i) => put(`conc-${i}`, { User: { UserId: "conc-user" } })));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(15);
    expect((await a.send(new GetUserEndpointsCommand({ ApplicationId: appId, UserId: "conc-user" }))).EndpointsResponse!.Item).toHaveLength(
      15,
    );
  });
});
