/**
 * The KPI names pinrec computes, from the "Standard Amazon Pinpoint analytics metrics" page of the
 * Amazon Pinpoint Developer Guide: application metrics (campaigns, and transactional `txn-*`
 * messages), campaign metrics, and journey engagement metrics. Each is a measure over the stored
 * engagement events, optionally grouped (`-grouped-by-date`, `-grouped-by-campaign`,
 * `-grouped-by-campaign-activity`, `-grouped-by-journey-activity`).
 */
import type { EventCountQuery } from "../../store/engagement-events.js";

export type KpiScope = "application" | "campaign" | "journey";

const SENT = ["_email.send", "_sms.send"];
const DELIVERED = ["_email.delivered", "_sms.success"];

export type Measure =
  /** How many events of the types. */
  | { kind: "count"; types: string[] }
  /** Distinct endpoints or messages among the events. */
  | { kind: "distinct"; types: string[]; of: "endpoint" | "message" }
  /** Distinct messages (or events) of `num` over events of `den`, as a fraction 0…1. */
  | { kind: "rate"; num: string[]; den: string[]; distinctMessages?: boolean };

export interface KpiDefinition {
  name: string;
  /** `Values.Key` of the result rows. */
  key: string;
  measure: Measure;
  origin?: EventCountQuery["origin"];
  groupBy?: EventCountQuery["groupBy"];
}

/** `GroupedBys.Key` per grouping. */
export const GROUP_KEYS: Record<NonNullable<EventCountQuery["groupBy"]>, string> = {
  date: "Date",
  campaign: "CampaignId",
  campaign_activity: "CampaignActivityId",
  journey_activity: "JourneyActivityId",
  campaign_treatment: "TreatmentId",
};

const pascal = (name: string) =>
  name
    .split("-")
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join("");

type Base = { name: string; key?: string; measure: Measure };

/** Campaign-delivery metrics shared by the application and campaign scopes. */
const CAMPAIGN_METRICS: Base[] = [
  { name: "successful-delivery-rate", measure: { kind: "rate", num: DELIVERED, den: SENT } },
  { name: "successful-deliveries", measure: { kind: "count", types: DELIVERED } },
  { name: "attempted-deliveries", measure: { kind: "count", types: SENT } },
  { name: "unique-deliveries", measure: { kind: "distinct", types: DELIVERED, of: "endpoint" } },
  { name: "email-open-rate", measure: { kind: "rate", num: ["_email.open"], den: ["_email.delivered"], distinctMessages: true } },
  { name: "direct-email-opens", measure: { kind: "distinct", types: ["_email.open"], of: "message" } },
  { name: "clicks", measure: { kind: "count", types: ["_email.click"] } },
  { name: "hard-bounce-rate", measure: { kind: "rate", num: ["_email.hardbounce"], den: ["_email.send"] } },
];

const EMAIL_EVENTS: [string, string][] = [
  ["sent", "_email.send"],
  ["delivered", "_email.delivered"],
  ["opened", "_email.open"],
  ["clicked", "_email.click"],
  ["hard-bounced", "_email.hardbounce"],
  ["soft-bounced", "_email.softbounce"],
  ["unsubscribed", "_email.unsubscribe"],
  ["rejected", "_email.rejected"],
  ["with-complaints", "_email.complaint"],
];

function build(): Map<KpiScope, Map<string, KpiDefinition>> {
  const out = new Map<KpiScope, Map<string, KpiDefinition>>([
    ["application", new Map()],
    ["campaign", new Map()],
    ["journey", new Map()],
  ]);
  const add = (scope: KpiScope, d: Omit<KpiDefinition, "key"> & { key?: string }) =>
    out.get(scope)!.set(d.name, { ...d, key: d.key ?? pascal(d.name.replace(/-grouped-by-.*$/, "")) });
  for (const m of CAMPAIGN_METRICS) {
    add("application", { ...m, origin: "campaign" });
    add("application", { ...m, name: `${m.name}-grouped-by-campaign`, origin: "campaign", groupBy: "campaign" });
    add("application", { ...m, name: `${m.name}-grouped-by-date`, origin: "campaign", groupBy: "date" });
    add("campaign", m);
    add("campaign", { ...m, name: `${m.name}-grouped-by-campaign-activity`, groupBy: "campaign_activity" });
    add("campaign", { ...m, name: `${m.name}-grouped-by-date`, groupBy: "date" });
  }
  // Transactional messages: sent by SendMessages / SendUsersMessages, outside campaigns and journeys.
  for (const [word, type] of EMAIL_EVENTS) {
    const m: Measure = { kind: "count", types: [type] };
    add("application", { name: `txn-emails-${word}`, measure: m, origin: "transactional" });
    add("application", { name: `txn-emails-${word}-grouped-by-date`, measure: m, origin: "transactional", groupBy: "date" });
  }
  for (const [word, types] of [
    ["sent", ["_sms.send"]],
    ["delivered", ["_sms.success"]],
    ["failed", ["_sms.failure"]],
  ] as const) {
    const m: Measure = { kind: "count", types: [...types] };
    add("application", { name: `txn-sms-${word}`, measure: m, origin: "transactional" });
    add("application", { name: `txn-sms-${word}-grouped-by-date`, measure: m, origin: "transactional", groupBy: "date" });
  }
  add("application", {
    name: "txn-emails-delivery-rate",
    measure: { kind: "rate", num: ["_email.delivered"], den: ["_email.send"] },
    origin: "transactional",
  });
  // Journey engagement metrics: journey-emails-* for the journey, emails-*-grouped-by-journey-activity.
  for (const [word, type] of EMAIL_EVENTS) {
    const j = word.replace("hard-bounced", "hardbounced").replace("soft-bounced", "softbounced").replace("with-complaints", "complained");
    const m: Measure = { kind: "count", types: [type] };
    add("journey", { name: `journey-emails-${j}`, measure: m });
    add("journey", {
      name: `emails-${j}-grouped-by-journey-activity`,
      key: pascal(`emails-${j}`),
      measure: m,
      groupBy: "journey_activity",
    });
  }
  add("journey", {
    name: "journey-email-open-rate",
    measure: { kind: "rate", num: ["_email.open"], den: ["_email.delivered"], distinctMessages: true },
  });
  return out;
}

export const KPIS = build();
