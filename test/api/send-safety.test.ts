/**
 * Send-time safety: what a tenant's template or request asks the renderer to build is bounded, so
 * no message can take the server down or stall it for another account. Each case was once a crash
 * or a multi-second stall on one server shared by two accounts.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  CreateAppCommand,
  CreateEmailTemplateCommand,
  GetRecommenderConfigurationsCommand,
  type PinpointClient,
  SendMessagesCommand,
  UpdateEndpointCommand,
} from "@aws-sdk/client-pinpoint";
import { ACCOUNT_A, ACCOUNT_B, pinpointClient, startTestServer, type TestServer } from "../helpers.js";
import { rawRequest } from "../signing.js";

/** 28 nested `(replace … "a" "aa")`: 2^28 characters unbounded, which aborted V8. */
function doublingTemplate(levels = 28): string {
  let expr = '"a"';
  for (let i = 0; i < levels - 1; i++) expr = `(replace ${expr} "a" "aa")`;
  return `{{replace ${expr} "a" "aa"}}`;
}

describe("send-time safety", () => {
  let server: TestServer;
  let a: PinpointClient;
  let b: PinpointClient;
  let appId: string;

  beforeAll(async () => {
    server = await startTestServer("sqlite", { campaignPollMs: 0 });
    a = pinpointClient(server, ACCOUNT_A);
    b = pinpointClient(server, ACCOUNT_B);
    appId = (await a.send(new CreateAppCommand({ CreateApplicationRequest: { Name: "safety" } }))).ApplicationResponse!.Id!;
    await a.send(
      new UpdateEndpointCommand({
        ApplicationId: appId,
        EndpointId: "e1",
        EndpointRequest: { ChannelType: "EMAIL", Address: "e1@example.com" },
      }),
    );
  });
  afterAll(async () => {
    await server?.dispose();
  });

  /** Account B is answered, and quickly: the server is alive and its event loop free. */
  async function otherAccountAnswered(): Promise<void> {
    const started = Date.now();
    await b.send(new GetRecommenderConfigurationsCommand({}));
    expect(Date.now() - started).toBeLessThan(1_000);
  }

  test("a direct TextPart of 28 nested replace fails that recipient permanently; the server keeps answering", async () => {
    const template = doublingTemplate();
    expect(template.length).toBeLessThan(600);
    const res = await a.send(
      new SendMessagesCommand({
        ApplicationId: appId,
        MessageRequest: {
          MessageConfiguration: {
            EmailMessage: {
              FromAddress: "shop@example.com",
              SimpleEmail: { Subject: { Data: "hi" }, TextPart: { Data: template } },
            },
          },
          Endpoints: { e1: {} },
        },
      }),
    );
    const r = res.MessageResponse!.EndpointResult!.e1;
    expect(r.DeliveryStatus).toBe("PERMANENT_FAILURE");
    expect(r.StatusMessage).toMatch(/the replace helper would produce \d+ characters; the limit is 1048576/);
    await otherAccountAnswered();
  });

  test("the same saved as a template: sending and previewing it fail with the reason, and nothing is stored", async () => {
    await a.send(
      new CreateEmailTemplateCommand({ TemplateName: "doubling", EmailTemplateRequest: { Subject: "x", TextPart: doublingTemplate() } }),
    );
    const res = await a.send(
      new SendMessagesCommand({
        ApplicationId: appId,
        MessageRequest: {
          MessageConfiguration: { EmailMessage: { FromAddress: "shop@example.com" } },
          TemplateConfiguration: { EmailTemplate: { Name: "doubling" } },
          Endpoints: { e1: {} },
        },
      }),
    );
    const r = res.MessageResponse!.EndpointResult!.e1;
    expect(r.DeliveryStatus).toBe("PERMANENT_FAILURE");
    expect(r.MessageId).toBeUndefined();
    const preview = await rawRequest(server, {
      method: "POST",
      path: `/_pinrec/apps/${appId}/messages/preview`,
      body: JSON.stringify({ TemplateName: "doubling", EndpointId: "e1" }),
      service: "mobiletargeting",
    });
    expect(preview.status).toBeLessThan(500);
    expect(preview.text).toMatch(/the replace helper would produce/);
    await otherAccountAnswered();
  });

  test("8,000 Substitutions keys and an object each over 200 keys render in well under a second", async () => {
    const Substitutions = Object.fromEntries(Array.from({ length: 8_000 }, (_, i) => [`Attributes.k${i}`, [`v${i}`]]));
    const wide = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`Attributes.w.k${i}`, ["x"]]));
    const started = Date.now();
    const res = await a.send(
      new SendMessagesCommand({
        ApplicationId: appId,
        MessageRequest: {
          MessageConfiguration: {
            EmailMessage: {
              FromAddress: "shop@example.com",
              Substitutions: { ...Substitutions, ...wide },
              SimpleEmail: {
                Subject: { Data: "{{Attributes.k7999}}" },
                TextPart: {
                  Data: "{{#each Attributes.w}}{{#each @root.Attributes.w}}{{#each @root.Attributes.w}}.{{/each}}{{/each}}{{/each}}",
                },
              },
            },
          },
          Endpoints: { e1: {} },
        },
      }),
    );
    expect(Date.now() - started).toBeLessThan(3_000);
    const r = res.MessageResponse!.EndpointResult!.e1;
    expect(r.DeliveryStatus).toBe("SUCCESSFUL");
    const stored = JSON.parse((await server.store.outbox.get({ accountId: ACCOUNT_A.accountId, region: "us-east-1" }, r.MessageId!))!.doc);
    expect(stored.email.subject).toBe("v7999");
    // Each each stops at 15 keys, as for lists: 15³ dots, not 200³.
    expect(stored.email.text).toHaveLength(15 ** 3);
    await otherAccountAnswered();
  });
});
