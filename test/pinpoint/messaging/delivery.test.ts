/**
 * Delivery end to end on both stores, with real parts: the outbox sender and drainer over a real
 * database, a real SMTP server (smtp-server) and a real HTTP server for the webhook.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { createHmac, randomUUID } from "node:crypto";
import { Delivery, type DeliveryOptions } from "../../../src/pinpoint/messaging/delivery/index.js";
import { retryDelayMs } from "../../../src/pinpoint/messaging/delivery/drainer.js";
import type { Store } from "../../../src/store/types.js";
import { STORE_KINDS, suiteStore, type SuiteStore } from "../../helpers.js";
import { startSmtpCatcher, type SmtpCatcher } from "../../smtp-catcher.js";
import { startWebhookReceiver, type WebhookReceiver } from "../../webhook-receiver.js";
import { T, emailMessage, smsMessage } from "./delivery-fixtures.js";

/** Fast retries so the backoff is exercised without slow tests. */
const QUICK: DeliveryOptions = { retryBaseMs: 20, retryMaxMs: 100, pollMs: 20, leaseMs: 2_000 };

test("retry delays double from the base up to the cap, with jitter within ±25 %", () => {
  expect([1, 2, 3, 4].map((a) => retryDelayMs(a, 1000, 60_000, () => 0.5))).toEqual([1000, 2000, 4000, 8000]);
  expect(retryDelayMs(30, 1000, 60_000, () => 0.5)).toBe(60_000);
  expect(retryDelayMs(1, 1000, 60_000, () => 0)).toBe(750);
  expect(retryDelayMs(1, 1000, 60_000, () => 0.999999)).toBe(1250);
});

