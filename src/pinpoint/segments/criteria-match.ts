/**
 * Criteria (what segment dimensions compile to, `pinpoint/segments/dimensions.ts`) evaluated in memory
 * over one subject's facts, with the same meaning as the SQL that `compileCriteria` writes over
 * `endpoint_facts`: a fact probe holds when some fact of that kind and name matches. Used where
 * the subject is not in the database, such as a PutEvents event tested against a campaign's
 * event filter.
 */
import type { Fact } from "../../store/endpoint-facts.js";
import type { Criteria, FactMatch } from "../../store/segment-query.js";

function factMatches(f: Fact, m: FactMatch): boolean {
  if ("values" in m) return m.values.includes(f.value);
  if ("contains" in m) return m.contains.some((part) => f.value.includes(part));
  if (f.num === null) return false;
  if ("between" in m) return f.num >= m.between[0] && f.num <= m.between[1];
  switch (m.cmp) {
    case "<":
      return f.num < m.num;
    case "<=":
      return f.num <= m.num;
    case ">":
      return f.num > m.num;
    case ">=":
      return f.num >= m.num;
    default:
      return f.num === m.num;
  }
}

/** Whether the facts satisfy the criteria; imported-segment membership never holds in memory. */
export function matchesCriteria(c: Criteria, facts: readonly Fact[]): boolean {
  switch (c.op) {
    case "all":
      return c.of.every((x) => matchesCriteria(x, facts));
    case "any":
      return c.of.some((x) => matchesCriteria(x, facts));
    case "not":
      return !matchesCriteria(c.of, facts);
    case "member":
      return false;
    case "fact":
      return facts.some((f) => f.kind === c.kind && f.name === c.name && factMatches(f, c.match));
  }
}
