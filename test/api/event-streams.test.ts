/**
 * Event streams through the real SDK, on both stores: PutEventStream / GetEventStream /
 * DeleteEventStream, bad ARNs refused, and every engagement event of the app delivered to a real
 * HTTP server speaking Kinesis' JSON protocol (through @aws-sdk/client-kinesis) as Pinpoint's event
 * JSON; while the destination is down its events are held, and they all arrive once it is back.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  DeleteEventStreamCommand,
  GetEventStreamCommand,
  PutEventStreamCommand,
  SendMessagesCommand,
  type PinpointClient,
} from "@aws-sdk/client-pinpoint";
import { ACCOUNT_A, STORE_KINDS, errorOf, pinpointClient, startTestServer, type TestServer } from "../helpers.js";
import { startKinesisReceiver, type KinesisReceiver } from "../kinesis-receiver.js";
import { createApp } from "../pinpoint/messaging/send-fixtures.js";

const STREAM = `arn:aws:kinesis:us-east-1:${ACCOUNT_A.accountId}:stream/pinpoint-events`;
const ROLE = `arn:aws:iam::${ACCOUNT_A.accountId}:role/pinpoint-events`;

describe.each(STORE_KINDS)("event streams on %s", (kind) => {
  let server: TestServer;
  let kinesis: KinesisReceiver;
  let client: PinpointClient;
  let appId: string;

  const send = (addresses: string[]) =>
    client.send(
      new SendMessagesCommand({
        ApplicationId: appId,
        MessageRequest: {
          Addresses: Object.fromEntries(addresses.map((a) => [a, { ChannelType: "EMAIL" }])),
          MessageConfiguration: {
            EmailMessage: { FromAddress: "shop@example.com", SimpleEmail: { Subject: { Data: "Hi" }, TextPart: { Data: "hello" } } },
          },
        },
      }),
    );
  async function waitUntil(pred: () => boolean, timeoutMs = 20_000) {
    const end = Date.now() + timeoutMs;
    while (!pred()) {
      if (Date.now() > end) throw new Error("condition not met in time");
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  beforeAll(async () => {
    kinesis = await startKinesisReceiver();
    server = await startTestServer(kind, {
      eventStreams: { kinesisEndpoint: kinesis.url, credentials: { accessKeyId: "AKIDSTREAMTEST", secretAccessKey: "secret" }, pollMs: 50 },
    });
    client = pinpointClient(server);
    appId = await createApp(client, "streams");
  });
  afterAll(async () => {
    await server?.dispose();
    await kinesis?.close();
  });

  test("a stream ARN that is neither Kinesis nor Firehose is a 400 naming DestinationStreamArn; no stream is a 404", async () => {
    for (const arn of ["arn:aws:sqs:us-east-1:111122223333:queue", "arn:aws:kinesis:us-east-1:111122223333:deliverystream/x", "nope"]) {
      const err = await errorOf(() =>
        client.send(new PutEventStreamCommand({ ApplicationId: appId, WriteEventStream: { DestinationStreamArn: arn, RoleArn: ROLE } })),
      );
      expect(err).toMatchObject({ name: "BadRequestException", $metadata: { httpStatusCode: 400 } });
      expect(err.message).toContain("DestinationStreamArn");
    }
    expect(await errorOf(() => client.send(new GetEventStreamCommand({ ApplicationId: appId })))).toMatchObject({
      name: "NotFoundException",
    });
  });

  test("events go to the Kinesis stream as Pinpoint event JSON; a stream that is down holds them without loss", {
    timeout: 60_000,
  }, async () => {
    const put = await client.send(
      new PutEventStreamCommand({ ApplicationId: appId, WriteEventStream: { DestinationStreamArn: STREAM, RoleArn: ROLE } }),
    );
    expect(put.EventStream).toMatchObject({ ApplicationId: appId, DestinationStreamArn: STREAM, RoleArn: ROLE });
    expect((await client.send(new GetEventStreamCommand({ ApplicationId: appId }))).EventStream).toEqual(put.EventStream);

    const first = await send(["a@example.com", "b@example.com"]);
    await waitUntil(() => kinesis.records.length >= 2);
    const record = kinesis.records[0];
    expect(record.streamArn).toBe(STREAM);
    const messageIds = Object.values(first.MessageResponse!.Result!).map((r) => r.MessageId);
    expect(record.data).toMatchObject({
      event_type: "_email.send",
      application: { app_id: appId },
      awsAccountId: ACCOUNT_A.accountId,
      facets: { email_channel: { mail_event: { mail: { from_address: "shop@example.com" } } } },
    });
    expect(typeof record.data.event_timestamp).toBe("number");
    expect(typeof record.data.arrival_timestamp).toBe("number");
    expect(kinesis.records.map((r) => (r.data.facets as any).email_channel.mail_event.mail.message_id).sort()).toEqual(messageIds.sort());

    kinesis.down = true;
    const callsBefore = kinesis.calls;
    await send(["c@example.com", "d@example.com", "e@example.com"]);
    await waitUntil(() => kinesis.calls > callsBefore);
    expect(kinesis.records).toHaveLength(2);
    kinesis.down = false;
    await waitUntil(() => kinesis.records.length >= 5, 30_000);
    const destinations = kinesis.records.map((r) => (r.data.facets as any).email_channel.mail_event.mail.destination[0]);
    expect(new Set(destinations)).toEqual(new Set(["a@example.com", "b@example.com", "c@example.com", "d@example.com", "e@example.com"]));
    // At least once: a copy is recognisable by its event id.
    expect(new Set(kinesis.records.map((r) => r.data.event_id)).size).toBe(5);

    const deleted = await client.send(new DeleteEventStreamCommand({ ApplicationId: appId }));
    expect(deleted.EventStream).toMatchObject({ DestinationStreamArn: STREAM });
    expect(await errorOf(() => client.send(new GetEventStreamCommand({ ApplicationId: appId })))).toMatchObject({
      name: "NotFoundException",
    });
  });
});