describe.each(STORE_KINDS)("delivery: %s", (kind) => {
  let suite: SuiteStore;
  let store: Store;
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    suite = await suiteStore(kind);
    store = suite.store;
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
    // Nothing a test left queued may reach the next test's servers.
    for (let i = 0; i < 100; i++) {
      const token = randomUUID();
      const left = await store.outbox.claim({
        token,
        channels: ["EMAIL", "SMS", "PUSH"],
        now: Date.now() + 1e9,
        leaseUntil: Date.now() + 2e9,
        limit: 1000,
      });
      if (left.length === 0) break;
      for (const m of left) await store.outbox.markFailed(m.messageId, token, "left over by a test");
    }
  });
  afterAll(() => suite.dispose());

  async function smtp(opts?: Parameters<typeof startSmtpCatcher>[0]): Promise<SmtpCatcher> {
    const c = await startSmtpCatcher(opts);
    cleanups.push(() => c.close());
    return c;
  }
  async function webhook(): Promise<WebhookReceiver> {
    const w = await startWebhookReceiver();
    cleanups.push(() => w.close());
    return w;
  }
  function delivery(options: DeliveryOptions, s: Store = store): Delivery {
    const d = new Delivery(s.outbox, { ...QUICK, ...options });
    d.start();
    cleanups.push(() => d.stop(5_000));
    return d;
  }
  const status = async (id: string) => (await store.outbox.get(T, id))!;
  async function until(pred: () => Promise<boolean>, timeoutMs = 15_000) {
    const end = Date.now() + timeoutMs;
    while (!(await pred())) {
      if (Date.now() > end) throw new Error("condition not met in time");
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  test("SMTP: every accepted email arrives once, with its content, under its MessageId; the outbox records it sent", async () => {
    const catcher = await smtp();
    const d = delivery({ smtpUrl: catcher.url });
    const batch = Array.from({ length: 30 }, (_, i) =>
      emailMessage({
        address: `user${i}@example.com`,
        email: {
          fromAddress: "shop@example.com",
          replyTo: ["help@example.com"],
          subject: `Picks ${i}`,
          html: `<p>item-${i}</p>`,
          text: `item-${i}`,
          headers: [{ name: "X-Campaign", value: "spring" }],
        },
      }),
    );
    const outcomes = await d.sender.accept(batch);
    await catcher.waitFor(() => catcher.mails.length >= 30);
    const counts = catcher.counts();
    for (const [i, o] of outcomes.entries()) {
      expect(counts.get(`${o.messageId}@example.com`)).toBe(1);
      const mail = catcher.mails.find((m) => m.messageId === `${o.messageId}@example.com`)!;
      expect(mail.from).toBe("shop@example.com");
      expect(mail.to).toEqual([`user${i}@example.com`]);
      expect(mail.raw).toMatch(new RegExp(`^Subject: Picks ${i}\\r?$`, "m"));
      expect(mail.raw).toContain(`<p>item-${i}</p>`);
      expect(mail.raw).toMatch(/^Reply-To: help@example\.com\r?$/m);
      expect(mail.raw).toMatch(/^X-Campaign: spring\r?$/m);
    }
    await until(async () => (await status(outcomes[29].messageId)).status === "SENT");
    for (const o of outcomes) {
      const rec = await status(o.messageId);
      expect(rec).toMatchObject({ status: "SENT", attempts: 1 });
      expect(Date.parse(rec.sentAt!)).toBeGreaterThan(0);
    }
  });

  test("SMTP: a raw email is sent byte for byte; AUTH credentials come from the URL", async () => {
    const catcher = await smtp({ auth: { user: "mailer@example.com", pass: "p@ss:w/rd" } });
    const d = delivery({ smtpUrl: catcher.url });
    const raw = "From: a@example.com\r\nTo: b@example.com\r\nSubject: raw one\r\nMessage-ID: <raw-1@example.com>\r\n\r\nhello raw\r\n";
    const [o] = await d.sender.accept([emailMessage({ address: "b@example.com", email: { fromAddress: "a@example.com", raw } })]);
    await catcher.waitFor(() => catcher.mails.length === 1);
    expect(catcher.mails[0]).toMatchObject({
      messageId: "raw-1@example.com",
      from: "a@example.com",
      to: ["b@example.com"],
      user: "mailer@example.com",
    });
    expect(catcher.mails[0].raw.replace(/\r\n$/, "")).toBe(raw.replace(/\r\n$/, ""));
    await until(async () => (await status(o.messageId)).status === "SENT");
    await d.stop();

    // A wrong password is the operator's to fix, not the message's fault: retried, not failed.
    const wrong = delivery({ smtpUrl: catcher.url.replace("p%40ss", "nope"), retryBaseMs: 60_000, retryMaxMs: 60_000 });
    const [w] = await wrong.sender.accept([emailMessage()]);
    await until(async () => (await status(w.messageId)).lastError !== undefined);
    const rec = await status(w.messageId);
    expect(rec).toMatchObject({ status: "QUEUED", attempts: 1 });
    expect(rec.lastError).toMatch(/^smtp: .*535/);
  });

  test("SMTP: 4xx is retried with backoff until it succeeds; 5xx fails at once; attempts are capped", async () => {
    const tries = new Map<string, number>();
    const catcher = await smtp({
      rejectRecipient: (address) => {
        const n = (tries.get(address) ?? 0) + 1;
        tries.set(address, n);
        if (address.startsWith("flaky") && n <= 2) return 451;
        if (address.startsWith("gone")) return 550;
        if (address.startsWith("busy")) return 452;
        return undefined;
      },
    });
    const d = delivery({ smtpUrl: catcher.url, maxAttempts: 3 });
    const [flaky, gone, busy] = await d.sender.accept([
      emailMessage({ address: "flaky@example.com" }),
      emailMessage({ address: "gone@example.com" }),
      emailMessage({ address: "busy@example.com" }),
    ]);
    await until(async () => {
      const all = await Promise.all([flaky, gone, busy].map((o) => status(o.messageId)));
      return all.every((r) => r.status === "SENT" || r.status === "FAILED");
    });
    expect(await status(flaky.messageId)).toMatchObject({ status: "SENT", attempts: 3 });
    expect((await status(flaky.messageId)).lastError).toBeUndefined();
    const g = await status(gone.messageId);
    expect(g).toMatchObject({ status: "FAILED", attempts: 1 });
    expect(g.lastError).toMatch(/^smtp: .*550/);
    const b = await status(busy.messageId);
    expect(b).toMatchObject({ status: "FAILED", attempts: 3 });
    expect(b.lastError).toMatch(/452.*gave up after 3 attempts/);
    expect(tries.get("busy@example.com")).toBe(3);
    expect(catcher.counts().get(`${flaky.messageId}@example.com`)).toBe(1);
  });

  test("SMTP: an unreachable server is a transient failure, recorded with its reason and retried", async () => {
    const catcher = await smtp();
    const port = catcher.port;
    await catcher.close();
    const d = delivery({ smtpUrl: `smtp://127.0.0.1:${port}`, retryBaseMs: 60_000, retryMaxMs: 60_000 });
    const [o] = await d.sender.accept([emailMessage()]);
    await until(async () => {
      const r = await status(o.messageId);
      return r.status === "QUEUED" && r.attempts === 1;
    });
    const rec = await status(o.messageId);
    expect(rec.lastError).toMatch(/^smtp: .*ECONNREFUSED/);
    expect(rec.dueAt).toBeGreaterThan(Date.now() + 30_000);
  });

  test("webhook: SMS and push are POSTed as signed JSON; 5xx and timeouts are retried, 4xx fails", async () => {
    const hook = await webhook();
    const secret = "whsec_" + Buffer.from("0123456789abcdef0123456789abcdef").toString("base64");
    const seen = new Map<string, number>();
    hook.respond = async (call) => {
      const id = call.headers["webhook-id"] as string;
      const n = (seen.get(id) ?? 0) + 1;
      seen.set(id, n);
      const body = JSON.parse(call.body);
      if (body.Address === "+15550500" && n === 1) return 503;
      if (body.Address === "+15550408" && n === 1) {
        await new Promise((r) => setTimeout(r, 2_500));
        return 204;
      }
      if (body.Address === "+15550400") return 400;
      return 200;
    };
    // A short timeout, so the slow answer above counts as no answer.
    const d = delivery({ webhookUrl: hook.url, webhookSecret: secret, webhookTimeoutMs: 1_500 });
    const [sms, push, retried, slow, refused] = await d.sender.accept([
      smsMessage({ context: { k: "v" }, traceId: "trace-1" }),
      {
        ...smsMessage({ channel: "PUSH", address: "device-token-1" }),
        sms: undefined,
        push: { title: "New picks", body: "item-1", action: "OPEN_APP", data: { item: "item-1" } },
      },
      smsMessage({ address: "+15550500" }),
      smsMessage({ address: "+15550408" }),
      smsMessage({ address: "+15550400" }),
    ]);
    await until(async () => {
      const all = await Promise.all([sms, push, retried, slow, refused].map((o) => status(o.messageId)));
      return all.every((r) => r.status === "SENT" || r.status === "FAILED");
    });

    const key = Buffer.from("0123456789abcdef0123456789abcdef");
    for (const call of hook.calls) {
      const id = call.headers["webhook-id"] as string;
      const ts = call.headers["webhook-timestamp"] as string;
      expect(call.headers["content-type"]).toBe("application/json");
      expect(Math.abs(Number(ts) - Date.now() / 1000)).toBeLessThan(60);
      expect(call.headers["webhook-signature"]).toBe(`v1,${createHmac("sha256", key).update(`${id}.${ts}.${call.body}`).digest("base64")}`);
      expect(JSON.parse(call.body).MessageId).toBe(id);
    }
    const bodyOf = (id: string) => JSON.parse(hook.calls.find((c) => c.headers["webhook-id"] === id)!.body);
    expect(bodyOf(sms.messageId)).toMatchObject({
      MessageId: sms.messageId,
      ApplicationId: "app1",
      ChannelType: "SMS",
      Address: "+15550100",
      EndpointId: "ep-2",
      TraceId: "trace-1",
      Context: { k: "v" },
      Attempt: 1,
      SMSMessage: { Body: "Your picks: item-1", MessageType: "TRANSACTIONAL", OriginationNumber: "+15550199" },
    });
    expect(bodyOf(push.messageId)).toMatchObject({
      ChannelType: "PUSH",
      Address: "device-token-1",
      PushMessage: { Title: "New picks", Body: "item-1", Action: "OPEN_APP", Data: { item: "item-1" } },
    });
    expect(await status(retried.messageId)).toMatchObject({ status: "SENT", attempts: 2 });
    expect(await status(slow.messageId)).toMatchObject({ status: "SENT", attempts: 2 });
    const r = await status(refused.messageId);
    expect(r).toMatchObject({ status: "FAILED", attempts: 1 });
    expect(r.lastError).toMatch(/^webhook: POST .* answered 400/);
  });

  test("a webhook needs a secret; a plain-string secret is used as its bytes", async () => {
    expect(() => new Delivery(store.outbox, { webhookUrl: "http://127.0.0.1:9/x" })).toThrow(/--webhook-secret/);
    const hook = await webhook();
    const d = delivery({ webhookUrl: hook.url, webhookSecret: "plain secret" });
    await d.sender.accept([smsMessage()]);
    await hook.waitFor(() => hook.calls.length === 1);
    const { headers, body } = hook.calls[0];
    const signed = `${headers["webhook-id"]}.${headers["webhook-timestamp"]}.${body}`;
    expect(headers["webhook-signature"]).toBe(`v1,${createHmac("sha256", "plain secret").update(signed).digest("base64")}`);
  });

  test("channels without a transport stay in the outbox; two drainers on one database deliver each message once", async () => {
    const catcher = await smtp();
    // Two servers on PostgreSQL; on SQLite (one server process) two drainers on its one connection.
    const other = kind === "postgres" ? await suite.open() : store;
    if (other !== store) cleanups.push(() => other.close());
    const a = delivery({ smtpUrl: catcher.url, concurrency: 4 });
    const b = delivery({ smtpUrl: catcher.url, concurrency: 4 }, other);
    const emails = Array.from({ length: 60 }, (_, i) => emailMessage({ address: `many${i}@example.com` }));
    const [first, second] = await Promise.all([a.sender.accept(emails.slice(0, 30)), b.sender.accept([...emails.slice(30), smsMessage()])]);
    const ids = [...first, ...second.slice(0, 30)].map((o) => `${o.messageId}@example.com`);
    await catcher.waitFor(() => catcher.mails.length >= 60);
    // Give a would-be second copy the time to arrive.
    await new Promise((r) => setTimeout(r, 200));
    const counts = catcher.counts();
    expect(catcher.mails).toHaveLength(60);
    for (const id of ids) expect(counts.get(id)).toBe(1);
    expect((await status(second[30].messageId)).status).toBe("STORED");
  });

  test("stop lets a send in flight finish before it returns", async () => {
    const catcher = await smtp();
    const d = new Delivery(store.outbox, { ...QUICK, smtpUrl: catcher.url });
    d.start();
    catcher.hold();
    const [o] = await d.sender.accept([emailMessage()]);
    await catcher.waitFor(() => catcher.held() === 1);
    const stopped = d.stop(5_000);
    await new Promise((r) => setTimeout(r, 100));
    expect((await status(o.messageId)).status).toBe("SENDING");
    catcher.release();
    await stopped;
    expect((await status(o.messageId)).status).toBe("SENT");
    expect(catcher.counts().get(`${o.messageId}@example.com`)).toBe(1);
  });

  test("stop gives up waiting after its bound; a send still running keeps its lease and is recorded once it finishes", async () => {
    const catcher = await smtp();
    const d = new Delivery(store.outbox, { ...QUICK, leaseMs: 300, smtpUrl: catcher.url });
    d.start();
    catcher.hold();
    const [o] = await d.sender.accept([emailMessage()]);
    await catcher.waitFor(() => catcher.held() === 1);
    const began = Date.now();
    await d.stop(200);
    expect(Date.now() - began).toBeLessThan(2_000);
    expect((await status(o.messageId)).status).toBe("SENDING");
    // Another drainer, for longer than the lease: the running send's lease is renewed, so it is not taken.
    delivery({ smtpUrl: catcher.url, leaseMs: 300 });
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await status(o.messageId)).toMatchObject({ status: "SENDING", attempts: 1 });
    catcher.release();
    await until(async () => (await status(o.messageId)).status === "SENT");
    expect(await status(o.messageId)).toMatchObject({ attempts: 1 });
    await new Promise((r) => setTimeout(r, 300));
    expect(catcher.counts().get(`${o.messageId}@example.com`)).toBe(1);
  });
});
