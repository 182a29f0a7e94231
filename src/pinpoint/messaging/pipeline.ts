/**
 * The send pipeline: recipients → recommendations → transformer → rendering → delivery, for
 * SendMessages and SendUsersMessages now and campaigns next. Each recipient ends in exactly one
 * outcome: handed to the `MessageSender` (which stores it durably before answering), or a
 * per-recipient failure with a `StatusMessage` saying why. A whole request fails (4xx, nothing
 * sent) only for mistakes in the request itself.
 *
 * Per-recipient outcomes (Pinpoint's `DeliveryStatus` values; `StatusCode` as pinrec reports them):
 * - `OPT_OUT` (400): the endpoint's `OptOut` is `ALL`.
 * - `DUPLICATE` (400): an earlier recipient of the same request has the same address.
 * - `PERMANENT_FAILURE` (404): an endpoint id the app does not have.
 * - `PERMANENT_FAILURE` (400): an INACTIVE endpoint, one without an address, a channel pinrec does
 *   not send (VOICE, CUSTOM, IN_APP) or that the request gives no content for, no id to key
 *   recommendations on, or a template whose recommender configuration no longer exists.
 * - `TEMPORARY_FAILURE` (503): the recommendation provider failed or timed out for the recipient.
 * - `PERMANENT_FAILURE` (500): the transformer failed for the recipient's batch, or rendering failed.
 */
import type {
  DeliveryStatus,
  DirectMessageConfiguration,
  EndpointMessageResult,
  EndpointResponse,
  EndpointSendConfiguration,
  RecommenderConfigurationResponse,
  Template,
  TemplateConfiguration,
} from "@aws-sdk/client-pinpoint";
import { ApiError, badRequest, notFound } from "../../shared/errors.js";
import { endpointKey } from "../../store/endpoints.js";
import type { Store, Tenant } from "../../store/types.js";
import type { RecommenderService } from "../recommenders/service.js";
import { CompiledTemplateCache } from "../templates/handlebars.js";
import type { TemplateService } from "../templates/service.js";
import { checkHandlebars, type ServedType } from "../templates/validate.js";
import { ChannelContent, sendChannelOf, type LoadedTemplate, type PushPlatform, type RenderedContent } from "./content/channel-content.js";
import type { MessageSender, RecommendationProvider, RenderedMessage, SendChannel, TransformerInvoker } from "./contracts.js";
import { transformRecommendations, type TransformerStageOptions } from "./transformer/stage.js";
import { applyDefaults, applySubstitutions, parseDefaults } from "./variables.js";

/** Pinpoint: at most 100 recipients (addresses, endpoints or users) per request. */
export const MAX_RECIPIENTS = 100;
/** How long a send waits for a recommendation provider before failing its recipients. */
export const RECOMMENDATION_TIMEOUT_MS = 15_000;

export interface PipelineDeps {
  store: Store;
  templates: TemplateService;
  recommenders: RecommenderService;
  provider: RecommendationProvider;
  /** Absent where the pipeline only previews. */
  sender?: MessageSender;
  transformer?: TransformerInvoker;
  transformerOptions?: TransformerStageOptions;
  cache?: CompiledTemplateCache;
  recommendationTimeoutMs?: number;
}

/** The message half of MessageRequest / SendUsersMessageRequest. */
export interface MessageSpec {
  MessageConfiguration?: DirectMessageConfiguration;
  TemplateConfiguration?: TemplateConfiguration;
  Context?: Record<string, string>;
  TraceId?: string;
}

export type RecipientRef = { kind: "address"; address: string } | { kind: "endpoint"; endpointId: string } | { kind: "user"; userId: string; endpointId: string };

/** One recipient as it moves through the stages. */
export interface Recipient {
  ref: RecipientRef;
  /** The stored endpoint; for a raw address, just its Address and ChannelType. */
  endpoint: EndpointResponse;
  config: EndpointSendConfiguration;
  content?: ChannelContent;
  platform?: PushPlatform;
  recommendationItems?: string[];
  recommendations?: Record<string, unknown>;
  /** Set once the recipient's fate is decided; unset recipients are still to be sent. */
  outcome?: EndpointMessageResult;
  rendered?: RenderedContent;
}

export const failure = (status: DeliveryStatus, code: number, message: string): EndpointMessageResult => ({
  DeliveryStatus: status,
  StatusCode: code,
  StatusMessage: message,
});

