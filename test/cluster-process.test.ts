/**
 * `pinrec serve --workers 2` as real processes, on SQLite and PostgreSQL:
 * (a) the primary only forks and supervises: it loads none of the server (APIs, store, drivers,
 *     engine, AWS SDKs, prom-client) nor the other CLI commands, and the workers load the server but
 *     not the other commands nor any AWS SDK client they have not used (a module tracer given through
 *     NODE_OPTIONS, which the workers inherit, lists what each process loaded);
 * (b) GET /metrics answers with every worker's figures summed, whichever worker is scraped.
 */
import { mkdirSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, test } from "vitest";
import { ACCOUNT_A, CAMPAIGN, PG_URL, ROLE, STORE_KINDS, TEST_CREDENTIALS, freshPgSchema, tempDir } from "./helpers.js";
import { rawRequest, signedCall } from "./raw-http.js";
import { REPO, pgUrlWithSchema, processSuite, spawnServer, writeCredentials, type ServerProcess } from "./server-process.js";
import { workerExecArgv } from "../src/cli/cluster.js";

const cleanups = processSuite();
const TRACER = pathToFileURL(join(REPO, "test", "fixtures", "module-trace.mjs")).href;

async function startCluster(kind: "sqlite" | "postgres", env: Record<string, string> = {}): Promise<ServerProcess> {
  const d = tempDir("pinrec-cluster-");
  cleanups.push(() => d.remove());
  const args = [
    "--workers",
    "2",
    "--data-dir",
    join(d.path, "data"),
    "--credentials",
    writeCredentials(join(d.path, "credentials.json"), TEST_CREDENTIALS),
  ];
  if (kind === "postgres") {
    const s = await freshPgSchema();
    cleanups.push(() => s.drop());
    args.push("--database", pgUrlWithSchema(PG_URL, s.schema));
  }
  const server = await spawnServer(args, { env, startTimeoutMs: 30_000 });
  // The primary starts the second worker once the first is up; wait for both to say they listen.
  const workersUp = () => new Set([...server.stdout().matchAll(/"pid":(\d+)[^\n]*"msg":"pinrec listening"/g)].map((m) => m[1])).size;
  for (let i = 0; i < 600 && workersUp() < 2; i++) await new Promise((r) => setTimeout(r, 50));
  expect(workersUp(), server.stderr()).toBe(2);
  return server;
}

const createConfig = (port: number, name: string) =>
  signedCall(port, ACCOUNT_A, "POST", "/v1/recommenders", {
    body: { Name: name, RecommendationProviderUri: CAMPAIGN, RecommendationProviderRoleArn: ROLE, RecommendationsDisplayName: "Top picks" },
  });

