/**
 * The documented rules for message templates (Amazon Pinpoint API Reference: Email Template, SMS
 * Template, Push Notification Template; Amazon Pinpoint Developer Guide: Quotas) and the Handlebars check: every
 * text part is bounded in cost, then parsed and compiled when the template is saved.
 */
import { badRequest, checkInput, type ApiError } from "../../shared/errors.js";
import type { HandlebarsFailure, TemplateCompiler, TemplatePart } from "./compiler.js";
import { lastParsePosition, precompileTemplate, RefusedHelper, refusedHelperMessage } from "./handlebars.js";
import { checkTemplateCost } from "./limits.js";

export const TEMPLATE_TYPES = ["EMAIL", "SMS", "VOICE", "PUSH", "INAPP"] as const;
export type TemplateType = (typeof TEMPLATE_TYPES)[number];
/** The types pinrec stores (those with a `RecommenderId` member: EmailTemplateRequest,
 * SMSTemplateRequest, PushNotificationTemplateRequest). */
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

/** Accepts a template type as AWS spells it, in any case; undefined when it is not one. */
export function templateType(raw: string): TemplateType | undefined {
  const t = raw.toUpperCase();
  return (TEMPLATE_TYPES as readonly string[]).includes(t) ? (t as TemplateType) : undefined;
}

export function validateTemplateName(name: string): void {
  checkInput(
    TEMPLATE_NAME.test(name),
    `Template name '${name}' must start with a letter or number and contain up to 128 letters, numbers, underscores or hyphens`,
  );
}

/** Handlebars' complaint about one part as a 400 that names the part, line and column. */
export function describeHandlebarsFailure(part: string, text: string, failure: HandlebarsFailure): ApiError {
  const raw = failure.message;
  let line: number;
  let column: number | undefined;
  let detail: string;
  if (failure.lineNumber !== undefined) {
    // Handlebars' own exceptions (e.g. "if doesn't match each - 1:3") carry a 0-based column.
    line = failure.lineNumber;
    column = (failure.column ?? 0) + 1;
    detail = raw.replace(/ - \d+:\d+$/, "");
  } else {
    // Parser errors: the lexer still holds the position of the token it stopped at.
    const lines = raw.split("\n");
    line = failure.lexerLine ?? Number(/line (\d+)/.exec(lines[0])?.[1] ?? 1);
    column = failure.lexerColumn !== undefined ? failure.lexerColumn + 1 : undefined;
    detail = lines[lines.length - 1];
  }
  if (/got 'EOF'$/.test(detail) && /OPEN_ENDBLOCK/.test(detail))
    detail = "the template ends inside a block: a {{#…}} has no matching {{/…}}";
  else if (/^Expecting /.test(detail)) detail = `unexpected ${/got '([^']+)'$/.exec(detail)?.[1] ?? "text"} (${detail})`;
  const source = text.split("\n")[line - 1] ?? "";
  const at = Math.max(0, (column ?? 1) - 1);
  const near = source.slice(Math.max(0, at - 20), at + 20).trim();
  return badRequest(
    `${part} is not a valid template: syntax error at line ${line}${column !== undefined ? `, column ${column}` : ""}${near ? ` near '${near}'` : ""}: ${detail}`,
  );
}

/**
 * The Handlebars check of every text part: first the linear cost bound (TEMPLATE_LIMITS), then
 * Handlebars' own parse and precompile in the compiler's worker thread, so a syntax error is a 400
 * naming the part, line and column instead of a failure discovered at send time.
 */
export async function checkTemplateParts(parts: TemplatePart[], compiler: TemplateCompiler): Promise<void> {
  const templated = parts.filter((p) => p.text.includes("{{"));
  for (const p of templated) checkTemplateCost(p.text, p.field);
  const refused = await compiler.compile(templated);
  if (!refused) return;
  const field = templated[refused.index].field;
  if (refused.failure.refusedHelper)
    throw badRequest(`${field} is refused as a message template: ${refusedHelperMessage(refused.failure.refusedHelper)}`);
  throw describeHandlebarsFailure(field, templated[refused.index].text, refused.failure);
}

/**
 * The same check for one part, on the calling thread: for callers that cannot wait for the worker
 * (short texts such as a message's `TitleOverride`). The cost bound comes first, so Handlebars
 * never sees a template over TEMPLATE_LIMITS; prefer `checkTemplateParts` for template content.
 */