const TEMPLATE_TYPES: [keyof TemplateConfiguration, ServedType, SendChannel][] = [
  ["EmailTemplate", "EMAIL", "EMAIL"],
  ["SMSTemplate", "SMS", "SMS"],
  ["PushTemplate", "PUSH", "PUSH"],
];

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Message content given in the request is a template too: a syntax error in it is the caller's
 * mistake, answered with a 400 naming the member before anything is sent.
 */
function checkDirectContent(direct: DirectMessageConfiguration): void {
  const parts: [string, string | undefined][] = [
    ["MessageConfiguration.DefaultMessage.Body", direct.DefaultMessage?.Body],
    ["MessageConfiguration.EmailMessage.Body", direct.EmailMessage?.Body],
    ["MessageConfiguration.EmailMessage.SimpleEmail.Subject.Data", direct.EmailMessage?.SimpleEmail?.Subject?.Data],
    ["MessageConfiguration.EmailMessage.SimpleEmail.HtmlPart.Data", direct.EmailMessage?.SimpleEmail?.HtmlPart?.Data],
    ["MessageConfiguration.EmailMessage.SimpleEmail.TextPart.Data", direct.EmailMessage?.SimpleEmail?.TextPart?.Data],
    ["MessageConfiguration.SMSMessage.Body", direct.SMSMessage?.Body],
    ["MessageConfiguration.DefaultPushNotificationMessage.Title", direct.DefaultPushNotificationMessage?.Title],
    ["MessageConfiguration.DefaultPushNotificationMessage.Body", direct.DefaultPushNotificationMessage?.Body],
  ];
  for (const member of ["APNSMessage", "GCMMessage", "ADMMessage", "BaiduMessage"] as const) {
    const m = direct[member] as { Title?: string; Body?: string; Url?: string } | undefined;
    parts.push([`MessageConfiguration.${member}.Title`, m?.Title], [`MessageConfiguration.${member}.Body`, m?.Body], [`MessageConfiguration.${member}.Url`, m?.Url]);
  }
  (direct.EmailMessage?.SimpleEmail?.Headers ?? []).forEach((h, i) => parts.push([`MessageConfiguration.EmailMessage.SimpleEmail.Headers[${i}].Value`, h.Value]));
  for (const [name, text] of parts) if (text !== undefined) checkHandlebars(name, text);
}

/** Per-recipient overrides are templates as well. */
function checkOverrides(where: string, config: EndpointSendConfiguration): void {
  if (config.TitleOverride !== undefined) checkHandlebars(`${where}.TitleOverride`, config.TitleOverride);
  if (config.BodyOverride !== undefined) checkHandlebars(`${where}.BodyOverride`, config.BodyOverride);
}

