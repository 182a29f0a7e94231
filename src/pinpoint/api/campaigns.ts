/** The Campaigns, Campaign, Campaign Versions and Campaign Activities resources (`/v1/apps/{id}/campaigns…`). */
import type {
  ActivitiesResponse,
  CampaignsResponse,
  CreateCampaignRequest,
  DeleteCampaignRequest,
  GetCampaignActivitiesRequest,
  GetCampaignRequest,
  GetCampaignsRequest,
  GetCampaignVersionRequest,
  GetCampaignVersionsRequest,
  UpdateCampaignRequest,
} from "@aws-sdk/client-pinpoint";
import { handlersOf, type Handler } from "../../protocol/handler.js";
import type { PinpointCampaignService } from "../campaigns/service.js";
import { decodeToken, pageBody, parsePageSize } from "../../shared/pagination.js";

const LIST = "campaigns";
const VERSIONS = "campaign-versions";
const ACTIVITIES = "campaign-activities";

export function campaignHandlers(service: PinpointCampaignService): Record<string, Handler> {
  return handlersOf<{
    CreateCampaign: CreateCampaignRequest;
    GetCampaign: GetCampaignRequest;
    GetCampaigns: GetCampaignsRequest;
    UpdateCampaign: UpdateCampaignRequest;
    DeleteCampaign: DeleteCampaignRequest;
    GetCampaignVersion: GetCampaignVersionRequest;
    GetCampaignVersions: GetCampaignVersionsRequest;
    GetCampaignActivities: GetCampaignActivitiesRequest;
  }>({
    CreateCampaign: async ({ tenant, input }) => ({
      body: await service.create(tenant, input.ApplicationId, input.WriteCampaignRequest),
    }),
    GetCampaign: async ({ tenant, input }) => ({
      body: await service.read(tenant, input.ApplicationId, input.CampaignId),
    }),
    GetCampaigns: async ({ tenant, input }) => {
      const page = await service.list(tenant, input.ApplicationId, decodeToken(LIST, input.Token), parsePageSize(input.PageSize));
      const body: CampaignsResponse = pageBody(LIST, page);
      return { body };
    },
    UpdateCampaign: async ({ tenant, input }) => ({
      body: await service.update(tenant, input.ApplicationId, input.CampaignId, input.WriteCampaignRequest),
    }),
    DeleteCampaign: async ({ tenant, input }) => ({
      body: await service.delete(tenant, input.ApplicationId, input.CampaignId),
    }),
    GetCampaignVersion: async ({ tenant, input }) => ({
      body: await service.read(tenant, input.ApplicationId, input.CampaignId, input.Version),
    }),
    GetCampaignVersions: async ({ tenant, input }) => {
      const page = await service.versions(
        tenant,
        input.ApplicationId,
        input.CampaignId,
        decodeToken(VERSIONS, input.Token),
        parsePageSize(input.PageSize),
      );
      const body: CampaignsResponse = pageBody(VERSIONS, page);
      return { body };
    },
    GetCampaignActivities: async ({ tenant, input }) => {
      const page = await service.activities(
        tenant,
        input.ApplicationId,
        input.CampaignId,
        decodeToken(ACTIVITIES, input.Token),
        parsePageSize(input.PageSize),
      );
      const body: ActivitiesResponse = pageBody(ACTIVITIES, page);
      return { body };
    },
  });
}
