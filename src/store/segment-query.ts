/**
 * A segment's selection, compiled to SQL over `endpoints` and its indexed `endpoint_facts`.
 * The domain resolves a segment (its dimensions, groups and source segments) into `Criteria`;
 * this module only turns that tree into one `WHERE` clause with `?` parameters.
 */
import type { FactKind } from "./endpoint-facts.js";
import type { SqlDb } from "./sql.js";

export type FactMatch =
  /** Some value is one of these. */
  | { values: string[] }
  /** Some value contains one of these as a substring. */
  | { contains: string[] }
  /** Some number compares so with `num`. */
  | { cmp: "<" | "<=" | ">" | ">=" | "="; num: number }
  /** Some number lies in [lo, hi]. */
  | { between: [number, number] };

export type Criteria =
  | { op: "all" | "any"; of: Criteria[] }
  | { op: "not"; of: Criteria }
  /** The endpoint has a fact of this kind and name that matches. */
  | { op: "fact"; kind: FactKind; name: string; match: FactMatch }
  /** The endpoint is a member of this imported segment. */
  | { op: "member"; segmentId: string };

export const EVERY_ENDPOINT: Criteria = { op: "all", of: [] };

const FACT_PROBE =
  "EXISTS (SELECT 1 FROM endpoint_facts f WHERE f.account_id = e.account_id AND f.region = e.region AND f.app_id = e.app_id AND f.id_key = e.id_key AND f.kind = ? AND f.name = ? AND ";
const MEMBER_PROBE =
  "EXISTS (SELECT 1 FROM segment_members m WHERE m.account_id = e.account_id AND m.region = e.region AND m.app_id = e.app_id AND m.id_key = e.id_key AND m.segment_id = ?)";

/** The criteria as a boolean SQL expression over the alias `e` (endpoints), with its parameters in order. */
export function compileCriteria(c: Criteria, dialect: SqlDb["dialect"]): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const marks = (n: number) => Array.from({ length: n }, () => "?").join(", ");
  const walk = (node: Criteria): string => {
    switch (node.op) {
      case "all":
        return node.of.length === 0 ? "1 = 1" : `(${node.of.map(walk).join(" AND ")})`;
      case "any":
        return node.of.length === 0 ? "1 = 0" : `(${node.of.map(walk).join(" OR ")})`;
      case "not":
        return `NOT ${walk(node.of)}`;
      case "member":
        params.push(node.segmentId);
        return MEMBER_PROBE;
      case "fact": {
        params.push(node.kind, node.name);
        const m = node.match;
        if ("values" in m) {
          params.push(...m.values);
          return `${FACT_PROBE}f.value IN (${marks(m.values.length)}))`;
        }
        if ("contains" in m) {
          params.push(...m.contains);
          const test = dialect === "postgres" ? "strpos(f.value, ?) > 0" : "instr(f.value, ?) > 0";
          return `${FACT_PROBE}(${m.contains.map(() => test).join(" OR ")}))`;
        }
        if ("cmp" in m) {
          params.push(m.num);
          return `${FACT_PROBE}f.num ${m.cmp} ?)`;
        }
        params.push(m.between[0], m.between[1]);
        return `${FACT_PROBE}f.num BETWEEN ? AND ?)`;
      }
    }
  };
  const sql = walk(c);
  return { sql, params };
}
