/** Email, SMS and push templates, versions and lists, through the real AWS SDK, on both stores. */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  CreateEmailTemplateCommand,
  CreatePushTemplateCommand,
  CreateRecommenderConfigurationCommand,
  CreateSmsTemplateCommand,
  DeleteEmailTemplateCommand,
  DeletePushTemplateCommand,
  DeleteSmsTemplateCommand,
  GetEmailTemplateCommand,
  GetPushTemplateCommand,
  GetSmsTemplateCommand,
  ListTemplatesCommand,
  ListTemplateVersionsCommand,
  UpdateEmailTemplateCommand,
  UpdatePushTemplateCommand,
  UpdateSmsTemplateCommand,
  UpdateTemplateActiveVersionCommand,
  type EmailTemplateRequest,
  type PinpointClient,
} from "@aws-sdk/client-pinpoint";
import {
  ACCOUNT_A,
  ACCOUNT_B,
  CAMPAIGN,
  ROLE,
  STORE_KINDS,
  errorOf,
  pinpointClient,
  startTestServer,
  type TestServer,
} from "../helpers.js";
import { expectPinpointError, rawRequest } from "../signing.js";

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const HTML = `<p>Hi {{User.UserAttributes.FirstName.[0]}},</p>
<ul>{{#each RecommendationItems}}<li>{{@index}}: {{this}}</li>{{/each}}</ul>
{{#if Recommendations.Name}}{{Recommendations.Name.[0]}} - {{Recommendations.Category.[0]}}{{else}}nothing{{/if}}`;

