#!/usr/bin/env node
// API benchmark of the request path (`npm run bench:api`, after `npm run build`): cheap signed reads
// (GetRecommenderConfiguration, GetApp), a list and a create, against a bare node:http hello-world.
//
// Servers run in child processes so the load generator (autocannon, in this process) and the server
// use separate cores. Measured in the same run, with the same client and connections:
//   - a bare node:http hello-world (the baseline every ratio refers to; measured before and after),
//   - pinrec (dist/server/serve.js startServer, SQLite in a temp dir), once with the logger at "warn" and once
//     at "info" (one line per request, written to /dev/null), each for:
//       GetRecommenderConfiguration (signed), GetApp, GetRecommenderConfigurations (a page of 20 items),
//       CreateRecommenderConfiguration (quota raised so creates never hit it);
//   - the server's CPU time per request (process.cpuUsage in the server, steadier than req/s on a
//     busy machine), and, for the two reads at the default log level, a second run under the V8
//     sampling profiler whose samples are attributed to stages of the request path (bench/lib.mjs
//     REQUEST_STAGES): µs per request in SigV4, routing/parsing, handler/store, serialising,
//     logging, metrics, Fastify, and Node's own HTTP/socket work.
// Requests are SigV4-signed once per run with @smithy/signature-v4 (signatures stay valid for
// 5 minutes) and replayed. Every non-2xx response is counted and printed: a benchmark of 403s is
// worthless, so any non-2xx makes the script exit 1.
//
//   node bench/api.mjs [--duration 10] [--connections 32] [--warmup 2] [--levels warn,info]
//                      [--scenarios get,app,list,create] [--no-profile] [--root DIR] [--write-docs]
//
// --root DIR benchmarks the build in DIR/dist (e.g. an export of main) with this script, so a
// before/after comparison runs the same load; alternate the two to share the machine's conditions.
// --write-docs replaces the "API (issue: foundation)" section of docs/benchmarks-history.md with this run.
import { fork } from "node:child_process";
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { distModule, stageBreakdown, startProfiler, topFunctions } from "./lib.mjs";

const HERE = fileURLToPath(new URL(".", import.meta.url));
const ROOT = join(HERE, "..");
const CREDENTIAL = { accessKeyId: "AKIABENCHAPI00000001", secretAccessKey: "bench-api-secret-0123456789abcdef", accountId: "111122223333" };
const CAMPAIGN = "arn:aws:personalize:us-east-1:111122223333:campaign/bench";
const ROLE = "arn:aws:iam::111122223333:role/PinpointRoleforPersonalize";
const config = (name) => ({
  Name: name,
  RecommendationProviderUri: CAMPAIGN,
  RecommendationProviderRoleArn: ROLE,
  RecommendationsDisplayName: "Top picks",
});

// ------------------------------------------------------------------------------------------------
// Child: one server, reporting its port over IPC and stopping on "stop".

async function child(kind) {
  // If the parent dies, do not linger.
  process.on("disconnect", () => process.exit(0));
  if (kind === "hello") {
    const body = '{"hello":"world"}';
    const srv = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
      res.end(body);
    });
    srv.listen(0, "127.0.0.1", () => process.send({ port: /** @type {import("node:net").AddressInfo} */ (srv.address()).port }));
    process.on("message", (m) => m === "stop" && srv.close(() => process.exit(0)));
    return;
  }
  const [, level, root] = kind.split(":"); // pinrec:<level>:<root of the build>
  const { startServer } = await import(pathToFileURL(distModule(join(root, "dist"), "server/serve.js", "serve.js")).href);
  const dataDir = mkdtempSync(join(os.tmpdir(), "pinrec-bench-api-"));
  // The parent points this process's stdout at /dev/null, where pino writes, as `pinrec serve > /dev/null` would.
  const server = await startServer({
    host: "127.0.0.1",
    port: 0,
    dataDir,
    credentials: [CREDENTIAL],
    logger: { level },
    recommenderQuota: 10_000_000,
  });
  process.send({ port: server.port });
  let profiler;
  process.on("message", async (m) => {
    if (m === "cpu") return process.send({ cpu: process.cpuUsage() });
    if (m === "profile-start") {
      profiler = await startProfiler();
      return process.send({ profiling: true });
    }
    if (m === "profile-stop") {
      const file = join(os.tmpdir(), `pinrec-bench-api-${process.pid}-${Date.now()}.cpuprofile`);
      writeFileSync(file, JSON.stringify(await profiler.stop()));
      return process.send({ profile: file });
    }
    if (m !== "stop") return;
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  });
}

