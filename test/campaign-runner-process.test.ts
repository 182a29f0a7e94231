/**
 * Campaign runs across real `pinrec serve` processes (bin/pinrec.js → dist/) on one PostgreSQL
 * database: both processes take batches of one run; one is SIGKILLed mid-run; its batches come
 * back after their lease, the other process finishes them, and every segment endpoint gets the
 * activity's message exactly once (by its idempotency key, activity id + endpoint id).
 */
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { CreateEmailTemplateCommand, UpdateEmailChannelCommand } from "@aws-sdk/client-pinpoint";
import { openStore } from "../src/store/open.js";
import { PostgresDb } from "../src/store/postgres.js";
import { PG_URL, STORE_KINDS, TEST_CREDENTIALS, freshPgSchema, pinpointClient, tempDir } from "./helpers.js";
import { createApp, createRecommender, trainCampaign } from "./pinpoint/messaging/send-fixtures.js";
import {
  IDENTITY,
  TENANT_A,
  activitiesOf,
  addEndpoints,
  createSegment,
  insertCampaign,
  outbox,
  until,
  writeFunctions,
} from "./pinpoint/campaigns/runner-fixtures.js";
import { pgUrlWithSchema, processSuite, spawnServer, writeCredentials } from "./server-process.js";

const cleanups = processSuite();
const LEASE_MS = 2_000;
const ENDPOINTS = 1_200;

describe.skipIf(!STORE_KINDS.includes("postgres"))("campaign runs across processes: postgres", () => {
  test("two servers share a run; one SIGKILLed mid-run: every endpoint messaged exactly once", async () => {
    const dir = tempDir("pinrec-runs-");
    cleanups.push(() => dir.remove());
    const schema = await freshPgSchema();
    cleanups.push(() => schema.drop());
    const functionsDir = join(dir.path, "functions");
    writeFunctions(functionsDir);
    const store = await openStore({ database: PG_URL, schema: schema.schema, dataDir: dir.path });
    cleanups.push(() => store.close());
    const db = new PostgresDb(PG_URL, { schema: schema.schema, max: 2 });
    cleanups.push(() => db.close());
    const engine = await trainCampaign(store, TENANT_A, "picks", dir.path);

    const args = ["--data-dir", dir.path, "--credentials", writeCredentials(join(dir.path, "credentials.json"), TEST_CREDENTIALS)];
    args.push(
      "--database",
      pgUrlWithSchema(PG_URL, schema.schema),
      "--functions-dir",
      functionsDir,
      "--campaign-run-lease-ms",
      String(LEASE_MS),
      "--log-level",
      "warn",
    );
    const a = await spawnServer(args, { startTimeoutMs: 60_000 });
    const b = await spawnServer(args, { startTimeoutMs: 60_000 });
    const client = pinpointClient(a);
    const appId = await createApp(client);
    const recommenderId = await createRecommender(client, engine.arn, {
      RecommendationTransformerUri: "add-titles",
      Attributes: { "Recommendations.Title": "Title" },
    });
    await client.send(
      new CreateEmailTemplateCommand({
        TemplateName: "picks",
        EmailTemplateRequest: {
          Subject: "Hi",
          TextPart: "{{#each RecommendationItems}}{{this}};{{/each}}|{{Recommendations.Title.[0]}}",
          RecommenderId: recommenderId,
        },
      }),
    );
    await client.send(
      new UpdateEmailChannelCommand({
        ApplicationId: appId,
        EmailChannelRequest: { FromAddress: "news@example.com", Identity: IDENTITY, Enabled: true },
      }),
    );
    const w = { client, appId, db };
    const ids = await addEndpoints(w, ENDPOINTS);
    const segmentId = await createSegment(w, ["gold", "basic"]);

    // 200 messages a second across both processes: the run takes about 6 s, long enough to kill one mid-run.
    const campaign = await insertCampaign(w, segmentId, Date.now(), { Limits: { MessagesPerSecond: 200 } });
    const sent = async () => (await outbox(store, appId)).length;
    await until(async () => (await sent()) >= 250, "the run to be under way", 60_000);
    const killed = await a.kill("SIGKILL");
    expect(killed.signal).toBe("SIGKILL");
    const atKill = await sent();
    expect(atKill).toBeLessThan(ENDPOINTS);

    await until(
      async () => (await activitiesOf(w, campaign.Id!)).every((x) => x.doc.State === "COMPLETED"),
      "the run to complete on the surviving server",
      120_000,
    );
    // Longer than a lease: time for any second copy to show up.
    await new Promise((r) => setTimeout(r, LEASE_MS + 500));
    const [activity] = await activitiesOf(w, campaign.Id!);
    const rows = (await outbox(store, appId)).filter((r) => r.message.requestId === activity.id);
    expect(rows.map((r) => r.message.endpointId).sort()).toEqual(ids);
    expect(activity.doc).toMatchObject({
      State: "COMPLETED",
      Result: "SUCCESS",
      TotalEndpointCount: ENDPOINTS,
      SuccessfulEndpointCount: ENDPOINTS,
    });
    // Both processes worked on the run: the batches were claimed more than once in all, or by each.
    const claims = await db.all<{ attempts: number | string }>("SELECT attempts FROM campaign_batches");
    expect(claims.length).toBeGreaterThanOrEqual(ENDPOINTS / 250);
    expect(
      claims.some((c) => Number(c.attempts) > 1),
      "a batch of the killed process was taken over",
    ).toBe(true);
    expect((await b.stop()).code).toBe(0);
  }, 240_000);
});
