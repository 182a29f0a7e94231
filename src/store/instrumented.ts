/**
 * Times every statement and transaction of a database into `pinrec_store_query_duration_seconds`.
 * Wrapping the one SQL surface (SqlDb) covers every repository on both adapters without touching
 * any query; the statement label is the SQL verb, so the series stay few.
 */
import { storeQueryDuration } from "../observability/metrics.js";
import type { SqlDb, SqlExecutor } from "./sql.js";

type Timer = { observe(seconds: number): void };

export function instrumentDb(db: SqlDb): SqlDb {
  const timers = new Map<string, Timer>();
  const timerFor = (sql: string): Timer => {
    let t = timers.get(sql);
    if (!t) {
      const verb = /^\s*([A-Za-z]+)/.exec(sql)?.[1]?.toLowerCase() ?? "other";
      t = storeQueryDuration.labels(db.dialect, verb);
      // Statements are constant strings in the repositories; the bound keeps a stray dynamic one harmless.
      if (timers.size < 1000) timers.set(sql, t);
    }
    return t;
  };
  const timed = async <T>(timer: Timer, run: () => Promise<T>): Promise<T> => {
    const start = performance.now();
    try {
      return await run();
    } finally {
      timer.observe((performance.now() - start) / 1000);
    }
  };
  const wrap = (x: SqlExecutor): SqlExecutor => ({
    all: (sql, params) => timed(timerFor(sql), () => x.all(sql, params)),
    get: (sql, params) => timed(timerFor(sql), () => x.get(sql, params)),
    run: (sql, params) => timed(timerFor(sql), () => x.run(sql, params)),
  });
  const direct = wrap(db);
  const transactions = storeQueryDuration.labels(db.dialect, "transaction");
  return {
    dialect: db.dialect,
    ...direct,
    transaction: (lockKey, fn) => timed(transactions, () => db.transaction(lockKey, (tx) => fn(wrap(tx)))),
    close: () => db.close(),
  };
}
