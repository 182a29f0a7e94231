/**
 * Running pinrec as an operator does: the health check (ready, starting, database unreachable),
 * Prometheus metrics (counters that move, SigV4 failures by reason, `--metrics off|signed`) and
 * honest 501s for operations of the served AWS APIs that pinrec does not implement, seen through
 * the real SDK clients with their default retry policy.
 */
import { readFileSync } from "node:fs";
import net from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { CreateExportJobCommand, GetRecommenderConfigurationsCommand, PinpointClient } from "@aws-sdk/client-pinpoint";
import { PersonalizeEventsClient, PutEventsCommand } from "@aws-sdk/client-personalize-events";
import { GetActionRecommendationsCommand, PersonalizeRuntimeClient } from "@aws-sdk/client-personalize-runtime";
import { CampaignTrainer } from "../../src/personalize/campaigns/training.js";
import { CampaignRegistry } from "../../src/personalize/campaigns/registry.js";
import { synth } from "../../src/engine/index.js";
import { HealthMonitor } from "../../src/server/health.js";
import { VERSION } from "../../src/version.js";
import {
  ACCOUNT_A,
  PG_URL,
  STORE_KINDS,
  errorOf,
  freshPgSchema,
  pinpointClient,
  startTestServer,
  tempDir,
  type TestServer,
} from "../helpers.js";
import { rawRequest } from "../signing.js";

const TENANT = { accountId: ACCOUNT_A.accountId, region: "us-east-1" };

/** The value of one sample in Prometheus text format (0 when the series does not exist yet). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labelPart = line.slice(name.length).split(" ")[0];
    if (want.every((w) => labelPart.includes(w))) return Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return 0;
}

async function metrics(server: { url: string }): Promise<string> {
  const r = await fetch(`${server.url}/metrics`);
  expect(r.status).toBe(200);
  expect(r.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  return r.text();
}

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe.each(STORE_KINDS)("GET /_pinrec/health (%s)", (kind) => {
  const data = tempDir("pinrec-ops-data-");
  let server: TestServer;
  let trackingId: string;
  let items: string[];
  beforeAll(async () => {
    server = await startTestServer(kind, { campaignPollMs: 50 });
    const files = await synth({ users: 60, items: 30, interactions: 600, seed: 3, outDir: data.path });
    const campaign = await new CampaignTrainer(server.store).create({
      tenant: TENANT,
      name: "health",
      interactionsFile: files.interactionsPath,
      seed: 1,
    });
    trackingId = campaign.trackingId;
    items = [
      ...new Set(
        readFileSync(files.interactionsPath, "utf8")
          .split("\n")
          .slice(1, 40)
          .map((l) => l.split(",")[1]),
      ),
    ].filter(Boolean);
  });

  /** Waits until the server serves the campaign's first version, so each test can run alone. */
  async function served(): Promise<void> {
    for (let i = 0; i < 100; i++) {
      const text = await metrics(server);
      if (sample(text, "pinrec_campaign_model_version", { account: ACCOUNT_A.accountId, campaign: "health" }) === 1) return;
      await new Promise((res) => setTimeout(res, 50));
    }
  }
  afterAll(async () => {
    await server.dispose();
    data.remove();
  });

  test("answers 200, unsigned, with version, store, deployed campaigns and the model versions served", async () => {
    let body: any;
    // The poll loads the new campaign within a few of its 50 ms ticks.
    for (let i = 0; i < 100; i++) {
      const r = await fetch(`${server.url}/_pinrec/health`);
      expect(r.status).toBe(200);
      expect(r.headers.get("content-type")).toMatch(/^application\/json/);
      body = await r.json();
      if (body.campaigns[0]?.servingVersion === 1) break;
      await new Promise((res) => setTimeout(res, 50));
    }
    expect(body).toMatchObject({
      status: "ready",
      version: VERSION,
      store: { kind, reachable: true },
      campaigns: [
        { campaignArn: `arn:aws:personalize:us-east-1:${ACCOUNT_A.accountId}:campaign/health`, deployedVersion: 1, servingVersion: 1 },
      ],
    });
    expect(body.uptimeSeconds).toBeGreaterThanOrEqual(0);
    const head = await fetch(`${server.url}/_pinrec/health`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(typeof body.store.latencyMs).toBe("number");
  });

  test("503 'starting' until the deployed models have been looked at", async () => {
    // A registry that has not finished its first poll: the state of a server whose models are still loading.
    const registry = new CampaignRegistry(server.store, { pollMs: 60_000 });
    const monitor = new HealthMonitor(server.store, registry);
    expect((await monitor.report()).status).toBe("starting");
    await registry.poll().then(() => registry.start());
    await registry.stop();
    // start() after a completed poll schedules another; wait for its first tick to finish.
    for (let i = 0; i < 100 && !registry.ready; i++) await new Promise((r) => setTimeout(r, 20));
    expect((await monitor.report()).status).toBe("ready");
  });

  test("the metrics show the model version served and the campaign's events folded in", async () => {
    await served();
    const text = await metrics(server);
    expect(sample(text, "pinrec_campaign_model_version", { account: ACCOUNT_A.accountId, campaign: "health" })).toBe(1);
    expect(text).toContain("pinrec_campaign_model_load_seconds_bucket");
    expect(sample(text, "pinrec_store_query_duration_seconds_count", { store: kind, statement: "select" })).toBeGreaterThan(0);
    // Three events recorded by PutEvents move the folded counter by three once the poll folds them
    // in (kills the mutant that drops eventsFolded.inc: prom-client prints the counter at 0 anyway).
    const folded = sample(text, "pinrec_events_folded_total");
    const events = new PersonalizeEventsClient({
      endpoint: server.url,
      region: "us-east-1",
      credentials: { accessKeyId: ACCOUNT_A.accessKeyId, secretAccessKey: ACCOUNT_A.secretAccessKey },
    });
    await events.send(
      new PutEventsCommand({
        trackingId,
        userId: "u1",
        sessionId: "s1",
        eventList: items.slice(0, 3).map((itemId) => ({ eventType: "click", itemId, sentAt: new Date() })),
      }),
    );
    let after = folded;
    for (let i = 0; i < 100 && after < folded + 3; i++) {
      await new Promise((res) => setTimeout(res, 50));
      after = sample(await metrics(server), "pinrec_events_folded_total");
    }
    expect(after).toBe(folded + 3);
  });
});

