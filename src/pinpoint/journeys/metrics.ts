/**
 * Journey execution metrics (Journey Execution Metrics and Journey Activity Execution Metrics
 * resources of the Amazon Pinpoint REST API): counters the executor adds to in the transaction
 * that moves the participants they count, and the number of participants still on their way.
 * Metric values are strings, as JourneyExecutionMetricsResponse.Metrics documents them.
 */
import type { JourneyExecutionActivityMetricsResponse, JourneyExecutionMetricsResponse } from "@aws-sdk/client-pinpoint";
import { notFound } from "../../shared/errors.js";
import type { Store, Tenant } from "../../store/types.js";
import type { KpiAnswer, KpiRequest, KpiService } from "../engagement/kpis.js";
import { kindOf, type ActivityKind } from "./activities.js";
import type { JourneyService } from "./service.js";

/** JourneyExecutionActivityMetricsResponse.ActivityType of each activity kind. */
const ACTIVITY_TYPES: Record<ActivityKind, string> = {
  EMAIL: "MESSAGE",
  SMS: "MESSAGE",
  PUSH: "MESSAGE",
  CUSTOM: "MESSAGE",
  ContactCenter: "CONTACT_CENTER",
  Wait: "WAIT",
  Holdout: "HOLDOUT",
  RandomSplit: "RANDOM_SPLIT",
  ConditionalSplit: "CONDITIONAL_SPLIT",
  MultiCondition: "MULTI_CONDITIONAL_SPLIT",
};

const strings = (m: Map<string, number> | undefined): Record<string, string> =>
  Object.fromEntries([...(m ?? new Map<string, number>())].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, String(v)]));

export class JourneyMetricsService {
  constructor(
    private readonly store: Store,
    private readonly journeys: JourneyService,
    private readonly kpis: KpiService,
    private readonly now: () => number = Date.now,
  ) {}

  /** GetJourneyExecutionMetrics: ENDPOINT_ENTERED, ENDPOINT_ACTIVE (not finished), ENDPOINT_LEFT. */
  async execution(tenant: Tenant, appId: string, journeyId: string): Promise<JourneyExecutionMetricsResponse> {
    await this.journeys.read(tenant, appId, journeyId);
    const stored = (await this.store.journeys.get(tenant, appId, journeyId))!;
    const { values, updatedAt } = await this.store.journeyParticipants.metrics(tenant, appId, journeyId);
    const own = values.get("") ?? new Map<string, number>();
    return {
      ApplicationId: appId,
      JourneyId: journeyId,
      LastEvaluatedTime: new Date(updatedAt ?? this.now()).toISOString(),
      Metrics: strings(
        new Map([
          ["ENDPOINT_ENTERED", own.get("ENDPOINT_ENTERED") ?? 0],
          ["ENDPOINT_ACTIVE", stored.inProgress],
          ["ENDPOINT_LEFT", own.get("ENDPOINT_LEFT") ?? 0],
        ]),
      ),
    };
  }

  /** GetJourneyExecutionActivityMetrics: the activity's counters (see docs/journeys.md for each type's). */
  async activity(tenant: Tenant, appId: string, journeyId: string, activityId: string): Promise<JourneyExecutionActivityMetricsResponse> {
    const journey = await this.journeys.read(tenant, appId, journeyId);
    const activity = journey.Activities?.[activityId];
    if (!activity) throw notFound(`Activity '${activityId}' was not found in journey '${journeyId}'`);
    const { values, updatedAt } = await this.store.journeyParticipants.metrics(tenant, appId, journeyId);
    return {
      ActivityType: ACTIVITY_TYPES[kindOf(activity)],
      ApplicationId: appId,
      JourneyActivityId: activityId,
      JourneyId: journeyId,
      LastEvaluatedTime: new Date(updatedAt ?? this.now()).toISOString(),
      Metrics: strings(values.get(activityId)),
    };
  }

  /** GetJourneyDateRangeKpi: the engagement KPIs of the journey's messages. */
  async kpi(
    tenant: Tenant,
    appId: string,
    journeyId: string,
    req: KpiRequest,
  ): Promise<KpiAnswer & { ApplicationId: string; JourneyId: string }> {
    await this.journeys.read(tenant, appId, journeyId);
    return this.kpis.journey(tenant, appId, journeyId, req);
  }
}
