/** Shared test wiring: real servers on random ports, real SDK clients, real databases. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { PinpointClient } from "@aws-sdk/client-pinpoint";
import { startServer, type RunningServer, type ServerOptions } from "../src/server/serve.js";
import { openStore } from "../src/store/open.js";
import type { Store } from "../src/store/types.js";
import type { Credential } from "../src/server/credentials.js";

export const PG_URL = process.env.PINREC_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** Set PINREC_TEST_POSTGRES=skip to run without PostgreSQL (CI never does). */
export const STORE_KINDS: ("sqlite" | "postgres")[] = process.env.PINREC_TEST_POSTGRES === "skip" ? ["sqlite"] : ["sqlite", "postgres"];

export const ACCOUNT_A: Credential = {
  accessKeyId: "AKIATESTACCOUNTA0001",
  secretAccessKey: "secret-a-0123456789abcdefghijkl",
  accountId: "111122223333",
};
export const ACCOUNT_B: Credential = {
  accessKeyId: "AKIATESTACCOUNTB0002",
  secretAccessKey: "secret-b-0123456789abcdefghijkl",
  accountId: "444455556666",
};
export const TEST_CREDENTIALS = [ACCOUNT_A, ACCOUNT_B];

export function tempDir(prefix = "pinrec-test-"): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** A fresh PostgreSQL schema per suite, so suites never see each other's rows. */
export async function freshPgSchema(): Promise<{ schema: string; drop(): Promise<void> }> {
  const schema = `t_${randomBytes(6).toString("hex")}`;
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA ${schema}`);
  } finally {
    await client.end();
  }
  return {
    schema,
    async drop() {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      try {
        await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await c.end();
      }
    },
  };
}

export interface SuiteStore {
  store: Store;
  dataDir: string;
  /** Another connection to the same database, as a second server would have. */
  open(): Promise<Store>;
  /** Closes `store`, drops the schema and removes the data dir. */
  dispose(): Promise<void>;
}

/** A store for one suite: SQLite in a temp dir, or a fresh PostgreSQL schema. */
export async function suiteStore(kind: "sqlite" | "postgres"): Promise<SuiteStore> {
  const dir = tempDir();
  const schema = kind === "postgres" ? await freshPgSchema() : undefined;
  const open = () => openStore(schema ? { database: PG_URL, schema: schema.schema, dataDir: dir.path } : { dataDir: dir.path });
  const store = await open();
  return {
    store,
    dataDir: dir.path,
    open,
    async dispose() {
      await store.close();
      await schema?.drop();
      dir.remove();
    },
  };
}

export interface TestServer extends RunningServer {
  dataDir: string;
  /** The PostgreSQL schema of a `postgres` server, for other connections to its database. */
  schema?: string;
  /** Stops the server and removes its data. */
  dispose(): Promise<void>;
}

export async function startTestServer(kind: "sqlite" | "postgres" = "sqlite", opts: ServerOptions = {}): Promise<TestServer> {
  const dir = tempDir();
  const pgSchema = kind === "postgres" ? await freshPgSchema() : undefined;
  const server = await startServer({
    host: "127.0.0.1",
    port: 0,
    dataDir: dir.path,
    credentials: TEST_CREDENTIALS,
    logger: false,
    ...(pgSchema && { database: PG_URL, databaseSchema: pgSchema.schema }),
    ...opts,
  });
  return Object.assign(server, {
    dataDir: dir.path,
    schema: pgSchema?.schema,
    async dispose() {
      await server.close();
      await pgSchema?.drop();
      dir.remove();
    },
  });
}

export function pinpointClient(server: { url: string }, credential: Credential = ACCOUNT_A, region = "us-east-1"): PinpointClient {
  return new PinpointClient({
    endpoint: server.url,
    region,
    credentials: { accessKeyId: credential.accessKeyId, secretAccessKey: credential.secretAccessKey },
    maxAttempts: 1,
  });
}

/** Runs `fn` and returns the typed error it throws (fails the test if it does not throw). */
export async function errorOf(
  fn: () => Promise<unknown>,
): Promise<{ name: string; message: string; $metadata: { httpStatusCode?: number } }> {
  try {
    await fn();
  } catch (err) {
    return err as never;
  }
  throw new Error("expected the call to fail");
}

export const CAMPAIGN = "arn:aws:personalize:us-east-1:111122223333:campaign/movies";
export const ROLE = "arn:aws:iam::111122223333:role/PinpointRoleforPersonalize";
