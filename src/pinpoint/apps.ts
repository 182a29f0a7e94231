/** The Apps and App resources (`/v1/apps`, spec §6). */
import type { ApplicationsResponse, CreateApplicationRequest } from "@aws-sdk/client-pinpoint";
import type { AppService } from "../apps/service.js";
import type { Handler } from "../protocol/handler.js";
import { decodeToken, encodeToken, parsePageSize } from "../shared/pagination.js";

const LIST = "apps";

export function appHandlers(service: AppService): Record<string, Handler> {
  return {
    async CreateApp({ tenant, input }) {
      return { body: await service.create(tenant, input.CreateApplicationRequest as CreateApplicationRequest) };
    },
    async GetApp({ tenant, input }) {
      return { body: await service.get(tenant, input.ApplicationId as string) };
    },
    async GetApps({ tenant, input }) {
      const limit = parsePageSize(input.PageSize);
      const after = decodeToken(LIST, input.Token);
      const page = await service.list(tenant, after, limit);
      const body: ApplicationsResponse = {
        Item: page.items,
        ...(page.after !== undefined && { NextToken: encodeToken(LIST, page.after) }),
      };
      return { body };
    },
    async DeleteApp({ tenant, input }) {
      return { body: await service.delete(tenant, input.ApplicationId as string) };
    },
  };
}
