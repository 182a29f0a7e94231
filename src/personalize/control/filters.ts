/**
 * Personalize filter expressions (https://docs.aws.amazon.com/personalize/latest/dg/filter-expressions.html),
 * parsed once at CreateFilter into a checked plan and applied per request by GetRecommendations:
 *
 *   EXCLUDE ItemID WHERE Items.GENRES IN ("Horror", "Gore")
 *   INCLUDE ItemID WHERE Items.PRICE <= $MAX AND Items.STATUS = "IN_STOCK"
 *
 * Conditions on `Items.FIELD` (IN / NOT IN a list or a `$PARAM`, `=`, `!=`, `<`, `<=`, `>`, `>=`),
 * joined by AND and OR (AND first) with parentheses. A categorical field's values are `|`-separated in
 * the items data, and IN matches any of them. `Interactions.` and `CurrentItem.` conditions are
 * refused with InvalidInputException (not supported yet): the user's own interactions are excluded
 * from their recommendations anyway.
 */
import { invalidInput } from "./errors.js";

type Value = { kind: "string"; value: string } | { kind: "number"; value: number } | { kind: "param"; name: string };
type Op = "IN" | "NOT IN" | "=" | "!=" | "<" | "<=" | ">" | ">=";
export type Condition = { kind: "cond"; field: string; op: Op; values: Value[] } | { kind: "and" | "or"; parts: Condition[] };

export interface FilterPlan {
  action: "EXCLUDE" | "INCLUDE";
  where: Condition;
  params: string[];
}

/** Personalize's limits: an expression of at most 2,500 characters, up to 5 distinct parameters, 100 values each. */
const MAX_EXPRESSION = 2500;
const MAX_PARAMS = 5;
const MAX_VALUES = 100;

interface Token {
  text: string;
  kind: "word" | "string" | "number" | "param" | "punct";
  pos: number;
}

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (c === '"') {
      let s = "";
      i++;
      while (i < src.length && src[i] !== '"') {
        if (src[i] === "\\" && i + 1 < src.length) i++;
        s += src[i++];
      }
      if (i >= src.length) throw invalidInput(`filterExpression: the string starting at position ${start + 1} is not closed`);
      i++;
      out.push({ text: s, kind: "string", pos: start });
    } else if (/[0-9-]/.test(c)) {
      const m = /^-?[0-9]+(\.[0-9]+)?/.exec(src.slice(i));
      if (!m) throw invalidInput(`filterExpression: unexpected '${c}' at position ${start + 1}`);
      i += m[0].length;
      out.push({ text: m[0], kind: "number", pos: start });
    } else if (c === "$") {
      const m = /^\$[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
      if (!m) throw invalidInput(`filterExpression: a parameter at position ${start + 1} must be $ and a name`);
      i += m[0].length;
      out.push({ text: m[0].slice(1), kind: "param", pos: start });
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(src.slice(i))!;
      i += m[0].length;
      out.push({ text: m[0], kind: "word", pos: start });
    } else {
      const m = /^(<=|>=|!=|[(),=<>])/.exec(src.slice(i));
      if (!m) throw invalidInput(`filterExpression: unexpected '${c}' at position ${start + 1}`);
      i += m[0].length;
      out.push({ text: m[0], kind: "punct", pos: start });
    }
  }
  return out;
}

class Parser {
  private i = 0;
  readonly params = new Set<string>();
  constructor(
    private readonly tokens: Token[],
    private readonly length: number,
  ) {}

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }
  private fail(message: string, t = this.peek()): never {
    throw invalidInput(`filterExpression: ${message} at position ${t ? t.pos + 1 : this.length + 1}`);
  }
  private word(expected: string): void {
    const t = this.peek();
    if (t?.kind !== "word" || t.text.toUpperCase() !== expected) this.fail(`expected ${expected}`);
    this.i++;
  }
  private isWord(w: string): boolean {
    const t = this.peek();
    return t !== undefined && t.kind === "word" && t.text.toUpperCase() === w;
  }
  private punct(p: string): boolean {
    const t = this.peek();
    if (t?.kind === "punct" && t.text === p) {
      this.i++;
      return true;
    }
    return false;
  }

  plan(): FilterPlan {
    const t = this.peek();
    const action = t?.kind === "word" ? t.text.toUpperCase() : "";
    if (action !== "EXCLUDE" && action !== "INCLUDE") this.fail("expected EXCLUDE or INCLUDE");
    this.i++;
    const target = this.peek();
    if (target?.kind === "word" && target.text.toUpperCase() === "USERID")
      this.fail("user filters (UserID) are not supported; filter ItemID");
    this.word("ITEMID");
    this.word("WHERE");
    const where = this.or();
    if (this.peek()) this.fail(`unexpected '${this.peek()!.text}'`);
    if (this.params.size > MAX_PARAMS) throw invalidInput(`filterExpression: at most ${MAX_PARAMS} parameters`);
    return { action: action as FilterPlan["action"], where, params: [...this.params] };
  }

  private or(): Condition {
    const parts = [this.and()];
    while (this.isWord("OR")) {
      this.i++;
      parts.push(this.and());
    }
    return parts.length === 1 ? parts[0] : { kind: "or", parts };
  }

  private and(): Condition {
    const parts = [this.cond()];
    while (this.isWord("AND")) {
      this.i++;
      parts.push(this.cond());
    }
    return parts.length === 1 ? parts[0] : { kind: "and", parts };
  }

  private cond(): Condition {
    if (this.punct("(")) {
      const inner = this.or();
      if (!this.punct(")")) this.fail("expected )");
      return inner;
    }
    const t = this.peek();
    if (t?.kind !== "word") this.fail("expected a field such as Items.GENRE");
    const [dataset, field, extra] = t.text.split(".");
    if (dataset === "Interactions" || dataset === "CurrentItem")
      this.fail(`${dataset} conditions are not supported yet (only Items.FIELD conditions are)`, t);
    if (dataset !== "Items" || !field || extra !== undefined) this.fail(`expected Items.FIELD, not '${t.text}'`, t);
    this.i++;
    let op: Op;
    if (this.isWord("NOT")) {
      this.i++;
      this.word("IN");
      op = "NOT IN";
    } else if (this.isWord("IN")) {
      this.i++;
      op = "IN";
    } else {
      const p = this.peek();
      if (p?.kind !== "punct" || !["=", "!=", "<", "<=", ">", ">="].includes(p.text)) this.fail("expected IN, NOT IN or a comparison");
      this.i++;
      op = p.text as Op;
    }
    const values = op === "IN" || op === "NOT IN" ? this.list() : [this.value()];
    if ((op === "<" || op === "<=" || op === ">" || op === ">=") && values[0].kind === "string")
      this.fail(`${op} compares numbers, not the string "${values[0].value}"`, this.tokens[this.i - 1]);
    return { kind: "cond", field: field.toUpperCase(), op, values };
  }

  private list(): Value[] {
    if (!this.punct("(")) this.fail("expected ( and a list of values");
    const values = [this.value()];
    while (this.punct(",")) values.push(this.value());
    if (!this.punct(")")) this.fail("expected , or )");
    if (values.length > MAX_VALUES) this.fail(`a list holds at most ${MAX_VALUES} values`);
    return values;
  }

  private value(): Value {
    const t = this.peek();
    if (!t) this.fail("expected a value");
    this.i++;
    if (t.kind === "string") return { kind: "string", value: t.text };
    if (t.kind === "number") return { kind: "number", value: Number(t.text) };
    if (t.kind === "param") {
      this.params.add(t.text);
      return { kind: "param", name: t.text };
    }
    return this.fail(`expected a "string", a number or a $PARAMETER, not '${t.text}'`, t);
  }
}

