/**
 * SendMessages and SendUsersMessages through the whole pipeline, driven by the real
 * `@aws-sdk/client-pinpoint`: recipients, the embedded engine's recommendations (both id types),
 * a local transformer, rendering, and the outbox, on SQLite and PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  CreateEmailTemplateCommand,
  CreateSmsTemplateCommand,
  DeleteRecommenderConfigurationCommand,
  SendMessagesCommand,
  SendUsersMessagesCommand,
  UpdateEmailTemplateCommand,
  type EndpointBatchItem,
  type PinpointClient,
} from "@aws-sdk/client-pinpoint";
import type { PersonalizeRuntimeClient } from "@aws-sdk/client-personalize-runtime";
import type { RenderedMessage } from "../../../src/pinpoint/messaging/contracts.js";
import type { CampaignRecord } from "../../../src/store/personalize-campaigns.js";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { BIN, cleanEnv, writeCredentials } from "../../server-process.js";
import { expectPinpointError, rawRequest } from "../../signing.js";
import { STORE_KINDS, errorOf, pinpointClient, startTestServer, tempDir, type TestServer } from "../../helpers.js";
import {
  TENANT_A,
  createApp,
  createRecommender,
  putEndpoints,
  recommendationsOf,
  runtimeClient,
  trainCampaign,
  writeSendFunctions,
} from "./send-fixtures.js";

describe.each(STORE_KINDS)("SendMessages and SendUsersMessages on %s", (kind) => {
  const dir = tempDir("pinrec-send-");
  let server: TestServer;
  let client: PinpointClient;
  let runtime: PersonalizeRuntimeClient;
  let campaign: CampaignRecord;
  let appId: string;
  let byEndpoint: string;
  let byUser: string;

  const outboxed = async (messageId: string): Promise<RenderedMessage> => {
    const rec = await server.store.outbox.get(TENANT_A, messageId);
    expect(rec, `message ${messageId} is in the outbox`).toBeDefined();
    return JSON.parse(rec!.doc) as RenderedMessage;
  };
  const outboxCount = async () => (await server.store.outbox.list(TENANT_A, {}, 0, 10_000)).items.length;

  beforeAll(async () => {
    writeSendFunctions(`${dir.path}/functions`);
    server = await startTestServer(kind, { campaignPollMs: 0, functionsDir: `${dir.path}/functions`, functionTimeoutMs: 6000 });
    campaign = await trainCampaign(server.store, TENANT_A, "movies", dir.path);
    client = pinpointClient(server);
    runtime = runtimeClient(server);
    appId = await createApp(client);
    byEndpoint = await createRecommender(client, campaign.arn);
    byUser = await createRecommender(client, campaign.arn, {
      RecommendationProviderIdType: "PINPOINT_USER_ID",
      RecommendationTransformerUri: "add-titles",
      Attributes: { "Recommendations.Title": "Title" },
    });
    await client.send(
      new CreateEmailTemplateCommand({
        TemplateName: "picks",
        EmailTemplateRequest: {
          Subject: "Hi {{User.UserAttributes.FirstName.[0]}}, {{RecommendationItems.[0]}} first",
          HtmlPart: "<ul>{{#each RecommendationItems}}<li>{{this}}</li>{{/each}}</ul><p>{{Attributes.Note}}</p>",
          TextPart: "{{#each RecommendationItems}}{{this}};{{/each}} {{Attributes.Note}}",
          RecommenderId: byEndpoint,
          DefaultSubstitutions: JSON.stringify({ "User.UserAttributes.FirstName": "there" }),
        },
      }),
    );
    await client.send(
      new CreateEmailTemplateCommand({
        TemplateName: "titled",
        EmailTemplateRequest: {
          Subject: "{{Recommendations.Title.[0]}}",
          TextPart:
            "{{RecommendationItems.[0]}}|{{Recommendations.Title.[0]}}|{{Recommendations.Ignored}}|{{#each Recommendations.Title}}{{this}},{{/each}}",
          RecommenderId: byUser,
        },
      }),
    );
    await client.send(
      new CreateSmsTemplateCommand({ TemplateName: "plain", SMSTemplateRequest: { Body: "Hello {{Name}} <b>&</b> {{Attributes.Note}}" } }),
    );
    const endpoints: EndpointBatchItem[] = [
      {
        Id: "ep-1",
        ChannelType: "EMAIL",
        Address: "one@example.com",
        User: { UserId: "u1", UserAttributes: { FirstName: ["Ana"] } },
        Attributes: { Note: ["<b>bold</b> & co"] },
      },
      { Id: "ep-2", ChannelType: "EMAIL", Address: "two@example.com", User: { UserId: "u2" } },
      { Id: "ep-3", ChannelType: "SMS", Address: "+15550000003", User: { UserId: "u1" }, Attributes: { Note: ["<i>x</i>"] } },
      { Id: "ep-optout", ChannelType: "EMAIL", Address: "out@example.com", OptOut: "ALL", User: { UserId: "u3" } },
      { Id: "ep-inactive", ChannelType: "EMAIL", Address: "gone@example.com", EndpointStatus: "INACTIVE", User: { UserId: "u3" } },
      { Id: "ep-dup", ChannelType: "EMAIL", Address: "one-dup@example.com", User: { UserId: "u4" } },
      { Id: "ep-nouser", ChannelType: "EMAIL", Address: "anon@example.com" },
      { Id: "ep-voice", ChannelType: "VOICE", Address: "+15550000009" },
    ];
    await putEndpoints(client, appId, endpoints);
  });
  afterAll(async () => {
    await server.dispose();
    dir.remove();
  });

  test("endpoint-id recommendations: each endpoint's own items, in GetRecommendations order, escaped in HTML only", async () => {
    const res = await client.send(
      new SendMessagesCommand({
        ApplicationId: appId,
        MessageRequest: {
          MessageConfiguration: {},
          TemplateConfiguration: { EmailTemplate: { Name: "picks" } },
          Endpoints: { "ep-1": {}, "ep-2": {} },
        },
      }),
    );
    expect(res.MessageResponse!.ApplicationId).toBe(appId);
    expect(res.MessageResponse!.RequestId).toBe(res.$metadata.requestId);
    for (const [id, name] of [
      ["ep-1", "Ana"],
      ["ep-2", "there"],
    ]) {
      const r = res.MessageResponse!.EndpointResult![id];
      expect(r).toMatchObject({ DeliveryStatus: "SUCCESSFUL", StatusCode: 200, StatusMessage: `MessageId: ${r.MessageId}` });
      const expected = await recommendationsOf(runtime, campaign.arn, id, 3);
      expect(expected).toHaveLength(3);
      const msg = await outboxed(r.MessageId!);
      expect(msg.channel).toBe("EMAIL");
      expect(msg.endpointId).toBe(id);
      expect(msg.email!.subject).toBe(`Hi ${name}, ${expected[0]} first`);
      // Tracking is on by default, so the open pixel follows the rendered body (its token is per message).
      const [body, pixel] = msg.email!.html!.split(/(?=<img src=")/);
      expect(body).toBe(
        `<ul>${expected.map((i) => `<li>${i}</li>`).join("")}</ul><p>${id === "ep-1" ? "&lt;b&gt;bold&lt;/b&gt; &amp; co" : ""}</p>`,
      );
      expect(pixel).toMatch(
        /^<img src="http:\/\/127\.0\.0\.1:\d+\/_pinrec\/t\/o\/[^"]+\.gif" width="1" height="1" alt="" style="display:none">$/,
      );
      expect(msg.email!.text).toBe(`${expected.map((i) => `${i};`).join("")} ${id === "ep-1" ? "<b>bold</b> & co" : ""}`);
    }
  });

  test("user-id recommendations with a transformer: every endpoint of a user gets the user's items and titles", async () => {
    const res = await client.send(
      new SendUsersMessagesCommand({
        ApplicationId: appId,
        SendUsersMessageRequest: {
          MessageConfiguration: {},
          TemplateConfiguration: { EmailTemplate: { Name: "titled" } },
          Users: { u1: {}, u2: {} },
        },
      }),
    );
    const result = res.SendUsersMessageResponse!.Result!;
    expect(Object.keys(result).sort()).toEqual(["u1", "u2"]);
    // u1's SMS endpoint has no SMS content in this request: a per-recipient failure, not a 400.
    expect(result.u1["ep-3"]).toMatchObject({ DeliveryStatus: "PERMANENT_FAILURE", StatusCode: 400, Address: "+15550000003" });
    for (const [user, ep] of [
      ["u1", "ep-1"],
      ["u2", "ep-2"],
    ]) {
      const r = result[user][ep];
      expect(r.DeliveryStatus).toBe("SUCCESSFUL");
      const items = await recommendationsOf(runtime, campaign.arn, user, 3);
      const msg = await outboxed(r.MessageId!);
      expect(msg.userId).toBe(user);
      expect(msg.email!.subject).toBe(`Title of ${items[0]}`);
      // Only attributes named in the configuration reach the template.
      expect(msg.email!.text).toBe(`${items[0]}|Title of ${items[0]}||${items.map((i) => `Title of ${i},`).join("")}`);
    }
  });

  test("per-recipient outcomes: opted out, inactive, duplicate, unknown, no user id; one bad recipient fails nothing else", async () => {
    const before = await outboxCount();
    const counted = async (status: string) => {
      const text = await (await fetch(`${server.url}/metrics`)).text();
      const line = text.split("\n").find((l) => l.startsWith(`pinrec_messages_total{channel="EMAIL",status="${status}"}`));
      return line ? Number(line.split(" ").pop()) : 0;
    };
    const metricsBefore = { sent: await counted("SUCCESSFUL"), optOut: await counted("OPT_OUT"), dup: await counted("DUPLICATE") };
    const res = await client.send(
      new SendMessagesCommand({
        ApplicationId: appId,
        MessageRequest: {
          MessageConfiguration: { EmailMessage: { Substitutions: { Name: ["All"] } } },
          TemplateConfiguration: { EmailTemplate: { Name: "titled" } },
          Addresses: { "one-dup@example.com": { ChannelType: "EMAIL" } },
          Endpoints: { "ep-1": {}, "ep-optout": {}, "ep-inactive": {}, "ep-dup": {}, "no-such": {}, "ep-nouser": {}, "ep-voice": {} },
        },
      }),
    );
    const e = res.MessageResponse!.EndpointResult!;
    expect(e["ep-1"].DeliveryStatus).toBe("SUCCESSFUL");
    expect(e["ep-optout"]).toMatchObject({ DeliveryStatus: "OPT_OUT", Address: "out@example.com" });
    expect(e["ep-inactive"]).toMatchObject({ DeliveryStatus: "PERMANENT_FAILURE" });
    expect(e["ep-inactive"].StatusMessage).toMatch(/INACTIVE/);
    expect(e["ep-dup"]).toMatchObject({ DeliveryStatus: "DUPLICATE" });
    expect(e["no-such"]).toMatchObject({ DeliveryStatus: "PERMANENT_FAILURE", StatusCode: 404 });
    expect(e["no-such"].StatusMessage).toMatch(/not found/);
    expect(e["ep-nouser"]).toMatchObject({ DeliveryStatus: "PERMANENT_FAILURE" });
    expect(e["ep-nouser"].StatusMessage).toMatch(/no User\.UserId/);
    expect(e["ep-voice"].StatusMessage).toMatch(/VOICE/);
    // A raw address has no id for the recommender to key on.
    expect(res.MessageResponse!.Result!["one-dup@example.com"]).toMatchObject({ DeliveryStatus: "PERMANENT_FAILURE" });
    expect(res.MessageResponse!.Result!["one-dup@example.com"]).not.toHaveProperty("Address");
    expect(await outboxCount()).toBe(before + 1);
    // pinrec_messages_total counts every recipient by channel and outcome.
    expect(await counted("SUCCESSFUL")).toBe(metricsBefore.sent + 1);
    expect(await counted("OPT_OUT")).toBe(metricsBefore.optOut + 1);
    expect(await counted("DUPLICATE")).toBe(metricsBefore.dup + 1);
  });

  test("raw addresses, SMS without escaping, message-level then per-recipient Substitutions, overrides", async () => {
    const res = await client.send(
      new SendMessagesCommand({
        ApplicationId: appId,
        MessageRequest: {
          MessageConfiguration: {
            SMSMessage: { Substitutions: { Name: ["Everyone"] }, MessageType: "TRANSACTIONAL" },
            DefaultMessage: { Substitutions: { Name: ["Nobody"] } },
          },
          TemplateConfiguration: { SMSTemplate: { Name: "plain" } },
          Addresses: {
            "+15551112222": { ChannelType: "SMS", Substitutions: { Name: ["Bo"] } },
            "+15553334444": { ChannelType: "SMS", BodyOverride: "Override for {{Name}}" },
          },
          Endpoints: { "ep-3": {} },
        },
      }),
    );
    const r = res.MessageResponse!;
    const bo = await outboxed(r.Result!["+15551112222"].MessageId!);
    expect(bo.sms).toEqual({ body: "Hello Bo <b>&</b> ", messageType: "TRANSACTIONAL" });
    expect((await outboxed(r.Result!["+15553334444"].MessageId!)).sms!.body).toBe("Override for Everyone");
    expect((await outboxed(r.EndpointResult!["ep-3"].MessageId!)).sms!.body).toBe("Hello Everyone <b>&</b> <i>x</i>");
  });

  test("bad requests are refused whole, and nothing is sent", async () => {
    const before = await outboxCount();
    const send = (req: Record<string, unknown>) =>
      errorOf(() => client.send(new SendMessagesCommand({ ApplicationId: appId, MessageRequest: { MessageConfiguration: {}, ...req } })));
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ TemplateConfiguration: { EmailTemplate: { Name: "picks" } } }, "BadRequestException", /no recipients/],
      [{ TemplateConfiguration: { EmailTemplate: { Name: "nope" } }, Endpoints: { "ep-1": {} } }, "NotFoundException", /nope/],
      [
        { TemplateConfiguration: { EmailTemplate: { Name: "picks", Version: "9" } }, Endpoints: { "ep-1": {} } },
        "NotFoundException",
        /Version '9'/,
      ],
      [
        { TemplateConfiguration: { EmailTemplate: { Name: "picks" } }, Addresses: { "x@example.com": {} }, Endpoints: { "ep-1": {} } },
        "BadRequestException",
        /ChannelType is required/,
      ],
      [
        { TemplateConfiguration: { EmailTemplate: { Name: "picks" } }, Addresses: { "+15550001111": { ChannelType: "SMS" } } },
        "BadRequestException",
        /no SMS content/,
      ],
      [
        { MessageConfiguration: { EmailMessage: { SimpleEmail: { Subject: { Data: "Hi {{#if x}}" } } } }, Endpoints: { "ep-1": {} } },
        "BadRequestException",
        /SimpleEmail\.Subject\.Data is not a valid template/,
      ],
      [
        { TemplateConfiguration: { EmailTemplate: { Name: "picks" } }, Endpoints: { "ep-1": { BodyOverride: "{{/each}}" } } },
        "BadRequestException",
        /Endpoints\.ep-1\.BodyOverride/,
      ],
      [
        {
          TemplateConfiguration: { EmailTemplate: { Name: "picks" } },
          Endpoints: Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`e${i}`, {}])),
        },
        "BadRequestException",
        /at most 100/,
      ],
    ];
    for (const [req, name, message] of cases) {
      const err = await send(req);
      expect(err.name, JSON.stringify(req).slice(0, 100)).toBe(name);
      expect(err.message).toMatch(message);
    }
    const users = await errorOf(() =>
      client.send(
        new SendUsersMessagesCommand({
          ApplicationId: appId,
          SendUsersMessageRequest: {
            MessageConfiguration: {},
            Users: Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`u${i}`, {}])),
          },
        }),
      ),
    );
    expect(users.name).toBe("BadRequestException");
    expect(
      (
        await errorOf(() =>
          client.send(
            new SendMessagesCommand({
              ApplicationId: "0".repeat(32),
              MessageRequest: {
                MessageConfiguration: {},
                Endpoints: { a: {} },
                TemplateConfiguration: { EmailTemplate: { Name: "picks" } },
              },
            }),
          ),
        )
      ).name,
    ).toBe("NotFoundException");
    expect(await outboxCount()).toBe(before);
  });

  test("a template whose recommender was deleted fails its recipients, naming it", async () => {
    const doomed = await createRecommender(client, campaign.arn);
    await client.send(
      new CreateEmailTemplateCommand({
        TemplateName: "orphan",
        EmailTemplateRequest: { Subject: "{{RecommendationItems.[0]}}", RecommenderId: doomed },
      }),
    );
    await client.send(new DeleteRecommenderConfigurationCommand({ RecommenderId: doomed }));
    const res = await client.send(
      new SendMessagesCommand({
        ApplicationId: appId,
        MessageRequest: {
          MessageConfiguration: {},
          TemplateConfiguration: { EmailTemplate: { Name: "orphan" } },
          Endpoints: { "ep-1": {} },
        },
      }),
    );
    const r = res.MessageResponse!.EndpointResult!["ep-1"];
    expect(r.DeliveryStatus).toBe("PERMANENT_FAILURE");
    expect(r.StatusMessage).toContain(doomed);
  });

  test("a template version without a recommender renders from defaults; Version picks it", async () => {
    await client.send(
      new UpdateEmailTemplateCommand({
        TemplateName: "picks",
        CreateNewVersion: true,
        EmailTemplateRequest: {
          Subject: "v2 {{RecommendationItems.[0]}}",
          DefaultSubstitutions: JSON.stringify({ "RecommendationItems.[0]": "nothing" }),
        },
      }),
    );
    const res = await client.send(
      new SendMessagesCommand({
        ApplicationId: appId,
        MessageRequest: {
          MessageConfiguration: {},
          TemplateConfiguration: { EmailTemplate: { Name: "picks", Version: "2" } },
          Endpoints: { "ep-2": {} },
        },
      }),
    );
    expect((await outboxed(res.MessageResponse!.EndpointResult!["ep-2"].MessageId!)).email!.subject).toBe("v2 nothing");
  });

  describe("transformer failures affect only their batch", () => {
    const template = async (name: string, fn: string) => {
      const id = await createRecommender(client, campaign.arn, {
        RecommendationTransformerUri: fn,
        Attributes: { "Recommendations.Title": "Title" },
      });
      await client.send(
        new CreateEmailTemplateCommand({
          TemplateName: name,
          EmailTemplateRequest: { Subject: "{{Recommendations.Title.[0]}}", RecommenderId: id },
        }),
      );
    };
    const ids = [...Array.from({ length: 55 }, (_, i) => `t-${i}`), "bad-1", ...Array.from({ length: 4 }, (_, i) => `t-${55 + i}`)];

    beforeAll(async () => {
      await putEndpoints(
        client,
        appId,
        ids.map((Id, i) => ({ Id, ChannelType: "EMAIL", Address: `batch${i}@example.com` })),
      );
    });

    test("batches of at most 50: the batch with a refused endpoint fails, the other is sent", async () => {
      await template("picky-t", "picky");
      const res = await client.send(
        new SendMessagesCommand({
          ApplicationId: appId,
          MessageRequest: {
            MessageConfiguration: {},
            TemplateConfiguration: { EmailTemplate: { Name: "picky-t" } },
            Endpoints: Object.fromEntries(ids.map((id) => [id, {}])),
          },
        }),
      );
      const r = res.MessageResponse!.EndpointResult!;
      const first = ids.slice(0, 50);
      const second = ids.slice(50);
      for (const id of first) expect(r[id].DeliveryStatus, id).toBe("SUCCESSFUL");
      for (const id of second) {
        expect(r[id].DeliveryStatus, id).toBe("PERMANENT_FAILURE");
        expect(r[id].StatusMessage).toMatch(/refusing a batch with bad-1/);
      }
      const items = await recommendationsOf(runtime, campaign.arn, "t-0", 3);
      expect((await outboxed(r["t-0"].MessageId!)).email!.subject).toBe(`T${items[0]}`);
    });

    test.each([
      ["garbage", /not a JSON object/],
      ["huge", /6 MB|payload|too large|exceeds/i],
      ["hangs", /timed out|time/i],
      ["no-such-function", /not found|no function|does not exist|Cannot find/i],
    ])(
      "a transformer that %s fails its recipients with the cause, and the request still answers 200",
      async (fn, cause) => {
        await template(`t-${fn}`, fn);
        const res = await client.send(
          new SendMessagesCommand({
            ApplicationId: appId,
            MessageRequest: {
              MessageConfiguration: {},
              TemplateConfiguration: { EmailTemplate: { Name: `t-${fn}` } },
              Endpoints: { "t-1": {}, "t-2": {} },
            },
          }),
        );
        for (const id of ["t-1", "t-2"]) {
          const r = res.MessageResponse!.EndpointResult![id];
          expect(r.DeliveryStatus).toBe("PERMANENT_FAILURE");
          expect(r.StatusMessage).toMatch(cause);
        }
      },
      90_000,
    );

    test("a wrapped {Endpoints: …} result is accepted", async () => {
      await template("t-wrapped", "wrapped");
      const res = await client.send(
        new SendMessagesCommand({
          ApplicationId: appId,
          MessageRequest: {
            MessageConfiguration: {},
            TemplateConfiguration: { EmailTemplate: { Name: "t-wrapped" } },
            Endpoints: { "t-3": {} },
          },
        }),
      );
      const items = await recommendationsOf(runtime, campaign.arn, "t-3", 3);
      expect((await outboxed(res.MessageResponse!.EndpointResult!["t-3"].MessageId!)).email!.subject).toBe(`W${items[0]}`);
    });
  });

  describe("preview (POST /_pinrec/apps/{id}/messages/preview)", () => {
    const preview = (body: unknown, appOverride?: string) =>
      rawRequest(server, {
        method: "POST",
        path: `/_pinrec/apps/${appOverride ?? appId}/messages/preview`,
        body: JSON.stringify(body),
        service: "mobiletargeting",
      });

    test("renders for an endpoint with real recommendations and sends nothing", async () => {
      const before = await outboxCount();
      const res = await preview({ TemplateName: "picks", Version: "1", EndpointId: "ep-1" });
      expect(res.status).toBe(200);
      const items = await recommendationsOf(runtime, campaign.arn, "ep-1", 3);
      expect(res.json.Endpoints).toHaveLength(1);
      expect(res.json.Endpoints[0]).toMatchObject({
        EndpointId: "ep-1",
        ChannelType: "EMAIL",
        TemplateVersion: "1",
        RecommendationItems: items,
      });
      expect(res.json.Endpoints[0].Message.email.subject).toBe(`Hi Ana, ${items[0]} first`);
      expect(await outboxCount()).toBe(before);
    });

    test("renders for every endpoint of a user, with transformer output and reasons for those not sendable", async () => {
      const res = await preview({ TemplateName: "titled", UserId: "u1", Substitutions: { Extra: ["x"] } });
      expect(res.status).toBe(200);
      const byId = Object.fromEntries(res.json.Endpoints.map((e: { EndpointId: string }) => [e.EndpointId, e]));
      const items = await recommendationsOf(runtime, campaign.arn, "u1", 3);
      expect(byId["ep-1"].Recommendations).toEqual({ Title: items.map((i) => `Title of ${i}`) });
      expect(byId["ep-1"].Message.email.subject).toBe(`Title of ${items[0]}`);
      expect(byId["ep-3"].Status.DeliveryStatus).toBe("PERMANENT_FAILURE");
    });

    test("bad previews get typed errors", async () => {
      expectPinpointError(await preview({ TemplateName: "nope", EndpointId: "ep-1" }), 404, "NotFoundException");
      expectPinpointError(await preview({ TemplateName: "picks", EndpointId: "no-such" }), 404, "NotFoundException");
      expectPinpointError(await preview({ TemplateName: "picks" }), 400, "BadRequestException");
      expectPinpointError(await preview({ TemplateName: "picks", EndpointId: "ep-1", UserId: "u1" }), 400, "BadRequestException");
      expectPinpointError(await preview([1]), 400, "BadRequestException");
      expectPinpointError(
        await preview({ TemplateName: "picks", EndpointId: "ep-1", Substitutions: { a: "b" } }),
        400,
        "BadRequestException",
      );
      expectPinpointError(await preview({ TemplateName: "picks", EndpointId: "ep-1" }, "0".repeat(32)), 404, "NotFoundException");
      const unsigned = await rawRequest(server, {
        method: "POST",
        path: `/_pinrec/apps/${appId}/messages/preview`,
        body: "{}",
        credential: false,
      });
      expect(unsigned.status).toBe(403);
    });
  });

  // The CLI opens the data dir's SQLite database; on PostgreSQL it is the same code, so it runs once and is reported skipped there.
  test.skipIf(kind !== "sqlite")(
    "pinrec messages preview renders from the CLI with the same recommendations",
    async () => {
      const run = promisify(execFile);
      // The CLI finds the account as the server does: from the credentials it verifies requests with.
      const creds = writeCredentials(`${dir.path}/credentials.json`, server.credentials);
      const { stdout } = await run(
        process.execPath,
        [
          BIN,
          "messages",
          "preview",
          "--data-dir",
          server.dataDir,
          "--credentials",
          creds,
          "--account",
          TENANT_A.accountId,
          "--app",
          appId,
          "--template",
          "titled",
          "--user",
          "u2",
          "--functions-dir",
          `${dir.path}/functions`,
        ],
        { env: cleanEnv(), timeout: 60_000 },
      );
      const out = JSON.parse(stdout);
      const items = await recommendationsOf(runtime, campaign.arn, "u2", 3);
      expect(out.Endpoints).toHaveLength(1);
      expect(out.Endpoints[0]).toMatchObject({ EndpointId: "ep-2", RecommendationItems: items });
      expect(out.Endpoints[0].Message.email.subject).toBe(`Title of ${items[0]}`);
      const bad = await run(
        process.execPath,
        [
          BIN,
          "messages",
          "preview",
          "--data-dir",
          server.dataDir,
          "--credentials",
          creds,
          "--account",
          TENANT_A.accountId,
          "--app",
          appId,
          "--template",
          "nope",
          "--user",
          "u2",
        ],
        { env: cleanEnv() },
      ).catch((e) => e);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/NotFoundException: No EMAIL, SMS or PUSH template named 'nope'/);
    },
    90_000,
  );
});
