/**
 * The helpers Amazon Pinpoint documents for message templates ("Using message template helpers",
 * Amazon Pinpoint User Guide): conditional, string, date, and math-and-encoding helpers, on top of
 * Handlebars' built-in `each` (lists capped at 15 items) and `if`/`unless`.
 *
 * Conditional helpers work as blocks (`{{#eq a b}}…{{else}}…{{/eq}}`) and inline, where they
 * return a boolean usable in subexpressions (`{{#if (gt a 3)}}`); given two more arguments inline,
 * they return the first when true and the second otherwise (`{{eq a "x" "yes" "no"}}`).
 * Dates use Java-style patterns (`yyyy-MM-dd HH:mm`, `EEEE`, `MMM`, …) or `full`/`long`/`medium`/
 * `short`, with an optional locale and IANA time zone, as Pinpoint's documentation shows.
 */
import { createHash, randomUUID } from "node:crypto";
import type { HelperDelegate, HelperOptions } from "handlebars";

/** Pinpoint: "The maximum list size is 15 items" for `each`. */
export const MAX_EACH_ITEMS = 15;

/**
 * The most characters one helper call may produce. Helpers that can grow their input (`replace`,
 * `join`) check the size before building the string: nested `(replace … "a" "aa")` doubles per
 * level, and 28 levels asked V8 for a 2^28-character string, which aborts the process instead of
 * throwing. A template part is at most 600,000 characters, so no real template comes near this.
 */
export const MAX_HELPER_OUTPUT_CHARS = 1_048_576;

/** A helper asked to produce more than MAX_HELPER_OUTPUT_CHARS: the render fails for that recipient. */
export class HelperOutputTooLarge extends Error {
  override readonly name = "HelperOutputTooLarge";
  constructor(helper: string, chars: number) {
    super(`the ${helper} helper would produce ${chars} characters; the limit is ${MAX_HELPER_OUTPUT_CHARS}`);
  }
}

function bounded(helper: string, chars: number): void {
  if (chars > MAX_HELPER_OUTPUT_CHARS) throw new HelperOutputTooLarge(helper, chars);
}

/** Splits helper arguments from Handlebars' trailing options object. */
function split(args: unknown[]): { values: unknown[]; options: HelperOptions } {
  const options = args[args.length - 1] as HelperOptions;
  return { values: args.slice(0, -1), options };
}

/** Handlebars' options object, which is what a helper called without an argument receives in its place. */
const isOptions = (v: unknown): boolean => typeof v === "object" && v !== null && "hash" in v && "name" in v;
const str = (v: unknown): string =>
  v === undefined || v === null || isOptions(v) ? "" : Array.isArray(v) ? v.map(str).join(",") : String(v);
/** Attribute values are lists; a one-element list compares and computes as its element. */
const scalar = (v: unknown): unknown => (Array.isArray(v) && v.length === 1 ? v[0] : v);
const num = (v: unknown): number => {
  const n = Number(scalar(v));
  return Number.isFinite(n) ? n : NaN;
};
const truthy = (v: unknown): boolean => {
  const s = scalar(v);
  return !(s === undefined || s === null || s === false || s === "" || s === 0 || (Array.isArray(s) && s.length === 0) || Number.isNaN(s));
};

/** A conditional helper: block form picks fn/inverse, inline form returns a boolean or one of two given values. */
function conditional(test: (values: unknown[]) => boolean): HelperDelegate {
  return function (this: unknown, ...args: unknown[]) {
    const { values, options } = split(args);
    if (options.fn) {
      return test(values) ? options.fn(this) : options.inverse(this);
    }
    return test(values);
  };
}

/** Comparisons take exactly two operands; inline, two more arguments select what to print. */
function comparison(cmp: (a: unknown, b: unknown) => boolean): HelperDelegate {
  return function (this: unknown, ...args: unknown[]) {
    const { values, options } = split(args);
    const ok = cmp(scalar(values[0]), scalar(values[1]));
    if (options.fn) return ok ? options.fn(this) : options.inverse(this);
    if (values.length >= 4) return ok ? values[2] : values[3];
    return ok;
  };
}

