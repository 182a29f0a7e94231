#!/usr/bin/env node
// Benchmark of the apps/endpoints resources over HTTP, against a real pinrec server in a child
// process: UpdateEndpointsBatch throughput (endpoints/s, 100-item batches) and GetEndpoint
// requests/s with p50/p99 latency, next to a hello-world node:http server measured the same way in
// the same run (same machine, same client, same connections) so the ratio is comparable.
//
//   npm run build && node bench/api-resources.mjs
//   PINREC_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test node bench/api-resources.mjs   # adds PostgreSQL
//
// Options: --batches N (default 100 → 10,000 endpoints) --concurrency N (batch writers, default 4)
//          --duration S (autocannon seconds per GetEndpoint run, default 10) --connections N (default 50)
//          --only sqlite|postgres
import { fork } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { distModule } from "./lib.mjs";

// The SDK's once-per-process note about Node 22 would only clutter the figures.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
const here = fileURLToPath(new URL(".", import.meta.url));
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const CREDENTIAL = { accessKeyId: "AKIABENCHRESOURCES01", secretAccessKey: "bench-secret-0123456789abcdefghij", accountId: "111122223333" };

// ---- child processes: the pinrec server, or the hello-world baseline ----
if (process.argv[2] === "--child") {
  const kind = process.argv[3];
  if (kind === "hello") {
    const body = JSON.stringify({ hello: "world" });
    const srv = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
      res.end(body);
    });
    srv.listen(0, "127.0.0.1", () => process.send({ port: /** @type {import("node:net").AddressInfo} */ (srv.address()).port }));
  } else {
    const { startServer } = await import(pathToFileURL(distModule(join(here, "..", "dist"), "server/serve.js", "serve.js")).href);
    const dataDir = mkdtempSync(join(os.tmpdir(), "pinrec-bench-"));
    const database = kind === "postgres" ? process.env.PINREC_BENCH_DATABASE_URL : undefined;
    let schema;
    if (database) {
      const pg = (await import("pg")).default;
      schema = `bench_${process.pid}`;
      const c = new pg.Client({ connectionString: database });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`);
      await c.end();
    }
    const server = await startServer({
      host: "127.0.0.1",
      port: 0,
      dataDir,
      credentials: [CREDENTIAL],
      logger: false,
      database,
      databaseSchema: schema,
      campaignPollMs: 0,
    });
    process.send({ port: server.port });
    process.on("message", async (m) => {
      if (m !== "stop") return;
      await server.close();
      if (database) {
        const pg = (await import("pg")).default;
        const c = new pg.Client({ connectionString: database });
        await c.connect();
        await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await c.end();
      }
      rmSync(dataDir, { recursive: true, force: true });
      process.exit(0);
    });
  }
} else {
  await main();
}

function startChild(kind) {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), ["--child", kind], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    child.once("message", (/** @type {any} */ m) => resolve({ child, url: `http://127.0.0.1:${m.port}` }));
    child.once("exit", (code) => reject(new Error(`${kind} server exited with ${code}`)));
  });
}