describe.each(STORE_KINDS)("templates on %s", (kind) => {
  let server: TestServer;
  let a: PinpointClient;
  let recommenderId: string;
  const email = (name: string, req: EmailTemplateRequest) =>
    a.send(new CreateEmailTemplateCommand({ TemplateName: name, EmailTemplateRequest: req }));
  const getEmail = async (name: string, version?: string) =>
    (await a.send(new GetEmailTemplateCommand({ TemplateName: name, Version: version }))).EmailTemplateResponse!;

  beforeAll(async () => {
    server = await startTestServer(kind);
    a = pinpointClient(server);
    const r = await a.send(
      new CreateRecommenderConfigurationCommand({
        CreateRecommenderConfiguration: {
          RecommendationProviderUri: CAMPAIGN,
          RecommendationProviderRoleArn: ROLE,
          RecommendationsDisplayName: "Picks",
        },
      }),
    );
    recommenderId = r.RecommenderConfigurationResponse!.Id!;
  });
  afterAll(async () => {
    await server.dispose();
  });

  test("CreateEmailTemplate answers 201 CreateTemplateMessageBody; Get returns version 1 with every member", async () => {
    const req: EmailTemplateRequest = {
      Subject: "Picks for {{User.UserId}}",
      HtmlPart: HTML,
      TextPart: "{{RecommendationItems.[0]}}",
      DefaultSubstitutions: JSON.stringify({ "User.UserAttributes.FirstName": "there" }),
      RecommenderId: recommenderId,
      TemplateDescription: "weekly picks",
      Headers: [{ Name: "X-Campaign", Value: "{{Attributes.Campaign.[0]}}" }],
      tags: { team: "growth" },
    };
    const r = await email("Weekly_Picks-1", req);
    expect(r.$metadata.httpStatusCode).toBe(201);
    const arn = `arn:aws:mobiletargeting:us-east-1:${ACCOUNT_A.accountId}:templates/Weekly_Picks-1/EMAIL`;
    expect(r.CreateTemplateMessageBody).toEqual({ Arn: arn, Message: "Created", RequestID: r.$metadata.requestId });
    const got = await a.send(new GetEmailTemplateCommand({ TemplateName: "Weekly_Picks-1" }));
    expect(got.$metadata.httpStatusCode).toBe(200);
    const t = got.EmailTemplateResponse!;
    const { tags, ...content } = req;
    expect(t).toEqual({
      ...content,
      Arn: arn,
      tags,
      TemplateName: "Weekly_Picks-1",
      TemplateType: "EMAIL",
      Version: "1",
      CreationDate: t.CreationDate,
      LastModifiedDate: t.LastModifiedDate,
    });
    expect(t.CreationDate).toMatch(ISO);
    expect(t.LastModifiedDate).toBe(t.CreationDate);
    await a.send(new DeleteEmailTemplateCommand({ TemplateName: "Weekly_Picks-1" }));
  });

  test("versions: update overwrites the latest, create-new-version appends, Get serves the active one", async () => {
    await email("versioned", { Subject: "v1", RecommenderId: recommenderId, tags: { a: "1" } });
    const u = await a.send(
      new UpdateEmailTemplateCommand({
        TemplateName: "versioned",
        EmailTemplateRequest: { Subject: "v1 edited", RecommenderId: recommenderId },
      }),
    );
    expect(u.$metadata.httpStatusCode).toBe(202);
    expect(u.MessageBody).toEqual({ Message: "Accepted", RequestID: u.$metadata.requestId });
    expect((await getEmail("versioned")).Subject).toBe("v1 edited");
    await new Promise((r) => setTimeout(r, 5));
    await a.send(
      new UpdateEmailTemplateCommand({
        TemplateName: "versioned",
        CreateNewVersion: true,
        EmailTemplateRequest: { Subject: "v2", tags: { ignored: "yes" } },
      }),
    );
    await a.send(
      new UpdateEmailTemplateCommand({
        TemplateName: "versioned",
        CreateNewVersion: true,
        EmailTemplateRequest: { Subject: "v3", RecommenderId: recommenderId },
      }),
    );
    // The active version is still 1 until changed.
    const active = await getEmail("versioned");
    expect([active.Version, active.Subject, active.RecommenderId]).toEqual(["1", "v1 edited", recommenderId]);
    expect(active.tags).toEqual({ a: "1" });
    const v2 = await getEmail("versioned", "2");
    expect([v2.Version, v2.Subject, v2.RecommenderId]).toEqual(["2", "v2", undefined]);
    expect(v2.LastModifiedDate! > active.CreationDate!).toBe(true);
    // Update with version: only the latest.
    const notLatest = await errorOf(() =>
      a.send(new UpdateEmailTemplateCommand({ TemplateName: "versioned", Version: "2", EmailTemplateRequest: { Subject: "x" } })),
    );
    expect(notLatest.name).toBe("BadRequestException");
    await a.send(
      new UpdateEmailTemplateCommand({ TemplateName: "versioned", Version: "3", EmailTemplateRequest: { Subject: "v3 edited" } }),
    );
    expect((await getEmail("versioned", "3")).Subject).toBe("v3 edited");
    const both = await errorOf(() =>
      a.send(new UpdateEmailTemplateCommand({ TemplateName: "versioned", Version: "3", CreateNewVersion: true, EmailTemplateRequest: {} })),
    );
    expect(both.name).toBe("BadRequestException");
    // Activate: latest, then an explicit id.
    const act = await a.send(
      new UpdateTemplateActiveVersionCommand({
        TemplateName: "versioned",
        TemplateType: "EMAIL",
        TemplateActiveVersionRequest: { Version: "latest" },
      }),
    );
    expect(act.$metadata.httpStatusCode).toBe(200);
    expect(act.MessageBody!.RequestID).toBe(act.$metadata.requestId);
    expect((await getEmail("versioned")).Version).toBe("3");
    await a.send(
      new UpdateTemplateActiveVersionCommand({
        TemplateName: "versioned",
        TemplateType: "email",
        TemplateActiveVersionRequest: { Version: "2" },
      }),
    );
    expect((await getEmail("versioned")).Subject).toBe("v2");
    for (const v of ["9", "abc"]) {
      const e = await errorOf(() =>
        a.send(
          new UpdateTemplateActiveVersionCommand({
            TemplateName: "versioned",
            TemplateType: "EMAIL",
            TemplateActiveVersionRequest: { Version: v },
          }),
        ),
      );
      expect([v, e.name]).toEqual([v, "NotFoundException"]);
    }
    expect(
      (
        await errorOf(() =>
          a.send(
            new UpdateTemplateActiveVersionCommand({
              TemplateName: "versioned",
              TemplateType: "EMAIL",
              TemplateActiveVersionRequest: {} as never,
            }),
          ),
        )
      ).name,
    ).toBe("BadRequestException");
    expect(
      (
        await errorOf(() =>
          a.send(
            new UpdateTemplateActiveVersionCommand({
              TemplateName: "versioned",
              TemplateType: "FAX",
              TemplateActiveVersionRequest: { Version: "1" },
            }),
          ),
        )
      ).name,
    ).toBe("BadRequestException");
    expect((await errorOf(() => getEmail("versioned", "7"))).name).toBe("NotFoundException");

    // ListTemplateVersions in order, paged.
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const r = await a.send(
        new ListTemplateVersionsCommand({ TemplateName: "versioned", TemplateType: "EMAIL", PageSize: "2", NextToken: token }),
      );
      expect(r.$metadata.httpStatusCode).toBe(200);
      for (const i of r.TemplateVersionsResponse!.Item!) {
        expect(i).toMatchObject({ TemplateName: "versioned", TemplateType: "EMAIL" });
        expect(i.CreationDate).toMatch(ISO);
        seen.push(i.Version!);
      }
      token = r.TemplateVersionsResponse!.NextToken;
    } while (token);
    expect(seen).toEqual(["1", "2", "3"]);

    // Delete one version: not the active one; version ids are never reused.
    expect((await errorOf(() => a.send(new DeleteEmailTemplateCommand({ TemplateName: "versioned", Version: "2" })))).name).toBe(
      "BadRequestException",
    );
    const dv = await a.send(new DeleteEmailTemplateCommand({ TemplateName: "versioned", Version: "3" }));
    expect(dv.$metadata.httpStatusCode).toBe(202);
    expect((await errorOf(() => getEmail("versioned", "3"))).name).toBe("NotFoundException");
    await a.send(
      new UpdateEmailTemplateCommand({ TemplateName: "versioned", CreateNewVersion: true, EmailTemplateRequest: { Subject: "v4" } }),
    );
    expect((await getEmail("versioned", "4")).Subject).toBe("v4");
    // Without a version, delete removes the template and every version.
    await a.send(new DeleteEmailTemplateCommand({ TemplateName: "versioned" }));
    expect((await errorOf(() => getEmail("versioned"))).name).toBe("NotFoundException");
    expect((await errorOf(() => a.send(new ListTemplateVersionsCommand({ TemplateName: "versioned", TemplateType: "EMAIL" })))).name).toBe(
      "NotFoundException",
    );
    expect((await errorOf(() => a.send(new DeleteEmailTemplateCommand({ TemplateName: "versioned" })))).name).toBe("NotFoundException");
  });

  test("SMS and push templates: create, get, update, delete", async () => {
    const s = await a.send(
      new CreateSmsTemplateCommand({
        TemplateName: "sms-1",
        SMSTemplateRequest: { Body: "Try {{RecommendationItems.[0]}}", RecommenderId: recommenderId },
      }),
    );
    expect(s.CreateTemplateMessageBody!.Arn).toBe(`arn:aws:mobiletargeting:us-east-1:${ACCOUNT_A.accountId}:templates/sms-1/SMS`);
    const gs = (await a.send(new GetSmsTemplateCommand({ TemplateName: "sms-1" }))).SMSTemplateResponse!;
    expect(gs).toMatchObject({
      Body: "Try {{RecommendationItems.[0]}}",
      RecommenderId: recommenderId,
      TemplateType: "SMS",
      Version: "1",
      tags: {},
    });
    await a.send(new UpdateSmsTemplateCommand({ TemplateName: "sms-1", SMSTemplateRequest: { Body: "changed" } }));
    expect((await a.send(new GetSmsTemplateCommand({ TemplateName: "sms-1" }))).SMSTemplateResponse!.Body).toBe("changed");
    expect((await a.send(new DeleteSmsTemplateCommand({ TemplateName: "sms-1" }))).$metadata.httpStatusCode).toBe(202);

    const push = {
      Default: { Title: "Hi {{User.UserId}}", Body: "{{RecommendationItems.[0]}}", Action: "OPEN_APP" as const },
      APNS: { Body: "apns", Sound: "default", MediaUrl: "https://example.com/{{Id}}.png" },
      GCM: { Body: "gcm", ImageUrl: "https://example.com/i.png", RawContent: '{"data":{"id":"{{Id}}"}}' },
      RecommenderId: recommenderId,
    };
    await a.send(new CreatePushTemplateCommand({ TemplateName: "push-1", PushNotificationTemplateRequest: push }));
    const gp = (await a.send(new GetPushTemplateCommand({ TemplateName: "push-1" }))).PushNotificationTemplateResponse!;
    expect(gp).toMatchObject({ ...push, TemplateType: "PUSH", Version: "1" });
    await a.send(
      new UpdatePushTemplateCommand({
        TemplateName: "push-1",
        CreateNewVersion: true,
        PushNotificationTemplateRequest: { Default: { Body: "v2" } },
      }),
    );
    expect(
      (await a.send(new GetPushTemplateCommand({ TemplateName: "push-1", Version: "2" }))).PushNotificationTemplateResponse!.Default,
    ).toEqual({ Body: "v2" });
    await a.send(new DeletePushTemplateCommand({ TemplateName: "push-1" }));
  });

  test("a name exists once per type: a duplicate is a 400, the same name of another type is fine", async () => {
    await email("dup", { Subject: "a" });
    const err = await errorOf(() => email("dup", { Subject: "b" }));
    expect([err.name, err.$metadata.httpStatusCode]).toEqual(["BadRequestException", 400]);
    expect((await getEmail("dup")).Subject).toBe("a");
    await a.send(new CreateSmsTemplateCommand({ TemplateName: "dup", SMSTemplateRequest: { Body: "b" } }));
    await a.send(new DeleteEmailTemplateCommand({ TemplateName: "dup" }));
    await a.send(new DeleteSmsTemplateCommand({ TemplateName: "dup" }));
  });

  test("Handlebars that does not parse is refused with a 400 naming the part, line and column", async () => {
    const cases: [EmailTemplateRequest, RegExp][] = [
      [{ Subject: "ok", HtmlPart: "<p>\n{{#each RecommendationItems}}\n <li>{{this}</li>\n{{/each}}" }, /HtmlPart.*line 3, column \d+/],
      [{ Subject: "{{#if a}}x{{/each}}" }, /Subject.*line 1, column \d+.*doesn't match/],
      [{ TextPart: "{{{oops}}" }, /TextPart.*line 1/],
      [{ Headers: [{ Name: "X", Value: "{{bad" }] }, /Headers\[0\]\.Value/],
    ];
    for (const [req, message] of cases) {
      const err = await errorOf(() => email("bad-hbs", req));
      expect(err.name).toBe("BadRequestException");
      expect(err.message).toMatch(message);
    }
    expect((await errorOf(() => getEmail("bad-hbs"))).name).toBe("NotFoundException");
    const sms = await errorOf(() =>
      a.send(new CreateSmsTemplateCommand({ TemplateName: "bad-hbs", SMSTemplateRequest: { Body: "{{/if}}" } })),
    );
    expect(sms.message).toMatch(/^Body/);
    const push = await errorOf(() =>
      a.send(new CreatePushTemplateCommand({ TemplateName: "bad-hbs", PushNotificationTemplateRequest: { APNS: { Title: "{{x" } } })),
    );
    expect(push.message).toMatch(/^APNS\.Title/);
    // Updates are checked the same way and leave the stored version untouched.
    await email("good-hbs", { Subject: "{{User.UserId}}" });
    const upd = await errorOf(() =>
      a.send(new UpdateEmailTemplateCommand({ TemplateName: "good-hbs", EmailTemplateRequest: { Subject: "{{#if}" } })),
    );
    expect(upd.name).toBe("BadRequestException");
    expect((await getEmail("good-hbs")).Subject).toBe("{{User.UserId}}");
    await a.send(new DeleteEmailTemplateCommand({ TemplateName: "good-hbs" }));
  });

  const invalid: [string, string, EmailTemplateRequest][] = [
    ["unknown recommender", "bad-1", { RecommenderId: "0123456789abcdef0123456789abcdef" }],
    ["DefaultSubstitutions not JSON", "bad-2", { DefaultSubstitutions: "{nope" }],
    ["DefaultSubstitutions an array", "bad-3", { DefaultSubstitutions: "[1]" }],
    ["DefaultSubstitutions a string", "bad-4", { DefaultSubstitutions: '"x"' }],
    ["email over 600,000 characters", "bad-5", { HtmlPart: "x".repeat(600_001) }],
    ["16 headers", "bad-6", { Headers: Array.from({ length: 16 }, (_, i) => ({ Name: `H${i}`, Value: "v" })) }],
    ["header value 871", "bad-7", { Headers: [{ Name: "H", Value: "v".repeat(871) }] }],
    ["name starting with a hyphen", "-bad", {}],
    ["name with a dot", "bad.name", {}],
    ["name 129 characters", "n".repeat(129), {}],
    ["tag with aws: prefix", "bad-8", { tags: { "aws:x": "y" } }],
  ];

  test.each(invalid)("400 BadRequestException and nothing stored: %s", async (_label, name, req) => {
    const err = await errorOf(() => email(name, req));
    expect([err.name, err.$metadata.httpStatusCode]).toEqual(["BadRequestException", 400]);
    expect((await errorOf(() => getEmail(name))).name).toBe("NotFoundException");
  });

  test("SMS and push size quotas and the push Action enum", async () => {
    for (const call of [
      () => a.send(new CreateSmsTemplateCommand({ TemplateName: "big", SMSTemplateRequest: { Body: "x".repeat(1601) } })),
      () =>
        a.send(
          new CreatePushTemplateCommand({ TemplateName: "big", PushNotificationTemplateRequest: { GCM: { Body: "x".repeat(4001) } } }),
        ),
      () =>
        a.send(
          new CreatePushTemplateCommand({ TemplateName: "big", PushNotificationTemplateRequest: { ADM: { Body: "x".repeat(6001) } } }),
        ),
      () =>
        a.send(
          new CreatePushTemplateCommand({
            TemplateName: "big",
            PushNotificationTemplateRequest: { Default: { Action: "LAUNCH" as never } },
          }),
        ),
    ]) {
      expect((await errorOf(call)).name).toBe("BadRequestException");
    }
    await a.send(new CreateSmsTemplateCommand({ TemplateName: "big", SMSTemplateRequest: { Body: "x".repeat(1600) } }));
    await a.send(
      new CreatePushTemplateCommand({ TemplateName: "big", PushNotificationTemplateRequest: { ADM: { Body: "x".repeat(6000) } } }),
    );
    await a.send(new DeleteSmsTemplateCommand({ TemplateName: "big" }));
    await a.send(new DeletePushTemplateCommand({ TemplateName: "big" }));
  });

  test("ListTemplates: prefix, template-type, paging, active version", async () => {
    await email("list_a1", { Subject: "a" });
    await email("list_a2", { Subject: "a" });
    await a.send(new CreateSmsTemplateCommand({ TemplateName: "list_a3", SMSTemplateRequest: { Body: "b" } }));
    await email("listXb", { Subject: "c" });
    await a.send(
      new UpdateEmailTemplateCommand({ TemplateName: "list_a2", CreateNewVersion: true, EmailTemplateRequest: { Subject: "a2" } }),
    );
    await a.send(
      new UpdateTemplateActiveVersionCommand({
        TemplateName: "list_a2",
        TemplateType: "EMAIL",
        TemplateActiveVersionRequest: { Version: "latest" },
      }),
    );
    const all = (await a.send(new ListTemplatesCommand({ Prefix: "list" }))).TemplatesResponse!;
    expect(all.Item!.map((i) => `${i.TemplateName}/${i.TemplateType}/${i.Version}`)).toEqual([
      "list_a1/EMAIL/1",
      "list_a2/EMAIL/2",
      "list_a3/SMS/1",
      "listXb/EMAIL/1",
    ]);
    expect(Object.keys(all.Item![0]).sort()).toEqual(["CreationDate", "LastModifiedDate", "TemplateName", "TemplateType", "Version"]);
    // `_` is not a wildcard.
    expect((await a.send(new ListTemplatesCommand({ Prefix: "list_" }))).TemplatesResponse!.Item!.map((i) => i.TemplateName)).toEqual([
      "list_a1",
      "list_a2",
      "list_a3",
    ]);
    expect(
      (await a.send(new ListTemplatesCommand({ Prefix: "list", TemplateType: "SMS" }))).TemplatesResponse!.Item!.map((i) => i.TemplateName),
    ).toEqual(["list_a3"]);
    const names: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const r = await a.send(new ListTemplatesCommand({ Prefix: "list", PageSize: "3", NextToken: token }));
      names.push(...r.TemplatesResponse!.Item!.map((i) => i.TemplateName!));
      token = r.TemplatesResponse!.NextToken;
      pages++;
    } while (token);
    expect([names.length, pages]).toEqual([4, 2]);
    for (const bad of [{ PageSize: "0" }, { NextToken: "nope" }, { TemplateType: "FAX" }]) {
      expect((await errorOf(() => a.send(new ListTemplatesCommand(bad)))).name).toBe("BadRequestException");
    }
    for (const n of ["list_a1", "list_a2", "listXb"]) await a.send(new DeleteEmailTemplateCommand({ TemplateName: n }));
    await a.send(new DeleteSmsTemplateCommand({ TemplateName: "list_a3" }));
  });

  test("tenants: another account or region sees no templates and its recommenders are not ours", async () => {
    await email("tenant-t", { Subject: "x" });
    for (const other of [pinpointClient(server, ACCOUNT_B), pinpointClient(server, ACCOUNT_A, "eu-west-1")]) {
      expect((await other.send(new ListTemplatesCommand({}))).TemplatesResponse!.Item).toEqual([]);
      expect((await errorOf(() => other.send(new GetEmailTemplateCommand({ TemplateName: "tenant-t" })))).name).toBe("NotFoundException");
      expect((await errorOf(() => other.send(new DeleteEmailTemplateCommand({ TemplateName: "tenant-t" })))).name).toBe(
        "NotFoundException",
      );
      const rec = await errorOf(() =>
        other.send(new CreateEmailTemplateCommand({ TemplateName: "x", EmailTemplateRequest: { RecommenderId: recommenderId } })),
      );
      expect(rec.name).toBe("BadRequestException");
      // The same name is free in another tenant.
      await other.send(new CreateEmailTemplateCommand({ TemplateName: "tenant-t", EmailTemplateRequest: { Subject: "theirs" } }));
    }
    expect((await getEmail("tenant-t")).Subject).toBe("x");
    await a.send(new DeleteEmailTemplateCommand({ TemplateName: "tenant-t" }));
  });

  test("wire: Create* answers in the Pinpoint envelope; type errors are 400s", async () => {
    expectPinpointError(
      await rawRequest(server, { method: "POST", path: "/v1/templates/w/email", body: JSON.stringify({ Subject: 1 }) }),
      400,
      "BadRequestException",
    );
    expectPinpointError(await rawRequest(server, { method: "GET", path: "/v1/templates/missing/sms" }), 404, "NotFoundException");
    expectPinpointError(
      await rawRequest(server, { method: "GET", path: "/v1/templates/w/email", query: { version: "x" } }),
      404,
      "NotFoundException",
    );
    expectPinpointError(
      await rawRequest(server, { method: "PUT", path: "/v1/templates/w/email", query: { "create-new-version": "maybe" }, body: "{}" }),
      400,
      "BadRequestException",
    );
    const ok = await rawRequest(server, { method: "POST", path: "/v1/templates/w/email", body: "" });
    expect(ok.status).toBe(201);
    expect(Object.keys(ok.json).sort()).toEqual(["Arn", "Message", "RequestID"]);
    await a.send(new DeleteEmailTemplateCommand({ TemplateName: "w" }));
  });
});
