import net from "node:net";
import { afterEach, describe, expect, test } from "vitest";
import { PostgresDb } from "../../src/store/postgres.js";
import { PG_URL, STORE_KINDS } from "../helpers.js";

/** A TCP relay in front of PostgreSQL that the test can cut, as a network partition would. */
async function cuttableRelay() {
  const sockets = new Set<net.Socket>();
  const pgPort = Number(new URL(PG_URL).port || 5432);
  const relay = net.createServer((client) => {
    const upstream = net.connect(pgPort, "127.0.0.1");
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
  });
  await new Promise<void>((r) => relay.listen(0, "127.0.0.1", r));
  const url = new URL(PG_URL);
  url.host = `127.0.0.1:${(relay.address() as net.AddressInfo).port}`;
  return {
    url: url.toString(),
    cut: () => sockets.forEach((s) => s.destroy()),
    close: () => new Promise<void>((r) => relay.close(() => r())),
  };
}

describe.skipIf(!STORE_KINDS.includes("postgres"))("PostgreSQL connection lost in the middle of a transaction", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!();
  });

  test("the transaction rejects, the process sees no uncaught exception, and the pool reconnects", async () => {
    const relay = await cuttableRelay();
    cleanups.push(relay.close);
    const db = new PostgresDb(relay.url, { max: 2 });
    cleanups.push(() => db.close().catch(() => {}));
    const uncaught: unknown[] = [];
    const record = (err: unknown) => uncaught.push(err);
    process.on("uncaughtException", record);
    cleanups.push(async () => void process.off("uncaughtException", record));

    const outcome = db.transaction(null, async (tx) => {
      await tx.get("SELECT 1 AS one");
      // The connection drops while the transaction holds its client between two statements.
      relay.cut();
      await new Promise((r) => setTimeout(r, 200));
      await tx.get("SELECT 2 AS two");
    });
    await expect(outcome).rejects.toThrow(/Connection terminated|not queryable|ended/i);
    await new Promise((r) => setTimeout(r, 50));
    expect(uncaught).toEqual([]);

    // The broken client was destroyed, not pooled: the next statements open fresh connections.
    expect(await db.get<{ n: number }>("SELECT 3 AS n")).toEqual({ n: 3 });
    expect(await db.transaction(null, (tx) => tx.get<{ n: number }>("SELECT 4 AS n"))).toEqual({ n: 4 });
  });
});
