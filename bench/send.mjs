#!/usr/bin/env node
// Send benchmark (`npm run bench:send`, after `npm run build`): personalised SendMessages into the outbox.
//
// Setup, as a user would do it: `pinrec data synth` (10,000 users), `pinrec campaigns create` (the
// default recipe), `pinrec serve` with a local transformer that adds titles, one app, a recommender
// configuration (PINPOINT_USER_ID, 5 items, transformer, Title attribute), an email template with
// `{{#each RecommendationItems}}` and `{{Recommendations.Title.[n]}}`, and 10,000 EMAIL endpoints with
// user ids. Then several concurrent clients (autocannon connections) replay signed SendMessages
// requests of 100 endpoints each (100 distinct requests cover the 10,000 endpoints).
//
// Reported: messages/s (requests/s × 100, every message stored in the outbox before the 200), p50 and
// p99 per request, and a bare node:http hello-world measured in the same run as the baseline ratio.
// One response is checked in full (100 SUCCESSFUL results whose messages carry the user's items and
// titles) and the outbox row count is compared with the requests answered.
//
//   node bench/send.mjs [--duration 15] [--connections 8] [--write-docs]
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { PinpointClient, SendMessagesCommand, UpdateEndpointsBatchCommand } from "@aws-sdk/client-pinpoint";
import { ROOT, createPicksEmail, writeAddTitles, load, machine, signedRequest, startChild, startHelloWorld } from "./lib.mjs";

const args = process.argv.slice(2);
const flag = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? dflt : Number(args[i + 1]);
};
const DURATION = flag("duration", 15);
const CONNECTIONS = flag("connections", 8);
const ENDPOINTS = 10_000;
const PER_REQUEST = 100;
const CREDENTIAL = {
  accessKeyId: "AKIABENCHSEND0000001",
  secretAccessKey: "bench-send-secret-0123456789abcdef",
  accountId: "111122223333",
};
const KEYS = { accessKeyId: CREDENTIAL.accessKeyId, secretAccessKey: CREDENTIAL.secretAccessKey };

const dir = mkdtempSync(join(os.tmpdir(), "pinrec-bench-send-"));
const dataDir = join(dir, "data");
const functionsDir = join(dir, "functions");
const pinrec = (...a) =>
  execFileSync(process.execPath, [join(ROOT, "bin/pinrec.js"), ...a], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] }).toString();

