/**
 * Firebase Cloud Messaging HTTP v1 (`POST {base}/v1/projects/{project_id}/messages:send`, per
 * firebase.google.com/docs/reference/fcm/rest/v1/projects.messages/send), authenticated with the
 * GCM channel's service account: google-auth-library signs the OAuth 2.0 JWT-bearer grant and
 * caches the access token until shortly before it expires. The token request goes to Google's
 * token endpoint or the operator's `--fcm-token-endpoint`, never to the `token_uri` a tenant's
 * service account names: that would let any account make the server POST to a URL of its choice.
 *
 * Answers, per the FCM `ErrorCode` reference: `UNREGISTERED` (404) means the token is gone — the
 * endpoint is made inactive and the message fails for good; `INVALID_ARGUMENT`, `SENDER_ID_MISMATCH`
 * and other 4xx fail for good; `QUOTA_EXCEEDED` (429), `UNAVAILABLE` and `INTERNAL` (5xx) retry,
 * after `Retry-After` when FCM gives one.
 */
import { JWT } from "google-auth-library";
import type { ServiceAccount } from "../../../channels/push-credentials.js";
import type { OutboxMessage } from "../transport.js";
import { DeliveryError } from "../transport.js";
import { PushRejected, retryAfterMs } from "./outcome.js";

export const FCM_BASE = "https://fcm.googleapis.com";
const GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token";
const SCOPE = "https://www.googleapis.com/auth/firebase.messaging";

export interface FcmOptions {
  /** Where `/v1/projects/…` goes (default https://fcm.googleapis.com). */
  endpoint?: string;
  /** Where access tokens come from (default Google's; a service account's `token_uri` is not followed). */
  tokenEndpoint?: string;
  timeoutMs?: number;
}

/** Pinpoint's push message, as the FCM v1 `Message` resource. */
export function fcmMessage(token: string, m: OutboxMessage["message"]): Record<string, unknown> {
  const p = m.push ?? {};
  if (p.raw !== undefined) {
    // RawContent: the FCM message as JSON (a `{ "message": … }` envelope or the message itself).
    let raw: Record<string, unknown>;
    try {
      raw = JSON.parse(p.raw) as Record<string, unknown>;
    } catch {
      throw new DeliveryError("RawContent is not JSON: FCM takes a JSON message", true);
    }
    const inner = (raw.message as Record<string, unknown> | undefined) ?? raw;
    return { ...inner, token };
  }
  const data: Record<string, string> = { ...p.data };
  // The keys Pinpoint's Android SDK reads for the notification's action.
  if (p.action === "URL" && p.url) data["pinpoint.url"] = p.url;
  if (p.action === "DEEP_LINK" && p.url) data["pinpoint.deeplink"] = p.url;
  if (p.action === "OPEN_APP" || p.action === undefined) data["pinpoint.openApp"] = "true";
  const android: Record<string, unknown> = {
    ...(p.priority !== undefined && { priority: p.priority.toLowerCase() === "normal" ? "normal" : "high" }),
    ...(p.ttlSeconds !== undefined && { ttl: `${p.ttlSeconds}s` }),
    ...(p.collapseId !== undefined && { collapse_key: p.collapseId }),
    ...(!p.silent && p.sound !== undefined && { notification: { sound: p.sound } }),
  };
  return {
    token,
    ...(!p.silent &&
      (p.title !== undefined || p.body !== undefined) && {
        notification: {
          ...(p.title !== undefined && { title: p.title }),
          ...(p.body !== undefined && { body: p.body }),
          ...(p.imageUrl !== undefined && { image: p.imageUrl }),
        },
      }),
    ...(Object.keys(data).length > 0 && { data }),
    ...(Object.keys(android).length > 0 && { android }),
  };
}

interface FcmError {
  error?: { code?: number; status?: string; message?: string; details?: { "@type"?: string; errorCode?: string }[] };
}

export class FcmSender {
  private readonly base: string;
  /** One OAuth client per service account (its token cache), by client email and key id. */
  private readonly clients = new Map<string, JWT>();

  constructor(private readonly options: FcmOptions = {}) {
    this.base = (options.endpoint ?? FCM_BASE).replace(/\/+$/, "");
  }

  private client(sa: ServiceAccount): JWT {
    const id = `${sa.client_email}\n${sa.private_key_id ?? ""}\n${sa.private_key}`;
    let c = this.clients.get(id);
    if (!c) {
      c = new JWT({ email: sa.client_email, key: sa.private_key, keyId: sa.private_key_id, scopes: [SCOPE] });
      const tokenUrl = this.options.tokenEndpoint ?? GOOGLE_TOKEN_URL;
      // google-auth-library posts the grant to Google's URL; the operator may point it elsewhere.
      c.transporter.interceptors.request.add({
        resolved: async (req) => {
          if (String(req.url) === GOOGLE_TOKEN_URL) req.url = new URL(tokenUrl);
          return req;
        },
      });
      this.clients.set(id, c);
    }
    return c;
  }

  async send(sa: ServiceAccount, message: OutboxMessage): Promise<void> {
    let accessToken: string | null | undefined;
    try {
      accessToken = (await this.client(sa).getAccessToken()).token;
    } catch (err) {
      const status = (err as { status?: number; response?: { status?: number } }).response?.status;
      // A refused grant (400/401) is a wrong service account: retrying cannot help.
      throw new DeliveryError(`FCM OAuth token request failed: ${(err as Error).message}`, status === 400 || status === 401);
    }
    if (!accessToken) throw new DeliveryError("FCM OAuth token request answered no access token", false);
    const url = `${this.base}/v1/projects/${encodeURIComponent(sa.project_id)}/messages:send`;
    const body = JSON.stringify({ message: fcmMessage(message.message.address, message.message) });
    let res: Response;
    try {
      res = await fetch(url, {
        method: "POST",
        headers: { authorization: `Bearer ${accessToken}`, "content-type": "application/json; charset=utf-8" },
        body,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
    } catch (err) {
      throw new DeliveryError(`POST ${url} failed: ${((err as { cause?: Error }).cause ?? (err as Error)).message}`, false);
    }
    const text = await res.text();
    if (res.ok) return;
    let parsed: FcmError = {};
    try {
      parsed = JSON.parse(text) as FcmError;
    } catch {}
    const code =
      parsed.error?.details?.find((d) => d["@type"]?.endsWith("google.firebase.fcm.v1.FcmError"))?.errorCode ??
      parsed.error?.status ??
      String(res.status);
    const reason = `FCM answered ${res.status} ${code}${parsed.error?.message ? `: ${parsed.error.message}` : ""}`;
    if (code === "UNREGISTERED") throw new PushRejected(reason, true);
    if (res.status === 429 || res.status >= 500) throw new DeliveryError(reason, false, retryAfterMs(res.headers.get("retry-after")));
    if (res.status === 401) {
      // An access token FCM no longer takes: drop the cached one, the next attempt asks anew.
      this.clients.clear();
      throw new DeliveryError(reason, false);
    }
    throw new PushRejected(reason, false);
  }
}
