/**
 * The template cost bound against Handlebars' own parser: on generated templates near each limit,
 * the single-pass scan refuses a template exactly when its parse tree is over a limit (blocks
 * nested deeper than maxDepth, `each` inside `each` deeper than maxEachDepth, subexpressions deeper
 * than maxDepth, partials or decorators). The templates mix in what the scan must step over: `~`
 * whitespace control, comments that hold tags, escaped `\{{`, an escaped backslash before a real
 * tag, triple-stash tags, `{{else}}`/`{{^}}`, helpers whose names start with "each", sibling
 * subexpressions and parentheses inside comments.
 */
import { createRequire } from "node:module";
import fc from "fast-check";
import type Handlebars from "handlebars";
import { describe, expect, test } from "vitest";
import { TEMPLATE_LIMITS, checkTemplateCost } from "../../../src/pinpoint/templates/limits.js";

const hbs = createRequire(import.meta.url)("handlebars") as typeof Handlebars;
const L = TEMPLATE_LIMITS;

type Node = { type: string; [key: string]: unknown };

/** The deepest block nesting, `each` nesting and subexpression nesting, and whether partials or decorators occur, from the AST. */
function measure(source: string) {
  let blockDepth = 0;
  let eachDepth = 0;
  let subDepth = 0;
  let partials = false;
  const sub = (node: unknown, depth: number): void => {
    if (Array.isArray(node)) return node.forEach((n) => sub(n, depth));
    if (typeof node !== "object" || node === null) return;
    const n = node as Node;
    const d = n.type === "SubExpression" ? depth + 1 : depth;
    subDepth = Math.max(subDepth, d);
    for (const key of ["params", "hash", "pairs", "value", "path"]) if (key in n) sub(n[key], d);
  };
  const walk = (node: unknown, blocks: number, eaches: number): void => {
    if (Array.isArray(node)) return node.forEach((n) => walk(n, blocks, eaches));
    if (typeof node !== "object" || node === null) return;
    const n = node as Node;
    if (/Partial|Decorator/.test(n.type)) partials = true;
    if (n.type === "MustacheStatement" || n.type === "BlockStatement") sub([n.params, n.hash], 0);
    if (n.type === "BlockStatement") {
      const isEach = (n.path as { original?: string }).original === "each";
      const b = blocks + 1;
      const e = eaches + (isEach ? 1 : 0);
      blockDepth = Math.max(blockDepth, b);
      eachDepth = Math.max(eachDepth, e);
      walk((n.program as Node | undefined)?.body, b, e);
      walk((n.inverse as Node | undefined)?.body, b, e);
      return;
    }
    if (n.type === "Program") walk(n.body, blocks, eaches);
  };
  walk(hbs.parse(source), 0, 0);
  return { blockDepth, eachDepth, subDepth, partials };
}

const refused = (source: string): boolean => {
  try {
    checkTemplateCost(source, "HtmlPart");
    return false;
  } catch {
    return true;
  }
};

/** Text and tags that change no nesting, which the scan must step over correctly. */
const noise = fc.constantFrom(
  "",
  "text ",
  "{{a}}",
  "{{~ a ~}}",
  "{{{raw}}}",
  "{{! note }}",
  "{{!-- {{#each x}}{{#each y}}{{#each z}}{{#each w}} --}}",
  "\\{{#each x}}",
  "\\{{#if x}}",
  "\\\\{{a}}",
  "{{else}}",
  "{{^}}",
  " } { ",
  // Sibling subexpressions are one level deep however many there are.
  `{{h ${"(a) ".repeat(40)}}}`,
  // Parentheses inside comments are not subexpressions.
  `{{! ${"(".repeat(40)} }}`,
  `{{!-- ${"(".repeat(40)} --}}`,
  "{{{h (a)}}}",
);

/** One block kind: its opener and closer. */
const BLOCKS = {
  if: ["{{#if a}}", "{{/if}}"],
  tildeIf: ["{{~#if a~}}", "{{~/if~}}"],
  each: ["{{#each a}}", "{{/each}}"],
  tildeEach: ["{{~#each a~}}", "{{~/each~}}"],
  eachy: ["{{#eachy a}}", "{{/eachy}}"],
  eachDash: ["{{#each-thing a}}", "{{/each-thing}}"],
  inverse: ["{{^if a}}", "{{/if}}"],
  with: ["{{#with a}}", "{{/with}}"],
} as const;
type Kind = keyof typeof BLOCKS;

const template = fc.record({
  kinds: fc.array(fc.constantFrom(...(Object.keys(BLOCKS) as Kind[])), { maxLength: L.maxDepth + 3 }),
  eachBias: fc.integer({ min: 0, max: L.maxEachDepth + 1 }),
  sub: fc.integer({ min: 0, max: L.maxDepth + 2 }),
  noise: fc.array(noise, { minLength: 1, maxLength: 8 }),
  partial: fc.constantFrom("", "", "", "", "{{> p}}", "{{#> layout}}x{{/layout}}", '{{#*inline "n"}}x{{/inline}}'),
});

type TemplateSpec = typeof template extends fc.Arbitrary<infer R> ? R : never;

/** Builds the template: the blocks nested in order (the first `eachBias` of them made `each`), a subexpression chain at the centre, noise between. */
function build(t: TemplateSpec): string {
  const kinds: Kind[] = [...Array.from({ length: t.eachBias }, () => "each" as Kind), ...t.kinds];
  const pick = (i: number) => t.noise[i % t.noise.length];
  let centre = t.sub === 0 ? "{{h x}}" : `{{h ${"(h ".repeat(t.sub)}1${")".repeat(t.sub)}}}`;
  centre = `${pick(0)}${centre}${t.partial}${pick(1)}`;
  let out = centre;
  kinds.forEach((k, i) => {
    const [open, close] = BLOCKS[k];
    out = `${open}${pick(i + 2)}${out}${pick(i + 3)}${close}`;
  });
  return out;
}

describe("the cost bound agrees with Handlebars' parse tree", () => {
  test("refused exactly when a nesting limit is passed or a partial or decorator is used", () => {
    const seen = { refused: 0, accepted: 0 };
    fc.assert(
      fc.property(template, (t) => {
        const source = build(t);
        // Only templates Handlebars can parse (an {{else}} outside a block, or two in one, is a syntax error the compile reports).
        let m: ReturnType<typeof measure>;
        try {
          m = measure(source);
        } catch {
          fc.pre(false);
          return;
        }
        const over = m.blockDepth > L.maxDepth || m.eachDepth > L.maxEachDepth || m.subDepth > L.maxDepth || m.partials;
        expect(refused(source), `${JSON.stringify(m)} ${source}`).toBe(over);
        seen[over ? "refused" : "accepted"]++;
      }),
      { numRuns: 600, seed: 20261207, maxSkipsPerRun: 10 },
    );
    // Both sides of every limit were tried, not only one.
    expect(seen.refused).toBeGreaterThan(100);
    expect(seen.accepted).toBeGreaterThan(100);
  });
});
