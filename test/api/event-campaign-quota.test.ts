/**
 * The per-app quota of active EVENT campaigns, through the real SDK on both stores: past it,
 * CreateCampaign and UpdateCampaign (making a campaign an active EVENT one) answer 400
 * BadRequestException; paused ones do not count, and another app's quota is its own.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  CreateAppCommand,
  CreateCampaignCommand,
  CreateEmailTemplateCommand,
  CreateSegmentCommand,
  UpdateCampaignCommand,
  type PinpointClient,
  type WriteCampaignRequest,
} from "@aws-sdk/client-pinpoint";
import { STORE_KINDS, errorOf, pinpointClient, startTestServer, type TestServer } from "../helpers.js";

const inHours = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString();

describe.each(STORE_KINDS)("EVENT campaign quota: %s", (kind) => {
  let server: TestServer;
  let a: PinpointClient;

  beforeAll(async () => {
    server = await startTestServer(kind, { campaignRuns: false, eventCampaignQuota: 2 });
    a = pinpointClient(server);
    await a.send(new CreateEmailTemplateCommand({ TemplateName: "news", EmailTemplateRequest: { Subject: "News", TextPart: "Hi" } }));
  });
  afterAll(() => server.dispose());

  const app = async () => {
    const appId = (await a.send(new CreateAppCommand({ CreateApplicationRequest: { Name: "events" } }))).ApplicationResponse!.Id!;
    const segmentId = (
      await a.send(new CreateSegmentCommand({ ApplicationId: appId, WriteSegmentRequest: { Name: "everyone", Dimensions: {} } }))
    ).SegmentResponse!.Id!;
    return { appId, segmentId };
  };
  const request = (segmentId: string, frequency: "EVENT" | "WEEKLY", paused = false): WriteCampaignRequest => ({
    Name: "on view",
    SegmentId: segmentId,
    IsPaused: paused,
    TemplateConfiguration: { EmailTemplate: { Name: "news" } },
    Schedule:
      frequency === "EVENT"
        ? {
            StartTime: inHours(0),
            EndTime: inHours(2),
            Frequency: "EVENT",
            EventFilter: { FilterType: "ENDPOINT", Dimensions: { EventType: { DimensionType: "INCLUSIVE", Values: ["viewed"] } } },
          }
        : { StartTime: inHours(1), EndTime: inHours(48), Frequency: "WEEKLY" },
  });
  const create = (appId: string, req: WriteCampaignRequest) =>
    a.send(new CreateCampaignCommand({ ApplicationId: appId, WriteCampaignRequest: req }));

  test("a third active EVENT campaign is refused on create and on update; paused ones and other apps are not held", async () => {
    const { appId, segmentId } = await app();
    await create(appId, request(segmentId, "EVENT"));
    await create(appId, request(segmentId, "EVENT"));
    const err = await errorOf(() => create(appId, request(segmentId, "EVENT")));
    expect(err.name).toBe("BadRequestException");
    expect(err.$metadata.httpStatusCode).toBe(400);
    expect(err.message).toBe(`Application '${appId}' has reached its quota of 2 active EVENT campaigns; pause or delete one first`);
    // A paused EVENT campaign and a scheduled one are not active EVENT campaigns.
    const paused = (await create(appId, request(segmentId, "EVENT", true))).CampaignResponse!;
    const weekly = (await create(appId, request(segmentId, "WEEKLY"))).CampaignResponse!;
    // Turning either into an active EVENT campaign is an update past the quota.
    const resume = () =>
      a.send(new UpdateCampaignCommand({ ApplicationId: appId, CampaignId: paused.Id!, WriteCampaignRequest: { IsPaused: false } }));
    expect((await errorOf(resume)).name).toBe("BadRequestException");
    const toEvent = () =>
      a.send(
        new UpdateCampaignCommand({ ApplicationId: appId, CampaignId: weekly.Id!, WriteCampaignRequest: request(segmentId, "EVENT") }),
      );
    expect((await errorOf(toEvent)).message).toMatch(/quota of 2 active EVENT campaigns/);
    // Another app of the account has its own.
    const other = await app();
    await create(other.appId, request(other.segmentId, "EVENT"));
  });
});
