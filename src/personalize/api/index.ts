/** Amazon Personalize's runtime, events and control-plane APIs (signing name `personalize`), served by the embedded engine. */
import type { CampaignRegistry } from "../campaigns/registry.js";
import type { ServiceModule } from "../../protocol/handler.js";
import { serviceModel } from "../../protocol/model.js";
import { loadServiceModel } from "../../protocol/service-models/load.js";
import type { Store } from "../../store/types.js";
import type { PersonalizeControl } from "../control/service.js";
import { controlHandlers } from "./control.js";
import { eventHandlers } from "./events.js";
import { runtimeHandlers } from "./runtime.js";

export function personalizeModules(store: Store, registry: CampaignRegistry, control?: PersonalizeControl): ServiceModule[] {
  const runtime = runtimeHandlers(registry, control && ((tenant, arn) => control.filterPlan(tenant, arn)));
  const events = eventHandlers(store, registry);
  const controlPlane = control ? controlHandlers(control) : {};
  return [
    {
      model: serviceModel(
        loadServiceModel("personalize-runtime"),
        { name: "personalize-runtime", title: "Amazon Personalize Runtime", signingName: "personalize" },
        Object.keys(runtime),
      ),
      errorStyle: "personalize",
      handlers: runtime,
    },
    {
      model: serviceModel(
        loadServiceModel("personalize-events"),
        { name: "personalize-events", title: "Amazon Personalize Events", signingName: "personalize" },
        Object.keys(events),
      ),
      errorStyle: "personalize",
      handlers: events,
    },
    {
      model: serviceModel(
        loadServiceModel("personalize"),
        { name: "personalize", title: "Amazon Personalize", signingName: "personalize", jsonTarget: "AmazonPersonalize" },
        Object.keys(controlPlane),
      ),
      errorStyle: "personalize",
      handlers: controlPlane,
    },
  ];
}
