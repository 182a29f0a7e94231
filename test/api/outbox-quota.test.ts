/**
 * The per-account quota on messages waiting for delivery, end to end with real parts on both
 * stores: the real SDK, a real server with `outboxQuota`, and a real SMTP server answering 451 so
 * that accepted messages stay queued. Past the quota a send is a 429 TooManyRequestsException
 * and nothing of it is stored; another account is not affected.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CreateAppCommand, SendMessagesCommand, type PinpointClient } from "@aws-sdk/client-pinpoint";
import { ACCOUNT_A, ACCOUNT_B, STORE_KINDS, errorOf, pinpointClient, startTestServer, type TestServer } from "../helpers.js";
import { startSmtpCatcher, type SmtpCatcher } from "../smtp-catcher.js";

const A = { accountId: ACCOUNT_A.accountId, region: "us-east-1" };

describe.each(STORE_KINDS)("outbox quota: %s", (kind) => {
  let server: TestServer;
  let catcher: SmtpCatcher;
  let a: PinpointClient;
  let b: PinpointClient;

  beforeAll(async () => {
    catcher = await startSmtpCatcher({ rejectRecipient: () => 451 });
    server = await startTestServer(kind, { smtpUrl: catcher.url, deliveryAttempts: 50, outboxQuota: 5 });
    a = pinpointClient(server, ACCOUNT_A);
    b = pinpointClient(server, ACCOUNT_B);
  });
  afterAll(async () => {
    await server?.dispose();
    await catcher?.close();
  });

  const app = async (client: PinpointClient) =>
    (await client.send(new CreateAppCommand({ CreateApplicationRequest: { Name: "quota" } }))).ApplicationResponse!.Id!;
  const send = (client: PinpointClient, appId: string, addresses: string[]) =>
    client.send(
      new SendMessagesCommand({
        ApplicationId: appId,
        MessageRequest: {
          Addresses: Object.fromEntries(addresses.map((x) => [x, { ChannelType: "EMAIL" }])),
          MessageConfiguration: {
            EmailMessage: { FromAddress: "shop@example.com", SimpleEmail: { Subject: { Data: "hi" }, TextPart: { Data: "picks" } } },
          },
        },
      }),
    );
  const addresses = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}@example.com`);

  test("sends past the account's quota of waiting messages are 429s; another account still sends", async () => {
    const mine = await app(a);
    const res = await send(a, mine, addresses("a", 4));
    expect(Object.values(res.MessageResponse!.Result!).every((r) => r.DeliveryStatus === "SUCCESSFUL")).toBe(true);
    // Two more would make 6 of 5: refused whole, nothing of it stored.
    const err = await errorOf(() => send(a, mine, addresses("more", 2)));
    expect(err.name).toBe("TooManyRequestsException");
    expect(err.$metadata.httpStatusCode).toBe(429);
    expect(err.message).toMatch(/4 messages waiting for delivery; 2 more would pass its quota of 5/);
    expect((await server.store.outbox.list(A, {}, 0, 100)).items).toHaveLength(4);
    // One more fits exactly; then the account is full.
    await send(a, mine, addresses("last", 1));
    expect((await errorOf(() => send(a, mine, addresses("over", 1)))).name).toBe("TooManyRequestsException");

    // Account B's quota is its own.
    const theirs = await app(b);
    const ok = await send(b, theirs, addresses("b", 5));
    expect(Object.keys(ok.MessageResponse!.Result!)).toHaveLength(5);
  });
});
