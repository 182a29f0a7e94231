#!/usr/bin/env node
// API benchmark for the recommender-configuration resource (`npm run bench:api`, after `npm run build`).
//
// Servers run in child processes so the load generator (autocannon, in this process) and the server
// use separate cores. Measured in the same run, with the same client and connections:
//   - a bare node:http hello-world (the baseline every ratio refers to; measured before and after),
//   - pinrec (dist/serve.js startServer, SQLite in a temp dir), once with the logger at "warn" and once
//     at "info" (one line per request, written to /dev/null), each for:
//       GetRecommenderConfiguration (signed), GetRecommenderConfigurations (a page of 20 items),
//       CreateRecommenderConfiguration (quota raised so creates never hit it).
// Requests are SigV4-signed once per run with @smithy/signature-v4 (signatures stay valid for
// 5 minutes) and replayed. Every non-2xx response is counted and printed: a benchmark of 403s is
// worthless, so any non-2xx makes the script exit 1.
//
//   node bench/api.mjs [--duration 10] [--connections 32] [--warmup 2] [--write-docs]
//
// --write-docs replaces the "API (issue: foundation)" section of docs/benchmarks.md with this run.
import { fork } from "node:child_process";
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const HERE = fileURLToPath(new URL(".", import.meta.url));
const ROOT = join(HERE, "..");
const CREDENTIAL = { accessKeyId: "AKIABENCHAPI00000001", secretAccessKey: "bench-api-secret-0123456789abcdef", accountId: "111122223333" };
const CAMPAIGN = "arn:aws:personalize:us-east-1:111122223333:campaign/bench";
const ROLE = "arn:aws:iam::111122223333:role/PinpointRoleforPersonalize";
const config = (name) => ({ Name: name, RecommendationProviderUri: CAMPAIGN, RecommendationProviderRoleArn: ROLE, RecommendationsDisplayName: "Top picks" });

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
    srv.listen(0, "127.0.0.1", () => process.send({ port: srv.address().port }));
    process.on("message", (m) => m === "stop" && srv.close(() => process.exit(0)));
    return;
  }
  const level = kind.split(":")[1]; // pinrec:warn | pinrec:info
  const { startServer } = await import(pathToFileURL(join(ROOT, "dist", "serve.js")).href);
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
  process.on("message", async (m) => {
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
  return { duration: num("duration", 10), connections: num("connections", 32), warmup: num("warmup", 2), writeDocs: args.includes("--write-docs") };
}

function startChild(kind) {
  const devnull = openSync("/dev/null", "w");
  return new Promise((resolve, reject) => {
    const c = fork(fileURLToPath(import.meta.url), ["--child", kind], { stdio: ["ignore", devnull, "inherit", "ipc"] });
    c.once("message", (m) => resolve({ child: c, url: `http://127.0.0.1:${m.port}`, port: m.port }));
    c.once("exit", (code) => reject(new Error(`${kind} exited with ${code} before listening`)));
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
    signer = new SignatureV4({ credentials: CREDENTIAL, region: "us-east-1", service: "mobiletargeting", sha256: Hash.bind(null, "sha256"), uriEscapePath: true });
  }
  const { HttpRequest } = await import("@smithy/protocol-http");
  const u = new URL(url);
  const [p, q] = path.split("?");
  const query = Object.fromEntries(new URLSearchParams(q ?? ""));
  const headers = { host: u.host, ...(body !== undefined && { "content-type": "application/json" }) };
  const signed = await signer.sign(new HttpRequest({ method, protocol: "http:", hostname: u.hostname, port: Number(u.port), path: p, query, headers, body }));
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
  return `| ${r.title} | ${Math.round(r.rps).toLocaleString("en-US")} | ${r.p50} | ${r.p99} | ${ratio} | ${bad}${bad ? ` ${JSON.stringify(r.statuses)}` : ""} |`;
}

async function main() {
  const opts = parseArgs();
  if (!existsSync(join(ROOT, "dist", "serve.js"))) {
    console.error("dist/ is not built: run `npm run build` first");
    process.exit(1);
  }
  const cores = os.availableParallelism();
  const date = new Date().toISOString().slice(0, 10);
  const header = `${cores} cores (${os.cpus()[0]?.model ?? "?"}), Node ${process.version}, ${os.platform()} ${os.release()}, ${date}, load average at start ${os.loadavg().map((x) => x.toFixed(2)).join(" ")}`;
  console.log(`pinrec API benchmark: ${header}`);
  console.log(`autocannon ${opts.connections} connections × ${opts.duration} s per run (after a ${opts.warmup} s warm-up); servers in child processes\n`);

  const results = [];
  const warm = { ...opts, duration: opts.warmup };

  const hello = await startChild("hello");
  await load(hello.url, "warm-up", undefined, warm);
  const helloBefore = await load(hello.url, "hello-world node:http (before)", undefined, opts);
  console.log(row(helloBefore));

  for (const level of ["warn", "info"]) {
    const server = await startChild(`pinrec:${level}`);
    try {
      // 20 configurations: one for Get, and a page of 20 for the list.
      let first;
      for (let i = 0; i < 20; i++) {
        const doc = await check(server.url, await sign(server.url, "POST", "/v1/recommenders", JSON.stringify(config(`bench-${i}`))), 201);
        first ??= doc;
      }
      const scenarios = [
        { title: `GetRecommenderConfiguration (log ${level})`, req: await sign(server.url, "GET", `/v1/recommenders/${first.Id}`), expected: 200 },
        { title: `GetRecommenderConfigurations, 20 items (log ${level})`, req: await sign(server.url, "GET", "/v1/recommenders?page-size=20"), expected: 200 },
        { title: `CreateRecommenderConfiguration (log ${level})`, req: await sign(server.url, "POST", "/v1/recommenders", JSON.stringify(config("bench-create"))), expected: 201 },
      ];
      for (const s of scenarios) {
        // Signed just before its run, so the signature cannot expire mid-run.
        s.req = await sign(server.url, s.req.method, s.req.path, s.req.body);
        const got = await check(server.url, s.req, s.expected);
        if (s.expected === 200 && s.req.path.includes("page-size") && got.Item.length !== 20) throw new Error(`list returned ${got.Item.length} items`);
        await load(server.url, "warm-up", s.req, warm);
        const r = await load(server.url, s.title, s.req, opts);
        results.push(r);
        console.log(row(r, helloBefore.rps));
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
    "| benchmark | req/s | p50 ms | p99 ms | vs hello-world | non-2xx/errors |",
    "| --- | ---: | ---: | ---: | ---: | ---: |",
    row({ ...helloBefore, title: "hello-world node:http (before)" }, base),
    row({ ...helloAfter, title: "hello-world node:http (after)" }, base),
    ...results.map((r) => row(r, base)),
  ];
  const get = results.find((r) => r.title === "GetRecommenderConfiguration (log warn)");
  const getInfo = results.find((r) => r.title === "GetRecommenderConfiguration (log info)");
  const verdict = (r) => `${((r.rps / base) * 100).toFixed(0)}% of hello-world, p99 ${r.p99} ms: ${r.rps / base >= 0.5 && r.p99 <= 20 ? "meets" : "MISSES"} the target`;
  console.log(`\n${lines.join("\n")}\n`);
  console.log(`baseline: mean of the two hello-world runs, ${Math.round(base).toLocaleString("en-US")} req/s`);
  console.log(`target (Get ≥ 50% of hello-world req/s, p99 ≤ 20 ms, 32 connections, SQLite): log warn ${verdict(get)}; log info ${verdict(getInfo)}`);

  const bad = [helloBefore, helloAfter, ...results].filter((r) => r.non2xx + r.errors > 0);
  if (opts.writeDocs) writeDocs({ header, opts, lines, base, get, getInfo, verdict });
  if (bad.length) {
    console.error(`\nNON-2xx RESPONSES: ${bad.map((r) => `${r.title}: ${r.non2xx} non-2xx ${JSON.stringify(r.statuses)}, ${r.errors} errors`).join("; ")}`);
    process.exit(1);
  }
}

const MARKER = "<!-- bench/api.mjs: generated above, hand-written notes below -->";

function writeDocs({ header, opts, lines, base, get, getInfo, verdict }) {
  const file = join(ROOT, "docs", "benchmarks.md");
  const title = "## API (issue: foundation)";
  const section = [
    title,
    "",
    `Measured with \`npm run bench:api\` (bench/api.mjs) on ${header}.`,
    "",
    `- Load: autocannon in the parent process, ${opts.connections} connections, ${opts.duration} s per run after a ${opts.warmup} s warm-up; each server runs in its own child process, so client and server use separate cores (${os.availableParallelism()} cores in total here).`,
    "- Baseline: a bare `node:http` hello-world server (`{\"hello\":\"world\"}`) in a child process, measured before and after the pinrec runs; ratios are against the mean of the two.",
    "- pinrec: `startServer` from dist/, SQLite in a temp dir (WAL, `synchronous=FULL`), one account; `log warn` writes nothing per request, `log info` writes one JSON line per request to /dev/null.",
    "- Requests: SigV4-signed once per run with `@smithy/signature-v4` and replayed; every response was checked to be 2xx (the table counts non-2xx). Get reads one configuration; the list returns a page of 20; Create inserts a new configuration per request (quota raised to 10,000,000).",
    "",
    ...lines,
    "",
    `Target: GetRecommenderConfiguration ≥ 50% of hello-world req/s with p99 ≤ 20 ms at 32 connections on SQLite. This run: log warn ${verdict(get)}; log info ${verdict(getInfo)}.`,
    "",
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
