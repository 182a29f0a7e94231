/**
 * A journey across real `pinrec serve` processes (bin/pinrec.js → dist/) on one PostgreSQL
 * database: both processes advance participants of one segment journey (email → wait → email);
 * one is SIGKILLed mid-journey; its claimed participants come back after their lease, the other
 * process finishes them, and every participant gets each activity's message exactly once (by its
 * idempotency key, journey + run + activity + endpoint).
 */
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { CreateEmailTemplateCommand, CreateJourneyCommand, GetJourneyCommand, UpdateEmailChannelCommand } from "@aws-sdk/client-pinpoint";
import { openStore } from "../src/store/open.js";
import { PG_URL, STORE_KINDS, TEST_CREDENTIALS, freshPgSchema, pinpointClient, tempDir } from "./helpers.js";
import { createApp, createRecommender, trainCampaign } from "./pinpoint/messaging/send-fixtures.js";
import { IDENTITY, TENANT_A, addEndpoints, createSegment, outbox, until } from "./pinpoint/campaigns/runner-fixtures.js";
import { pgUrlWithSchema, processSuite, spawnServer, writeCredentials } from "./server-process.js";

const cleanups = processSuite();
const LEASE_MS = 2_000;
const ENDPOINTS = 1_200;

describe.skipIf(!STORE_KINDS.includes("postgres"))("journeys across processes: postgres", () => {
  test("two servers advance one journey; one SIGKILLed mid-journey: every participant gets each message exactly once", async () => {
    const dir = tempDir("pinrec-journey-runs-");
    cleanups.push(() => dir.remove());
    const schema = await freshPgSchema();
    cleanups.push(() => schema.drop());
    const store = await openStore({ database: PG_URL, schema: schema.schema, dataDir: dir.path });
    cleanups.push(() => store.close());
    const engine = await trainCampaign(store, TENANT_A, "picks", dir.path);
    const args = ["--data-dir", dir.path, "--credentials", writeCredentials(join(dir.path, "credentials.json"), TEST_CREDENTIALS)];
    args.push("--database", pgUrlWithSchema(PG_URL, schema.schema), "--campaign-run-lease-ms", String(LEASE_MS), "--log-level", "warn");
    const a = await spawnServer(args, { startTimeoutMs: 60_000 });
    const b = await spawnServer(args, { startTimeoutMs: 60_000 });
    const client = pinpointClient(a);
    const appId = await createApp(client);
    const recommenderId = await createRecommender(client, engine.arn);
    await client.send(
      new CreateEmailTemplateCommand({
        TemplateName: "picks",
        EmailTemplateRequest: { Subject: "Hi", TextPart: "{{#each RecommendationItems}}{{this}};{{/each}}", RecommenderId: recommenderId },
      }),
    );
    await client.send(
      new UpdateEmailChannelCommand({
        ApplicationId: appId,
        EmailChannelRequest: { FromAddress: "news@example.com", Identity: IDENTITY, Enabled: true },
      }),
    );
    const w = { client, appId };
    const ids = await addEndpoints(w, ENDPOINTS);
    const segmentId = await createSegment(w, ["gold", "basic"]);
    const journey = (
      await client.send(
        new CreateJourneyCommand({
          ApplicationId: appId,
          WriteJourneyRequest: {
            Name: "two emails",
            State: "ACTIVE",
            StartCondition: { SegmentStartCondition: { SegmentId: segmentId } },
            StartActivity: "first",
            Activities: {
              first: { EMAIL: { TemplateName: "picks", NextActivity: "wait" } },
              wait: { Wait: { WaitTime: { WaitFor: "PT2S" }, NextActivity: "second" } },
              second: { EMAIL: { TemplateName: "picks" } },
            },
          },
        }),
      )
    ).JourneyResponse!;
    const sent = async () => (await outbox(store, appId)).length;
    await until(async () => (await sent()) >= 100, "the journey to be under way", 60_000);
    const killed = await a.kill("SIGKILL");
    expect(killed.signal).toBe("SIGKILL");
    expect(await sent()).toBeLessThan(2 * ENDPOINTS);

    const survivor = pinpointClient(b);
    await until(
      async () =>
        (await survivor.send(new GetJourneyCommand({ ApplicationId: appId, JourneyId: journey.Id }))).JourneyResponse!.State ===
        "COMPLETED",
      "the journey to complete on the surviving server",
      180_000,
    );
    // Longer than a lease: time for any second copy to show up.
    await new Promise((r) => setTimeout(r, LEASE_MS + 500));
    const rows = await outbox(store, appId);
    for (const activity of ["first", "second"]) {
      const of = rows.filter((r) => r.message.requestId === `${journey.Id}:${activity}`).map((r) => r.message.endpointId);
      expect(of.sort(), `each participant once at ${activity}`).toEqual(ids);
    }
    expect(rows).toHaveLength(2 * ENDPOINTS);
    expect((await b.stop()).code).toBe(0);
  }, 300_000);
});
