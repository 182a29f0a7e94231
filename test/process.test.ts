/**
 * Real `pinrec serve` processes (bin/pinrec.js → dist/, built by `npm test`'s pretest):
 * (a) SIGKILL and restart on the same data keeps every acknowledged write (SQLite and PostgreSQL);
 * (b) SIGTERM during a burst of creates: complete responses only, exit 0, every 201 survives;
 * (c) credentials: generated on first start, reused on the next, a bad file is a clear error;
 * (d) two processes on one PostgreSQL schema stay exact, including under concurrency and quota;
 * (f) `--allow-any-region` turns off the check of the SigV4 scope's region against AWS's list.
 */
import http from "node:http";
import net from "node:net";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { ACCOUNT_A, ACCOUNT_B, CAMPAIGN, PG_URL, ROLE, STORE_KINDS, TEST_CREDENTIALS, freshPgSchema, tempDir } from "./helpers.js";
import { listAll, rawRequest, signRequest, signedCall } from "./raw-http.js";
import type { Credential } from "../src/server/credentials.js";
import {
  assertBuilt,
  killAll,
  pgUrlWithSchema,
  runCli,
  spawnPinrec,
  spawnServer,
  writeCredentials,
  type ServerProcess,
} from "./server-process.js";

const cleanups: (() => unknown)[] = [];
beforeAll(() => assertBuilt());
afterEach(async () => {
  await killAll();
  while (cleanups.length) await cleanups.pop()!();
});
afterAll(async () => {
  await killAll();
});

/** A temp dir with a credentials file for ACCOUNT_A and ACCOUNT_B; removed after the test. */
function workspace(): { dir: string; creds: string } {
  const d = tempDir("pinrec-proc-");
  cleanups.push(() => d.remove());
  return { dir: d.path, creds: writeCredentials(join(d.path, "credentials.json"), TEST_CREDENTIALS) };
}

/** `--database` args for a fresh PostgreSQL schema, selected through the URL's libpq `options`. */
async function pgDatabase(): Promise<{ schema: string; url: string }> {
  const s = await freshPgSchema();
  cleanups.push(() => s.drop());
  return { schema: s.schema, url: pgUrlWithSchema(PG_URL, s.schema) };
}

const config = (name: string, extra: Record<string, unknown> = {}) => ({
  Name: name,
  RecommendationProviderUri: CAMPAIGN,
  RecommendationProviderRoleArn: ROLE,
  RecommendationsDisplayName: "Top picks",
  ...extra,
});

async function create(port: number, name: string, credential: Credential = ACCOUNT_A) {
  const r = await signedCall(port, credential, "POST", "/v1/recommenders", { body: config(name) });
  expect(r.status, r.text).toBe(201);
  return r.json as Record<string, unknown> & { Id: string };
}

const byId = (items: { Id: string }[]) => new Map(items.map((i) => [i.Id, i]));

// ---------------------------------------------------------------------------------------------

describe.each(STORE_KINDS)("(a) restart after SIGKILL (%s)", (kind) => {
  test("every acknowledged write is there after a hard kill", async () => {
    const { dir, creds } = workspace();
    const db = kind === "postgres" ? await pgDatabase() : undefined;
    const args = ["--data-dir", join(dir, "data"), "--credentials", creds, ...(db ? ["--database", db.url] : [])];

    const first = await spawnServer(args);
    const a = [];
    for (let i = 0; i < 5; i++) a.push(await create(first.port, `a-${i}`));
    const b = await create(first.port, "b-0", ACCOUNT_B);
    const upd = await signedCall(first.port, ACCOUNT_A, "PUT", `/v1/recommenders/${a[1].Id}`, {
      body: config("a-1-renamed", { RecommendationsPerMessage: 2 }),
    });
    expect(upd.status, upd.text).toBe(200);
    const del = await signedCall(first.port, ACCOUNT_A, "DELETE", `/v1/recommenders/${a[2].Id}`);
    expect(del.status, del.text).toBe(200);
    const expectedA = [a[0], upd.json, a[3], a[4]];

    const killed = await first.kill("SIGKILL");
    expect(killed.signal).toBe("SIGKILL");

    const second = await spawnServer(args);
    expect(await listAll(second.port, ACCOUNT_A, 3)).toEqual(expectedA);
    expect(await listAll(second.port, ACCOUNT_B)).toEqual([b]);
    const gone = await signedCall(second.port, ACCOUNT_A, "GET", `/v1/recommenders/${a[2].Id}`);
    expect(gone.status).toBe(404);

    if (db) {
      // The URL's `options=-c search_path=…` really selected the schema (nothing went to public).
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      try {
        const inSchema = await c.query(`SELECT id FROM ${db.schema}.recommenders ORDER BY seq`);
        expect(inSchema.rows.map((r) => r.id)).toEqual([a[0].Id, a[1].Id, a[3].Id, a[4].Id, b.Id]);
        const pub = await c.query(`SELECT to_regclass('public.recommenders') AS t`);
        if (pub.rows[0].t) {
          const leaked = await c.query(`SELECT count(*)::int AS n FROM public.recommenders WHERE id = ANY($1)`, [
            [...a.map((d) => d.Id), b.Id],
          ]);
          expect(leaked.rows[0].n).toBe(0);
        }
      } finally {
        await c.end();
      }
    }

    const stopped = await second.stop();
    expect(stopped.code, second.stderr()).toBe(0);
  }, 30_000);
});

