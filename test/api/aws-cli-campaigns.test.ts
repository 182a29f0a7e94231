/**
 * Campaigns as a new user would define them with the real AWS CLI v2 (Debian's /usr/bin/aws), the
 * README's walk-through: `update-email-channel`, endpoints with an attribute, `create-segment` on
 * it, `create-campaign` in the CLI's shorthand with an IMMEDIATE schedule and an email template,
 * `get-campaign-activities` until the run is COMPLETED with its counts, the messages in the
 * outbox; then `get-campaign`, `update-campaign`, `get-campaign-versions` and a refused schedule.
 * (Every other case is covered through the SDK; each CLI call costs seconds.)
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ACCOUNT_A, startTestServer, tempDir, type TestServer } from "../helpers.js";
import { rawRequest } from "../signing.js";
import { AWS, awsEnv, run, type Result } from "../aws-cli.js";

describe("AWS CLI: campaigns", () => {
  let server: TestServer;
  const dir = tempDir("pinrec-cli-campaigns-");

  const aws = (...args: string[]): Promise<Result> =>
    run(AWS, ["pinpoint", ...args, "--endpoint-url", server.url, "--output", "json"], awsEnv(dir.path, ACCOUNT_A), dir.path, 60_000);
  async function ok(...args: string[]): Promise<any> {
    const r = await aws(...args);
    if (r.code !== 0) throw new Error(`aws pinpoint ${args.join(" ")} failed (${r.code}): ${r.stderr}`);
    return r.stdout.trim() === "" ? undefined : JSON.parse(r.stdout);
  }

  beforeAll(async () => {
    server = await startTestServer("sqlite");
  });
  afterAll(async () => {
    await server.dispose();
    dir.remove();
  });

  test("create-campaign, get-campaign, update-campaign and the lists answer as AWS would", { timeout: 240_000 }, async () => {
    const appId = (await ok("create-app", "--create-application-request", "Name=Campaigns")).ApplicationResponse.Id;
    await ok("update-email-channel", "--application-id", appId, "--email-channel-request", `FromAddress=news@example.com,Identity=arn:aws:ses:us-east-1:${ACCOUNT_A.accountId}:identity/example.com,Enabled=true`);
    const endpoints = [
      { Id: "ana-email", ChannelType: "EMAIL", Address: "ana@example.com", Attributes: { Interests: ["books"] }, User: { UserId: "u1" } },
      { Id: "bo-email", ChannelType: "EMAIL", Address: "bo@example.com", Attributes: { Interests: ["books", "films"] }, User: { UserId: "u2" } },
      { Id: "cy-email", ChannelType: "EMAIL", Address: "cy@example.com", Attributes: { Interests: ["films"] }, User: { UserId: "u3" } },
    ];
    await ok("update-endpoints-batch", "--application-id", appId, "--endpoint-batch-request", JSON.stringify({ Item: endpoints }));
    const segmentId = (await ok("create-segment", "--application-id", appId, "--write-segment-request", "Name=Readers,Dimensions={Attributes={Interests={Values=[books]}}}")).SegmentResponse.Id;
    await ok("create-email-template", "--template-name", "picks", "--email-template-request", JSON.stringify({ Subject: "Your picks", TextPart: "Hello {{User.UserId}}" }));

    const created = (
      await ok(
        "create-campaign",
        "--application-id",
        appId,
        "--write-campaign-request",
        `Name=Newsletter,SegmentId=${segmentId},Schedule={StartTime=IMMEDIATE,IsLocalTime=false,Timezone=utc},TemplateConfiguration={EmailTemplate={Name=picks}},tags={Team=Growth}`,
      )
    ).CampaignResponse;
    expect(created).toMatchObject({
      ApplicationId: appId,
      Arn: `arn:aws:mobiletargeting:us-east-1:${ACCOUNT_A.accountId}:apps/${appId}/campaigns/${created.Id}`,
      Name: "Newsletter",
      SegmentId: segmentId,
      SegmentVersion: 1,
      Schedule: { StartTime: "IMMEDIATE", IsLocalTime: false, Timezone: "utc" },
      State: { CampaignStatus: "SCHEDULED" },
      TemplateConfiguration: { EmailTemplate: { Name: "picks" } },
      AdditionalTreatments: [],
      HoldoutPercent: 0,
      IsPaused: false,
      tags: { Team: "Growth" },
      Version: 1,
    });

    // The run starts at once: poll as the README does until the activity is COMPLETED.
    let activities: { Id: string; State: string; TotalEndpointCount: number; SuccessfulEndpointCount: number; CampaignId: string }[] = [];
    for (const end = Date.now() + 90_000; Date.now() < end; ) {
      activities = (await ok("get-campaign-activities", "--application-id", appId, "--campaign-id", created.Id)).ActivitiesResponse.Item;
      if (activities.length > 0 && activities.every((a) => a.State === "COMPLETED")) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(activities).toHaveLength(1);
    expect(activities[0]).toMatchObject({ CampaignId: created.Id, State: "COMPLETED", TotalEndpointCount: 2, SuccessfulEndpointCount: 2 });
    const outbox = await rawRequest(server, { method: "GET", path: "/_pinrec/outbox", query: { "application-id": appId } });
    const sent = outbox.json.Messages.map((m: { EndpointId: string; Subject: string; RequestId: string }) => [m.EndpointId, m.Subject, m.RequestId]);
    expect(sent.sort()).toEqual([["ana-email", "Your picks", activities[0].Id], ["bo-email", "Your picks", activities[0].Id]]);
    expect((await ok("get-campaign", "--application-id", appId, "--campaign-id", created.Id)).CampaignResponse).toEqual({ ...created, State: { CampaignStatus: "COMPLETED" } });

    const updated = (await ok("update-campaign", "--application-id", appId, "--campaign-id", created.Id, "--write-campaign-request", "Description=Weekly,IsPaused=true")).CampaignResponse;
    expect(updated).toMatchObject({ Version: 2, Description: "Weekly", IsPaused: true, State: { CampaignStatus: "PAUSED" } });
    const versions = (await ok("get-campaign-versions", "--application-id", appId, "--campaign-id", created.Id)).CampaignsResponse.Item;
    expect(versions.map((v: { Version: number }) => v.Version)).toEqual([1, 2]);
    expect((await ok("get-campaigns", "--application-id", appId)).CampaignsResponse.Item).toEqual([updated]);
    // Pausing after the run sends nothing again.
    expect((await ok("get-campaign-activities", "--application-id", appId, "--campaign-id", created.Id)).ActivitiesResponse.Item).toEqual(activities);

    const bad = await aws("create-campaign", "--application-id", appId, "--write-campaign-request", `SegmentId=${segmentId},Schedule={StartTime=2020-01-01T00:00:00Z}`);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("BadRequestException");
    expect(bad.stderr).toContain("Schedule.StartTime must be at least current time");

    const deleted = (await ok("delete-campaign", "--application-id", appId, "--campaign-id", created.Id)).CampaignResponse;
    expect(deleted.Id).toBe(created.Id);
    const gone = await aws("get-campaign", "--application-id", appId, "--campaign-id", created.Id);
    expect(gone.stderr).toContain("NotFoundException");
  });
});
