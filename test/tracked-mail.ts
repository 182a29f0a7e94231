/** Reading tracked email in tests: the HTML part of a received message, its links, its pixel, and unredirected GETs. */
import { request } from "node:http";

/** The decoded text/html part of a received MIME message (quoted-printable or base64). */
export function htmlOf(raw: string): string {
  const at = raw.search(/^Content-Type: text\/html/im);
  if (at < 0) throw new Error("no HTML part");
  const part = raw.slice(at);
  const headerEnd = part.search(/\r?\n\r?\n/);
  // A single-part message's encoding header may come before its Content-Type.
  const headers = raw.includes("\n--") ? part.slice(0, headerEnd) : raw.slice(0, raw.search(/\r?\n\r?\n/));
  const body = part
    .slice(headerEnd)
    .replace(/^\r?\n\r?\n/, "")
    .split(/\r?\n--/)[0];
  if (/Content-Transfer-Encoding: base64/i.test(headers)) return Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
  if (/Content-Transfer-Encoding: quoted-printable/i.test(headers)) {
    const bytes = body.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/gi, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
    return Buffer.from(bytes, "latin1").toString("utf8");
  }
  return body;
}

export const hrefsOf = (html: string): string[] =>
  [...html.matchAll(/<a\b[^>]*\shref=(?:"([^"]*)"|'([^']*)')/gi)].map((m) => (m[1] ?? m[2]).replace(/&quot;/g, '"').replace(/&amp;/g, "&"));
export const pixelOf = (html: string): string => /<img src="([^"]*)" width="1"/.exec(html)![1].replace(/&amp;/g, "&");

/** A GET from a chosen loopback source address, redirects not followed. */
export function get(url: string, source = "127.0.0.1", method = "GET"): Promise<{ status: number; location?: string; type?: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, localAddress: source }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode!, location: res.headers.location, type: res.headers["content-type"] }));
    });
    req.on("error", reject);
    req.end();
  });
}
