/**
 * The most one rendered message may hold, per channel, as AWS documents it: rendering happens
 * after every save-time check, and a small template over a large context (or `each` over long
 * recommendations) can produce far more than any channel carries. A message past its limit fails
 * its recipient alone with `PERMANENT_FAILURE`; it is never stored, delivered or retried.
 *
 * - Email: 10 MB per message, headers and body together (Amazon SES Developer Guide, "Service
 *   quotas in Amazon SES": maximum message size 10 MB; Amazon Pinpoint's email channel sends through SES).
 * - SMS: 1,600 characters of body (Amazon Pinpoint User Guide, SMS template: "up to 1,600
 *   characters"; a longer text is not split into more parts).
 * - Push: 4 KB of payload for APNs, FCM and Baidu, 6 KB for ADM (Amazon Pinpoint Developer Guide,
 *   "Amazon Pinpoint quotas", push notification quotas), measured as the JSON of what is delivered.
 */
import type { PushPlatform, RenderedContent } from "./content/channel-content.js";
import type { SendChannel } from "./contracts.js";

export const MESSAGE_SIZE_LIMITS = {
  emailBytes: 10 * 1024 * 1024,
  smsChars: 1_600,
  pushBytes: 4 * 1024,
  admPushBytes: 6 * 1024,
} as const;

const bytes = (s: string | undefined): number => (s === undefined ? 0 : Buffer.byteLength(s, "utf8"));

/** Why `rendered` is too large for its channel, or undefined when it fits. */
export function messageSizeProblem(channel: SendChannel, rendered: RenderedContent, platform?: PushPlatform): string | undefined {
  const L = MESSAGE_SIZE_LIMITS;
  if (channel === "EMAIL") {
    const e = rendered.email ?? {};
    const size =
      bytes(e.raw) +
      bytes(e.subject) +
      bytes(e.html) +
      bytes(e.text) +
      (e.headers ?? []).reduce((n, h) => n + bytes(h.name) + bytes(h.value), 0);
    return size > L.emailBytes ? `the rendered email is ${size} bytes; the limit is ${L.emailBytes} (10 MB)` : undefined;
  }
  if (channel === "SMS") {
    // Characters as a phone counts them: code points, not UTF-16 units.
    const chars = [...(rendered.sms?.body ?? "")].length;
    return chars > L.smsChars ? `the rendered SMS body is ${chars} characters; the limit is ${L.smsChars}` : undefined;
  }
  const limit = platform === "ADM" ? L.admPushBytes : L.pushBytes;
  const push = rendered.push ?? {};
  // RawContent is delivered as given; the other fields become the platform's JSON payload.
  const size = push.raw !== undefined ? bytes(push.raw) : bytes(JSON.stringify(push));
  return size > limit
    ? `the rendered ${platform ?? "push"} notification is ${size} bytes; the limit is ${limit} (${limit / 1024} KB)`
    : undefined;
}
