/**
 * Times every statement and transaction of a database with timers its caller provides (the server
 * records them as `pinrec_store_query_duration_seconds`), so the store needs no metrics library.
 * Wrapping the one SQL surface (SqlDb) covers every repository on both adapters without touching
 * any query; the statement kind is the SQL verb, so the timers stay few.
 */
import type { SqlDb, SqlExecutor } from "./sql.js";

type Timer = { observe(seconds: number): void };

/** The timer for one kind of statement (`select`, `insert`, …, `transaction`) on one database. */
export type QueryTimers = (dialect: SqlDb["dialect"], statement: string) => Timer;

export function instrumentDb(db: SqlDb, timers: QueryTimers): SqlDb {
  const bySql = new Map<string, Timer>();
  const timerFor = (sql: string): Timer => {
    let t = bySql.get(sql);
    if (!t) {
      const verb = /^\s*([A-Za-z]+)/.exec(sql)?.[1]?.toLowerCase() ?? "other";
      t = timers(db.dialect, verb);
      // Statements are constant strings in the repositories; the bound keeps a stray dynamic one harmless.
      if (bySql.size < 1000) bySql.set(sql, t);
    }
    return t;
  };
  // Not `async`: on SQLite the statement has already run when `run()` returns a settled promise, and
  // an async wrapper awaiting it would add microtask turns to every read for no work.
  const timed = <T>(timer: Timer, run: () => Promise<T>): Promise<T> => {
    const start = performance.now();
    const done = () => timer.observe((performance.now() - start) / 1000);
    let pending: Promise<T>;
    try {
      pending = run();
    } catch (err) {
      done();
      return Promise.reject(err);
    }
    return pending.then(
      (value) => {
        done();
        return value;
      },
      (err: unknown) => {
        done();
        throw err;
      },
    );
  };
  const wrap = (x: SqlExecutor): SqlExecutor => ({
    all: (sql, params) => timed(timerFor(sql), () => x.all(sql, params)),
    get: (sql, params) => timed(timerFor(sql), () => x.get(sql, params)),
    run: (sql, params) => timed(timerFor(sql), () => x.run(sql, params)),
  });
  const direct = wrap(db);
  const transactions = timers(db.dialect, "transaction");
  return {
    dialect: db.dialect,
    ...direct,
    transaction: (lockKey, fn) => timed(transactions, () => db.transaction(lockKey, (tx) => fn(wrap(tx)))),
    close: () => db.close(),
  };
}
