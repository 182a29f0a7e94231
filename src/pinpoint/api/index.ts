/** Amazon Pinpoint (REST, signing name `mobiletargeting`): the operations pinrec serves. */
import type { ServiceModule } from "../../protocol/handler.js";
import { serviceModel } from "../../protocol/model.js";
import { loadServiceModel } from "../../protocol/service-models/load.js";
import type { RecommenderService } from "../recommenders/service.js";
import { recommenderHandlers } from "./recommenders.js";
import type { AppService } from "../apps/service.js";
import type { EndpointService } from "../endpoints/service.js";
import type { TemplateService } from "../templates/service.js";
import { appHandlers } from "./apps.js";
import { endpointHandlers } from "./endpoints.js";
import { templateHandlers } from "./templates.js";
import type { MessageService } from "../messaging/send.js";
import { messageHandlers } from "./messages.js";
import type { SegmentService } from "../segments/service.js";
import { segmentHandlers } from "./segments.js";
import type { ChannelService } from "../channels/service.js";
import { channelHandlers } from "./channels.js";
import { pushChannelHandlers } from "./push-channels.js";
import type { ImportJobService } from "../segments/import-jobs.js";
import { importJobHandlers } from "./import-jobs.js";
import type { EventService } from "../events/service.js";
import { eventHandlers } from "./events.js";
import type { PinpointCampaignService } from "../campaigns/service.js";
import { campaignHandlers } from "./campaigns.js";
import type { KpiService } from "../engagement/kpis.js";
import { kpiHandlers } from "./kpis.js";
import type { EventStreamService } from "../engagement/event-streams.js";
import { eventStreamHandlers } from "./event-streams.js";
import type { JourneyService } from "../journeys/service.js";
import type { JourneyMetricsService } from "../journeys/metrics.js";
import { journeyHandlers } from "./journeys.js";

/** The Pinpoint domain services its API modules call (the composition root hands over all of them). */
export interface PinpointDomain {
  recommenders: RecommenderService;
  apps: AppService;
  endpoints: EndpointService;
  templates: TemplateService;
  messages: MessageService;
  segments: SegmentService;
  channels: ChannelService;
  importJobs: ImportJobService;
  events: EventService;
  pinpointCampaigns: PinpointCampaignService;
  /** GetApplicationDateRangeKpi, GetCampaignDateRangeKpi (GetJourneyDateRangeKpi is journeyMetrics'). */
  kpis: KpiService;
  /** PutEventStream, GetEventStream, DeleteEventStream. */
  eventStreams: EventStreamService;
  /** CreateJourney, GetJourney, ListJourneys, UpdateJourney, UpdateJourneyState, DeleteJourney. */
  journeys: JourneyService;
  /** GetJourneyExecutionMetrics, GetJourneyExecutionActivityMetrics, GetJourneyDateRangeKpi. */
  journeyMetrics: JourneyMetricsService;
}

export function pinpointModule(domain: PinpointDomain): ServiceModule {
  const handlers = {
    ...recommenderHandlers(domain.recommenders),
    ...appHandlers(domain.apps),
    ...endpointHandlers(domain.endpoints),
    ...templateHandlers(domain.templates),
    ...messageHandlers(domain.messages),
    ...segmentHandlers(domain.segments),
    ...channelHandlers(domain.channels),
    ...pushChannelHandlers(domain.channels.push),
    ...importJobHandlers(domain.importJobs),
    ...eventHandlers(domain.events),
    ...campaignHandlers(domain.pinpointCampaigns),
    ...kpiHandlers(domain.kpis),
    ...eventStreamHandlers(domain.eventStreams),
    ...journeyHandlers(domain.journeys, domain.journeyMetrics),
  };
  return {
    model: serviceModel(
      loadServiceModel("pinpoint"),
      { name: "pinpoint", title: "Amazon Pinpoint", signingName: "mobiletargeting" },
      Object.keys(handlers),
    ),
    errorStyle: "pinpoint",
    handlers,
  };
}
