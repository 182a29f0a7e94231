/**
 * Delivery across real `pinrec serve` processes (bin/pinrec.js → dist/) and a real SMTP server:
 * a SIGKILL while the SMTP server holds messages before its 250 loses nothing and duplicates
 * nothing after a restart; a SIGTERM lets the sends in flight finish before the process exits.
 *
 * Messages are accepted through the outbox sender in this process, on the same database the
 * server drains, exactly as SendMessages accepts them in the server.
 */
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { OutboxSender } from "../src/pinpoint/messaging/delivery/outbox-sender.js";
import { openStore } from "../src/store/open.js";
import type { Store } from "../src/store/types.js";
import { PG_URL, STORE_KINDS, TEST_CREDENTIALS, freshPgSchema, tempDir } from "./helpers.js";
import { T, emailMessage } from "./pinpoint/messaging/delivery-fixtures.js";
import { pgUrlWithSchema, spawnServer, writeCredentials, processSuite } from "./server-process.js";
import { startSmtpCatcher, type SmtpCatcher } from "./smtp-catcher.js";

const cleanups = processSuite();

const LEASE_MS = 1_500;

async function until(pred: () => Promise<boolean> | boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe.each(STORE_KINDS)("delivery across processes: %s", (kind) => {
  /** A data dir (and PostgreSQL schema), the server's args for it, and the same outbox opened here. */
  async function setup(catcher: SmtpCatcher): Promise<{ args: string[]; store: Store }> {
    const dir = tempDir("pinrec-deliver-");
    cleanups.push(() => dir.remove());
    const args = ["--data-dir", dir.path, "--credentials", writeCredentials(join(dir.path, "credentials.json"), TEST_CREDENTIALS)];
    args.push("--smtp-url", catcher.url, "--delivery-lease-ms", String(LEASE_MS), "--log-level", "warn");
    let schema: string | undefined;
    if (kind === "postgres") {
      const s = await freshPgSchema();
      cleanups.push(() => s.drop());
      schema = s.schema;
      args.push("--database", pgUrlWithSchema(PG_URL, schema));
    }
    const store = await openStore(schema ? { database: PG_URL, schema, dataDir: dir.path } : { dataDir: dir.path });
    cleanups.push(() => store.close());
    return { args, store };
  }

  async function catcher(): Promise<SmtpCatcher> {
    const c = await startSmtpCatcher();
    cleanups.push(() => c.close());
    return c;
  }

  const batch = (n: number, tag: string) => Array.from({ length: n }, (_, i) => emailMessage({ address: `${tag}${i}@example.com` }));

  test("SIGKILL during SMTP delivery, restart: every accepted message is delivered exactly once", async () => {
    const smtp = await catcher();
    const { args, store } = await setup(smtp);
    const sender = new OutboxSender(store.outbox, ["EMAIL"]);
    const statusOf = async (ids: string[]) => Promise.all(ids.map(async (id) => (await store.outbox.get(T, id))!.status));

    const first = await spawnServer(args, { startTimeoutMs: 60_000 });
    const early = await sender.accept(batch(10, "early"));
    await until(async () => (await statusOf(early.map((o) => o.messageId))).every((s) => s === "SENT"), "the first messages to be sent");

    // The SMTP server now takes each message's DATA but holds its 250: the sends are in flight.
    smtp.hold();
    const during = await sender.accept(batch(40, "during"));
    await until(() => smtp.held() >= 3, "sends to be in flight");
    const killed = await first.kill("SIGKILL");
    expect(killed.signal).toBe("SIGKILL");
    const inFlight = (await statusOf(during.map((o) => o.messageId))).filter((s) => s === "SENDING").length;
    expect(inFlight).toBeGreaterThanOrEqual(3);
    // Release only once the SMTP server has seen the dead sender's connections close: a 250 written
    // to a connection nobody reads any more must not count as delivered (the sender never got it).
    await until(() => smtp.held() === 0, "the killed sender's SMTP connections to close");
    smtp.release();

    // Accepted while no server runs: queued, delivered after the restart.
    const whileDown = await sender.accept(batch(10, "down"));
    const second = await spawnServer(args, { startTimeoutMs: 60_000 });
    const all = [...early, ...during, ...whileDown].map((o) => o.messageId);
    await until(async () => (await statusOf(all)).every((s) => s === "SENT"), "every message to be sent after the restart", 60_000);
    // Longer than a lease: time for any second copy to show up.
    await new Promise((r) => setTimeout(r, LEASE_MS + 500));

    const counts = smtp.counts();
    for (const id of all) expect(counts.get(`${id}@example.com`), id).toBe(1);
    expect(smtp.mails).toHaveLength(all.length);
    expect((await second.stop()).code).toBe(0);
  }, 120_000);

  test("SIGTERM waits for the sends in flight, then exits 0 with them recorded", async () => {
    const smtp = await catcher();
    const { args, store } = await setup(smtp);
    const sender = new OutboxSender(store.outbox, ["EMAIL"]);
    const server = await spawnServer(args, { startTimeoutMs: 60_000 });
    smtp.hold();
    const outcomes = await sender.accept(batch(3, "term"));
    await until(() => smtp.held() >= 1, "a send to be in flight");
    const held = smtp.held();
    const exit = server.stop(20_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(server.child.exitCode).toBeNull();
    smtp.release();
    expect((await exit).code).toBe(0);
    const statuses = await Promise.all(outcomes.map(async (o) => (await store.outbox.get(T, o.messageId))!));
    // The held ones finished and were recorded; any not yet started stay queued for the next server.
    expect(statuses.filter((s) => s.status === "SENT").length).toBeGreaterThanOrEqual(held);
    expect(statuses.every((s) => s.status === "SENT" || s.status === "QUEUED")).toBe(true);
    for (const s of statuses.filter((x) => x.status === "SENT")) expect(smtp.counts().get(`${s.messageId}@example.com`)).toBe(1);
  }, 120_000);
});
