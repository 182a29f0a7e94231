/**
 * One delivery transport per channel family, behind one interface (as LocalStack's SNS publisher
 * has one publisher class per protocol): SMTP for email, a signed webhook for SMS and push.
 */
import type { Tenant } from "../../../store/types.js";
import type { RenderedMessage, SendChannel } from "../contracts.js";

/** A message as the outbox holds it: what the pipeline rendered, plus the id it was accepted under. */
export interface OutboxMessage {
  messageId: string;
  /** When it was accepted (ISO 8601). */
  createdAt: string;
  /** Delivery attempts started so far, this one included. */
  attempt: number;
  message: Omit<RenderedMessage, "tenant">;
  /** Whose message it is (push transports read the app's channel credentials with it). */
  tenant?: Tenant;
}

export interface ChannelTransport {
  /** For logs and the outbox's error text: "smtp", "webhook". */
  readonly name: string;
  readonly channels: readonly SendChannel[];
  /** Resolves once the receiving side has taken the message; rejects with a `DeliveryError`. */
  send(message: OutboxMessage): Promise<void>;
  /** Closes pooled connections; sends still running finish first. */
  close(): Promise<void>;
}

/** A failed attempt. `permanent` ones are not retried (a 5xx SMTP reply, a 4xx webhook answer). */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    /** The receiver's `Retry-After`: the next attempt waits at least this long (ms). */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = "DeliveryError";
  }
}
