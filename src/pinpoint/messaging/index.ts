/**
 * The send pipeline assembled from its backends, for the server and the CLI alike: the embedded
 * engine for campaigns this pinrec serves and Amazon Personalize for the rest, the caller's
 * transformer backend, and a message sender (absent for preview-only use).
 */
import type { CampaignRegistry } from "../../personalize/campaigns/registry.js";
import type { RecommenderService } from "../recommenders/service.js";
import type { Store } from "../../store/types.js";
import type { SenderPolicy } from "../../shared/senders.js";
import type { TemplateService } from "../templates/service.js";
import type { MessageSender, TransformerInvoker } from "./contracts.js";
import { MessagePipeline } from "./pipeline.js";
import { CampaignRecommendationProvider } from "./recommendations/engine.js";
import { PersonalizeRecommendationProvider, type PersonalizeProviderOptions } from "./recommendations/personalize.js";
import { MessageService } from "./send.js";

export interface MessagingOptions {
  /** Recommendations for campaign ARNs this pinrec does not serve: Amazon Personalize (or another pinrec). */
  personalize?: PersonalizeProviderOptions;
  /** Who tenants may send email as; default: any sender. */
  senders?: SenderPolicy;
}

export interface Messaging {
  service: MessageService;
  close(): Promise<void>;
}

export function createMessaging(
  deps: {
    store: Store;
    personalizeCampaigns: CampaignRegistry;
    recommenders: RecommenderService;
    templates: TemplateService;
    transformer: TransformerInvoker;
    sender?: MessageSender;
    /** Shared with the feedback loop, which sends clicks back to Amazon Personalize; made from `opts` when absent. */
    personalize?: PersonalizeRecommendationProvider;
  },
  opts: MessagingOptions = {},
): Messaging {
  const personalize = deps.personalize ?? new PersonalizeRecommendationProvider(opts.personalize);
  const pipeline = new MessagePipeline({
    apps: deps.store.apps,
    endpoints: deps.store.endpoints,
    templates: deps.templates,
    recommenders: deps.recommenders,
    provider: new CampaignRecommendationProvider(deps.personalizeCampaigns, personalize),
    transformer: deps.transformer,
    ...(deps.sender && { sender: deps.sender }),
    ...(opts.senders && { senders: opts.senders }),
  });
  return {
    service: new MessageService(pipeline, deps.templates),
    async close() {
      personalize.close();
    },
  };
}
