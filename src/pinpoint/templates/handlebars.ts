/**
 * The one Handlebars environment pinrec uses: the save-time check of a template and the send-time
 * rendering both compile through here, with the same helpers and options, so what validates is
 * what renders. Prototype properties and methods are never reachable from a template (Handlebars'
 * own protection, kept off explicitly), and values are HTML-escaped only where the output is HTML.
 */
import { createRequire } from "node:module";
import type Handlebars from "handlebars";
import { checkTemplateCost } from "./limits.js";
import { MAX_EACH_ITEMS, PINPOINT_HELPERS } from "./helpers.js";

type Environment = typeof Handlebars;

interface Environments {
  /** With Pinpoint's helpers. */
  full: Environment;
  /**
   * The same environment without Pinpoint's helpers, for templates that name none of them:
   * Handlebars wraps every registered helper on every render, so a template that uses only
   * `each`/`if` renders markedly faster here, with identical output.
   */
  lean: Environment;
}

let environments: Environments | undefined;

/**
 * The environments, created on the first template compiled: a server that never saves nor renders
 * a template never loads Handlebars (about 10 MB of RSS in a fresh process). Handlebars is a
 * CommonJS package, so `require` loads it synchronously and compiling stays synchronous.
 */
function env(): Environments {
  if (environments) return environments;
  const Handlebars = createRequire(import.meta.url)("handlebars") as Environment;
  // Handlebars' logger writes to the server's console: through the `log` helper (removed below)
  // and when a template reaches for a prototype property ("Access has been denied to resolve the
  // property …", naming what the template asked for). A template must never write to the
  // server's log, so the shared logger is silenced; a refused property still renders as empty.
  Handlebars.logger.log = () => undefined;
  const full = Handlebars.create();
  for (const [name, helper] of Object.entries(PINPOINT_HELPERS)) full.registerHelper(name, helper);
  const lean = Handlebars.create();
  for (const e of [full, lean]) {
    for (const name of REFUSED_HELPERS) e.unregisterHelper(name);
    const builtInEach = e.helpers.each;
    e.registerHelper("each", function (this: unknown, context: unknown, options: Handlebars.HelperOptions) {
      return builtInEach.call(this, cappedForEach(context), options);
    });
  }
  return (environments = { full, lean });
}

/**
 * What `each` iterates, cut to Pinpoint's 15 items whatever it is: a list, an object (its first 15
 * keys; three nested `each` over a 200-key object rendered 8 million times), or another iterable.
 */
function cappedForEach(context: unknown): unknown {
  if (Array.isArray(context)) return context.length > MAX_EACH_ITEMS ? context.slice(0, MAX_EACH_ITEMS) : context;
  if (typeof context !== "object" || context === null) return context;
  if (typeof (context as Iterable<unknown>)[Symbol.iterator] === "function") {
    const out: unknown[] = [];
    for (const item of context as Iterable<unknown>) {
      if (out.length === MAX_EACH_ITEMS) break;
      out.push(item);
    }
    return out;
  }
  const keys = Object.keys(context);
  if (keys.length <= MAX_EACH_ITEMS) return context;
  const out: Record<string, unknown> = {};
  // defineProperty, not assignment: a "__proto__" key of parsed JSON stays a plain key.
  for (const k of keys.slice(0, MAX_EACH_ITEMS))
    Object.defineProperty(out, k, { value: (context as Record<string, unknown>)[k], enumerable: true, writable: true, configurable: true });
  return out;
}

type Node = { type: string; [key: string]: unknown };

/**
 * Handlebars built-ins that message templates may not call. `log` writes its arguments to the
 * server's log (Pinpoint documents no such helper: "Using message template helpers", Amazon
 * Pinpoint User Guide): tenant text there can flood the log or forge lines. A template naming one
 * is refused where it is checked (save, direct content) and fails its recipient if it is rendered.
 */
export const REFUSED_HELPERS = ["log"] as const;

