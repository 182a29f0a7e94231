/**
 * PutEvents (the Events resource, `POST /v1/apps/{application-id}/events`): each endpoint of the
 * batch is created or updated as UpdateEndpoint would, and each of its events is checked, with a
 * result per endpoint (`EndpointItemResponse`) and per event (`EventsItemResponse`):
 * `202 Accepted`, or `400` with the reason. A bad endpoint or event does not fail the call.
 *
 * Then the accepted events go to the `EVENT` campaign trigger, after the endpoint updates, so a
 * campaign fired by an event sees the endpoint as the same call left it. The trigger's failures
 * are logged and never change the answer: the events were accepted.
 *
 * pinrec keeps no event history (Pinpoint's analytics and event streams are not served); events
 * exist to fire campaigns.
 */
import type {
  EndpointItemResponse,
  EventItemResponse,
  EventsRequest,
  EventsResponse,
  ItemResponse,
  PublicEndpoint,
} from "@aws-sdk/client-pinpoint";
import type { FastifyBaseLogger } from "fastify";
import type { EndpointService } from "../endpoints/service.js";
import type { EndpointEvent, EventCampaignTrigger } from "../campaigns/contracts.js";
import { ApiError, notFound } from "../../shared/errors.js";
import type { Store, Tenant } from "../../store/types.js";
import { checkEventsRequest, eventProblem } from "./validate.js";

const ACCEPTED = { StatusCode: 202, Message: "Accepted" } as const;
const refused = (message: string) => ({ StatusCode: 400, Message: message });

export class EventService {
  constructor(
    private readonly store: Store,
    private readonly endpoints: EndpointService,
    private readonly trigger?: EventCampaignTrigger,
  ) {}

  async putEvents(tenant: Tenant, appId: string, req: EventsRequest, requestId: string, log?: FastifyBaseLogger): Promise<EventsResponse> {
    checkEventsRequest(req);
    if (!(await this.store.apps.get(tenant, appId))) throw notFound(`Application '${appId}' was not found`);
    // Built from entries (own properties), so client-chosen ids such as "__proto__" stay plain keys.
    const results: [string, ItemResponse][] = [];
    const accepted: EndpointEvent[] = [];
    for (const [endpointId, batch] of Object.entries(req.BatchItem!)) {
      const endpointResult = await this.applyEndpoint(tenant, appId, endpointId, batch.Endpoint, requestId);
      const eventResults: [string, EventItemResponse][] = [];
      for (const [eventId, event] of Object.entries(batch.Events ?? {})) {
        const problem = eventProblem(eventId, event);
        eventResults.push([eventId, problem === undefined ? { ...ACCEPTED } : refused(problem)]);
        if (problem === undefined) accepted.push({ endpointId, eventId, event });
      }
      results.push([endpointId, { EndpointItemResponse: endpointResult, EventsItemResponse: Object.fromEntries(eventResults) }]);
    }
    if (this.trigger && accepted.length > 0) {
      try {
        await this.trigger.onEvents(tenant, appId, accepted);
      } catch (err) {
        log?.error({ err, appId }, "PutEvents: starting event campaigns failed; the events were accepted");
      }
    }
    return { Results: Object.fromEntries(results) };
  }

  /** The endpoint's update, as UpdateEndpoint would apply it; a 400 (bad endpoint) is its own result. */
  private async applyEndpoint(
    tenant: Tenant,
    appId: string,
    id: string,
    endpoint: PublicEndpoint | undefined,
    requestId: string,
  ): Promise<EndpointItemResponse> {
    try {
      await this.endpoints.update(tenant, appId, id, endpoint ?? {}, requestId);
      return { ...ACCEPTED };
    } catch (err) {
      if (err instanceof ApiError && err.status === 400) return refused(err.message);
      throw err;
    }
  }
}
