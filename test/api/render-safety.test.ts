/**
 * What a template or a request may make the server do besides rendering text for its recipients:
 * nothing. The `log` helper is refused where a template is checked and renders nothing to the
 * server's log where it is not; every address a request sends to or from is exactly one mailbox
 * or number, so no key becomes a list of SMTP recipients and no CR/LF reaches the SMTP dialogue.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  CreateAppCommand,
  CreateCampaignCommand,
  CreateEmailTemplateCommand,
  CreateSmsTemplateCommand,
  GetEmailChannelCommand,
  UpdateEmailChannelCommand,
  type PinpointClient,
  SendMessagesCommand,
  UpdateEmailTemplateCommand,
  UpdateEndpointCommand,
} from "@aws-sdk/client-pinpoint";
import { ACCOUNT_A, errorOf, pinpointClient, STORE_KINDS, startTestServer, type TestServer } from "../helpers.js";

const TENANT = { accountId: ACCOUNT_A.accountId, region: "us-east-1" };

/** Everything written to stdout, stderr and the console while `fn` runs. */
async function output<T>(fn: () => Promise<T>): Promise<{ result: T; written: string }> {
  const chunks: string[] = [];
  const stdout = process.stdout.write;
  const stderr = process.stderr.write;
  const methods = ["log", "info", "warn", "error", "debug", "trace"] as const;
  const saved = methods.map((m) => console[m]);
  const record = (chunk: unknown) => {
    chunks.push(String(chunk));
    return true;
  };
  process.stdout.write = record as typeof process.stdout.write;
  process.stderr.write = record as typeof process.stderr.write;
  for (const m of methods) console[m] = (...args: unknown[]) => chunks.push(args.map(String).join(" "));
  try {
    const result = await fn();
    return { result, written: chunks.join("") };
  } finally {
    process.stdout.write = stdout;
    process.stderr.write = stderr;
    methods.forEach((m, i) => {
      console[m] = saved[i];
    });
  }
}