// ------------------------------------------------------------------------------------------------
// Parent: load generation and reporting.

function parseArgs() {
  const args = process.argv.slice(2);
  const num = (name, def) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? Number(args[i + 1]) : def;
  };
  const list = (name, def) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1].split(",") : def;
  };
  return {
    duration: num("duration", 10),
    connections: num("connections", 32),
    warmup: num("warmup", 2),
    levels: list("levels", ["warn", "info"]),
    scenarios: list("scenarios", ["get", "app", "list", "create"]),
    profile: !args.includes("--no-profile"),
    root: list("root", [ROOT])[0],
    writeDocs: args.includes("--write-docs"),
  };
}

function startChild(kind) {
  const devnull = openSync("/dev/null", "w");
  return new Promise((resolve, reject) => {
    const c = fork(fileURLToPath(import.meta.url), ["--child", kind], { stdio: ["ignore", devnull, "inherit", "ipc"] });
    c.once("message", (/** @type {any} */ m) =>
      resolve({ child: c, url: `http://127.0.0.1:${m.port}`, port: m.port, ask: (msg, key) => ask(c, msg, key) }),
    );
    c.once("exit", (code) => reject(new Error(`${kind} exited with ${code} before listening`)));
  });
}

/** Sends `msg` to a server child and resolves with the `key` of its reply. */
function ask(c, msg, key) {
  return new Promise((resolve) => {
    const on = (m) => {
      if (m && key in m) {
        c.off("message", on);
        resolve(m[key]);
      }
    };
    c.on("message", on);
    c.send(msg);
  });
}

async function stopChild({ child: c }) {
  if (c.exitCode !== null) return;
  const exited = new Promise((r) => c.once("exit", r));
  c.send("stop");
  const t = setTimeout(() => c.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(t);
}

let signer;
async function sign(url, method, path, body) {
  if (!signer) {
    const [{ SignatureV4 }, { Hash }] = await Promise.all([import("@smithy/signature-v4"), import("@smithy/hash-node")]);
    signer = new SignatureV4({
      credentials: CREDENTIAL,
      region: "us-east-1",
      service: "mobiletargeting",
      sha256: Hash.bind(null, "sha256"),
      uriEscapePath: true,
    });
  }
  const { HttpRequest } = await import("@smithy/protocol-http");
  const u = new URL(url);
  const [p, q] = path.split("?");
  const query = Object.fromEntries(new URLSearchParams(q ?? ""));
  const headers = { host: u.host, ...(body !== undefined && { "content-type": "application/json" }) };
  const signed = await signer.sign(
    new HttpRequest({ method, protocol: "http:", hostname: u.hostname, port: Number(u.port), path: p, query, headers, body }),
  );
  return { method, path, headers: signed.headers, ...(body !== undefined && { body }) };
}

/** One request through fetch, to check the signed request is accepted before loading with it. */
async function check(url, req, expected) {
  const { host: _host, ...headers } = req.headers;
  const r = await fetch(url + req.path, { method: req.method, headers, body: req.body });
  const text = await r.text();
  if (r.status !== expected) throw new Error(`${req.method} ${req.path}: expected ${expected}, got ${r.status} ${text}`);
  return JSON.parse(text);
}

async function load(url, title, req, { duration, connections }) {
  const autocannon = (await import("autocannon")).default;
  const result = await autocannon({ url, connections, duration, ...(req && { requests: [req] }) });
  const statuses = Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, s]) => [code, s.count]));
  return {
    title,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: result.requests.total,
    ok: result["2xx"],
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    statuses,
  };
}