const describe = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export class MessagePipeline {
  readonly cache: CompiledTemplateCache;

  constructor(private readonly deps: PipelineDeps) {
    this.cache = deps.cache ?? new CompiledTemplateCache();
  }

  // ---- request-level checks and loading ---------------------------------------------------------

  private async requireApp(tenant: Tenant, appId: string): Promise<void> {
    if (!(await this.deps.store.apps.get(tenant, appId))) throw notFound(`Application '${appId}' was not found`);
  }

  async hasTemplate(tenant: Tenant, type: ServedType, name: string): Promise<boolean> {
    return (await this.deps.store.templates.head(tenant, name, type)) !== undefined;
  }

  /** The channel contents of a request: its templates (which must exist) and its own message content. */
  async contents(tenant: Tenant, spec: MessageSpec): Promise<Map<SendChannel, ChannelContent>> {
    const tc = spec.TemplateConfiguration ?? {};
    if (tc.VoiceTemplate) throw badRequest("TemplateConfiguration.VoiceTemplate is not supported: pinrec does not send voice messages");
    if (tc.InAppTemplate) throw badRequest("TemplateConfiguration.InAppTemplate is not supported by SendMessages or SendUsersMessages");
    const direct = spec.MessageConfiguration ?? {};
    checkDirectContent(direct);
    const out = new Map<SendChannel, ChannelContent>();
    for (const [member, type, channel] of TEMPLATE_TYPES) {
      const ref = tc[member] as Template | undefined;
      let template: LoadedTemplate | undefined;
      if (ref) {
        if (!ref.Name) throw badRequest(`TemplateConfiguration.${member}.Name is required`);
        const { head, version } = await this.deps.templates.resolve(tenant, type, ref.Name, ref.Version);
        const content = version.content;
        template = {
          name: ref.Name,
          version: version.version,
          cacheKey: `${tenant.accountId}\u0000${tenant.region}\u0000${type}\u0000${ref.Name}\u0000${version.version}\u0000${version.lastModifiedDate}\u0000${head.creationDate}`,
          content,
          defaults: parseDefaults(content.DefaultSubstitutions as string | undefined),
          ...(typeof content.RecommenderId === "string" && { recommenderId: content.RecommenderId }),
        };
      }
      out.set(channel, new ChannelContent(channel, template, direct, this.cache));
    }
    return out;
  }

  // ---- recipients --------------------------------------------------------------------------------

  /** Recipients of a SendMessages request, in order: Addresses, then Endpoints. */
  async messageRecipients(
    tenant: Tenant,
    appId: string,
    addresses: Record<string, { ChannelType?: string } & EndpointSendConfiguration> = {},
    endpoints: Record<string, EndpointSendConfiguration> = {},
    contents: Map<SendChannel, ChannelContent>,
  ): Promise<Recipient[]> {
    const addressKeys = Object.keys(addresses);
    const endpointIds = Object.keys(endpoints);
    const count = addressKeys.length + endpointIds.length;
    if (count === 0) throw badRequest("The request has no recipients: specify Addresses or Endpoints");
    if (count > MAX_RECIPIENTS) throw badRequest(`A request can have at most ${MAX_RECIPIENTS} recipients (Addresses and Endpoints together); this one has ${count}`);
    const recipients: Recipient[] = [];
    for (const address of addressKeys) {
      const { ChannelType, ...config } = addresses[address];
      checkOverrides(`Addresses.${address}`, config);
      if (!ChannelType) throw badRequest(`Addresses.${address}.ChannelType is required for a raw address`);
      const sc = sendChannelOf(ChannelType);
      if (!sc) throw badRequest(`Addresses.${address}: pinrec does not send ${ChannelType} messages; use EMAIL, SMS or a push channel`);
      if (!contents.get(sc.channel)!.hasContent(sc.platform)) {
        throw badRequest(`Addresses.${address}: the request has no ${ChannelType} content: give a ${TEMPLATE_TYPES.find((t) => t[2] === sc.channel)![0]} or a message for that channel`);
      }
      recipients.push({ ref: { kind: "address", address }, endpoint: { Address: address, ChannelType: ChannelType as EndpointResponse["ChannelType"] }, config, content: contents.get(sc.channel), platform: sc.platform });
    }
    await this.requireApp(tenant, appId);
    const stored = endpointIds.length > 0 ? await this.deps.store.endpoints.getMany(tenant, appId, endpointIds) : new Map<string, EndpointResponse>();
    for (const id of endpointIds) checkOverrides(`Endpoints.${id}`, endpoints[id]);
    for (const id of endpointIds) {
      const doc = stored.get(endpointKey(id));
      const r: Recipient = { ref: { kind: "endpoint", endpointId: id }, endpoint: doc ?? { Id: id }, config: endpoints[id] };
      if (!doc) r.outcome = failure("PERMANENT_FAILURE", 404, `Endpoint '${id}' was not found in application '${appId}'`);
      recipients.push(r);
    }
    this.screen(recipients, contents);
    return recipients;
  }

  /** Recipients of a SendUsersMessages request: every endpoint of each user, in user order. */
  async userRecipients(tenant: Tenant, appId: string, users: Record<string, EndpointSendConfiguration> = {}, contents: Map<SendChannel, ChannelContent>): Promise<{ recipients: Recipient[]; userIds: string[] }> {
    const userIds = Object.keys(users);
    if (userIds.length === 0) throw badRequest("The request has no recipients: specify Users");
    if (userIds.length > MAX_RECIPIENTS) throw badRequest(`A request can have at most ${MAX_RECIPIENTS} users; this one has ${userIds.length}`);
    for (const id of userIds) checkOverrides(`Users.${id}`, users[id]);
    await this.requireApp(tenant, appId);
    const byUser = await this.deps.store.endpoints.byUsers(tenant, appId, userIds);
    const recipients: Recipient[] = [];
    for (const userId of userIds) {
      for (const doc of byUser.get(userId) ?? []) {
        recipients.push({ ref: { kind: "user", userId, endpointId: doc.Id! }, endpoint: doc, config: users[userId] });
      }
    }
    this.screen(recipients, contents);
    return { recipients, userIds };
  }

  /** Recipients for endpoints already read from the store (a campaign batch), screened as SendMessages screens them. */
  endpointRecipients(endpoints: EndpointResponse[], contents: Map<SendChannel, ChannelContent>): Recipient[] {
    const recipients: Recipient[] = endpoints.map((doc) => ({ ref: { kind: "endpoint", endpointId: doc.Id! }, endpoint: doc, config: {} }));
    this.screen(recipients, contents);
    return recipients;
  }

  /** Stored endpoints: opted out, inactive, addressless, unsendable channels, no content, duplicates. */
  private screen(recipients: Recipient[], contents: Map<SendChannel, ChannelContent>): void {
    const seen = new Set<string>();
    for (const r of recipients) {
      if (r.ref.kind === "address") {
        seen.add(r.ref.address);
        continue;
      }
      if (r.outcome) continue;
      const e = r.endpoint;
      if (e.OptOut === "ALL") {
        r.outcome = failure("OPT_OUT", 400, `Endpoint '${e.Id}' has opted out of all messages (OptOut: ALL)`);
        continue;
      }
      if (e.EndpointStatus === "INACTIVE") {
        r.outcome = failure("PERMANENT_FAILURE", 400, `Endpoint '${e.Id}' is INACTIVE; messages are sent to ACTIVE endpoints only`);
        continue;
      }
      if (!e.Address) {
        r.outcome = failure("PERMANENT_FAILURE", 400, `Endpoint '${e.Id}' has no Address`);
        continue;
      }
      const sc = sendChannelOf(e.ChannelType);
      if (!sc) {
        r.outcome = failure("PERMANENT_FAILURE", 400, `Endpoint '${e.Id}' has ChannelType ${e.ChannelType ?? "(none)"}, which pinrec does not send`);
        continue;
      }
      const content = contents.get(sc.channel)!;
      if (!content.hasContent(sc.platform)) {
        r.outcome = failure("PERMANENT_FAILURE", 400, `The request has no ${e.ChannelType} content for endpoint '${e.Id}': give a template or a message for that channel`);
        continue;
      }
      if (seen.has(e.Address)) {
        r.outcome = failure("DUPLICATE", 400, `Address ${e.Address} of endpoint '${e.Id}' duplicates an earlier recipient of this request`);
        continue;
      }
      seen.add(e.Address);
      r.content = content;
      r.platform = sc.platform;
    }
  }

  // ---- recommendations and transformer -----------------------------------------------------------

  /** Fills RecommendationItems (and Recommendations, through the transformer) for recipients of templates that name a recommender. */
  async personalize(tenant: Tenant, appId: string, recipients: Recipient[], envelope?: TransformerStageOptions["event"]): Promise<void> {
    const byRecommender = new Map<string, { template: LoadedTemplate; list: Recipient[] }>();
    for (const r of recipients) {
      const template = r.content?.template;
      if (r.outcome || !template?.recommenderId) continue;
      const key = template.recommenderId;
      const group = byRecommender.get(key) ?? { template, list: [] };
      group.list.push(r);
      byRecommender.set(key, group);
    }
    await Promise.all([...byRecommender].map(([id, g]) => this.personalizeGroup(tenant, appId, id, g.template, g.list, envelope)));
  }

  private async personalizeGroup(tenant: Tenant, appId: string, recommenderId: string, template: LoadedTemplate, list: Recipient[], envelope: TransformerStageOptions["event"]): Promise<void> {
    let config: RecommenderConfigurationResponse;
    try {
      config = await this.deps.recommenders.get(tenant, recommenderId);
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 404) throw err;
      const message = `Template '${template.name}' version ${template.version} names recommender model configuration '${recommenderId}', which no longer exists`;
      for (const r of list) r.outcome = failure("PERMANENT_FAILURE", 400, message);
      return;
    }
    const byUserId = config.RecommendationProviderIdType === "PINPOINT_USER_ID";
    const idOf = (r: Recipient): string | undefined => (r.ref.kind === "address" ? undefined : byUserId ? r.endpoint.User?.UserId : r.endpoint.Id);
    const ids = new Set<string>();
    for (const r of list) {
      const id = idOf(r);
      if (id !== undefined) ids.add(id);
      else if (r.ref.kind === "address") {
        r.outcome = failure("PERMANENT_FAILURE", 400, `Raw address ${r.ref.address} has no endpoint id or user id for recommender '${recommenderId}' to key on; send to Endpoints or Users instead`);
      } else {
        r.outcome = failure("PERMANENT_FAILURE", 400, `Endpoint '${r.endpoint.Id}' has no User.UserId, which recommender '${recommenderId}' (RecommendationProviderIdType PINPOINT_USER_ID) needs`);
      }
    }
    if (ids.size === 0) return;
    let results: Map<string, string[] | Error>;
    try {
      results = await withTimeout(
        this.deps.provider.recommend({
          tenant,
          campaignArn: config.RecommendationProviderUri!,
          ...(config.RecommendationProviderRoleArn && { roleArn: config.RecommendationProviderRoleArn }),
          userIds: [...ids],
          count: config.RecommendationsPerMessage ?? 5,
        }),
        this.deps.recommendationTimeoutMs ?? RECOMMENDATION_TIMEOUT_MS,
        `The recommendation provider for ${config.RecommendationProviderUri}`,
      );
    } catch (err) {
      const message = `Recommendations from ${config.RecommendationProviderUri} failed: ${describe(err)}`;
      for (const r of list) if (!r.outcome) r.outcome = failure("TEMPORARY_FAILURE", 503, message);
      return;
    }
    const pending: Recipient[] = [];
    for (const r of list) {
      if (r.outcome) continue;
      const items = results.get(idOf(r)!);
      if (items instanceof Error) r.outcome = failure("TEMPORARY_FAILURE", 503, items.message);
      else if (items === undefined) r.outcome = failure("TEMPORARY_FAILURE", 503, `The recommendation provider returned nothing for '${idOf(r)}'`);
      else {
        r.recommendationItems = items;
        pending.push(r);
      }
    }
    if (config.RecommendationTransformerUri && pending.length > 0) {
      if (!this.deps.transformer) {
        for (const r of pending) r.outcome = failure("PERMANENT_FAILURE", 500, `Recommender '${recommenderId}' names a transformer (${config.RecommendationTransformerUri}) but this pinrec has no transformer backend`);
        return;
      }
      const options = envelope ? { ...this.deps.transformerOptions, event: envelope } : this.deps.transformerOptions;
      await transformRecommendations(this.deps.transformer, tenant, appId, config, pending, options);
    }
  }

  // ---- rendering and delivery --------------------------------------------------------------------

  /** The render context: the endpoint's definition plus recommendations, then Substitutions, then defaults. */
  context(r: Recipient): Record<string, unknown> {
    let ctx: Record<string, unknown> = { ...(r.endpoint as Record<string, unknown>) };
    if (r.recommendationItems) ctx.RecommendationItems = r.recommendationItems;
    if (r.recommendations) ctx.Recommendations = r.recommendations;
    ctx = applySubstitutions(ctx, [...r.content!.messageSubstitutions(r.platform), r.config.Substitutions]);
    const defaults = r.content!.template?.defaults;
    return defaults && defaults.length > 0 ? applyDefaults(ctx, defaults) : ctx;
  }

  render(recipients: Recipient[]): void {
    for (const r of recipients) {
      if (r.outcome) continue;
      try {
        r.rendered = r.content!.renderFor(this.context(r), r.config, r.platform);
      } catch (err) {
        r.outcome = failure("PERMANENT_FAILURE", 500, `The message could not be rendered: ${describe(err)}`);
      }
    }
  }

  /** `idempotencyKey`: a campaign's key per recipient (activity id + endpoint id), so a re-run batch sends nothing twice. */
  async deliver(tenant: Tenant, appId: string, requestId: string, spec: MessageSpec, recipients: Recipient[], idempotencyKey?: (r: Recipient) => string): Promise<void> {
    const sending = recipients.filter((r) => !r.outcome && r.rendered);
    if (sending.length === 0) return;
    const messages: RenderedMessage[] = sending.map((r) => {
      const context = { ...spec.Context, ...r.config.Context };
      return {
        tenant,
        applicationId: appId,
        channel: r.content!.channel,
        address: r.endpoint.Address!,
        ...(r.ref.kind !== "address" && { endpointId: r.endpoint.Id }),
        ...(r.endpoint.User?.UserId !== undefined && { userId: r.endpoint.User.UserId }),
        requestId,
        ...(spec.TraceId !== undefined && { traceId: spec.TraceId }),
        ...(Object.keys(context).length > 0 && { context }),
        ...(idempotencyKey && { idempotencyKey: idempotencyKey(r) }),
        ...r.rendered,
      };
    });
    if (!this.deps.sender) throw new Error("this message pipeline has no sender: it can only preview");
    const outcomes = await this.deps.sender.accept(messages);
    sending.forEach((r, i) => {
      const o = outcomes[i];
      r.outcome = { DeliveryStatus: o.deliveryStatus, StatusCode: o.statusCode, StatusMessage: o.statusMessage, ...(o.messageId && { MessageId: o.messageId }) };
    });
  }

  /** Everything before delivery: personalise and render. */
  async prepare(tenant: Tenant, appId: string, recipients: Recipient[]): Promise<void> {
    await this.personalize(tenant, appId, recipients);
    this.render(recipients);
  }
}
