/**
 * Push delivery end to end: SendMessages through the one pipeline (recommendations rendered into
 * a push template), the outbox drainer, and local FCM (HTTP/1.1, OAuth 2.0 grant verified) and
 * APNs (HTTP/2 over TLS, ES256 provider token verified) servers; tokens the platform reports gone
 * make their endpoint inactive. Both stores.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { writeFileSync } from "node:fs";
import { X509Certificate } from "node:crypto";
import { join } from "node:path";
import {
  CreatePushTemplateCommand,
  GetEndpointCommand,
  SendMessagesCommand,
  UpdateApnsSandboxChannelCommand,
  UpdateApnsVoipChannelCommand,
  UpdateGcmChannelCommand,
  type PinpointClient,
} from "@aws-sdk/client-pinpoint";
import type { PersonalizeRuntimeClient } from "@aws-sdk/client-personalize-runtime";
import { STORE_KINDS, pinpointClient, startTestServer, tempDir, type TestServer } from "../helpers.js";
import {
  TENANT_A,
  createApp,
  createRecommender,
  putEndpoints,
  recommendationsOf,
  runtimeClient,
  trainCampaign,
} from "../pinpoint/messaging/send-fixtures.js";
import { apnsTokenKey, certificate, serviceAccount } from "../push-fixtures.js";
import { startApnsServer, startFcmServer, type ApnsServer, type FcmServer } from "../push-servers.js";

const PER_MESSAGE = 2;
const DEVICE_13 = "a1".repeat(32);
const DEAD_DEVICE = `dead${"0".repeat(60)}`;

async function until(pred: () => boolean | Promise<boolean>, timeoutMs = 20_000) {
  const end = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe.each(STORE_KINDS)("push delivery on %s", (kind) => {
  const dir = tempDir("pinrec-push-");
  const tokenKey = apnsTokenKey();
  let sa: ReturnType<typeof serviceAccount>;
  let fcm: FcmServer;
  let apns: ApnsServer;
  let clientCert: { cert: string; key: string };
  let server: TestServer;
  let client: PinpointClient;
  let runtime: PersonalizeRuntimeClient;
  let appId: string;
  let arn: string;

  const status = async (id: string) =>
    (await client.send(new GetEndpointCommand({ ApplicationId: appId, EndpointId: id }))).EndpointResponse!.EndpointStatus;
  const outboxOf = async (messageId: string) => server.store.outbox.get(TENANT_A, messageId);

  beforeAll(async () => {
    const tls = await certificate("127.0.0.1");
    const caFile = join(dir.path, "ca.pem");
    writeFileSync(caFile, tls.cert);
    // The account names a token_uri of its own; the server must not follow it (only the operator's setting).
    sa = serviceAccount("http://127.0.0.1:9/not-here");
    fcm = await startFcmServer({ publicKey: sa.publicKey, clientEmail: sa.json.client_email, projectId: sa.json.project_id });
    clientCert = await certificate("com.example.app");
    apns = await startApnsServer(
      tls,
      { publicKey: tokenKey.publicKey, keyId: "KEY1234567", teamId: "TEAM123456", topic: "com.example.app" },
      [clientCert.cert],
    );
    server = await startTestServer(kind, {
      pushDelivery: true,
      fcmEndpoint: fcm.url,
      fcmTokenEndpoint: `${fcm.url}/token`,
      apnsEndpoint: apns.url,
      apnsCaFile: caFile,
      deliveryAttempts: 3,
    });
    client = pinpointClient(server);
    runtime = runtimeClient(server);
    arn = (await trainCampaign(server.store, TENANT_A, "push", dir.path)).arn;
    appId = await createApp(client, "push");
    const recommenderId = await createRecommender(client, arn, { RecommendationsPerMessage: PER_MESSAGE });
    await client.send(
      new CreatePushTemplateCommand({
        TemplateName: "picks",
        PushNotificationTemplateRequest: {
          RecommenderId: recommenderId,
          Default: {
            Title: "Picks for {{Id}}",
            Body: "{{#each RecommendationItems}}{{this}};{{/each}}",
            Action: "URL",
            Url: "https://shop.example/p",
          },
        },
      }),
    );
    await client.send(new UpdateGcmChannelCommand({ ApplicationId: appId, GCMChannelRequest: { ServiceJson: sa.text } }));
    await client.send(
      new UpdateApnsSandboxChannelCommand({
        ApplicationId: appId,
        APNSSandboxChannelRequest: { TokenKey: tokenKey.pem, TokenKeyId: "KEY1234567", TeamId: "TEAM123456", BundleId: "com.example.app" },
      }),
    );
    await putEndpoints(client, appId, [
      { Id: "u11", ChannelType: "GCM", Address: "fcm-token-11" },
      { Id: "u13", ChannelType: "APNS_SANDBOX", Address: DEVICE_13 },
      { Id: "u17", ChannelType: "GCM", Address: "gone-token-17" },
      { Id: "u19", ChannelType: "APNS_SANDBOX", Address: DEAD_DEVICE },
      { Id: "u21", ChannelType: "GCM", Address: "busy-token-21" },
    ]);
  }, 120_000);
  afterAll(async () => {
    await server?.dispose();
    await fcm?.close();
    await apns?.close();
    dir.remove();
  });

  const send = (ids: string[], extra: Record<string, unknown> = {}) =>
    client.send(
      new SendMessagesCommand({
        ApplicationId: appId,
        MessageRequest: {
          Endpoints: Object.fromEntries(ids.map((id) => [id, {}])),
          MessageConfiguration: {
            GCMMessage: { Sound: "default", Priority: "high", TimeToLive: 600 },
            APNSMessage: { Sound: "chime", CollapseId: "picks" },
            ...extra,
          },
          TemplateConfiguration: { PushTemplate: { Name: "picks" } },
        },
      }),
    );

  test("each endpoint's own recommended items reach FCM and APNs, signed as the platforms require", { timeout: 60_000 }, async () => {
    const r = await send(["u11", "u13"]);
    const results = r.MessageResponse!.EndpointResult!;
    expect(results.u11).toMatchObject({ DeliveryStatus: "SUCCESSFUL", StatusCode: 200 });
    expect(results.u13).toMatchObject({ DeliveryStatus: "SUCCESSFUL", StatusCode: 200 });
    await until(() => fcm.messages.some((m) => m.token === "fcm-token-11") && apns.requests.some((q) => q.device === DEVICE_13));
    const items11 = await recommendationsOf(runtime, arn, "u11", PER_MESSAGE);
    const items13 = await recommendationsOf(runtime, arn, "u13", PER_MESSAGE);
    expect(items11).not.toEqual(items13);
    const m = fcm.messages.find((x) => x.token === "fcm-token-11")!;
    expect(m).toEqual({
      token: "fcm-token-11",
      notification: { title: "Picks for u11", body: `${items11.join(";")};` },
      data: { "pinpoint.url": "https://shop.example/p" },
      android: { priority: "high", ttl: "600s", notification: { sound: "default" } },
    });
    const q = apns.requests.find((x) => x.device === DEVICE_13)!;
    expect(q.payload).toEqual({
      aps: { alert: { title: "Picks for u13", body: `${items13.join(";")};` }, sound: "chime" },
      data: { pinpoint: { url: "https://shop.example/p" } },
    });
    expect(q.headers).toMatchObject({
      "apns-topic": "com.example.app",
      "apns-push-type": "alert",
      "apns-priority": "10",
      "apns-collapse-id": "picks",
    });
    expect([fcm.refused, apns.refused]).toEqual([[], []]);
    await until(
      async () =>
        (await outboxOf(results.u11.MessageId!))?.status === "SENT" && (await outboxOf(results.u13.MessageId!))?.status === "SENT",
    );
    // The access token is cached: another send asks for none.
    const grants = fcm.tokenRequests;
    await send(["u11"]);
    await until(() => fcm.messages.filter((x) => x.token === "fcm-token-11").length === 2);
    expect(fcm.tokenRequests).toBe(grants);
    expect(grants).toBe(1);
  });

  test("UNREGISTERED (FCM) and 410 Unregistered (APNs) fail for good and make the endpoint inactive", { timeout: 60_000 }, async () => {
    const r = await send(["u17", "u19"]);
    const results = r.MessageResponse!.EndpointResult!;
    await until(
      async () =>
        (await outboxOf(results.u17.MessageId!))?.status === "FAILED" && (await outboxOf(results.u19.MessageId!))?.status === "FAILED",
    );
    expect((await outboxOf(results.u17.MessageId!))!.lastError).toContain("UNREGISTERED");
    expect((await outboxOf(results.u19.MessageId!))!.lastError).toContain("410 Unregistered");
    expect((await outboxOf(results.u17.MessageId!))!.attempts).toBe(1);
    expect(await status("u17")).toBe("INACTIVE");
    expect(await status("u19")).toBe("INACTIVE");
    expect(await status("u11")).toBe("ACTIVE");
  });

  test("503 with Retry-After is retried after it, then delivered; silent push is data only", { timeout: 60_000 }, async () => {
    const r = await send(["u21"], { GCMMessage: { SilentPush: true, Data: { k: "v" } } });
    const id = r.MessageResponse!.EndpointResult!.u21.MessageId!;
    await until(async () => (await outboxOf(id))?.status === "SENT");
    const rec = (await outboxOf(id))!;
    expect(rec.attempts).toBe(2);
    const m = fcm.messages.find((x) => x.token === "busy-token-21")!;
    expect(m.notification).toBeUndefined();
    expect(m.data).toEqual({ k: "v", "pinpoint.url": "https://shop.example/p" });
  });

  test("a token of the wrong shape for APNs, a key-only GCM channel and a disabled channel each say why", { timeout: 60_000 }, async () => {
    const app2 = await createApp(client, "push-2");
    await client.send(new UpdateGcmChannelCommand({ ApplicationId: app2, GCMChannelRequest: { ApiKey: "legacy-key" } }));
    await client.send(
      new UpdateApnsSandboxChannelCommand({
        ApplicationId: app2,
        APNSSandboxChannelRequest: { TokenKey: tokenKey.pem, TokenKeyId: "KEY1234567", TeamId: "TEAM123456", BundleId: "com.example.app" },
      }),
    );
    await putEndpoints(client, app2, [
      { Id: "g1", ChannelType: "GCM", Address: "fcm-token-g1" },
      { Id: "a1", ChannelType: "APNS_SANDBOX", Address: "not-hex-at-all" },
    ]);
    const sendTo = (ids: string[]) =>
      client.send(
        new SendMessagesCommand({
          ApplicationId: app2,
          MessageRequest: {
            Endpoints: Object.fromEntries(ids.map((id) => [id, {}])),
            MessageConfiguration: { DefaultPushNotificationMessage: { Title: "t", Body: "b" } },
          },
        }),
      );
    const r = (await sendTo(["g1", "a1"])).MessageResponse!.EndpointResult!;
    const failed = async (id: string) => {
      await until(async () => (await outboxOf(id))?.status === "FAILED");
      return (await outboxOf(id))!;
    };
    const g = await failed(r.g1.MessageId!);
    expect([g.attempts, g.lastError]).toEqual([1, expect.stringContaining("legacy ApiKey")]);
    const a = await failed(r.a1.MessageId!);
    expect([a.attempts, a.lastError]).toEqual([1, expect.stringContaining("'not-hex-at-all' is not an APNs device token")]);
    expect(
      await client.send(new GetEndpointCommand({ ApplicationId: app2, EndpointId: "a1" })).then((x) => x.EndpointResponse!.EndpointStatus),
    ).toBe("INACTIVE");
    expect(fcm.messages.some((m) => m.token === "fcm-token-g1")).toBe(false);
  });

  test("APNs certificate auth: the channel's certificate is the TLS client identity; VoIP goes to the .voip topic", {
    timeout: 60_000,
  }, async () => {
    const app3 = await createApp(client, "push-3");
    await client.send(
      new UpdateApnsVoipChannelCommand({
        ApplicationId: app3,
        APNSVoipChannelRequest: { Certificate: clientCert.cert, PrivateKey: clientCert.key, BundleId: "com.example.app" },
      }),
    );
    const device = "b2".repeat(32);
    await putEndpoints(client, app3, [{ Id: "v1", ChannelType: "APNS_VOIP", Address: device }]);
    const r = await client.send(
      new SendMessagesCommand({
        ApplicationId: app3,
        MessageRequest: {
          Endpoints: { v1: {} },
          MessageConfiguration: { APNSMessage: { Body: "call", Data: { caller: "ana" } } },
        },
      }),
    );
    const id = r.MessageResponse!.EndpointResult!.v1.MessageId!;
    await until(async () => (await outboxOf(id))?.status !== "QUEUED" && (await outboxOf(id))?.status !== "SENDING");
    expect((await outboxOf(id))!.status).toBe("SENT");
    const q = apns.requests.find((x) => x.device === device)!;
    expect(q.clientCert).toBe(new X509Certificate(clientCert.cert).fingerprint256);
    expect(q.headers.authorization).toBeUndefined();
    expect(q.headers).toMatchObject({ "apns-topic": "com.example.app.voip", "apns-push-type": "voip" });
    expect(q.payload).toEqual({ caller: "ana", aps: { alert: { body: "call" } } });
  });
});
