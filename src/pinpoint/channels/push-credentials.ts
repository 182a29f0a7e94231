/**
 * Parsing push channel credentials when they are given (UpdateGcmChannel, UpdateApnsChannel, …),
 * so a malformed service account, key or certificate is a 400 naming the member at update time,
 * not a failed send later. What each member holds follows the Amazon Pinpoint API reference
 * (GCM Channel, APNs Channel, … resources) and the platforms' own documents:
 *
 * - `ServiceJson`: a Google service account key file (type `service_account`, `project_id`,
 *   `client_email`, `private_key` in PEM), as FCM HTTP v1 authenticates with.
 * - `TokenKey`: the `.p8` signing key Apple issues for token-based APNs auth, an EC P-256 key.
 * - `Certificate` / `PrivateKey`: the APNs TLS client certificate and its key, PEM.
 */
import { X509Certificate, createPrivateKey, type KeyObject } from "node:crypto";
import { badRequest } from "../../shared/errors.js";

/** The members of a service account key file FCM HTTP v1 needs. */
export interface ServiceAccount {
  type: "service_account";
  project_id: string;
  client_email: string;
  private_key: string;
  private_key_id?: string;
  token_uri?: string;
}

function privateKey(pem: string, field: string): KeyObject {
  try {
    return createPrivateKey({ key: pem, format: "pem" });
  } catch {
    throw badRequest(`${field} is not a PEM private key`);
  }
}

export function parseServiceJson(text: string): ServiceAccount {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw badRequest("ServiceJson is not JSON: it must be a Google service account key file");
  }
  const sa = doc as Partial<ServiceAccount> | null;
  if (!sa || typeof sa !== "object" || Array.isArray(sa))
    throw badRequest("ServiceJson must be a JSON object (a service account key file)");
  if (sa.type !== "service_account") throw badRequest(`ServiceJson.type must be 'service_account', not '${String(sa.type)}'`);
  for (const member of ["project_id", "client_email", "private_key"] as const) {
    if (typeof sa[member] !== "string" || sa[member] === "") throw badRequest(`ServiceJson has no ${member}`);
  }
  privateKey(sa.private_key!, "ServiceJson.private_key");
  if (sa.token_uri !== undefined) {
    try {
      const u = new URL(sa.token_uri);
      if (u.protocol !== "https:" && u.protocol !== "http:") throw new Error();
    } catch {
      throw badRequest("ServiceJson.token_uri is not an http(s) URL");
    }
  }
  return sa as ServiceAccount;
}

/** An APNs `.p8` token signing key: an EC private key on P-256 (ES256). */
export function parseTokenKey(pem: string): KeyObject {
  const key = privateKey(pem, "TokenKey");
  if (key.asymmetricKeyType !== "ec" || key.asymmetricKeyDetails?.namedCurve !== "prime256v1")
    throw badRequest("TokenKey must be an EC P-256 private key (the .p8 key Apple issues for APNs)");
  return key;
}

const APPLE_ID = /^[A-Z0-9]{10}$/;

/** `TokenKeyId` and `TeamId` are Apple's 10-character identifiers. */
export function checkAppleId(value: string, field: string): void {
  if (!APPLE_ID.test(value)) throw badRequest(`${field} '${value}' must be 10 upper-case letters and digits`);
}

/** A TLS client certificate and the private key that goes with it. */
export function checkCertificate(certificate: string, key: string): void {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certificate);
  } catch {
    throw badRequest("Certificate is not a PEM X.509 certificate");
  }
  const k = privateKey(key, "PrivateKey");
  if (!cert.checkPrivateKey(k)) throw badRequest("PrivateKey does not belong to Certificate");
}