export function checkHandlebars(part: string, text: string): void {
  if (!text.includes("{{")) return;
  checkTemplateCost(text, part);
  try {
    precompileTemplate(text);
  } catch (err) {
    if (err instanceof RefusedHelper) throw badRequest(`${part} is refused as a message template: ${err.message}`);
    const e = err as { message?: string; lineNumber?: number; column?: number };
    const lexer = lastParsePosition();
    throw describeHandlebarsFailure(part, text, {
      message: String(e.message ?? err),
      lineNumber: typeof e.lineNumber === "number" ? e.lineNumber : undefined,
      column: typeof e.column === "number" ? e.column : undefined,
      lexerLine: lexer?.first_line,
      lexerColumn: lexer?.first_column,
    });
  }
}

/** `DefaultSubstitutions` is a string holding a JSON object (Amazon Pinpoint API Reference, Email
 * Template: "A JSON object that specifies the default values to use for message variables"). */
export function validateDefaultSubstitutions(value: string | undefined): void {
  if (value === undefined) return;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw badRequest(
      'DefaultSubstitutions must be a string containing a JSON object, for example {"User.UserAttributes.FirstName":"there"}; it is not valid JSON',
    );
  }
  checkInput(
    typeof parsed === "object" && parsed !== null && !Array.isArray(parsed),
    "DefaultSubstitutions must be a string containing a JSON object",
  );
}

const length = (...parts: (string | undefined)[]) => parts.reduce((n, p) => n + (p?.length ?? 0), 0);

/** Type-specific rules: size quotas, enums and the Handlebars check of every text part. */
export async function validateContent(type: ServedType, content: Record<string, unknown>, compiler: TemplateCompiler): Promise<void> {
  const parts: TemplatePart[] = [];
  validateDefaultSubstitutions(content.DefaultSubstitutions as string | undefined);
  if (type === "EMAIL") {
    const { Subject, HtmlPart, TextPart } = content as { Subject?: string; HtmlPart?: string; TextPart?: string };
    const total = length(Subject, HtmlPart, TextPart);
    checkInput(total <= MAX_EMAIL_CHARS, `An email template can contain at most ${MAX_EMAIL_CHARS} characters; this one has ${total}`);
    const headers = (content.Headers as { Name?: string; Value?: string }[] | undefined) ?? [];
    checkInput(headers.length <= MAX_EMAIL_HEADERS, `An email template can have at most ${MAX_EMAIL_HEADERS} headers`);
    headers.forEach((h, i) => {
      checkInput(
        h.Name !== undefined && h.Name.length > 0 && h.Name.length <= MAX_HEADER_NAME,
        `Headers[${i}].Name must be between 1 and ${MAX_HEADER_NAME} characters`,
      );
      checkInput((h.Value ?? "").length <= MAX_HEADER_VALUE, `Headers[${i}].Value must be at most ${MAX_HEADER_VALUE} characters`);
    });
    if (Subject !== undefined) parts.push({ field: "Subject", text: Subject });
    if (HtmlPart !== undefined) parts.push({ field: "HtmlPart", text: HtmlPart });
    if (TextPart !== undefined) parts.push({ field: "TextPart", text: TextPart });
    headers.forEach((h, i) => h.Value !== undefined && parts.push({ field: `Headers[${i}].Value`, text: h.Value }));
  } else if (type === "SMS") {
    const body = content.Body as string | undefined;
    checkInput(
      length(body) <= MAX_SMS_CHARS,
      `An SMS template body can contain at most ${MAX_SMS_CHARS} characters; this one has ${length(body)}`,
    );
    if (body !== undefined) parts.push({ field: "Body", text: body });
  } else {
    for (const partName of PUSH_PARTS) {
      const part = content[partName] as Record<string, unknown> | undefined;
      if (!part) continue;
      const limit = partName === "ADM" ? MAX_ADM_PART_CHARS : MAX_PUSH_PART_CHARS;
      const strings = Object.entries(part).filter(([k, v]) => k !== "Action" && typeof v === "string") as [string, string][];
      const total = length(...strings.map(([, v]) => v));
      checkInput(total <= limit, `The ${partName} part of a push template can contain at most ${limit} characters; it has ${total}`);
      if (part.Action !== undefined)
        checkInput(PUSH_ACTIONS.includes(part.Action as string), `${partName}.Action must be one of ${PUSH_ACTIONS.join(", ")}`);
      for (const [field, value] of strings) parts.push({ field: `${partName}.${field}`, text: value });
    }
  }
  await checkTemplateParts(parts, compiler);
}
