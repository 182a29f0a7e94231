/**
 * The cost bound on every message template, checked by a single linear pass over the source BEFORE
 * Handlebars sees it. Handlebars' parser and compiler are far from linear: 5,000 nested `{{#if}}`
 * (80 KB) took 10 s of one thread and ends in "Maximum call stack size exceeded"; long chains of
 * parameters or path segments, or very many tags, cost seconds too. Templates are checked here when
 * they are saved (CreateEmailTemplate and friends) and again by the send pipeline before it compiles
 * one, so a template that got into the store some other way is bounded as well.
 *
 * The numbers sit far above anything a real Pinpoint template needs: AWS's largest template part
 * is an email template's 600,000 characters, Pinpoint's `each` lists hold at most 15 items, and its
 * message variables are short paths such as `{{User.UserAttributes.FirstName.[0]}}`. They are listed,
 * with what a client gets past each, in docs/security.md.
 */
import { badRequest } from "../../shared/errors.js";

export const TEMPLATE_LIMITS = {
  /** Characters in one template part: the email template quota, AWS's largest. */
  maxChars: 600_000,
  /** `{{…}}` tags of every kind in one part (variables, helpers, block openers and closers). */
  maxTags: 10_000,
  /** Characters in one `{{…}}` tag: bounds the parameters, hash pairs and path segments it holds. */
  maxTagChars: 2_000,
  /** Block sections (`{{#…}}`, `{{^…}}`) in one part. */
  maxBlocks: 2_000,
  /** How deep blocks nest, and separately how deep `(subexpressions)` nest inside one tag. */
  maxDepth: 30,
  /**
   * `{{#each}}` inside `{{#each}}`: the render cost is the product of the list lengths (15 items
   * each in Pinpoint; 50 values for a custom attribute), so this is a bound on work at send time.
   */
  maxEachDepth: 3,
} as const;

function tooCostly(field: string, what: string): never {
  throw badRequest(`${field} is refused as a message template: ${what}`);
}

/** Skips blanks and a `~` whitespace-control mark, returning the next index. */
function skipBlanks(s: string, i: number, end: number): number {
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c === 0x7e /* ~ */ || c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++;
    else break;
  }
  return i;
}

/**
 * Throws a 400 BadRequestException naming `field` and the limit when `source` is over any of
 * TEMPLATE_LIMITS, or uses partials or decorators (`{{> …}}`, `{{* …}}`), which Pinpoint
 * templates do not support and whose inline form can recurse without bound at render time.
 * One pass over the text, no allocation per tag beyond a small stack.
 */
export function checkTemplateCost(source: string, field: string): void {
  const L = TEMPLATE_LIMITS;
  if (source.length > L.maxChars) tooCostly(field, `it has ${source.length} characters; the limit is ${L.maxChars}`);
  let open = source.indexOf("{{");
  if (open === -1) return;
  let tags = 0;
  let blocks = 0;
  let eachDepth = 0;
  /** One entry per open block: true when it is an `each`. */
  const stack: boolean[] = [];
  while (open !== -1) {
    // `\{{` is literal text (`\\{{` is an escaped backslash before a real tag).
    if (open > 0 && source.charCodeAt(open - 1) === 0x5c && !(open > 1 && source.charCodeAt(open - 2) === 0x5c)) {
      open = source.indexOf("{{", open + 2);
      continue;
    }
    let i = open + 2;
    // Comments are skipped whole: `{{!-- … --}}` may contain `}}`.
    if (source.startsWith("!--", skipBlanks(source, i, i + 1))) {
      const end = source.indexOf("--}}", i + 3);
      if (end === -1) return; // unterminated: Handlebars' parser reports it as a syntax error
      open = source.indexOf("{{", end + 4);
      continue;
    }
    while (source.charCodeAt(i) === 0x7b /* { */ && i < open + 4) i++; // `{{{raw}}}`, `{{{{raw-block}}}}`
    const close = source.indexOf("}}", i);
    if (close === -1) return; // unterminated: a syntax error Handlebars reports cheaply
    if (close - open > L.maxTagChars) {
      tooCostly(field, `the tag at character ${open} is ${close - open + 2} characters long; the limit is ${L.maxTagChars}`);
    }
    if (++tags > L.maxTags) tooCostly(field, `it has more than ${L.maxTags} {{…}} tags`);

    i = skipBlanks(source, i, close);
    const sigil = source.charCodeAt(i);
    if (sigil === 0x21 /* ! */) {
      // `{{! comment }}`
    } else if (sigil === 0x3e /* > */ || sigil === 0x2a /* * */) {
      tooCostly(field, "partials ({{> …}}) and decorators ({{* …}}) are not supported in message templates");
    } else if (sigil === 0x23 /* # */ || (sigil === 0x5e /* ^ */ && skipBlanks(source, i + 1, close) < close)) {
      // A block opener; `{{^}}` alone is an `else`.
      const name = skipBlanks(source, i + 1, close);
      const kind = source.charCodeAt(name);
      if (kind === 0x3e || kind === 0x2a) {
        tooCostly(field, "partials ({{> …}}) and decorators ({{* …}}) are not supported in message templates");
      }
      if (++blocks > L.maxBlocks) tooCostly(field, `it has more than ${L.maxBlocks} block sections`);
      const isEach = sigil === 0x23 && source.startsWith("each", name) && !/[\w-]/.test(source.charAt(name + 4));
      stack.push(isEach);
      if (stack.length > L.maxDepth) tooCostly(field, `its blocks nest more than ${L.maxDepth} deep`);
      if (isEach && ++eachDepth > L.maxEachDepth) tooCostly(field, `its {{#each}} blocks nest more than ${L.maxEachDepth} deep`);
    } else if (sigil === 0x2f /* / */) {
      if (stack.pop()) eachDepth--;
    }

    // Subexpressions: `{{helper (a (b (c …)))}}` recurses in the parser and compiler. A comment's
    // parentheses are text.
    let depth = 0;
    for (let k = sigil === 0x21 ? close : i; k < close; k++) {
      const c = source.charCodeAt(k);
      if (c === 0x28 /* ( */) {
        if (++depth > L.maxDepth) tooCostly(field, `its (subexpressions) nest more than ${L.maxDepth} deep`);
      } else if (c === 0x29 /* ) */ && depth > 0) depth--;
    }
    open = source.indexOf("{{", close + 2);
  }
}
