/** The outbox `MessageSender` on both stores: stored before it answers, Pinpoint's outcomes, idempotency. */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { randomUUID } from "node:crypto";
import { OutboxSender } from "../../../src/pinpoint/messaging/delivery/outbox-sender.js";
import { MESSAGE_ID_PATTERN } from "../../../src/pinpoint/messaging/delivery/message-id.js";
import type { Store } from "../../../src/store/types.js";
import { T, emailMessage, smsMessage } from "./delivery-fixtures.js";
import { STORE_KINDS, suiteStore, type SuiteStore } from "../../helpers.js";

describe.each(STORE_KINDS)("outbox sender: %s", (kind) => {
  let suite: SuiteStore;
  let store: Store;

  beforeAll(async () => {
    suite = await suiteStore(kind);
    store = suite.store;
  });
  afterAll(() => suite.dispose());

  test("every message is stored before accept resolves, with Pinpoint's outcome, in order", async () => {
    let wakes = 0;
    const sender = new OutboxSender(store.outbox, ["EMAIL"], () => wakes++);
    const batch = [emailMessage(), emailMessage({ address: "bob@example.com", context: { campaign: "spring" } }), smsMessage()];
    const outcomes = await sender.accept(batch);
    expect(outcomes).toHaveLength(3);
    for (const o of outcomes) {
      expect(o.messageId).toMatch(MESSAGE_ID_PATTERN);
      expect(o).toEqual({
        messageId: o.messageId,
        deliveryStatus: "SUCCESSFUL",
        statusCode: 200,
        statusMessage: `MessageId: ${o.messageId}`,
      });
    }
    expect(new Set(outcomes.map((o) => o.messageId)).size).toBe(3);
    expect(wakes).toBe(1);

    for (const [i, o] of outcomes.entries()) {
      const rec = (await store.outbox.get(T, o.messageId))!;
      const { tenant: _t, ...message } = batch[i];
      expect(JSON.parse(rec.doc)).toEqual(JSON.parse(JSON.stringify(message)));
      expect(rec).toMatchObject({ address: batch[i].address, channel: batch[i].channel, appId: "app1" });
    }
    // EMAIL has a transport here, SMS does not: SMS stays in the outbox.
    expect((await store.outbox.get(T, outcomes[0].messageId))!.status).toBe("QUEUED");
    expect((await store.outbox.get(T, outcomes[2].messageId))!.status).toBe("STORED");
  });

  test("without transports nothing is queued and nobody is woken", async () => {
    let wakes = 0;
    const sender = new OutboxSender(store.outbox, [], () => wakes++);
    const [o] = await sender.accept([emailMessage()]);
    expect((await store.outbox.get(T, o.messageId))!.status).toBe("STORED");
    expect(wakes).toBe(0);
    expect(await sender.accept([])).toEqual([]);
  });

  test("a repeated idempotency key answers the first outcome and stores nothing new", async () => {
    const sender = new OutboxSender(store.outbox, ["EMAIL"]);
    const key = `activity-1:${randomUUID()}`;
    const [first] = await sender.accept([emailMessage({ idempotencyKey: key })]);
    const before = (await store.outbox.list(T, {}, 0, 10_000)).items.length;
    const [again, other] = await sender.accept([
      emailMessage({ idempotencyKey: key, address: "changed@example.com" }),
      emailMessage({ idempotencyKey: `${key}:b` }),
    ]);
    expect(again).toEqual(first);
    expect(other.messageId).not.toBe(first.messageId);
    expect((await store.outbox.list(T, {}, 0, 10_000)).items.length).toBe(before + 1);
    expect((await store.outbox.get(T, first.messageId))!.address).toBe("ada@example.com");
  });
});
