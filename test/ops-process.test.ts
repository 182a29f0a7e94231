/**
 * The "Done when" of running pinrec as people run LocalStack, tried the way a new user would, with
 * real `pinrec` processes (bin/pinrec.js → dist/, built by `npm test`'s pretest):
 * health 200 after start and 503 during a SIGTERM drain; `curl /metrics` counters moving;
 * PINREC_PORT choosing the port; `aws pinpoint create-export-job` printing a 501 naming the operation;
 * `pinrec campaigns create --account 999999999999` failing clearly with exit code 1 — and the rest
 * of configuration (config file, precedence, --print-config, --version) and CLI tenant resolution.
 */
import net from "node:net";
import { existsSync, mkdirSync, readdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { synth } from "../src/engine/index.js";
import { VERSION } from "../src/version.js";
import { AWS, awsEnv, run } from "./aws-cli.js";
import { ACCOUNT_A, ACCOUNT_B, PG_URL, STORE_KINDS, TEST_CREDENTIALS, freshPgSchema, tempDir } from "./helpers.js";
import { signRequest } from "./raw-http.js";
import { listeningUrl, pgUrlWithSchema, runCli, spawnPinrec, spawnServer, writeCredentials, processSuite } from "./server-process.js";

const cleanups = processSuite();

function workspace(): { dir: string; creds: string } {
  const d = tempDir("pinrec-ops-");
  cleanups.push(() => d.remove());
  return { dir: d.path, creds: writeCredentials(join(d.path, "credentials.json"), TEST_CREDENTIALS) };
}

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

/** Resolves with what the child has written once `predicate` holds (bounded by `ms`). */
function waitFor(read: () => string, predicate: (text: string) => boolean, ms = 15_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      const text = read();
      if (predicate(text)) return resolve(text);
      if (Date.now() - started > ms) return reject(new Error(`timed out waiting; output so far:\n${text}`));
      setTimeout(tick, 25);
    };
    tick();
  });
}

/** One raw HTTP/1.1 exchange on a socket the test controls: the request is written in two parts. */
function splitRequest(port: number, first: string) {
  const socket = net.connect(port, "127.0.0.1");
  let received = "";
  socket.on("data", (c) => (received += c.toString("latin1")));
  const closed = new Promise<void>((r) => socket.on("close", () => r()));
  socket.on("error", () => {});
  return {
    ready: new Promise<void>((r) => socket.once("connect", () => socket.write(first, () => r()))),
    finish: async (rest: string) => {
      socket.write(rest);
      await closed;
      return received;
    },
  };
}