describe.each(STORE_KINDS)("render safety on %s", (kind) => {
  let server: TestServer;
  let a: PinpointClient;
  let appId: string;

  beforeAll(async () => {
    server = await startTestServer(kind, { campaignPollMs: 0 });
    a = pinpointClient(server, ACCOUNT_A);
    appId = (await a.send(new CreateAppCommand({ CreateApplicationRequest: { Name: "render-safety" } }))).ApplicationResponse!.Id!;
    await a.send(
      new UpdateEndpointCommand({
        ApplicationId: appId,
        EndpointId: "e1",
        EndpointRequest: { ChannelType: "EMAIL", Address: "e1@example.com", Attributes: { log: ["attr"] } },
      }),
    );
  });
  afterAll(async () => {
    await server?.dispose();
  });

  describe("the log helper", () => {
    const uses = [
      '{{log "LOGGED-MARKER"}}',
      "{{log this}}",
      '{{log "x" level="error"}}',
      "{{log}}",
      "{{#log}}x{{/log}}",
      '{{upper (log "LOGGED-MARKER")}}',
      '{{#if true}}{{#each Attributes}}{{log "LOGGED-MARKER"}}{{/each}}{{/if}}',
      '{{~log "LOGGED-MARKER"~}}',
    ];

    test.each(uses)("a template calling it is refused at save with a 400 naming the part and the helper: %s", async (text) => {
      const err = await errorOf(() =>
        a.send(new CreateEmailTemplateCommand({ TemplateName: "logs", EmailTemplateRequest: { Subject: "s", TextPart: text } })),
      );
      expect(err.name).toBe("BadRequestException");
      expect(err.message).toMatch(/^TextPart is refused as a message template: the log helper is not supported/);
    });

    test("an update and an SMS template are refused the same way, and nothing is saved", async () => {
      await a.send(new CreateEmailTemplateCommand({ TemplateName: "clean", EmailTemplateRequest: { Subject: "s", TextPart: "hello" } }));
      const err = await errorOf(() =>
        a.send(
          new UpdateEmailTemplateCommand({
            TemplateName: "clean",
            CreateNewVersion: true,
            EmailTemplateRequest: { Subject: '{{log "x"}}', TextPart: "hello" },
          }),
        ),
      );
      expect(err.name).toBe("BadRequestException");
      expect(err.message).toMatch(/^Subject is refused as a message template: the log helper/);
      expect((await server.store.templates.head(TENANT, "clean", "EMAIL"))?.latestVersion).toBe(1);
      const sms = await errorOf(() =>
        a.send(new CreateSmsTemplateCommand({ TemplateName: "sms-logs", SMSTemplateRequest: { Body: "{{log 1}}" } })),
      );
      expect(sms.message).toMatch(/^Body is refused as a message template: the log helper/);
    });

    test("a variable or attribute named log is not the helper and renders", async () => {
      await a.send(
        new CreateEmailTemplateCommand({
          TemplateName: "named-log",
          EmailTemplateRequest: {
            Subject: "s",
            TextPart: "{{Attributes.log}} {{this.log}} {{./log}} {{#each Attributes}}{{@key}}{{/each}}",
          },
        }),
      );
      const res = await a.send(
        new SendMessagesCommand({
          ApplicationId: appId,
          MessageRequest: {
            MessageConfiguration: { EmailMessage: { FromAddress: "shop@example.com" } },
            TemplateConfiguration: { EmailTemplate: { Name: "named-log" } },
            Endpoints: { e1: {} },
          },
        }),
      );
      expect(res.MessageResponse!.EndpointResult!.e1.DeliveryStatus).toBe("SUCCESSFUL");
    });

    test("direct message content calling it is a 400 naming the member, nothing sent, nothing logged", async () => {
      const { result, written } = await output(() =>
        errorOf(() =>
          a.send(
            new SendMessagesCommand({
              ApplicationId: appId,
              MessageRequest: {
                MessageConfiguration: {
                  EmailMessage: {
                    FromAddress: "shop@example.com",
                    SimpleEmail: { Subject: { Data: "hi" }, TextPart: { Data: '{{log "LOGGED-MARKER"}}' } },
                  },
                },
                Endpoints: { e1: {} },
              },
            }),
          ),
        ),
      );
      expect(result.name).toBe("BadRequestException");
      expect(result.message).toMatch(
        /^MessageConfiguration\.EmailMessage\.SimpleEmail\.TextPart\.Data is refused as a message template: the log helper/,
      );
      expect(written).not.toContain("LOGGED-MARKER");
    });

    test("a stored template that calls it (saved before the check) fails its recipient at send time and writes nothing to the log", async () => {
      const now = new Date().toISOString();
      await server.store.templates.create(
        TENANT,
        { name: "old-log", type: "EMAIL", tags: {} },
        { Subject: "s", TextPart: '{{log "LOGGED-MARKER"}}{{log this}}' },
        now,
        1000,
      );
      const { result, written } = await output(() =>
        a.send(
          new SendMessagesCommand({
            ApplicationId: appId,
            MessageRequest: {
              MessageConfiguration: { EmailMessage: { FromAddress: "shop@example.com" } },
              TemplateConfiguration: { EmailTemplate: { Name: "old-log" } },
              Endpoints: { e1: {} },
            },
          }),
        ),
      );
      const r = result.MessageResponse!.EndpointResult!.e1;
      expect(r.DeliveryStatus).toBe("PERMANENT_FAILURE");
      expect(r.StatusMessage).toMatch(/the log helper is not supported in message templates/);
      expect(r.MessageId).toBeUndefined();
      expect(written).not.toContain("LOGGED-MARKER");
      expect(written).not.toContain("e1@example.com");
    });

    test("reaching for a prototype property renders empty and writes nothing to the log", async () => {
      const { result, written } = await output(() =>
        a.send(
          new SendMessagesCommand({
            ApplicationId: appId,
            MessageRequest: {
              MessageConfiguration: {
                EmailMessage: {
                  FromAddress: "shop@example.com",
                  SimpleEmail: {
                    Subject: { Data: "hi" },
                    TextPart: { Data: "[{{constructor}}{{__defineGetter__}}{{lookup this 'hasOwnProperty'}}]" },
                  },
                },
              },
              Endpoints: { e1: {} },
            },
          }),
        ),
      );
      expect(result.MessageResponse!.EndpointResult!.e1.DeliveryStatus).toBe("SUCCESSFUL");
      expect(written).not.toMatch(/Access has been denied|constructor|__defineGetter__|hasOwnProperty/);
    });
  });

  describe("addresses and senders", () => {
    const emailTo = (address: string) =>
      a.send(
        new SendMessagesCommand({
          ApplicationId: appId,
          MessageRequest: {
            MessageConfiguration: {
              EmailMessage: { FromAddress: "shop@example.com", SimpleEmail: { Subject: { Data: "hi" }, TextPart: { Data: "hello" } } },
            },
            Addresses: { [address]: { ChannelType: "EMAIL" } },
          },
        }),
      );
    const outboxCount = async () => (await server.store.outbox.list(TENANT, {}, 0, 1000)).items.length;

    test.each([
      ["a@example.com, b@example.com", /holds 2 addresses/],
      ["a@example.com,b@example.com,c@example.com", /holds 3 addresses/],
      ["a@example.com\r\nRCPT TO:<b@example.com>", /control character/],
      ["a@example.com\n", /control character/],
      ["Bob <b@example.com>", /without a display name/],
      ["undisclosed: a@example.com, b@example.com;", /group/],
      ["a@[127.0.0.1]", /address literal/],
      ["a(comment)@example.com", /comment/],
      [" a@example.com", /not exactly local@domain/],
      ["not-an-address", /not an email address/],
      [`${"x".repeat(250)}@example.com`, /the limit is 254/],
    ])("an EMAIL Addresses key %j is a 400 naming it, and nothing is queued", async (address, reason) => {
      const before = await outboxCount();
      const err = await errorOf(() => emailTo(address));
      expect(err.name).toBe("BadRequestException");
      expect(err.message).toContain(`Addresses key ${JSON.stringify(address)} is not one EMAIL address`);
      expect(err.message).toMatch(reason);
      expect(await outboxCount()).toBe(before);
    });

    test("one plain mailbox, UTF-8 included, is sent", async () => {
      for (const address of ["c@example.com", "first.last+tag@sub.example.co.uk", "üñí@exämple.com"]) {
        const res = await emailTo(address);
        expect(res.MessageResponse!.Result![address].DeliveryStatus, address).toBe("SUCCESSFUL");
      }
    });

    test.each([
      ["12065550100", /E\.164/],
      ["+1 206 555 0100", /E\.164/],
      ["+1206555010", /not a possible phone number/],
      ["+12065550100,+12065550101", /E\.164/],
      ["+12065550100\n", /control character/],
    ])("an SMS Addresses key %j is a 400 naming it", async (address, reason) => {
      const err = await errorOf(() =>
        a.send(
          new SendMessagesCommand({
            ApplicationId: appId,
            MessageRequest: { MessageConfiguration: { SMSMessage: { Body: "hi" } }, Addresses: { [address]: { ChannelType: "SMS" } } },
          }),
        ),
      );
      expect(err.name).toBe("BadRequestException");
      expect(err.message).toContain(`Addresses key ${JSON.stringify(address)} is not one SMS address`);
      expect(err.message).toMatch(reason);
    });

    test("an E.164 SMS address is sent", async () => {
      const res = await a.send(
        new SendMessagesCommand({
          ApplicationId: appId,
          MessageRequest: { MessageConfiguration: { SMSMessage: { Body: "hi" } }, Addresses: { "+12065550100": { ChannelType: "SMS" } } },
        }),
      );
      expect(res.MessageResponse!.Result!["+12065550100"].DeliveryStatus).toBe("SUCCESSFUL");
    });

    test.each([
      ["shop@example.com\r\nMAIL FROM:<ceo@bank.example>", "FromAddress", /control character/],
      ["Shop <shop@example.com>\r\nBcc: x@example.com", "FromAddress", /control character/],
      ["a@example.com, b@example.com", "FromAddress", /holds 2 addresses/],
      ["nobody", "FromAddress", /not an email address/],
      ["r@example.com\nBcc: x@example.com", "ReplyToAddresses[0]", /control character/],
    ])("a direct sender %j is a 400 naming the member", async (value, member, reason) => {
      const email = member === "FromAddress" ? { FromAddress: value } : { FromAddress: "shop@example.com", ReplyToAddresses: [value] };
      const err = await errorOf(() =>
        a.send(
          new SendMessagesCommand({
            ApplicationId: appId,
            MessageRequest: {
              MessageConfiguration: { EmailMessage: { ...email, SimpleEmail: { Subject: { Data: "hi" }, TextPart: { Data: "x" } } } },
              Endpoints: { e1: {} },
            },
          }),
        ),
      );
      expect(err.name).toBe("BadRequestException");
      expect(err.message).toContain(
        `MessageConfiguration.EmailMessage.${member} ${JSON.stringify(value)} ${member === "FromAddress" ? "is refused" : "is not one email address"}`,
      );
      expect(err.message).toMatch(reason);
    });

    test("a sender with a display name is accepted", async () => {
      const res = await a.send(
        new SendMessagesCommand({
          ApplicationId: appId,
          MessageRequest: {
            MessageConfiguration: {
              EmailMessage: {
                FromAddress: '"Shop, Inc." <shop@example.com>',
                ReplyToAddresses: ["Help <help@example.com>"],
                SimpleEmail: { Subject: { Data: "hi" }, TextPart: { Data: "x" } },
              },
            },
            Endpoints: { e1: {} },
          },
        }),
      );
      expect(res.MessageResponse!.EndpointResult!.e1.DeliveryStatus).toBe("SUCCESSFUL");
    });

    test("the email channel's FromAddress is one mailbox too; CR/LF in its display name is a 400 and nothing changes", async () => {
      const identity = "arn:aws:ses:us-east-1:111122223333:identity/example.com";
      await a.send(
        new UpdateEmailChannelCommand({
          ApplicationId: appId,
          EmailChannelRequest: { FromAddress: "News <news@example.com>", Identity: identity },
        }),
      );
      for (const bad of ["News\r\nBcc: x@example.com <news@example.com>", "news@example.com, x@example.com", "News <news@example.com>\n"]) {
        const err = await errorOf(() =>
          a.send(new UpdateEmailChannelCommand({ ApplicationId: appId, EmailChannelRequest: { FromAddress: bad, Identity: identity } })),
        );
        expect(err.name, bad).toBe("BadRequestException");
        expect(err.message).toContain(`FromAddress '${bad}' is refused`);
      }
      expect((await a.send(new GetEmailChannelCommand({ ApplicationId: appId }))).EmailChannelResponse!.FromAddress).toBe(
        "News <news@example.com>",
      );
    });
  });

  describe("--allowed-senders", () => {
    let strict: TestServer;
    let c: PinpointClient;
    let app: string;
    const identity = "arn:aws:ses:us-east-1:111122223333:identity/example.com";
    beforeAll(async () => {
      strict = await startTestServer(kind, { campaignPollMs: 0, allowedSenders: ["example.com", "ceo@other.example"] });
      c = pinpointClient(strict, ACCOUNT_A);
      app = (await c.send(new CreateAppCommand({ CreateApplicationRequest: { Name: "senders" } }))).ApplicationResponse!.Id!;
    });
    afterAll(async () => {
      await strict?.dispose();
    });
    const sendFrom = (FromAddress: string) =>
      c.send(
        new SendMessagesCommand({
          ApplicationId: app,
          MessageRequest: {
            MessageConfiguration: { EmailMessage: { FromAddress, SimpleEmail: { Subject: { Data: "hi" }, TextPart: { Data: "x" } } } },
            Addresses: { "to@example.net": { ChannelType: "EMAIL" } },
          },
        }),
      );

    test.each(["shop@example.com", "Shop <SHOP@Example.COM>", "ceo@other.example", "CEO <ceo@OTHER.example>"])(
      "a listed domain or address sends: %s",
      async (from) => {
        expect((await sendFrom(from)).MessageResponse!.Result!["to@example.net"].DeliveryStatus).toBe("SUCCESSFUL");
      },
    );

    test.each(["ceo@bank.example", "shop@mail.example.com", "cfo@other.example", "shop@example.com.evil.example"])(
      "any other sender is a 400 that does not list the allowed ones: %s",
      async (from) => {
        const err = await errorOf(() => sendFrom(from));
        expect(err.name).toBe("BadRequestException");
        expect(err.message).toContain(`MessageConfiguration.EmailMessage.FromAddress "${from}" is refused`);
        expect(err.message).toMatch(/is not among the senders this server's operator allows \(--allowed-senders\)/);
        expect(err.message).not.toContain("other.example,");
        expect(err.message).not.toContain("ceo@other.example");
      },
    );

    test("the email channel's FromAddress is held to the same list", async () => {
      const err = await errorOf(() =>
        c.send(
          new UpdateEmailChannelCommand({
            ApplicationId: app,
            EmailChannelRequest: { FromAddress: "ceo@bank.example", Identity: identity },
          }),
        ),
      );
      expect(err.name).toBe("BadRequestException");
      expect(err.message).toMatch(/^FromAddress 'ceo@bank.example' is refused: .*--allowed-senders/);
      await c.send(
        new UpdateEmailChannelCommand({
          ApplicationId: app,
          EmailChannelRequest: { FromAddress: "News <news@example.com>", Identity: identity },
        }),
      );
    });

    test("a campaign's message names a sender: held to the same rules when it is saved", async () => {
      const campaign = (FromAddress: string, client: PinpointClient, app: string, treatment = false) =>
        client.send(
          new CreateCampaignCommand({
            ApplicationId: app,
            WriteCampaignRequest: {
              Name: "c",
              SegmentId: "no-matter",
              Schedule: { StartTime: "IMMEDIATE" },
              ...(treatment
                ? { AdditionalTreatments: [{ SizePercent: 10, MessageConfiguration: { EmailMessage: { FromAddress } } }] }
                : { MessageConfiguration: { EmailMessage: { FromAddress } } }),
            },
          }),
        );
      const listed = await errorOf(() => campaign("ceo@bank.example", c, app));
      expect(listed.message).toMatch(
        /^MessageConfiguration\.EmailMessage\.FromAddress "ceo@bank\.example" is refused: .*--allowed-senders/,
      );
      const crlf = await errorOf(() => campaign("shop@example.com\r\nBcc: x@example.com", a, appId, true));
      expect(crlf.name).toBe("BadRequestException");
      expect(crlf.message).toMatch(
        /^AdditionalTreatments\[0\]\.MessageConfiguration\.EmailMessage\.FromAddress .* is refused: it contains a control character/,
      );
    });

    test("a server without the setting allows any sender", async () => {
      const res = await a.send(
        new SendMessagesCommand({
          ApplicationId: appId,
          MessageRequest: {
            MessageConfiguration: {
              EmailMessage: { FromAddress: "ceo@bank.example", SimpleEmail: { Subject: { Data: "hi" }, TextPart: { Data: "x" } } },
            },
            Endpoints: { e1: {} },
          },
        }),
      );
      expect(res.MessageResponse!.EndpointResult!.e1.DeliveryStatus).toBe("SUCCESSFUL");
    });
  });

  describe("rendered message size", () => {
    /** `levels` nested doublings of "a": 2^levels characters, within the helper bound up to 20. */
    const doubled = (levels: number) => {
      let expr = '"a"';
      for (let i = 0; i < levels - 1; i++) expr = `(replace ${expr} "a" "aa")`;
      return `{{replace ${expr} "a" "aa"}}`;
    };
    const send = (address: string, channel: string, message: Record<string, unknown>, Substitutions: Record<string, string[]>) =>
      a.send(
        new SendMessagesCommand({
          ApplicationId: appId,
          MessageRequest: { MessageConfiguration: message, Addresses: { [address]: { ChannelType: channel as "SMS", Substitutions } } },
        }),
      );
    const queuedTo = async (address: string) => (await server.store.outbox.list(TENANT, { address }, 0, 100)).items.length;

    test("an SMS body renders to at most 1,600 characters: one more fails that recipient with the reason, and nothing is queued", async () => {
      const ok = await send(
        "+12065550111",
        "SMS",
        { SMSMessage: { Body: "{{Attributes.text}}" } },
        { "Attributes.text": ["é".repeat(1_600)] },
      );
      expect(ok.MessageResponse!.Result!["+12065550111"].DeliveryStatus).toBe("SUCCESSFUL");
      const over = await send(
        "+12065550112",
        "SMS",
        { SMSMessage: { Body: "x{{Attributes.text}}" } },
        { "Attributes.text": ["é".repeat(1_600)] },
      );
      const r = over.MessageResponse!.Result!["+12065550112"];
      expect(r).toMatchObject({ DeliveryStatus: "PERMANENT_FAILURE", StatusCode: 400 });
      expect(r.StatusMessage).toBe("The message is too large to send: the rendered SMS body is 1601 characters; the limit is 1600");
      expect(r.MessageId).toBeUndefined();
      expect(await queuedTo("+12065550112")).toBe(0);
    });

    test("a push notification renders to at most 4 KB (6 KB for ADM)", async () => {
      const body = { DefaultPushNotificationMessage: { Body: "{{Attributes.text}}" } };
      const text = { "Attributes.text": ["b".repeat(5_000)] };
      const gcm = (await send("gcm-token-1", "GCM", body, text)).MessageResponse!.Result!["gcm-token-1"];
      expect(gcm).toMatchObject({ DeliveryStatus: "PERMANENT_FAILURE", StatusCode: 400 });
      expect(gcm.StatusMessage).toMatch(/the rendered GCM notification is 50\d\d bytes; the limit is 4096 \(4 KB\)/);
      const adm = (await send("adm-token-1", "ADM", body, text)).MessageResponse!.Result!["adm-token-1"];
      expect(adm.DeliveryStatus).toBe("SUCCESSFUL");
      const apns = (await send("apns-token-1", "APNS", body, { "Attributes.text": ["b".repeat(4_000)] })).MessageResponse!.Result![
        "apns-token-1"
      ];
      expect(apns.DeliveryStatus).toBe("SUCCESSFUL");
    });

    test("an email renders to at most 10 MB: 15 MB from a 1 KB template fails that recipient; 9 MB is sent", async () => {
      const TextPart = { Data: `{{#each Attributes.n}}${doubled(20)}{{/each}}` };
      expect(TextPart.Data.length).toBeLessThan(1_024);
      const email = (to: string, n: number) =>
        send(
          to,
          "EMAIL",
          { EmailMessage: { FromAddress: "shop@example.com", SimpleEmail: { Subject: { Data: "big" }, TextPart } } },
          { "Attributes.n": Array.from({ length: n }, (_, i) => String(i)) },
        );
      const over = (await email("big@example.com", 15)).MessageResponse!.Result!["big@example.com"];
      expect(over).toMatchObject({ DeliveryStatus: "PERMANENT_FAILURE", StatusCode: 400 });
      expect(over.StatusMessage).toBe(
        `The message is too large to send: the rendered email is ${15 * 2 ** 20 + 3} bytes; the limit is 10485760 (10 MB)`,
      );
      expect(await queuedTo("big@example.com")).toBe(0);
      const under = (await email("nine@example.com", 9)).MessageResponse!.Result!["nine@example.com"];
      expect(under.DeliveryStatus).toBe("SUCCESSFUL");
    });
  });
});