describe.skipIf(!STORE_KINDS.includes("postgres"))("health when PostgreSQL becomes unreachable", () => {
  test("503 'unavailable' with the database error, 200 again once it is back", async () => {
    // A TCP relay in front of PostgreSQL that the test can cut, as a network partition would.
    const sockets = new Set<net.Socket>();
    let open = true;
    const pgPort = Number(new URL(PG_URL).port || 5432);
    const relay = net.createServer((client) => {
      if (!open) return void client.destroy();
      const upstream = net.connect(pgPort, "127.0.0.1");
      sockets.add(client).add(upstream);
      client.pipe(upstream).pipe(client);
      const drop = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on("error", drop).on("close", drop);
      upstream.on("error", drop).on("close", drop);
    });
    await new Promise<void>((r) => relay.listen(0, "127.0.0.1", r));
    cleanups.push(() => new Promise((r) => relay.close(r)));
    const url = new URL(PG_URL);
    url.host = `127.0.0.1:${(relay.address() as net.AddressInfo).port}`;
    const schema = await freshPgSchema();
    cleanups.push(() => schema.drop());
    const server = await startTestServer("sqlite", { database: url.toString(), databaseSchema: schema.schema, campaignPollMs: 0 });
    cleanups.push(() => server.dispose().catch(() => {}));

    expect((await fetch(`${server.url}/_pinrec/health`)).status).toBe(200);
    open = false;
    for (const s of sockets) s.destroy();
    const r = await fetch(`${server.url}/_pinrec/health`);
    expect(r.status).toBe(503);
    expect(r.headers.get("retry-after")).toBe("1");
    const body: any = await r.json();
    expect(body).toMatchObject({ status: "unavailable", store: { kind: "postgres", reachable: false } });
    expect(body.store.error).toEqual(expect.any(String));

    open = true;
    expect((await fetch(`${server.url}/_pinrec/health`)).status).toBe(200);
  });
});

