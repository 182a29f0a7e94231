/** Amazon Pinpoint (REST, signing name `mobiletargeting`): the operations pinrec serves. */
import * as sdk from "@aws-sdk/client-pinpoint";
import type { ServiceModule } from "../protocol/handler.js";
import { serviceModel } from "../protocol/model.js";
import type { RecommenderService } from "../recommenders/service.js";
import { recommenderHandlers } from "./recommenders.js";

export interface PinpointDomain {
  recommenders: RecommenderService;
}

export function pinpointModule(domain: PinpointDomain): ServiceModule {
  const handlers = { ...recommenderHandlers(domain.recommenders) };
  return {
    model: serviceModel(sdk as unknown as Record<string, unknown>, { name: "pinpoint", signingName: "mobiletargeting" }, Object.keys(handlers)),
    errorStyle: "pinpoint",
    handlers,
  };
}