async function stopChild(child) {
  const exited = new Promise((r) => child.once("exit", r));
  if (child.connected) child.send("stop");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

async function autocannonRun(url, path, headers) {
  const autocannon = (await import("autocannon")).default;
  return new Promise((resolve, reject) => {
    autocannon(
      { url: url + path, method: "GET", headers, connections: opt("connections", 50), duration: opt("duration", 10), pipelining: 1 },
      (err, r) => (err ? reject(err) : resolve(r)),
    );
  });
}

/** One signed GET, reused: SigV4 signatures stay valid within the clock-skew window (5 min). */
async function signedHeaders(url, path) {
  const { SignatureV4 } = await import("@smithy/signature-v4");
  const { HttpRequest } = await import("@smithy/protocol-http");
  const { Hash } = await import("@smithy/hash-node");
  const u = new URL(url);
  const signer = new SignatureV4({
    credentials: CREDENTIAL,
    region: "us-east-1",
    service: "mobiletargeting",
    sha256: Hash.bind(null, "sha256"),
  });
  const signed = await signer.sign(
    new HttpRequest({ method: "GET", protocol: "http:", hostname: u.hostname, port: Number(u.port), path, headers: { host: u.host } }),
  );
  return signed.headers;
}

async function benchStore(kind) {
  const { PinpointClient, CreateAppCommand, UpdateEndpointsBatchCommand, GetEndpointCommand } = await import("@aws-sdk/client-pinpoint");
  const { child, url } = await startChild(kind);
  try {
    const client = new PinpointClient({ endpoint: url, region: "us-east-1", credentials: CREDENTIAL, maxAttempts: 1 });
    const appId = (await client.send(new CreateAppCommand({ CreateApplicationRequest: { Name: "bench" } }))).ApplicationResponse.Id;
    const BATCHES = opt("batches", 100);
    const CONCURRENCY = opt("concurrency", 4);
    const batch = (b, round) => ({
      Item: Array.from({ length: 100 }, (_, i) => {
        const n = b * 100 + i;
        return {
          Id: `endpoint-${n}`,
          ChannelType: /** @type {const} */ ("EMAIL"),
          Address: `user${n}@example.com`,
          Attributes: { Interests: ["books", `topic-${n % 7}`], Round: [String(round)] },
          Metrics: { visits: n % 13 },
          User: { UserId: `user-${n % 5000}`, UserAttributes: { FirstName: [`Name${n}`] } },
          Demographic: { Platform: "ios", Timezone: "Europe/Berlin" },
        };
      }),
    });
    const write = async (round) => {
      let next = 0;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          for (let b = next++; b < BATCHES; b = next++) {
            await client.send(new UpdateEndpointsBatchCommand({ ApplicationId: appId, EndpointBatchRequest: batch(b, round) }));
          }
        }),
      );
      const s = (performance.now() - t0) / 1000;
      return { endpoints: BATCHES * 100, seconds: s, perSecond: (BATCHES * 100) / s };
    };
    await client.send(new UpdateEndpointsBatchCommand({ ApplicationId: appId, EndpointBatchRequest: batch(BATCHES + 1, 0) })); // warm-up
    const create = await write(1);
    const merge = await write(2);
    const probeId = `endpoint-${Math.floor((BATCHES * 100) / 2) + 42}`;
    const probe = await client.send(new GetEndpointCommand({ ApplicationId: appId, EndpointId: probeId }));
    if (probe.EndpointResponse.Attributes.Round[0] !== "2") throw new Error("merge round not visible");
    const path = `/v1/apps/${appId}/endpoints/${probeId}`;
    const headers = await signedHeaders(url, path);
    await autocannonRun(url, path, headers).then((r) => {
      if (r.non2xx) throw new Error(`${r.non2xx} non-2xx during warm-up`);
    }); // warm-up
    const get = await autocannonRun(url, path, headers);
    if (get.non2xx || get.errors) throw new Error(`GetEndpoint run had ${get.non2xx} non-2xx and ${get.errors} errors`);
    return { create, merge, get };
  } finally {
    await stopChild(child);
  }
}

async function main() {
  console.log(
    `pinrec apps/endpoints API benchmark — node ${process.version}, os.availableParallelism() = ${os.availableParallelism()}, ${os.cpus()[0]?.model ?? "?"}`,
  );
  console.log(
    `load average at start: ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")}`,
  );
  console.log(
    `client: @aws-sdk/client-pinpoint for batches (${opt("concurrency", 4)} writers × ${opt("batches", 100)} batches of 100), autocannon ${opt("connections", 50)} connections × ${opt("duration", 10)} s for GETs\n`,
  );

  const hello = await startChild("hello");
  let base;
  try {
    await autocannonRun(hello.url, "/", {});
    base = await autocannonRun(hello.url, "/", {});
  } finally {
    hello.child.kill("SIGTERM");
  }
  const rows = [["hello-world node:http", "-", "-", base.requests.average, base.latency.p50, base.latency.p99, 1]];
  const onlyAt = args.indexOf("--only");
  const kinds = onlyAt >= 0 ? [args[onlyAt + 1]] : ["sqlite", ...(process.env.PINREC_BENCH_DATABASE_URL ? ["postgres"] : [])];
  for (const kind of kinds) {
    const r = await benchStore(kind);
    rows.push([
      `pinrec GetEndpoint (${kind})`,
      Math.round(r.create.perSecond),
      Math.round(r.merge.perSecond),
      r.get.requests.average,
      r.get.latency.p50,
      r.get.latency.p99,
      r.get.requests.average / base.requests.average,
    ]);
  }
  console.log(
    "| server | UpdateEndpointsBatch create (endpoints/s) | UpdateEndpointsBatch merge (endpoints/s) | GET req/s | p50 ms | p99 ms | ratio to hello-world |",
  );
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const [name, c, m, rps, p50, p99, ratio] of rows) {
    console.log(`| ${name} | ${c} | ${m} | ${Math.round(rps)} | ${p50} | ${p99} | ${ratio === 1 ? "1" : ratio.toFixed(2)} |`);
  }
}
