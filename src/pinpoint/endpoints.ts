/** The Endpoint, Endpoints and User resources (`/v1/apps/{id}/endpoints`, `/users`, spec §7). */
import type { EndpointBatchRequest, EndpointRequest, EndpointsResponse, MessageBody } from "@aws-sdk/client-pinpoint";
import type { EndpointService } from "../endpoints/service.js";
import type { Handler } from "../protocol/handler.js";

export function endpointHandlers(service: EndpointService): Record<string, Handler> {
  return {
    async UpdateEndpoint({ tenant, input, requestId }) {
      await service.update(tenant, input.ApplicationId as string, input.EndpointId as string, input.EndpointRequest as EndpointRequest, requestId);
      const body: MessageBody = { Message: "Accepted", RequestID: requestId };
      return { body };
    },
    async UpdateEndpointsBatch({ tenant, input, requestId }) {
      const req = input.EndpointBatchRequest as EndpointBatchRequest;
      await service.updateBatch(tenant, input.ApplicationId as string, req.Item!, requestId);
      const body: MessageBody = { Message: "Accepted", RequestID: requestId };
      return { body };
    },
    async GetEndpoint({ tenant, input }) {
      return { body: await service.get(tenant, input.ApplicationId as string, input.EndpointId as string) };
    },
    async DeleteEndpoint({ tenant, input }) {
      return { body: await service.delete(tenant, input.ApplicationId as string, input.EndpointId as string) };
    },
    async GetUserEndpoints({ tenant, input }) {
      const body: EndpointsResponse = { Item: await service.userEndpoints(tenant, input.ApplicationId as string, input.UserId as string) };
      return { body };
    },
    async DeleteUserEndpoints({ tenant, input }) {
      const body: EndpointsResponse = { Item: await service.deleteUserEndpoints(tenant, input.ApplicationId as string, input.UserId as string) };
      return { body };
    },
  };
}
