/**
 * Delivery fairness end to end on both stores: a real drainer over a real database, a real SMTP
 * server. One account's backlog of 10,000 queued emails must not hold another account's single
 * message behind it: claims take turns across tenants' apps.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Delivery } from "../../../src/pinpoint/messaging/delivery/index.js";
import type { Store, Tenant } from "../../../src/store/types.js";
import { STORE_KINDS, suiteStore, type SuiteStore } from "../../helpers.js";
import { startSmtpCatcher } from "../../smtp-catcher.js";
import { T, emailMessage } from "./delivery-fixtures.js";

const B: Tenant = { accountId: "444455556666", region: "us-east-1" };

describe.each(STORE_KINDS)("delivery fairness: %s", (kind) => {
  let suite: SuiteStore;
  let store: Store;

  beforeAll(async () => {
    suite = await suiteStore(kind);
    store = suite.store;
  });
  afterAll(() => suite.dispose());

  test("account B's one message is delivered within 2 s, in the first claim batches, while account A has 10,000 queued", async () => {
    const catcher = await startSmtpCatcher();
    const d = new Delivery(store.outbox, { smtpUrl: catcher.url, pollMs: 20, leaseMs: 30_000, concurrency: 16 });
    try {
      // A's backlog is queued first (older), then B's single message.
      for (let i = 0; i < 10; i++)
        await d.sender.accept(
          Array.from({ length: 1_000 }, (_, j) => emailMessage({ tenant: T, address: `a${i * 1_000 + j}@example.com` })),
        );
      const [mine] = await d.sender.accept([emailMessage({ tenant: B, applicationId: "appB", address: "b@example.com" })]);
      const started = Date.now();
      d.start();
      await catcher.waitFor(() => catcher.mails.some((m) => m.to.includes("b@example.com")), 10_000);
      const elapsed = Date.now() - started;
      const position = catcher.mails.findIndex((m) => m.to.includes("b@example.com"));
      expect(elapsed).toBeLessThan(2_000);
      // Oldest-first would put it behind all 10,000; taking turns puts it in the first batch of 16.
      expect(position).toBeLessThan(32);
      expect(catcher.mails[position].messageId).toBe(`${mine.messageId}@example.com`);
    } finally {
      await d.stop(5_000);
      await catcher.close();
    }
  }, 120_000);
});
