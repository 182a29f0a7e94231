/**
 * AWS resources a tenant names and the server acts on with its own AWS identity: a recommender's
 * `RecommendationProviderRoleArn` and Personalize campaign ARN, a transformer's Lambda function,
 * an import job's S3 bucket. The server's credentials can reach more than any one tenant may, so
 * each of them must be the caller's own (its account id is the caller's pinrec account id) or one
 * the operator approved: the "confused deputy" AWS's IAM User Guide describes, where one customer
 * makes a service act on another's resources with the service's permissions.
 */

/** The caller, as far as these checks need it. */
interface Caller {
  accountId: string;
}

export interface ForeignResourcePolicy {
  /** Accounts besides the caller's whose Lambda functions tenants may name (`--allow-lambda-account`). */
  lambdaAccounts?: readonly string[];
  /** Accounts besides the caller's whose Personalize campaigns the server calls with its own credentials (`--allow-personalize-account`). */
  personalizeAccounts?: readonly string[];
  /** S3 buckets import jobs may read with the server's credentials (`--allow-s3-bucket`); `*` allows any. None: no bucket. */
  s3Buckets?: readonly string[];
}

/** The account id of an ARN (`arn:partition:service:region:account:resource`), when it has a 12-digit one. */
export function accountOfArn(arn: string): string | undefined {
  const parts = arn.split(":");
  return parts.length >= 6 && parts[0] === "arn" && /^\d{12}$/.test(parts[4]) ? parts[4] : undefined;
}

/**
 * The ExternalId pinrec passes when it assumes a tenant's role: fixed per tenant, so the role's
 * trust policy can require it (`"Condition": {"StringEquals": {"sts:ExternalId": "pinrec-<account>"}}`)
 * and no other tenant's request can assume that role through pinrec.
 */
export const externalIdOf = (tenant: Caller): string => `pinrec-${tenant.accountId}`;

/** Whether `account` is the caller's or in `allowed`. */
export const accountAllowed = (tenant: Caller, account: string | undefined, allowed: readonly string[] = []): boolean =>
  account !== undefined && (account === tenant.accountId || allowed.includes(account));

/** Whether import jobs may read `bucket`. */
export const bucketAllowed = (bucket: string, allowed: readonly string[] = []): boolean =>
  allowed.includes("*") || allowed.includes(bucket);
