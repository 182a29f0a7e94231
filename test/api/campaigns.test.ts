/** Every campaign operation and documented error, through the real AWS SDK, on both stores. */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import fc from "fast-check";
import {
  CreateAppCommand,
  CreateCampaignCommand,
  CreateEmailTemplateCommand,
  CreateSegmentCommand,
  DeleteAppCommand,
  DeleteCampaignCommand,
  DeleteSegmentCommand,
  GetCampaignActivitiesCommand,
  GetCampaignCommand,
  GetCampaignsCommand,
  GetCampaignVersionCommand,
  GetCampaignVersionsCommand,
  UpdateCampaignCommand,
  UpdateEmailTemplateCommand,
  UpdateSegmentCommand,
  type ActivityResponse,
  type CampaignResponse,
  type PinpointClient,
  type WriteCampaignRequest,
} from "@aws-sdk/client-pinpoint";
import { ACCOUNT_B, STORE_KINDS, errorOf, pinpointClient, startTestServer, tempDir, type TestServer } from "../helpers.js";
import { rawRequest } from "../signing.js";
import { PinpointCampaignService } from "../../src/pinpoint/campaigns/service.js";
import { SegmentService } from "../../src/pinpoint/segments/service.js";
import { TemplateService } from "../../src/pinpoint/templates/service.js";
import { RecommenderService } from "../../src/pinpoint/recommenders/service.js";
import { newResourceId } from "../../src/shared/ids.js";
import { SegmentImporter } from "../../src/pinpoint/segments/import.js";
import { EndpointService } from "../../src/pinpoint/endpoints/service.js";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

const TENANT = { accountId: "111122223333", region: "us-east-1" };
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const HOUR = 3_600_000;
const inHours = (h: number) => new Date(Date.now() + h * HOUR).toISOString();

