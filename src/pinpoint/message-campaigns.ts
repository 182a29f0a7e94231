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
import { typedHandler, type Handler } from "../protocol/handler.js";
import type { CampaignService } from "../message-campaigns/service.js";
import { decodeToken, encodeToken, parsePageSize } from "../shared/pagination.js";

const LIST = "campaigns";
const VERSIONS = "campaign-versions";
const ACTIVITIES = "campaign-activities";

export function campaignHandlers(service: CampaignService): Record<string, Handler> {
  return {
    CreateCampaign: typedHandler<CreateCampaignRequest>(async ({ tenant, input }) => ({
      body: await service.create(tenant, input.ApplicationId!, input.WriteCampaignRequest!),
    })),
    GetCampaign: typedHandler<GetCampaignRequest>(async ({ tenant, input }) => ({
      body: await service.read(tenant, input.ApplicationId!, input.CampaignId!),
    })),
    GetCampaigns: typedHandler<GetCampaignsRequest>(async ({ tenant, input }) => {
      const page = await service.list(tenant, input.ApplicationId!, decodeToken(LIST, input.Token), parsePageSize(input.PageSize));
      const body: CampaignsResponse = { Item: page.items, ...(page.after !== undefined && { NextToken: encodeToken(LIST, page.after) }) };
      return { body };
    }),
    UpdateCampaign: typedHandler<UpdateCampaignRequest>(async ({ tenant, input }) => ({
      body: await service.update(tenant, input.ApplicationId!, input.CampaignId!, input.WriteCampaignRequest!),
    })),
    DeleteCampaign: typedHandler<DeleteCampaignRequest>(async ({ tenant, input }) => ({
      body: await service.delete(tenant, input.ApplicationId!, input.CampaignId!),
    })),
    GetCampaignVersion: typedHandler<GetCampaignVersionRequest>(async ({ tenant, input }) => ({
      body: await service.read(tenant, input.ApplicationId!, input.CampaignId!, input.Version!),
    })),
    GetCampaignVersions: typedHandler<GetCampaignVersionsRequest>(async ({ tenant, input }) => {
      const page = await service.versions(tenant, input.ApplicationId!, input.CampaignId!, decodeToken(VERSIONS, input.Token), parsePageSize(input.PageSize));
      const body: CampaignsResponse = { Item: page.items, ...(page.after !== undefined && { NextToken: encodeToken(VERSIONS, page.after) }) };
      return { body };
    }),
    GetCampaignActivities: typedHandler<GetCampaignActivitiesRequest>(async ({ tenant, input }) => {
      const page = await service.activities(tenant, input.ApplicationId!, input.CampaignId!, decodeToken(ACTIVITIES, input.Token), parsePageSize(input.PageSize));
      const body: ActivitiesResponse = { Item: page.items, ...(page.after !== undefined && { NextToken: encodeToken(ACTIVITIES, page.after) }) };
      return { body };
    }),
  };
}
