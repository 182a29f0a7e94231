/** Amazon Personalize's runtime and events APIs (signing name `personalize`), served by the embedded engine. */
import * as runtimeSdk from "@aws-sdk/client-personalize-runtime";
import * as eventsSdk from "@aws-sdk/client-personalize-events";
import type { CampaignRegistry } from "../campaigns/registry.js";
import type { ServiceModule } from "../protocol/handler.js";
import { serviceModel } from "../protocol/model.js";
import type { Store } from "../store/types.js";
import { eventHandlers } from "./events.js";
import { runtimeHandlers } from "./runtime.js";

export function personalizeModules(store: Store, registry: CampaignRegistry): ServiceModule[] {
  const runtime = runtimeHandlers(registry);
  const events = eventHandlers(store, registry);
  return [
    {
      model: serviceModel(runtimeSdk as unknown as Record<string, unknown>, { name: "personalize-runtime", title: "Amazon Personalize Runtime", signingName: "personalize" }, Object.keys(runtime)),
      errorStyle: "personalize",
      handlers: runtime,
    },
    {
      model: serviceModel(eventsSdk as unknown as Record<string, unknown>, { name: "personalize-events", title: "Amazon Personalize Events", signingName: "personalize" }, Object.keys(events)),
      errorStyle: "personalize",
      handlers: events,
    },
  ];
}
