/** The Endpoint, Endpoints and User resources (`/v1/apps/{id}/endpoints`, `/users`; Amazon Pinpoint API
 * Reference: Endpoints, Endpoint, User). */
import type {
  DeleteEndpointRequest,
  DeleteUserEndpointsRequest,
  EndpointsResponse,
  GetEndpointRequest,
  GetUserEndpointsRequest,
  MessageBody,
  UpdateEndpointRequest,
  UpdateEndpointsBatchRequest,
} from "@aws-sdk/client-pinpoint";
import type { EndpointService } from "../endpoints/service.js";
import { handlersOf, type Handler } from "../../protocol/handler.js";

export function endpointHandlers(service: EndpointService): Record<string, Handler> {
  return handlersOf<{
    UpdateEndpoint: UpdateEndpointRequest;
    UpdateEndpointsBatch: UpdateEndpointsBatchRequest;
    GetEndpoint: GetEndpointRequest;
    DeleteEndpoint: DeleteEndpointRequest;
    GetUserEndpoints: GetUserEndpointsRequest;
    DeleteUserEndpoints: DeleteUserEndpointsRequest;
  }>({
    async UpdateEndpoint({ tenant, input, requestId }) {
      await service.update(tenant, input.ApplicationId, input.EndpointId, input.EndpointRequest, requestId);
      const body: MessageBody = { Message: "Accepted", RequestID: requestId };
      return { body };
    },
    async UpdateEndpointsBatch({ tenant, input, requestId }) {
      const req = input.EndpointBatchRequest;
      await service.updateBatch(tenant, input.ApplicationId, req.Item, requestId);
      const body: MessageBody = { Message: "Accepted", RequestID: requestId };
      return { body };
    },
    async GetEndpoint({ tenant, input }) {
      return { body: await service.get(tenant, input.ApplicationId, input.EndpointId) };
    },
    async DeleteEndpoint({ tenant, input }) {
      return { body: await service.delete(tenant, input.ApplicationId, input.EndpointId) };
    },
    async GetUserEndpoints({ tenant, input }) {
      const body: EndpointsResponse = { Item: await service.userEndpoints(tenant, input.ApplicationId, input.UserId) };
      return { body };
    },
    async DeleteUserEndpoints({ tenant, input }) {
      const body: EndpointsResponse = { Item: await service.deleteUserEndpoints(tenant, input.ApplicationId, input.UserId) };
      return { body };
    },
  });
}
