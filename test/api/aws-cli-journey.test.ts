/**
 * The README's journey step with the real AWS CLI v2 (Debian's /usr/bin/aws): `create-journey` with
 * `file://journey.json` (an email naming a recommender template, a day's wait, a second email),
 * `get-journey` until CLOSED (entered once, participants waiting), and the wait's
 * `get-journey-execution-activity-metrics`; each segment endpoint's own items in its first email.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ACCOUNT_A, startTestServer, tempDir, type TestServer } from "../helpers.js";
import { pinpointCli } from "../aws-cli.js";
import { rawRequest } from "../signing.js";
import { TENANT_A, recommendationsOf, runtimeClient, trainCampaign } from "../pinpoint/messaging/send-fixtures.js";

describe("AWS CLI: a journey, as the README walks through it", () => {
  let server: TestServer;
  const dir = tempDir("pinrec-cli-journey-");
  const { ok, aws } = pinpointCli(() => server.url, dir.path, ACCOUNT_A);

  beforeAll(async () => {
    server = await startTestServer("sqlite", { campaignRunPollMs: 100 });
  });
  afterAll(async () => {
    await server.dispose();
    dir.remove();
  });

  test("create-journey file://journey.json → CLOSED → WAIT 2, and each participant's own items in its first email", {
    timeout: 240_000,
  }, async () => {
    const engine = await trainCampaign(server.store, TENANT_A, "movies", dir.path);
    const appId = (await ok("create-app", "--create-application-request", "Name=shop")).ApplicationResponse.Id;
    const recommenderId = (
      await ok(
        "create-recommender-configuration",
        "--create-recommender-configuration",
        JSON.stringify({
          Name: "movie-picks",
          RecommendationProviderUri: engine.arn,
          RecommendationProviderRoleArn: `arn:aws:iam::${ACCOUNT_A.accountId}:role/pinrec`,
          RecommendationProviderIdType: "PINPOINT_USER_ID",
          RecommendationsPerMessage: 3,
          RecommendationsDisplayName: "Picks",
        }),
      )
    ).RecommenderConfigurationResponse.Id;
    await ok(
      "create-email-template",
      "--template-name",
      "picks",
      "--email-template-request",
      JSON.stringify({ RecommenderId: recommenderId, Subject: "Tonight: {{RecommendationItems.[0]}}", TextPart: "Hi" }),
    );
    await ok(
      "update-email-channel",
      "--application-id",
      appId,
      "--email-channel-request",
      `FromAddress=shop@example.com,Identity=arn:aws:ses:us-east-1:${ACCOUNT_A.accountId}:identity/example.com,Enabled=true`,
    );
    const endpoints = [
      { Id: "ana-email", ChannelType: "EMAIL", Address: "ana@example.com", Attributes: { Newsletter: ["weekly"] }, User: { UserId: "u1" } },
      { Id: "bo-email", ChannelType: "EMAIL", Address: "bo@example.com", Attributes: { Newsletter: ["weekly"] }, User: { UserId: "u2" } },
      { Id: "cy-email", ChannelType: "EMAIL", Address: "cy@example.com", Attributes: { Newsletter: ["never"] }, User: { UserId: "u3" } },
    ];
    await ok("update-endpoints-batch", "--application-id", appId, "--endpoint-batch-request", JSON.stringify({ Item: endpoints }));
    const seg = (
      await ok(
        "create-segment",
        "--application-id",
        appId,
        "--write-segment-request",
        "Name=weekly,Dimensions={Attributes={Newsletter={AttributeType=INCLUSIVE,Values=[weekly]}}}",
      )
    ).SegmentResponse.Id;
    // journey.json exactly as the README writes it.
    writeFileSync(
      join(dir.path, "journey.json"),
      `{ "Name": "welcome", "State": "ACTIVE",
  "StartCondition": { "SegmentStartCondition": { "SegmentId": "${seg}" } },
  "StartActivity": "picks",
  "Activities": {
    "picks": { "EMAIL": { "TemplateName": "picks", "NextActivity": "wait" } },
    "wait": { "Wait": { "WaitTime": { "WaitFor": "P1D" }, "NextActivity": "again" } },
    "again": { "EMAIL": { "TemplateName": "picks" } } } }
`,
    );
    const journey = (await ok("create-journey", "--application-id", appId, "--write-journey-request", "file://journey.json"))
      .JourneyResponse;
    expect(journey).toMatchObject({ Name: "welcome", State: "ACTIVE", StartActivity: "picks" });
    let state = "";
    for (const end = Date.now() + 90_000; Date.now() < end && state !== "CLOSED"; ) {
      state = (await ok("get-journey", "--application-id", appId, "--journey-id", journey.Id)).JourneyResponse.State;
      if (state !== "CLOSED") await new Promise((r) => setTimeout(r, 250));
    }
    expect(state).toBe("CLOSED");
    const metrics = (
      await ok(
        "get-journey-execution-activity-metrics",
        "--application-id",
        appId,
        "--journey-id",
        journey.Id,
        "--journey-activity-id",
        "wait",
      )
    ).JourneyExecutionActivityMetricsResponse;
    expect(metrics).toMatchObject({ ActivityType: "WAIT", JourneyActivityId: "wait", Metrics: { WAIT: "2" } });
    // A published journey's activities cannot change.
    const refused = await aws(
      "update-journey",
      "--application-id",
      appId,
      "--journey-id",
      journey.Id,
      "--write-journey-request",
      "Name=renamed",
    );
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("(BadRequestException) when calling the UpdateJourney operation");

    const runtime = runtimeClient(server);
    const outbox = await rawRequest(server, { method: "GET", path: "/_pinrec/outbox", query: { "application-id": appId } });
    const sent = outbox.json.Messages.map((m: { EndpointId: string; Subject: string }) => [m.EndpointId, m.Subject]);
    const first = async (userId: string) => (await recommendationsOf(runtime, engine.arn, userId, 3))[0];
    expect(sent.sort()).toEqual([
      ["ana-email", `Tonight: ${await first("u1")}`],
      ["bo-email", `Tonight: ${await first("u2")}`],
    ]);
  });
});
