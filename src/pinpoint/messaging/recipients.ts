/**
 * The recipients stage: who a send reaches, read from the app's endpoints and screened. A request's
 * mistakes (no recipients, too many, a raw address without a channel, an unknown app) reject the
 * whole send; an endpoint that cannot be sent to is decided here with the reason:
 * - `OPT_OUT` (400): the endpoint's `OptOut` is `ALL`.
 * - `DUPLICATE` (400): an earlier recipient of the same send has the same address.
 * - `PERMANENT_FAILURE` (404): an endpoint id the app does not have.
 * - `PERMANENT_FAILURE` (400): an INACTIVE endpoint, one without an address, a channel pinrec does
 *   not send (VOICE, CUSTOM, IN_APP) or that the message gives no content for.
 */
import type { EndpointResponse, EndpointSendConfiguration } from "@aws-sdk/client-pinpoint";
import { mailboxProblem, phoneNumberProblem } from "../../shared/addresses.js";
import { badRequest, notFound } from "../../shared/errors.js";
import { endpointKey } from "../../store/endpoints.js";
import type { Store, Tenant } from "../../store/types.js";
import { checkHandlebars } from "../templates/validate.js";
import { sendChannelOf } from "./content/index.js";
import { templateMemberOf, type MessageContents } from "./contents.js";
import { decide, failure, type Decided, type Resolved, type Stage, type Target } from "./recipient.js";

/** Pinpoint: at most 100 recipients (addresses, endpoints or users) per request. */
export const MAX_RECIPIENTS = 100;

/** Who a send goes to. */
export type Audience =
  /** SendMessages: raw addresses, then endpoint ids, each with its own settings. */
  | {
      kind: "messages";
      addresses?: Record<string, { ChannelType?: string } & EndpointSendConfiguration>;
      endpoints?: Record<string, EndpointSendConfiguration>;
    }
  /** SendUsersMessages: every endpoint of each user, in user order. */
  | { kind: "users"; users?: Record<string, EndpointSendConfiguration> }
  /**
   * Endpoints a runner already read (a campaign batch, a journey activity). When the message
   * cannot be prepared, each endpoint fails with `unpreparable(cause)` as its StatusMessage instead
   * of the send rejecting.
   */
  | { kind: "endpoints"; endpoints: EndpointResponse[]; unpreparable?: (cause: string) => string };

export interface RecipientRepositories {
  apps: Store["apps"];
  endpoints: Store["endpoints"];
}

/**
 * A raw address is exactly one recipient of its channel: one mailbox (`local@domain`, no list, no
 * display name) for EMAIL, one E.164 number for SMS, a token without control characters for push.
 */
function checkRawAddress(address: string, channel: "EMAIL" | "SMS" | "PUSH"): void {
  const problem =
    channel === "EMAIL"
      ? mailboxProblem(address, { displayName: false })
      : channel === "SMS"
        ? phoneNumberProblem(address)
        : // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
          /[\u0000-\u001f\u007f]/.test(address) || address.trim() === ""
          ? "it is empty or contains a control character"
          : undefined;
  if (problem) throw badRequest(`Addresses key ${JSON.stringify(address)} is not one ${channel} address: ${problem}`);
}

/** Per-recipient overrides are templates as well. */
function checkOverrides(where: string, config: EndpointSendConfiguration): void {
  if (config.TitleOverride !== undefined) checkHandlebars(`${where}.TitleOverride`, config.TitleOverride);
  if (config.BodyOverride !== undefined) checkHandlebars(`${where}.BodyOverride`, config.BodyOverride);
}

const endpointTarget = (doc: EndpointResponse, id: string, config: EndpointSendConfiguration = {}): Target => ({
  ref: { kind: "endpoint", endpointId: id },
  endpoint: doc,
  config,
});

export class RecipientStage {
  constructor(private readonly data: RecipientRepositories) {}

  async resolve(tenant: Tenant, appId: string, audience: Audience, contents: MessageContents): Promise<Stage<Resolved>> {
    if (audience.kind === "messages") return this.messageRecipients(tenant, appId, audience.addresses, audience.endpoints, contents);
    if (audience.kind === "users") return this.userRecipients(tenant, appId, audience.users, contents);
    return screen(
      audience.endpoints.map((doc) => endpointTarget(doc, doc.Id ?? "")),
      contents,
    );
  }

  /** Every endpoint of the audience, failed with the same reason: the message could not be prepared. */
  static unprepared(audience: Extract<Audience, { kind: "endpoints" }>, statusMessage: string): Decided[] {
    return audience.endpoints.map((doc) => decide(endpointTarget(doc, doc.Id ?? ""), failure("PERMANENT_FAILURE", 400, statusMessage)));
  }

  private async requireApp(tenant: Tenant, appId: string): Promise<void> {
    if (!(await this.data.apps.get(tenant, appId))) throw notFound(`Application '${appId}' was not found`);
  }

