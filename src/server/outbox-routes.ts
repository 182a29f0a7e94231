/**
 * pinrec's own routes for reading the outbox, under the `/_pinrec/` namespace that no AWS API
 * uses (as LocalStack keeps `/_localstack/`):
 *
 *   GET /_pinrec/outbox?application-id=&channel=&address=&status=&page-size=&token=
 *   GET /_pinrec/outbox/{MessageId}
 *
 * Signed with SigV4 like every Pinpoint call (service `mobiletargeting`), and scoped to the
 * signer's account and the credential scope's region, so an account sees only its own messages.
 */
import { verifyCounted } from "./auth-metrics.js";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { OutboxReader } from "../messaging/delivery/outbox-reader.js";
import { tooManyRequests } from "../shared/errors.js";
import type { Tenant } from "../store/types.js";
import type { RateLimiter } from "./rate-limit.js";
import type { SigV4Verifier } from "./sigv4.js";

export const OUTBOX_PATH = "/_pinrec/outbox";
const SIGNING_NAME = "mobiletargeting";

export interface OutboxRouteDeps {
  outbox: OutboxReader;
  verifier: SigV4Verifier;
  limiter?: RateLimiter;
}

export function registerOutboxRoutes(app: FastifyInstance, deps: OutboxRouteDeps): void {
  /** Verifies the signature, then answers with `fn`'s result as JSON (errors go to the app's handler). */
  const signed =
    (operation: string, fn: (tenant: Tenant, req: FastifyRequest, query: URLSearchParams) => Promise<object>) =>
    async (req: FastifyRequest, reply: FastifyReply) => {
      req.operationName = operation;
      const url = req.raw.url ?? "/";
      const q = url.indexOf("?");
      const rawPath = q === -1 ? url : url.slice(0, q);
      const query = new URLSearchParams(q === -1 ? "" : url.slice(q + 1));
      const principal = verifyCounted(deps.verifier, { method: req.method, rawPath, query, headers: req.headers, body: req.body as Buffer | undefined }, SIGNING_NAME);
      req.accountId = principal.accountId;
      if (deps.limiter && !deps.limiter.take(principal.accountId)) throw tooManyRequests();
      const body = await fn({ accountId: principal.accountId, region: principal.region }, req, query);
      return reply
        .headers({ "content-type": "application/json; charset=utf-8", "x-amzn-RequestId": String(req.id), "Access-Control-Allow-Origin": "*" })
        .send(JSON.stringify(body));
    };

  app.get(
    OUTBOX_PATH,
    signed("pinrec:ListOutboxMessages", (tenant, _req, query) =>
      deps.outbox.list(tenant, {
        applicationId: query.get("application-id") ?? undefined,
        channel: query.get("channel") ?? undefined,
        address: query.get("address") ?? undefined,
        status: query.get("status") ?? undefined,
        pageSize: query.get("page-size") ?? undefined,
        nextToken: query.get("token") ?? undefined,
      }),
    ),
  );
  app.get(
    `${OUTBOX_PATH}/:messageId`,
    signed("pinrec:GetOutboxMessage", (tenant, req) => deps.outbox.get(tenant, (req.params as { messageId: string }).messageId)),
  );
}
