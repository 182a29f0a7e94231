/**
 * A pinrec extension outside the AWS APIs, under `/_pinrec/…` (a namespace no AWS API uses, as
 * LocalStack keeps `/_localstack/`): signed with SigV4 like the AWS operations (same credentials,
 * the given signing name), answered with JSON, errors in the Pinpoint error envelope. Declared by
 * the API modules (`pinpoint/api/preview.ts`, the outbox), served by `server/`.
 */
import type { Tenant } from "../store/types.js";

export interface ExtensionRoute {
  method: "GET" | "POST" | "DELETE";
  /** A Fastify path under `/_pinrec/`, e.g. `/_pinrec/apps/:applicationId/messages/preview`. */
  path: string;
  signingName: string;
  /** The name metrics and logs give it; default `pinrec:METHOD PATH`. */
  operation?: string;
  handler(ctx: {
    tenant: Tenant;
    requestId: string;
    params: Record<string, string>;
    query: URLSearchParams;
    body: unknown;
  }): Promise<{ status?: number; body: unknown }>;
}