describe("GET /metrics", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer("sqlite");
  });
  afterAll(async () => {
    await server.dispose();
  });

  test("request counters and latency histograms move with SDK calls", async () => {
    const labels = { service: "pinpoint", operation: "GetRecommenderConfigurations", status: "200" };
    const before = await metrics(server);
    const client = pinpointClient(server);
    for (let i = 0; i < 3; i++) await client.send(new GetRecommenderConfigurationsCommand({}));
    const after = await metrics(server);
    expect(sample(after, "pinrec_requests_total", labels) - sample(before, "pinrec_requests_total", labels)).toBe(3);
    const hist = { service: "pinpoint", operation: "GetRecommenderConfigurations" };
    expect(
      sample(after, "pinrec_request_duration_seconds_count", hist) - sample(before, "pinrec_request_duration_seconds_count", hist),
    ).toBe(3);
    expect(after).toMatch(/^pinrec_build_info\{version="[^"]+",node="v\d+/m);
    expect(after).toContain("process_cpu_seconds_total");
    // Instruments for the send pipeline are declared even before anything is sent.
    expect(after).toContain("# TYPE pinrec_messages_total counter");
    expect(after).toContain("# TYPE pinrec_message_delivery_seconds histogram");
  });

  test("SigV4 failures are counted by reason", async () => {
    const count = async (reason: string) => sample(await metrics(server), "pinrec_sigv4_failures_total", { reason });
    const before = {
      missing: await count("missing_authorization"),
      key: await count("unknown_access_key"),
      skew: await count("clock_skew"),
      mismatch: await count("signature_mismatch"),
    };
    await rawRequest(server, { method: "GET", path: "/v1/recommenders", credential: false });
    await rawRequest(server, {
      method: "GET",
      path: "/v1/recommenders",
      credential: { ...ACCOUNT_A, accessKeyId: "AKIANOSUCHKEY0000000" },
    });
    await rawRequest(server, { method: "GET", path: "/v1/recommenders", signingDate: new Date(Date.now() - 3_600_000) });
    await rawRequest(server, {
      method: "GET",
      path: "/v1/recommenders",
      credential: { ...ACCOUNT_A, secretAccessKey: "not-the-secret-0123456789" },
    });
    expect(await count("missing_authorization")).toBe(before.missing + 1);
    expect(await count("unknown_access_key")).toBe(before.key + 1);
    expect(await count("clock_skew")).toBe(before.skew + 1);
    expect(await count("signature_mismatch")).toBe(before.mismatch + 1);
  });

  test("--metrics off serves no /metrics; --metrics signed wants a SigV4 signature scoped to 'pinrec'", async () => {
    const off = await startTestServer("sqlite", { metrics: "off" });
    cleanups.push(() => off.dispose());
    expect((await fetch(`${off.url}/metrics`)).status).toBe(404);
    expect((await fetch(`${off.url}/_pinrec/health`)).status).toBe(200);

    const signed = await startTestServer("sqlite", { metrics: "signed" });
    cleanups.push(() => signed.dispose());
    const unsigned = await fetch(`${signed.url}/metrics`);
    expect(unsigned.status).toBe(403);
    expect(unsigned.headers.get("x-amzn-errortype")).toBe("MissingAuthenticationTokenException");
    const wrongService = await rawRequest(signed, { method: "GET", path: "/metrics", service: "mobiletargeting" });
    expect(wrongService.status).toBe(403);
    const ok = await rawRequest(signed, { method: "GET", path: "/metrics", service: "pinrec" });
    expect(ok.status).toBe(200);
    expect(ok.text).toContain("pinrec_requests_total");
  });
});

describe("AWS_ENDPOINT_URL, as the README sets it up", () => {
  test("a client built with no endpoint reaches pinrec through AWS_ENDPOINT_URL", async () => {
    const server = await startTestServer("sqlite", { campaignPollMs: 0 });
    cleanups.push(() => server.dispose());
    const saved = process.env.AWS_ENDPOINT_URL;
    process.env.AWS_ENDPOINT_URL = server.url;
    cleanups.push(() => (saved === undefined ? delete process.env.AWS_ENDPOINT_URL : (process.env.AWS_ENDPOINT_URL = saved)));
    const client = new PinpointClient({
      region: "us-east-1",
      credentials: { accessKeyId: ACCOUNT_A.accessKeyId, secretAccessKey: ACCOUNT_A.secretAccessKey },
      maxAttempts: 1,
    });
    const r = await client.send(new GetRecommenderConfigurationsCommand({}));
    expect(r.$metadata.httpStatusCode).toBe(200);
    expect(r.ListRecommenderConfigurationsResponse?.Item).toEqual([]);
  });
});