// ---------------------------------------------------------------------------------------------

/** A plain keep-alive connection that can send a request in pieces and read pipelined responses. */
class RawConnection {
  private readonly sock: net.Socket;
  private buf = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  readonly closed: Promise<void>;
  constructor(port: number) {
    this.sock = net.connect(port, "127.0.0.1");
    this.sock.on("data", (c) => {
      this.buf = Buffer.concat([this.buf, c]);
      this.waiters.splice(0).forEach((w) => w());
    });
    this.closed = new Promise((r) =>
      this.sock.on("close", () => {
        this.waiters.splice(0).forEach((w) => w());
        r();
      }),
    );
    this.sock.on("error", () => {});
  }
  connected() {
    return new Promise<void>((r, j) => {
      this.sock.once("connect", () => r());
      this.sock.once("error", j);
    });
  }
  write(b: Buffer | string) {
    this.sock.write(b);
  }
  destroy() {
    this.sock.destroy();
  }
  /** Parses complete Content-Length-delimited responses received so far. */
  private parse(): { status: number; headers: Record<string, string>; body: string }[] {
    const out = [];
    let rest = this.buf;
    for (;;) {
      const end = rest.indexOf("\r\n\r\n");
      if (end === -1) break;
      const head = rest.subarray(0, end).toString("latin1").split("\r\n");
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head[0])?.[1]);
      const headers: Record<string, string> = {};
      for (const h of head.slice(1)) {
        const i = h.indexOf(":");
        headers[h.slice(0, i).toLowerCase()] = h.slice(i + 1).trim();
      }
      const len = Number(headers["content-length"] ?? 0);
      if (rest.length < end + 4 + len) break;
      out.push({ status, headers, body: rest.subarray(end + 4, end + 4 + len).toString("utf8") });
      rest = rest.subarray(end + 4 + len);
    }
    return out;
  }
  async responses(n: number, timeoutMs = 10_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const got = this.parse();
      if (got.length >= n || this.sock.destroyed || Date.now() > deadline) return got;
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 100);
      });
    }
  }
}

