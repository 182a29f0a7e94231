#!/usr/bin/env node
// Benchmark of the outbox's accept (what every SendMessages call waits for): rendered emails
// stored durably, 100 per call (one transaction, one multi-row INSERT), from several concurrent
// callers; next to the same messages accepted one per call, measured in the same run, as the
// baseline. Optionally drained to a local SMTP server (smtp-server) for delivery throughput.
//
//   npm run build && node bench/outbox.mjs
//   PINREC_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test node bench/outbox.mjs   # adds PostgreSQL
//
// Options: --messages N (default 20,000) --concurrency N (callers, default 4) --smtp N (messages to
//          deliver through SMTP, default 2,000; 0 skips)
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { randomBytes, randomUUID } from "node:crypto";
import pg from "pg";
import nodemailer from "nodemailer";
import { SMTPServer } from "smtp-server";
import { openStore } from "#dist/store/open.js";
import { Delivery } from "#dist/pinpoint/messaging/delivery/index.js";

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const MESSAGES = opt("messages", 20_000);
const CONCURRENCY = opt("concurrency", 4);
const SMTP = opt("smtp", 2_000);
const tenant = { accountId: "111122223333", region: "us-east-1" };

function message(i) {
  return {
    tenant,
    applicationId: "bench-app",
    channel: "EMAIL",
    address: `user${i}@example.com`,
    endpointId: `ep-${i}`,
    userId: `u${i}`,
    requestId: randomUUID(),
    email: {
      fromAddress: "shop@example.com",
      subject: "Picked for you",
      html: `<h1>Hi</h1><ul>${Array.from({ length: 5 }, (_, k) => `<li>item-${(i * 7 + k) % 1000}: Title ${k}</li>`).join("")}</ul>`,
      text: `item-${i}`,
    },
  };
}

async function run(sender, total, perCall) {
  let next = 0;
  const latencies = [];
  const began = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < total) {
        const start = next;
        next += perCall;
        const batch = Array.from({ length: Math.min(perCall, total - start) }, (_, k) => message(start + k));
        const t = performance.now();
        await sender.accept(batch);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - began) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    perSecond: Math.round(total / seconds),
    p50: latencies[Math.floor(latencies.length * 0.5)],
    p99: latencies[Math.floor(latencies.length * 0.99)],
  };
}

async function startSmtp() {
  let received = 0;
  const server = new SMTPServer({
    disabledCommands: ["STARTTLS", "AUTH"],
    authOptional: true,
    logger: false,
    onData(stream, _s, cb) {
      stream.on("data", () => {});
      stream.on("end", () => {
        received++;
        cb();
      });
    },
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", () => r(undefined)));
  return {
    url: `smtp://127.0.0.1:${/** @type {import("node:net").AddressInfo} */ (server.server.address()).port}`,
    received: () => received,
    close: () => new Promise((r) => server.close(() => r(undefined))),
  };
}

async function bench(kind, database) {
  const dir = mkdtempSync(join(os.tmpdir(), "pinrec-bench-outbox-"));
  let schema;
  if (database) {
    schema = `bench_${randomBytes(4).toString("hex")}`;
    const c = new pg.Client({ connectionString: database });
    await c.connect();
    await c.query(`CREATE SCHEMA ${schema}`);
    await c.end();
  }
  const store = await openStore({ database, schema, dataDir: dir });
  try {
    const plain = new Delivery(store.outbox);
    const baseline = await run(plain.sender, Math.min(MESSAGES, 2_000), 1);
    const batched = await run(plain.sender, MESSAGES, 100);
    console.log(
      `${kind}: accept, 100 per call x${CONCURRENCY} callers: ${batched.perSecond} messages/s (p50 ${batched.p50.toFixed(1)} ms, p99 ${batched.p99.toFixed(1)} ms per call); ` +
        `one per call: ${baseline.perSecond} messages/s; ratio ${(batched.perSecond / baseline.perSecond).toFixed(1)}x`,
    );
    if (SMTP > 0) {
      const smtp = await startSmtp();
      const d = new Delivery(store.outbox, { smtpUrl: smtp.url, pollMs: 50 });
      d.start();
      const began = performance.now();
      await run(d.sender, SMTP, 100);
      while (smtp.received() < SMTP) await new Promise((r) => setTimeout(r, 10));
      const seconds = (performance.now() - began) / 1000;
      const delivered = Math.round(SMTP / seconds);
      await d.stop();
      // Baseline: the same SMTP server fed straight by a nodemailer pool of the same size, no outbox.
      const direct = nodemailer.createTransport({ url: smtp.url, pool: true, maxConnections: 5, maxMessages: 100 });
      const start = smtp.received();
      const t = performance.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (next < SMTP) {
            const m = message(next++);
            await direct.sendMail({
              from: m.email.fromAddress,
              to: m.address,
              subject: m.email.subject,
              html: m.email.html,
              text: m.email.text,
            });
          }
        }),
      );
      const raw = Math.round((smtp.received() - start) / ((performance.now() - t) / 1000));
      direct.close();
      console.log(
        `${kind}: accepted and delivered over SMTP (5 pooled connections): ${delivered} messages/s (${SMTP} messages); nodemailer straight to the same server: ${raw} messages/s; ratio ${(delivered / raw).toFixed(2)}`,
      );
      await smtp.close();
    }
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
    if (schema) {
      const c = new pg.Client({ connectionString: database });
      await c.connect();
      await c.query(`DROP SCHEMA ${schema} CASCADE`);
      await c.end();
    }
  }
}

console.log(
  `node ${process.version}, ${os.cpus().length} cores, load average ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}`,
);
await bench("sqlite");
if (process.env.PINREC_BENCH_DATABASE_URL) await bench("postgres", process.env.PINREC_BENCH_DATABASE_URL);
