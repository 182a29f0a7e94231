/**
 * Local stand-ins for the push platforms, speaking their real protocols and checking what pinrec
 * signs: an FCM HTTP v1 server with Google's OAuth 2.0 token endpoint (HTTP/1.1), and an APNs
 * server over HTTP/2 with TLS (a certificate made at test time) that verifies ES256 provider tokens.
 */
import { createServer, type IncomingMessage } from "node:http";
import { createSecureServer, constants, type IncomingHttpHeaders } from "node:http2";
import { X509Certificate, verify, type KeyObject } from "node:crypto";
import type { AddressInfo } from "node:net";

function decodeJwt(jwt: string): { header: Record<string, unknown>; claims: Record<string, unknown>; input: string; sig: Buffer } {
  const [h, c, s] = jwt.split(".");
  return {
    header: JSON.parse(Buffer.from(h, "base64url").toString()),
    claims: JSON.parse(Buffer.from(c, "base64url").toString()),
    input: `${h}.${c}`,
    sig: Buffer.from(s, "base64url"),
  };
}

const bodyOf = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
  });

export interface FcmServer {
  url: string;
  tokenRequests: number;
  /** Every accepted `message` (the FCM v1 Message resource), in arrival order. */
  messages: Record<string, unknown>[];
  /** Requests refused, with the reason. */
  refused: string[];
  close(): Promise<void>;
}

/** `gone*` tokens answer 404 UNREGISTERED; `busy*` 503 with Retry-After once. */
export async function startFcmServer(sa: { publicKey: KeyObject; clientEmail: string; projectId: string }): Promise<FcmServer> {
  const accessToken = `ya29.${Math.random().toString(36).slice(2)}`;
  const busySeen = new Set<string>();
  const state: FcmServer = { url: "", tokenRequests: 0, messages: [], refused: [], close: async () => {} };
  const server = createServer(async (req, res) => {
    const body = await bodyOf(req);
    const answer = (status: number, doc: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(JSON.stringify(doc));
    };
    if (req.method === "POST" && req.url === "/token") {
      state.tokenRequests++;
      const form = new URLSearchParams(body);
      const jwt = decodeJwt(form.get("assertion") ?? "..");
      const ok =
        form.get("grant_type") === "urn:ietf:params:oauth:grant-type:jwt-bearer" &&
        jwt.header.alg === "RS256" &&
        jwt.claims.iss === sa.clientEmail &&
        jwt.claims.aud === "https://oauth2.googleapis.com/token" &&
        String(jwt.claims.scope).split(" ").includes("https://www.googleapis.com/auth/firebase.messaging") &&
        verify("sha256", Buffer.from(jwt.input), sa.publicKey, jwt.sig);
      if (!ok) {
        state.refused.push("token grant");
        return answer(400, { error: "invalid_grant", error_description: "bad assertion" });
      }
      return answer(200, { access_token: accessToken, expires_in: 3600, token_type: "Bearer" });
    }
    if (req.method === "POST" && req.url === `/v1/projects/${sa.projectId}/messages:send`) {
      if (req.headers.authorization !== `Bearer ${accessToken}`) {
        state.refused.push("authorization");
        return answer(401, { error: { code: 401, status: "UNAUTHENTICATED", message: "bad token" } });
      }
      const message = (JSON.parse(body) as { message: Record<string, unknown> }).message;
      const token = String(message.token);
      if (token.startsWith("gone"))
        return answer(404, {
          error: {
            code: 404,
            status: "NOT_FOUND",
            message: "Requested entity was not found.",
            details: [{ "@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", errorCode: "UNREGISTERED" }],
          },
        });
      if (token.startsWith("busy") && !busySeen.has(token)) {
        busySeen.add(token);
        return answer(503, { error: { code: 503, status: "UNAVAILABLE", message: "try later" } }, { "retry-after": "1" });
      }
      state.messages.push(message);
      return answer(200, { name: `projects/${sa.projectId}/messages/${state.messages.length}` });
    }
    answer(404, { error: { code: 404, status: "NOT_FOUND", message: `no ${req.method} ${req.url}` } });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return state;
}

export interface ApnsRequest {
  headers: IncomingHttpHeaders;
  /** The TLS client certificate's fingerprint when the request used certificate auth. */
  clientCert?: string;
  device: string;
  payload: Record<string, unknown>;
}

export interface ApnsServer {
  url: string;
  requests: ApnsRequest[];
  refused: string[];
  close(): Promise<void>;
}

/** Device tokens starting `dead` answer 410 Unregistered. */
export async function startApnsServer(
  tls: { cert: string; key: string },
  provider: { publicKey: KeyObject; keyId: string; teamId: string; topic: string },
  /** PEM certificates accepted as TLS client identities (APNs certificate auth). */
  clientCerts: string[] = [],
): Promise<ApnsServer> {
  const state: ApnsServer = { url: "", requests: [], refused: [], close: async () => {} };
  const fingerprints = new Set(clientCerts.map((c) => new X509Certificate(c).fingerprint256));
  const server = createSecureServer({ cert: tls.cert, key: tls.key, allowHTTP1: false, requestCert: true, rejectUnauthorized: false });
  server.on("stream", (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", () => {
      const answer = (status: number, reason?: string) => {
        stream.respond({ [constants.HTTP2_HEADER_STATUS]: status, "apns-id": "00000000-0000-0000-0000-000000000000" });
        stream.end(reason ? JSON.stringify({ reason }) : undefined);
      };
      const path = String(headers[":path"]);
      const m = /^\/3\/device\/([0-9a-fA-F]+)$/.exec(path);
      if (headers[":method"] !== "POST" || !m) return answer(404, "BadPath");
      const auth = String(headers.authorization ?? "");
      if (!auth.startsWith("bearer ")) {
        const peer = (stream.session?.socket as import("node:tls").TLSSocket | undefined)?.getPeerCertificate();
        const fp = peer?.fingerprint256;
        if (!fp || !fingerprints.has(fp)) return answer(403, "MissingProviderToken");
        if (m[1].startsWith("dead")) return answer(410, "Unregistered");
        state.requests.push({ headers, clientCert: fp, device: m[1], payload: JSON.parse(Buffer.concat(chunks).toString("utf8")) });
        return answer(200);
      }
      const jwt = decodeJwt(auth.slice(7));
      const ageSec = Date.now() / 1000 - Number(jwt.claims.iat);
      if (
        jwt.header.alg !== "ES256" ||
        jwt.header.kid !== provider.keyId ||
        jwt.claims.iss !== provider.teamId ||
        !verify("sha256", Buffer.from(jwt.input), { key: provider.publicKey, dsaEncoding: "ieee-p1363" }, jwt.sig)
      ) {
        state.refused.push("provider token");
        return answer(403, "InvalidProviderToken");
      }
      if (ageSec > 3600) return answer(403, "ExpiredProviderToken");
      if (!String(headers["apns-topic"]).startsWith(provider.topic)) return answer(400, "TopicDisallowed");
      if (m[1].startsWith("dead")) return answer(410, "Unregistered");
      state.requests.push({ headers, device: m[1], payload: JSON.parse(Buffer.concat(chunks).toString("utf8")) });
      answer(200);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  state.url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const sessions = new Set<import("node:http2").ServerHttp2Session>();
  server.on("session", (s) => {
    sessions.add(s);
    s.on("close", () => sessions.delete(s));
  });
  state.close = () =>
    new Promise<void>((r) => {
      for (const s of sessions) s.destroy();
      server.close(() => r());
    });
  return state;
}
