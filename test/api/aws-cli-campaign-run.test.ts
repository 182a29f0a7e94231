/**
 * The README's Campaigns walk-through with the real AWS CLI v2 (Debian's /usr/bin/aws), on a server
 * that runs campaigns: `update-email-channel`, endpoints with an attribute, `create-segment` on it,
 * an email template naming a recommender, `create-campaign` IMMEDIATE in the CLI's shorthand,
 * `get-campaign-activities` until the run is COMPLETED with its counts, and each segment
 * endpoint's own first item in the outbox. (aws-cli-campaigns.test.ts covers the shapes the CLI
 * prints, without runs; campaigns-e2e.test.ts covers runs through the SDK on both stores.)
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ACCOUNT_A, startTestServer, tempDir, type TestServer } from "../helpers.js";
import { pinpointCli } from "../aws-cli.js";
import { rawRequest } from "../signing.js";
import { TENANT_A, recommendationsOf, runtimeClient, trainCampaign } from "../pinpoint/messaging/send-fixtures.js";

describe("AWS CLI: a campaign run, as the README walks through it", () => {
  let server: TestServer;
  const dir = tempDir("pinrec-cli-campaign-run-");

  const { ok } = pinpointCli(() => server.url, dir.path, ACCOUNT_A);

  beforeAll(async () => {
    server = await startTestServer("sqlite", { campaignRunPollMs: 100 });
  });
  afterAll(async () => {
    await server.dispose();
    dir.remove();
  });

  test("create-campaign IMMEDIATE → get-campaign-activities COMPLETED 2/2 → each segment endpoint's own items in the outbox", {
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
    const segmentId = (
      await ok(
        "create-segment",
        "--application-id",
        appId,
        "--write-segment-request",
        "Name=weekly,Dimensions={Attributes={Newsletter={AttributeType=INCLUSIVE,Values=[weekly]}}}",
      )
    ).SegmentResponse.Id;
    const campaign = (
      await ok(
        "create-campaign",
        "--application-id",
        appId,
        "--write-campaign-request",
        `Name=weekly-picks,SegmentId=${segmentId},Schedule={StartTime=IMMEDIATE,Frequency=ONCE},TemplateConfiguration={EmailTemplate={Name=picks}}`,
      )
    ).CampaignResponse;

    let activities: { Id: string; CampaignId: string; State: string; TotalEndpointCount: number; SuccessfulEndpointCount: number }[] = [];
    for (const end = Date.now() + 90_000; Date.now() < end; ) {
      activities = (await ok("get-campaign-activities", "--application-id", appId, "--campaign-id", campaign.Id)).ActivitiesResponse.Item;
      if (activities.length > 0 && activities.every((a) => a.State === "COMPLETED")) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(activities).toHaveLength(1);
    expect(activities[0]).toMatchObject({ CampaignId: campaign.Id, State: "COMPLETED", TotalEndpointCount: 2, SuccessfulEndpointCount: 2 });
    expect((await ok("get-campaign", "--application-id", appId, "--campaign-id", campaign.Id)).CampaignResponse.State).toEqual({
      CampaignStatus: "COMPLETED",
    });

    // The outbox: one message per segment endpoint under the activity's id, each with its user's own first item.
    const runtime = runtimeClient(server);
    const outbox = await rawRequest(server, { method: "GET", path: "/_pinrec/outbox", query: { "application-id": appId } });
    const sent = outbox.json.Messages.map((m: { EndpointId: string; Subject: string; RequestId: string }) => [
      m.EndpointId,
      m.Subject,
      m.RequestId,
    ]);
    const first = async (userId: string) => (await recommendationsOf(runtime, engine.arn, userId, 3))[0];
    expect(sent.sort()).toEqual([
      ["ana-email", `Tonight: ${await first("u1")}`, activities[0].Id],
      ["bo-email", `Tonight: ${await first("u2")}`, activities[0].Id],
    ]);
  });
});