function row(r, base) {
  const ratio = base ? `${((r.rps / base) * 100).toFixed(0)}%` : "-";
  const bad = r.non2xx + r.errors;
  const cpu = r.cpuMicros === undefined ? "-" : r.cpuMicros.toFixed(0);
  return `| ${r.title} | ${Math.round(r.rps).toLocaleString("en-US")} | ${r.p50} | ${r.p99} | ${ratio} | ${cpu} | ${bad}${bad ? ` ${JSON.stringify(r.statuses)}` : ""} |`;
}

/** The issue's targets: a cheap signed read at ≥ 40% of the hello-world's req/s with p99 ≤ 5 ms. */
const TARGET = { share: 0.4, p99: 5 };
const verdict = (r, base) =>
  `${r.title}: ${((r.rps / base) * 100).toFixed(0)}% of hello-world, p99 ${r.p99} ms → ${r.rps / base >= TARGET.share && r.p99 <= TARGET.p99 ? "met" : "NOT MET"}`;

/** A load run with the server's CPU time per request, optionally under the sampling profiler. */
async function measure(server, title, req, opts, { profile = false } = {}) {
  if (profile) await server.ask("profile-start", "profiling");
  const cpu0 = await server.ask("cpu", "cpu");
  const r = await load(server.url, title, req, opts);
  const cpu1 = await server.ask("cpu", "cpu");
  r.cpuMicros = (cpu1.user + cpu1.system - cpu0.user - cpu0.system) / r.total;
  if (profile) {
    const file = await server.ask("profile-stop", "profile");
    const prof = JSON.parse(readFileSync(file, "utf8"));
    rmSync(file, { force: true });
    r.breakdown = stageBreakdown(prof, r.total);
    r.top = topFunctions(prof, 15);
  }
  return r;
}

function breakdownTable(profiled) {
  const stages = [...new Set(profiled.flatMap((r) => r.breakdown.rows.map((x) => x.stage)))];
  const cell = (r, stage) => {
    const x = r.breakdown.rows.find((y) => y.stage === stage);
    // The profiler's own cost inflates µs measured under it: shares of its samples are scaled to the
    // server CPU per request of the unprofiled run just before.
    return x ? `${(x.share * r.unprofiledCpu).toFixed(1)} (${(x.share * 100).toFixed(0)}%)` : "-";
  };
  return [
    `| stage: µs of server CPU per request (share of profile samples) | ${profiled.map((r) => r.title).join(" | ")} |`,
    `| --- |${profiled.map(() => " ---: |").join("")}`,
    ...stages.map((s) => `| ${s} | ${profiled.map((r) => cell(r, s)).join(" | ")} |`),
    `| **total** (server CPU µs per request, unprofiled run) | ${profiled.map((r) => `**${r.unprofiledCpu.toFixed(1)}**`).join(" | ")} |`,
    `| (idle share of the profiled run) | ${profiled.map((r) => `${(r.breakdown.idleShare * 100).toFixed(0)}%`).join(" | ")} |`,
    `| (req/s while profiled) | ${profiled.map((r) => Math.round(r.rps).toLocaleString("en-US")).join(" | ")} |`,
  ].join("\n");
}