/** Signed create as raw bytes: request head and body separately, to hold a request in flight. */
async function rawCreate(port: number, name: string): Promise<{ head: string; body: Buffer }> {
  const s = await signRequest({
    credential: ACCOUNT_A,
    host: `127.0.0.1:${port}`,
    method: "POST",
    path: "/v1/recommenders",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(config(name)),
  });
  const headers = { ...s.headers, "content-length": String(s.body!.length) };
  const head = `POST ${s.path} HTTP/1.1\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}`)
    .join("\r\n")}\r\n\r\n`;
  return { head, body: s.body! };
}

async function waitFor(what: string, cond: () => boolean, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Resolves with the exit, or with "hung" (after SIGKILLing it) if the process outlives `ms`. */
async function exitWithin(server: ServerProcess, ms: number): Promise<{ code: number | null; signal: string | null; ms: number } | "hung"> {
  const t0 = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<"hung">((r) => (timer = setTimeout(() => r("hung"), ms)));
  const r = await Promise.race([server.exited, hung]);
  clearTimeout(timer);
  if (r === "hung") {
    await server.kill("SIGKILL");
    return "hung";
  }
  return { ...r, ms: Date.now() - t0 };
}

const SHUTDOWN_LIMIT_MS = 5_000;
const HANG_HINT =
  "the process did not exit within 5 s of SIGTERM: a keep-alive connection whose request was in flight when shutdown began stays open " +
  "until Fastify's keepAliveTimeout (72 s), and app.close() waits for it";

describe.each(STORE_KINDS)("(b) graceful shutdown (%s)", (kind) => {
  async function start(extra: string[] = []) {
    const { dir, creds } = workspace();
    const db = kind === "postgres" ? await pgDatabase() : undefined;
    const args = [
      "--data-dir",
      join(dir, "data"),
      "--credentials",
      creds,
      "--recommender-quota",
      "100000",
      ...(db ? ["--database", db.url] : []),
      ...extra,
    ];
    return { args, server: await spawnServer(args) };
  }

  test("SIGTERM mid-burst: complete responses only, prompt exit 0, every 201 survives, no refused write persisted", async () => {
    const { args, server } = await start();
    const N = 400;
    const SIGTERM_AFTER = 40;
    const host = `127.0.0.1:${server.port}`;
    const sign = (name: string) =>
      signRequest({
        credential: ACCOUNT_A,
        host,
        method: "POST",
        path: "/v1/recommenders",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(config(name)),
      });
    const signed = await Promise.all(Array.from({ length: N }, (_, i) => sign(`burst-${i}`)));
    // Like an SDK: a warm pool of keep-alive connections.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
    cleanups.push(() => agent.destroy());
    const warm = await Promise.all(
      Array.from({ length: 32 }, async (_, i) => {
        const s = await sign(`warm-${i}`);
        return rawRequest({ port: server.port, method: "POST", path: s.path, headers: s.headers, body: s.body, agent });
      }),
    );
    const warmIds = new Set(warm.map((r) => (r.ok && r.res.status === 201 ? JSON.parse(r.res.text).Id : expect.fail("warm-up failed"))));

    let responses = 0;
    let termAt = -1;
    let exitP: ReturnType<typeof exitWithin> | undefined;
    const results = await Promise.all(
      signed.map(async (s, i) => {
        const r = await rawRequest({
          port: server.port,
          method: "POST",
          path: s.path,
          headers: s.headers,
          body: s.body,
          agent,
          timeoutMs: 15_000,
        });
        const n = ++responses;
        if (n === SIGTERM_AFTER) {
          termAt = n;
          server.child.kill("SIGTERM");
          exitP = exitWithin(server, SHUTDOWN_LIMIT_MS);
        }
        return { i, r, afterTerm: termAt !== -1 && n > termAt };
      }),
    );
    const exit = await exitP!;
    expect(exit, HANG_HINT).not.toBe("hung");
    if (exit === "hung") return;
    expect(exit.code, `exit ${JSON.stringify(exit)}\n${server.stderr()}`).toBe(0);

    const created = new Map<string, number>(); // Id → request index
    const refused = new Set<number>();
    const unknown = new Set<number>(); // no response at all: the request may or may not have been read
    const problems: string[] = [];
    let createdAfterTerm = 0;
    let refusedWithoutEnvelope = 0;
    for (const { i, r, afterTerm } of results) {
      if (!r.ok) {
        if (r.gotResponse) problems.push(`#${i}: response cut short: ${r.error.code} ${r.error.message}`);
        else if (["ECONNREFUSED", "ECONNRESET", "EPIPE"].includes(String(r.error.code))) unknown.add(i);
        else problems.push(`#${i}: ${r.error.code} ${r.error.message}`);
        continue;
      }
      const { status, text, headers } = r.res;
      if (status === 201) {
        let doc: { Id?: string; Name?: string } = {};
        try {
          doc = JSON.parse(text);
        } catch {
          problems.push(`#${i}: 201 with a body that is not JSON: ${text.slice(0, 200)}`);
          continue;
        }
        if (!doc.Id || doc.Name !== `burst-${i}` || headers["content-length"] !== String(Buffer.byteLength(text))) {
          problems.push(`#${i}: incomplete 201: ${text.slice(0, 200)}`);
          continue;
        }
        created.set(doc.Id, i);
        if (afterTerm) createdAfterTerm++;
      } else if (status === 503) {
        // A clean refusal while closing: a complete response that every SDK retries.
        refused.add(i);
        if (!headers["x-amzn-errortype"]) refusedWithoutEnvelope++;
      } else {
        problems.push(`#${i}: unexpected ${status}: ${text.slice(0, 200)}`);
      }
    }
    const summary = `created ${created.size} (after SIGTERM ${createdAfterTerm}), refused ${refused.size} (${refusedWithoutEnvelope} without the AWS envelope), no response ${unknown.size}, exit after ${exit.ms} ms`;
    console.log(`(b) ${kind}: ${summary}`);
    expect(created.size, summary).toBeGreaterThanOrEqual(SIGTERM_AFTER - 1);

    const again = await spawnServer(args);
    const items = (await listAll(again.port, ACCOUNT_A, 1000)) as { Id: string; Name: string }[];
    const stored = byId(items);
    for (const id of created.keys()) if (!stored.has(id)) problems.push(`201'd ${id} (#${created.get(id)}) is missing after restart`);
    for (const id of warmIds) if (!stored.has(id)) problems.push(`warm-up ${id} is missing after restart`);
    for (const item of items) {
      if (created.has(item.Id) || warmIds.has(item.Id)) continue;
      const i = Number(item.Name.slice("burst-".length));
      if (refused.has(i)) problems.push(`#${i} was refused with 503 but was stored as ${item.Id}`);
      else if (!unknown.has(i)) problems.push(`stored ${item.Id} (#${i}) matches no request that could have written it`);
    }
    expect(new Set(items.map((x) => x.Name)).size, "a request was stored twice").toBe(items.length);
    expect(problems, summary).toEqual([]);
    expect((await again.stop()).code).toBe(0);
  }, 45_000);

  test("a request in flight on a keep-alive connection completes, and the process still exits promptly", async () => {
    const { args, server } = await start();
    const conn = new RawConnection(server.port);
    cleanups.push(() => conn.destroy());
    await conn.connected();
    const req = await rawCreate(server.port, "in-flight");
    // Head and half the body: the request is in progress when shutdown begins.
    conn.write(req.head);
    conn.write(req.body.subarray(0, 10));
    await new Promise((r) => setTimeout(r, 100));
    server.child.kill("SIGTERM");
    const exitP = exitWithin(server, SHUTDOWN_LIMIT_MS);
    await waitFor("the shutdown log line", () => server.stdout().includes("shutting down"));
    conn.write(req.body.subarray(10));
    const [res] = await conn.responses(1);
    expect(res?.status, res?.body).toBe(201);
    const id = JSON.parse(res.body).Id;
    const exit = await exitP;
    expect(exit, HANG_HINT).not.toBe("hung");
    if (exit !== "hung") expect(exit.code).toBe(0);

    const again = await spawnServer(args);
    expect((await signedCall(again.port, ACCOUNT_A, "GET", `/v1/recommenders/${id}`)).status).toBe(200);
    expect((await again.stop()).code).toBe(0);
  }, 30_000);

  test("a request arriving on a kept-alive connection during shutdown is refused with the AWS envelope and not stored", async () => {
    const { args, server } = await start();
    const conn = new RawConnection(server.port);
    cleanups.push(() => conn.destroy());
    await conn.connected();
    const first = await rawCreate(server.port, "before-close");
    const second = await rawCreate(server.port, "during-close");
    conn.write(first.head);
    conn.write(first.body.subarray(0, 10));
    await new Promise((r) => setTimeout(r, 100));
    server.child.kill("SIGTERM");
    const exitP = exitWithin(server, SHUTDOWN_LIMIT_MS);
    await waitFor("the shutdown log line", () => server.stdout().includes("shutting down"));
    // The rest of the first request, then a second one pipelined behind it.
    conn.write(Buffer.concat([first.body.subarray(10), Buffer.from(second.head), second.body]));
    const [r1, r2] = await conn.responses(2);
    expect(r1?.status, r1?.body).toBe(201);
    expect(r2?.status, r2?.body).toBe(503);
    await exitP;

    // Refused means not stored.
    const again = await spawnServer(args);
    expect((await listAll(again.port, ACCOUNT_A)).map((i) => i.Name)).toEqual(["before-close"]);
    expect((await again.stop()).code).toBe(0);

    // SDKs retry a 503 either way, but only the header names the error (`x-amzn-ErrorType`).
    const what = `503 during shutdown lacks the AWS error envelope (x-amzn-ErrorType, {Message, RequestID}): ${JSON.stringify(r2.headers)} ${r2.body}`;
    expect(/^[A-Za-z]+$/.test(r2.headers["x-amzn-errortype"] ?? ""), what).toBe(true);
    const body = JSON.parse(r2.body);
    expect(Object.keys(body).sort(), what).toEqual(["Message", "RequestID"]);
    expect(r2.headers["x-amzn-requestid"], what).toBe(body.RequestID);
  }, 30_000);
});

