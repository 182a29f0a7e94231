/**
 * Recommendations from Amazon Personalize (or anything speaking its runtime API, such as another
 * pinrec) through `@aws-sdk/client-personalize-runtime`: one GetRecommendations per distinct user
 * id, `numResults` = `RecommendationsPerMessage`, in the campaign's region. Credentials come from
 * the standard AWS provider chain; with `assumeRole`, the configuration's
 * `RecommendationProviderRoleArn` is assumed through STS first, as Pinpoint does.
 *
 * The server's identity is not lent out: an assumed role must be in the caller's own account and
 * is assumed with the caller's ExternalId; without a role, the campaign must be the caller's
 * account's or one the operator allows (see shared/foreign-resources.ts).
 */
import type { PersonalizeRuntimeClient } from "@aws-sdk/client-personalize-runtime";
import type { STSClient } from "@aws-sdk/client-sts";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@aws-sdk/types";
import { accountAllowed, accountOfArn, externalIdOf } from "../../../shared/foreign-resources.js";
import { RecommendationRefused, type RecommendationProvider, type RecommendationRequest } from "../contracts.js";

export interface PersonalizeProviderOptions {
  /** Personalize runtime endpoint URL; AWS's regional endpoint when absent. */
  endpoint?: string;
  /** Assume the configuration's `RecommendationProviderRoleArn` through STS. */
  assumeRole?: boolean;
  /** STS endpoint URL; AWS's regional endpoint when absent. */
  stsEndpoint?: string;
  /** Base credentials; the standard provider chain when absent. */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Per GetRecommendations call (ms). */
  timeoutMs?: number;
  /** Calls in flight per request. */
  concurrency?: number;
  /** Accounts besides the caller's whose campaigns may be called with the server's own credentials (`--allow-personalize-account`). */
  allowedAccounts?: readonly string[];
}

const DEFAULT_TIMEOUT_MS = 5_000;
const DEFAULT_CONCURRENCY = 16;
/** Assumed-role credentials are renewed this long before they expire. */
const RENEW_BEFORE_MS = 5 * 60_000;

/** The region of an ARN (`arn:partition:service:region:account:resource`). */
const regionOf = (arn: string): string | undefined => arn.split(":")[3] || undefined;

const describe = (err: unknown): string => {
  const e = err as { name?: string; message?: string };
  if (e?.name === "TimeoutError" || e?.name === "AbortError") return "the call timed out";
  return `${e?.name ?? "Error"}: ${e?.message ?? String(err)}`;
};

type RuntimeSdk = typeof import("@aws-sdk/client-personalize-runtime");

export class PersonalizeRecommendationProvider implements RecommendationProvider {
  private readonly clients = new Map<string, PersonalizeRuntimeClient>();
  /** Loaded on the first call, so servers whose recommenders never reach Amazon Personalize never load it (about 18 MB of RSS in a fresh process). */
  private sdk?: Promise<RuntimeSdk>;
  private readonly roles = new Map<string, AwsCredentialIdentityProvider>();

  constructor(private readonly opts: PersonalizeProviderOptions = {}) {}

  async recommend(request: RecommendationRequest): Promise<Map<string, string[] | Error>> {
    const out = new Map<string, string[] | Error>();
    const region = regionOf(request.campaignArn);
    if (!region) {
      for (const u of request.userIds)
        out.set(u, new Error(`RecommendationProviderUri '${request.campaignArn}' is not an ARN with a region`));
      return out;
    }
    const refusal = this.refusal(request);
    if (refusal) {
      for (const u of request.userIds) out.set(u, new RecommendationRefused(refusal));
      return out;
    }
    this.sdk ??= import("@aws-sdk/client-personalize-runtime");
    const sdk = await this.sdk;
    const client = this.client(sdk, region, this.opts.assumeRole ? request.roleArn : undefined, request.tenant.accountId);
    const timeoutMs = this.opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    let next = 0;
    const worker = async () => {
      while (next < request.userIds.length) {
        const userId = request.userIds[next++];
        try {
          const res = await client.send(
            new sdk.GetRecommendationsCommand({ campaignArn: request.campaignArn, userId, numResults: request.count }),
            {
              abortSignal: AbortSignal.timeout(timeoutMs),
            },
          );
          out.set(
            userId,
            (res.itemList ?? []).slice(0, request.count).flatMap((i) => (i.itemId === undefined ? [] : [i.itemId])),
          );
        } catch (err) {
          out.set(userId, new Error(`Amazon Personalize GetRecommendations failed for '${userId}': ${describe(err)}`));
        }
      }
    };
    const workers = Math.min(this.opts.concurrency ?? DEFAULT_CONCURRENCY, request.userIds.length);
    await Promise.all(Array.from({ length: workers }, worker));
    return out;
  }

