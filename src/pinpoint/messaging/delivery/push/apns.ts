/**
 * Apple Push Notification service over HTTP/2 (`node:http2`): `POST /3/device/{token}` as Apple's
 * "Sending notification requests to APNs" describes, one multiplexed session per host and identity.
 *
 * - Token auth: `authorization: bearer <JWT>`, an ES256 JWT (`kid` = TokenKeyId, `iss` = TeamId,
 *   `iat`) signed with the channel's .p8 key. Apple refuses tokens older than an hour and
 *   refreshes more often than every 20 minutes (`TooManyProviderTokenUpdates`), so one is reused
 *   for 40 minutes.
 * - Certificate auth: the channel's certificate and key as the TLS client identity.
 * - Hosts: api.push.apple.com for APNS and APNS_VOIP, api.sandbox.push.apple.com for the sandbox
 *   kinds; a configured endpoint replaces both (`http://` speaks HTTP/2 without TLS).
 * - `apns-topic` is the BundleId (`.voip` appended for VoIP), `apns-push-type` alert, background
 *   (SilentPush, priority 5) or voip.
 *
 * Answers: 410 `Unregistered` and 400 `BadDeviceToken` make the endpoint inactive and fail for
 * good; other 4xx fail for good; 429 and 5xx retry (after `Retry-After` when given).
 */
import { connect, constants, type ClientHttp2Session } from "node:http2";
import { createPrivateKey, sign, type KeyObject } from "node:crypto";
import type { ApnsChannelType } from "../../../channels/base.js";
import type { ApnsSecrets } from "../../../channels/push.js";
import { DeliveryError, type OutboxMessage } from "../transport.js";
import { PushRejected, retryAfterMs } from "./outcome.js";

export const APNS_PRODUCTION = "https://api.push.apple.com";
export const APNS_SANDBOX = "https://api.sandbox.push.apple.com";
/** How long one provider token is used: inside Apple's 20–60 minute window. */
export const APNS_TOKEN_REUSE_MS = 40 * 60_000;

export interface ApnsOptions {
  /** Replaces both Apple hosts (tests, proxies). */
  endpoint?: string;
  /** PEM CA certificates to trust for the endpoint (a test server's self-signed certificate). */
  ca?: string;
  timeoutMs?: number;
  now?: () => number;
}

const b64url = (v: string | Buffer) => Buffer.from(v).toString("base64url");

/** An ES256 provider token: JOSE header and claims, signature in JWS (r ‖ s) form. */
export function apnsProviderToken(key: KeyObject, keyId: string, teamId: string, issuedAtSec: number): string {
  const input = `${b64url(JSON.stringify({ alg: "ES256", kid: keyId }))}.${b64url(JSON.stringify({ iss: teamId, iat: issuedAtSec }))}`;
  return `${input}.${b64url(sign("sha256", Buffer.from(input), { key, dsaEncoding: "ieee-p1363" }))}`;
}

/** Pinpoint's push message as the APNs JSON payload (`aps` dictionary plus custom keys). */
export function apnsPayload(m: OutboxMessage["message"]): string {
  const p = m.push ?? {};
  if (p.raw !== undefined) return p.raw;
  const aps: Record<string, unknown> = {};
  if (p.silent) aps["content-available"] = 1;
  else {
    if (p.title !== undefined || p.body !== undefined)
      aps.alert = { ...(p.title !== undefined && { title: p.title }), ...(p.body !== undefined && { body: p.body }) };
    if (p.sound !== undefined) aps.sound = p.sound;
    if (p.imageUrl !== undefined) aps["mutable-content"] = 1;
  }
  // Pinpoint's iOS SDK reads the action's target from `data.pinpoint` keys.
  const pinpoint: Record<string, string> = {};
  if (p.action === "URL" && p.url) pinpoint.url = p.url;
  if (p.action === "DEEP_LINK" && p.url) pinpoint.deeplink = p.url;
  return JSON.stringify({
    ...p.data,
    aps,
    ...(Object.keys(pinpoint).length > 0 && { data: { pinpoint } }),
    ...(p.imageUrl !== undefined && { "media-url": p.imageUrl }),
  });
}

export class ApnsSender {
  private readonly sessions = new Map<string, ClientHttp2Session>();
  private readonly tokens = new Map<string, { token: string; at: number }>();
  private readonly keys = new Map<string, KeyObject>();
  private readonly now: () => number;

  constructor(private readonly options: ApnsOptions = {}) {
    this.now = options.now ?? Date.now;
  }

  private origin(type: ApnsChannelType): string {
    return (this.options.endpoint ?? (type.endsWith("SANDBOX") ? APNS_SANDBOX : APNS_PRODUCTION)).replace(/\/+$/, "");
  }

