/** Every app operation and documented error, through the real AWS SDK, on both stores. */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  CreateAppCommand,
  DeleteAppCommand,
  GetAppCommand,
  GetAppsCommand,
  GetEndpointCommand,
  UpdateEndpointCommand,
  type PinpointClient,
} from "@aws-sdk/client-pinpoint";
import { ACCOUNT_A, ACCOUNT_B, STORE_KINDS, errorOf, pinpointClient, startTestServer, type TestServer } from "../helpers.js";
import { expectPinpointError, rawRequest } from "../signing.js";

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

async function listAll(client: PinpointClient, pageSize?: string) {
  const items = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const r = await client.send(new GetAppsCommand({ PageSize: pageSize, Token: token }));
    items.push(...r.ApplicationsResponse!.Item!);
    token = r.ApplicationsResponse!.NextToken;
    pages++;
  } while (token);
  return { items, pages };
}

describe.each(STORE_KINDS)("apps on %s", (kind) => {
  let server: TestServer;
  let a: PinpointClient;
  beforeAll(async () => {
    server = await startTestServer(kind, { appQuota: 10 });
    a = pinpointClient(server);
  });
  afterAll(async () => {
    await server.dispose();
  });

  test("create answers 201 with Id, Arn, Name, tags and an ISO CreationDate", async () => {
    const r = await a.send(new CreateAppCommand({ CreateApplicationRequest: { Name: "ExampleCorp" } }));
    expect(r.$metadata.httpStatusCode).toBe(201);
    const app = r.ApplicationResponse!;
    expect(app.Id).toMatch(/^[0-9a-f]{32}$/);
    expect(app.Arn).toBe(`arn:aws:mobiletargeting:us-east-1:${ACCOUNT_A.accountId}:apps/${app.Id}`);
    expect(app.Name).toBe("ExampleCorp");
    expect(app.tags).toEqual({});
    expect(app.CreationDate).toMatch(ISO);
    const got = await a.send(new GetAppCommand({ ApplicationId: app.Id }));
    expect(got.$metadata.httpStatusCode).toBe(200);
    expect(got.ApplicationResponse).toEqual(app);
    const d = await a.send(new DeleteAppCommand({ ApplicationId: app.Id }));
    expect(d.$metadata.httpStatusCode).toBe(200);
    expect(d.ApplicationResponse).toEqual(app);
    for (const call of [
      () => a.send(new GetAppCommand({ ApplicationId: app.Id })),
      () => a.send(new DeleteAppCommand({ ApplicationId: app.Id })),
    ]) {
      const err = await errorOf(call);
      expect([err.name, err.$metadata.httpStatusCode]).toEqual(["NotFoundException", 404]);
    }
  });

  test("tags are kept; bad tags and a missing or empty Name are 400s", async () => {
    const r = await a.send(new CreateAppCommand({ CreateApplicationRequest: { Name: "Tagged", tags: { Stack: "Test", Year: "2019" } } }));
    expect(r.ApplicationResponse!.tags).toEqual({ Stack: "Test", Year: "2019" });
    await a.send(new DeleteAppCommand({ ApplicationId: r.ApplicationResponse!.Id }));
    const bad = [
      {},
      { Name: "" },
      { Name: "   " },
      { Name: "x", tags: { "aws:reserved": "v" } },
      { Name: "x", tags: { ["k".repeat(129)]: "v" } },
      { Name: "x", tags: { k: "v".repeat(257) } },
      { Name: "x", tags: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, "v"])) },
    ];
    for (const body of bad) {
      const err = await errorOf(() => a.send(new CreateAppCommand({ CreateApplicationRequest: body as never })));
      expect([JSON.stringify(body).slice(0, 40), err.name]).toEqual([JSON.stringify(body).slice(0, 40), "BadRequestException"]);
    }
    expect((await listAll(a)).items).toEqual([]);
  });

  test("wire format: bare body, Pinpoint error envelope on 404 and 400", async () => {
    const created = await rawRequest(server, { method: "POST", path: "/v1/apps", body: JSON.stringify({ Name: "wire" }) });
    expect(created.status).toBe(201);
    expect(Object.keys(created.json).sort()).toEqual(["Arn", "CreationDate", "Id", "Name", "tags"]);
    expectPinpointError(
      await rawRequest(server, { method: "GET", path: "/v1/apps/0123456789abcdef0123456789abcdef" }),
      404,
      "NotFoundException",
    );
    expectPinpointError(await rawRequest(server, { method: "POST", path: "/v1/apps", body: "{nope" }), 400, "BadRequestException");
    expectPinpointError(
      await rawRequest(server, { method: "POST", path: "/v1/apps", body: JSON.stringify({ Name: 5 }) }),
      400,
      "BadRequestException",
    );
    expectPinpointError(await rawRequest(server, { method: "PUT", path: "/v1/apps" }), 405, "MethodNotAllowedException");
    await a.send(new DeleteAppCommand({ ApplicationId: created.json.Id }));
  });

  test("pagination walks every app once in creation order; bad page-size and tokens are 400s", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 7; i++)
      ids.push((await a.send(new CreateAppCommand({ CreateApplicationRequest: { Name: `p${i}` } }))).ApplicationResponse!.Id!);
    const { items, pages } = await listAll(a, "3");
    expect(items.map((i) => i.Id)).toEqual(ids);
    expect(pages).toBe(3);
    const all = await a.send(new GetAppsCommand({}));
    expect(all.ApplicationsResponse!.Item).toHaveLength(7);
    expect(all.ApplicationsResponse!.NextToken).toBeUndefined();
    for (const bad of ["0", "-1", "abc", ""]) {
      expect((await errorOf(() => a.send(new GetAppsCommand({ PageSize: bad })))).name).toBe("BadRequestException");
    }
    // A recommenders token is not an apps token.
    for (const bad of ["garbage", "eyJ2IjoxLCJsIjoicmVjb21tZW5kZXJzIiwiYSI6MX0"]) {
      expect((await errorOf(() => a.send(new GetAppsCommand({ Token: bad })))).name).toBe("BadRequestException");
    }
    for (const id of ids) await a.send(new DeleteAppCommand({ ApplicationId: id }));
  });

  test("tenants: another account or region sees nothing and cannot delete", async () => {
    const app = (await a.send(new CreateAppCommand({ CreateApplicationRequest: { Name: "mine" } }))).ApplicationResponse!;
    for (const other of [pinpointClient(server, ACCOUNT_B), pinpointClient(server, ACCOUNT_A, "eu-west-1")]) {
      expect((await other.send(new GetAppsCommand({}))).ApplicationsResponse!.Item).toEqual([]);
      expect((await errorOf(() => other.send(new GetAppCommand({ ApplicationId: app.Id })))).name).toBe("NotFoundException");
      expect((await errorOf(() => other.send(new DeleteAppCommand({ ApplicationId: app.Id })))).name).toBe("NotFoundException");
      expect(
        (await errorOf(() => other.send(new UpdateEndpointCommand({ ApplicationId: app.Id, EndpointId: "e", EndpointRequest: {} })))).name,
      ).toBe("NotFoundException");
    }
    const eu = (
      await pinpointClient(server, ACCOUNT_A, "eu-west-1").send(new CreateAppCommand({ CreateApplicationRequest: { Name: "eu" } }))
    ).ApplicationResponse!;
    expect(eu.Arn).toBe(`arn:aws:mobiletargeting:eu-west-1:${ACCOUNT_A.accountId}:apps/${eu.Id}`);
    await pinpointClient(server, ACCOUNT_A, "eu-west-1").send(new DeleteAppCommand({ ApplicationId: eu.Id }));
    expect((await a.send(new GetAppCommand({ ApplicationId: app.Id }))).ApplicationResponse).toEqual(app);
    await a.send(new DeleteAppCommand({ ApplicationId: app.Id }));
  });

  test("deleting an app deletes its endpoints; a new app with endpoints of the same id starts empty", async () => {
    const app = (await a.send(new CreateAppCommand({ CreateApplicationRequest: { Name: "cascade" } }))).ApplicationResponse!;
    await a.send(
      new UpdateEndpointCommand({
        ApplicationId: app.Id,
        EndpointId: "e1",
        EndpointRequest: { ChannelType: "EMAIL", Address: "a@example.com" },
      }),
    );
    await a.send(new DeleteAppCommand({ ApplicationId: app.Id }));
    expect((await errorOf(() => a.send(new GetEndpointCommand({ ApplicationId: app.Id, EndpointId: "e1" })))).name).toBe(
      "NotFoundException",
    );
    // GetEndpoint reads the endpoint row directly, so the 404 above already proves the row is gone.
    expect(await server.store.endpoints.get({ accountId: ACCOUNT_A.accountId, region: "us-east-1" }, app.Id!, "e1")).toBeUndefined();
  });

  test("the per-tenant quota holds under concurrency with a BadRequestException", async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 14 }, (_, i) => a.send(new CreateAppCommand({ CreateApplicationRequest: { Name: `q${i}` } }))),
    );
    const ok = results.filter((r) => r.status === "fulfilled") as PromiseFulfilledResult<{ ApplicationResponse?: { Id?: string } }>[];
    expect(ok).toHaveLength(10);
    const rejected = results.filter((r) => r.status === "rejected") as PromiseRejectedResult[];
    expect(rejected.map((r) => r.reason.name)).toEqual(Array(4).fill("BadRequestException"));
    expect(rejected[0].reason.message).toMatch(/quota/);
    const b = pinpointClient(server, ACCOUNT_B);
    const other = await b.send(new CreateAppCommand({ CreateApplicationRequest: { Name: "b" } }));
    await b.send(new DeleteAppCommand({ ApplicationId: other.ApplicationResponse!.Id }));
    for (const r of ok) await a.send(new DeleteAppCommand({ ApplicationId: r.value.ApplicationResponse!.Id }));
  });
});
