/**
 * The documented rules for message templates (spec §5.1, §5.3) and the Handlebars check: every
 * text part is parsed and compiled when the template is saved, so a syntax error is a 400 naming
 * the part, line and column instead of a failure discovered at send time.
 */
import { badRequest } from "../shared/errors.js";
import { lastParsePosition, precompileTemplate } from "./handlebars.js";

export const TEMPLATE_TYPES = ["EMAIL", "SMS", "VOICE", "PUSH", "INAPP"] as const;
export type TemplateType = (typeof TEMPLATE_TYPES)[number];
/** The types pinrec stores (those that can name a recommender, spec §3.1). */
export type ServedType = "EMAIL" | "SMS" | "PUSH";

export const TEMPLATE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
export const MAX_EMAIL_CHARS = 600_000;
export const MAX_SMS_CHARS = 1_600;
export const MAX_PUSH_PART_CHARS = 4_000;
export const MAX_ADM_PART_CHARS = 6_000;
export const MAX_EMAIL_HEADERS = 15;
export const MAX_HEADER_NAME = 126;
export const MAX_HEADER_VALUE = 870;
export const PUSH_ACTIONS = ["OPEN_APP", "DEEP_LINK", "URL"];
export const PUSH_PARTS = ["Default", "APNS", "GCM", "ADM", "Baidu"] as const;

function check(ok: boolean, message: string): void {
  if (!ok) throw badRequest(message);
}

/** Accepts a template type as AWS spells it, in any case; undefined when it is not one. */
export function templateType(raw: string): TemplateType | undefined {
  const t = raw.toUpperCase();
  return (TEMPLATE_TYPES as readonly string[]).includes(t) ? (t as TemplateType) : undefined;
}

export function validateTemplateName(name: string): void {
  check(
    TEMPLATE_NAME.test(name),
    `Template name '${name}' must start with a letter or number and contain up to 128 letters, numbers, underscores or hyphens`,
  );
}

/** Parses and precompiles one text part; a syntax error becomes a 400 that says where. */
export function checkHandlebars(part: string, text: string): void {
  if (!text.includes("{{")) return;
  try {
    precompileTemplate(text);
  } catch (err) {
    const e = err as { message?: string; lineNumber?: number; column?: number };
    const raw = String(e.message ?? err);
    let line: number | undefined;
    let column: number | undefined;
    let detail: string;
    if (typeof e.lineNumber === "number") {
      // Handlebars' own exceptions (e.g. "if doesn't match each - 1:3") carry a 0-based column.
      line = e.lineNumber;
      column = (e.column ?? 0) + 1;
      detail = raw.replace(/ - \d+:\d+$/, "");
    } else {
      // Parser errors: the lexer still holds the position of the token it stopped at.
      const loc = lastParsePosition();
      const lines = raw.split("\n");
      line = loc?.first_line ?? Number(/line (\d+)/.exec(lines[0])?.[1] ?? 1);
      column = loc ? loc.first_column + 1 : undefined;
      detail = lines[lines.length - 1];
    }
    if (/got 'EOF'$/.test(detail) && /OPEN_ENDBLOCK/.test(detail)) detail = "the template ends inside a block: a {{#…}} has no matching {{/…}}";
    else if (/^Expecting /.test(detail)) detail = `unexpected ${/got '([^']+)'$/.exec(detail)?.[1] ?? "text"} (${detail})`;
    const source = text.split("\n")[line - 1] ?? "";
    const at = Math.max(0, (column ?? 1) - 1);
    const near = source.slice(Math.max(0, at - 20), at + 20).trim();
    throw badRequest(
      `${part} is not a valid template: syntax error at line ${line}${column !== undefined ? `, column ${column}` : ""}${near ? ` near '${near}'` : ""}: ${detail}`,
    );
  }
}

/** DefaultSubstitutions is a string holding a JSON object (spec §3.2). */
export function validateDefaultSubstitutions(value: string | undefined): void {
  if (value === undefined) return;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw badRequest("DefaultSubstitutions must be a string containing a JSON object, for example {\"User.UserAttributes.FirstName\":\"there\"}; it is not valid JSON");
  }
  check(typeof parsed === "object" && parsed !== null && !Array.isArray(parsed), "DefaultSubstitutions must be a string containing a JSON object");
}

const length = (...parts: (string | undefined)[]) => parts.reduce((n, p) => n + (p?.length ?? 0), 0);

/** Type-specific rules: size quotas, enums and the Handlebars check of every text part. */
export function validateContent(type: ServedType, content: Record<string, unknown>): void {
  validateDefaultSubstitutions(content.DefaultSubstitutions as string | undefined);
  if (type === "EMAIL") {
    const { Subject, HtmlPart, TextPart } = content as { Subject?: string; HtmlPart?: string; TextPart?: string };
    const total = length(Subject, HtmlPart, TextPart);
    check(total <= MAX_EMAIL_CHARS, `An email template can contain at most ${MAX_EMAIL_CHARS} characters; this one has ${total}`);
    const headers = (content.Headers as { Name?: string; Value?: string }[] | undefined) ?? [];
    check(headers.length <= MAX_EMAIL_HEADERS, `An email template can have at most ${MAX_EMAIL_HEADERS} headers`);
    headers.forEach((h, i) => {
      check(h.Name !== undefined && h.Name.length > 0 && h.Name.length <= MAX_HEADER_NAME, `Headers[${i}].Name must be between 1 and ${MAX_HEADER_NAME} characters`);
      check((h.Value ?? "").length <= MAX_HEADER_VALUE, `Headers[${i}].Value must be at most ${MAX_HEADER_VALUE} characters`);
    });
    if (Subject !== undefined) checkHandlebars("Subject", Subject);
    if (HtmlPart !== undefined) checkHandlebars("HtmlPart", HtmlPart);
    if (TextPart !== undefined) checkHandlebars("TextPart", TextPart);
    headers.forEach((h, i) => h.Value !== undefined && checkHandlebars(`Headers[${i}].Value`, h.Value));
  } else if (type === "SMS") {
    const body = content.Body as string | undefined;
    check(length(body) <= MAX_SMS_CHARS, `An SMS template body can contain at most ${MAX_SMS_CHARS} characters; this one has ${length(body)}`);
    if (body !== undefined) checkHandlebars("Body", body);
  } else {
    for (const partName of PUSH_PARTS) {
      const part = content[partName] as Record<string, unknown> | undefined;
      if (!part) continue;
      const limit = partName === "ADM" ? MAX_ADM_PART_CHARS : MAX_PUSH_PART_CHARS;
      const strings = Object.entries(part).filter(([k, v]) => k !== "Action" && typeof v === "string") as [string, string][];
      const total = length(...strings.map(([, v]) => v));
      check(total <= limit, `The ${partName} part of a push template can contain at most ${limit} characters; it has ${total}`);
      if (part.Action !== undefined) check(PUSH_ACTIONS.includes(part.Action as string), `${partName}.Action must be one of ${PUSH_ACTIONS.join(", ")}`);
      for (const [field, value] of strings) checkHandlebars(`${partName}.${field}`, value);
    }
  }
}
