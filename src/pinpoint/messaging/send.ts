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
import type { RenderedContent } from "./content/channel-content.js";
import type { MessagePipeline, Recipient } from "./pipeline.js";

const withoutAddress = ({ Address: _a, ...rest }: EndpointMessageResult): MessageResult => rest;

/** `pinrec_messages_total`: one per recipient, by its channel and delivery status. */
function countOutcomes(recipients: Recipient[]): void {
  for (const r of recipients) messages.inc({ channel: r.endpoint.ChannelType ?? "UNKNOWN", status: r.outcome?.DeliveryStatus ?? "UNKNOWN_FAILURE" });
}

export class MessageService {
  constructor(readonly pipeline: MessagePipeline) {}

  async sendMessages(tenant: Tenant, appId: string, request: MessageRequest, requestId: string): Promise<MessageResponse> {
    const contents = await this.pipeline.contents(tenant, request);
    const recipients = await this.pipeline.messageRecipients(tenant, appId, request.Addresses, request.Endpoints, contents);
    await this.pipeline.prepare(tenant, appId, recipients);
    await this.pipeline.deliver(tenant, appId, requestId, request, recipients);
    countOutcomes(recipients);
    const response: MessageResponse = { ApplicationId: appId, RequestId: requestId };
    for (const r of recipients) {
      if (r.ref.kind === "address") (response.Result ??= {})[r.ref.address] = withoutAddress(r.outcome!);
      else if (r.ref.kind === "endpoint") (response.EndpointResult ??= {})[r.ref.endpointId] = resultOf(r);
    }
    return response;
  }

  async sendUsersMessages(tenant: Tenant, appId: string, request: SendUsersMessageRequest, requestId: string): Promise<SendUsersMessageResponse> {
    const contents = await this.pipeline.contents(tenant, request);
    const { recipients, userIds } = await this.pipeline.userRecipients(tenant, appId, request.Users, contents);
    await this.pipeline.prepare(tenant, appId, recipients);
    await this.pipeline.deliver(tenant, appId, requestId, request, recipients);
    countOutcomes(recipients);
    // A user with no endpoints gets an empty map: there was nothing to send to.
    const result: Record<string, Record<string, EndpointMessageResult>> = Object.fromEntries(userIds.map((u) => [u, {}]));
    for (const r of recipients) if (r.ref.kind === "user") result[r.ref.userId][r.ref.endpointId] = resultOf(r);
    return { ApplicationId: appId, RequestId: requestId, Result: result };
  }

  /**
   * Renders a template for one endpoint, or every endpoint of one user, with real recommendations
   * (and the transformer), without sending anything. The template name is looked up for each
   * channel type; the endpoint's channel picks which one renders.
   */
  async preview(tenant: Tenant, appId: string, target: PreviewTarget): Promise<PreviewResult> {
    if ((target.endpointId === undefined) === (target.userId === undefined)) throw badRequest("Give exactly one of an endpoint id or a user id to preview for");
    const templates = await this.templatesNamed(tenant, target.template, target.version);
    const spec = { TemplateConfiguration: templates };
    const contents = await this.pipeline.contents(tenant, spec);
    const config = target.substitutions ? { Substitutions: target.substitutions } : {};
    let recipients: Recipient[];
    if (target.endpointId !== undefined) {
      recipients = await this.pipeline.messageRecipients(tenant, appId, {}, { [target.endpointId]: config }, contents);
      if (recipients[0].outcome?.StatusCode === 404) throw notFound(`Endpoint '${target.endpointId}' was not found in application '${appId}'`);
    } else {
      ({ recipients } = await this.pipeline.userRecipients(tenant, appId, { [target.userId!]: config }, contents));
      if (recipients.length === 0) throw notFound(`No endpoints with user id '${target.userId}' in application '${appId}'`);
    }
    await this.pipeline.prepare(tenant, appId, recipients);
    return {
      ApplicationId: appId,
      Template: target.template,
      Endpoints: recipients.map((r) => ({
        EndpointId: r.endpoint.Id!,
        ...(r.endpoint.Address !== undefined && { Address: r.endpoint.Address }),
        ...(r.endpoint.ChannelType !== undefined && { ChannelType: r.endpoint.ChannelType }),
        ...(r.content?.template && { TemplateVersion: String(r.content.template.version) }),
        ...(r.recommendationItems && { RecommendationItems: r.recommendationItems }),
        ...(r.recommendations && { Recommendations: r.recommendations }),
        ...(r.outcome ? { Status: r.outcome } : { Message: r.rendered! }),
      })),
    };
  }

  /** A TemplateConfiguration naming `name` for every type that has a template of that name. */
  private async templatesNamed(tenant: Tenant, name: string, version: string | undefined): Promise<TemplateConfiguration> {
    const out: TemplateConfiguration = {};
    for (const [member, type] of [["EmailTemplate", "EMAIL"], ["SMSTemplate", "SMS"], ["PushTemplate", "PUSH"]] as const) {
      if (await this.pipeline.hasTemplate(tenant, type, name)) out[member] = { Name: name, ...(version !== undefined && { Version: version }) };
    }
    if (Object.keys(out).length === 0) throw notFound(`No EMAIL, SMS or PUSH template named '${name}' was found`);
    return out;
  }
}

function resultOf(r: Recipient): EndpointMessageResult {
  return { ...(r.endpoint.Address !== undefined && { Address: r.endpoint.Address }), ...r.outcome! };
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