async function main() {
  const opts = parseArgs();
  if (!existsSync(distModule(join(opts.root, "dist"), "server/serve.js", "serve.js"))) {
    console.error(`${opts.root}/dist is not built: run \`npm run build\` first`);
    process.exit(1);
  }
  const cores = os.availableParallelism();
  const date = new Date().toISOString().slice(0, 10);
  const header = `${cores} cores (${os.cpus()[0]?.model ?? "?"}), Node ${process.version}, ${os.platform()} ${os.release()}, ${date}, load average at start ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(" ")}`;
  console.log(`pinrec API benchmark: ${header}`);
  console.log(`build: ${opts.root === ROOT ? "this checkout" : opts.root}`);
  console.log(
    `autocannon ${opts.connections} connections × ${opts.duration} s per run (after a ${opts.warmup} s warm-up); servers in child processes\n`,
  );

  const results = [];
  const profiled = [];
  const warm = { ...opts, duration: opts.warmup };

  const hello = await startChild("hello");
  await load(hello.url, "warm-up", undefined, warm);
  const helloBefore = await load(hello.url, "hello-world node:http (before)", undefined, opts);
  console.log(row(helloBefore));

  for (const level of opts.levels) {
    const server = await startChild(`pinrec:${level}:${opts.root}`);
    try {
      // 20 configurations: one for Get, and a page of 20 for the list; one app for GetApp.
      let first;
      for (let i = 0; i < 20; i++) {
        const doc = await check(server.url, await sign(server.url, "POST", "/v1/recommenders", JSON.stringify(config(`bench-${i}`))), 201);
        first ??= doc;
      }
      const app = await check(server.url, await sign(server.url, "POST", "/v1/apps", JSON.stringify({ Name: "bench" })), 201);
      const all = {
        get: {
          title: `GetRecommenderConfiguration (log ${level})`,
          method: "GET",
          path: `/v1/recommenders/${first.Id}`,
          expected: 200,
          target: true,
        },
        app: { title: `GetApp (log ${level})`, method: "GET", path: `/v1/apps/${app.Id}`, expected: 200, target: true },
        list: {
          title: `GetRecommenderConfigurations, 20 items (log ${level})`,
          method: "GET",
          path: "/v1/recommenders?page-size=20",
          expected: 200,
        },
        create: {
          title: `CreateRecommenderConfiguration (log ${level})`,
          method: "POST",
          path: "/v1/recommenders",
          body: JSON.stringify(config("bench-create")),
          expected: 201,
        },
      };
      for (const s of opts.scenarios.map((k) => all[k])) {
        // Signed just before its run, so the signature cannot expire mid-run.
        const req = await sign(server.url, s.method, s.path, s.body);
        const got = await check(server.url, req, s.expected);
        if (s.path.includes("page-size") && got.Item.length !== 20) throw new Error(`list returned ${got.Item.length} items`);
        await load(server.url, "warm-up", req, warm);
        const r = await measure(server, s.title, req, opts);
        r.target = s.target;
        results.push(r);
        console.log(row(r, helloBefore.rps));
        // The profiled run is separate: the profiler's own cost must not touch the figures above.
        if (opts.profile && s.target && level === "info") {
          const p = await measure(
            server,
            `${s.title.replace(/ \(log \w+\)$/, "")}`,
            await sign(server.url, s.method, s.path, s.body),
            opts,
            { profile: true },
          );
          if (p.non2xx + p.errors > 0) throw new Error(`profiled run of ${s.title}: ${p.non2xx} non-2xx`);
          p.unprofiledCpu = r.cpuMicros;
          profiled.push(p);
        }
      }
    } finally {
      await stopChild(server);
    }
  }

  const helloAfter = await load(hello.url, "hello-world node:http (after)", undefined, opts);
  await stopChild(hello);
  console.log(row(helloAfter));
  const base = (helloBefore.rps + helloAfter.rps) / 2;

  const lines = [
    "| benchmark | req/s | p50 ms | p99 ms | vs hello-world | server CPU µs/request | non-2xx/errors |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    row({ ...helloBefore, title: "hello-world node:http (before)" }, base),
    row({ ...helloAfter, title: "hello-world node:http (after)" }, base),
    ...results.map((r) => row(r, base)),
  ];
  console.log(`\n${lines.join("\n")}\n`);
  console.log(`baseline: mean of the two hello-world runs, ${Math.round(base).toLocaleString("en-US")} req/s`);
  const verdicts = results.filter((r) => r.target).map((r) => verdict(r, base));
  console.log(
    `targets (≥ ${TARGET.share * 100}% of hello-world req/s, p99 ≤ ${TARGET.p99} ms, ${opts.connections} connections, one process, SQLite):`,
  );
  for (const v of verdicts) console.log(`  ${v}`);
  if (profiled.length) {
    console.log(
      `\nRequest path profile (log info; V8 sampling profiler at 200 µs in the server during a second run; each stage is its share of the samples times the server CPU per request of the unprofiled run):\n`,
    );
    console.log(breakdownTable(profiled));
    for (const p of profiled) {
      console.log(`\ntop functions by self time, ${p.title}:`);
      for (const f of p.top) console.log(`  ${(f.share * 100).toFixed(1).padStart(5)}%  ${f.fn}`);
    }
  }

  const bad = [helloBefore, helloAfter, ...results].filter((r) => r.non2xx + r.errors > 0);
  if (opts.writeDocs) writeDocs({ header, opts, lines, verdicts, profiled });
  if (bad.length) {
    console.error(
      `\nNON-2xx RESPONSES: ${bad.map((r) => `${r.title}: ${r.non2xx} non-2xx ${JSON.stringify(r.statuses)}, ${r.errors} errors`).join("; ")}`,
    );
    process.exit(1);
  }
}