try {
  console.log(`machine: ${machine()} (shared with other work)`);
  mkdirSync(dataDir, { recursive: true });
  mkdirSync(functionsDir, { recursive: true });
  writeFileSync(join(dir, "credentials.json"), JSON.stringify([CREDENTIAL]));
  writeAddTitles(functionsDir);
  let t = Date.now();
  pinrec("data", "synth", "--users", String(ENDPOINTS), "--items", "500", "--interactions", "200000", "--out", join(dir, "synth"));
  const campaign = JSON.parse(
    pinrec(
      "campaigns",
      "create",
      "--name",
      "bench",
      "--interactions",
      join(dir, "synth/interactions.csv"),
      "--items",
      join(dir, "synth/items.csv"),
      "--data-dir",
      dataDir,
      "--credentials",
      join(dir, "credentials.json"),
    ),
  );
  console.log(`trained ${campaign.campaignArn} (${campaign.recipe}) in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  const userIds = readFileSync(join(dir, "synth/interactions.csv"), "utf8")
    .split("\n")
    .slice(1)
    .map((l) => l.split(",")[0])
    .filter(Boolean);
  const users = [...new Set(userIds)].slice(0, ENDPOINTS);

  const hello = await startHelloWorld();
  // BENCH_NODE_FLAGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") go to the server's node process only.
  const nodeFlags = (process.env.BENCH_NODE_FLAGS ?? "").split(" ").filter(Boolean);
  const serveArgs = [
    "--data-dir",
    dataDir,
    "--credentials",
    join(dir, "credentials.json"),
    "--functions-dir",
    functionsDir,
    "--log-level",
    "warn",
  ];
  const child = await startChild([...nodeFlags, "bin/pinrec.js", "serve", "--port", "0", ...serveArgs], /pinrec listening on \S+/);
  const server = { ...child, url: /pinrec listening on (\S+)/.exec(child.output())[1] };
  try {
    const client = new PinpointClient({ endpoint: server.url, region: "us-east-1", credentials: KEYS, maxAttempts: 1 });
    const { appId } = await createPicksEmail(client, campaign.campaignArn, {
      subject: "{{User.UserAttributes.FirstName.[0]}}, {{Recommendations.Title.[0]}} and more",
      defaultSubstitutions: { "User.UserAttributes.FirstName": "Hello" },
    });
    t = Date.now();
    const ids = users.map((_, i) => `ep-${i}`);
    for (let i = 0; i < ENDPOINTS; i += 100) {
      const Item = users.slice(i, i + 100).map((u, j) => ({
        Id: ids[i + j],
        ChannelType: /** @type {const} */ ("EMAIL"),
        Address: `user${i + j}@example.com`,
        User: { UserId: u },
      }));
      await client.send(new UpdateEndpointsBatchCommand({ ApplicationId: appId, EndpointBatchRequest: { Item } }));
    }
    console.log(`${ENDPOINTS} endpoints written in ${((Date.now() - t) / 1000).toFixed(1)} s`);

    const body = (i) =>
      JSON.stringify({
        MessageConfiguration: {},
        TemplateConfiguration: { EmailTemplate: { Name: "picks" } },
        Endpoints: Object.fromEntries(ids.slice(i * PER_REQUEST, (i + 1) * PER_REQUEST).map((id) => [id, {}])),
      });
    // Check one request end to end before measuring.
    const sample = await client.send(new SendMessagesCommand({ ApplicationId: appId, MessageRequest: JSON.parse(body(0)) }));
    const results = Object.values(sample.MessageResponse.EndpointResult);
    const ok = results.filter((r) => r.DeliveryStatus === "SUCCESSFUL").length;
    if (ok !== PER_REQUEST)
      throw new Error(
        `sample request: ${ok}/${PER_REQUEST} SUCCESSFUL: ${JSON.stringify(results.find((r) => r.DeliveryStatus !== "SUCCESSFUL"))}`,
      );

    const requests = [];
    for (let i = 0; i < ENDPOINTS / PER_REQUEST; i++)
      requests.push(await signedRequest(server.url, KEYS, { method: "POST", path: `/v1/apps/${appId}/messages`, body: body(i) }));
    const base = await load(hello.url, { connections: CONNECTIONS, duration: 5, title: "hello-world (node:http)" });
    await load(server.url, { requests, connections: CONNECTIONS, duration: 3, title: "warm-up" });
    const send = await load(server.url, {
      requests,
      connections: CONNECTIONS,
      duration: DURATION,
      title: `SendMessages, ${PER_REQUEST} endpoints/request`,
    });
    if (send.non2xx > 0) throw new Error(`${send.non2xx} non-2xx responses`);

    const { openStore } = await import(pathToFileURL(join(ROOT, "dist/store/open.js")).href);
    const store = await openStore({ dataDir });
    const tenant = { accountId: CREDENTIAL.accountId, region: "us-east-1" };
    let stored = 0;
    for (let after = 0; ; ) {
      const page = await store.outbox.list(tenant, {}, after, 10_000);
      stored += page.items.length;
      if (page.after === undefined) break;
      after = page.after;
    }
    const first = JSON.parse((await store.outbox.get(tenant, results[0].MessageId)).doc);
    await store.close();

    // The same load with email delivered to a local SMTP server (smtp-server, in this process):
    // sends are answered once stored; the drainer delivers in the background.
    await server.stop();
    const { SMTPServer } = await import("smtp-server");
    let delivered = 0;
    const smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ["STARTTLS"],
      logger: false,
      onData(stream, _session, cb) {
        stream.on("data", () => {});
        stream.on("end", () => {
          delivered++;
          cb();
        });
      },
    });
    await new Promise((r) => smtp.listen(0, "127.0.0.1", () => r(undefined)));
    const smtpUrl = `smtp://127.0.0.1:${/** @type {import("node:net").AddressInfo} */ (smtp.server.address()).port}`;
    const child2 = await startChild(
      [...nodeFlags, "bin/pinrec.js", "serve", "--port", "0", ...serveArgs, "--smtp-url", smtpUrl],
      /pinrec listening on \S+/,
    );
    const server2 = { ...child2, url: /pinrec listening on (\S+)/.exec(child2.output())[1] };
    let viaSmtp;
    let drained;
    try {
      const requests2 = [];
      for (let i = 0; i < ENDPOINTS / PER_REQUEST; i++)
        requests2.push(await signedRequest(server2.url, KEYS, { method: "POST", path: `/v1/apps/${appId}/messages`, body: body(i) }));
      const started = Date.now();
      viaSmtp = await load(server2.url, {
        requests: requests2,
        connections: CONNECTIONS,
        duration: DURATION,
        title: `SendMessages with --smtp-url, ${PER_REQUEST} endpoints/request`,
      });
      if (viaSmtp.non2xx > 0) throw new Error(`${viaSmtp.non2xx} non-2xx responses with --smtp-url`);
      const expected = viaSmtp.total * PER_REQUEST;
      const deadline = Date.now() + 180_000;
      while (delivered < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      drained = { delivered, expected, seconds: (Date.now() - started) / 1000 };
    } finally {
      await server2.stop();
      await new Promise((r) => smtp.close(() => r(undefined)));
    }

    const msgs = send.rps * PER_REQUEST;
    const lines = [
      `| run | req/s | messages/s | p50 ms/request | p99 ms/request | vs hello-world req/s |`,
      `| --- | ---: | ---: | ---: | ---: | ---: |`,
      `| ${base.title} | ${Math.round(base.rps)} | - | ${base.p50} | ${base.p99} | 100% |`,
      `| ${send.title} | ${send.rps.toFixed(1)} | ${Math.round(msgs)} | ${send.p50} | ${send.p99} | ${((send.rps / base.rps) * 100).toFixed(1)}% |`,
      `| ${viaSmtp.title} | ${viaSmtp.rps.toFixed(1)} | ${Math.round(viaSmtp.rps * PER_REQUEST)} | ${viaSmtp.p50} | ${viaSmtp.p99} | ${((viaSmtp.rps / base.rps) * 100).toFixed(1)}% |`,
      ``,
      `With \`--smtp-url\`: ${drained.delivered.toLocaleString("en")} messages (at least the ${drained.expected.toLocaleString("en")} accepted during the run) reached the SMTP server within ${drained.seconds.toFixed(0)} s of the run's start (${Math.round(drained.delivered / drained.seconds)} delivered/s).`,
    ];
    console.log(lines.join("\n"));
    console.log(`outbox rows: ${stored} (requests answered incl. warm-up and sample: ≥ ${(send.total + 1) * PER_REQUEST})`);
    console.log(`sample message: ${JSON.stringify(first.email.subject)}`);
    if (args.includes("--write-docs")) {
      const docs = join(ROOT, "docs/benchmarks-history.md");
      const text = readFileSync(docs, "utf8");
      const section = `## Personalised sends (issue: send pipeline)

\`npm run bench:send\` (bench/send.mjs; ${DURATION} s, ${CONNECTIONS} concurrent clients; machine shared with other work, so compare the ratio to
the hello-world baseline measured in the same run): ${ENDPOINTS.toLocaleString("en")} EMAIL endpoints with user ids, the default recipe
(\`${campaign.recipe}\`) trained on \`pinrec data synth --users ${ENDPOINTS} --items 500 --interactions 200000\`, a user-id recommender with 5 items
and a local transformer adding titles, an email template with \`{{#each RecommendationItems}}\` and \`{{Recommendations.Title.[n]}}\`,
SendMessages with ${PER_REQUEST} endpoints per request into the outbox (SQLite), then the same with \`--smtp-url\` to a local
SMTP server (smtp-server in the benchmark process). Machine: ${machine()}.

${lines.join("\n")}

Every message is rendered and stored in the outbox before its request's 200. Target: ≥ 3,000 messages/s.
`;
      // Replaces the generated part only; hand-written notes below the marker stay.
      const re = /## Personalised sends \(issue: send pipeline\)[\s\S]*?(?=\n<!-- bench\/send\.mjs: generated above|\n## |$)/;
      writeFileSync(docs, re.test(text) ? text.replace(re, section) : `${text.trimEnd()}\n\n${section}`);
    }
  } finally {
    await server.stop();
    await hello.stop();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