const numericOrString = (cmp: (x: number, y: number) => boolean, scmp: (x: string, y: string) => boolean) => (a: unknown, b: unknown) => {
  const x = Number(a);
  const y = Number(b);
  if (a !== "" && b !== "" && Number.isFinite(x) && Number.isFinite(y)) return cmp(x, y);
  return scmp(str(a), str(b));
};

// ---- dates -------------------------------------------------------------------------------------

const NAMED_STYLES = new Set(["full", "long", "medium", "short"]);

function toDate(v: unknown): Date | undefined {
  const s = scalar(v);
  if (s instanceof Date) return s;
  if (typeof s === "number") return new Date(s);
  if (typeof s !== "string" || s === "") return undefined;
  const d = /^\d+$/.test(s) ? new Date(Number(s)) : new Date(s);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** Formats with a Java SimpleDateFormat-style pattern (the letters Pinpoint's examples use). */
function formatDate(date: Date, pattern: string, locale: string, timeZone: string | undefined): string {
  if (NAMED_STYLES.has(pattern)) {
    return new Intl.DateTimeFormat(locale, { dateStyle: pattern as "full", ...(timeZone && { timeZone }) }).format(date);
  }
  const parts = new Map<string, string>();
  const fmt = (opts: Intl.DateTimeFormatOptions) =>
    new Intl.DateTimeFormat(locale, { ...opts, ...(timeZone && { timeZone }), hourCycle: "h23" }).formatToParts(date);
  for (const p of fmt({
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
    weekday: "long",
  }))
    parts.set(p.type, p.value);
  const monthLong = fmt({ month: "long" }).find((p) => p.type === "month")?.value ?? "";
  const monthShort = fmt({ month: "short" }).find((p) => p.type === "month")?.value ?? "";
  const weekdayShort = fmt({ weekday: "short" }).find((p) => p.type === "weekday")?.value ?? "";
  const tzName =
    new Intl.DateTimeFormat("en-US", { timeZoneName: "short", ...(timeZone && { timeZone }) })
      .formatToParts(date)
      .find((p) => p.type === "timeZoneName")?.value ?? "";
  const n = (type: string) => Number(parts.get(type) ?? 0);
  const pad = (v: number, w: number) => String(v).padStart(w, "0");
  const hour = n("hour") % 24;
  return pattern.replace(/'([^']*)'|y+|M+|d+|E+|H+|h+|m+|s+|S+|a|z+|Z+/g, (tok, quoted: string | undefined) => {
    if (quoted !== undefined) return quoted === "" ? "'" : quoted;
    const w = tok.length;
    switch (tok[0]) {
      case "y":
        return w === 2 ? pad(n("year") % 100, 2) : pad(n("year"), w);
      case "M":
        return w >= 4 ? monthLong : w === 3 ? monthShort : pad(n("month"), w);
      case "d":
        return pad(n("day"), w);
      case "E":
        return w >= 4 ? (parts.get("weekday") ?? "") : weekdayShort;
      case "H":
        return pad(hour, w);
      case "h":
        return pad(hour % 12 === 0 ? 12 : hour % 12, w);
      case "m":
        return pad(n("minute"), w);
      case "s":
        return pad(n("second"), w);
      case "S":
        return pad(date.getUTCMilliseconds(), 3).slice(0, w);
      case "a":
        return hour < 12 ? "AM" : "PM";
      case "z":
        return tzName;
      case "Z": {
        const off = Math.round(
          (Date.parse(new Date(date).toLocaleString("en-US", { timeZone: timeZone ?? "UTC" })) -
            Date.parse(date.toLocaleString("en-US", { timeZone: "UTC" }))) /
            60000,
        );
        return `${off < 0 ? "-" : "+"}${pad(Math.floor(Math.abs(off) / 60), 2)}${pad(Math.abs(off) % 60, 2)}`;
      }
      default:
        return tok;
    }
  });
}

