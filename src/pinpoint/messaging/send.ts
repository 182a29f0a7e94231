/**
 * SendMessages, SendUsersMessages and the preview extension over the pipeline. Responses follow
 * `MessageResponse` / `SendUsersMessageResponse`: per-recipient results in the 200 body, keyed by
 * address, endpoint id, or user id then endpoint id.
 *
 * Unlike Amazon Pinpoint, which fills recommended attributes only in campaigns and journeys, pinrec
 * fills them on direct sends too, for templates that name a recommender.
 */
import type {
  EndpointMessageResult,
  EndpointResponse,
  MessageRequest,
  MessageResponse,
  MessageResult,
  SendUsersMessageRequest,
  SendUsersMessageResponse,
  TemplateConfiguration,
} from "@aws-sdk/client-pinpoint";
import { messages } from "../../observability/metrics.js";
import { badRequest, notFound } from "../../shared/errors.js";
import type { Tenant } from "../../store/types.js";
import type { TemplateService } from "../templates/service.js";
import type { RenderedContent } from "./content/index.js";
import type { MessagePipeline } from "./pipeline.js";
import type { Decided, Rendered } from "./recipient.js";

const withoutAddress = ({ Address: _a, ...rest }: EndpointMessageResult): MessageResult => rest;

/** `pinrec_messages_total`: one per recipient, by its channel and delivery status. */
function countOutcomes(recipients: Decided[]): void {
  for (const r of recipients)
    messages.inc({ channel: r.endpoint.ChannelType ?? "UNKNOWN", status: r.outcome.DeliveryStatus ?? "UNKNOWN_FAILURE" });
}

function resultOf(r: Decided): EndpointMessageResult {
  return { ...(r.endpoint.Address !== undefined && { Address: r.endpoint.Address }), ...r.outcome };
}

export class MessageService {
  constructor(
    readonly pipeline: MessagePipeline,
    private readonly templates: TemplateService,
  ) {}

  async sendMessages(tenant: Tenant, appId: string, request: MessageRequest, requestId: string): Promise<MessageResponse> {
    const audience = { kind: "messages", addresses: request.Addresses, endpoints: request.Endpoints } as const;
    const recipients = await this.pipeline.send({ tenant, appId }, request, audience, { mode: "deliver", requestId });
    countOutcomes(recipients);
    const response: MessageResponse = { ApplicationId: appId, RequestId: requestId };
    for (const r of recipients) {
      if (r.ref.kind === "address") (response.Result ??= {})[r.ref.address] = withoutAddress(r.outcome);
      else if (r.ref.kind === "endpoint") (response.EndpointResult ??= {})[r.ref.endpointId] = resultOf(r);
    }
    return response;
  }

  async sendUsersMessages(
    tenant: Tenant,
    appId: string,
    request: SendUsersMessageRequest,
    requestId: string,
  ): Promise<SendUsersMessageResponse> {
    const recipients = await this.pipeline.send(
      { tenant, appId },
      request,
      { kind: "users", users: request.Users },
      { mode: "deliver", requestId },
    );
    countOutcomes(recipients);
    // A user with no endpoints gets an empty map: there was nothing to send to.
    const result: Record<string, Record<string, EndpointMessageResult>> = Object.fromEntries(
      Object.keys(request.Users ?? {}).map((u) => [u, {}]),
    );
    for (const r of recipients) if (r.ref.kind === "user") result[r.ref.userId][r.ref.endpointId] = resultOf(r);
    return { ApplicationId: appId, RequestId: requestId, Result: result };
  }

  /**
   * Renders a template for one endpoint, or every endpoint of one user, with real recommendations
   * (and the transformer), without sending anything. The template name is looked up for each
   * channel type; the endpoint's channel picks which one renders.
   */
  async preview(tenant: Tenant, appId: string, target: PreviewTarget): Promise<PreviewResult> {
    if ((target.endpointId === undefined) === (target.userId === undefined))
      throw badRequest("Give exactly one of an endpoint id or a user id to preview for");
    const spec = { TemplateConfiguration: await this.templatesNamed(tenant, target.template, target.version) };
    const config = target.substitutions ? { Substitutions: target.substitutions } : {};
    const audience =
      target.endpointId !== undefined
        ? ({ kind: "messages", endpoints: { [target.endpointId]: config } } as const)
        : ({ kind: "users", users: { [target.userId ?? ""]: config } } as const);
    const recipients = await this.pipeline.send({ tenant, appId }, spec, audience, { mode: "preview" });
    if (target.endpointId !== undefined && recipients[0]?.state === "decided" && recipients[0].outcome.StatusCode === 404) {
      throw notFound(`Endpoint '${target.endpointId}' was not found in application '${appId}'`);
    }
    if (target.userId !== undefined && recipients.length === 0)
      throw notFound(`No endpoints with user id '${target.userId}' in application '${appId}'`);
    return { ApplicationId: appId, Template: target.template, Endpoints: recipients.map(previewOf) };
  }

  /** A TemplateConfiguration naming `name` for every type that has a template of that name. */
  private async templatesNamed(tenant: Tenant, name: string, version: string | undefined): Promise<TemplateConfiguration> {
    const out: TemplateConfiguration = {};
    for (const [member, type] of [
      ["EmailTemplate", "EMAIL"],
      ["SMSTemplate", "SMS"],
      ["PushTemplate", "PUSH"],
    ] as const) {
      if (await this.templates.exists(tenant, type, name)) out[member] = { Name: name, ...(version !== undefined && { Version: version }) };
    }
    if (Object.keys(out).length === 0) throw notFound(`No EMAIL, SMS or PUSH template named '${name}' was found`);
    return out;
  }
}

function previewOf(r: Rendered | Decided): PreviewEndpoint {
  const template = r.state === "decided" ? r.template : r.content.template;
  return {
    EndpointId: r.endpoint.Id ?? "",
    ...(r.endpoint.Address !== undefined && { Address: r.endpoint.Address }),
    ...(r.endpoint.ChannelType !== undefined && { ChannelType: r.endpoint.ChannelType }),
    ...(template && { TemplateVersion: String(template.version) }),
    ...(r.recommendationItems && { RecommendationItems: r.recommendationItems }),
    ...(r.recommendations && { Recommendations: r.recommendations }),
    ...(r.state === "decided" ? { Status: r.outcome } : { Message: r.rendered }),
  };
}

export interface PreviewTarget {
  template: string;
  version?: string;
  endpointId?: string;
  userId?: string;
  substitutions?: Record<string, string[]>;
}

export interface PreviewEndpoint {
  EndpointId: string;
  Address?: string;
  ChannelType?: EndpointResponse["ChannelType"];
  TemplateVersion?: string;
  RecommendationItems?: string[];
  Recommendations?: Record<string, unknown>;
  /** What would be sent. */
  Message?: RenderedContent;
  /** Why nothing would be sent. */
  Status?: EndpointMessageResult;
}

export interface PreviewResult {
  ApplicationId: string;
  Template: string;
  Endpoints: PreviewEndpoint[];
}
