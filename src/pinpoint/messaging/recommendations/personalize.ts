/**
 * Recommendations from Amazon Personalize (or anything speaking its runtime API, such as another
 * pinrec) through `@aws-sdk/client-personalize-runtime`: one GetRecommendations per distinct user
 * id, `numResults` = `RecommendationsPerMessage`, in the campaign's region. Credentials come from
 * the standard AWS provider chain; with `assumeRole`, the configuration's
 * `RecommendationProviderRoleArn` is assumed through STS first, as Pinpoint does.
 *
 * Clicks on recommended items go back the same way: PutEvents (`@aws-sdk/client-personalize-events`)
 * to the event tracker the operator names for the campaign (`--personalize-tracking-id`), with the
 * same credentials and the same refusals.
 *
 * The server's identity is not lent out: an assumed role must be in the caller's own account and
 * is assumed with the caller's ExternalId; without a role, the campaign must be the caller's
 * account's or one the operator allows (see shared/foreign-resources.ts).
 */
import type { PersonalizeEventsClient } from "@aws-sdk/client-personalize-events";
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
  /** The event tracker (its tracking id) that clicks on each campaign's items are sent to, by campaign ARN. */
  trackingIds?: Readonly<Record<string, string>>;
}

/** A click on a recommended item, for Amazon Personalize's PutEvents. */
export interface ClickEvent {
  tenant: RecommendationRequest["tenant"];
  campaignArn: string;
  roleArn?: string;
  userId: string;
  itemId: string;
  eventType: string;
  sentAt: Date;
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
type EventsSdk = typeof import("@aws-sdk/client-personalize-events");

export class PersonalizeRecommendationProvider implements RecommendationProvider {
  private readonly clients = new Map<string, PersonalizeRuntimeClient>();
  /** Loaded on the first call, so servers whose recommenders never reach Amazon Personalize never load it (about 18 MB of RSS in a fresh process). */
  private sdk?: Promise<RuntimeSdk>;
  private readonly roles = new Map<string, AwsCredentialIdentityProvider>();
  private readonly eventClients = new Map<string, PersonalizeEventsClient>();
  private eventsSdk?: Promise<EventsSdk>;

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

  /**
   * Sends a click to the campaign's event tracker; false when the operator names none for it. A
   * request the server's identity may not serve throws RecommendationRefused, a failed call its error.
   */
  async sendClick(click: ClickEvent): Promise<boolean> {
    const trackingId = this.opts.trackingIds?.[click.campaignArn];
    const region = regionOf(click.campaignArn);
    if (trackingId === undefined || !region) return false;
    const refusal = this.refusal({ tenant: click.tenant, campaignArn: click.campaignArn, roleArn: click.roleArn });
    if (refusal) throw new RecommendationRefused(refusal);
    this.eventsSdk ??= import("@aws-sdk/client-personalize-events");
    const sdk = await this.eventsSdk;
    const roleArn = this.opts.assumeRole ? click.roleArn : undefined;
    const key = `${region}\u0000${roleArn ?? ""}`;
    let client = this.eventClients.get(key);
    if (!client) {
      client = new sdk.PersonalizeEventsClient({ region, ...this.clientOptions(region, roleArn, click.tenant.accountId) });
      this.eventClients.set(key, client);
    }
    await client.send(
      new sdk.PutEventsCommand({
        trackingId,
        userId: click.userId,
        // Personalize groups a user's events by session; a click from an email is its own session.
        sessionId: click.userId,
        eventList: [{ eventType: click.eventType, itemId: click.itemId, sentAt: click.sentAt }],
      }),
      { abortSignal: AbortSignal.timeout(this.opts.timeoutMs ?? DEFAULT_TIMEOUT_MS) },
    );
    return true;
  }

  /** Why this request may not use the server's identity; undefined when it may. */
  private refusal(request: Pick<RecommendationRequest, "tenant" | "roleArn" | "campaignArn">): string | undefined {
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
      client = new sdk.PersonalizeRuntimeClient({ region, ...this.clientOptions(region, roleArn, accountId) });
      this.clients.set(key, client);
    }
    return client;
  }

  /** Endpoint, credentials and retries, the same for the runtime and the events client. */
  private clientOptions(region: string, roleArn: string | undefined, accountId: string) {
    return {
      ...(this.opts.endpoint && { endpoint: this.opts.endpoint }),
      ...((roleArn || this.opts.credentials) && {
        credentials: roleArn ? this.roleCredentials(region, roleArn, accountId) : this.opts.credentials,
      }),
      maxAttempts: 2,
    };
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
    for (const c of [...this.clients.values(), ...this.eventClients.values()]) c.destroy();
    this.clients.clear();
    this.eventClients.clear();
  }
}
