/**
 * The send pipeline, the one place that knows the order of its stages:
 *
 *   contents → recipients → recommendations → transformer → render → outbox
 *
 * SendMessages, SendUsersMessages, the preview extension and campaign batches all send through
 * `MessagePipeline.send` (journey activities will too). Each recipient ends in exactly one outcome:
 * handed to the `MessageSender` (which stores it durably before answering), or a per-recipient
 * failure with a `StatusMessage` saying why (see each stage for its outcomes). A whole send fails
 * (4xx, nothing sent) only for mistakes in the request itself. In preview mode the outbox stage is
 * skipped and each recipient comes back rendered or decided.
 */
import type { Store, Tenant } from "../../store/types.js";
import type { SenderPolicy } from "../../shared/senders.js";
import type { RecommenderService } from "../recommenders/service.js";
import { CompiledTemplateCache } from "../templates/handlebars.js";
import type { TemplateService } from "../templates/service.js";
import { ContentLoader, type MessageContents, type MessageSpec } from "./contents.js";
import type { MessageSender, RecommendationProvider, TransformerEnvelope, TransformerInvoker } from "./contracts.js";
import { OutboxStage, type OutboxOptions } from "./outbox.js";
import { describeError, type Decided, type Rendered, type Stage } from "./recipient.js";
import { RecipientStage, type Audience } from "./recipients.js";
import { RecommendationStage } from "./recommendations/stage.js";
import { render } from "./render.js";
import { TransformerStage } from "./transformer/stage.js";

export interface PipelineDeps {
  /** The repositories recipients are read from. */
  apps: Store["apps"];
  endpoints: Store["endpoints"];
  /** Template versions (with their version rules) and recommender configurations. */
  templates: TemplateService;
  recommenders: RecommenderService;
  provider: RecommendationProvider;
  /** Absent where the pipeline only previews. */
  sender?: MessageSender;
  transformer?: TransformerInvoker;
  cache?: CompiledTemplateCache;
  recommendationTimeoutMs?: number;
  /** Who tenants may send email as; default: any sender. */
  senders?: SenderPolicy;
}

/** Where a send happens. */
export interface SendScope {
  tenant: Tenant;
  appId: string;
}

export interface DeliverOptions extends OutboxOptions {
  mode: "deliver";
  /** The campaign-hook fields of the transformer's event, when a campaign or journey sends. */
  envelope?: TransformerEnvelope;
}

export interface PreviewOptions {
  mode: "preview";
  envelope?: TransformerEnvelope;
}

export class MessagePipeline {
  private readonly contents: ContentLoader;
  private readonly recipients: RecipientStage;
  private readonly recommendations: RecommendationStage;
  private readonly transformer: TransformerStage;
  private readonly outbox: OutboxStage;

  constructor(deps: PipelineDeps) {
    this.contents = new ContentLoader(deps.templates, deps.cache ?? new CompiledTemplateCache(), deps.senders);
    this.recipients = new RecipientStage({ apps: deps.apps, endpoints: deps.endpoints });
    this.recommendations = new RecommendationStage({
      recommenders: deps.recommenders,
      provider: deps.provider,
      timeoutMs: deps.recommendationTimeoutMs,
    });
    this.transformer = new TransformerStage(deps.transformer);
    this.outbox = new OutboxStage(deps.sender);
  }

  /** Sends (or, in preview mode, renders) `spec` to `audience`; one result per recipient, in the audience's order. */
  send(scope: SendScope, spec: MessageSpec, audience: Audience, options: DeliverOptions): Promise<Decided[]>;
  send(scope: SendScope, spec: MessageSpec, audience: Audience, options: PreviewOptions): Promise<Stage<Rendered>>;
  async send(scope: SendScope, spec: MessageSpec, audience: Audience, options: DeliverOptions | PreviewOptions): Promise<Stage<Rendered>> {
    const { tenant, appId } = scope;
    let contents: MessageContents;
    try {
      contents = await this.contents.load(tenant, spec);
    } catch (err) {
      if (audience.kind !== "endpoints" || !audience.unpreparable) throw err;
      return RecipientStage.unprepared(audience, audience.unpreparable(describeError(err)));
    }
    const resolved = await this.recipients.resolve(tenant, appId, audience, contents);
    const recommended = await this.recommendations.run(tenant, resolved);
    const transformed = await this.transformer.run(tenant, appId, recommended, options.envelope);
    const rendered = render(transformed);
    if (options.mode === "preview") return rendered;
    return this.outbox.deliver(tenant, appId, spec, rendered, options);
  }
}
