/** The KPI resources (`GET /v1/apps/{id}/kpis/daterange/{kpi-name}` and the campaign's). */
import type { GetApplicationDateRangeKpiRequest, GetCampaignDateRangeKpiRequest } from "@aws-sdk/client-pinpoint";
import { handlersOf, type Handler } from "../../protocol/handler.js";
import type { KpiService } from "../engagement/kpis.js";

export function kpiHandlers(service: KpiService): Record<string, Handler> {
  return handlersOf<{
    GetApplicationDateRangeKpi: GetApplicationDateRangeKpiRequest;
    GetCampaignDateRangeKpi: GetCampaignDateRangeKpiRequest;
  }>({
    GetApplicationDateRangeKpi: async ({ tenant, input }) => ({
      body: await service.application(tenant, input.ApplicationId, input),
    }),
    GetCampaignDateRangeKpi: async ({ tenant, input }) => ({
      body: await service.campaign(tenant, input.ApplicationId, input.CampaignId, input),
    }),
  });
}
