/**
 * Tracked email: every link of a message's HTML part becomes a signed tracking URL, and an open
 * pixel is added (what Amazon Pinpoint's "Email events" page calls the `_email.click` and
 * `_email.open` events). Text parts, `mailto:` and `tel:` links, fragments and links without an
 * http(s) URL are left as they are.
 *
 * A link's URL is `<base>/_pinrec/t/c/<message id>/<index>/<url, base64url>/<signature>`: the
 * HMAC-SHA256 (truncated to 128 bits) over message id, link index and the exact original URL, so
 * the redirect needs no lookup, and no URL can be made to redirect anywhere the message did not link.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export const TRACKING_PREFIX = "/_pinrec/t";

/** The placeholder an HTML link's href may name to become the message's unsubscribe link. */
export const UNSUBSCRIBE_PLACEHOLDER = "pinrec:unsubscribe";

export type TrackedAction = "c" | "o" | "u";

export function sign(key: Buffer, action: TrackedAction, messageId: string, index: number, url: string): string {
  return createHmac("sha256", key).update(`${action}\n${messageId}\n${index}\n${url}`).digest().subarray(0, 16).toString("base64url");
}

export function verify(key: Buffer, action: TrackedAction, messageId: string, index: number, url: string, signature: string): boolean {
  const want = Buffer.from(sign(key, action, messageId, index, url), "base64url");
  const got = Buffer.from(signature, "base64url");
  return got.length === want.length && timingSafeEqual(got, want);
}

export function clickUrl(base: string, key: Buffer, messageId: string, index: number, url: string): string {
  const encoded = Buffer.from(url, "utf8").toString("base64url");
  return `${base}${TRACKING_PREFIX}/c/${messageId}/${index}/${encoded}/${sign(key, "c", messageId, index, url)}`;
}

export function openUrl(base: string, key: Buffer, messageId: string): string {
  return `${base}${TRACKING_PREFIX}/o/${messageId}/${sign(key, "o", messageId, 0, "")}.gif`;
}

export function unsubscribeUrl(base: string, key: Buffer, messageId: string): string {
  return `${base}${TRACKING_PREFIX}/u/${messageId}/${sign(key, "u", messageId, 0, "")}`;
}

const NAMED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0" };

/** HTML character references in an attribute value, decoded (`&amp;` → `&`, `&#38;`, `&#x26;`). */
export function decodeEntities(value: string): string {
  return value.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, ref: string) => {
    if (ref[0] === "#") {
      const code = ref[1] === "x" || ref[1] === "X" ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED[ref.toLowerCase()] ?? whole;
  });
}

const escapeAttr = (v: string): string => v.replace(/&/g, "&amp;").replace(/"/g, "&quot;");

const ANCHOR = /<a\b[^>]*>/gi;
const HREF = /(\shref\s*=\s*)("([^"]*)"|'([^']*)'|([^\s"'>]+))/i;

export interface TrackedHtml {
  html: string;
  /** The original URLs, by link index. */
  links: string[];
}

/** Rewrites the links of `html` and adds the open pixel; `base` is the public tracking base URL. */
export function trackHtml(html: string, base: string, key: Buffer, messageId: string): TrackedHtml {
  const links: string[] = [];
  const rewritten = html.replace(ANCHOR, (tag) => {
    const m = HREF.exec(tag);
    if (!m) return tag;
    const raw = m[3] ?? m[4] ?? m[5] ?? "";
    const url = decodeEntities(raw).trim();
    let target: string;
    if (url === UNSUBSCRIBE_PLACEHOLDER) target = unsubscribeUrl(base, key, messageId);
    else if (/^https?:\/\//i.test(url)) {
      target = clickUrl(base, key, messageId, links.length, url);
      links.push(url);
    } else return tag;
    return tag.slice(0, m.index) + `${m[1]}"${escapeAttr(target)}"` + tag.slice(m.index + m[0].length);
  });
  const pixel = `<img src="${escapeAttr(openUrl(base, key, messageId))}" width="1" height="1" alt="" style="display:none">`;
  const close = rewritten.search(/<\/body\s*>/i);
  return { html: close < 0 ? rewritten + pixel : rewritten.slice(0, close) + pixel + rewritten.slice(close), links };
}

/** Only the unsubscribe placeholder links replaced: what a message whose link tracking is off gets. */
export function replaceUnsubscribe(html: string, base: string, key: Buffer, messageId: string): string {
  if (!html.includes(UNSUBSCRIBE_PLACEHOLDER)) return html;
  return html.replace(ANCHOR, (tag) => {
    const m = HREF.exec(tag);
    if (!m || decodeEntities(m[3] ?? m[4] ?? m[5] ?? "").trim() !== UNSUBSCRIBE_PLACEHOLDER) return tag;
    return tag.slice(0, m.index) + `${m[1]}"${escapeAttr(unsubscribeUrl(base, key, messageId))}"` + tag.slice(m.index + m[0].length);
  });
}