describe("(b) graceful shutdown: signals", () => {
  // A supervisor may stop the server the moment it says it is ready ("pinrec listening on …" on
  // stderr): the signal handlers must already be installed, or the default action kills it.
  test("SIGTERM sent as soon as the server says it is listening still shuts down gracefully (exit 0)", async () => {
    const { dir, creds } = workspace();
    const exits: string[] = [];
    for (let i = 0; i < 6; i++) {
      const child = spawnPinrec(["serve", "--host", "127.0.0.1", "--port", "0", "--data-dir", join(dir, "data"), "--credentials", creds]);
      let err = "";
      let out = "";
      child.stdout!.on("data", (c) => (out += c));
      child.stderr!.on("data", (c) => {
        err += c;
        if (/pinrec listening on http/.test(err) && child.signalCode === null && !child.killed) child.kill("SIGTERM");
      });
      const exit = await new Promise<{ code: number | null; signal: string | null }>((resolve) => {
        const t = setTimeout(() => child.kill("SIGKILL"), 10_000);
        child.on("exit", (code, signal) => {
          clearTimeout(t);
          resolve({ code, signal });
        });
      });
      exits.push(
        exit.code === 0
          ? "exit 0"
          : `code ${exit.code}, signal ${exit.signal}${out.includes("shutting down") ? "" : " (no graceful shutdown logged)"}`,
      );
    }
    expect(exits, "every start must end in a graceful exit 0").toEqual(Array(6).fill("exit 0"));
  }, 30_000);
});

