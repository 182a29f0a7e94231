/**
 * Campaigns as a new user would define them with the real AWS CLI v2 (Debian's /usr/bin/aws):
 * `create-campaign` in the CLI's shorthand with an IMMEDIATE schedule and an email template,
 * `get-campaign`, `update-campaign`, `get-campaign-versions`, `get-campaign-activities`, and a
 * refused schedule. (Every other case is covered through the SDK; each CLI call costs seconds.)
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ACCOUNT_A, startTestServer, tempDir, type TestServer } from "../helpers.js";
import { pinpointCli } from "../aws-cli.js";

describe("AWS CLI: campaigns", () => {
  let server: TestServer;
  const dir = tempDir("pinrec-cli-campaigns-");

  const { aws, ok } = pinpointCli(() => server.url, dir.path, ACCOUNT_A);

  beforeAll(async () => {
    // The shapes the CLI prints, before any run: this server fires no runs (campaigns-e2e.test.ts
    // covers runs), so the IMMEDIATE campaign stays SCHEDULED while the test reads it.
    server = await startTestServer("sqlite", { campaignRuns: false });
  });
  afterAll(async () => {
    await server.dispose();
    dir.remove();
  });

  test("create-campaign, get-campaign, update-campaign and the lists answer as AWS would", { timeout: 240_000 }, async () => {
    const appId = (await ok("create-app", "--create-application-request", "Name=Campaigns")).ApplicationResponse.Id;
    const segmentId = (
      await ok(
        "create-segment",
        "--application-id",
        appId,
        "--write-segment-request",
        "Name=Readers,Dimensions={Attributes={Interests={Values=[books]}}}",
      )
    ).SegmentResponse.Id;
    await ok("create-email-template", "--template-name", "picks", "--email-template-request", "Subject=Your picks,TextPart=Hello");

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
    expect((await ok("get-campaign", "--application-id", appId, "--campaign-id", created.Id)).CampaignResponse).toEqual(created);

    const updated = (
      await ok(
        "update-campaign",
        "--application-id",
        appId,
        "--campaign-id",
        created.Id,
        "--write-campaign-request",
        "Description=Weekly,IsPaused=true",
      )
    ).CampaignResponse;
    expect(updated).toMatchObject({ Version: 2, Description: "Weekly", IsPaused: true, State: { CampaignStatus: "PAUSED" } });
    const versions = (await ok("get-campaign-versions", "--application-id", appId, "--campaign-id", created.Id)).CampaignsResponse.Item;
    expect(versions.map((v: { Version: number }) => v.Version)).toEqual([1, 2]);
    expect((await ok("get-campaigns", "--application-id", appId)).CampaignsResponse.Item).toEqual([updated]);
    expect((await ok("get-campaign-activities", "--application-id", appId, "--campaign-id", created.Id)).ActivitiesResponse).toEqual({
      Item: [],
    });

    const bad = await aws(
      "create-campaign",
      "--application-id",
      appId,
      "--write-campaign-request",
      `SegmentId=${segmentId},Schedule={StartTime=2020-01-01T00:00:00Z}`,
    );
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("BadRequestException");
    expect(bad.stderr).toContain("Schedule.StartTime must be at least current time");

    const deleted = (await ok("delete-campaign", "--application-id", appId, "--campaign-id", created.Id)).CampaignResponse;
    expect(deleted.Id).toBe(created.Id);
    const gone = await aws("get-campaign", "--application-id", appId, "--campaign-id", created.Id);
    expect(gone.stderr).toContain("NotFoundException");
  });
});
