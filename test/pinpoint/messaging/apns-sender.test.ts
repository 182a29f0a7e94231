/** The APNs sender on its own against a cleartext HTTP/2 server (`http://` endpoints): answers → outcomes. */
import { afterAll, beforeAll, expect, test } from "vitest";
import { createServer, constants } from "node:http2";
import type { AddressInfo } from "node:net";
import { ApnsSender } from "../../../src/pinpoint/messaging/delivery/push/apns.js";
import { PushRejected } from "../../../src/pinpoint/messaging/delivery/push/outcome.js";
import { DeliveryError, type OutboxMessage } from "../../../src/pinpoint/messaging/delivery/transport.js";
import { apnsTokenKey } from "../../push-fixtures.js";

const key = apnsTokenKey();
const secrets = { TokenKey: key.pem, TokenKeyId: "KEY1234567", TeamId: "TEAM123456", BundleId: "com.example.app" };
const seen: { path: string; auth: string }[] = [];
const server = createServer();
let sender: ApnsSender;

server.on("stream", (stream, headers) => {
  stream.resume();
  stream.on("end", () => {
    const path = String(headers[":path"]);
    seen.push({ path, auth: String(headers.authorization) });
    const device = path.split("/").pop()!;
    if (device.startsWith("cc")) {
      stream.respond({ [constants.HTTP2_HEADER_STATUS]: 429, "retry-after": "7" });
      return stream.end(JSON.stringify({ reason: "TooManyRequests" }));
    }
    if (device.startsWith("dd")) {
      stream.respond({ [constants.HTTP2_HEADER_STATUS]: 400 });
      return stream.end(JSON.stringify({ reason: "BadDeviceToken" }));
    }
    stream.respond({ [constants.HTTP2_HEADER_STATUS]: 200 });
    stream.end();
  });
});

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  sender = new ApnsSender({ endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
});
afterAll(async () => {
  await sender.close();
  await new Promise<void>((r) => server.close(() => r()));
});

const message = (address: string): OutboxMessage => ({
  messageId: "m",
  createdAt: new Date().toISOString(),
  attempt: 1,
  message: { applicationId: "a", channel: "PUSH", address, requestId: "r", push: { body: "hi" }, channelType: "APNS" },
});

test("http:// speaks HTTP/2 without TLS; one provider token is reused across sends", async () => {
  await sender.send("APNS", secrets, "TOKEN", message("aa".repeat(32)));
  await sender.send("APNS", secrets, "TOKEN", message("ab".repeat(32)));
  expect(seen.map((s) => s.path)).toEqual([`/3/device/${"aa".repeat(32)}`, `/3/device/${"ab".repeat(32)}`]);
  expect(seen[0].auth).toMatch(/^bearer [\w-]+\.[\w-]+\.[\w-]+$/);
  expect(seen[1].auth).toBe(seen[0].auth);
});

test("429 retries no sooner than Retry-After; BadDeviceToken is a permanent, token-gone rejection", async () => {
  const busy = await sender.send("APNS", secrets, "TOKEN", message("cc".repeat(32))).catch((e: unknown) => e);
  expect(busy).toBeInstanceOf(DeliveryError);
  expect([(busy as DeliveryError).permanent, (busy as DeliveryError).retryAfterMs]).toEqual([false, 7000]);
  const gone = await sender.send("APNS", secrets, "TOKEN", message("dd".repeat(32))).catch((e: unknown) => e);
  expect(gone).toBeInstanceOf(PushRejected);
  expect([(gone as PushRejected).permanent, (gone as PushRejected).tokenGone, (gone as Error).message]).toEqual([
    true,
    true,
    "APNs answered 400 BadDeviceToken",
  ]);
});