// ---------------------------------------------------------------------------------------------

describe("(c) credentials", () => {
  test("first start generates <data-dir>/credentials.json and explains it; the next start reuses it", async () => {
    const { dir } = workspace();
    const dataDir = join(dir, "data");
    const file = join(dataDir, "credentials.json");

    const first = await spawnServer(["--data-dir", dataDir]);
    // The hint goes to stderr right after the listening line on stdout; the pipes may deliver them apart.
    await waitFor("the credentials hint on stderr", () => first.stderr().includes("--endpoint-url"));
    const err = first.stderr();
    const generated = JSON.parse(readFileSync(file, "utf8"));
    expect(generated).toHaveLength(1);
    const [cred] = generated as Credential[];
    expect(cred.accessKeyId).toMatch(/^[A-Z0-9]{16,}$/);
    expect(cred.secretAccessKey.length).toBeGreaterThanOrEqual(32);
    expect(cred.accountId).toMatch(/^\d{12}$/);
    expect(statSync(file).mode & 0o777, "the secret must not be world-readable").toBe(0o600);
    expect(err).toContain(`pinrec generated an access key for account ${cred.accountId} in ${file}`);
    // The key id and where the secret is; never the secret, which would land in captured logs.
    expect(err).toContain(`Access key id: ${cred.accessKeyId}.`);
    expect(err).not.toContain(cred.secretAccessKey);
    expect(first.stdout()).not.toContain(cred.secretAccessKey);
    expect(err).toContain(`eval "$(npx pinrec credentials show --data-dir ${dataDir})"`);
    expect(err).toContain(`--endpoint-url ${first.url}`);
    // `pinrec credentials show` prints the exports a shell can eval.
    const shown = await runCli(["credentials", "show", "--data-dir", dataDir], { env: { AWS_REGION: "eu-west-1" } });
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toBe(
      `export AWS_ACCESS_KEY_ID=${cred.accessKeyId}\nexport AWS_SECRET_ACCESS_KEY=${cred.secretAccessKey}\nexport AWS_DEFAULT_REGION=eu-west-1\n`,
    );
    // Everything in the data dir is private to the user running pinrec.
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    for (const f of ["pinrec.db", "pinrec.db-wal", "pinrec.db-shm"]) expect(statSync(join(dataDir, f)).mode & 0o777, f).toBe(0o600);
    // The printed key works.
    const made = await create(first.port, "with-generated-key", cred);
    const bytes = readFileSync(file);
    expect((await first.stop()).code).toBe(0);

    const second = await spawnServer(["--data-dir", dataDir]);
    await new Promise((r) => setTimeout(r, 300));
    expect(second.stderr()).not.toContain("generated");
    expect(readFileSync(file).equals(bytes), "the credentials file was rewritten").toBe(true);
    const got = await signedCall(second.port, cred, "GET", `/v1/recommenders/${made.Id}`);
    expect(got.status, got.text).toBe(200);
    expect(got.json).toEqual(made);
    // A key pair is per installation: another data dir gets a different one.
    const other = await spawnServer(["--data-dir", join(dir, "other")]);
    const otherCred = JSON.parse(readFileSync(join(dir, "other", "credentials.json"), "utf8"))[0];
    expect(otherCred.accessKeyId).not.toBe(cred.accessKeyId);
    expect(otherCred.secretAccessKey).not.toBe(cred.secretAccessKey);
    const foreign = await signedCall(other.port, cred, "GET", "/v1/recommenders");
    expect(foreign.status).toBe(403);
    expect((await second.stop()).code).toBe(0);
    expect((await other.stop()).code).toBe(0);
  }, 30_000);

  const BAD: [string, string | undefined, RegExp][] = [
    ["a missing file", undefined, /cannot read credentials file .*nope\.json/],
    ["invalid JSON", "{not json", /not valid JSON/],
    ["an empty array", "[]", /non-empty JSON array/],
    [
      "a bad account id",
      JSON.stringify([{ accessKeyId: "AKIAGOODKEY0001", secretAccessKey: "0123456789abcdef0123", accountId: "12" }]),
      /accountId: 12 digits/,
    ],
    [
      "a short secret",
      JSON.stringify([{ accessKeyId: "AKIAGOODKEY0001", secretAccessKey: "short", accountId: "111122223333" }]),
      /secretAccessKey/,
    ],
  ];
  test.each(BAD)("--credentials with %s exits non-zero with a clear message", async (_what, content, message) => {
    const { dir } = workspace();
    const file = join(dir, content === undefined ? "nope.json" : "bad.json");
    if (content !== undefined) writeFileSync(file, content);
    const r = await runCli(["serve", "--host", "127.0.0.1", "--port", "0", "--data-dir", join(dir, "data"), "--credentials", file]);
    expect(r.code, r.stderr).not.toBe(0);
    expect(r.stderr).toMatch(/^pinrec: /);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain(file);
    expect(r.stderr, "no stack trace for a user error").not.toMatch(/\n\s+at /);
    expect(r.stdout).not.toContain("pinrec listening");
  });

  test("a corrupted generated credentials file is a clear error, not a new key", async () => {
    const { dir } = workspace();
    const dataDir = join(dir, "data");
    const first = await spawnServer(["--data-dir", dataDir]);
    expect((await first.stop()).code).toBe(0);
    writeFileSync(join(dataDir, "credentials.json"), "[{");
    const r = await runCli(["serve", "--host", "127.0.0.1", "--port", "0", "--data-dir", dataDir]);
    expect(r.code, r.stderr).not.toBe(0);
    expect(r.stderr).toMatch(/^pinrec: .*credentials\.json.*not valid JSON/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(readFileSync(join(dataDir, "credentials.json"), "utf8")).toBe("[{");
  });
});

describe.skipIf(!STORE_KINDS.includes("postgres"))("(c) database start-up errors", () => {
  // Expected operator mistakes get one "pinrec: cannot open the database: …" line and exit 2,
  // like a refused connection does; today a missing schema dumps the pg error object and stack.
  test.each([
    ["an unreachable server", () => "postgres://127.0.0.1:1/test"],
    ["a schema that does not exist", () => pgUrlWithSchema(PG_URL, "pinrec_no_such_schema")],
  ])("--database with %s exits 2 with one clear line", async (_what, url) => {
    const { dir, creds } = workspace();
    const r = await runCli([
      "serve",
      "--host",
      "127.0.0.1",
      "--port",
      "0",
      "--data-dir",
      join(dir, "data"),
      "--credentials",
      creds,
      "--database",
      url(),
    ]);
    expect(r.stdout).not.toContain("pinrec listening");
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^pinrec: cannot open the database: /);
    expect(r.stderr, "no stack trace for a configuration error").not.toMatch(/\n\s+at /);
  });
});