/** The value of one sample in Prometheus text, e.g. `pinrec_requests_total{service="pinpoint",…}`. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return undefined;
}

describe.each(STORE_KINDS)("serve --workers 2 (%s)", (kind) => {
  test("the primary loads only what forking and supervising need; workers load the server but not the other commands", async () => {
    const d = tempDir("pinrec-trace-");
    cleanups.push(() => d.remove());
    mkdirSync(join(d.path, "modules"));
    const server = await startCluster(kind, { NODE_OPTIONS: `--import ${TRACER}`, PINREC_MODULE_TRACE_DIR: join(d.path, "modules") });
    expect((await createConfig(server.port, "traced")).status).toBe(201);
    expect((await server.stop()).code).toBe(0);

    const traces = readdirSync(join(d.path, "modules")).map(
      (f) =>
        JSON.parse(readFileSync(join(d.path, "modules", f), "utf8")) as {
          pid: number;
          role: string;
          execArgv: string[];
          modules: string[];
        },
    );
    const primary = traces.filter((t) => t.role === "primary");
    const workers = traces.filter((t) => t.role === "worker");
    expect(primary.map((t) => t.pid)).toEqual([server.pid]);
    expect(workers).toHaveLength(2);

    const loaded = (t: { modules: string[] }, part: string) => t.modules.some((m) => m.includes(part));
    const dist = (path: string) => `/dist/${path}`;
    const pkg = (name: string) => `/node_modules/${name}/`;
    const SERVER = [
      dist("server/serve.js"),
      dist("services.js"),
      dist("server/app.js"),
      dist("store/open.js"),
      dist("personalize/campaigns/registry.js"),
      dist("engine/model.js"),
      dist("engine/wasm/scorer.js"),
    ];
    // The service models come from committed snapshots (src/protocol/service-models), not the SDK clients.
    const SDK_CLIENTS = ["pinpoint", "personalize-runtime", "personalize-events", "sts", "lambda"].map((c) => pkg(`@aws-sdk/client-${c}`));
    const PACKAGES = [pkg("fastify"), pkg("prom-client"), ...SDK_CLIENTS, pkg("handlebars"), pkg("better-sqlite3"), pkg("pg")];
    const OTHER_COMMANDS = ["campaigns", "segments", "data", "credentials", "outbox", "messages"].map((c) => dist(`cli/${c}.js`));

    // The tracer sees what the primary does load, so an empty list cannot pass for a small one.
    expect(loaded(primary[0], dist("cli/cluster.js"))).toBe(true);
    expect(loaded(primary[0], pkg("commander"))).toBe(true);
    for (const m of [...SERVER, ...PACKAGES, ...OTHER_COMMANDS]) expect(loaded(primary[0], m), `primary loaded ${m}`).toBe(false);

    for (const w of workers) {
      for (const m of [...SERVER, pkg("fastify"), pkg("prom-client")]) expect(loaded(w, m), `worker did not load ${m}`).toBe(true);
      // Loaded on first use only: the SDK clients (Personalize runtime for a recommender backed by
      // Amazon Personalize, STS to assume a provider role, Lambda to run a transformer there) and
      // Handlebars (the first template saved or rendered).
      for (const m of [...OTHER_COMMANDS, ...SDK_CLIENTS, pkg("handlebars")]) expect(loaded(w, m), `worker loaded ${m}`).toBe(false);
      // A small young generation (see cli/cluster.ts), which the primary has no use for.
      expect(w.execArgv).toContain("--max-semi-space-size=4");
      // Only the configured store's driver.
      expect(loaded(w, kind === "sqlite" ? pkg("better-sqlite3") : pkg("pg"))).toBe(true);
      expect(loaded(w, kind === "sqlite" ? pkg("pg") : pkg("better-sqlite3")), "the other store's driver").toBe(false);
    }
  }, 60_000);

  test("GET /metrics sums every worker's figures, whichever worker answers", async () => {
    const server = await startCluster(kind);
    // One connection per request: the primary hands connections to the workers in turn.
    const created = 10;
    for (let i = 0; i < created; i++) expect((await createConfig(server.port, `m${i}`)).status).toBe(201);
    const answeredBy = new Set(
      [...server.stdout().matchAll(/"pid":(\d+)[^\n]*"operation":"CreateRecommenderConfiguration"/g)].map((m) => m[1]),
    );
    expect(answeredBy.size).toBe(2); // so a single worker's own count would be short of the total

    const created201 = { service: "pinpoint", operation: "CreateRecommenderConfiguration", status: "201" };
    const scrapers = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const r = await rawRequest({ port: server.port, method: "GET", path: "/metrics", agent: false });
      if (!r.ok) throw r.error;
      expect(r.res.status, r.res.text).toBe(200);
      expect(r.res.headers["content-type"]).toMatch(/^text\/plain/);
      const text = r.res.text;
      expect(sample(text, "pinrec_requests_total", created201)).toBe(created);
      expect(
        sample(text, "pinrec_request_duration_seconds_count", { service: "pinpoint", operation: "CreateRecommenderConfiguration" }),
      ).toBe(created);
      // A gauge that says which version runs is the same in every worker: reported once, not summed.
      expect(sample(text, "pinrec_build_info")).toBe(1);
      // Earlier scrapes count too: /metrics requests are requests (the scrape in flight is not yet counted).
      expect(sample(text, "pinrec_requests_total", { service: "pinrec", operation: "Metrics", status: "200" }) ?? 0).toBe(i);
    }
    for (const m of server.stdout().matchAll(/"pid":(\d+)[^\n]*"operation":"Metrics"/g)) scrapers.add(m[1]);
    expect(scrapers.size).toBe(2); // both workers answered scrapes, with the same totals
    expect((await server.stop()).code).toBe(0);
  }, 60_000);
});

test("the workers' V8 flags yield to the same flag given by the user, on the command line or in NODE_OPTIONS", () => {
  expect(workerExecArgv([], "")).toEqual(["--max-semi-space-size=4"]);
  expect(workerExecArgv(["--enable-source-maps"], "--no-warnings")).toEqual(["--enable-source-maps", "--max-semi-space-size=4"]);
  expect(workerExecArgv(["--max-semi-space-size=16"], "")).toEqual(["--max-semi-space-size=16"]);
  expect(workerExecArgv([], "--max-semi-space-size=8")).toEqual([]);
});
