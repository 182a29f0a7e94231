/**
 * What a template may make the server do besides rendering text: nothing. The `log` helper is
 * refused where a template is checked and renders nothing to the server's log where it is not.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  CreateAppCommand,
  CreateEmailTemplateCommand,
  CreateSmsTemplateCommand,
  type PinpointClient,
  SendMessagesCommand,
  UpdateEmailTemplateCommand,
  UpdateEndpointCommand,
} from "@aws-sdk/client-pinpoint";
import { ACCOUNT_A, errorOf, pinpointClient, startTestServer, type TestServer } from "../helpers.js";

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

describe("render safety", () => {
  let server: TestServer;
  let a: PinpointClient;
  let appId: string;

  beforeAll(async () => {
    server = await startTestServer("sqlite", { campaignPollMs: 0 });
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
});