// ---------------------------------------------------------------------------------------------

describe.skipIf(!STORE_KINDS.includes("postgres"))("(d) two processes on one PostgreSQL schema", () => {
  async function pair(quota: number) {
    const { dir, creds } = workspace();
    const db = await pgDatabase();
    const common = ["--credentials", creds, "--database", db.url, "--recommender-quota", String(quota)];
    const [p1, p2] = await Promise.all([
      spawnServer([...common, "--data-dir", join(dir, "d1")]),
      spawnServer([...common, "--data-dir", join(dir, "d2")]),
    ]);
    return { p1, p2 };
  }

  test("writes through one are visible through the other; concurrent creates/updates/deletes lose nothing", async () => {
    const { p1, p2 } = await pair(1000);

    // Read-your-writes across processes.
    const x = await create(p1.port, "cross");
    const seen = await signedCall(p2.port, ACCOUNT_A, "GET", `/v1/recommenders/${x.Id}`);
    expect(seen.status).toBe(200);
    expect(seen.json).toEqual(x);
    const up = await signedCall(p2.port, ACCOUNT_A, "PUT", `/v1/recommenders/${x.Id}`, { body: config("cross-2") });
    expect(up.status).toBe(200);
    expect((await signedCall(p1.port, ACCOUNT_A, "GET", `/v1/recommenders/${x.Id}`)).json).toEqual(up.json);
    expect((await signedCall(p1.port, ACCOUNT_A, "DELETE", `/v1/recommenders/${x.Id}`)).status).toBe(200);
    expect((await signedCall(p2.port, ACCOUNT_A, "GET", `/v1/recommenders/${x.Id}`)).status).toBe(404);

    // 20 existing configurations: 10 get updated and 10 deleted while 2×50 creates run.
    const existing = await Promise.all(Array.from({ length: 20 }, (_, i) => create(i % 2 ? p1.port : p2.port, `pre-${i}`)));
    const expected = new Map<string, unknown>();
    const ops: Promise<void>[] = [];
    for (let i = 0; i < 100; i++) {
      const port = i < 50 ? p1.port : p2.port;
      ops.push(
        signedCall(port, ACCOUNT_A, "POST", "/v1/recommenders", { body: config(`new-${i}`) }).then((r) => {
          expect(r.status, r.text).toBe(201);
          expected.set(r.json.Id, r.json);
        }),
      );
    }
    existing.forEach((doc, i) => {
      const port = i % 2 ? p2.port : p1.port; // the other process than the one that created it
      if (i < 10) {
        ops.push(
          signedCall(port, ACCOUNT_A, "PUT", `/v1/recommenders/${doc.Id}`, {
            body: config(`pre-${i}-updated`, { RecommendationsPerMessage: 1 }),
          }).then((r) => {
            expect(r.status, r.text).toBe(200);
            expected.set(doc.Id, r.json);
          }),
        );
      } else {
        ops.push(
          signedCall(port, ACCOUNT_A, "DELETE", `/v1/recommenders/${doc.Id}`).then((r) => {
            expect(r.status, r.text).toBe(200);
            expect(r.json).toEqual(doc);
          }),
        );
      }
    });
    await Promise.all(ops);
    expect(expected.size).toBe(110);

    // Both processes list exactly the expected set (paging with tokens from either process).
    for (const p of [p1, p2]) {
      const items = await listAll(p.port, ACCOUNT_A, 7);
      expect(items.length).toBe(110);
      const got = byId(items);
      expect([...got.keys()].sort()).toEqual([...expected.keys()].sort());
      for (const [id, doc] of expected) expect(got.get(id), id).toEqual(doc);
    }
    // A token issued by one process continues the list on the other.
    const page1 = await signedCall(p1.port, ACCOUNT_A, "GET", "/v1/recommenders", { query: [["page-size", "60"]] });
    const page2 = await signedCall(p2.port, ACCOUNT_A, "GET", "/v1/recommenders", {
      query: [
        ["page-size", "60"],
        ["token", page1.json.NextToken],
      ],
    });
    expect(page2.status, page2.text).toBe(200);
    expect([...page1.json.Item, ...page2.json.Item].map((i: { Id: string }) => i.Id).sort()).toEqual([...expected.keys()].sort());
    expect(page2.json.NextToken ?? undefined).toBeUndefined();

    expect((await p1.stop()).code).toBe(0);
    expect((await p2.stop()).code).toBe(0);
  }, 45_000);

  test("--recommender-quota 10 holds exactly across both processes under 40 concurrent creates", async () => {
    const { p1, p2 } = await pair(10);
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        signedCall(i % 2 ? p1.port : p2.port, ACCOUNT_A, "POST", "/v1/recommenders", { body: config(`q-${i}`) }),
      ),
    );
    const ok = results.filter((r) => r.status === 201);
    const rejected = results.filter((r) => r.status !== 201);
    expect(ok.length).toBe(10);
    for (const r of rejected) {
      expect(r.status, r.text).toBe(400);
      expect(r.headers["x-amzn-errortype"]).toBe("BadRequestException");
      expect(r.json.Message).toMatch(/quota/);
    }
    const items = await listAll(p2.port, ACCOUNT_A);
    expect(items.map((i) => i.Id).sort()).toEqual(ok.map((r) => r.json.Id).sort());
    // The other account's quota is its own.
    expect((await signedCall(p1.port, ACCOUNT_B, "POST", "/v1/recommenders", { body: config("b") })).status).toBe(201);
    expect((await p1.stop()).code).toBe(0);
    expect((await p2.stop()).code).toBe(0);
  }, 30_000);
});