  private session(origin: string, secrets: ApnsSecrets, token: boolean): ClientHttp2Session {
    const id = token ? `${origin}\ntoken` : `${origin}\ncert\n${secrets.Certificate}`;
    const open = this.sessions.get(id);
    if (open && !open.closed && !open.destroyed) return open;
    const s = connect(origin, {
      ...(this.options.ca !== undefined && { ca: this.options.ca }),
      ...(!token && { cert: secrets.Certificate, key: secrets.PrivateKey }),
    });
    s.on("error", () => this.sessions.delete(id));
    s.on("close", () => this.sessions.delete(id));
    s.on("goaway", () => this.sessions.delete(id));
    s.unref();
    this.sessions.set(id, s);
    return s;
  }

  private providerToken(secrets: ApnsSecrets): string {
    const id = `${secrets.TeamId}\n${secrets.TokenKeyId}\n${secrets.TokenKey}`;
    const cached = this.tokens.get(id);
    const now = this.now();
    if (cached && now - cached.at < APNS_TOKEN_REUSE_MS) return cached.token;
    let key = this.keys.get(secrets.TokenKey!);
    if (!key) {
      key = createPrivateKey(secrets.TokenKey!);
      this.keys.set(secrets.TokenKey!, key);
    }
    const token = apnsProviderToken(key, secrets.TokenKeyId!, secrets.TeamId!, Math.floor(now / 1000));
    this.tokens.set(id, { token, at: now });
    return token;
  }

  async send(type: ApnsChannelType, secrets: ApnsSecrets, method: string | undefined, m: OutboxMessage): Promise<void> {
    const useToken = secrets.TokenKey !== undefined && (method !== "CERTIFICATE" || !secrets.Certificate);
    if (!useToken && !secrets.Certificate) throw new DeliveryError(`the ${type} channel has no credentials`, true);
    const device = m.message.address;
    if (!/^[0-9a-fA-F]{64,200}$/.test(device)) throw new PushRejected(`'${device}' is not an APNs device token (hexadecimal)`, true);
    const p = m.message.push ?? {};
    const voip = type.startsWith("APNS_VOIP");
    const pushType = voip ? "voip" : p.silent ? "background" : "alert";
    const priority = p.priority === "5" || p.priority === "normal" || p.silent ? "5" : "10";
    const origin = this.origin(type);
    const headers: Record<string, string> = {
      [constants.HTTP2_HEADER_METHOD]: "POST",
      [constants.HTTP2_HEADER_PATH]: `/3/device/${device}`,
      "content-type": "application/json",
      "apns-push-type": pushType,
      "apns-priority": priority,
      ...(secrets.BundleId !== undefined && { "apns-topic": voip ? `${secrets.BundleId}.voip` : secrets.BundleId }),
      ...(p.ttlSeconds !== undefined && {
        "apns-expiration": String(p.ttlSeconds === 0 ? 0 : Math.floor(this.now() / 1000) + p.ttlSeconds),
      }),
      ...(p.collapseId !== undefined && { "apns-collapse-id": p.collapseId }),
      ...(useToken && { authorization: `bearer ${this.providerToken(secrets)}` }),
    };
    const body = apnsPayload(m.message);
    const { status, text, retryAfter } = await new Promise<{ status: number; text: string; retryAfter?: string }>((resolve, reject) => {
      let session: ClientHttp2Session;
      try {
        session = this.session(origin, secrets, useToken);
      } catch (err) {
        reject(err);
        return;
      }
      const req = session.request(headers);
      req.setTimeout(this.options.timeoutMs ?? 30_000, () => req.close(constants.NGHTTP2_CANCEL));
      let status = 0;
      let retry: string | undefined;
      const chunks: Buffer[] = [];
      req.on("response", (h) => {
        status = Number(h[constants.HTTP2_HEADER_STATUS]);
        retry = h["retry-after"] as string | undefined;
      });
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => resolve({ status, text: Buffer.concat(chunks).toString("utf8"), retryAfter: retry }));
      req.on("error", reject);
      req.on("close", () => {
        if (status === 0) reject(new Error("the stream closed without an answer"));
      });
      req.end(body);
    }).catch((err: Error) => {
      throw new DeliveryError(`POST ${origin}/3/device/… failed: ${err.message}`, false);
    });
    if (status === 200) return;
    let reasonCode = "";
    try {
      reasonCode = (JSON.parse(text) as { reason?: string }).reason ?? "";
    } catch {}
    const reason = `APNs answered ${status}${reasonCode ? ` ${reasonCode}` : ""}`;
    if (status === 410 || reasonCode === "BadDeviceToken" || reasonCode === "Unregistered") throw new PushRejected(reason, true);
    if (status === 429 || status >= 500) throw new DeliveryError(reason, false, retryAfterMs(retryAfter));
    if (status === 403 && reasonCode === "ExpiredProviderToken") {
      this.tokens.clear();
      throw new DeliveryError(reason, false);
    }
    throw new PushRejected(reason, false);
  }

  async close(): Promise<void> {
    await Promise.all([...this.sessions.values()].map((s) => new Promise<void>((r) => s.close(() => r()))));
    this.sessions.clear();
  }
}
