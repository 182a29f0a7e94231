/**
 * Reading the outbox, for `pinrec outbox list|show` and `GET /_pinrec/outbox[/{MessageId}]`: the
 * messages an account sent, newest last, with what became of each, and a message's full rendered
 * content. Field names follow Pinpoint's (`MessageId`, `ChannelType`, `EmailMessage`, …).
 */
import type { RenderedMessage } from "../contracts.js";
import { OUTBOX_STATUSES, type OutboxFilter, type OutboxRecord, type OutboxRepository, type OutboxStatus } from "../../../store/outbox.js";
import type { Tenant } from "../../../store/types.js";
import { badRequest, notFound } from "../../../shared/errors.js";
import { decodeToken, encodeToken, parsePageSize } from "../../../shared/pagination.js";
import { MESSAGE_ID_PATTERN } from "./message-id.js";

const CHANNELS = ["EMAIL", "SMS", "PUSH"];
const LIST = "outbox";

export interface OutboxQuery {
  applicationId?: string;
  channel?: string;
  address?: string;
  status?: string;
  /** As on the wire: digits, 1–1000 (default 100). */
  pageSize?: string;
  nextToken?: string;
}

export interface OutboxMessageSummary {
  MessageId: string;
  ApplicationId: string;
  ChannelType: string;
  Address: string;
  EndpointId?: string;
  UserId?: string;
  RequestId: string;
  /** STORED (kept in the outbox: no transport for its channel), QUEUED, SENDING, SENT or FAILED. */
  Status: OutboxStatus;
  Attempts: number;
  CreationDate: string;
  SentDate?: string;
  /** When a queued message is next tried. */
  NextAttemptDate?: string;
  /** The last failed attempt's reason (for FAILED, why it failed). */
  LastError?: string;
  Subject?: string;
}

export interface OutboxMessageDetail extends OutboxMessageSummary {
  IdempotencyKey?: string;
  TraceId?: string;
  Context?: Record<string, string>;
  EmailMessage?: {
    FromAddress?: string;
    ReplyToAddresses?: string[];
    Subject?: string;
    HtmlPart?: string;
    TextPart?: string;
    Headers?: { Name: string; Value: string }[];
    RawEmail?: string;
  };
  SMSMessage?: { Body: string; MessageType?: string; OriginationNumber?: string; SenderId?: string; Keyword?: string };
  PushMessage?: {
    Title?: string;
    Body?: string;
    Action?: string;
    Url?: string;
    ImageUrl?: string;
    Data?: Record<string, string>;
    RawContent?: string;
  };
}

type Stored = Omit<RenderedMessage, "tenant">;

function summary(r: OutboxRecord, m: Stored): OutboxMessageSummary {
  return {
    MessageId: r.messageId,
    ApplicationId: r.appId,
    ChannelType: r.channel,
    Address: r.address,
    ...(m.endpointId !== undefined && { EndpointId: m.endpointId }),
    ...(m.userId !== undefined && { UserId: m.userId }),
    RequestId: m.requestId,
    Status: r.status,
    Attempts: r.attempts,
    CreationDate: r.createdAt,
    ...(r.sentAt !== undefined && { SentDate: r.sentAt }),
    ...(r.status === "QUEUED" && { NextAttemptDate: new Date(r.dueAt).toISOString() }),
    ...(r.lastError !== undefined && { LastError: r.lastError }),
    ...(m.email?.subject !== undefined && { Subject: m.email.subject }),
  };
}

function detail(r: OutboxRecord, m: Stored): OutboxMessageDetail {
  return {
    ...summary(r, m),
    ...(r.idempotencyKey !== undefined && { IdempotencyKey: r.idempotencyKey }),
    ...(m.traceId !== undefined && { TraceId: m.traceId }),
    ...(m.context && { Context: m.context }),
    ...(m.email && {
      EmailMessage: {
        FromAddress: m.email.fromAddress,
        ReplyToAddresses: m.email.replyTo,
        Subject: m.email.subject,
        HtmlPart: m.email.html,
        TextPart: m.email.text,
        Headers: m.email.headers?.map((h) => ({ Name: h.name, Value: h.value })),
        RawEmail: m.email.raw,
      },
    }),
    ...(m.sms && {
      SMSMessage: {
        Body: m.sms.body,
        MessageType: m.sms.messageType,
        OriginationNumber: m.sms.originationNumber,
        SenderId: m.sms.senderId,
        Keyword: m.sms.keyword,
      },
    }),
    ...(m.push && {
      PushMessage: {
        Title: m.push.title,
        Body: m.push.body,
        Action: m.push.action,
        Url: m.push.url,
        ImageUrl: m.push.imageUrl,
        Data: m.push.data,
        RawContent: m.push.raw,
      },
    }),
  };
}

const parse = (r: OutboxRecord) => JSON.parse(r.doc) as Stored;

export class OutboxReader {
  constructor(private readonly outbox: OutboxRepository) {}

  async list(tenant: Tenant, q: OutboxQuery): Promise<{ Messages: OutboxMessageSummary[]; NextToken?: string }> {
    const filter: OutboxFilter = {};
    if (q.applicationId !== undefined) filter.appId = q.applicationId;
    if (q.address !== undefined) filter.address = q.address;
    if (q.channel !== undefined) {
      if (!CHANNELS.includes(q.channel)) throw badRequest(`channel must be one of ${CHANNELS.join(", ")}`);
      filter.channel = q.channel;
    }
    if (q.status !== undefined) {
      const status = OUTBOX_STATUSES.find((s) => s === q.status);
      if (!status) throw badRequest(`status must be one of ${OUTBOX_STATUSES.join(", ")}`);
      filter.status = status;
    }
    const page = await this.outbox.list(tenant, filter, decodeToken(LIST, q.nextToken), parsePageSize(q.pageSize));
    return {
      Messages: page.items.map((r) => summary(r, parse(r))),
      ...(page.after !== undefined && { NextToken: encodeToken(LIST, page.after) }),
    };
  }

  async get(tenant: Tenant, messageId: string): Promise<OutboxMessageDetail> {
    const r = MESSAGE_ID_PATTERN.test(messageId) ? await this.outbox.get(tenant, messageId) : undefined;
    if (!r) throw notFound(`Message '${messageId}' is not in this account's outbox`);
    return detail(r, parse(r));
  }
}
