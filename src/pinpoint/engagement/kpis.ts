/**
 * GetApplicationDateRangeKpi, GetCampaignDateRangeKpi and GetJourneyDateRangeKpi: a KPI of the
 * catalog over an inclusive date range, counted by the database, answered in the `KpiResult.Rows`
 * shape of the "Amazon Pinpoint analytics query results" page: single-value metrics one row (none
 * when the value is null, e.g. a rate over nothing), grouped ones a row per group with `GroupedBys`.
 */
import type { ResultRow, ResultRowValue } from "@aws-sdk/client-pinpoint";

/** A result row; single-value metrics have no `GroupedBys` (the SDK's type marks it required). */
export type KpiRow = Omit<ResultRow, "GroupedBys"> & { GroupedBys?: ResultRow["GroupedBys"]; Values: ResultRowValue[] };
import type { EventCount, EventCountQuery } from "../../store/engagement-events.js";
import type { Store, Tenant } from "../../store/types.js";
import { badRequest, notFound } from "../../shared/errors.js";
import { decodeToken, encodeToken } from "../../shared/pagination.js";
import { timestampMs } from "../../shared/timestamps.js";
import { GROUP_KEYS, KPIS, type KpiDefinition, type KpiScope } from "./kpi-catalog.js";

const DAY_MS = 86_400_000;
/** The longest range one query may cover. */
export const MAX_KPI_RANGE_DAYS = 31;
/** Without StartTime, the range is the 7 days up to EndTime. */
export const DEFAULT_KPI_RANGE_DAYS = 7;

export interface KpiRequest {
  KpiName?: string;
  StartTime?: unknown;
  EndTime?: unknown;
  NextToken?: string;
  PageSize?: string;
}

export interface KpiAnswer {
  KpiName: string;
  StartTime: string;
  EndTime: string;
  KpiResult: { Rows: KpiRow[] };
  NextToken?: string;
}

function instant(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const ms = value instanceof Date ? value.getTime() : timestampMs(value);
  if (ms === undefined || Number.isNaN(ms)) throw badRequest(`${field} must be an ISO 8601 date and time, such as 2019-07-26T20:00:00Z`);
  return ms;
}

const double = (v: number): string => (Number.isInteger(v) ? v.toFixed(1) : String(v));

export class KpiService {
  constructor(
    private readonly store: Store,
    private readonly now: () => number = Date.now,
  ) {}

  async application(tenant: Tenant, appId: string, req: KpiRequest): Promise<KpiAnswer & { ApplicationId: string }> {
    await this.appExists(tenant, appId);
    return { ApplicationId: appId, ...(await this.compute(tenant, appId, "application", req, {})) };
  }

  async campaign(
    tenant: Tenant,
    appId: string,
    campaignId: string,
    req: KpiRequest,
  ): Promise<KpiAnswer & { ApplicationId: string; CampaignId: string }> {
    await this.appExists(tenant, appId);
    if (!(await this.store.pinpointCampaigns.get(tenant, appId, campaignId)))
      throw notFound(`Campaign '${campaignId}' was not found in application '${appId}'`);
    return { ApplicationId: appId, CampaignId: campaignId, ...(await this.compute(tenant, appId, "campaign", req, { campaignId })) };
  }

  /** The journey's existence is its caller's to check (the journeys service). */
  async journey(
    tenant: Tenant,
    appId: string,
    journeyId: string,
    req: KpiRequest,
  ): Promise<KpiAnswer & { ApplicationId: string; JourneyId: string }> {
    await this.appExists(tenant, appId);
    return { ApplicationId: appId, JourneyId: journeyId, ...(await this.compute(tenant, appId, "journey", req, { journeyId })) };
  }

  private async appExists(tenant: Tenant, appId: string): Promise<void> {
    if (!(await this.store.apps.get(tenant, appId))) throw notFound(`Application '${appId}' was not found`);
  }

