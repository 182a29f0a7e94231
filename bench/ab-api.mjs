#!/usr/bin/env node
// A/B benchmark: signed GetRecommenderConfiguration on two builds of pinrec, interleaved round by
// round so both see the same machine conditions, each against a hello-world server measured in the
// same round, plus the server process's CPU time per request (steadier than req/s on a busy machine).
//
//   git archive <base-commit> | tar -x -C /tmp/pinrec-base && ln -s "$PWD/node_modules" /tmp/pinrec-base/ \
//     && (cd /tmp/pinrec-base && npx tsc -p tsconfig.build.json) && npm run build
//   DUR=5 ROUNDS=4 [LOG=info] node bench/ab-api.mjs /tmp/pinrec-base   (LOG: the servers' log level, default warn)
import { fork } from "node:child_process";
import { mkdtempSync, openSync } from "node:fs";
import { createServer } from "node:http";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { distModule } from "./lib.mjs";
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BASE = process.argv[2] === "--child" ? undefined : process.argv[2];
const CRED = { accessKeyId: "AKIABENCHAPI00000001", secretAccessKey: "bench-api-secret-0123456789abcdef", accountId: "111122223333" };
if (process.argv[2] === "--child") {
  const kind = process.argv[3];
  process.on("disconnect", () => process.exit(0));
  if (kind === "hello") {
    const body = '{"hello":"world"}';
    const srv = createServer((_q, r) => {
      r.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
      r.end(body);
    });
    srv.listen(0, "127.0.0.1", () => process.send({ port: /** @type {import("node:net").AddressInfo} */ (srv.address()).port }));
  } else {
    const { startServer } = await import(pathToFileURL(distModule(join(kind, "dist"), "server/serve.js", "serve.js")).href);
    const s = await startServer({
      host: "127.0.0.1",
      port: 0,
      dataDir: mkdtempSync(join(os.tmpdir(), "ab-")),
      credentials: [CRED],
      logger: { level: process.env.LOG ?? "warn" },
    });
    process.send({ port: s.port });
    process.on("message", (m) => m === "cpu" && process.send({ cpu: process.cpuUsage() }));
  }
} else {
  if (!BASE) {
    console.error("usage: node bench/ab-api.mjs <directory of the base build>");
    process.exit(1);
  }
  const devnull = openSync("/dev/null", "w");
  const start = (kind) =>
    new Promise((res) => {
      const c = fork(fileURLToPath(import.meta.url), ["--child", kind], { stdio: ["ignore", devnull, "inherit", "ipc"] });
      c.once("message", (/** @type {any} */ m) =>
        res({
          c,
          url: `http://127.0.0.1:${m.port}`,
          cpu: () =>
            new Promise((r) => {
              c.once("message", (/** @type {any} */ x) => r(x.cpu.user + x.cpu.system));
              c.send("cpu");
            }),
        }),
      );
    });
  const { SignatureV4 } = await import("@smithy/signature-v4");
  const { Hash } = await import("@smithy/hash-node");
  const { HttpRequest } = await import("@smithy/protocol-http");
  const autocannon = (await import("autocannon")).default;
  const signer = new SignatureV4({
    credentials: CRED,
    region: "us-east-1",
    service: "mobiletargeting",
    sha256: Hash.bind(null, "sha256"),
    uriEscapePath: true,
  });
  const sign = async (url, method, path, body) => {
    const u = new URL(url);
    const s = await signer.sign(
      new HttpRequest({
        method,
        protocol: "http:",
        hostname: u.hostname,
        port: +u.port,
        path,
        headers: { host: u.host, ...(body && { "content-type": "application/json" }) },
        body,
      }),
    );
    return { method, path, headers: s.headers, body };
  };
  const dur = Number(process.env.DUR ?? 5);
  const load = async (url, req) => await autocannon({ url, connections: 32, duration: dur, ...(req && { requests: [req] }) });
  const hello = await start("hello");
  const servers = {};
  for (const [name, dir] of [
    ["base", BASE],
    ["branch", ROOT],
  ]) {
    const s = await start(dir);
    const body = JSON.stringify({
      Name: "b",
      RecommendationProviderUri: "arn:aws:personalize:us-east-1:111122223333:campaign/b",
      RecommendationProviderRoleArn: "arn:aws:iam::111122223333:role/PinpointRoleforPersonalize",
      RecommendationsDisplayName: "Top picks",
    });
    const c = await sign(s.url, "POST", "/v1/recommenders", body);
    const r = await fetch(s.url + "/v1/recommenders", {
      method: "POST",
      headers: Object.fromEntries(Object.entries(c.headers).filter(([k]) => k !== "host")),
      body,
    });
    const doc = /** @type {any} */ (await r.json());
    if (!doc.Id) throw new Error(JSON.stringify(doc));
    const id = doc.Id;
    servers[name] = { ...s, id };
  }
  console.log(
    `${os.availableParallelism()} cores, load ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")}`,
  );
  const rows = { hello: [], base: [], branch: [] };
  for (let round = 0; round < Number(process.env.ROUNDS ?? 3); round++) {
    const h = await load(hello.url);
    rows.hello.push(h.requests.average);
    for (const name of round % 2 ? ["branch", "base"] : ["base", "branch"]) {
      const s = servers[name];
      const req = await sign(s.url, "GET", `/v1/recommenders/${s.id}`);
      await load(s.url, req);
      const cpu0 = await s.cpu();
      const r = await load(s.url, req);
      const cpu1 = await s.cpu();
      (rows[name + "Cpu"] ??= []).push((cpu1 - cpu0) / r.requests.total);
      if (r.non2xx) console.log(`${name}: ${r.non2xx} non-2xx ${JSON.stringify(r.statusCodeStats)}`);
      rows[name].push(r.requests.average);
      console.log(
        `round ${round} ${name}: ${Math.round(r.requests.average)} req/s (hello ${Math.round(h.requests.average)}) p99 ${r.latency.p99} ms, server CPU ${((cpu1 - cpu0) / r.requests.total).toFixed(1)} µs/request`,
      );
    }
  }
  const mean = (a) => a.reduce((x, y) => x + y, 0) / a.length;
  const hm = mean(rows.hello);
  console.log(
    `hello ${Math.round(hm)}; base ${Math.round(mean(rows.base))} (${((mean(rows.base) / hm) * 100).toFixed(0)}%); branch ${Math.round(mean(rows.branch))} (${((mean(rows.branch) / hm) * 100).toFixed(0)}%); branch/base ${(mean(rows.branch) / mean(rows.base)).toFixed(3)}; server CPU per request: base ${mean(rows.baseCpu).toFixed(1)} µs, branch ${mean(rows.branchCpu).toFixed(1)} µs (${(mean(rows.branchCpu) / mean(rows.baseCpu)).toFixed(3)})`,
  );
  process.exit(0);
}
