/**
 * Per-day counts of engagement events, kept beside the events in the same transaction, so a KPI over
 * a month reads a few hundred rows instead of an index range of every event (Amazon Pinpoint's
 * "Standard Amazon Pinpoint analytics metrics" are counts per app, campaign, activity and day).
 *
 * A row counts the events of one UTC day with one set of the columns KPIs group and filter by. Absent
 * ids are stored as `''` (a primary key column cannot be NULL on PostgreSQL). Recording adds the rows
 * an insert really stored (its `RETURNING` rows, so a repeated event id counts once); pruning subtracts
 * the rows it deleted. Distinct counts (endpoints, messages) cannot be summed over days; they are
 * counted from the events themselves.
 */
import { chunks, marks, type SqlExecutor } from "./sql.js";
import type { Tenant } from "./tenant.js";

export const DAY_MS = 86_400_000;

/** The columns of an event that its day's count is kept by. */
export interface CountedEvent {
  account_id: string;
  region: string;
  app_id: string;
  event_type: string;
  event_time: number | string;
  campaign_id: string | null;
  treatment_id: string | null;
  campaign_activity_id: string | null;
  journey_id: string | null;
  journey_activity_id: string | null;
  /** Whether the event is a click attributed to a recommended item. */
  recommended: boolean;
}

/** What an insert or delete of events returns, for the daily counts. */
export const COUNTED_COLUMNS =
  "account_id, region, app_id, event_type, event_time, campaign_id, treatment_id, campaign_activity_id, journey_id, journey_activity_id, attributes";

/** A `RETURNING` row of COUNTED_COLUMNS as a counted event. */
export function countedEvent(row: Omit<CountedEvent, "recommended"> & { attributes: string }): CountedEvent {
  const { attributes, ...rest } = row;
  return { ...rest, recommended: isRecommendedClick(attributes) };
}

/** The same test the events query makes: the click's attributes name a recommended item. */
export const isRecommendedClick = (attributes: string): boolean => attributes.includes('"recommended_item":');

const KEY_COLUMNS = [
  "account_id",
  "region",
  "app_id",
  "event_day",
  "event_type",
  "campaign_id",
  "treatment_id",
  "campaign_activity_id",
  "journey_id",
  "journey_activity_id",
  "recommended",
] as const;

type DayKey = [string, string, string, number, string, string, string, string, string, string, number];

function dayKey(e: CountedEvent): DayKey {
  return [
    e.account_id,
    e.region,
    e.app_id,
    Math.floor(Number(e.event_time) / DAY_MS),
    e.event_type,
    e.campaign_id ?? "",
    e.treatment_id ?? "",
    e.campaign_activity_id ?? "",
    e.journey_id ?? "",
    e.journey_activity_id ?? "",
    e.recommended ? 1 : 0,
  ];
}

/**
 * Adds `sign` × each event to its day's row. Rows are written in key order, so two PostgreSQL
 * transactions adding to the same rows lock them in the same order and never deadlock.
 */
export async function addToDailyCounts(tx: SqlExecutor, events: CountedEvent[], sign: 1 | -1): Promise<void> {
  if (events.length === 0) return;
  const totals = new Map<string, { key: DayKey; n: number }>();
  for (const e of events) {
    const key = dayKey(e);
    const id = JSON.stringify(key);
    const t = totals.get(id);
    if (t) t.n += sign;
    else totals.set(id, { key, n: sign });
  }
  const rows = [...totals.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, t]) => t);
  for (const part of chunks(rows, 50)) {
    await tx.run(
      `INSERT INTO engagement_daily_counts (${KEY_COLUMNS.join(", ")}, n)
       VALUES ${part.map(() => `(${marks(KEY_COLUMNS.length + 1)})`).join(", ")}
       ON CONFLICT (${KEY_COLUMNS.join(", ")}) DO UPDATE SET n = engagement_daily_counts.n + excluded.n`,
      part.flatMap((r) => [...r.key, r.n]),
    );
  }
  if (sign < 0) await tx.run("DELETE FROM engagement_daily_counts WHERE n <= 0");
}

/** The filters and grouping of a KPI count, as the daily counts answer them. */
export interface DailyCountQuery {
  fromDay: number;
  /** Exclusive. */
  toDay: number;
  eventTypes: string[];
  campaignId?: string;
  journeyId?: string;
  origin?: "campaign" | "journey" | "transactional";
  groupBy?: "date" | "campaign" | "campaign_activity" | "journey_activity" | "campaign_treatment";
  recommendedOnly?: boolean;
}

/** Event counts per group and type over whole days; the group is a day number for `date`. */
export async function countByDay(
  db: SqlExecutor,
  t: Tenant,
  appId: string,
  q: DailyCountQuery,
): Promise<{ g: string | number | null; event_type: string; n: number | string }[]> {
  const where = [
    "account_id = ?",
    "region = ?",
    "app_id = ?",
    "event_day >= ?",
    "event_day < ?",
    `event_type IN (${marks(q.eventTypes.length)})`,
  ];
  const params: unknown[] = [t.accountId, t.region, appId, q.fromDay, q.toDay, ...q.eventTypes];
  if (q.campaignId !== undefined) {
    where.push("campaign_id = ?");
    params.push(q.campaignId);
  }
  if (q.journeyId !== undefined) {
    where.push("journey_id = ?");
    params.push(q.journeyId);
  }
  if (q.origin === "campaign") where.push("campaign_id <> ''");
  if (q.origin === "journey") where.push("journey_id <> ''");
  if (q.origin === "transactional") where.push("campaign_id = '' AND journey_id = ''");
  if (q.recommendedOnly) where.push("recommended = 1");
  // The same groups as the events query, '' read back as absent.
  const group = {
    date: "event_day",
    campaign: "NULLIF(campaign_id, '')",
    campaign_activity: "NULLIF(campaign_activity_id, '')",
    journey_activity: "NULLIF(journey_activity_id, '')",
    campaign_treatment: "CASE WHEN campaign_id = '' THEN NULL ELSE campaign_id || '/' || treatment_id END",
    none: "''",
  }[q.groupBy ?? "none"];
  return db.all(
    `SELECT ${group} AS g, event_type, SUM(n) AS n FROM engagement_daily_counts
     WHERE ${where.join(" AND ")} GROUP BY ${group === "''" ? "event_type" : `${group}, event_type`}`,
    params,
  );
}
