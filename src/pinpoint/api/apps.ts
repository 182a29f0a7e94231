/** The Apps and App resources (`/v1/apps`; Amazon Pinpoint API Reference: Apps, App). */
import type { ApplicationsResponse, CreateAppRequest, DeleteAppRequest, GetAppRequest, GetAppsRequest } from "@aws-sdk/client-pinpoint";
import type { AppService } from "../apps/service.js";
import { handlersOf, type Handler } from "../../protocol/handler.js";
import { decodeToken, pageBody, parsePageSize } from "../../shared/pagination.js";

const LIST = "apps";

export function appHandlers(service: AppService): Record<string, Handler> {
  return handlersOf<{
    CreateApp: CreateAppRequest;
    GetApp: GetAppRequest;
    GetApps: GetAppsRequest;
    DeleteApp: DeleteAppRequest;
  }>({
    async CreateApp({ tenant, input }) {
      return { body: await service.create(tenant, input.CreateApplicationRequest) };
    },
    async GetApp({ tenant, input }) {
      return { body: await service.getText(tenant, input.ApplicationId) };
    },
    async GetApps({ tenant, input }) {
      const limit = parsePageSize(input.PageSize);
      const after = decodeToken(LIST, input.Token);
      const page = await service.list(tenant, after, limit);
      const body: ApplicationsResponse = pageBody(LIST, page);
      return { body };
    },
    async DeleteApp({ tenant, input }) {
      return { body: await service.delete(tenant, input.ApplicationId) };
    },
  });
}