/** Parses a filter expression; an InvalidInputException names the position of what is wrong. */
export function parseFilter(expression: unknown): FilterPlan {
  if (typeof expression !== "string" || expression.length === 0 || expression.length > MAX_EXPRESSION)
    throw invalidInput(`filterExpression must be 1 to ${MAX_EXPRESSION} characters`);
  return new Parser(tokenize(expression), expression.length).plan();
}

/**
 * A request's filterValues for the plan's parameters: each a comma-separated list of quoted
 * strings or numbers (`"\"Comedy\",\"Drama\""`), as Personalize documents them.
 */
export function bindParams(plan: FilterPlan, filterValues: Record<string, string> | undefined): Map<string, Value[]> {
  const out = new Map<string, Value[]>();
  for (const name of plan.params) {
    const text = filterValues?.[name];
    if (text === undefined) throw invalidInput(`filterValues must give the filter's parameter ${name}`);
    const tokens = tokenize(text);
    const values: Value[] = [];
    tokens.forEach((t, i) => {
      const comma = i % 2 === 1;
      if (comma ? t.text !== "," || t.kind !== "punct" : t.kind !== "string" && t.kind !== "number")
        throw invalidInput(`filterValues.${name} must be quoted strings or numbers separated by commas, e.g. "\\"Comedy\\",\\"Drama\\""`);
      if (!comma) values.push(t.kind === "string" ? { kind: "string", value: t.text } : { kind: "number", value: Number(t.text) });
    });
    if (values.length === 0 || values.length > MAX_VALUES) throw invalidInput(`filterValues.${name} must hold 1 to ${MAX_VALUES} values`);
    out.set(name, values);
  }
  for (const name of Object.keys(filterValues ?? {}))
    if (!plan.params.includes(name)) throw invalidInput(`filterValues names ${name}, which is not a parameter of the filter`);
  return out;
}

function literal(values: Value[], params: Map<string, Value[]>): Value[] {
  return values.flatMap((v) => (v.kind === "param" ? params.get(v.name)! : [v]));
}

function holds(c: Condition, meta: Record<string, string>, params: Map<string, Value[]>): boolean {
  if (c.kind !== "cond")
    return c.kind === "and" ? c.parts.every((p) => holds(p, meta, params)) : c.parts.some((p) => holds(p, meta, params));
  const raw = meta[c.field];
  if (raw === undefined || raw === "") return c.op === "NOT IN" || c.op === "!=";
  const values = literal(c.values, params);
  const matches = (v: Value) => (v.kind === "number" ? Number(raw) === v.value : v.kind === "string" && raw.split("|").includes(v.value));
  switch (c.op) {
    case "IN":
    case "=":
      return values.some(matches);
    case "NOT IN":
    case "!=":
      return !values.some(matches);
    default: {
      const x = Number(raw);
      const first = values[0];
      const y = first.kind === "param" ? Number.NaN : Number(first.value);
      if (Number.isNaN(x) || Number.isNaN(y)) return false;
      return c.op === "<" ? x < y : c.op === "<=" ? x <= y : c.op === ">" ? x > y : x >= y;
    }
  }
}

/** Whether an item with these metadata passes the filter (is allowed into the recommendations). */
export function passes(plan: FilterPlan, meta: Record<string, string>, params: Map<string, Value[]>): boolean {
  const match = holds(plan.where, meta, params);
  return plan.action === "EXCLUDE" ? !match : match;
}
