/** The Import Jobs and Import Job resources (`/v1/apps/{id}/jobs/import…`). */
import type { CreateImportJobRequest, GetImportJobRequest, GetImportJobsRequest, ImportJobsResponse } from "@aws-sdk/client-pinpoint";
import { handlersOf, type Handler } from "../../protocol/handler.js";
import type { ImportJobService } from "../segments/import-jobs.js";
import { decodeToken, pageBody, parsePageSize } from "../../shared/pagination.js";

const LIST = "import-jobs";

export function importJobHandlers(service: ImportJobService): Record<string, Handler> {
  return handlersOf<{
    CreateImportJob: CreateImportJobRequest;
    GetImportJob: GetImportJobRequest;
    GetImportJobs: GetImportJobsRequest;
  }>({
    async CreateImportJob({ tenant, input }) {
      return { body: await service.create(tenant, input.ApplicationId, input.ImportJobRequest) };
    },
    async GetImportJob({ tenant, input }) {
      return { body: await service.get(tenant, input.ApplicationId, input.JobId) };
    },
    async GetImportJobs({ tenant, input }) {
      const page = await service.list(tenant, input.ApplicationId, decodeToken(LIST, input.Token), parsePageSize(input.PageSize));
      const body: ImportJobsResponse = pageBody(LIST, page);
      return { body };
    },
  });
}
