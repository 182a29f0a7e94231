/**
 * Event streams: PutEventStream, GetEventStream, DeleteEventStream, and the delivery of every
 * engagement event of an app to its stream, Kinesis Data Streams (`PutRecords`) or Amazon Data
 * Firehose (`PutRecordBatch`), as Pinpoint's event JSON. Delivery reads the stored events after the
 * stream's position under a lease (see src/store/event-streams.ts): at least once, nothing lost when
 * a process dies, and a destination that is down only delays its stream (sends never wait for it).
 * Credentials come from the standard AWS provider chain; the region from the stream's ARN.
 */
import type { EventStream, WriteEventStream } from "@aws-sdk/client-pinpoint";
import { randomUUID } from "node:crypto";
import type { Store, Tenant } from "../../store/types.js";
import { badRequest, notFound } from "../../shared/errors.js";
import { streamRecord } from "./stream-record.js";

export interface EventStreamOptions {
  /** A Kinesis-compatible server for `arn:aws:kinesis:…` streams (default: AWS's regional endpoint). */
  kinesisEndpoint?: string;
  /** A Firehose-compatible server for `arn:aws:firehose:…` delivery streams. */
  firehoseEndpoint?: string;
  /** Credentials for the destinations (tests); default: the standard AWS provider chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  pollMs?: number;
  leaseMs?: number;
  /** Events per PutRecords / PutRecordBatch call (at most 500 for both). */
  batchSize?: number;
  log?: { warn(obj: object, msg: string): void };
  now?: () => number;
}

const STREAM_ARN = /^arn:aws[a-z-]*:(kinesis|firehose):([a-z0-9-]+):(\d{12}):(stream|deliverystream)\/([A-Za-z0-9_.-]{1,128})$/;