function validTimeZone(tz: unknown): string | undefined {
  if (typeof tz !== "string" || tz === "") return undefined;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return tz;
  } catch {
    return undefined;
  }
}

function validLocale(locale: unknown): string {
  if (typeof locale !== "string" || locale === "") return "en-US";
  try {
    return Intl.getCanonicalLocales(locale.replace(/_/g, "-"))[0] ?? "en-US";
  } catch {
    return "en-US";
  }
}

// ---- the helpers -------------------------------------------------------------------------------

export const PINPOINT_HELPERS: Record<string, HelperDelegate> = {
  // Conditional helpers.
  and: conditional((v) => v.length > 0 && v.every(truthy)),
  or: conditional((v) => v.some(truthy)),
  not: conditional((v) => !truthy(v[0])),
  eq: comparison((a, b) => str(a) === str(b)),
  neq: comparison((a, b) => str(a) !== str(b)),
  gt: comparison(
    numericOrString(
      (x, y) => x > y,
      (x, y) => x > y,
    ),
  ),
  gte: comparison(
    numericOrString(
      (x, y) => x >= y,
      (x, y) => x >= y,
    ),
  ),
  lt: comparison(
    numericOrString(
      (x, y) => x < y,
      (x, y) => x < y,
    ),
  ),
  lte: comparison(
    numericOrString(
      (x, y) => x <= y,
      (x, y) => x <= y,
    ),
  ),

  // String helpers.
  abbreviate: (s: unknown, width: unknown) => {
    const text = str(s);
    const w = Math.max(4, Math.trunc(num(width)) || 0);
    return text.length <= w ? text : `${text.slice(0, w - 3)}...`;
  },
  capitalize: (s: unknown) => str(s).replace(/(^|\s)(\p{L})/gu, (_m, sp: string, c: string) => sp + c.toUpperCase()),
  capitalizeFirst: (s: unknown) => {
    const t = str(s);
    return t.charAt(0).toUpperCase() + t.slice(1);
  },
  center: (s: unknown, size: unknown, ...rest: unknown[]) => {
    const { values } = split(rest);
    const t = str(s);
    const pad = str(values[0] ?? " ") || " ";
    const total = Math.min(10_000, Math.max(t.length, Math.trunc(num(size)) || 0));
    const left = Math.floor((total - t.length) / 2);
    return pad.repeat(left).slice(0, left) + t + pad.repeat(total - t.length - left).slice(0, total - t.length - left);
  },
  cut: (s: unknown, ...rest: unknown[]) => {
    const { values } = split(rest);
    return str(s)
      .split(str(values[0] ?? " "))
      .join("");
  },
  dateFormat: (d: unknown, ...rest: unknown[]) => {
    const { values } = split(rest);
    const date = toDate(d);
    if (!date) return str(d);
    return formatDate(date, str(values[0] ?? "medium") || "medium", validLocale(values[1]), validTimeZone(values[2]));
  },
  inflect: (count: unknown, singular: unknown, plural: unknown, ...rest: unknown[]) => {
    const { values } = split(rest);
    const n = num(count);
    const word = n === 1 ? str(singular) : str(plural);
    return truthy(values[0]) ? `${str(scalar(count))} ${word}` : word;
  },
  join: (list: unknown, ...rest: unknown[]) => {
    const { values } = split(rest);
    const items = (Array.isArray(list) ? list : [list]).map(str);
    const separator = values.length > 0 ? str(values[0]) : ", ";
    bounded("join", items.reduce((n, item) => n + item.length, 0) + separator.length * Math.max(0, items.length - 1));
    return items.join(separator);
  },
  ljust: (s: unknown, size: unknown, ...rest: unknown[]) => {
    const { values } = split(rest);
    return str(s).padEnd(Math.min(10_000, Math.trunc(num(size)) || 0), str(values[0] ?? " ") || " ");
  },
  rjust: (s: unknown, size: unknown, ...rest: unknown[]) => {
    const { values } = split(rest);
    return str(s).padStart(Math.min(10_000, Math.trunc(num(size)) || 0), str(values[0] ?? " ") || " ");
  },
  lower: (s: unknown) => str(s).toLowerCase(),
  upper: (s: unknown) => str(s).toUpperCase(),
  now: (...args: unknown[]) => {
    const { values } = split(args);
    return formatDate(new Date(), str(values[0] ?? "medium") || "medium", validLocale(values[1]), validTimeZone(values[2]));
  },
  numberFormat: (n: unknown, ...rest: unknown[]) => {
    const { values } = split(rest);
    const value = num(n);
    if (Number.isNaN(value)) return str(n);
    const style = str(values[0] ?? "decimal") || "decimal";
    const locale = validLocale(values[1]);
    if (/^\d+$/.test(style))
      return new Intl.NumberFormat(locale, { minimumFractionDigits: Number(style), maximumFractionDigits: Number(style) }).format(value);
    if (style === "integer") return new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(value);
    if (style === "percent") return new Intl.NumberFormat(locale, { style: "percent" }).format(value);
    if (style === "currency") {
      const currency = str(values[2] ?? "USD") || "USD";
      try {
        return new Intl.NumberFormat(locale, { style: "currency", currency }).format(value);
      } catch {
        return new Intl.NumberFormat(locale, { style: "currency", currency: "USD" }).format(value);
      }
    }
    return new Intl.NumberFormat(locale).format(value);
  },
  replace: (s: unknown, find: unknown, ...rest: unknown[]) => {
    const { values } = split(rest);
    const f = str(find);
    const text = str(s);
    if (f === "") return text;
    const parts = text.split(f);
    const replacement = str(values[0] ?? "");
    bounded("replace", text.length + (parts.length - 1) * (replacement.length - f.length));
    return parts.join(replacement);
  },
  slugify: (s: unknown) =>
    str(s)
      .normalize("NFKD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, ""),
  stripTags: (s: unknown) => str(s).replace(/<[^>]*>/g, ""),
  substring: (s: unknown, start: unknown, ...rest: unknown[]) => {
    const { values } = split(rest);
    const t = str(s);
    const end = values.length > 0 ? Math.trunc(num(values[0])) : t.length;
    return t.substring(Math.trunc(num(start)) || 0, Number.isNaN(end) ? t.length : end);
  },
  yesno: (v: unknown, ...rest: unknown[]) => {
    const { values } = split(rest);
    const s = scalar(v);
    if (s === undefined || s === null) return values.length >= 3 ? str(values[2]) : "maybe";
    return truthy(s) && s !== "false" ? str(values[0] ?? "yes") : str(values[1] ?? "no");
  },

  // Math and encoding helpers.
  add: (a: unknown, b: unknown) => num(a) + num(b),
  subtract: (a: unknown, b: unknown) => num(a) - num(b),
  multiply: (a: unknown, b: unknown) => num(a) * num(b),
  divide: (a: unknown, b: unknown) => (num(b) === 0 ? NaN : num(a) / num(b)),
  mod: (a: unknown, b: unknown) => (num(b) === 0 ? NaN : num(a) % num(b)),
  ceiling: (a: unknown) => Math.ceil(num(a)),
  floor: (a: unknown) => Math.floor(num(a)),
  round: (a: unknown) => Math.round(num(a)),
  encode64: (s: unknown) => Buffer.from(str(s), "utf8").toString("base64"),
  decode64: (s: unknown) => Buffer.from(str(s), "base64").toString("utf8"),
  md5: (s: unknown) => createHash("md5").update(str(s)).digest("hex"),
  sha256: (s: unknown) => createHash("sha256").update(str(s)).digest("hex"),
  sha512: (s: unknown) => createHash("sha512").update(str(s)).digest("hex"),
  uuid: () => randomUUID(),
  urlEncode: (s: unknown) => encodeURIComponent(str(s)),
  urlDecode: (s: unknown) => {
    try {
      return decodeURIComponent(str(s));
    } catch {
      return str(s);
    }
  },
};