// ---------------------------------------------------------------------------------------------

describe("(e) --workers", () => {
  test("two worker processes share the port, both answer, and SIGTERM stops them all with exit 0", async () => {
    const { dir, creds } = workspace();
    const server = await spawnServer(["--workers", "2", "--data-dir", join(dir, "data"), "--credentials", creds]);
    // The primary announces once the first worker is up; wait for both workers' own start lines too.
    const workersUp = () => new Set([...server.stdout().matchAll(/"pid":(\d+)[^\n]*"msg":"pinrec listening"/g)].map((m) => m[1])).size;
    for (let i = 0; i < 200 && (!/\(2 workers\)/.test(server.stderr()) || workersUp() < 2); i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(workersUp()).toBe(2);
    expect(server.stderr()).toMatch(/pinrec listening on http:\/\/\S+ \(2 workers\)/);
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const r = await signedCall(server.port, ACCOUNT_A, "POST", "/v1/recommenders", {
        body: { RecommendationProviderUri: CAMPAIGN, RecommendationProviderRoleArn: ROLE, RecommendationsDisplayName: `w${i}` },
      });
      expect(r.status).toBe(201);
      ids.push(r.json.Id);
    }
    // Every request is one structured log line carrying the id the client saw.
    const last = await signedCall(server.port, ACCOUNT_A, "GET", `/v1/recommenders/${ids[0]}`);
    for (let i = 0; i < 50 && !server.stdout().includes(String(last.headers["x-amzn-requestid"])); i++)
      await new Promise((r) => setTimeout(r, 20));
    const line = JSON.parse(
      server
        .stdout()
        .split("\n")
        .find((l) => l.includes(String(last.headers["x-amzn-requestid"])))!,
    );
    expect(line).toMatchObject({
      msg: "request",
      method: "GET",
      operation: "GetRecommenderConfiguration",
      status: 200,
      account: ACCOUNT_A.accountId,
      requestId: last.headers["x-amzn-requestid"],
    });
    const logged = server
      .stdout()
      .split("\n")
      .filter((l) => l.includes('"msg":"request"'));
    expect(logged.length).toBeGreaterThanOrEqual(13);
    // Every write is visible through whichever worker answers the list.
    expect((await listAll(server.port, ACCOUNT_A)).map((c) => c.Id).sort()).toEqual([...ids].sort());
    const pids = new Set([...server.stdout().matchAll(/"pid":(\d+)[^\n]*"msg":"request"/g)].map((m) => m[1]));
    expect(pids.size).toBe(2);
    expect(pids.has(String(server.pid))).toBe(false); // the primary only supervises
    expect((await server.stop()).code).toBe(0);
  }, 30_000);

  test("a worker that cannot start stops the whole server with a non-zero exit", async () => {
    const { dir, creds } = workspace();
    const first = await spawnServer(["--data-dir", join(dir, "a"), "--credentials", creds]);
    const child = spawnPinrec([
      "serve",
      "--host",
      "127.0.0.1",
      "--port",
      String(first.port),
      "--workers",
      "2",
      "--data-dir",
      join(dir, "b"),
      "--credentials",
      creds,
    ]);
    let err = "";
    child.stderr!.on("data", (c) => (err += c));
    const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
    expect(code).not.toBe(0);
    expect(err).toMatch(/port is already in use/);
    expect(err).toMatch(/failed to start/);
    expect((await first.stop()).code).toBe(0);
  }, 30_000);
});

