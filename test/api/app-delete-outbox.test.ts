/**
 * Deleting an app mid-delivery, end to end with real parts on both stores: the real SDK, a real
 * server and a real SMTP server that first answers 451 (so the app's messages wait in the queue)
 * and then accepts. The deleted app's queued messages are gone and never delivered; another app's
 * are delivered as before.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CreateAppCommand, DeleteAppCommand, SendMessagesCommand, type PinpointClient } from "@aws-sdk/client-pinpoint";
import { STORE_KINDS, pinpointClient, startTestServer, type TestServer } from "../helpers.js";
import { startSmtpCatcher, type SmtpCatcher } from "../smtp-catcher.js";

const TENANT = { accountId: "111122223333", region: "us-east-1" };

describe.each(STORE_KINDS)("deleting an app drops its queued messages: %s", (kind) => {
  let server: TestServer;
  let catcher: SmtpCatcher;
  let client: PinpointClient;
  let accepting = false;

  beforeAll(async () => {
    catcher = await startSmtpCatcher({ rejectRecipient: () => (accepting ? undefined : 451) });
    server = await startTestServer(kind, { smtpUrl: catcher.url, deliveryAttempts: 50 });
    client = pinpointClient(server);
  });
  afterAll(async () => {
    await server?.dispose();
    await catcher?.close();
  });

  const app = async (name: string) =>
    (await client.send(new CreateAppCommand({ CreateApplicationRequest: { Name: name } }))).ApplicationResponse!.Id!;
  const send = (appId: string, addresses: string[]) =>
    client.send(
      new SendMessagesCommand({
        ApplicationId: appId,
        MessageRequest: {
          Addresses: Object.fromEntries(addresses.map((a) => [a, { ChannelType: "EMAIL" }])),
          MessageConfiguration: {
            EmailMessage: { FromAddress: "shop@example.com", SimpleEmail: { Subject: { Data: "hi" }, TextPart: { Data: "picks" } } },
          },
        },
      }),
    );
  const rows = async (appId: string) => (await server.store.outbox.list(TENANT, { appId }, 0, 1000)).items;
  const until = async (pred: () => Promise<boolean>, timeoutMs = 20_000) => {
    const end = Date.now() + timeoutMs;
    while (!(await pred())) {
      if (Date.now() > end) throw new Error("condition not met in time");
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  test("the deleted app's queued messages are removed and never sent; another app's are delivered", async () => {
    const gone = await app("deleted-mid-delivery");
    const kept = await app("kept");
    const goneAddresses = Array.from({ length: 40 }, (_, i) => `gone${i}@example.com`);
    await send(gone, goneAddresses);
    await send(kept, ["kept@example.com"]);
    // Every message has been tried once and is waiting for its retry.
    await until(async () => [...(await rows(gone)), ...(await rows(kept))].every((r) => r.status === "QUEUED" && r.attempts >= 1));

    await client.send(new DeleteAppCommand({ ApplicationId: gone }));
    expect(await rows(gone)).toEqual([]);
    // Let an attempt that was in flight when the app went finish (it gets 451) before accepting.
    await new Promise((r) => setTimeout(r, 300));
    accepting = true;

    await catcher.waitFor(() => catcher.mails.some((m) => m.to.includes("kept@example.com")), 20_000);
    await until(async () => (await rows(kept))[0].status === "SENT");
    // Another retry round for anything still queued: nothing of the deleted app comes.
    await new Promise((r) => setTimeout(r, 2_500));
    expect(catcher.mails.filter((m) => m.to.some((to) => goneAddresses.includes(to)))).toEqual([]);
    expect(await rows(gone)).toEqual([]);
  }, 60_000);
});
