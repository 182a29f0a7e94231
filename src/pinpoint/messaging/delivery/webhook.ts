/**
 * SMS and push over a webhook: one JSON POST per message, signed as the Standard Webhooks
 * specification (standardwebhooks.com) describes, so receivers can use its libraries to verify:
 *
 * - `webhook-id`: the message's `MessageId` (the same on every retry: receivers deduplicate on it)
 * - `webhook-timestamp`: seconds since the epoch when this attempt was sent
 * - `webhook-signature`: `v1,` + base64 HMAC-SHA256 over `${webhook-id}.${webhook-timestamp}.${body}`
 *
 * The key is the configured secret: a `whsec_`-prefixed secret is base64-decoded after the prefix
 * (the specification's form), any other string is used as its UTF-8 bytes.
 */
import { createHmac } from "node:crypto";
import { DeliveryError, type ChannelTransport, type OutboxMessage } from "./transport.js";

export function webhookKey(secret: string): Buffer {
  return secret.startsWith("whsec_") ? Buffer.from(secret.slice("whsec_".length), "base64") : Buffer.from(secret, "utf8");
}

export function webhookSignature(key: Buffer, id: string, timestamp: string, body: string): string {
  return `v1,${createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64")}`;
}

export function checkWebhookUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`not a URL: '${value}'`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error(`'${url.protocol}' is not http: or https:`);
  return value;
}

/** The JSON body: the message as rendered, in Pinpoint's field names. */
export function webhookPayload(m: OutboxMessage): object {
  const msg = m.message;
  return {
    MessageId: m.messageId,
    ApplicationId: msg.applicationId,
    ChannelType: msg.channel,
    Address: msg.address,
    ...(msg.endpointId !== undefined && { EndpointId: msg.endpointId }),
    ...(msg.userId !== undefined && { UserId: msg.userId }),
    RequestId: msg.requestId,
    ...(msg.traceId !== undefined && { TraceId: msg.traceId }),
    ...(msg.context && { Context: msg.context }),
    CreationDate: m.createdAt,
    Attempt: m.attempt,
    ...(msg.sms && {
      SMSMessage: {
        Body: msg.sms.body,
        MessageType: msg.sms.messageType,
        OriginationNumber: msg.sms.originationNumber,
        SenderId: msg.sms.senderId,
        Keyword: msg.sms.keyword,
      },
    }),
    ...(msg.push && {
      PushMessage: {
        Title: msg.push.title,
        Body: msg.push.body,
        Action: msg.push.action,
        Url: msg.push.url,
        ImageUrl: msg.push.imageUrl,
        Data: msg.push.data,
        RawContent: msg.push.raw,
      },
    }),
  };
}

/** Answers that say "try again later"; every other 4xx is the receiver refusing this message for good. */
const RETRYABLE_4XX = new Set([408, 425, 429]);

export class WebhookTransport implements ChannelTransport {
  readonly name = "webhook";
  readonly channels = ["SMS", "PUSH"] as const;
  private readonly key: Buffer;

  constructor(
    private readonly url: string,
    secret: string,
    private readonly timeoutMs = 30_000,
  ) {
    checkWebhookUrl(url);
    if (!secret) throw new Error("a webhook needs a signing secret");
    this.key = webhookKey(secret);
  }

  async send(m: OutboxMessage): Promise<void> {
    const body = JSON.stringify(webhookPayload(m));
    const timestamp = String(Math.floor(Date.now() / 1000));
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
    let res: Response;
    try {
      res = await fetch(this.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "user-agent": "pinrec-webhook",
          "webhook-id": m.messageId,
          "webhook-timestamp": timestamp,
          "webhook-signature": webhookSignature(this.key, m.messageId, timestamp, body),
        },
        body,
        redirect: "manual",
        signal: abort.signal,
      });
      // Read (and drop) the answer so the kept-alive connection can be reused.
      await res.arrayBuffer();
    } catch (err) {
      const cause = abort.signal.aborted ? (abort.signal.reason as Error) : ((err as { cause?: Error }).cause ?? (err as Error));
      throw new DeliveryError(`POST ${this.url} failed: ${cause?.message ?? String(err)}`, false);
    } finally {
      clearTimeout(timer);
    }
    if (res.status >= 200 && res.status < 300) return;
    const permanent = res.status < 500 && !RETRYABLE_4XX.has(res.status);
    throw new DeliveryError(`POST ${this.url} answered ${res.status}${res.statusText ? ` ${res.statusText}` : ""}`, permanent);
  }

  async close(): Promise<void> {}
}
