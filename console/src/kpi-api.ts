/**
 * The KPIs the analytics pages chart, read with GetApplicationDateRangeKpi and
 * GetCampaignDateRangeKpi (signed by the SDK like every other call). Names and row shapes are the
 * "Standard Amazon Pinpoint analytics metrics" page's: a row's `Values[0].Value` is a Double as a
 * string, grouped metrics carry `GroupedBys[0].Value` (a `YYYY-MM-DD` date in UTC, a campaign id,
 * a campaign activity id). Counts of nothing are 0; a rate over nothing has no row.
 */
import { GetApplicationDateRangeKpiCommand, GetCampaignDateRangeKpiCommand, type BaseKpiResult } from "@aws-sdk/client-pinpoint";
import type { Clients } from "./aws";

/** An inclusive range of whole UTC days, as `YYYY-MM-DD`. */
export interface DayRange {
  from: string;
  to: string;
}

const DAY_MS = 86_400_000;
export const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The 7 days up to today, as the KPI APIs default to without a StartTime. */
export function lastDays(days = 7, now = Date.now()): DayRange {
  return { from: dayOf(now - (days - 1) * DAY_MS), to: dayOf(now) };
}

/** Every day of the range, in order (for a chart's x axis: days without events count 0). */
export function daysOf(range: DayRange): string[] {
  const out: string[] = [];
  const start = Date.parse(`${range.from}T00:00:00Z`);
  const end = Date.parse(`${range.to}T00:00:00Z`);
  if (Number.isNaN(start) || Number.isNaN(end)) return out;
  for (let t = start; t <= end && out.length <= 366; t += DAY_MS) out.push(dayOf(t));
  return out;
}

/**
 * StartTime is the first day's midnight and EndTime the last day's final millisecond (both are
 * inclusive); an empty or unparsable field is sent as it is, so the API's own validation answers.
 */
const instants = (range: DayRange) => ({
  StartTime: range.from ? new Date(`${range.from}T00:00:00.000Z`) : undefined,
  EndTime: range.to ? new Date(`${range.to}T23:59:59.999Z`) : undefined,
});

export type KpiTarget = { appId: string; campaignId?: string };

/** Every row of one KPI over the range, following NextToken. */
export async function kpiRows(clients: Clients, target: KpiTarget, kpiName: string, range: DayRange): Promise<BaseKpiResult["Rows"]> {
  const rows: NonNullable<BaseKpiResult["Rows"]> = [];
  let token: string | undefined;
  do {
    const common = { ApplicationId: target.appId, KpiName: kpiName, ...instants(range), NextToken: token };
    const res = target.campaignId
      ? (await clients.pinpoint.send(new GetCampaignDateRangeKpiCommand({ ...common, CampaignId: target.campaignId })))
          .CampaignDateRangeKpiResponse
      : (await clients.pinpoint.send(new GetApplicationDateRangeKpiCommand(common))).ApplicationDateRangeKpiResponse;
    rows.push(...(res?.KpiResult?.Rows ?? []));
    token = res?.NextToken;
  } while (token);
  return rows;
}

/** A single-value KPI: its number, or undefined when there is none (a rate over nothing). */
export async function kpiValue(clients: Clients, target: KpiTarget, kpiName: string, range: DayRange): Promise<number | undefined> {
  const [row] = (await kpiRows(clients, target, kpiName, range)) ?? [];
  const v = row?.Values?.[0]?.Value;
  return v === undefined ? undefined : Number(v);
}

/** A grouped KPI: value per group (date, campaign id or campaign activity id). */
export async function kpiGroups(clients: Clients, target: KpiTarget, kpiName: string, range: DayRange): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const row of (await kpiRows(clients, target, kpiName, range)) ?? []) {
    const group = row.GroupedBys?.[0]?.Value;
    const v = row.Values?.[0]?.Value;
    if (group !== undefined && v !== undefined) out.set(group, Number(v));
  }
  return out;
}

/** One charted measure: its label and the KPI it reads (without the `-grouped-by-…` suffix). */
export interface Measure {
  label: string;
  kpi: string;
  rate?: boolean;
}

/** Campaign deliveries (application and campaign scopes share these names). */
export const CAMPAIGN_MEASURES: Measure[] = [
  { label: "Sent", kpi: "attempted-deliveries" },
  { label: "Delivered", kpi: "successful-deliveries" },
  { label: "Opened", kpi: "direct-email-opens" },
  { label: "Clicks", kpi: "clicks" },
];

export const CAMPAIGN_RATES: Measure[] = [
  { label: "Delivery rate", kpi: "successful-delivery-rate", rate: true },
  { label: "Open rate", kpi: "email-open-rate", rate: true },
  { label: "Hard bounce rate", kpi: "hard-bounce-rate", rate: true },
];

/** Transactional email (SendMessages / SendUsersMessages outside campaigns and journeys). */
export const TXN_EMAIL_MEASURES: Measure[] = [
  { label: "Sent", kpi: "txn-emails-sent" },
  { label: "Delivered", kpi: "txn-emails-delivered" },
  { label: "Opened", kpi: "txn-emails-opened" },
  { label: "Clicked", kpi: "txn-emails-clicked" },
];

/** A chart's data: one value per day per measure. */
export interface DailySeries {
  days: string[];
  series: { label: string; values: number[] }[];
  total: number;
}

/** Each measure's `-grouped-by-date` KPI over the range, days without a row counting 0. */
export async function dailySeries(clients: Clients, target: KpiTarget, measures: Measure[], range: DayRange): Promise<DailySeries> {
  const days = daysOf(range);
  const groups = await Promise.all(measures.map((m) => kpiGroups(clients, target, `${m.kpi}-grouped-by-date`, range)));
  const series = measures.map((m, i) => ({ label: m.label, values: days.map((d) => groups[i].get(d) ?? 0) }));
  return { days, series, total: series.reduce((n, s) => n + s.values.reduce((a, b) => a + b, 0), 0) };
}

/** Which date field an API validation message is about, so it is shown beside that field. */
export function rangeFieldOf(message: string): keyof DayRange | undefined {
  if (/range from StartTime to EndTime|^EndTime/.test(message)) return "to";
  if (/StartTime/.test(message)) return "from";
  return undefined;
}

export const percent = (v: number | undefined) => (v === undefined ? "–" : `${(v * 100).toFixed(1)} %`);
