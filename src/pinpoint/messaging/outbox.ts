/**
 * The outbox stage: rendered messages handed to the `MessageSender`, which stores each durably
 * before answering its outcome. A message with an idempotency key is accepted at most once, so a
 * re-run campaign batch sends nothing twice.
 */
import type { Tenant } from "../../store/types.js";
import type { MessageSpec } from "./contents.js";
import type { MessageEngagement, MessageSender, RenderedMessage, TransformerEnvelope } from "./contracts.js";
import { decide, type Decided, type Rendered, type Stage, type Target } from "./recipient.js";

export interface OutboxOptions {
  /** The `RequestId` the messages are stored under (a campaign uses its activity id). */
  requestId: string;
  /** A key per recipient: a runner's (activity id + endpoint id) or a journey's (run, activity, endpoint). */
  idempotencyKey?: (r: Target) => string;
  /**
   * How many of `wanted` messages may go now (at least one; it waits for its window), for a
   * shared `MessagesPerSecond`; without it, all go at once.
   */
  pace?: (wanted: number) => Promise<number>;
  /** The campaign-hook envelope of a campaign send: its ids go with the message's engagement events. */
  envelope?: TransformerEnvelope;
  /** A journey's ids, and `tracking: false` where the campaign or journey opted out of tracking. */
  engagement?: Pick<MessageEngagement, "journeyId" | "journeyActivityId" | "tracking">;
}

/** The engagement context of one recipient's message; undefined when there is none to record. */
function engagementOf(r: Rendered, options: OutboxOptions): MessageEngagement | undefined {
  const e: MessageEngagement = {
    ...(options.envelope?.CampaignId !== undefined && { campaignId: options.envelope.CampaignId }),
    ...(options.envelope?.TreatmentId !== undefined && { treatmentId: options.envelope.TreatmentId }),
    ...(options.envelope?.ActivityId !== undefined && { campaignActivityId: options.envelope.ActivityId }),
    ...options.engagement,
    ...(r.recommender && { recommenderId: r.recommender.id }),
    ...(r.recommendationItems?.length && { recommendationItems: r.recommendationItems }),
  };
  if (r.content.template?.tracking === false) e.tracking = false;
  return Object.keys(e).length > 0 ? e : undefined;
}

export class OutboxStage {
  /** `sender` is absent where the pipeline only previews. */
  constructor(private readonly sender: MessageSender | undefined) {}

  async deliver(tenant: Tenant, appId: string, spec: MessageSpec, recipients: Stage<Rendered>, options: OutboxOptions): Promise<Decided[]> {
    let pending = recipients.filter((r): r is Rendered => r.state === "pending");
    const outcomes = new Map<Rendered, Decided>();
    while (pending.length > 0) {
      const granted = options.pace ? await options.pace(pending.length) : pending.length;
      const slice = pending.slice(0, granted);
      await this.accept(tenant, appId, spec, slice, options, outcomes);
      pending = pending.slice(granted);
    }
    return recipients.map((r) => (r.state === "decided" ? r : (outcomes.get(r) ?? unreachable(r))));
  }

  private async accept(
    tenant: Tenant,
    appId: string,
    spec: MessageSpec,
    sending: Rendered[],
    options: OutboxOptions,
    out: Map<Rendered, Decided>,
  ): Promise<void> {
    const messages: RenderedMessage[] = sending.map((r) => {
      const context = { ...spec.Context, ...r.config.Context };
      const engagement = engagementOf(r, options);
      return {
        tenant,
        applicationId: appId,
        channel: r.content.channel,
        address: r.endpoint.Address ?? "",
        ...(r.ref.kind !== "address" && { endpointId: r.endpoint.Id }),
        ...(r.endpoint.User?.UserId !== undefined && { userId: r.endpoint.User.UserId }),
        requestId: options.requestId,
        ...(spec.TraceId !== undefined && { traceId: spec.TraceId }),
        ...(Object.keys(context).length > 0 && { context }),
        ...(options.idempotencyKey && { idempotencyKey: options.idempotencyKey(r) }),
        ...r.rendered,
        ...(r.content.channel === "PUSH" && r.endpoint.ChannelType !== undefined && { channelType: r.endpoint.ChannelType }),
        ...(engagement && { engagement }),
      };
    });
    if (!this.sender) throw new Error("this message pipeline has no sender: it can only preview");
    const accepted = await this.sender.accept(messages);
    sending.forEach((r, i) => {
      const o = accepted[i];
      out.set(
        r,
        decide(r, {
          DeliveryStatus: o.deliveryStatus,
          StatusCode: o.statusCode,
          StatusMessage: o.statusMessage,
          ...(o.messageId && { MessageId: o.messageId }),
        }),
      );
    });
  }
}

function unreachable(r: Rendered): never {
  throw new Error(`The outbox returned no outcome for ${r.endpoint.Id ?? r.endpoint.Address}`);
}