  private async messageRecipients(
    tenant: Tenant,
    appId: string,
    addresses: Record<string, { ChannelType?: string } & EndpointSendConfiguration> = {},
    endpoints: Record<string, EndpointSendConfiguration> = {},
    contents: MessageContents,
  ): Promise<Stage<Resolved>> {
    const addressKeys = Object.keys(addresses);
    const endpointIds = Object.keys(endpoints);
    const count = addressKeys.length + endpointIds.length;
    if (count === 0) throw badRequest("The request has no recipients: specify Addresses or Endpoints");
    if (count > MAX_RECIPIENTS)
      throw badRequest(`A request can have at most ${MAX_RECIPIENTS} recipients (Addresses and Endpoints together); this one has ${count}`);
    const recipients: (Target | Resolved | Decided)[] = [];
    for (const address of addressKeys) {
      const { ChannelType, ...config } = addresses[address];
      checkOverrides(`Addresses.${address}`, config);
      if (!ChannelType) throw badRequest(`Addresses.${address}.ChannelType is required for a raw address`);
      const sc = sendChannelOf(ChannelType);
      if (!sc) throw badRequest(`Addresses.${address}: pinrec does not send ${ChannelType} messages; use EMAIL, SMS or a push channel`);
      checkRawAddress(address, sc.channel);
      const content = contents[sc.channel];
      if (!content.hasContent(sc.platform)) {
        throw badRequest(
          `Addresses.${address}: the request has no ${ChannelType} content: give a ${templateMemberOf(sc.channel)} or a message for that channel`,
        );
      }
      const endpoint = { Address: address, ChannelType: ChannelType as EndpointResponse["ChannelType"] };
      recipients.push({
        state: "pending",
        ref: { kind: "address", address },
        endpoint,
        config,
        content,
        ...(sc.platform && { platform: sc.platform }),
      });
    }
    await this.requireApp(tenant, appId);
    const stored =
      endpointIds.length > 0 ? await this.data.endpoints.getMany(tenant, appId, endpointIds) : new Map<string, EndpointResponse>();
    for (const id of endpointIds) checkOverrides(`Endpoints.${id}`, endpoints[id]);
    for (const id of endpointIds) {
      const doc = stored.get(endpointKey(id));
      const target = endpointTarget(doc ?? { Id: id }, id, endpoints[id]);
      recipients.push(
        doc ? target : decide(target, failure("PERMANENT_FAILURE", 404, `Endpoint '${id}' was not found in application '${appId}'`)),
      );
    }
    return screen(recipients, contents);
  }

  private async userRecipients(
    tenant: Tenant,
    appId: string,
    users: Record<string, EndpointSendConfiguration> = {},
    contents: MessageContents,
  ): Promise<Stage<Resolved>> {
    const userIds = Object.keys(users);
    if (userIds.length === 0) throw badRequest("The request has no recipients: specify Users");
    if (userIds.length > MAX_RECIPIENTS)
      throw badRequest(`A request can have at most ${MAX_RECIPIENTS} users; this one has ${userIds.length}`);
    for (const id of userIds) checkOverrides(`Users.${id}`, users[id]);
    await this.requireApp(tenant, appId);
    const byUser = await this.data.endpoints.byUsers(tenant, appId, userIds);
    const recipients: Target[] = [];
    for (const userId of userIds) {
      for (const doc of byUser.get(userId) ?? [])
        recipients.push({ ref: { kind: "user", userId, endpointId: doc.Id ?? "" }, endpoint: doc, config: users[userId] });
    }
    return screen(recipients, contents);
  }
}

const isSettled = (r: Target | Resolved | Decided): r is Resolved | Decided => "state" in r;

/** Stored endpoints: opted out, inactive, addressless, unsendable channels, no content, duplicates. Raw addresses pass as given. */
function screen(recipients: (Target | Resolved | Decided)[], contents: MessageContents): Stage<Resolved> {
  const seen = new Set<string>();
  return recipients.map((r): Resolved | Decided => {
    if (isSettled(r)) {
      if (r.ref.kind === "address") seen.add(r.ref.address);
      return r;
    }
    const e = r.endpoint;
    if (e.OptOut === "ALL") return decide(r, failure("OPT_OUT", 400, `Endpoint '${e.Id}' has opted out of all messages (OptOut: ALL)`));
    if (e.EndpointStatus === "INACTIVE")
      return decide(r, failure("PERMANENT_FAILURE", 400, `Endpoint '${e.Id}' is INACTIVE; messages are sent to ACTIVE endpoints only`));
    if (!e.Address) return decide(r, failure("PERMANENT_FAILURE", 400, `Endpoint '${e.Id}' has no Address`));
    const sc = sendChannelOf(e.ChannelType);
    if (!sc)
      return decide(
        r,
        failure("PERMANENT_FAILURE", 400, `Endpoint '${e.Id}' has ChannelType ${e.ChannelType ?? "(none)"}, which pinrec does not send`),
      );
    const content = contents[sc.channel];
    if (!content.hasContent(sc.platform)) {
      return decide(
        r,
        failure(
          "PERMANENT_FAILURE",
          400,
          `The request has no ${e.ChannelType} content for endpoint '${e.Id}': give a template or a message for that channel`,
        ),
      );
    }
    if (seen.has(e.Address))
      return decide(
        r,
        failure("DUPLICATE", 400, `Address ${e.Address} of endpoint '${e.Id}' duplicates an earlier recipient of this request`),
      );
    seen.add(e.Address);
    return { ...r, state: "pending", content, ...(sc.platform && { platform: sc.platform }) };
  });
}
