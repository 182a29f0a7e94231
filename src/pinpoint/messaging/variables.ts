/**
 * Message variables as Pinpoint names them: dot paths over the recipient's data, with bracket
 * segments for names holding spaces or indexes (`User.UserAttributes.[Last Name].[0]`). Used to
 * apply `Substitutions` (which take precedence over everything) and `DefaultSubstitutions` (used
 * only where a value is missing) to a render context without mutating shared data.
 */

/** Segments that would reach an object's prototype are never followed or written. */
const FORBIDDEN = new Set(["__proto__", "constructor", "prototype"]);

export function parseVariablePath(path: string): string[] | undefined {
  const segments: string[] = [];
  let i = 0;
  while (i < path.length) {
    let seg: string;
    if (path[i] === "[") {
      const close = path.indexOf("]", i);
      if (close === -1) return undefined;
      seg = path.slice(i + 1, close);
      i = close + 1;
    } else {
      let end = path.indexOf(".", i);
      if (end === -1) end = path.length;
      seg = path.slice(i, end);
      i = end;
    }
    if (seg === "" || FORBIDDEN.has(seg)) return undefined;
    segments.push(seg);
    if (i < path.length) {
      if (path[i] !== ".") return undefined;
      i++;
    }
  }
  return segments.length > 0 ? segments : undefined;
}

type Container = Record<string, unknown> | unknown[];
const isContainer = (v: unknown): v is Container => typeof v === "object" && v !== null;

export function getVariable(context: unknown, segments: string[]): unknown {
  let v: unknown = context;
  for (const s of segments) {
    if (!isContainer(v) || !Object.hasOwn(v, s)) return undefined;
    v = (v as Record<string, unknown>)[s];
  }
  return v;
}

/** Missing for DefaultSubstitutions: absent, null, empty text or an empty list. */
export const isMissing = (v: unknown): boolean => v === undefined || v === null || v === "" || (Array.isArray(v) && v.length === 0);

/** Returns a copy of `context` with the value at the path set; only the objects along the path are copied. */
export function withVariable(context: Record<string, unknown>, segments: string[], value: unknown): Record<string, unknown> {
  const set = (node: unknown, depth: number): Container => {
    const copy: Container = Array.isArray(node) ? [...node] : isContainer(node) ? { ...(node as Record<string, unknown>) } : {};
    const key = segments[depth];
    const child = (copy as Record<string, unknown>)[key];
    (copy as Record<string, unknown>)[key] =
      depth === segments.length - 1 ? value : set(Object.hasOwn(copy, key) ? child : undefined, depth + 1);
    return copy;
  };
  return set(context, 0) as Record<string, unknown>;
}

/** Applies substitution maps in order (later ones win); keys that are not valid paths are ignored. */
export function applySubstitutions(
  context: Record<string, unknown>,
  maps: (Record<string, string[]> | undefined)[],
): Record<string, unknown> {
  let out = context;
  for (const map of maps) {
    if (!map) continue;
    for (const [key, values] of Object.entries(map)) {
      const segments = parseVariablePath(key);
      if (segments) out = withVariable(out, segments, values);
    }
  }
  return out;
}

/**
 * Variables whose values are lists (custom attributes, recommended items and attributes). A default
 * for one is stored as a one-item list, so `{{Attributes.Size}}` and `{{Attributes.Size.[0]}}`
 * both render it, as the stored lists they stand in for would.
 */
function listValued(segments: string[]): boolean {
  const [a, b] = segments;
  if (segments.length === 1) return a === "RecommendationItems";
  if (segments.length === 2) return a === "Attributes" || a === "Recommendations" || a === "Substitutions";
  return segments.length === 3 && a === "User" && b === "UserAttributes";
}

/** Fills every missing variable named in `defaults` (a template's parsed DefaultSubstitutions). */
export function applyDefaults(context: Record<string, unknown>, defaults: [string[], unknown][]): Record<string, unknown> {
  let out = context;
  for (const [segments, value] of defaults) {
    if (!isMissing(getVariable(out, segments))) continue;
    out = withVariable(out, segments, listValued(segments) && !Array.isArray(value) ? [value] : value);
  }
  return out;
}

/** A template's DefaultSubstitutions (a string holding a JSON object) as paths and values. */
export function parseDefaults(json: string | undefined): [string[], unknown][] {
  if (!json) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return [];
  }
  if (!isContainer(parsed) || Array.isArray(parsed)) return [];
  const out: [string[], unknown][] = [];
  for (const [key, value] of Object.entries(parsed)) {
    const segments = parseVariablePath(key);
    if (segments) out.push([segments, value]);
  }
  return out;
}
