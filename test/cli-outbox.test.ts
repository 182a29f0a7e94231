/** `pinrec outbox list|show` as a user runs it (the built CLI), on both stores. */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { OutboxSender } from "../src/pinpoint/messaging/delivery/outbox-sender.js";
import type { DeliveryOutcome } from "../src/pinpoint/messaging/contracts.js";
import { openStore } from "../src/store/open.js";
import { ACCOUNT_A, PG_URL, STORE_KINDS, freshPgSchema, tempDir } from "./helpers.js";
import { emailMessage, smsMessage } from "./pinpoint/messaging/delivery-fixtures.js";
import { assertBuilt, pgUrlWithSchema, runCli, writeCredentials } from "./server-process.js";

beforeAll(() => assertBuilt());

describe.each(STORE_KINDS)("pinrec outbox: %s", (kind) => {
  const dir = tempDir("pinrec-outbox-cli-");
  let schema: Awaited<ReturnType<typeof freshPgSchema>> | undefined;
  let args: string[];
  let outcomes: DeliveryOutcome[];

  beforeAll(async () => {
    args = ["--data-dir", dir.path, "--credentials", writeCredentials(join(dir.path, "credentials.json"), [ACCOUNT_A])];
    if (kind === "postgres") {
      schema = await freshPgSchema();
      args.push("--database", pgUrlWithSchema(PG_URL, schema.schema));
    }
    const store = await openStore(schema ? { database: PG_URL, schema: schema.schema, dataDir: dir.path } : { dataDir: dir.path });
    try {
      outcomes = await new OutboxSender(store.outbox).accept([
        emailMessage({ address: "ada@example.com", email: { subject: "Picks for Ada", html: "<p>item-7</p>", text: "item-7" } }),
        smsMessage({ applicationId: "app2" }),
        emailMessage({ address: "bob@example.com" }),
      ]);
    } finally {
      await store.close();
    }
  });
  afterAll(async () => {
    await schema?.drop();
    dir.remove();
  });

  // Generous bounds: CLI start-up is slow on a busy machine.
  const cli = (...rest: string[]) => runCli(["outbox", ...rest, ...args], { timeoutMs: 60_000 });

  test("list: every message, or those a filter picks, as JSON", async () => {
    const all = await cli("list");
    expect(all.code, all.stderr).toBe(0);
    expect(JSON.parse(all.stdout).Messages.map((m: { MessageId: string }) => m.MessageId)).toEqual(outcomes.map((o) => o.messageId));
    const filtered = await cli("list", "--app", "app1", "--channel", "EMAIL", "--address", "bob@example.com", "--status", "STORED");
    expect(JSON.parse(filtered.stdout).Messages.map((m: { MessageId: string }) => m.MessageId)).toEqual([outcomes[2].messageId]);
    const paged = JSON.parse((await cli("list", "--limit", "2")).stdout);
    expect(paged.Messages).toHaveLength(2);
    const rest = JSON.parse((await cli("list", "--limit", "2", "--next-token", paged.NextToken)).stdout);
    expect(rest.Messages.map((m: { MessageId: string }) => m.MessageId)).toEqual([outcomes[2].messageId]);
  }, 180_000);

  test("show: the full rendered message", async () => {
    const r = await cli("show", outcomes[0].messageId);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      MessageId: outcomes[0].messageId,
      Status: "STORED",
      EmailMessage: { Subject: "Picks for Ada", HtmlPart: "<p>item-7</p>", TextPart: "item-7" },
    });
  }, 180_000);

  test("an unknown id or a bad filter is one clear line and exit code 2", async () => {
    const missing = await cli("show", "0".repeat(40));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`pinrec: Message '${"0".repeat(40)}' is not in this account's outbox\n`);
    const bad = await cli("list", "--status", "DONE");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^pinrec: status must be one of STORED, QUEUED, SENDING, SENT, FAILED\n$/);
  }, 180_000);
});
