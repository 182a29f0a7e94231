/**
 * The console's only way to the server: the AWS SDK for JavaScript v3, signing every request with
 * SigV4 in the browser with the signed-in key, against this page's own origin. Pinpoint calls go
 * through `PinpointClient`, recommendations through `PersonalizeRuntimeClient` (loaded when a page
 * first needs it), and pinrec's extensions under /_pinrec/ (preview, outbox, segment sizes)
 * through the SDK's SigV4 signer with the service name Pinpoint signs with, `mobiletargeting`.
 */
import { PinpointClient } from "@aws-sdk/client-pinpoint";
import type { PersonalizeRuntimeClient } from "@aws-sdk/client-personalize-runtime";
import { Sha256 } from "@smithy/core/checksum";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import type { Session } from "./session";

export interface Clients {
  session: Session;
  pinpoint: PinpointClient;
  personalize(): Promise<PersonalizeRuntimeClient>;
  /** A signed call to one of pinrec's extension routes, answering its JSON. */
  pinrec<T>(method: "GET" | "POST", path: string, opts?: { query?: Record<string, string | undefined>; body?: unknown }): Promise<T>;
}

export function clientsFor(session: Session): Clients {
  const config = {
    endpoint: window.location.origin,
    region: session.region,
    credentials: { accessKeyId: session.accessKeyId, secretAccessKey: session.secretAccessKey },
    maxAttempts: 2,
  };
  let personalize: Promise<PersonalizeRuntimeClient> | undefined;
  const signer = new SignatureV4({ service: "mobiletargeting", region: session.region, credentials: config.credentials, sha256: Sha256 });
  return {
    session,
    pinpoint: new PinpointClient(config),
    personalize: () => (personalize ??= import("@aws-sdk/client-personalize-runtime").then((m) => new m.PersonalizeRuntimeClient(config))),
    async pinrec<T>(method: "GET" | "POST", path: string, opts: { query?: Record<string, string | undefined>; body?: unknown } = {}) {
      const query: Record<string, string> = {};
      for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined && v !== "") query[k] = v;
      const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
      const url = new URL(window.location.origin);
      const request = new HttpRequest({
        method,
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port ? Number(url.port) : undefined,
        path,
        query,
        headers: { host: url.host, ...(body !== undefined && { "content-type": "application/json" }) },
        body,
      });
      const signed = await signer.sign(request);
      // The browser sets Host itself (to the same value, this origin's).
      const { host: _host, ...headers } = signed.headers;
      const search = Object.entries(query)
        .map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`)
        .join("&");
      const res = await fetch(`${path}${search ? `?${search}` : ""}`, { method, headers, body, credentials: "omit", cache: "no-store" });
      const text = await res.text();
      const json = text ? JSON.parse(text) : {};
      if (!res.ok)
        throw new ApiCallError(
          res.headers.get("x-amzn-ErrorType") ?? `HTTP ${res.status}`,
          json.Message ?? json.message ?? text,
          res.status,
        );
      return json as T;
    },
  };
}

/** Percent-encoding as SigV4 canonicalises a query (RFC 3986 unreserved characters left as they are). */
const rfc3986 = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export class ApiCallError extends Error {
  constructor(
    override readonly name: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** What the console shows for a failed call: the API's error type and message, as the SDK raised them. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const name = err.name && err.name !== "Error" ? err.name : "";
    return name ? `${name}: ${err.message}` : err.message;
  }
  return String(err);
}
