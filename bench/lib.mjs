// Shared pieces of the benchmark scripts: servers in child processes (so the load generator and
// the server use separate cores), a hello-world baseline, SigV4-signed requests and autocannon.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import os from "node:os";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { Hash } from "@smithy/hash-node";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));

export function machine() {
  return `${os.availableParallelism()} cores (${os.cpus()[0]?.model ?? "?"}), Node ${process.version}, load average ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(" ")}`;
}

/** Starts `node <args>` and resolves once it prints a line matching `ready`. */
export async function startChild(args, ready, env = {}) {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const onData = (d) => (out += d);
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  const deadline = Date.now() + 120_000;
  while (!ready.test(out)) {
    if (child.exitCode !== null) throw new Error(`child exited early:\n${out}`);
    if (Date.now() > deadline) throw new Error(`child not ready:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  child.stdout.off("data", onData);
  child.stderr.off("data", onData);
  child.stdout.resume();
  child.stderr.resume();
  return {
    child,
    output: () => out,
    /** RSS of the process and, with `tree`, of its children too (cluster workers). */
    rssMb(tree = false) {
      const pids = [child.pid, ...(tree ? childPids(child.pid) : [])];
      return pids.reduce((sum, pid) => sum + Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]) / 1024, 0);
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      await once(child, "exit");
    },
  };
}

/** CPU seconds (user + system) a process has used, from /proc. */
export function cpuSeconds(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, in USER_HZ (100 on Linux) ticks
}

/** A server's processes: the primary and its cluster workers, or the single process. */
export function processes(server) {
  const workers = childPids(server.child.pid);
  return [
    { role: workers.length ? "primary" : "single process", pid: server.child.pid },
    ...workers.map((pid, i) => ({ role: `worker ${i + 1}`, pid })),
  ];
}

/**
 * Loads a server until every serving process has answered requests (its CPU time grew during a
 * warm-up), so each has loaded the model and warmed its JIT before anything is measured. Under
 * `--workers`, the primary starts the other workers once the first is up, so one warm-up is not enough.
 */
export async function warmEveryProcess(server, requests, workers) {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const serving = processes(server).filter((p) => p.role !== "primary");
    const before = serving.map((p) => cpuSeconds(p.pid));
    await load(server.url, { requests, connections: 8, duration: 2, title: "warm-up" });
    const used = serving.map((p, i) => cpuSeconds(p.pid) - before[i]);
    if (serving.length === workers && used.every((s) => s >= 0.2)) return;
    if (Date.now() > deadline)
      throw new Error(`not every process serving after 120 s (CPU s each during the last warm-up: ${used.join(", ")})`);
  }
}

/** The ids of a process's direct children (cluster workers), from /proc. */
export function childPids(pid) {
  return readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return readFileSync(`/proc/${d}/stat`, "utf8").split(") ")[1].split(" ")[1] === String(pid);
      } catch {
        return false;
      }
    })
    .map(Number);
}

const HELLO = `require("node:http").createServer((q, s) => { s.writeHead(200, {"content-type": "application/json"}); s.end('{"hello":"world"}'); }).listen(0, "127.0.0.1", function () { console.log("LISTEN " + this.address().port); });`;

export async function startHelloWorld() {
  const c = await startChild(["-e", HELLO], /LISTEN \d+/);
  return { ...c, url: `http://127.0.0.1:${/LISTEN (\d+)/.exec(c.output())[1]}` };
}

/** `pinrec serve` on a free port, as a user would run it. */
export async function startPinrec(flags) {
  const c = await startChild(["bin/pinrec.js", "serve", "--port", "0", ...flags], /pinrec listening on \S+/);
  const url = /pinrec listening on (\S+)/.exec(c.output())[1];
  return { ...c, url };
}

/** A fully signed request (valid for 5 minutes) that autocannon can replay. */
export async function signedRequest(url, credential, { method, path, body, service = "mobiletargeting", region = "us-east-1" }) {
  const u = new URL(url);
  const headers = { host: u.host, ...(body !== undefined && { "content-type": "application/json" }) };
  const signer = new SignatureV4({ credentials: credential, region, service, sha256: Hash.bind(null, "sha256") });
  const signed = await signer.sign(
    new HttpRequest({ method, protocol: "http:", hostname: u.hostname, port: Number(u.port), path, headers, body }),
  );
  return { method, path, headers: signed.headers, ...(body !== undefined && { body }) };
}

/**
 * 2,000 signed GetRecommendations requests (25 items) for the bench model's campaign, over users
 * spread across its `users` (stride 7919, a prime), for autocannon to replay.
 */
export async function recommendationRequests(url, credential, campaignArn, users) {
  const requests = [];
  for (let u = 0; u < 2000; u++) {
    const body = JSON.stringify({ campaignArn, userId: `u${(u * 7919) % users}`, numResults: 25 });
    requests.push(await signedRequest(url, credential, { method: "POST", path: "/recommendations", body, service: "personalize" }));
  }
  return requests;
}

/**
 * A module of a build (`dist` is its dist/ directory): at `path` in today's layout by service, or at
 * `before` in a build of an older checkout (a baseline to compare with).
 * @param {string} dist
 * @param {string} path
 * @param {string} before
 */
export function distModule(dist, path, before) {
  const now = join(dist, path);
  return existsSync(now) ? now : join(dist, before);
}

/**
 * Runs autocannon; `requests` are replayed round-robin. Counts non-2xx so a benchmark of errors is noticed.
 * @param {string} url
 * @param {{ requests?: object[], connections?: number, duration?: number, title?: string }} options
 */
export async function load(url, { requests, connections = 32, duration = 10, title }) {
  let i = 0;
  const result = await autocannon({
    url,
    connections,
    duration,
    title,
    requests: requests ? [{ setupRequest: (r) => Object.assign(r, requests[i++ % requests.length]) }] : undefined,
  });
  return {
    title,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx + result.errors + result.timeouts,
    total: result.requests.total,
  };
}

export function table(rows, baseline) {
  const lines = ["| benchmark | req/s | p50 ms | p99 ms | vs hello-world | non-2xx |", "| --- | ---: | ---: | ---: | ---: | ---: |"];
  for (const r of rows) {
    lines.push(`| ${r.title} | ${Math.round(r.rps)} | ${r.p50} | ${r.p99} | ${((r.rps / baseline.rps) * 100).toFixed(0)}% | ${r.non2xx} |`);
  }
  return lines.join("\n");
}

// ------------------------------------------------------------------------------------------------
// CPU profiles of a server under load, broken down by stage of the request path.

/**
 * Stages of the request path, matched against `<script URL> <function name>` of a sample's stack
 * from the innermost frame outwards: the first frame that matches a stage decides (so Node's crypto
 * called from sigv4.js counts as SigV4, and a SQLite call from the store counts as handler/store).
 * Samples whose stack matches no stage are Node's own HTTP parsing, socket reads and event loop.
 */
/** @type {[string, RegExp][]} */
export const REQUEST_STAGES = [
  ["SigV4 verification", /\/server\/(sigv4|auth-metrics)\.js|@smithy\/(signature-v4|core)\//],
  ["request log (pino)", /\/(pino|pino-std-serializers|sonic-boom|thread-stream)\//],
  ["metrics (prom-client)", /\/prom-client\/|\/observability\/metrics\.js/],
  ["routing and input parsing", /\/server\/router\.js|\/protocol\/input\.js|\/find-my-way\/|node:internal\/url/],
  ["JSON serialise", /\/server\/reply\.js serialise$/],
  ["reply write (headers, socket write syscall)", /\/server\/reply\.js/],
  ["handler and store", /\/dist\/(?!server\/|protocol\/|observability\/)|\/better-sqlite3\//],
  ["Fastify and hooks", /\/(fastify|avvio|fastq|light-my-request|@fastify\/[^/]+)\/|\/server\/app\.js/],
];

/** Starts the V8 sampling profiler in this process (for a server child); returns stop() → profile. */
export async function startProfiler(intervalMicros = 200) {
  const { Session } = await import("node:inspector");
  const session = new Session();
  session.connect();
  const post = (method, params) =>
    new Promise((resolve, reject) => session.post(method, params, (err, r) => (err ? reject(err) : resolve(r))));
  await post("Profiler.enable");
  await post("Profiler.setSamplingInterval", { interval: intervalMicros });
  await post("Profiler.start");
  return {
    async stop() {
      const { profile } = await post("Profiler.stop");
      session.disconnect();
      return profile;
    },
  };
}

/**
 * Time per request in each stage, from a `.cpuprofile` taken while `requests` requests were served.
 * Returns rows `{ stage, micros, share }` (share of the busy time), plus idle and busy totals.
 */
export function stageBreakdown(profile, requests, stages = REQUEST_STAGES) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stageOf = new Map();
  const classify = (id) => {
    if (stageOf.has(id)) return stageOf.get(id);
    const leaf = byId.get(id).callFrame.functionName;
    let stage;
    if (leaf === "(idle)") stage = "idle";
    else if (leaf === "(garbage collector)") stage = "garbage collection";
    else {
      for (let cur = id; cur !== undefined && !stage; cur = parent.get(cur)) {
        const { url, functionName } = byId.get(cur).callFrame;
        if (url) stage = stages.find(([, re]) => re.test(`${url} ${functionName}`))?.[0];
      }
      stage ??= "Node HTTP, sockets, event loop";
    }
    stageOf.set(id, stage);
    return stage;
  };
  const totals = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const stage = classify(profile.samples[i]);
    totals.set(stage, (totals.get(stage) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const idle = totals.get("idle") ?? 0;
  totals.delete("idle");
  const busy = [...totals.values()].reduce((a, b) => a + b, 0);
  const order = [...stages.map(([s]) => s), "garbage collection", "Node HTTP, sockets, event loop"];
  const rows = order
    .filter((s) => totals.has(s))
    .map((stage) => ({ stage, micros: totals.get(stage) / requests, share: totals.get(stage) / busy }));
  return { rows, busyMicros: busy / requests, idleShare: idle / (idle + busy) };
}

/** Self time per function (top n), for reading a profile by hand. */
export function topFunctions(profile, n = 25) {
  const self = new Map();
  let total = 0;
  const byId = new Map(profile.nodes.map((x) => [x.id, x]));
  for (let i = 0; i < profile.samples.length; i++) {
    const cf = byId.get(profile.samples[i]).callFrame;
    if (cf.functionName === "(idle)") continue;
    const key = `${cf.functionName || "(anonymous)"} ${cf.url.replace(/^.*node_modules\//, "").replace(/^file:\/\/.*?\/dist\//, "dist/")}:${cf.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0));
    total += profile.timeDeltas[i] ?? 0;
  }
  return [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([fn, t]) => ({ fn, share: t / total }));
}

/**
 * The personalised email the send and campaign benchmarks both send: an app, a PINPOINT_USER_ID
 * recommender on `campaignArn` (5 items, the `add-titles` local transformer) and a `picks` email
 * template naming it, with the five items and two titles.
 * @param {import("@aws-sdk/client-pinpoint").PinpointClient} client
 * @param {string} campaignArn
 * @param {{ subject?: string, defaultSubstitutions?: Record<string, string> }} [options]
 */
export async function createPicksEmail(client, campaignArn, { subject, defaultSubstitutions } = {}) {
  const { CreateAppCommand, CreateEmailTemplateCommand, CreateRecommenderConfigurationCommand } = await import("@aws-sdk/client-pinpoint");
  const appId = (await client.send(new CreateAppCommand({ CreateApplicationRequest: { Name: "bench" } }))).ApplicationResponse.Id;
  const recommender = (
    await client.send(
      new CreateRecommenderConfigurationCommand({
        CreateRecommenderConfiguration: {
          RecommendationProviderUri: campaignArn,
          RecommendationProviderRoleArn: "arn:aws:iam::111122223333:role/PinpointRoleforPersonalize",
          RecommendationProviderIdType: "PINPOINT_USER_ID",
          RecommendationsPerMessage: 5,
          RecommendationTransformerUri: "add-titles",
          Attributes: { "Recommendations.Title": "Title" },
        },
      }),
    )
  ).RecommenderConfigurationResponse.Id;
  await client.send(
    new CreateEmailTemplateCommand({
      TemplateName: "picks",
      EmailTemplateRequest: {
        RecommenderId: recommender,
        Subject: subject ?? "{{Recommendations.Title.[0]}} and more, picked for you",
        HtmlPart:
          "<h1>Picked for you</h1><ol>{{#each RecommendationItems}}<li>{{this}}</li>{{/each}}</ol><p>{{Recommendations.Title.[0]}}, {{Recommendations.Title.[1]}}</p>",
        TextPart: "{{#each Recommendations.Title}}- {{this}}\n{{/each}}",
        ...(defaultSubstitutions && { DefaultSubstitutions: JSON.stringify(defaultSubstitutions) }),
      },
    }),
  );
  return { appId, recommender };
}

/** The local transformer both send benchmarks name (`add-titles`): a title for every recommended item. */
export function writeAddTitles(functionsDir) {
  writeFileSync(
    join(functionsDir, "add-titles.mjs"),
    `export const handler = async (event) => {
  for (const endpoint of Object.values(event.Endpoints)) endpoint.Recommendations = { Title: endpoint.RecommendationItems.map((id) => "Title of item " + id) };
  return event.Endpoints;
};`,
  );
}
