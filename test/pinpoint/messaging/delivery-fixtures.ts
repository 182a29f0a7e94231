/** Rendered messages for the delivery tests, as the send pipeline hands them to the sender. */
import { randomUUID } from "node:crypto";
import type { RenderedMessage } from "../../../src/pinpoint/messaging/contracts.js";
import type { Tenant } from "../../../src/store/types.js";

export const T: Tenant = { accountId: "111122223333", region: "us-east-1" };

export function emailMessage(extra: Partial<RenderedMessage> = {}): RenderedMessage {
  return {
    tenant: T,
    applicationId: "app1",
    channel: "EMAIL",
    address: "ada@example.com",
    endpointId: "ep-1",
    userId: "user-1",
    requestId: randomUUID(),
    email: { fromAddress: "shop@example.com", subject: "Picked for you", html: "<p>item-1</p>", text: "item-1" },
    ...extra,
  };
}

export function smsMessage(extra: Partial<RenderedMessage> = {}): RenderedMessage {
  return {
    tenant: T,
    applicationId: "app1",
    channel: "SMS",
    address: "+15550100",
    endpointId: "ep-2",
    requestId: randomUUID(),
    sms: { body: "Your picks: item-1", messageType: "TRANSACTIONAL", originationNumber: "+15550199" },
    ...extra,
  };
}
