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

/**
 * Writes many variables into one copy of a context: each object along the written paths is copied
 * once, on its first write, and later writes go into the copy. Linear in the context's size plus
 * the writes; setting each variable on a fresh copy (withVariable) would copy the root object once
 * per key, the square of the key count (8,000 Substitutions stalled the server for 9 s).
 */
class ContextWriter {
  private readonly owned = new WeakSet<object>();
  readonly root: Record<string, unknown>;

  constructor(context: Record<string, unknown>) {
    this.root = this.own(context) as Record<string, unknown>;
  }

  private own(node: unknown): Container {
    if (isContainer(node) && this.owned.has(node)) return node;
    const copy: Container = Array.isArray(node) ? [...node] : isContainer(node) ? { ...(node as Record<string, unknown>) } : {};
    this.owned.add(copy);
    return copy;
  }

  set(segments: string[], value: unknown): void {
    let node = this.root as Record<string, unknown>;
    for (let depth = 0; depth < segments.length - 1; depth++) {
      const key = segments[depth];
      const child = this.own(Object.hasOwn(node, key) ? node[key] : undefined);
      node[key] = child;
      node = child as Record<string, unknown>;
    }
    node[segments[segments.length - 1]] = value;
  }
}

/** Applies substitution maps in order (later ones win); keys that are not valid paths are ignored. */
export function applySubstitutions(
  context: Record<string, unknown>,
  maps: (Record<string, string[]> | undefined)[],
): Record<string, unknown> {
  if (!maps.some((m) => m && Object.keys(m).length > 0)) return context;
  const out = new ContextWriter(context);
  for (const map of maps) {
    if (!map) continue;
    for (const [key, values] of Object.entries(map)) {
      const segments = parseVariablePath(key);
      if (segments) out.set(segments, values);
    }
  }
  return out.root;
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
  const missing = defaults.filter(([segments]) => isMissing(getVariable(context, segments)));
  if (missing.length === 0) return context;
  const out = new ContextWriter(context);
  for (const [segments, value] of missing) {
    // An earlier default may have filled the same path (a key given twice): the first one wins, as before.
    if (!isMissing(getVariable(out.root, segments))) continue;
    out.set(segments, listValued(segments) && !Array.isArray(value) ? [value] : value);
  }
  return out.root;
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
