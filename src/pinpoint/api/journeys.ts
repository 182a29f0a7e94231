/** The Journeys, Journey and Journey State resources (`/v1/apps/{id}/journeys…`). */
import type {
  Activity,
  CreateJourneyRequest,
  JourneyResponse,
  SimpleCondition,
  DeleteJourneyRequest,
  GetJourneyDateRangeKpiRequest,
  GetJourneyExecutionActivityMetricsRequest,
  GetJourneyExecutionMetricsRequest,
  GetJourneyRequest,
  JourneysResponse,
  ListJourneysRequest,
  UpdateJourneyRequest,
  UpdateJourneyStateRequest,
} from "@aws-sdk/client-pinpoint";
import { handlersOf, type Handler } from "../../protocol/handler.js";
import type { JourneyService } from "../journeys/service.js";
import type { JourneyMetricsService } from "../journeys/metrics.js";
import { decodeToken, pageBody, parsePageSize } from "../../shared/pagination.js";

const LIST = "journeys";

/** A SimpleCondition as the wire spells it: its SegmentDimensions member's jsonName is `segmentDimensions`. */
function wireCondition(c: SimpleCondition): Record<string, unknown> {
  const { SegmentDimensions, ...rest } = c;
  return SegmentDimensions === undefined ? rest : { ...rest, segmentDimensions: SegmentDimensions };
}

function wireActivity(a: Activity): Activity {
  const out: Activity = { ...a };
  if (a.ConditionalSplit?.Condition?.Conditions)
    out.ConditionalSplit = {
      ...a.ConditionalSplit,
      Condition: { ...a.ConditionalSplit.Condition, Conditions: a.ConditionalSplit.Condition.Conditions.map(wireCondition) },
    };
  if (a.MultiCondition?.Branches)
    out.MultiCondition = {
      ...a.MultiCondition,
      Branches: a.MultiCondition.Branches.map((b) => (b.Condition ? { ...b, Condition: wireCondition(b.Condition) } : b)),
    };
  return out;
}

/** A JourneyResponse as the wire spells it (the SDKs read members by their jsonName). */
export function wireJourney(j: JourneyResponse): JourneyResponse {
  if (!j.Activities) return j;
  return { ...j, Activities: Object.fromEntries(Object.entries(j.Activities).map(([id, a]) => [id, wireActivity(a)])) };
}

export function journeyHandlers(service: JourneyService, metrics: JourneyMetricsService): Record<string, Handler> {
  return handlersOf<{
    CreateJourney: CreateJourneyRequest;
    GetJourney: GetJourneyRequest;
    ListJourneys: ListJourneysRequest;
    UpdateJourney: UpdateJourneyRequest;
    UpdateJourneyState: UpdateJourneyStateRequest;
    DeleteJourney: DeleteJourneyRequest;
    GetJourneyExecutionMetrics: GetJourneyExecutionMetricsRequest;
    GetJourneyExecutionActivityMetrics: GetJourneyExecutionActivityMetricsRequest;
    GetJourneyDateRangeKpi: GetJourneyDateRangeKpiRequest;
  }>({
    CreateJourney: async ({ tenant, input }) => ({
      body: wireJourney(await service.create(tenant, input.ApplicationId, input.WriteJourneyRequest)),
    }),
    GetJourney: async ({ tenant, input }) => ({
      body: wireJourney(await service.read(tenant, input.ApplicationId, input.JourneyId)),
    }),
    ListJourneys: async ({ tenant, input }) => {
      const page = await service.list(tenant, input.ApplicationId, decodeToken(LIST, input.Token), parsePageSize(input.PageSize));
      const body: JourneysResponse = pageBody(LIST, { items: page.items.map(wireJourney), after: page.after });
      return { body };
    },
    UpdateJourney: async ({ tenant, input }) => ({
      body: wireJourney(await service.update(tenant, input.ApplicationId, input.JourneyId, input.WriteJourneyRequest)),
    }),
    UpdateJourneyState: async ({ tenant, input }) => ({
      body: wireJourney(await service.setState(tenant, input.ApplicationId, input.JourneyId, input.JourneyStateRequest)),
    }),
    DeleteJourney: async ({ tenant, input }) => ({
      body: wireJourney(await service.delete(tenant, input.ApplicationId, input.JourneyId)),
    }),
    GetJourneyExecutionMetrics: async ({ tenant, input }) => ({
      body: await metrics.execution(tenant, input.ApplicationId, input.JourneyId),
    }),
    GetJourneyExecutionActivityMetrics: async ({ tenant, input }) => ({
      body: await metrics.activity(tenant, input.ApplicationId, input.JourneyId, input.JourneyActivityId),
    }),
    GetJourneyDateRangeKpi: async ({ tenant, input }) => ({
      body: await metrics.kpi(tenant, input.ApplicationId, input.JourneyId, input),
    }),
  });
}