describe.each(STORE_KINDS)("campaigns on %s", (kind) => {
  let server: TestServer;
  let a: PinpointClient;
  let appId: string;
  let segmentId: string;
  /** A weekly email campaign that is valid as it is. */
  const base = (): WriteCampaignRequest => ({
    Name: "weekly picks",
    SegmentId: segmentId,
    Schedule: { StartTime: inHours(1), EndTime: inHours(24 * 30), Frequency: "WEEKLY" },
    TemplateConfiguration: { EmailTemplate: { Name: "news" } },
  });
  const create = async (req: WriteCampaignRequest, app = appId) => {
    const r = await a.send(new CreateCampaignCommand({ ApplicationId: app, WriteCampaignRequest: req }));
    expect(r.$metadata.httpStatusCode).toBe(201);
    return r.CampaignResponse!;
  };
  const get = async (id: string, app = appId) =>
    (await a.send(new GetCampaignCommand({ ApplicationId: app, CampaignId: id }))).CampaignResponse!;
  const update = async (id: string, req: WriteCampaignRequest) =>
    (await a.send(new UpdateCampaignCommand({ ApplicationId: appId, CampaignId: id, WriteCampaignRequest: req }))).CampaignResponse!;
  /** A domain service over the server's store, reading with its own clock. */
  const serviceAt = (now: () => number) =>
    new PinpointCampaignService(
      server.store,
      new SegmentService(server.store),
      new TemplateService(server.store, new RecommenderService(server.store)),
      now,
    );

  beforeAll(async () => {
    // The API's rules and shapes: this server fires no runs, so a due campaign reads as stored and
    // the activities a test writes are the only ones (runs: campaigns-e2e and pinpoint/campaigns/).
    server = await startTestServer(kind, { campaignRuns: false });
    a = pinpointClient(server);
    appId = (await a.send(new CreateAppCommand({ CreateApplicationRequest: { Name: "campaigns" } }))).ApplicationResponse!.Id!;
    segmentId = (
      await a.send(new CreateSegmentCommand({ ApplicationId: appId, WriteSegmentRequest: { Name: "everyone", Dimensions: {} } }))
    ).SegmentResponse!.Id!;
    await a.send(
      new CreateEmailTemplateCommand({ TemplateName: "news", EmailTemplateRequest: { Subject: "News", HtmlPart: "<p>Hi</p>" } }),
    );
    await a.send(new CreateEmailTemplateCommand({ TemplateName: "variant", EmailTemplateRequest: { Subject: "Variant", TextPart: "Hi" } }));
  });
  afterAll(async () => {
    await server.dispose();
  });

  test("CreateCampaign answers 201 with the CampaignResponse; GetCampaign returns it", async () => {
    const req: WriteCampaignRequest = {
      ...base(),
      Description: "five picks a week",
      HoldoutPercent: 10,
      Limits: { Daily: 1, Total: 10, MessagesPerSecond: 200, MaximumDuration: 600, Session: 0 },
      Schedule: {
        StartTime: inHours(2),
        EndTime: inHours(48),
        Frequency: "DAILY",
        IsLocalTime: true,
        Timezone: "UTC+05:30",
        QuietTime: { Start: "22:00", End: "07:30" },
      },
      TreatmentName: "control",
      TreatmentDescription: "the usual",
      AdditionalTreatments: [
        { SizePercent: 30, TreatmentName: "variant", TemplateConfiguration: { EmailTemplate: { Name: "variant", Version: "1" } } },
        { SizePercent: 20, TreatmentName: "later", Schedule: { StartTime: inHours(3), Frequency: "ONCE" } },
      ],
      tags: { team: "growth" },
    };
    const c = await create(req);
    expect(c).toEqual({
      AdditionalTreatments: [
        {
          Id: "1",
          SizePercent: 30,
          TreatmentName: "variant",
          TemplateConfiguration: { EmailTemplate: { Name: "variant", Version: "1" } },
          State: { CampaignStatus: "SCHEDULED" },
        },
        {
          Id: "2",
          SizePercent: 20,
          TreatmentName: "later",
          Schedule: req.AdditionalTreatments![1].Schedule,
          State: { CampaignStatus: "SCHEDULED" },
        },
      ],
      ApplicationId: appId,
      Arn: `arn:aws:mobiletargeting:us-east-1:111122223333:apps/${appId}/campaigns/${c.Id}`,
      CreationDate: c.CreationDate,
      DefaultState: { CampaignStatus: "SCHEDULED" },
      Description: "five picks a week",
      HoldoutPercent: 10,
      Id: c.Id,
      IsPaused: false,
      LastModifiedDate: c.CreationDate,
      Limits: req.Limits,
      MessageConfiguration: {},
      Name: "weekly picks",
      Schedule: req.Schedule,
      SegmentId: segmentId,
      SegmentVersion: 1,
      State: { CampaignStatus: "SCHEDULED" },
      tags: { team: "growth" },
      TemplateConfiguration: { EmailTemplate: { Name: "news" } },
      TreatmentDescription: "the usual",
      TreatmentName: "control",
      Version: 1,
    });
    expect(c.Id).toMatch(/^[0-9a-f]{32}$/);
    expect(c.CreationDate).toMatch(ISO);
    expect(await get(c.Id!)).toEqual(c);
    // The runner's seam reads the same document.
    expect(await serviceAt(Date.now).get(TENANT, appId, c.Id!)).toEqual(c);
  });

  test("UpdateCampaign makes a new version and keeps the old; GetCampaignVersion(s) page through them", async () => {
    const c = await create(base());
    const v2 = await update(c.Id!, { Name: "renamed", tags: { ignored: "yes" } });
    expect(v2).toMatchObject({
      Id: c.Id,
      Version: 2,
      Name: "renamed",
      Schedule: c.Schedule,
      SegmentId: segmentId,
      CreationDate: c.CreationDate,
      tags: {},
    });
    await a.send(new UpdateSegmentCommand({ ApplicationId: appId, SegmentId: segmentId, WriteSegmentRequest: { Name: "everyone, v2" } }));
    const v3 = await update(c.Id!, { IsPaused: true, SegmentVersion: 2 });
    expect(v3).toMatchObject({ Version: 3, Name: "renamed", IsPaused: true, SegmentVersion: 2, State: { CampaignStatus: "PAUSED" } });
    expect(await get(c.Id!)).toEqual(v3);
    const v1 = (await a.send(new GetCampaignVersionCommand({ ApplicationId: appId, CampaignId: c.Id, Version: "1" }))).CampaignResponse!;
    // Every version reports the campaign's status, which the latest version's IsPaused decides.
    expect(v1).toEqual({ ...c, State: { CampaignStatus: "PAUSED" } });
    const seen: number[] = [];
    let token: string | undefined;
    do {
      const page = (await a.send(new GetCampaignVersionsCommand({ ApplicationId: appId, CampaignId: c.Id, PageSize: "2", Token: token })))
        .CampaignsResponse!;
      expect(page.Item!.length).toBeLessThanOrEqual(2);
      seen.push(...page.Item!.map((v) => v.Version!));
      token = page.NextToken;
    } while (token);
    expect(seen).toEqual([1, 2, 3]);
    for (const version of ["4", "0", "x"]) {
      const e = await errorOf(() => a.send(new GetCampaignVersionCommand({ ApplicationId: appId, CampaignId: c.Id, Version: version })));
      expect([e.name, e.message]).toEqual(["NotFoundException", `Version '${version}' of campaign '${c.Id}' was not found`]);
    }
    // A new template version pinned by an update; and a version that does not exist is refused.
    await a.send(
      new UpdateEmailTemplateCommand({ TemplateName: "news", CreateNewVersion: true, EmailTemplateRequest: { Subject: "News 2" } }),
    );
    expect((await update(c.Id!, { TemplateConfiguration: { EmailTemplate: { Name: "news", Version: "2" } } })).Version).toBe(4);
    const e = await errorOf(() => update(c.Id!, { TemplateConfiguration: { EmailTemplate: { Name: "news", Version: "3" } } }));
    expect([e.name, e.message]).toEqual([
      "NotFoundException",
      "TemplateConfiguration.EmailTemplate: Version '3' of template 'news' was not found",
    ]);
    expect((await get(c.Id!)).Version).toBe(4);
  });

  test("concurrent UpdateCampaigns: each that succeeds gets its own version, the others a retryable ConflictException", async () => {
    const c = await create(base());
    const outcomes = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => update(c.Id!, { Description: `edit ${i}` })));
    const versions = outcomes.flatMap((o) => (o.status === "fulfilled" ? [o.value.Version!] : []));
    const errors = outcomes.flatMap((o) => (o.status === "rejected" ? [(o.reason as { name: string }).name] : []));
    expect(versions.length).toBeGreaterThanOrEqual(1);
    expect(new Set(versions).size).toBe(versions.length);
    expect(errors.every((n) => n === "ConflictException")).toBe(true);
    const all = (await a.send(new GetCampaignVersionsCommand({ ApplicationId: appId, CampaignId: c.Id }))).CampaignsResponse!.Item!;
    expect(all.map((v) => v.Version)).toEqual(Array.from({ length: versions.length + 1 }, (_, i) => i + 1));
    expect((await get(c.Id!)).Version).toBe(versions.length + 1);
  });

  test("GetCampaigns pages in creation order; a bad token is a 400", async () => {
    const app = (await a.send(new CreateAppCommand({ CreateApplicationRequest: { Name: "paged" } }))).ApplicationResponse!.Id!;
    const seg = (await a.send(new CreateSegmentCommand({ ApplicationId: app, WriteSegmentRequest: { Name: "all", Dimensions: {} } })))
      .SegmentResponse!.Id!;
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.push((await create({ ...base(), SegmentId: seg, Name: `c${i}` }, app)).Id!);
    const seen: CampaignResponse[] = [];
    let token: string | undefined;
    do {
      const page = (await a.send(new GetCampaignsCommand({ ApplicationId: app, PageSize: "2", Token: token }))).CampaignsResponse!;
      seen.push(...page.Item!);
      token = page.NextToken;
    } while (token);
    expect(seen.map((c) => c.Id)).toEqual(made);
    expect(seen.every((c) => c.State?.CampaignStatus === "SCHEDULED")).toBe(true);
    for (const bad of [{ Token: "garbage" }, { PageSize: "0" }]) {
      const e = await errorOf(() => a.send(new GetCampaignsCommand({ ApplicationId: app, ...bad })));
      expect(e.name).toBe("BadRequestException");
    }
    expect((await errorOf(() => a.send(new GetCampaignsCommand({ ApplicationId: newResourceId() })))).name).toBe("NotFoundException");
  });

  test("GetCampaignActivities shapes the runner's activity rows, in order and paged; State follows the runs", async () => {
    const c = await create({ ...base(), AdditionalTreatments: [{ SizePercent: 50 }] });
    expect(c.State).toEqual({ CampaignStatus: "SCHEDULED" });
    const activity = (state: string, treatmentId: string): ActivityResponse => ({
      ApplicationId: appId,
      CampaignId: c.Id,
      Id: newResourceId(),
      ScheduledStart: c.Schedule!.StartTime,
      Start: new Date().toISOString(),
      State: state,
      Result: state === "COMPLETED" ? "SUCCESS" : undefined,
      TotalEndpointCount: 4,
      SuccessfulEndpointCount: state === "COMPLETED" ? 4 : 0,
      TimezonesTotalCount: 1,
      TimezonesCompletedCount: state === "COMPLETED" ? 1 : 0,
      TreatmentId: treatmentId,
    });
    const runs = [activity("EXECUTING", "0"), activity("COMPLETED", "1")];
    for (const [i, doc] of runs.entries()) {
      expect(
        await server.store.pinpointCampaigns.insertActivity(TENANT, {
          runKey: `run-${i}`,
          scheduledAt: Date.now(),
          doc: JSON.parse(JSON.stringify(doc)),
        }),
      ).toBe(true);
    }
    const executing = await get(c.Id!);
    expect(executing.State).toEqual({ CampaignStatus: "EXECUTING" });
    expect(executing.DefaultState).toEqual({ CampaignStatus: "EXECUTING" });
    expect(executing.AdditionalTreatments![0].State).toEqual({ CampaignStatus: "PENDING_NEXT_RUN" });
    const page1 = (await a.send(new GetCampaignActivitiesCommand({ ApplicationId: appId, CampaignId: c.Id, PageSize: "1" })))
      .ActivitiesResponse!;
    const page2 = (
      await a.send(new GetCampaignActivitiesCommand({ ApplicationId: appId, CampaignId: c.Id, PageSize: "1", Token: page1.NextToken }))
    ).ActivitiesResponse!;
    expect([...page1.Item!, ...page2.Item!]).toEqual(JSON.parse(JSON.stringify(runs)));
    expect(page2.NextToken).toBeUndefined();
    // The default treatment's run finishes (a second run key): the recurring campaign waits for its next run.
    await server.store.pinpointCampaigns.insertActivity(TENANT, {
      runKey: "run-0-done",
      scheduledAt: Date.now(),
      doc: { ...activity("COMPLETED", "0"), Id: newResourceId() },
    });
    const all = (await a.send(new GetCampaignActivitiesCommand({ ApplicationId: appId, CampaignId: c.Id }))).ActivitiesResponse!.Item!;
    expect(all.map((x) => x.State)).toEqual(["EXECUTING", "COMPLETED", "COMPLETED"]);
    const e = await errorOf(() => a.send(new GetCampaignActivitiesCommand({ ApplicationId: appId, CampaignId: newResourceId() })));
    expect(e.name).toBe("NotFoundException");
  });

  test("State: PENDING_NEXT_RUN between runs, COMPLETED once an EVENT campaign's EndTime passes, PAUSED when paused", async () => {
    const weekly = await create(base());
    await server.store.pinpointCampaigns.insertActivity(TENANT, {
      runKey: "first",
      scheduledAt: Date.now(),
      doc: { ApplicationId: appId, CampaignId: weekly.Id, Id: newResourceId(), State: "COMPLETED", TreatmentId: "0" },
    });
    expect((await get(weekly.Id!)).State).toEqual({ CampaignStatus: "PENDING_NEXT_RUN" });
    const event = await create({
      ...base(),
      Schedule: {
        StartTime: inHours(0),
        EndTime: inHours(2),
        Frequency: "EVENT",
        EventFilter: { FilterType: "ENDPOINT", Dimensions: { EventType: { DimensionType: "INCLUSIVE", Values: ["product.viewed"] } } },
      },
    });
    expect(event.State).toEqual({ CampaignStatus: "SCHEDULED" });
    const service = serviceAt(Date.now);
    expect((await service.eventCampaigns(TENANT, appId)).map((c) => c.Id)).toContain(event.Id);
    expect((await serviceAt(() => Date.now() + 3 * HOUR).get(TENANT, appId, event.Id!))!.State).toEqual({ CampaignStatus: "COMPLETED" });
    const paused = await update(event.Id!, { IsPaused: true });
    expect(paused.State).toEqual({ CampaignStatus: "PAUSED" });
    expect((await service.eventCampaigns(TENANT, appId)).map((c) => c.Id)).not.toContain(event.Id);
  });

  test("the scheduler's next run: set on create, replaced by a new Schedule or a pause, kept by other updates", async () => {
    const nextRun = async (id: string) => (await server.store.pinpointCampaigns.head(TENANT, appId, id))!.nextRunAt;
    const start = Date.now();
    const c = await create({ ...base(), Schedule: { StartTime: "IMMEDIATE" } });
    const created = (await nextRun(c.Id!))!;
    expect(created).toBeGreaterThanOrEqual(start);
    expect(created).toBeLessThanOrEqual(Date.now());
    await new Promise((r) => setTimeout(r, 5));
    // Editing the description of a campaign that runs IMMEDIATE must not start it again.
    await update(c.Id!, { Description: "typo fixed" });
    expect(await nextRun(c.Id!)).toBe(created);
    await update(c.Id!, { IsPaused: true });
    expect(await nextRun(c.Id!)).toBeUndefined();
    await update(c.Id!, { IsPaused: false });
    expect(await nextRun(c.Id!)).toBeGreaterThan(created);
    const later = inHours(5);
    await update(c.Id!, { Schedule: { StartTime: later, Frequency: "ONCE" } });
    expect(await nextRun(c.Id!)).toBe(Date.parse(later));
    const event = await update(c.Id!, {
      Schedule: {
        StartTime: later,
        Frequency: "EVENT",
        EventFilter: { FilterType: "ENDPOINT", Dimensions: { EventType: { Values: ["x"] } } },
      },
    });
    expect(event.Version).toBe(6);
    expect(await nextRun(c.Id!)).toBeUndefined();
  });

  test("a campaign whose segment is gone reports DELETED, as AWS documents", async () => {
    const seg = (
      await a.send(new CreateSegmentCommand({ ApplicationId: appId, WriteSegmentRequest: { Name: "short-lived", Dimensions: {} } }))
    ).SegmentResponse!.Id!;
    const c = await create({ ...base(), SegmentId: seg });
    // Past DeleteSegment's guard, as a delete racing the campaign's creation would be.
    await server.store.segments.delete(TENANT, appId, seg);
    expect((await get(c.Id!)).State).toEqual({ CampaignStatus: "DELETED" });
    const listed = (await a.send(new GetCampaignsCommand({ ApplicationId: appId, PageSize: "1000" }))).CampaignsResponse!.Item!.find(
      (x) => x.Id === c.Id,
    )!;
    expect(listed.State).toEqual({ CampaignStatus: "DELETED" });
  });

  test.each<[string, Partial<WriteCampaignRequest>]>([
    ["IMMEDIATE", { Schedule: { StartTime: "IMMEDIATE" } }],
    ["a start a minute ago (clock skew)", { Schedule: { StartTime: new Date(Date.now() - 60_000).toISOString() } }],
    [
      "Timezone in lower case, as the AWS CLI example sends it",
      { Schedule: { StartTime: "IMMEDIATE", IsLocalTime: false, Timezone: "utc" } },
    ],
    ["an IANA Timezone", { Schedule: { StartTime: inHours(1), IsLocalTime: true, Timezone: "America/New_York" } }],
    ["UTC-03:30", { Schedule: { StartTime: inHours(1), IsLocalTime: true, Timezone: "UTC-03:30" } }],
    ["treatments and holdout adding up to 100", { HoldoutPercent: 20, AdditionalTreatments: [{ SizePercent: 40 }, { SizePercent: 40 }] }],
    ["the limits' documented bounds", { Limits: { Daily: 100, Total: 100, MessagesPerSecond: 20_000, MaximumDuration: 60 } }],
    ["a Priority", { Priority: 3 }],
  ])("accepted: %s", async (_name, change) => {
    const c = await create({ ...base(), ...change });
    expect(await get(c.Id!)).toEqual(c);
  });

  const tooMany = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, "v"]));
  test.each<[string, () => Partial<WriteCampaignRequest>, string, string]>([
    ["SegmentId missing", () => ({ SegmentId: undefined }), "BadRequestException", "SegmentId is required"],
    ["an unknown segment", () => ({ SegmentId: "nope" }), "NotFoundException", "SegmentId: Segment 'nope' was not found"],
    ["an unknown segment version", () => ({ SegmentVersion: 9 }), "NotFoundException", "SegmentVersion: Version '9' of segment"],
    ["SegmentVersion 0", () => ({ SegmentVersion: 0 }), "BadRequestException", "SegmentVersion must be an integer from 1 to 2147483647"],
    [
      "SegmentVersion 1e100",
      () => ({ SegmentVersion: 1e100 }),
      "BadRequestException",
      "SegmentVersion must be an integer from 1 to 2147483647",
    ],
    [
      "an unknown email template",
      () => ({ TemplateConfiguration: { EmailTemplate: { Name: "missing" } } }),
      "NotFoundException",
      "TemplateConfiguration.EmailTemplate: Template missing of type EMAIL",
    ],
    [
      "an unknown template version",
      () => ({ TemplateConfiguration: { EmailTemplate: { Name: "variant", Version: "5" } } }),
      "NotFoundException",
      "TemplateConfiguration.EmailTemplate: Version '5'",
    ],
    [
      "an unknown SMS template",
      () => ({ TemplateConfiguration: { SMSTemplate: { Name: "news" } } }),
      "NotFoundException",
      "TemplateConfiguration.SMSTemplate",
    ],
    [
      "a template without a name",
      () => ({ TemplateConfiguration: { PushTemplate: {} } }),
      "BadRequestException",
      "TemplateConfiguration.PushTemplate.Name is required",
    ],
    [
      "a voice template",
      () => ({ TemplateConfiguration: { VoiceTemplate: { Name: "news" } } }),
      "BadRequestException",
      "TemplateConfiguration.VoiceTemplate is not supported for campaigns",
    ],
    [
      "a treatment's unknown template",
      () => ({ AdditionalTreatments: [{ SizePercent: 10, TemplateConfiguration: { EmailTemplate: { Name: "gone" } } }] }),
      "NotFoundException",
      "AdditionalTreatments[0].TemplateConfiguration.EmailTemplate",
    ],
    ["Schedule missing", () => ({ Schedule: undefined }), "BadRequestException", "Schedule is required"],
    ["StartTime missing", () => ({ Schedule: {} as never }), "BadRequestException", "Schedule.StartTime"],
    [
      "StartTime not a time",
      () => ({ Schedule: { StartTime: "tomorrow" } }),
      "BadRequestException",
      "Schedule.StartTime must be IMMEDIATE or an ISO 8601 date-time",
    ],
    [
      "StartTime in the past",
      () => ({ Schedule: { StartTime: inHours(-1) } }),
      "BadRequestException",
      "Schedule.StartTime must be at least current time",
    ],
    [
      "EndTime before StartTime",
      () => ({ Schedule: { StartTime: inHours(2), EndTime: inHours(1) } }),
      "BadRequestException",
      "Schedule.EndTime must be after Schedule.StartTime",
    ],
    [
      "EndTime equal to an IMMEDIATE start's now",
      () => ({ Schedule: { StartTime: "IMMEDIATE", EndTime: inHours(-0.5) } }),
      "BadRequestException",
      "Schedule.EndTime must be after",
    ],
    [
      "EndTime not a time",
      () => ({ Schedule: { StartTime: inHours(1), EndTime: "never" } }),
      "BadRequestException",
      "Schedule.EndTime must be an ISO 8601 date-time",
    ],
    [
      "an unknown Frequency",
      () => ({ Schedule: { StartTime: inHours(1), Frequency: "YEARLY" as never } }),
      "BadRequestException",
      "Schedule.Frequency must be one of ONCE, HOURLY, DAILY, WEEKLY, MONTHLY, EVENT",
    ],
    [
      "EVENT without EventFilter",
      () => ({ Schedule: { StartTime: inHours(1), Frequency: "EVENT" } }),
      "BadRequestException",
      "Schedule.EventFilter is required when Schedule.Frequency is EVENT",
    ],
    [
      "EventFilter without EVENT",
      () => ({ Schedule: { StartTime: inHours(1), Frequency: "DAILY", EventFilter: { FilterType: "ENDPOINT", Dimensions: {} } } }),
      "BadRequestException",
      "Schedule.EventFilter applies only when",
    ],
    [
      "an unknown FilterType",
      () => ({ Schedule: { StartTime: inHours(1), Frequency: "EVENT", EventFilter: { FilterType: "USER" as never, Dimensions: {} } } }),
      "BadRequestException",
      "Schedule.EventFilter.FilterType",
    ],
    [
      "an EventType without values",
      () => ({
        Schedule: {
          StartTime: inHours(1),
          Frequency: "EVENT",
          EventFilter: { FilterType: "ENDPOINT", Dimensions: { EventType: { Values: [] } } },
        },
      }),
      "BadRequestException",
      "Schedule.EventFilter.Dimensions.EventType.Values",
    ],
    [
      "IsLocalTime without Timezone",
      () => ({ Schedule: { StartTime: inHours(1), IsLocalTime: true } }),
      "BadRequestException",
      "Schedule.Timezone is required when Schedule.IsLocalTime is true",
    ],
    [
      "a Timezone offset beyond 14 hours",
      () => ({ Schedule: { StartTime: inHours(1), Timezone: "UTC+15" } }),
      "BadRequestException",
      "Schedule.Timezone must be",
    ],
    [
      "an unknown Timezone name",
      () => ({ Schedule: { StartTime: inHours(1), Timezone: "Mars/Olympus_Mons" } }),
      "BadRequestException",
      "Schedule.Timezone must be",
    ],
    [
      "QuietTime.Start out of range",
      () => ({ Schedule: { StartTime: inHours(1), QuietTime: { Start: "24:00", End: "07:00" } } }),
      "BadRequestException",
      "Schedule.QuietTime.Start must be a 24-hour time in HH:MM form",
    ],
    [
      "QuietTime.End without a leading zero",
      () => ({ Schedule: { StartTime: inHours(1), QuietTime: { Start: "22:00", End: "7:00" } } }),
      "BadRequestException",
      "Schedule.QuietTime.End must be",
    ],
    [
      "QuietTime without End",
      () => ({ Schedule: { StartTime: inHours(1), QuietTime: { Start: "22:00" } } }),
      "BadRequestException",
      "Schedule.QuietTime.End is required",
    ],
    [
      "MessagesPerSecond 0",
      () => ({ Limits: { MessagesPerSecond: 0 } }),
      "BadRequestException",
      "Limits.MessagesPerSecond must be an integer from 1 to 20000",
    ],
    ["MessagesPerSecond 20,001", () => ({ Limits: { MessagesPerSecond: 20_001 } }), "BadRequestException", "Limits.MessagesPerSecond"],
    ["Daily 101", () => ({ Limits: { Daily: 101 } }), "BadRequestException", "Limits.Daily must be an integer from 0 to 100"],
    ["Total 101", () => ({ Limits: { Total: 101 } }), "BadRequestException", "Limits.Total"],
    [
      "MaximumDuration 59",
      () => ({ Limits: { MaximumDuration: 59 } }),
      "BadRequestException",
      "Limits.MaximumDuration must be an integer from 60 to 2147483647",
    ],
    // Whole numbers to JavaScript, but past the service model's 32-bit integers: never a deadline of Infinity.
    [
      "MaximumDuration 1e308",
      () => ({ Limits: { MaximumDuration: 1e308 } }),
      "BadRequestException",
      "Limits.MaximumDuration must be an integer from 60 to 2147483647; got 1e+308",
    ],
    [
      "Session 2^31",
      () => ({ Limits: { Session: 2 ** 31 } }),
      "BadRequestException",
      "Limits.Session must be an integer from 0 to 2147483647",
    ],
    ["Priority 1e30", () => ({ Priority: 1e30 }), "BadRequestException", "Priority must be an integer from 0 to 2147483647; got 1e+30"],
    ["an empty Schedule", () => ({ Schedule: {} as never }), "BadRequestException", "Missing required member 'Schedule.StartTime'"],
    ["Session -1", () => ({ Limits: { Session: -1 } }), "BadRequestException", "Limits.Session"],
    ["Daily 1.5", () => ({ Limits: { Daily: 1.5 } }), "BadRequestException", "Limits.Daily"],
    ["HoldoutPercent 101", () => ({ HoldoutPercent: 101 }), "BadRequestException", "HoldoutPercent must be an integer from 0 to 100"],
    ["Priority 1.5", () => ({ Priority: 1.5 }), "BadRequestException", "Priority must be an integer from 0 to 2147483647"],
    [
      "five additional treatments",
      () => ({ AdditionalTreatments: Array.from({ length: 5 }, () => ({ SizePercent: 10 })) }),
      "BadRequestException",
      "AdditionalTreatments can hold at most 4",
    ],
    [
      "a treatment of 0 percent",
      () => ({ AdditionalTreatments: [{ SizePercent: 0 }] }),
      "BadRequestException",
      "AdditionalTreatments[0].SizePercent must be an integer from 1 to 100",
    ],
    [
      "treatments and holdout over 100",
      () => ({ HoldoutPercent: 30, AdditionalTreatments: [{ SizePercent: 40 }, { SizePercent: 31 }] }),
      "BadRequestException",
      "add up to 101",
    ],
    [
      "a treatment missing SizePercent",
      () => ({ AdditionalTreatments: [{} as never] }),
      "BadRequestException",
      "AdditionalTreatments[0].SizePercent",
    ],
    [
      "a treatment's schedule in the past",
      () => ({ AdditionalTreatments: [{ SizePercent: 10, Schedule: { StartTime: inHours(-2) } }] }),
      "BadRequestException",
      "AdditionalTreatments[0].Schedule.StartTime must be at least current time",
    ],
    ["a name of 257 characters", () => ({ Name: "n".repeat(257) }), "BadRequestException", "Name must be at most 256 characters"],
    [
      "a TreatmentName of 257 characters",
      () => ({ TreatmentName: "n".repeat(257) }),
      "BadRequestException",
      "TreatmentName must be at most 256",
    ],
    ["51 tags", () => ({ tags: tooMany }), "BadRequestException", "at most 50 tags"],
    [
      "a CustomMessage without CustomDeliveryConfiguration",
      () => ({ MessageConfiguration: { CustomMessage: { Data: "x" } } }),
      "BadRequestException",
      "CustomDeliveryConfiguration is required",
    ],
    ["a Hook", () => ({ Hook: { LambdaFunctionName: "f", Mode: "FILTER" } }), "BadRequestException", "Hook is not supported"],
    [
      "HoldoutPercent as a string",
      () => ({ HoldoutPercent: "ten" as never }),
      "BadRequestException",
      "Invalid value for 'HoldoutPercent': expected a number",
    ],
  ])("refused: %s", async (_name, change, name, message) => {
    const before = (await a.send(new GetCampaignsCommand({ ApplicationId: appId, PageSize: "1000" }))).CampaignsResponse!.Item!.length;
    const e = await errorOf(() =>
      a.send(new CreateCampaignCommand({ ApplicationId: appId, WriteCampaignRequest: { ...base(), ...change() } })),
    );
    expect([e.name, e.$metadata.httpStatusCode]).toEqual([name, name === "NotFoundException" ? 404 : 400]);
    expect(e.message).toContain(message);
    expect((await a.send(new GetCampaignsCommand({ ApplicationId: appId, PageSize: "1000" }))).CampaignsResponse!.Item!.length).toBe(
      before,
    );
  });

  test("UpdateCampaign: the same rules, an unknown campaign or app is a 404, and a refused update writes nothing", async () => {
    const c = await create(base());
    for (const [req, message] of [
      [{ Schedule: { StartTime: inHours(-3) } }, "Schedule.StartTime must be at least current time"],
      [{ HoldoutPercent: 90, AdditionalTreatments: [{ SizePercent: 20 }] }, "add up to 110"],
      [{ SegmentId: "nope" }, "SegmentId: Segment 'nope'"],
    ] as [WriteCampaignRequest, string][]) {
      const e = await errorOf(() => update(c.Id!, req));
      expect(e.message).toContain(message);
    }
    expect(await get(c.Id!)).toEqual(c);
    const missing = await errorOf(() => update(newResourceId(), { Name: "x" }));
    expect([missing.name, missing.message]).toEqual(["NotFoundException", expect.stringContaining("was not found in application")]);
    const noApp = await errorOf(() =>
      a.send(new UpdateCampaignCommand({ ApplicationId: newResourceId(), CampaignId: c.Id, WriteCampaignRequest: { Name: "x" } })),
    );
    expect([noApp.name, noApp.message]).toEqual(["NotFoundException", expect.stringContaining("Application")]);
  });

  test("DeleteCampaign returns the campaign and removes its versions; DeleteSegment is refused while a campaign uses the segment", async () => {
    const seg = (await a.send(new CreateSegmentCommand({ ApplicationId: appId, WriteSegmentRequest: { Name: "used", Dimensions: {} } })))
      .SegmentResponse!.Id!;
    const c = await create({ ...base(), Name: "newsletter", SegmentId: seg });
    await update(c.Id!, { Description: "v2" });
    const refused = await errorOf(() => a.send(new DeleteSegmentCommand({ ApplicationId: appId, SegmentId: seg })));
    expect([refused.name, refused.$metadata.httpStatusCode]).toEqual(["BadRequestException", 400]);
    expect(refused.message).toContain(`campaign 'newsletter' (${c.Id})`);
    const deleted = (await a.send(new DeleteCampaignCommand({ ApplicationId: appId, CampaignId: c.Id }))).CampaignResponse!;
    expect(deleted).toMatchObject({ Id: c.Id, Version: 2, Description: "v2" });
    for (const call of [
      () => a.send(new GetCampaignCommand({ ApplicationId: appId, CampaignId: c.Id })),
      () => a.send(new GetCampaignVersionCommand({ ApplicationId: appId, CampaignId: c.Id, Version: "1" })),
      () => a.send(new GetCampaignVersionsCommand({ ApplicationId: appId, CampaignId: c.Id })),
      () => a.send(new DeleteCampaignCommand({ ApplicationId: appId, CampaignId: c.Id })),
    ]) {
      expect((await errorOf(call)).name).toBe("NotFoundException");
    }
    await a.send(new DeleteSegmentCommand({ ApplicationId: appId, SegmentId: seg }));
  });

  test("an EVENT campaign needs a dynamic segment: an imported one is refused, naming it", async () => {
    const dir = tempDir("pinrec-campaign-import-");
    try {
      const csv = join(dir.path, "members.csv");
      writeFileSync(csv, "ChannelType,Address,Id\nEMAIL,imported@example.com,imported-1\n");
      const imported = await new SegmentImporter(server.store, new EndpointService(server.store)).import(
        TENANT,
        appId,
        { path: csv, format: "CSV", s3Url: `file://${csv}` },
        "imported",
      );
      const segment = imported.segment!;
      const event = {
        StartTime: inHours(1),
        Frequency: "EVENT" as const,
        EventFilter: { FilterType: "ENDPOINT" as const, Dimensions: { EventType: { Values: ["signup"] } } },
      };
      const e = await errorOf(() => create({ ...base(), SegmentId: segment.Id, Schedule: event }));
      expect([e.name, e.message]).toEqual([
        "BadRequestException",
        `SegmentId: segment '${segment.Id}' is an imported segment; an EVENT campaign needs a dynamic segment`,
      ]);
      // A scheduled campaign may send to it.
      expect((await create({ ...base(), SegmentId: segment.Id })).SegmentId).toBe(segment.Id);
    } finally {
      dir.remove();
    }
  });

  test("tenants are isolated; an unknown app is a 404; deleting the app deletes its campaigns", async () => {
    const app = (await a.send(new CreateAppCommand({ CreateApplicationRequest: { Name: "doomed" } }))).ApplicationResponse!.Id!;
    const seg = (await a.send(new CreateSegmentCommand({ ApplicationId: app, WriteSegmentRequest: { Dimensions: {} } }))).SegmentResponse!
      .Id!;
    const c = await create({ ...base(), SegmentId: seg }, app);
    const other = pinpointClient(server, ACCOUNT_B);
    for (const call of [
      () => other.send(new GetCampaignCommand({ ApplicationId: app, CampaignId: c.Id })),
      () => other.send(new GetCampaignsCommand({ ApplicationId: app })),
      () => other.send(new UpdateCampaignCommand({ ApplicationId: app, CampaignId: c.Id, WriteCampaignRequest: { Name: "mine" } })),
      () => other.send(new DeleteCampaignCommand({ ApplicationId: app, CampaignId: c.Id })),
      () => other.send(new CreateCampaignCommand({ ApplicationId: app, WriteCampaignRequest: { ...base(), SegmentId: seg } })),
      () => a.send(new CreateCampaignCommand({ ApplicationId: newResourceId(), WriteCampaignRequest: base() })),
    ]) {
      const e = await errorOf(call);
      expect([e.name, e.message]).toEqual(["NotFoundException", expect.stringMatching(/^Application '[0-9a-f]{32}' was not found$/)]);
    }
    expect(await get(c.Id!, app)).toEqual(c);
    await a.send(new DeleteAppCommand({ ApplicationId: app }));
    expect((await errorOf(() => get(c.Id!, app))).name).toBe("NotFoundException");
    expect(await server.store.pinpointCampaigns.head(TENANT, app, c.Id!)).toBeUndefined();
  });

  test("random WriteCampaignRequests: every answer is a 201/200 or a typed 4xx, never a 5xx", { timeout: 120_000 }, async () => {
    const c = await create(base());
    const value = fc.oneof(
      fc.constantFrom<unknown>(
        "IMMEDIATE",
        inHours(1),
        inHours(-5),
        "EVENT",
        "DAILY",
        "UTC+05:30",
        "25:61",
        -1,
        0,
        1.5,
        100,
        101,
        20_001,
        true,
        null,
        [],
        {},
      ),
      fc.anything(),
    );
    const schedule = fc.record(
      {
        StartTime: value,
        EndTime: value,
        Frequency: value,
        IsLocalTime: value,
        Timezone: value,
        QuietTime: fc.record({ Start: value, End: value }, { requiredKeys: [] }),
        EventFilter: fc.record(
          { FilterType: value, Dimensions: fc.record({ EventType: fc.record({ DimensionType: value, Values: value }) }) },
          { requiredKeys: [] },
        ),
      },
      { requiredKeys: [] },
    );
    const limits = fc.record(
      { Daily: value, Total: value, MessagesPerSecond: value, MaximumDuration: value, Session: value },
      { requiredKeys: [] },
    );
    const templates = fc.record(
      {
        EmailTemplate: fc.record({ Name: fc.constantFrom<unknown>("news", "nope", 3), Version: value }, { requiredKeys: [] }),
        VoiceTemplate: value,
      },
      { requiredKeys: [] },
    );
    const request = fc.record(
      {
        Name: value,
        SegmentId: fc.constantFrom<unknown>(segmentId, "nope", 7),
        SegmentVersion: value,
        Schedule: fc.oneof(schedule, value),
        Limits: fc.oneof(limits, value),
        HoldoutPercent: value,
        IsPaused: value,
        TemplateConfiguration: fc.oneof(templates, value),
        AdditionalTreatments: fc.oneof(
          fc.array(fc.record({ SizePercent: value, Schedule: schedule, TemplateConfiguration: templates }, { requiredKeys: [] }), {
            maxLength: 6,
          }),
          value,
        ),
        tags: value,
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(request, fc.boolean(), async (body, updating) => {
        const path = updating ? `/v1/apps/${appId}/campaigns/${c.Id}` : `/v1/apps/${appId}/campaigns`;
        const r = await rawRequest(server, { method: updating ? "PUT" : "POST", path, body: JSON.stringify(body) });
        expect(r.status, `${r.status} ${r.text.slice(0, 300)}`).toBeLessThan(500);
        if (r.status >= 400) expect(["BadRequestException", "NotFoundException"]).toContain(r.headers["x-amzn-errortype"]);
      }),
      { numRuns: 300, seed: 9 },
    );
  });
});
