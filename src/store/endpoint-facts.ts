/**
 * The denormalised, indexed form of what segments select on. Each endpoint's segmentable data is
 * kept as rows of (kind, name, value, num) beside its JSON document, so a segment becomes SQL
 * `EXISTS` probes into one index instead of a scan of documents in JavaScript:
 *
 * - `attr` / `user`: one row per value of `Attributes` / `User.UserAttributes` (num: the value read
 *   as an instant, when it is one, for BEFORE / AFTER / ON / BETWEEN);
 * - `metric`: one row per `Metrics` entry (num: the metric);
 * - `demo`: `Demographic.AppVersion|Make|Model|Platform` and `Channel` (the endpoint's ChannelType);
 * - `country`: `Location.Country`;
 * - `recency`: num is `EffectiveDate`, the last time the endpoint was reported (Behavior.Recency);
 * - `event`: never stored; a PutEvents event's `EventType`, for campaign event filters, which
 *   match the same criteria in memory (`src/pinpoint/segments/criteria-match.ts`).
 *
 * Rows are rewritten with their endpoint in the same transaction and go with it on delete
 * (a foreign key with ON DELETE CASCADE).
 */
import type { EndpointResponse } from "@aws-sdk/client-pinpoint";
import { parseInstant } from "../shared/instant.js";
import type { SqlDb, SqlExecutor } from "./sql.js";
import type { Tenant } from "./tenant.js";

export type FactKind = "attr" | "user" | "metric" | "demo" | "country" | "recency" | "event";

export interface Fact {
  kind: FactKind;
  name: string;
  value: string;
  num: number | null;
}

/** The demographic members a segment's `Demographic` can name, as stored on endpoints. */
export const DEMOGRAPHIC_FACTS = ["AppVersion", "Make", "Model", "Platform"] as const;

export function endpointFacts(doc: EndpointResponse): Fact[] {
  const facts: Fact[] = [];
  const lists = (kind: FactKind, map: Record<string, string[]> | undefined) => {
    for (const [name, values] of Object.entries(map ?? {})) {
      for (const value of new Set(values)) facts.push({ kind, name, value, num: parseInstant(value) ?? null });
    }
  };
  lists("attr", doc.Attributes);
  lists("user", doc.User?.UserAttributes);
  for (const [name, value] of Object.entries(doc.Metrics ?? {})) facts.push({ kind: "metric", name, value: String(value), num: value });
  for (const name of DEMOGRAPHIC_FACTS) {
    const value = doc.Demographic?.[name];
    if (value !== undefined) facts.push({ kind: "demo", name, value, num: null });
  }
  if (doc.ChannelType !== undefined) facts.push({ kind: "demo", name: "Channel", value: doc.ChannelType, num: null });
  if (doc.Location?.Country !== undefined) facts.push({ kind: "country", name: "", value: doc.Location.Country, num: null });
  const effective = doc.EffectiveDate === undefined ? undefined : (parseInstant(doc.EffectiveDate) ?? Date.parse(doc.EffectiveDate));
  if (effective !== undefined && Number.isFinite(effective)) facts.push({ kind: "recency", name: "", value: "", num: effective });
  return facts;
}

const ROWS_PER_INSERT = 200;

/**
 * Replaces the facts of the given endpoints (by key) within the caller's transaction; `created`
 * names keys that are new in this transaction, which have no facts to delete.
 */
export async function writeFacts(
  tx: SqlExecutor,
  t: Tenant,
  appId: string,
  docs: [key: string, doc: EndpointResponse][],
  created: Set<string> = new Set(),
): Promise<void> {
  const replaced = docs.map(([key]) => key).filter((key) => !created.has(key));
  if (replaced.length > 0) {
    await tx.run(
      `DELETE FROM endpoint_facts WHERE account_id = ? AND region = ? AND app_id = ? AND id_key IN (${replaced.map(() => "?").join(", ")})`,
      [t.accountId, t.region, appId, ...replaced],
    );
  }
  const rows: unknown[][] = [];
  for (const [key, doc] of docs)
    for (const f of endpointFacts(doc)) rows.push([t.accountId, t.region, appId, key, f.kind, f.name, f.value, f.num]);
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
    const part = rows.slice(i, i + ROWS_PER_INSERT);
    await tx.run(
      `INSERT INTO endpoint_facts (account_id, region, app_id, id_key, kind, name, value, num) VALUES ${part.map(() => "(?, ?, ?, ?, ?, ?, ?, ?)").join(", ")}`,
      part.flat(),
    );
  }
}

/**
 * Gives facts to endpoints stored before facts existed (`has_facts = 0`), a bounded batch at a
 * time, so a database upgraded in place segments its old endpoints too.
 */
export async function backfillFacts(db: SqlDb, batch = 500): Promise<number> {
  // Look before taking the write lock: almost every start has nothing to do, and a write
  // transaction on open would make two handles opened together in one process wait on each other.
  if (!(await db.get("SELECT 1 AS x FROM endpoints WHERE has_facts = 0 LIMIT 1"))) return 0;
  let total = 0;
  for (;;) {
    const done = await db.transaction("endpoint-facts:backfill", async (tx) => {
      const rows = await tx.all<{ account_id: string; region: string; app_id: string; id_key: string; doc: string }>(
        "SELECT account_id, region, app_id, id_key, doc FROM endpoints WHERE has_facts = 0 LIMIT ?",
        [batch],
      );
      for (const r of rows) {
        await writeFacts(tx, { accountId: r.account_id, region: r.region }, r.app_id, [[r.id_key, JSON.parse(r.doc) as EndpointResponse]]);
        await tx.run("UPDATE endpoints SET has_facts = 1 WHERE account_id = ? AND region = ? AND app_id = ? AND id_key = ?", [
          r.account_id,
          r.region,
          r.app_id,
          r.id_key,
        ]);
      }
      return rows.length;
    });
    total += done;
    if (done < batch) return total;
  }
}
