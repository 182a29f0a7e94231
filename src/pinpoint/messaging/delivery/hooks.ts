/**
 * What delivery tells the rest of pinrec about a message's life (engagement tracking listens): a
 * message about to be stored, messages stored, and each attempt's answer from the transport.
 */
import type { OutboxRecord } from "../../../store/outbox.js";
import type { RenderedMessage } from "../contracts.js";

/** A send outcome as the drainer reports it. */
export type DeliveryReport =
  | { kind: "delivered"; response?: string }
  | { kind: "failed"; permanent: boolean; final: boolean; reason: string };

export interface DeliveryHooks {
  /** Resolves once `prepare` can run (e.g. its key is loaded). */
  ready(): Promise<void>;
  /** The message as it is to be stored under `messageId` (e.g. with tracked links). */
  prepare(messageId: string, message: RenderedMessage): RenderedMessage;
  /** Messages newly stored in the outbox (not those a repeated idempotency key skipped). */
  accepted(sent: { messageId: string; message: RenderedMessage }[]): Promise<void>;
  /** One attempt's answer. */
  delivered(record: OutboxRecord, report: DeliveryReport): Promise<void>;
}
