/**
 * The send pipeline assembled from its backends, for the server and the CLI alike: the embedded
 * engine for campaigns this pinrec serves and Amazon Personalize for the rest, local transformer
 * functions, and a message sender (absent for preview-only use).
 */
import { join } from "node:path";
import type { CampaignRegistry } from "../campaigns/registry.js";
import type { RecommenderService } from "../recommenders/service.js";
import type { Store } from "../store/types.js";
import type { TemplateService } from "../templates/service.js";
import type { MessageSender } from "./contracts.js";
import { MessagePipeline } from "./pipeline.js";
import { CampaignRecommendationProvider } from "./recommendations/engine.js";
import { PersonalizeRecommendationProvider, type PersonalizeProviderOptions } from "./recommendations/personalize.js";
import { MessageService } from "./send.js";
import { LocalFunctionInvoker } from "./transformer/local.js";

export interface MessagingOptions {
  personalize?: PersonalizeProviderOptions;
  /** Local transformer functions (default: `functions` in the data dir). */
  functionsDir?: string;
  functionTimeoutMs?: number;
}

export interface Messaging {
  service: MessageService;
  close(): Promise<void>;
}

export function createMessaging(
  deps: { store: Store; campaigns: CampaignRegistry; recommenders: RecommenderService; templates: TemplateService; sender?: MessageSender; dataDir: string },
  opts: MessagingOptions = {},
): Messaging {
  const personalize = new PersonalizeRecommendationProvider(opts.personalize);
  const transformer = new LocalFunctionInvoker({
    functionsDir: opts.functionsDir ?? join(deps.dataDir, "functions"),
    ...(opts.functionTimeoutMs !== undefined && { timeoutMs: opts.functionTimeoutMs }),
  });
  const pipeline = new MessagePipeline({
    store: deps.store,
    templates: deps.templates,
    recommenders: deps.recommenders,
    provider: new CampaignRecommendationProvider(deps.campaigns, personalize),
    transformer,
    ...(deps.sender && { sender: deps.sender }),
  });
  return {
    service: new MessageService(pipeline),
    async close() {
      await transformer.close();
      personalize.close();
    },
  };
}
