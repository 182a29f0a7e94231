/** Every journey definition operation and documented error, through the real AWS SDK, on both stores. */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  CreateAppCommand,
  CreateEmailTemplateCommand,
  CreateJourneyCommand,
  CreateSegmentCommand,
  CreateSmsTemplateCommand,
  DeleteJourneyCommand,
  DeleteSegmentCommand,
  GetJourneyCommand,
  ListJourneysCommand,
  UpdateJourneyCommand,
  UpdateJourneyStateCommand,
  type Activity,
  type JourneyResponse,
  type PinpointClient,
  type WriteJourneyRequest,
} from "@aws-sdk/client-pinpoint";
import { ACCOUNT_B, STORE_KINDS, errorOf, pinpointClient, startTestServer, type TestServer } from "../helpers.js";

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const DAY = 86_400_000;

describe.each(STORE_KINDS)("journeys on %s", (kind) => {
  let server: TestServer;
  let a: PinpointClient;
  let appId: string;
  let segmentId: string;
  let now = Date.UTC(2030, 0, 1);
  /** A two-step welcome journey that is valid as it is. */
  const base = (): WriteJourneyRequest => ({
    Name: "welcome",
    StartCondition: { SegmentStartCondition: { SegmentId: segmentId } },
    StartActivity: "hello",
    Activities: {
      hello: { EMAIL: { TemplateName: "hello", NextActivity: "pause" } },
      pause: { Wait: { WaitTime: { WaitFor: "P1D" }, NextActivity: "picks" } },
      picks: { SMS: { TemplateName: "picks" } },
    },
  });
  const create = async (req: WriteJourneyRequest, app = appId) => {
    const r = await a.send(new CreateJourneyCommand({ ApplicationId: app, WriteJourneyRequest: req }));
    expect(r.$metadata.httpStatusCode).toBe(201);
    return r.JourneyResponse!;
  };
  const get = async (id: string) => (await a.send(new GetJourneyCommand({ ApplicationId: appId, JourneyId: id }))).JourneyResponse!;
  const update = async (id: string, req: WriteJourneyRequest) =>
    (await a.send(new UpdateJourneyCommand({ ApplicationId: appId, JourneyId: id, WriteJourneyRequest: req }))).JourneyResponse!;
  const setState = async (id: string, State: string) =>
    (await a.send(new UpdateJourneyStateCommand({ ApplicationId: appId, JourneyId: id, JourneyStateRequest: { State: State as never } })))
      .JourneyResponse!;
  const refused = async (call: () => Promise<unknown>) => {
    const e = await errorOf(call);
    return [e.name, e.$metadata.httpStatusCode, e.message] as const;
  };

  beforeAll(async () => {
    server = await startTestServer(kind, { campaignRuns: false, campaignRunClock: () => now });
    a = pinpointClient(server);
    appId = (await a.send(new CreateAppCommand({ CreateApplicationRequest: { Name: "journeys" } }))).ApplicationResponse!.Id!;
    segmentId = (
      await a.send(new CreateSegmentCommand({ ApplicationId: appId, WriteSegmentRequest: { Name: "everyone", Dimensions: {} } }))
    ).SegmentResponse!.Id!;
    await a.send(new CreateEmailTemplateCommand({ TemplateName: "hello", EmailTemplateRequest: { Subject: "Hi", TextPart: "Hi" } }));
    await a.send(new CreateSmsTemplateCommand({ TemplateName: "picks", SMSTemplateRequest: { Body: "Picks" } }));
  });
  afterAll(async () => {
    await server.dispose();
  });

  test("CreateJourney answers 201 with the JourneyResponse (a DRAFT); GetJourney returns it", async () => {
    const req: WriteJourneyRequest = {
      ...base(),
      Limits: { DailyCap: 2, EndpointReentryCap: 0, EndpointReentryInterval: "PT1H", MessagesPerSecond: 50, TotalCap: 10 },
      LocalTime: false,
      QuietTime: { Start: "22:00", End: "07:00" },
      RefreshFrequency: "PT1H",
      RefreshOnSegmentUpdate: true,
      Schedule: { StartTime: new Date(now + DAY), EndTime: new Date(now + 30 * DAY), Timezone: "UTC" },
      WaitForQuietTime: true,
    };
    const j = await create(req);
    expect(j).toEqual({
      Activities: req.Activities,
      ApplicationId: appId,
      CreationDate: new Date(now).toISOString(),
      Id: j.Id,
      LastModifiedDate: new Date(now).toISOString(),
      Limits: req.Limits,
      LocalTime: false,
      Name: "welcome",
      QuietTime: req.QuietTime,
      RefreshFrequency: "PT1H",
      RefreshOnSegmentUpdate: true,
      Schedule: req.Schedule,
      StartActivity: "hello",
      StartCondition: req.StartCondition,
      State: "DRAFT",
      tags: {},
      WaitForQuietTime: true,
    });
    expect(j.Id).toMatch(/^[0-9a-f]{32}$/);
    expect(j.CreationDate).toMatch(ISO);
    expect(await get(j.Id!)).toEqual(j);
  });

  test("ListJourneys pages through the app's journeys in creation order", async () => {
    const app = (await a.send(new CreateAppCommand({ CreateApplicationRequest: { Name: "list" } }))).ApplicationResponse!.Id!;
    const seg = (await a.send(new CreateSegmentCommand({ ApplicationId: app, WriteSegmentRequest: { Name: "all", Dimensions: {} } })))
      .SegmentResponse!.Id!;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push((await create({ ...base(), Name: `j${i}`, StartCondition: { SegmentStartCondition: { SegmentId: seg } } }, app)).Id!);
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = (await a.send(new ListJourneysCommand({ ApplicationId: app, PageSize: "2", Token: token }))).JourneysResponse!;
      expect(page.Item!.length).toBeLessThanOrEqual(2);
      seen.push(...page.Item!.map((j) => j.Id!));
      token = page.NextToken;
    } while (token);
    expect(seen).toEqual(ids);
    const bad = await refused(() => a.send(new ListJourneysCommand({ ApplicationId: app, Token: "bogus" })));
    expect(bad.slice(0, 2)).toEqual(["BadRequestException", 400]);
  });

  test("states: publish, pause, resume and cancel as documented; every other move is a 400", async () => {
    const j = await create(base());
    expect(await refused(() => setState(j.Id!, "PAUSED"))).toEqual([
      "BadRequestException",
      400,
      "JourneyStateRequest.State: a journey in state DRAFT cannot become PAUSED: a DRAFT journey has not been published; publish it (ACTIVE) or delete it",
    ]);
    expect((await setState(j.Id!, "ACTIVE")).State).toBe("ACTIVE");
    expect((await setState(j.Id!, "PAUSED")).State).toBe("PAUSED");
    expect((await get(j.Id!)).State).toBe("PAUSED");
    expect((await setState(j.Id!, "ACTIVE")).State).toBe("ACTIVE");
    for (const s of ["DRAFT", "COMPLETED", "CLOSED", "BOGUS"]) {
      expect(await refused(() => setState(j.Id!, s))).toEqual([
        "BadRequestException",
        400,
        `JourneyStateRequest.State must be one of ACTIVE, PAUSED, CANCELLED; got '${s}'`,
      ]);
    }
    const cancelled = await setState(j.Id!, "CANCELLED");
    expect(cancelled).toMatchObject({ State: "CANCELLED", Activities: base().Activities });
    for (const s of ["ACTIVE", "PAUSED"]) {
      const e = await refused(() => setState(j.Id!, s));
      expect(e).toEqual([
        "BadRequestException",
        400,
        `JourneyStateRequest.State: a journey in state CANCELLED cannot become ${s}: a CANCELLED journey has ended`,
      ]);
    }
    expect(await refused(() => update(j.Id!, { ...base(), Name: "again" }))).toEqual([
      "BadRequestException",
      400,
      `Journey '${j.Id}' is CANCELLED and can no longer be updated`,
    ]);
  });

  test("UpdateJourney replaces a draft; a published journey keeps its activities (400) but may change the rest", async () => {
    const j = await create(base());
    now += 1000;
    const edited = await update(j.Id!, { ...base(), Name: "renamed", Activities: { hello: { EMAIL: { TemplateName: "hello" } } } });
    expect(edited).toMatchObject({ Id: j.Id, Name: "renamed", State: "DRAFT", CreationDate: j.CreationDate });
    expect(edited.LastModifiedDate).toBe(new Date(now).toISOString());
    expect(Object.keys(edited.Activities!)).toEqual(["hello"]);
    // Publishing through UpdateJourney.
    const published = await update(j.Id!, { ...base(), State: "ACTIVE" });
    expect(published.State).toBe("ACTIVE");
    const e = await refused(() =>
      update(j.Id!, {
        ...base(),
        Activities: { ...base().Activities, hello: { EMAIL: { TemplateName: "hello", NextActivity: "picks" } } },
      }),
    );
    expect(e).toEqual(["BadRequestException", 400, "Activities: the activities of a ACTIVE journey cannot be added, changed or removed"]);
    expect((await refused(() => update(j.Id!, { Name: "no activities" })))[2]).toBe(
      "Activities: the activities of a ACTIVE journey cannot be added, changed or removed",
    );
    expect(await refused(() => update(j.Id!, { ...base(), State: "DRAFT" }))).toEqual([
      "BadRequestException",
      400,
      "State: a published journey (ACTIVE) cannot return to DRAFT",
    ]);
    // Everything but the activities may change; the state stays.
    const renamed = await update(j.Id!, { ...base(), Name: "still active", Limits: { DailyCap: 1 } });
    expect(renamed).toMatchObject({ Name: "still active", State: "ACTIVE", Limits: { DailyCap: 1 } });
    await setState(j.Id!, "PAUSED");
    expect((await update(j.Id!, { ...base(), Name: "paused edit" })).State).toBe("PAUSED");
    expect((await refused(() => update(j.Id!, { ...base(), Activities: {} })))[2]).toBe(
      "Activities: the activities of a PAUSED journey cannot be added, changed or removed",
    );
  });

  test("a published journey past its end time reads COMPLETED (no participants left) and can no longer change", async () => {
    const j = await create({ ...base(), State: "ACTIVE", Schedule: { StartTime: new Date(now), EndTime: new Date(now + DAY) } });
    expect(j.State).toBe("ACTIVE");
    now += 2 * DAY;
    try {
      expect((await get(j.Id!)).State).toBe("COMPLETED");
      const listed = (await a.send(new ListJourneysCommand({ ApplicationId: appId, PageSize: "1000" }))).JourneysResponse!.Item!;
      expect(listed.find((x) => x.Id === j.Id)!.State).toBe("COMPLETED");
      expect((await refused(() => setState(j.Id!, "PAUSED")))[0]).toBe("BadRequestException");
      expect((await refused(() => update(j.Id!, base())))[2]).toBe(`Journey '${j.Id}' is COMPLETED and can no longer be updated`);
    } finally {
      now -= 2 * DAY;
    }
  });

  const activity = (a: Activity): WriteJourneyRequest => ({ ...base(), StartActivity: "x", Activities: { x: a } });
  test.each<[string, () => WriteJourneyRequest, string]>([
    ["no Name", () => ({ ...base(), Name: "" }), "Name is required"],
    ["a State it cannot ask for", () => ({ ...base(), State: "PAUSED" }), "State must be one of DRAFT, ACTIVE; got 'PAUSED'"],
    [
      "a missing StartActivity",
      () => ({ ...base(), StartActivity: "nope" }),
      "StartActivity: activity 'nope' does not exist in Activities",
    ],
    ["no StartActivity", () => ({ ...base(), StartActivity: undefined }), "StartActivity is required when the journey has activities"],
    [
      "a NextActivity that does not exist",
      () => ({ ...base(), Activities: { ...base().Activities, picks: { SMS: { TemplateName: "picks", NextActivity: "gone" } } } }),
      "Activities.picks.SMS.NextActivity: activity 'gone' does not exist in Activities",
    ],
    [
      "a cycle",
      () => ({ ...base(), Activities: { ...base().Activities, picks: { SMS: { TemplateName: "picks", NextActivity: "hello" } } } }),
      "Activities: the journey has a cycle (hello → pause → picks → hello); a journey's paths must end",
    ],
    [
      "41 activities",
      () => ({
        ...base(),
        StartActivity: "a0",
        Activities: Object.fromEntries(Array.from({ length: 41 }, (_, i) => [`a${i}`, { Wait: { WaitTime: { WaitFor: "PT1M" } } }])),
      }),
      "Activities can hold at most 40 activities; it has 41",
    ],
    [
      "two activity types",
      () => activity({ Wait: { WaitTime: { WaitFor: "PT1M" } }, Holdout: { Percentage: 5 } }),
      "Activities.x must give exactly one activity type (EMAIL, SMS, PUSH, CUSTOM, Wait, Holdout, RandomSplit, MultiCondition, ConditionalSplit, ContactCenter); it gives Wait, Holdout",
    ],
    [
      "no activity type",
      () => activity({ Description: "empty" }),
      "Activities.x must give exactly one activity type (EMAIL, SMS, PUSH, CUSTOM, Wait, Holdout, RandomSplit, MultiCondition, ConditionalSplit, ContactCenter); it gives none",
    ],
    [
      "a ContactCenter activity",
      () => activity({ ContactCenter: {} }),
      "Activities.x.ContactCenter: contact center activities need Amazon Connect, which is not available in pinrec",
    ],
    [
      "an unparseable WaitFor",
      () => activity({ Wait: { WaitTime: { WaitFor: "1 day" } } }),
      "Activities.x.Wait.WaitTime.WaitFor must be an ISO 8601 duration such as PT1H or P1D; got '1 day'",
    ],
    [
      "a WaitFor under a second",
      () => activity({ Wait: { WaitTime: { WaitFor: "PT0.5S" } } }),
      "Activities.x.Wait.WaitTime.WaitFor must be at least 1 second(s); got 'PT0.5S'",
    ],
    [
      "both WaitFor and WaitUntil",
      () => activity({ Wait: { WaitTime: { WaitFor: "PT1H", WaitUntil: "2030-01-01T00:00:00Z" } } }),
      "Activities.x.Wait.WaitTime must give exactly one of WaitFor and WaitUntil",
    ],
    [
      "a bad WaitUntil",
      () => activity({ Wait: { WaitTime: { WaitUntil: "tomorrow" } } }),
      "Activities.x.Wait.WaitTime.WaitUntil must be an ISO 8601 date-time such as 2030-01-01T09:00:00Z; got 'tomorrow'",
    ],
    [
      "a Holdout over 100",
      () => activity({ Holdout: { Percentage: 101 } }),
      "Activities.x.Holdout.Percentage must be an integer from 0 to 100; got 101",
    ],
    [
      "split percentages short of 100",
      () => activity({ RandomSplit: { Branches: [{ Percentage: 50 }, { Percentage: 40 }] } }),
      "Activities.x.RandomSplit.Branches: the percentages must add up to 100; they add up to 90",
    ],
    [
      "six split branches",
      () => activity({ RandomSplit: { Branches: Array.from({ length: 6 }, () => ({ Percentage: 10 })) } }),
      "Activities.x.RandomSplit.Branches must hold from 1 to 5 branches; it has 6",
    ],
    [
      "a condition of two kinds",
      () =>
        activity({
          MultiCondition: { Branches: [{ Condition: { SegmentCondition: { SegmentId: "s" }, EventCondition: { MessageActivity: "x" } } }] },
        }),
      "Activities.x.MultiCondition.Branches[0].Condition must give exactly one of EventCondition, SegmentCondition and SegmentDimensions; it gives 2",
    ],
    [
      "an EventCondition on an activity that sends nothing",
      () => activity({ ConditionalSplit: { Condition: { Operator: "ALL", Conditions: [{ EventCondition: { MessageActivity: "x" } }] } } }),
      "Activities.x.ConditionalSplit.Condition.Conditions[0].EventCondition.MessageActivity: 'x' is not a message activity of this journey",
    ],
    [
      "a bad Operator",
      () =>
        activity({
          ConditionalSplit: { Condition: { Operator: "SOME" as never, Conditions: [{ SegmentCondition: { SegmentId: "s" } }] } },
        }),
      "Activities.x.ConditionalSplit.Condition.Operator must be one of ALL, ANY; got 'SOME'",
    ],
    ["an email without a template", () => activity({ EMAIL: {} }), "Activities.x.EMAIL.TemplateName is required"],
    [
      "a bad activity id",
      () => ({ ...base(), StartActivity: "a b", Activities: { "a b": { Wait: { WaitTime: { WaitFor: "PT1M" } } } } }),
      "Activities: 'a b' is not a valid activity id (1 to 128 letters, digits, - and _)",
    ],
    [
      "two start conditions",
      () => ({
        ...base(),
        StartCondition: {
          SegmentStartCondition: { SegmentId: segmentId },
          EventStartCondition: { EventFilter: { FilterType: "ENDPOINT", Dimensions: {} } },
        },
      }),
      "StartCondition must give one of EventStartCondition and SegmentStartCondition, not both",
    ],
    [
      "an event filter without a type",
      () => ({ ...base(), StartCondition: { EventStartCondition: { EventFilter: { Dimensions: {} } as never } } }),
      "Missing required member 'StartCondition.EventStartCondition.EventFilter.FilterType'",
    ],
    ["a DailyCap over 100", () => ({ ...base(), Limits: { DailyCap: 101 } }), "Limits.DailyCap must be an integer from 0 to 100; got 101"],
    [
      "a bad re-entry interval",
      () => ({ ...base(), Limits: { EndpointReentryInterval: "1h" } }),
      "Limits.EndpointReentryInterval must be an ISO 8601 duration such as PT1H or P1D; got '1h'",
    ],
    [
      "a bad RefreshFrequency",
      () => ({ ...base(), RefreshFrequency: "hourly" }),
      "RefreshFrequency must be an ISO 8601 duration such as PT1H or P1D; got 'hourly'",
    ],
    [
      "an end before the start",
      () => ({ ...base(), Schedule: { StartTime: new Date(now + DAY), EndTime: new Date(now) } }),
      "Schedule.EndTime must be after Schedule.StartTime",
    ],
    [
      "a bad time zone",
      () => ({ ...base(), Schedule: { Timezone: "Mars/Olympus" } }),
      "Schedule.Timezone must be UTC, a UTC offset such as UTC+05:30 or UTC-08, or an IANA time zone name; got 'Mars/Olympus'",
    ],
    [
      "a bad QuietTime",
      () => ({ ...base(), QuietTime: { Start: "25:00", End: "07:00" } }),
      "QuietTime.Start must be a 24-hour time in HH:MM form (for example 02:30 or 14:30); got '25:00'",
    ],
    [
      "Amazon Connect settings",
      () => ({ ...base(), JourneyChannelSettings: { ConnectCampaignArn: "arn:aws:connect:us-east-1:111122223333:instance/x" } }),
      "JourneyChannelSettings configures Amazon Connect, which is not available in pinrec",
    ],
    [
      "an ACTIVE journey without a start condition",
      () => ({ ...base(), State: "ACTIVE", StartCondition: undefined }),
      "StartCondition is required to publish a journey (State ACTIVE): give a SegmentStartCondition or an EventStartCondition",
    ],
  ])("%s: 400 naming the member, nothing stored", async (_, req, message) => {
    const before = (await a.send(new ListJourneysCommand({ ApplicationId: appId, PageSize: "1000" }))).JourneysResponse!.Item!.length;
    expect(await refused(() => create(req()))).toEqual(["BadRequestException", 400, message]);
    const after = (await a.send(new ListJourneysCommand({ ApplicationId: appId, PageSize: "1000" }))).JourneysResponse!.Item!.length;
    expect(after).toBe(before);
  });

  test("templates, segments, apps and journeys that do not exist: 404 naming the member", async () => {
    const cases: [WriteJourneyRequest, string][] = [
      [
        { ...base(), StartCondition: { SegmentStartCondition: { SegmentId: "f".repeat(32) } } },
        "StartCondition.SegmentStartCondition.SegmentId: Segment",
      ],
      [
        { ...base(), Activities: { ...base().Activities, hello: { EMAIL: { TemplateName: "nope", NextActivity: "pause" } } } },
        "Activities.hello.EMAIL.TemplateName: ",
      ],
      [
        {
          ...base(),
          Activities: { ...base().Activities, hello: { EMAIL: { TemplateName: "hello", TemplateVersion: "9", NextActivity: "pause" } } },
        },
        "Activities.hello.EMAIL.TemplateName: Version '9'",
      ],
      // An SMS template name given to an EMAIL activity is not an email template.
      [
        { ...base(), Activities: { ...base().Activities, hello: { EMAIL: { TemplateName: "picks", NextActivity: "pause" } } } },
        "Activities.hello.EMAIL.TemplateName: ",
      ],
      [
        {
          ...base(),
          StartActivity: "x",
          Activities: { x: { MultiCondition: { Branches: [{ Condition: { SegmentCondition: { SegmentId: "e".repeat(32) } } }] } } },
        },
        "Activities.x.MultiCondition.Branches[0].Condition.SegmentCondition.SegmentId: Segment",
      ],
    ];
    for (const [req, prefix] of cases) {
      const [name, status, message] = await refused(() => create(req));
      expect([name, status]).toEqual(["NotFoundException", 404]);
      expect(message.startsWith(prefix)).toBe(true);
    }
    const ghost = "0".repeat(32);
    expect(await refused(() => create(base(), ghost))).toEqual(["NotFoundException", 404, `Application '${ghost}' was not found`]);
    for (const call of [
      () => get(ghost),
      () => update(ghost, base()),
      () => setState(ghost, "ACTIVE"),
      () => a.send(new DeleteJourneyCommand({ ApplicationId: appId, JourneyId: ghost })),
    ]) {
      expect(await refused(call)).toEqual(["NotFoundException", 404, `Journey '${ghost}' was not found in application '${appId}'`]);
    }
    expect((await refused(() => a.send(new ListJourneysCommand({ ApplicationId: ghost }))))[2]).toBe(
      `Application '${ghost}' was not found`,
    );
  });

  test("every activity type and start condition AWS documents is stored as given", async () => {
    const activities: Record<string, Activity> = {
      start: { Holdout: { Percentage: 10, NextActivity: "split" }, Description: "hold ten percent out" },
      split: {
        RandomSplit: {
          Branches: [
            { Percentage: 70, NextActivity: "mail" },
            { Percentage: 30, NextActivity: "text" },
          ],
        },
      },
      mail: {
        EMAIL: { TemplateName: "hello", TemplateVersion: "1", MessageConfig: { FromAddress: "shop@example.com" }, NextActivity: "check" },
      },
      text: { SMS: { TemplateName: "picks", MessageConfig: { MessageType: "PROMOTIONAL" } } },
      check: {
        ConditionalSplit: {
          Condition: {
            Operator: "ANY",
            Conditions: [
              {
                EventCondition: {
                  MessageActivity: "mail",
                  Dimensions: { EventType: { DimensionType: "INCLUSIVE", Values: ["_email.open"] } },
                },
              },
            ],
          },
          EvaluationWaitTime: { WaitFor: "PT12H" },
          TrueActivity: "multi",
          FalseActivity: "until",
        },
      },
      until: { Wait: { WaitTime: { WaitUntil: "2031-01-01T00:00:00.000Z" } } },
      multi: {
        MultiCondition: {
          Branches: [
            { Condition: { SegmentCondition: { SegmentId: segmentId } }, NextActivity: "hook" },
            { Condition: { SegmentDimensions: { Demographic: { Platform: { Values: ["ios"] } } } } },
          ],
          DefaultActivity: "until",
          EvaluationWaitTime: { WaitFor: "P1D" },
        },
      },
      hook: { CUSTOM: { DeliveryUri: "https://hooks.example.com/journey", EndpointTypes: ["EMAIL"], MessageConfig: { Data: "{}" } } },
    };
    const event: WriteJourneyRequest = {
      Name: "all kinds",
      StartActivity: "start",
      Activities: activities,
      StartCondition: {
        Description: "signed up",
        EventStartCondition: {
          SegmentId: segmentId,
          EventFilter: { FilterType: "ENDPOINT", Dimensions: { EventType: { Values: ["signup"] } } },
        },
      },
      State: "ACTIVE",
    };
    const j = await create(event);
    expect(j).toMatchObject({ Activities: activities, StartCondition: event.StartCondition, State: "ACTIVE" });
    expect(await get(j.Id!)).toEqual(j);
  });

  test("DeleteJourney returns the journey; DeleteSegment is refused while a journey names the segment", async () => {
    const seg = (await a.send(new CreateSegmentCommand({ ApplicationId: appId, WriteSegmentRequest: { Name: "used", Dimensions: {} } })))
      .SegmentResponse!.Id!;
    const j = await create({ ...base(), Name: "user of seg", StartCondition: { SegmentStartCondition: { SegmentId: seg } } });
    const e = await refused(() => a.send(new DeleteSegmentCommand({ ApplicationId: appId, SegmentId: seg })));
    expect(e.slice(0, 2)).toEqual(["BadRequestException", 400]);
    expect(e[2]).toContain(`journey 'user of seg' (${j.Id})`);
    const deleted = (await a.send(new DeleteJourneyCommand({ ApplicationId: appId, JourneyId: j.Id }))).JourneyResponse!;
    expect(deleted).toEqual(j);
    expect((await refused(() => get(j.Id!)))[0]).toBe("NotFoundException");
    await a.send(new DeleteSegmentCommand({ ApplicationId: appId, SegmentId: seg }));
  });

  test("another account sees none of it", async () => {
    const j = await create(base());
    const b = pinpointClient(server, ACCOUNT_B);
    const e = await errorOf(() => b.send(new GetJourneyCommand({ ApplicationId: appId, JourneyId: j.Id })));
    expect([e.name, e.message]).toEqual(["NotFoundException", `Application '${appId}' was not found`]);
    for (const call of [
      () => b.send(new UpdateJourneyStateCommand({ ApplicationId: appId, JourneyId: j.Id, JourneyStateRequest: { State: "CANCELLED" } })),
      () => b.send(new DeleteJourneyCommand({ ApplicationId: appId, JourneyId: j.Id })),
      () => b.send(new ListJourneysCommand({ ApplicationId: appId })),
    ]) {
      expect((await errorOf(call)).name).toBe("NotFoundException");
    }
    const mine: JourneyResponse = await get(j.Id!);
    expect(mine.State).toBe("DRAFT");
  });
});