export function parseStreamArn(arn: string): { service: "kinesis" | "firehose"; region: string; name: string } | undefined {
  const m = STREAM_ARN.exec(arn);
  if (!m) return undefined;
  const service = m[1] as "kinesis" | "firehose";
  if ((service === "kinesis") !== (m[4] === "stream")) return undefined;
  return { service, region: m[2], name: m[5] };
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;

type Sender = (arn: string, records: { data: Uint8Array; partitionKey: string }[]) => Promise<number>;

export class EventStreamService {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private readonly clients = new Map<string, Promise<Sender>>();
  private readonly now: () => number;

  constructor(
    private readonly store: Store,
    private readonly options: EventStreamOptions = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  async put(tenant: Tenant, appId: string, req: WriteEventStream | undefined): Promise<EventStream> {
    await this.appExists(tenant, appId);
    const arn = req?.DestinationStreamArn;
    if (typeof arn !== "string" || !parseStreamArn(arn))
      throw badRequest(
        "DestinationStreamArn must be an Amazon Kinesis data stream ARN (arn:aws:kinesis:region:account:stream/name) or an Amazon Data Firehose delivery stream ARN (arn:aws:firehose:region:account:deliverystream/name)",
      );
    const role = req?.RoleArn;
    if (typeof role !== "string" || !ROLE_ARN.test(role))
      throw badRequest("RoleArn must be an IAM role ARN (arn:aws:iam::account:role/name)");
    const doc: EventStream = {
      ApplicationId: appId,
      DestinationStreamArn: arn,
      RoleArn: role,
      LastModifiedDate: new Date(this.now()).toISOString(),
    };
    await this.store.eventStreams.put(tenant, appId, { ...doc }, this.now());
    this.wake();
    return doc;
  }

  async get(tenant: Tenant, appId: string): Promise<EventStream> {
    await this.appExists(tenant, appId);
    const s = await this.store.eventStreams.get(tenant, appId);
    if (!s) throw notFound(`Application '${appId}' has no event stream`);
    return s.doc as unknown as EventStream;
  }

  async delete(tenant: Tenant, appId: string): Promise<EventStream> {
    await this.appExists(tenant, appId);
    const s = await this.store.eventStreams.delete(tenant, appId);
    if (!s) throw notFound(`Application '${appId}' has no event stream`);
    return s.doc as unknown as EventStream;
  }

  private async appExists(tenant: Tenant, appId: string): Promise<void> {
    if (!(await this.store.apps.get(tenant, appId))) throw notFound(`Application '${appId}' was not found`);
  }

  start(): void {
    this.timer = setInterval(() => this.wake(), this.options.pollMs ?? 1000);
    this.timer.unref();
  }

  /** Delivers what is due now (unless a round is already running). */
  wake(): void {
    if (!this.timer || this.running) return;
    this.running = this.deliverDue().finally(() => (this.running = undefined));
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One round: every due stream, one batch each, until none has events left. */
  async deliverDue(): Promise<void> {
    for (let i = 0; i < 1000; i++) {
      const token = randomUUID();
      const now = this.now();
      let claimed: Awaited<ReturnType<Store["eventStreams"]["claim"]>>;
      try {
        claimed = await this.store.eventStreams.claim(token, now, now + (this.options.leaseMs ?? 30_000));
      } catch (err) {
        this.options.log?.warn({ err }, "event streams: cannot claim a stream; retrying");
        return;
      }
      if (!claimed) return;
      const arn = String(claimed.doc.DestinationStreamArn);
      const events = await this.store.engagement.list(claimed.tenant, claimed.appId, {
        afterSeq: claimed.lastSeq,
        limit: this.options.batchSize ?? 500,
      });
      try {
        const send = await this.sender(arn);
        const failed = await send(
          arn,
          events.map((e) => ({ data: Buffer.from(`${JSON.stringify(streamRecord(e))}\n`), partitionKey: e.endpointId ?? e.eventId })),
        );
        if (failed > 0) throw new Error(`${failed} of ${events.length} records were not accepted`);
        await this.store.eventStreams.advance(claimed.tenant, claimed.appId, token, events.at(-1)?.seq ?? claimed.lastSeq);
      } catch (err) {
        const delay = Math.min(60_000, 1000 * 2 ** Math.min(6, claimed.attempts));
        await this.store.eventStreams.fail(claimed.tenant, claimed.appId, token, this.now() + delay, (err as Error).message ?? String(err));
        this.options.log?.warn(
          { err, stream: arn, retryInMs: delay },
          "event stream delivery failed; its events wait for the next attempt",
        );
      }
    }
  }

  private sender(arn: string): Promise<Sender> {
    const { service, region } = parseStreamArn(arn)!;
    const key = `${service}:${region}`;
    let s = this.clients.get(key);
    if (!s) {
      s = service === "kinesis" ? this.kinesis(region) : this.firehose(region);
      this.clients.set(key, s);
    }
    return s;
  }

  private async kinesis(region: string): Promise<Sender> {
    const { KinesisClient, PutRecordsCommand } = await import("@aws-sdk/client-kinesis");
    const client = new KinesisClient({
      region,
      maxAttempts: 1,
      ...(this.options.kinesisEndpoint && { endpoint: this.options.kinesisEndpoint }),
      ...(this.options.credentials && { credentials: this.options.credentials }),
    });
    return async (arn, records) => {
      const out = await client.send(
        new PutRecordsCommand({ StreamARN: arn, Records: records.map((r) => ({ Data: r.data, PartitionKey: r.partitionKey })) }),
      );
      return out.FailedRecordCount ?? 0;
    };
  }

  private async firehose(region: string): Promise<Sender> {
    const { FirehoseClient, PutRecordBatchCommand } = await import("@aws-sdk/client-firehose");
    const client = new FirehoseClient({
      region,
      maxAttempts: 1,
      ...(this.options.firehoseEndpoint && { endpoint: this.options.firehoseEndpoint }),
      ...(this.options.credentials && { credentials: this.options.credentials }),
    });
    return async (arn, records) => {
      const name = parseStreamArn(arn)!.name;
      const out = await client.send(
        new PutRecordBatchCommand({ DeliveryStreamName: name, Records: records.map((r) => ({ Data: r.data })) }),
      );
      return out.FailedPutCount ?? 0;
    };
  }
}
