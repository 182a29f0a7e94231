/**
 * An app's email and SMS channels (Email Channel, SMS Channel and Channels resources of the Amazon
 * Pinpoint REST API; the push channels are in push.ts): the settings a campaign sends with, and whether it may send at all. pinrec
 * keeps them per app exactly as given; it does not verify SES identities or SMS registrations.
 */
import type {
  ChannelResponse,
  EmailChannelRequest,
  EmailChannelResponse,
  SMSChannelRequest,
  SMSChannelResponse,
} from "@aws-sdk/client-pinpoint";
import { senderProblem, type SenderPolicy } from "../../shared/senders.js";
import { badRequest, notFound } from "../../shared/errors.js";
import type { Store, Tenant } from "../../store/types.js";
import { base, channelOrThrow, deleteChannel, type ChannelType } from "./base.js";
import { PushChannelService } from "./push.js";

export type { ChannelType } from "./base.js";

const ARN = /^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d{0,12}:.+$/;
// SenderId: up to 11 letters and digits, at least one letter (Amazon Pinpoint SMS sender ID rules).
const SENDER_ID = /^(?=.*[A-Za-z])[A-Za-z0-9]{1,11}$/;
const SHORT_CODE = /^\d{3,10}$/;

function checkArn(value: string | undefined, field: string): void {
  if (value !== undefined && !ARN.test(value)) throw badRequest(`${field} '${value}' is not an ARN`);
}

export class ChannelService {
  /** GCM, APNs (four kinds), Baidu and ADM: the channels with credentials. */
  readonly push: PushChannelService;

  constructor(
    private readonly store: Store,
    private readonly senders: SenderPolicy = {},
  ) {
    this.push = new PushChannelService(store);
  }

  private getOrThrow<T>(tenant: Tenant, appId: string, type: ChannelType): Promise<T> {
    return channelOrThrow<T>(this.store, tenant, appId, type);
  }

  getEmail(tenant: Tenant, appId: string): Promise<EmailChannelResponse> {
    return this.getOrThrow(tenant, appId, "EMAIL");
  }

  getSms(tenant: Tenant, appId: string): Promise<SMSChannelResponse> {
    return this.getOrThrow(tenant, appId, "SMS");
  }

  async updateEmail(tenant: Tenant, appId: string, req: EmailChannelRequest): Promise<EmailChannelResponse> {
    const problem = senderProblem(req.FromAddress ?? "", this.senders);
    if (problem) throw badRequest(`FromAddress '${req.FromAddress ?? ""}' is refused: ${problem}`);
    checkArn(req.Identity, "Identity");
    checkArn(req.RoleArn, "RoleArn");
    checkArn(req.OrchestrationSendingRoleArn, "OrchestrationSendingRoleArn");
    const doc = await this.store.channels.upsert<EmailChannelResponse>(tenant, appId, "EMAIL", (current) => ({
      ...base(tenant, appId, "EMAIL", current, req.Enabled),
      FromAddress: req.FromAddress,
      Identity: req.Identity,
      ...(req.ConfigurationSet !== undefined && { ConfigurationSet: req.ConfigurationSet }),
      ...(req.RoleArn !== undefined && { RoleArn: req.RoleArn }),
      ...(req.OrchestrationSendingRoleArn !== undefined && { OrchestrationSendingRoleArn: req.OrchestrationSendingRoleArn }),
    }));
    if (!doc) throw notFound(`Application '${appId}' was not found`);
    return doc;
  }

  async updateSms(tenant: Tenant, appId: string, req: SMSChannelRequest): Promise<SMSChannelResponse> {
    if (req.SenderId !== undefined && !SENDER_ID.test(req.SenderId)) {
      throw badRequest(`SenderId '${req.SenderId}' must be 1 to 11 letters and digits with at least one letter`);
    }
    if (req.ShortCode !== undefined && !SHORT_CODE.test(req.ShortCode))
      throw badRequest(`ShortCode '${req.ShortCode}' must be 3 to 10 digits`);
    const doc = await this.store.channels.upsert<SMSChannelResponse>(tenant, appId, "SMS", (current) => {
      // Members not given keep their stored value: an update that only disables keeps the sender.
      const senderId = req.SenderId ?? current?.SenderId;
      const shortCode = req.ShortCode ?? current?.ShortCode;
      return {
        ...base(tenant, appId, "SMS", current, req.Enabled),
        ...(senderId !== undefined && { SenderId: senderId }),
        ...(shortCode !== undefined && { ShortCode: shortCode }),
      };
    });
    if (!doc) throw notFound(`Application '${appId}' was not found`);
    return doc;
  }

  delete<T>(tenant: Tenant, appId: string, type: ChannelType): Promise<T> {
    return deleteChannel<T>(this.store, tenant, appId, type);
  }

  /** GetChannels: the general settings of every configured channel, by channel type. */
  async all(tenant: Tenant, appId: string): Promise<Record<string, ChannelResponse>> {
    if (!(await this.store.apps.get(tenant, appId))) throw notFound(`Application '${appId}' was not found`);
    const out: Record<string, ChannelResponse> = {};
    for (const [type, doc] of await this.store.channels.all(tenant, appId)) {
      const { ApplicationId, CreationDate, Enabled, HasCredential, Id, IsArchived, LastModifiedBy, LastModifiedDate, Version } =
        doc as ChannelResponse;
      out[type] = { ApplicationId, CreationDate, Enabled, HasCredential, Id, IsArchived, LastModifiedBy, LastModifiedDate, Version };
    }
    return out;
  }

  /**
   * Whether a campaign may send on `type` for this app, and if not, why: the check the campaign
   * runner makes before sending ("a campaign on a disabled channel sends nothing and says why").
   */
  async sendable(tenant: Tenant, appId: string, type: ChannelType): Promise<{ ok: true } | { ok: false; reason: string }> {
    const doc = await this.store.channels.get<ChannelResponse>(tenant, appId, type);
    if (!doc) return { ok: false, reason: `The ${type} channel of application '${appId}' is not configured` };
    if (!doc.Enabled) return { ok: false, reason: `The ${type} channel of application '${appId}' is disabled` };
    return { ok: true };
  }
}