describe("operations pinrec does not implement", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer("sqlite");
  });
  afterAll(async () => {
    await server.dispose();
  });

  test("Pinpoint CreateExportJob: 501 NotImplementedException naming operation and service, not retried by the SDK", async () => {
    const labels = { service: "pinpoint", operation: "CreateExportJob", status: "501" };
    const before = sample(await metrics(server), "pinrec_requests_total", labels);
    // The SDK's default retry policy (3 attempts): a 501 must not be retried.
    const client = new PinpointClient({
      endpoint: server.url,
      region: "us-east-1",
      credentials: { accessKeyId: ACCOUNT_A.accessKeyId, secretAccessKey: ACCOUNT_A.secretAccessKey },
    });
    const err = await errorOf(() =>
      client.send(
        new CreateExportJobCommand({
          ApplicationId: "a".repeat(32),
          ExportJobRequest: { RoleArn: "arn:aws:iam::111122223333:role/export", S3UrlPrefix: "s3://bucket/prefix" },
        }),
      ),
    );
    expect(err.name).toBe("NotImplementedException");
    expect(err.$metadata.httpStatusCode).toBe(501);
    expect(err.message).toContain("CreateExportJob");
    expect(err.message).toContain("Amazon Pinpoint");
    expect(sample(await metrics(server), "pinrec_requests_total", labels) - before).toBe(1);
  });

  test("Personalize Runtime GetActionRecommendations: 501 in Personalize's error shape", async () => {
    const runtime = new PersonalizeRuntimeClient({ endpoint: server.url, region: "us-east-1", credentials: ACCOUNT_A, maxAttempts: 1 });
    const err = await errorOf(() =>
      runtime.send(
        new GetActionRecommendationsCommand({ campaignArn: "arn:aws:personalize:us-east-1:111122223333:campaign/x", userId: "u" }),
      ),
    );
    expect(err.name).toBe("NotImplementedException");
    expect(err.$metadata.httpStatusCode).toBe(501);
    expect(err.message).toContain("GetActionRecommendations of Amazon Personalize Runtime");
  });

  test("the signature is still checked first; unknown paths stay 404", async () => {
    const unsigned = await rawRequest(server, {
      method: "POST",
      path: `/v1/apps/${"a".repeat(32)}/jobs/export`,
      body: "{}",
      credential: false,
    });
    expect(unsigned.status).toBe(403);
    const unknown = await rawRequest(server, { method: "GET", path: "/v1/no-such-thing" });
    expect(unknown.status).toBe(404);
    expect(unknown.headers["x-amzn-errortype"]).toBe("NotFoundException");
  });

  test("a JSON-protocol API (X-Amz-Target) pinrec does not serve, or an operation it does not implement, gets a 501 naming it", async () => {
    const r = await rawRequest(server, {
      method: "POST",
      path: "/",
      body: "{}",
      service: "personalize",
      headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": "AmazonForecast.ListDatasets" },
    });
    expect(r.status).toBe(501);
    expect(r.headers["x-amzn-errortype"]).toBe("NotImplementedException");
    expect(r.json).toEqual({
      __type: "NotImplementedException",
      message: expect.stringContaining("ListDatasets of the AmazonForecast API"),
    });
    // The Personalize control plane is served; its operations pinrec does not implement answer 501 too.
    const recommender = await rawRequest(server, {
      method: "POST",
      path: "/",
      body: "{}",
      service: "personalize",
      headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": "AmazonPersonalize.CreateRecommender" },
    });
    expect(recommender.status).toBe(501);
    expect(recommender.json).toEqual({
      __type: "NotImplementedException",
      message: expect.stringContaining("CreateRecommender of Amazon Personalize (personalize)"),
    });
    // The header alone does not change how a Pinpoint route answers.
    const pinpoint = await rawRequest(server, {
      method: "GET",
      path: "/v1/recommenders",
      credential: false,
      headers: { "x-amz-target": "application/json" },
    });
    expect(pinpoint.status).toBe(403);
    expect(Object.keys(pinpoint.json).sort()).toEqual(["Message", "RequestID"]);
  });
});
