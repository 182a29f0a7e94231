// Shared pieces of the benchmark scripts: servers in child processes (so the load generator and
// the server use separate cores), a hello-world baseline, SigV4-signed requests and autocannon.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync, readdirSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { Hash } from "@smithy/hash-node";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));

export function machine() {
  return `${os.availableParallelism()} cores (${os.cpus()[0]?.model ?? "?"}), Node ${process.version}, load average ${os.loadavg().map((x) => x.toFixed(2)).join(" ")}`;
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
  const signed = await signer.sign(new HttpRequest({ method, protocol: "http:", hostname: u.hostname, port: Number(u.port), path, headers, body }));
  return { method, path, headers: signed.headers, ...(body !== undefined && { body }) };
}

/** Runs autocannon; `requests` are replayed round-robin. Counts non-2xx so a benchmark of errors is noticed. */
export async function load(url, { requests, connections = 32, duration = 10, title }) {
  let i = 0;
  const result = await autocannon({
    url,
    connections,
    duration,
    title,
    requests: requests
      ? [{ setupRequest: (r) => Object.assign(r, requests[i++ % requests.length]) }]
      : undefined,
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
  const lines = [
    "| benchmark | req/s | p50 ms | p99 ms | vs hello-world | non-2xx |",
    "| --- | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const r of rows) {
    lines.push(`| ${r.title} | ${Math.round(r.rps)} | ${r.p50} | ${r.p99} | ${(r.rps / baseline.rps * 100).toFixed(0)}% | ${r.non2xx} |`);
  }
  return lines.join("\n");
}
