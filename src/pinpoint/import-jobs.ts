/** The Import Jobs and Import Job resources (`/v1/apps/{id}/jobs/import…`). */
import type { ImportJobRequest, ImportJobsResponse } from "@aws-sdk/client-pinpoint";
import type { Handler } from "../protocol/handler.js";
import type { ImportJobService } from "../segments/import-jobs.js";
import { decodeToken, encodeToken, parsePageSize } from "../shared/pagination.js";

const LIST = "import-jobs";

export function importJobHandlers(service: ImportJobService): Record<string, Handler> {
  return {
    async CreateImportJob({ tenant, input }) {
      return { body: await service.create(tenant, input.ApplicationId as string, input.ImportJobRequest as ImportJobRequest) };
    },
    async GetImportJob({ tenant, input }) {
      return { body: await service.get(tenant, input.ApplicationId as string, input.JobId as string) };
    },
    async GetImportJobs({ tenant, input }) {
      const page = await service.list(tenant, input.ApplicationId as string, decodeToken(LIST, input.Token), parsePageSize(input.PageSize));
      const body: ImportJobsResponse = { Item: page.items, ...(page.after !== undefined && { NextToken: encodeToken(LIST, page.after) }) };
      return { body };
    },
  };
}
