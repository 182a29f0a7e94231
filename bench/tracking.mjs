#!/usr/bin/env node
// Tracking redirect benchmark (`npm run bench:tracking`, after `npm run build`): `pinrec serve` (SQLite,
// log level warn) answering a tracked email link (`GET /_pinrec/t/c/…`: verify the HMAC, read the
// message's context, record an `_email.click` event through the group commit, 302 to the original
// URL) against a bare node:http hello-world in the same run. Target: ≥ 50 % of hello-world's req/s.
//
//   node bench/tracking.mjs [--duration 10] [--connections 32]
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { load, machine, startHelloWorld, startPinrec } from "./lib.mjs";
import { openStore } from "#dist/store/open.js";
import { clickUrl } from "#dist/pinpoint/engagement/tracking-links.js";

const args = process.argv.slice(2);
const flag = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? dflt : Number(args[i + 1]);
};
const DURATION = flag("duration", 10);
const CONNECTIONS = flag("connections", 32);

const dir = mkdtempSync(join(os.tmpdir(), "pinrec-bench-tracking-"));
const stop = [];
try {
  console.log(`machine: ${machine()} (shared with other work)`);
  const server = await startPinrec(["--data-dir", dir, "--log-level", "warn", "--tracking-rate-limit", "100000000"]);
  stop.push(() => server.stop());
  const hello = await startHelloWorld();
  stop.push(() => hello.stop());
  // The message a recipient clicks: its context as a send records it, the link signed with the shared key.
  const store = await openStore({ dataDir: dir });
  const key = await store.engagement.trackingKey();
  const tenant = { accountId: "111122223333", region: "us-east-1" };
  await store.engagement.putMessage({
    tenant,
    appId: "bench",
    messageId: "bench-message",
    channel: "EMAIL",
    createdAt: Date.now(),
    endpointId: "e1",
  });
  await store.close();
  const url = clickUrl(server.url, key, "bench-message", 0, "https://shop.example/items/i1?src=mail&n=1");
  const check = await fetch(url, { redirect: "manual" });
  if (check.status !== 302 || check.headers.get("location") !== "https://shop.example/items/i1?src=mail&n=1")
    throw new Error(`the tracked link answered ${check.status} ${check.headers.get("location")}`);

  const base = await load(hello.url, { connections: CONNECTIONS, duration: DURATION, title: "node:http hello-world" });
  const redirect = await load(url, { connections: CONNECTIONS, duration: DURATION, title: "tracked link (302 + click event)" });
  const ratio = redirect.rps / base.rps;
  console.log(`| benchmark | req/s | p50 ms | p99 ms | vs hello-world |\n| --- | ---: | ---: | ---: | ---: |`);
  for (const r of [base, redirect])
    console.log(`| ${r.title} | ${Math.round(r.rps)} | ${r.p50} | ${r.p99} | ${((r.rps / base.rps) * 100).toFixed(0)}% |`);
  console.log(
    `tracking redirects: ${(ratio * 100).toFixed(0)} % of hello-world (target ≥ 50 %), ${CONNECTIONS} connections, ${DURATION} s each`,
  );
} finally {
  for (const s of stop.reverse()) await s();
  rmSync(dir, { recursive: true, force: true });
}