const MARKER = "<!-- bench/api.mjs: generated above, hand-written notes below -->";

function writeDocs({ header, opts, lines, verdicts, profiled }) {
  const file = join(ROOT, "docs", "benchmarks-history.md");
  const title = "## API (issue: foundation)";
  const section = [
    title,
    "",
    `Measured with \`npm run bench:api\` (bench/api.mjs) on ${header}.`,
    "",
    `- Load: autocannon in the parent process, ${opts.connections} connections, ${opts.duration} s per run after a ${opts.warmup} s warm-up; each server runs in its own child process, so client and server use separate cores (${os.availableParallelism()} cores in total here).`,
    '- Baseline: a bare `node:http` hello-world server (`{"hello":"world"}`) in a child process, measured before and after the pinrec runs; ratios are against the mean of the two.',
    "- pinrec: `startServer` from dist/, SQLite in a temp dir (WAL, `synchronous=FULL`), one account; `log warn` writes nothing per request, `log info` writes one JSON line per request to /dev/null.",
    "- Requests: SigV4-signed once per run with `@smithy/signature-v4` and replayed; every response was checked to be 2xx (the table counts non-2xx). Get reads one configuration; the list returns a page of 20; Create inserts a new configuration per request (quota raised to 10,000,000).",
    "",
    ...lines,
    "",
    `Targets (speed issue): a signed cheap read ≥ ${TARGET.share * 100}% of hello-world req/s with p99 ≤ ${TARGET.p99} ms at ${opts.connections} connections, one process, SQLite. This run:`,
    "",
    ...verdicts.map((v) => `- ${v}`),
    "",
    ...(profiled.length
      ? [
          'Request path profile of this run (log info, a separate profiled run; see "Request path profile" below for how it is taken):',
          "",
          breakdownTable(profiled),
          "",
        ]
      : []),
    MARKER,
  ].join("\n");
  let text = existsSync(file) ? readFileSync(file, "utf8") : "# Benchmarks\n\n";
  const start = text.indexOf(title);
  if (start === -1) text = `${text.trimEnd()}\n\n${section}\n`;
  else {
    // Regenerate the figures; keep the hand-written notes after the marker, and any later sections.
    const next = text.indexOf("\n## ", start + title.length);
    const end = next === -1 ? text.length : next + 1;
    const marker = text.indexOf(MARKER, start);
    const notes = marker !== -1 && marker < end ? text.slice(marker + MARKER.length, end) : "\n";
    text = text.slice(0, start) + section + notes + text.slice(end);
  }
  writeFileSync(file, text.endsWith("\n") ? text : `${text}\n`);
  console.log(`\nwrote ${file}`);
}

if (process.argv[2] === "--child") await child(process.argv[3]);
else await main();
