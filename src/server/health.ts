/**
 * What `GET /_pinrec/health` reports, modelled on LocalStack's `/_localstack/health`: enough for a
 * load balancer or orchestrator to decide whether to send traffic, and for a person to see what a
 * server is serving. The HTTP status follows `status`: 200 only when `ready`.
 */
import type { CampaignRegistry } from "../personalize/campaigns/registry.js";
import { campaignArn } from "../personalize/campaigns/arn.js";
import type { Store } from "../store/types.js";
import { VERSION } from "../version.js";

export type HealthStatus = "starting" | "ready" | "draining" | "unavailable";

export interface HealthReport {
  status: HealthStatus;
  version: string;
  uptimeSeconds: number;
  store: { kind: Store["kind"]; reachable: boolean; latencyMs?: number; error?: string };
  /** Every deployed campaign, with the model version deployed and the one this server answers from. */
  campaigns: { campaignArn: string; deployedVersion: number; servingVersion: number | null }[];
}

/** A database that does not answer within this is reported unreachable (a probe must not hang). */
export const STORE_PING_TIMEOUT_MS = 2000;

export class HealthMonitor {
  private readonly startedAt = performance.now();
  draining = false;

  constructor(
    private readonly store: Store,
    private readonly campaigns: CampaignRegistry,
  ) {}

  async report(): Promise<HealthReport> {
    const store: HealthReport["store"] = { kind: this.store.kind, reachable: false };
    let deployed: HealthReport["campaigns"] = [];
    const t0 = performance.now();
    try {
      await withTimeout(this.store.ping(), STORE_PING_TIMEOUT_MS);
      store.latencyMs = Math.round((performance.now() - t0) * 100) / 100;
      store.reachable = true;
      const serving = new Map(this.campaigns.loadedCampaigns().map((c) => [c.arn, c.version]));
      deployed = (await withTimeout(this.store.personalizeCampaigns.versions(), STORE_PING_TIMEOUT_MS)).map((v) => {
        const arn = campaignArn(v, v.name);
        return { campaignArn: arn, deployedVersion: v.version, servingVersion: serving.get(arn) ?? null };
      });
    } catch (err) {
      store.error = (err as Error).message || String(err);
    }
    const status: HealthStatus = this.draining
      ? "draining"
      : !store.reachable
        ? "unavailable"
        : this.campaigns.ready
          ? "ready"
          : "starting";
    return {
      status,
      version: VERSION,
      uptimeSeconds: Math.round((performance.now() - this.startedAt) / 1000),
      store,
      campaigns: deployed,
    };
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
