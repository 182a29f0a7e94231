/**
 * SigV4 verification that counts each refusal in `pinrec_sigv4_failures_total` by reason. The
 * reason is the error code, refined for InvalidSignatureException (which AWS uses for several
 * distinct mistakes) so an operator can tell a skewed clock from a wrong secret.
 */
import { sigv4Failures } from "../observability/metrics.js";
import { ApiError } from "../shared/errors.js";
import type { Principal, RawRequest, SigV4Verifier } from "./sigv4.js";

export function verifyCounted(verifier: SigV4Verifier, req: RawRequest, signingName: string): Principal {
  try {
    return verifier.verify(req, signingName);
  } catch (err) {
    if (err instanceof ApiError) sigv4Failures.inc({ reason: sigv4FailureReason(err) });
    throw err;
  }
}

const REFINEMENTS: [RegExp, string][] = [
  [/expired|not yet valid/i, "clock_skew"],
  [/scoped to correct service/i, "wrong_service"],
  [/invalid region|valid region/i, "invalid_region"],
  [/x-amz-content-sha256/i, "body_hash_mismatch"],
  [/must be signed|missing from the request/i, "unsigned_header"],
  [/scope date|valid date/i, "invalid_date"],
  [/does not match the signature/i, "signature_mismatch"],
];

const BY_CODE: Record<string, string> = {
  MissingAuthenticationTokenException: "missing_authorization",
  IncompleteSignatureException: "incomplete_signature",
  UnrecognizedClientException: "unknown_access_key",
};

export function sigv4FailureReason(err: ApiError): string {
  if (BY_CODE[err.code]) return BY_CODE[err.code];
  if (err.code === "InvalidSignatureException") {
    for (const [pattern, reason] of REFINEMENTS) if (pattern.test(err.message)) return reason;
    return "invalid_signature";
  }
  return err.code;
}