describe("health, metrics and PINREC_PORT on a real process", { timeout: 60_000 }, () => {
  test("PINREC_PORT chooses the port; health answers 200 when up and 503 'draining' during a SIGTERM drain", async () => {
    const { dir, creds } = workspace();
    const port = await freePort();
    const child = spawnPinrec(["serve", "--data-dir", join(dir, "data"), "--credentials", creds], {
      PINREC_PORT: String(port),
      PINREC_HOST: "127.0.0.1",
    });
    let out = "";
    let err = "";
    child.stdout!.on("data", (c) => (out += c));
    child.stderr!.on("data", (c) => (err += c));
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    await waitFor(
      () => out,
      (t) => listeningUrl(t, "json") !== undefined,
    );
    expect(listeningUrl(out, "json")).toBe(`http://127.0.0.1:${port}`);

    const up = await fetch(`http://127.0.0.1:${port}/_pinrec/health`);
    expect(up.status).toBe(200);
    expect(await up.json()).toMatchObject({ status: "ready", version: VERSION, store: { kind: "sqlite", reachable: true }, campaigns: [] });

    // A health check already on the wire when the drain starts (its headers not yet complete, so the
    // connection is busy and the server waits for it) is answered during the drain.
    const probe = splitRequest(port, "GET /_pinrec/health HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    await probe.ready;
    child.kill("SIGTERM");
    await waitFor(
      () => out,
      (t) => t.includes("shutting down"),
    );
    const response = await probe.finish("\r\n");
    expect(response).toMatch(/^HTTP\/1\.1 503 /);
    expect(response.toLowerCase()).toContain("connection: close");
    expect(JSON.parse(response.slice(response.indexOf("\r\n\r\n") + 4))).toMatchObject({ status: "draining" });
    expect(await exited).toBe(0);
    expect(err).not.toMatch(/\n\s+at /);
  });

  test("curl /metrics: the request counters move", async () => {
    const { dir, creds } = workspace();
    const server = await spawnServer(["--data-dir", join(dir, "data"), "--credentials", creds]);
    const count = async () => {
      const text = await (await fetch(`${server.url}/metrics`)).text();
      const line = text
        .split("\n")
        .find((l) => l.startsWith('pinrec_requests_total{service="pinpoint",operation="GetRecommenderConfigurations",status="200"}'));
      return line ? Number(line.split(" ").pop()) : 0;
    };
    const before = await count();
    const url = new URL(server.url);
    for (let i = 0; i < 2; i++) {
      const signed = await signRequest({ credential: ACCOUNT_A, host: url.host, method: "GET", path: "/v1/recommenders" });
      expect((await fetch(server.url + signed.path, { headers: signed.headers })).status).toBe(200);
    }
    expect((await count()) - before).toBe(2);
    expect((await server.stop()).code).toBe(0);
  });

  test("--metrics off via PINREC_METRICS; a bad PINREC_PORT names the variable and exits 1", async () => {
    const { dir, creds } = workspace();
    const server = await spawnServer(["--data-dir", join(dir, "data"), "--credentials", creds], { env: { PINREC_METRICS: "off" } });
    expect((await fetch(`${server.url}/metrics`)).status).toBe(404);
    expect((await server.stop()).code).toBe(0);

    const bad = await runCli(["serve", "--data-dir", join(dir, "data")], { env: { PINREC_PORT: "eighty" } });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("PINREC_PORT");
    expect(bad.stderr).toContain("must be a port number");
  });
});

describe("configuration", { timeout: 60_000 }, () => {
  test("flag > env > config file > default, shown by --print-config; config paths are relative to the file", async () => {
    const { dir } = workspace();
    mkdirSync(join(dir, "etc"));
    const config = join(dir, "etc", "pinrec.json");
    writeFileSync(
      config,
      JSON.stringify({ port: 4700, host: "127.0.0.2", dataDir: "data", rateLimit: 50, logLevel: "debug", metrics: "signed" }),
    );
    const r = await runCli(["serve", "--config", config, "--print-config", "--log-level", "warn"], {
      env: { PINREC_PORT: "4590", PINREC_APP_QUOTA: "7" },
      cwd: dir,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      host: "127.0.0.2", // file
      port: 4590, // env beats file
      dataDir: join(dir, "etc", "data"), // file, relative to the file
      credentials: null,
      database: null,
      logLevel: "warn", // flag beats file
      rateLimit: 50,
      recommenderQuota: 100, // default
      appQuota: 7, // env
      workers: 1,
      metrics: "signed",
      // Every other setting at its default (or unset, null).
      allowAnyRegion: false,
      apnsCaFile: null,
      apnsEndpoint: null,
      eventCampaignQuota: 25,
      fcmEndpoint: null,
      fcmTokenEndpoint: null,
      outboxQuota: 100_000,
      pushDelivery: false,
      allowLambdaAccount: null,
      allowPersonalizeAccount: null,
      allowS3Bucket: null,
      allowedSenders: null,
      assumeProviderRole: false,
      campaignRunLeaseMs: 30_000,
      campaignRuns: true,
      console: true,
      deliveryAttempts: 10,
      deliveryLeaseMs: 30_000,
      eventRetentionDays: 90,
      firehoseEndpoint: null,
      functionMemoryMb: 256,
      functionWorkers: null,
      functionsDir: null,
      importDir: null,
      kinesisEndpoint: null,
      lambdaEndpoint: null,
      maxFoldedUsers: 100_000,
      personalizeEndpoint: null,
      personalizeTrackingId: null,
      s3Endpoint: null,
      smtpUrl: null,
      stsEndpoint: null,
      tracking: true,
      trackingRateLimit: 20,
      trackingUrl: null,
      transformer: null,
      webhookSecret: null,
      webhookUrl: null,
    });
    expect(r.stderr).toMatch(/port\s+from env PINREC_PORT/);
    expect(r.stderr).toMatch(/logLevel\s+from --log-level/);
    expect(r.stderr).toMatch(new RegExp(`host\\s+from config ${config.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
    expect(r.stderr).toMatch(/recommenderQuota\s+from default/);
    expect(existsSync(join(dir, "etc", "data")), "--print-config creates nothing").toBe(false);
  });

  test("PINREC_CONFIG is read; an unknown key or a bad value in it is a clear error", async () => {
    const { dir } = workspace();
    const config = join(dir, "pinrec.json");
    writeFileSync(config, JSON.stringify({ prot: 4700 }));
    const typo = await runCli(["serve", "--print-config"], { env: { PINREC_CONFIG: config } });
    expect(typo.code).toBe(1);
    expect(typo.stderr).toMatch(/^pinrec: config file .*pinrec\.json: unknown setting "prot"/);
    writeFileSync(config, JSON.stringify({ port: 70000 }));
    const bad = await runCli(["serve", "--print-config"], { env: { PINREC_CONFIG: config } });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/"port" must be a port number/);
  });

  test("every secret is masked in --print-config: the database password, SMTP credentials, the webhook secret", async () => {
    const r = await runCli([
      "serve",
      "--print-config",
      "--database",
      "postgres://pinrec:s3cret@db.internal:5432/pinrec",
      "--smtp-url",
      "smtp://mailer:smtp-s3cret@mail.internal:587",
      "--webhook-url",
      "https://hooks.internal/pinrec",
      "--webhook-secret",
      "whsec_c2VjcmV0LXNpZ25pbmcta2V5",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const shown = JSON.parse(r.stdout);
    expect(shown.database).toBe("postgres://pinrec:***@db.internal:5432/pinrec");
    expect(shown.smtpUrl).toBe("smtp://mailer:***@mail.internal:587");
    expect(shown.webhookSecret).toBe("***");
    expect(shown.webhookUrl).toBe("https://hooks.internal/pinrec");
    for (const secret of ["s3cret@", "smtp-s3cret", "c2VjcmV0LXNpZ25pbmcta2V5"]) expect(r.stdout + r.stderr).not.toContain(secret);
  });

  test("pinrec --version; serve --help shows each default once, with its environment variable", async () => {
    const v = await runCli(["--version"]);
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toBe(VERSION);
    const help = await runCli(["serve", "--help"]);
    expect(help.code).toBe(0);
    const text = help.stdout.replace(/\s+/g, " ");
    expect(text).not.toMatch(/\(default [^:]/);
    expect(text).toContain("(default: 1, env: PINREC_WORKERS)");
    expect(text).toContain("(default: unlimited, env: PINREC_RATE_LIMIT)");
    for (const env of [
      "PINREC_HOST",
      "PINREC_PORT",
      "PINREC_DATA_DIR",
      "PINREC_DATABASE_URL",
      "PINREC_LOG_LEVEL",
      "PINREC_METRICS",
      "PINREC_CONFIG",
    ])
      expect(text).toContain(env);
  });
});

describe("the AWS CLI and an unimplemented operation", { timeout: 90_000 }, () => {
  // Fails, as test/aws-cli.test.ts does, when Debian's AWS CLI is missing: .ci/run installs it.
  test("aws pinpoint create-export-job prints a 501 naming the operation; aws personalize list-recommenders too", async () => {
    const { dir, creds } = workspace();
    const server = await spawnServer(["--data-dir", join(dir, "data"), "--credentials", creds]);
    const env = awsEnv(dir, ACCOUNT_A);
    const exportJob = await run(
      AWS,
      [
        "pinpoint",
        "create-export-job",
        "--endpoint-url",
        server.url,
        "--application-id",
        "a".repeat(32),
        "--export-job-request",
        "RoleArn=arn:aws:iam::111122223333:role/export,S3UrlPrefix=s3://bucket/prefix",
      ],
      env,
      dir,
    );
    expect(exportJob.code).not.toBe(0);
    expect(exportJob.stderr).toContain("An error occurred (NotImplementedException) when calling the CreateExportJob operation");
    expect(exportJob.stderr).toContain("pinrec does not implement CreateExportJob of Amazon Pinpoint");
    // The Personalize control plane (a JSON-protocol API) is served, but not its domain recommenders.
    const recommenders = await run(AWS, ["personalize", "list-recommenders", "--endpoint-url", server.url], env, dir);
    expect(recommenders.code).not.toBe(0);
    expect(recommenders.stderr).toContain("(NotImplementedException) when calling the ListRecommenders operation");
    expect((await server.stop()).code).toBe(0);
  });
});

// Each test runs several CLI processes, which take seconds each on a loaded machine.
describe("a CLI that finds its server's tenant", { timeout: 120_000 }, () => {
  let data: ReturnType<typeof tempDir>;
  let interactions: string;
  beforeAll(async () => {
    data = tempDir("pinrec-ops-csv-");
    interactions = (await synth({ users: 40, items: 20, interactions: 300, seed: 5, outDir: data.path })).interactionsPath;
  });
  afterAll(() => data.remove());

  /** A data dir a server has started in once (so it holds generated credentials and a database). */
  async function startedDataDir(dir: string): Promise<string> {
    const dataDir = join(dir, "data");
    const server = await spawnServer(["--data-dir", dataDir]);
    expect((await server.stop()).code).toBe(0);
    return dataDir;
  }

  test("campaigns create --account 999999999999 fails with a clear message and exit code 1", async () => {
    const { dir } = workspace();
    const dataDir = await startedDataDir(dir);
    const r = await runCli([
      "campaigns",
      "create",
      "--data-dir",
      dataDir,
      "--account",
      "999999999999",
      "--name",
      "m",
      "--interactions",
      interactions,
    ]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^pinrec: account 999999999999 has no key in .*credentials\.json \(accounts there: \d{12}\)/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const list = await runCli(["campaigns", "list", "--data-dir", dataDir]);
    expect(JSON.parse(list.stdout).campaigns).toEqual([]);
  });

  test("read-only commands never create ./.pinrec; the data dir comes from PINREC_DATA_DIR or --config like serve's", async () => {
    const { dir } = workspace();
    const empty = join(dir, "elsewhere");
    mkdirSync(empty);
    const list = await runCli(["campaigns", "list"], { cwd: empty });
    expect(list.code).toBe(1);
    expect(list.stderr).toMatch(/no pinrec database at .*\.pinrec\/pinrec\.db: pass the server's --data-dir/);
    expect(readdirSync(empty)).toEqual([]);

    const dataDir = await startedDataDir(dir);
    const created = await runCli(["campaigns", "create", "--name", "movies", "--interactions", interactions], {
      env: { PINREC_DATA_DIR: dataDir },
      cwd: empty,
    });
    expect(created.code, created.stderr).toBe(0);
    const config = join(dir, "pinrec.json");
    writeFileSync(config, JSON.stringify({ dataDir: "data" }));
    const listed = await runCli(["campaigns", "list", "--config", config], { cwd: empty });
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout).campaigns.map((c: { name: string }) => c.name)).toEqual(["movies"]);
    expect(readdirSync(empty)).toEqual([]);
  });

  test("a missing input file names the flag to pass", async () => {
    const { dir } = workspace();
    const dataDir = await startedDataDir(dir);
    const missing = await runCli(["campaigns", "create", "--data-dir", dataDir, "--name", "m", "--interactions", join(dir, "nope.csv")]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^pinrec: --interactions: no such file .*nope\.csv/);

    const csv = join(dir, "interactions.csv");
    writeFileSync(csv, "USER_ID,ITEM_ID,TIMESTAMP\nu1,i1,1\nu2,i2,2\nu1,i2,3\n");
    expect((await runCli(["campaigns", "create", "--data-dir", dataDir, "--name", "m", "--interactions", csv])).code).toBe(0);
    renameSync(csv, join(dir, "moved.csv"));
    const retrain = await runCli(["campaigns", "retrain", "--data-dir", dataDir, "--name", "m"]);
    expect(retrain.code).toBe(1);
    expect(retrain.stderr).toContain(`the campaign's interactions file ${csv} does not exist`);
    expect(retrain.stderr).toContain("pass --interactions FILE");
    expect(retrain.stderr).not.toContain("ENOENT");
  });

  test("a typo is reported as an unknown option, not as a missing required one", async () => {
    const { dir } = workspace();
    const dataDir = join(dir, "data");
    const typo = await runCli(["campaigns", "create", "--data-dir", dataDir, "--nam", "m", "--interactions", interactions]);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain("unknown option '--nam'");
    expect(typo.stderr).not.toContain("required option");
    // A required option that is really missing is still reported.
    const none = await runCli(["campaigns", "describe", "--data-dir", dataDir]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("required option '--name <name>' not specified");
  });

  test.skipIf(!STORE_KINDS.includes("postgres"))(
    "with --database and no --data-dir: refuses to guess from ./.pinrec, uses the --credentials given",
    async () => {
      const { dir, creds } = workspace();
      const schema = await freshPgSchema();
      cleanups.push(() => schema.drop());
      const database = pgUrlWithSchema(PG_URL, schema.schema);
      // An unrelated installation's data dir where the command runs.
      await startedDataDir(dir);
      renameSync(join(dir, "data"), join(dir, ".pinrec"));
      const guess = await runCli(["campaigns", "create", "--database", database, "--name", "m", "--interactions", interactions], {
        cwd: dir,
      });
      expect(guess.code).toBe(1);
      expect(guess.stderr).toMatch(/with --database and no --data-dir, pass --credentials FILE/);

      const several = await runCli(
        ["campaigns", "create", "--database", database, "--credentials", creds, "--name", "m", "--interactions", interactions],
        { cwd: dir },
      );
      expect(several.code).toBe(1);
      expect(several.stderr).toContain(`holds several accounts (${ACCOUNT_A.accountId}, ${ACCOUNT_B.accountId}): pass --account`);

      const ok = await runCli(
        [
          "campaigns",
          "create",
          "--database",
          database,
          "--credentials",
          creds,
          "--account",
          ACCOUNT_B.accountId,
          "--name",
          "m",
          "--interactions",
          interactions,
        ],
        { cwd: dir },
      );
      expect(ok.code, ok.stderr).toBe(0);
      expect(JSON.parse(ok.stdout).campaignArn).toBe(`arn:aws:personalize:us-east-1:${ACCOUNT_B.accountId}:campaign/m`);
    },
  );
});