/** The refused helper a parsed template calls (as a mustache, block or subexpression), if any. */
export function refusedHelperIn(node: unknown): string | undefined {
  if (Array.isArray(node)) {
    for (const n of node) {
      const found = refusedHelperIn(n);
      if (found) return found;
    }
    return undefined;
  }
  if (typeof node !== "object" || node === null) return undefined;
  const n = node as Node;
  if (n.type === "MustacheStatement" || n.type === "BlockStatement" || n.type === "SubExpression") {
    const path = n.path as Node;
    const parts = path.parts as string[] | undefined;
    if (
      path.type === "PathExpression" &&
      !path.data &&
      parts?.length === 1 &&
      (REFUSED_HELPERS as readonly string[]).includes(parts[0]) &&
      path.original === parts[0]
    )
      return parts[0];
  }
  for (const key of ["body", "program", "inverse", "path", "params", "hash", "pairs", "value"]) {
    if (key in n) {
      const found = refusedHelperIn(n[key]);
      if (found) return found;
    }
  }
  return undefined;
}

/** The message of the 400 (save, direct content) or the render failure for a refused helper. */
export function refusedHelperMessage(helper: string): string {
  return `the ${helper} helper is not supported in message templates: a template cannot write to the server's log`;
}

/** A template calls a refused helper: thrown by compiling, so it fails that recipient at send time. */
export class RefusedHelper extends Error {
  override readonly name = "RefusedHelper";
  constructor(readonly helper: string) {
    super(refusedHelperMessage(helper));
  }
}

/** True when any one-segment name in the template is one of Pinpoint's helpers (it may be called as one). */
function namesPinpointHelper(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(namesPinpointHelper);
  if (typeof node !== "object" || node === null) return false;
  const n = node as Node;
  if (n.type === "PathExpression") {
    const parts = n.parts as string[];
    return !n.data && parts.length === 1 && Object.hasOwn(PINPOINT_HELPERS, parts[0]);
  }
  for (const key of ["body", "program", "inverse", "path", "params", "hash", "pairs", "value"]) {
    if (key in n && namesPinpointHelper(n[key])) return true;
  }
  return false;
}

/** Handlebars features Pinpoint templates do not have: partials and decorators are refused at compile time. */
const COMPILE_OPTIONS = { strict: false, assumeObjects: false, preventIndent: true } as const;
const RUNTIME_OPTIONS: Handlebars.RuntimeOptions = {
  allowProtoPropertiesByDefault: false,
  allowProtoMethodsByDefault: false,
  allowCallsToHelperMissing: false,
};

export type RenderFunction = (context: unknown) => string;

/** Compiles once (eagerly, so syntax errors surface here) into a function that renders a context. */
export function compileTemplate(text: string, opts: { escapeHtml: boolean }): RenderFunction {
  if (!text.includes("{{")) return () => text;
  // Saved templates passed this bound when they were saved; checked again because it is cheap
  // (linear) and compiling past it could stall the event loop for every tenant.
  checkTemplateCost(text, "template");
  const { full, lean } = env();
  const ast = full.parse(text);
  const refused = refusedHelperIn(ast);
  if (refused) throw new RefusedHelper(refused);
  const template = (namesPinpointHelper(ast) ? full : lean).compile(ast, { ...COMPILE_OPTIONS, noEscape: !opts.escapeHtml });
  // Handlebars compiles lazily on first call; force it now with an empty context.
  template({}, RUNTIME_OPTIONS);
  return (context) => template(context, RUNTIME_OPTIONS);
}

/** Parses and precompiles without rendering: the save-time check. Throws Handlebars' own errors. */
export function precompileTemplate(text: string): void {
  const { full } = env();
  const ast = full.parse(text);
  const refused = refusedHelperIn(ast);
  if (refused) throw new RefusedHelper(refused);
  full.precompile(ast, COMPILE_OPTIONS);
}

/** The parser's position after a parse error (Handlebars' lexer keeps it). */
export function lastParsePosition(): { first_line: number; first_column: number } | undefined {
  return (env().full as unknown as { Parser?: { lexer?: { yylloc?: { first_line: number; first_column: number } } } }).Parser?.lexer
    ?.yylloc;
}

/** A bounded cache of compiled templates, keyed by the caller (template name, type, version and edit time). */
export class CompiledTemplateCache {
  private readonly entries = new Map<string, RenderFunction>();
  constructor(private readonly max = 1000) {}

  get(key: string, text: string, opts: { escapeHtml: boolean }): RenderFunction {
    const full = `${opts.escapeHtml ? "h" : "t"}\u0000${key}`;
    let fn = this.entries.get(full);
    if (fn) {
      // Refresh its place: Map iteration order is insertion order, so the first key is the eldest.
      this.entries.delete(full);
      this.entries.set(full, fn);
      return fn;
    }
    fn = compileTemplate(text, opts);
    this.entries.set(full, fn);
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
    return fn;
  }
}