  /** Why this request may not use the server's identity; undefined when it may. */
  private refusal(request: RecommendationRequest): string | undefined {
    const { tenant, roleArn, campaignArn } = request;
    if (this.opts.assumeRole) {
      if (!roleArn) return "--assume-provider-role is set but the recommender configuration has no RecommendationProviderRoleArn";
      const account = accountOfArn(roleArn);
      if (!accountAllowed(tenant, account))
        return `RecommendationProviderRoleArn '${roleArn}' is not a role of the caller's account ${tenant.accountId}: pinrec assumes only roles of the caller's own account`;
      return undefined;
    }
    const account = accountOfArn(campaignArn);
    if (!accountAllowed(tenant, account, this.opts.allowedAccounts))
      return `RecommendationProviderUri '${campaignArn}' is not a campaign of the caller's account ${tenant.accountId}: pinrec calls Amazon Personalize with its own credentials only for the caller's account and the accounts its operator allows (--allow-personalize-account)`;
    return undefined;
  }

  private client(sdk: RuntimeSdk, region: string, roleArn: string | undefined, accountId: string): PersonalizeRuntimeClient {
    const key = `${region}\u0000${roleArn ?? ""}`;
    let client = this.clients.get(key);
    if (!client) {
      client = new sdk.PersonalizeRuntimeClient({
        region,
        ...(this.opts.endpoint && { endpoint: this.opts.endpoint }),
        ...((roleArn || this.opts.credentials) && {
          credentials: roleArn ? this.roleCredentials(region, roleArn, accountId) : this.opts.credentials,
        }),
        maxAttempts: 2,
      });
      this.clients.set(key, client);
    }
    return client;
  }

  /** Credentials of the assumed role, cached until shortly before they expire; one renewal at a time. */
  private roleCredentials(region: string, roleArn: string, accountId: string): AwsCredentialIdentityProvider {
    const key = `${region}\u0000${roleArn}`;
    let provider = this.roles.get(key);
    if (provider) return provider;
    // The STS client is loaded on the first renewal, so servers that never assume a role never load it.
    let sts: { client: STSClient; AssumeRoleCommand: typeof import("@aws-sdk/client-sts").AssumeRoleCommand } | undefined;
    const stsClient = async () => {
      if (sts) return sts;
      const { STSClient, AssumeRoleCommand } = await import("@aws-sdk/client-sts");
      const client = new STSClient({
        region,
        ...(this.opts.stsEndpoint && { endpoint: this.opts.stsEndpoint }),
        ...(this.opts.credentials && { credentials: this.opts.credentials }),
        maxAttempts: 2,
      });
      return (sts = { client, AssumeRoleCommand });
    };
    let current: AwsCredentialIdentity | undefined;
    let pending: Promise<AwsCredentialIdentity> | undefined;
    provider = async () => {
      if (current && (!current.expiration || current.expiration.getTime() - RENEW_BEFORE_MS > Date.now())) return current;
      pending ??= (async () => {
        try {
          const { client, AssumeRoleCommand } = await stsClient();
          const res = await client.send(
            new AssumeRoleCommand({
              RoleArn: roleArn,
              RoleSessionName: "pinrec-recommendations",
              ExternalId: externalIdOf({ accountId }),
            }),
          );
          const c = res.Credentials;
          if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`STS AssumeRole for ${roleArn} returned no credentials`);
          current = {
            accessKeyId: c.AccessKeyId,
            secretAccessKey: c.SecretAccessKey,
            sessionToken: c.SessionToken,
            expiration: c.Expiration,
          };
          return current;
        } finally {
          pending = undefined;
        }
      })();
      return pending;
    };
    this.roles.set(key, provider);
    return provider;
  }

  close(): void {
    for (const c of this.clients.values()) c.destroy();
    this.clients.clear();
  }
}
