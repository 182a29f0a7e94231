/** The Recommender Models and Recommender Model resources (`/v1/recommenders`; Amazon Pinpoint
 * API Reference: Recommender Models, Recommender Model). */
import type {
  CreateRecommenderConfigurationRequest,
  DeleteRecommenderConfigurationRequest,
  GetRecommenderConfigurationRequest,
  GetRecommenderConfigurationsRequest,
  ListRecommenderConfigurationsResponse,
  UpdateRecommenderConfigurationRequest,
} from "@aws-sdk/client-pinpoint";
import { handlersOf, type Handler } from "../../protocol/handler.js";
import type { RecommenderService } from "../recommenders/service.js";
import { decodeToken, pageBody, parsePageSize } from "../../shared/pagination.js";

const LIST = "recommenders";

export function recommenderHandlers(service: RecommenderService): Record<string, Handler> {
  return handlersOf<{
    CreateRecommenderConfiguration: CreateRecommenderConfigurationRequest;
    GetRecommenderConfiguration: GetRecommenderConfigurationRequest;
    GetRecommenderConfigurations: GetRecommenderConfigurationsRequest;
    UpdateRecommenderConfiguration: UpdateRecommenderConfigurationRequest;
    DeleteRecommenderConfiguration: DeleteRecommenderConfigurationRequest;
  }>({
    async CreateRecommenderConfiguration({ tenant, input }) {
      return { body: await service.create(tenant, input.CreateRecommenderConfiguration) };
    },
    async GetRecommenderConfiguration({ tenant, input }) {
      return { body: await service.getText(tenant, input.RecommenderId) };
    },
    async GetRecommenderConfigurations({ tenant, input }) {
      const limit = parsePageSize(input.PageSize);
      const after = decodeToken(LIST, input.Token);
      const page = await service.list(tenant, after, limit);
      const body: ListRecommenderConfigurationsResponse = pageBody(LIST, page);
      return { body };
    },
    async UpdateRecommenderConfiguration({ tenant, input }) {
      const req = input.UpdateRecommenderConfiguration;
      return { body: await service.update(tenant, input.RecommenderId, req) };
    },
    async DeleteRecommenderConfiguration({ tenant, input }) {
      return { body: await service.delete(tenant, input.RecommenderId) };
    },
  });
}
