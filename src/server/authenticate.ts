/**
 * What every signed route does before its handler: verify the SigV4 signature (counting failures
 * in `pinrec_sigv4_failures_total`), note the account on the request for logs and metrics, and
 * apply the account's rate limit. AWS operations, pinrec's extensions and a signed `/metrics` all
 * authenticate here, so none can skip a step.
 */
import type { FastifyRequest } from "fastify";
import { tooManyRequests } from "../shared/errors.js";
import type { Tenant } from "../store/types.js";
import { verifyCounted } from "./auth-metrics.js";
import type { RateLimiter } from "./rate-limit.js";
import type { SigV4Verifier } from "./sigv4.js";

/** The request target split as SigV4 signs it: the raw (still encoded) path and the query. */
export function splitTarget(url: string): { rawPath: string; query: URLSearchParams } {
  const q = url.indexOf("?");
  return q === -1
    ? { rawPath: url, query: new URLSearchParams() }
    : { rawPath: url.slice(0, q), query: new URLSearchParams(url.slice(q + 1)) };
}

export class Authenticator {
  constructor(
    private readonly verifier: SigV4Verifier,
    private readonly limiter?: RateLimiter,
  ) {}

  /** The signer's tenant (account and the credential scope's region); throws the AWS error otherwise. */
  tenantOf(
    req: FastifyRequest,
    target: { rawPath: string; query: URLSearchParams },
    signingName: string,
    { rateLimited = true } = {},
  ): Tenant {
    const body = req.body as Buffer | undefined;
    const principal = verifyCounted(
      this.verifier,
      { method: req.method, rawPath: target.rawPath, query: target.query, headers: req.headers, body },
      signingName,
    );
    req.accountId = principal.accountId;
    if (rateLimited && this.limiter && !this.limiter.take(principal.accountId)) throw tooManyRequests();
    return { accountId: principal.accountId, region: principal.region };
  }
}