  /** A KPI of `scope` for the app, filtered to one campaign or journey; no existence checks. */
  async compute(
    tenant: Tenant,
    appId: string,
    scope: KpiScope,
    req: KpiRequest,
    filter: Pick<EventCountQuery, "campaignId" | "journeyId">,
  ): Promise<KpiAnswer> {
    const name = req.KpiName ?? "";
    const kpi = KPIS.get(scope)!.get(name);
    if (!kpi)
      throw badRequest(`KpiName '${name}' is not a ${scope} metric pinrec supports; see the Standard Amazon Pinpoint analytics metrics`);
    const end = instant(req.EndTime, "EndTime") ?? this.now();
    const start = instant(req.StartTime, "StartTime") ?? end - DEFAULT_KPI_RANGE_DAYS * DAY_MS;
    if (start > end) throw badRequest("StartTime must not be after EndTime");
    if (end - start > MAX_KPI_RANGE_DAYS * DAY_MS)
      throw badRequest(`The range from StartTime to EndTime must not exceed ${MAX_KPI_RANGE_DAYS} days`);
    const list = `kpi:${scope}:${name}`;
    const offset = decodeToken(list, req.NextToken);
    const pageSize = req.PageSize === undefined ? undefined : pageSizeOf(req.PageSize);
    const rows = await this.rows(tenant, appId, kpi, { from: start, to: end + 1, ...filter });
    const page = pageSize === undefined ? rows.slice(offset) : rows.slice(offset, offset + pageSize);
    const more = pageSize !== undefined && offset + pageSize < rows.length;
    return {
      KpiName: name,
      StartTime: new Date(start).toISOString(),
      EndTime: new Date(end).toISOString(),
      KpiResult: { Rows: page },
      ...(more && { NextToken: encodeToken(list, offset + pageSize) }),
    };
  }

  private async rows(
    tenant: Tenant,
    appId: string,
    kpi: KpiDefinition,
    range: Pick<EventCountQuery, "from" | "to" | "campaignId" | "journeyId">,
  ): Promise<KpiRow[]> {
    const m = kpi.measure;
    const base = { ...range, origin: kpi.origin, groupBy: kpi.groupBy };
    const sum = (counts: EventCount[], types: string[], field: "count" | "distinct") => {
      const out = new Map<string, number>();
      for (const c of counts) if (types.includes(c.eventType)) out.set(c.group, (out.get(c.group) ?? 0) + c[field]);
      return out;
    };
    let values: Map<string, number>;
    if (m.kind === "count") {
      values = sum(await this.store.engagement.count(tenant, appId, { ...base, eventTypes: m.types }), m.types, "count");
    } else if (m.kind === "distinct") {
      // Distinct across types needs one query per type set; the catalog's distinct measures are per channel family.
      values = sum(await this.store.engagement.count(tenant, appId, { ...base, eventTypes: m.types, distinct: m.of }), m.types, "distinct");
    } else {
      const num = await this.store.engagement.count(tenant, appId, {
        ...base,
        eventTypes: m.num,
        ...(m.distinctMessages && { distinct: "message" as const }),
      });
      const den = sum(await this.store.engagement.count(tenant, appId, { ...base, eventTypes: m.den }), m.den, "count");
      const top = sum(num, m.num, m.distinctMessages ? "distinct" : "count");
      values = new Map();
      // A rate over nothing is null: no row.
      for (const [group, d] of den) if (d > 0) values.set(group, Math.min(1, (top.get(group) ?? 0) / d));
    }
    if (!kpi.groupBy) {
      const v = values.get("") ?? (m.kind === "rate" ? undefined : 0);
      return v === undefined ? [] : [{ Values: [{ Key: kpi.key, Type: "Double", Value: double(v) }] }];
    }
    const groupKey = GROUP_KEYS[kpi.groupBy];
    return [...values]
      .filter(([group]) => group !== "")
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([group, v]) => ({
        GroupedBys: [{ Key: groupKey, Type: "String", Value: group }],
        Values: [{ Key: kpi.key, Type: "Double", Value: double(v) }],
      }));
  }
}

function pageSizeOf(raw: string): number {
  if (!/^\d{1,9}$/.test(raw) || Number(raw) < 1) throw badRequest("page-size must be a positive integer");
  return Math.min(Number(raw), 1000);
}