// ---------------------------------------------------------------------------------------------

describe("(f) --allow-any-region", () => {
  test("by default an invented region is a 403 naming it; with the flag it is accepted", async () => {
    const { dir, creds } = workspace();
    const ask = async (port: number, region: string) => {
      const s = await signRequest({ credential: ACCOUNT_A, host: `127.0.0.1:${port}`, method: "GET", path: "/v1/recommenders", region });
      const r = await rawRequest({ port, method: "GET", path: s.path, headers: s.headers });
      if (!r.ok) throw r.error;
      return r.res;
    };
    const strict = await spawnServer(["--data-dir", join(dir, "strict"), "--credentials", creds]);
    const refused = await ask(strict.port, "xx-fake-1");
    expect(refused.status).toBe(403);
    expect(refused.headers["x-amzn-errortype"]).toBe("InvalidSignatureException");
    expect(JSON.parse(refused.text).Message).toBe("Credential should be scoped to a valid region, not 'xx-fake-1'");
    expect((await ask(strict.port, "eu-central-1")).status).toBe(200);
    expect((await strict.stop()).code).toBe(0);

    const open = await spawnServer(["--allow-any-region", "--data-dir", join(dir, "open"), "--credentials", creds]);
    expect((await ask(open.port, "xx-fake-1")).status).toBe(200);
    expect((await open.stop()).code).toBe(0);
  }, 45_000);
});
