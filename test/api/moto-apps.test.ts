/**
 * Differential test of the four app operations against moto (`moto_server`, Python moto 5): the same
 * `@aws-sdk/client-pinpoint` calls go to both, and status codes and member names must agree except
 * where moto departs from AWS. Each departure is named in DEPARTURES below.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CreateAppCommand, DeleteAppCommand, GetAppCommand, GetAppsCommand, PinpointClient } from "@aws-sdk/client-pinpoint";
import { ACCOUNT_A, errorOf, pinpointClient, startTestServer, type TestServer } from "../helpers.js";

/** Where moto (5.2.1) differs from AWS; pinrec follows AWS (Amazon Pinpoint API Reference: Apps, App; AWS CLI examples). */
const DEPARTURES = {
  /** AWS and pinrec: ISO 8601 string with Z; moto: a Unix timestamp number. */
  creationDateType: "moto returns CreationDate as a number",
  /** AWS (CLI examples show `"tags": {}`) and pinrec return `tags`; moto's ApplicationResponse omits it. */
  tagsMember: "moto omits the tags member",
  /** moto ignores page-size and never returns NextToken ("Pagination is not yet implemented"). */
  pagination: "moto does not paginate GetApps",
  /** AWS and pinrec: {"Message","RequestID"} body; moto: {"__type","message"}. The SDK's error name and status agree. */
  errorBody: "moto's error body uses __type/message",
  /** pinrec rejects an empty Name with a 400 (AWS requires a name); moto accepts it. */
  emptyName: "moto accepts an empty Name",
} as const;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function waitUntilUp(url: string, child: ChildProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode}`);
    try {
      const r = await fetch(`${url}/moto-api/`);
      if (r.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error("moto_server did not answer in time");
}

/** Member names with their JSON types, with the named departures normalised away. */
function shape(value: unknown, from: "moto" | "pinrec"): Record<string, string> {
  const doc = value as Record<string, unknown>;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(doc)) out[k] = typeof v;
  if (from === "moto") {
    expect(typeof doc.CreationDate, DEPARTURES.creationDateType).toBe("number");
    out.CreationDate = "string";
    expect(doc.tags, DEPARTURES.tagsMember).toBeUndefined();
  } else {
    expect(doc.CreationDate).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(doc.tags).toBeTypeOf("object");
    delete out.tags;
  }
  return out;
}

describe("apps: pinrec against moto_server", () => {
  let moto: ChildProcess;
  let motoClient: PinpointClient;
  let server: TestServer;
  let ours: PinpointClient;

  beforeAll(async () => {
    const port = await freePort();
    moto = spawn("moto_server", ["-H", "127.0.0.1", "-p", String(port)], { stdio: "ignore" });
    const url = `http://127.0.0.1:${port}`;
    await waitUntilUp(url, moto);
    motoClient = new PinpointClient({
      endpoint: url,
      region: "us-east-1",
      credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
      maxAttempts: 1,
    });
    server = await startTestServer("sqlite");
    ours = pinpointClient(server, ACCOUNT_A);
  }, 60_000);
  afterAll(async () => {
    if (moto && moto.exitCode === null) {
      const exited = new Promise((r) => moto.once("exit", r));
      moto.kill("SIGTERM");
      await exited;
    }
    await server?.dispose();
  });

  test("CreateApp, GetApp, GetApps, DeleteApp: same status codes and members", async () => {
    const results: Record<string, Record<string, unknown>> = {};
    for (const [name, client] of [
      ["moto", motoClient],
      ["pinrec", ours],
    ] as const) {
      const created = await client.send(new CreateAppCommand({ CreateApplicationRequest: { Name: "diff", tags: { k: "v" } } }));
      const id = created.ApplicationResponse!.Id!;
      const got = await client.send(new GetAppCommand({ ApplicationId: id }));
      const list = await client.send(new GetAppsCommand({}));
      const deleted = await client.send(new DeleteAppCommand({ ApplicationId: id }));
      const afterGet = await errorOf(() => client.send(new GetAppCommand({ ApplicationId: id })));
      const afterDelete = await errorOf(() => client.send(new DeleteAppCommand({ ApplicationId: id })));
      results[name] = {
        statuses: [created, got, list, deleted].map((r) => r.$metadata.httpStatusCode),
        errors: [afterGet, afterDelete].map((e) => [e.name, e.$metadata.httpStatusCode]),
        created: shape(created.ApplicationResponse, name),
        got: shape(got.ApplicationResponse, name),
        listKeys: Object.keys(list.ApplicationsResponse!).sort(),
        item: shape(
          list.ApplicationsResponse!.Item!.find((a) => a.Id === id),
          name,
        ),
        deleted: shape(deleted.ApplicationResponse, name),
        id: /^[0-9a-f]{32}$/.test(id),
        arn: created.ApplicationResponse!.Arn!.replace(/:\d{12}:/, ":ACCOUNT:").replace(id, "ID"),
        sameDoc: JSON.stringify(got.ApplicationResponse) === JSON.stringify(created.ApplicationResponse),
      };
    }
    expect(results.pinrec).toEqual(results.moto);
    expect(results.pinrec.statuses).toEqual([201, 200, 200, 200]);
    expect(results.pinrec.errors).toEqual([
      ["NotFoundException", 404],
      ["NotFoundException", 404],
    ]);
    expect(results.pinrec.arn).toBe("arn:aws:mobiletargeting:us-east-1:ACCOUNT:apps/ID");
  });

  test("an unknown app is a 404 NotFoundException on both", async () => {
    for (const client of [motoClient, ours]) {
      for (const call of [
        () => client.send(new GetAppCommand({ ApplicationId: "0123456789abcdef0123456789abcdef" })),
        () => client.send(new DeleteAppCommand({ ApplicationId: "0123456789abcdef0123456789abcdef" })),
      ]) {
        const err = await errorOf(call);
        // DEPARTURES.errorBody: only the name and status are compared.
        expect([err.name, err.$metadata.httpStatusCode]).toEqual(["NotFoundException", 404]);
      }
    }
  });

  test("named departures: pagination and an empty Name", async () => {
    const ids: Record<string, string[]> = { moto: [], pinrec: [] };
    for (const [name, client] of [
      ["moto", motoClient],
      ["pinrec", ours],
    ] as const) {
      for (let i = 0; i < 3; i++)
        ids[name].push((await client.send(new CreateAppCommand({ CreateApplicationRequest: { Name: `p${i}` } }))).ApplicationResponse!.Id!);
    }
    const motoPage = (await motoClient.send(new GetAppsCommand({ PageSize: "2" }))).ApplicationsResponse!;
    const ourPage = (await ours.send(new GetAppsCommand({ PageSize: "2" }))).ApplicationsResponse!;
    expect(motoPage.NextToken, DEPARTURES.pagination).toBeUndefined();
    expect(motoPage.Item!.length, DEPARTURES.pagination).toBe(3);
    expect(ourPage.Item).toHaveLength(2);
    expect(ourPage.NextToken).toBeTypeOf("string");

    const motoEmpty = await motoClient.send(new CreateAppCommand({ CreateApplicationRequest: { Name: "" } }));
    expect(motoEmpty.$metadata.httpStatusCode, DEPARTURES.emptyName).toBe(201);
    expect((await errorOf(() => ours.send(new CreateAppCommand({ CreateApplicationRequest: { Name: "" } })))).name).toBe(
      "BadRequestException",
    );
    await motoClient.send(new DeleteAppCommand({ ApplicationId: motoEmpty.ApplicationResponse!.Id }));
    for (const id of ids.moto) await motoClient.send(new DeleteAppCommand({ ApplicationId: id }));
    for (const id of ids.pinrec) await ours.send(new DeleteAppCommand({ ApplicationId: id }));
  });
});
