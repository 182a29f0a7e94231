/**
 * Who gets which treatment of a campaign run: the holdout (`HoldoutPercent`: "the allocated
 * percentage of users (segment members) who shouldn't receive messages from the campaign") and the
 * A/B treatments (`AdditionalTreatments[].SizePercent`, "the allocated percentage of users (segment
 * members) to send the treatment to": a percentage of the whole segment, like the holdout, which is
 * why CreateCampaign refuses a SizePercent sum plus HoldoutPercent over 100; the campaign's own
 * treatment, id "0", gets the rest). The draw is a hash of campaign id and endpoint id, so an endpoint lands in the same
 * place on every run and in every process, and a re-run batch assigns exactly as the first try did.
 */
import { createHash } from "node:crypto";
import type { CampaignResponse, DirectMessageConfiguration, MessageConfiguration, TemplateConfiguration } from "@aws-sdk/client-pinpoint";

export const DEFAULT_TREATMENT_ID = "0";

export interface Treatment {
  id: string;
  /** Percent of the segment's endpoints. */
  sizePercent: number;
  messageConfiguration?: MessageConfiguration;
  templateConfiguration?: TemplateConfiguration;
}

export function treatmentsOf(campaign: CampaignResponse): Treatment[] {
  const additional = (campaign.AdditionalTreatments ?? []).map((t, i) => ({
    id: t.Id ?? String(i + 1),
    sizePercent: t.SizePercent ?? 0,
    messageConfiguration: t.MessageConfiguration,
    templateConfiguration: t.TemplateConfiguration,
  }));
  const rest = Math.max(0, 100 - additional.reduce((n, t) => n + t.sizePercent, 0));
  return [
    {
      id: DEFAULT_TREATMENT_ID,
      sizePercent: rest,
      messageConfiguration: campaign.MessageConfiguration,
      templateConfiguration: campaign.TemplateConfiguration,
    },
    ...additional,
  ];
}

/** A uniform draw in [0, 100) for this campaign, endpoint and purpose. */
function draw(campaignId: string, endpointId: string, purpose: string): number {
  const h = createHash("sha256").update(`${campaignId}\u0000${purpose}\u0000${endpointId}`).digest();
  return (h.readUInt32BE(0) / 0x1_0000_0000) * 100;
}

/** The treatment an endpoint receives, or undefined when it is held out. */
export function assign(campaignId: string, holdoutPercent: number, treatments: Treatment[], endpointId: string): Treatment | undefined {
  if (holdoutPercent > 0 && draw(campaignId, endpointId, "holdout") < holdoutPercent) return undefined;
  if (treatments.length === 1) return treatments[0];
  // Among the endpoints not held out, a draw in [0, 100 - holdout) gives each treatment its
  // SizePercent of the whole segment.
  const x = (draw(campaignId, endpointId, "treatment") * (100 - holdoutPercent)) / 100;
  let edge = 0;
  // Additional treatments first, in order; the campaign's own treatment takes what remains.
  for (const t of treatments.slice(1)) {
    edge += t.sizePercent;
    if (x < edge) return t;
  }
  return treatments[0];
}

/**
 * A campaign's `MessageConfiguration` (per-channel campaign messages) as the direct-send message
 * the pipeline renders; `fromAddress` is the email channel's, used when the campaign names none.
 */
export function directMessage(config: MessageConfiguration | undefined, fromAddress: string | undefined): DirectMessageConfiguration {
  const out: DirectMessageConfiguration = {};
  const email = config?.EmailMessage;
  const from = email?.FromAddress ?? fromAddress;
  if (email || from !== undefined) {
    out.EmailMessage = {
      ...(from !== undefined && { FromAddress: from }),
      ...((email?.Title !== undefined || email?.HtmlBody !== undefined || email?.Body !== undefined) && {
        SimpleEmail: {
          ...(email?.Title !== undefined && { Subject: { Data: email.Title } }),
          ...(email?.HtmlBody !== undefined && { HtmlPart: { Data: email.HtmlBody } }),
          ...(email?.Body !== undefined && { TextPart: { Data: email.Body } }),
        },
      }),
    };
  }
  const sms = config?.SMSMessage;
  if (sms) {
    out.SMSMessage = {
      ...(sms.Body !== undefined && { Body: sms.Body }),
      ...(sms.MessageType !== undefined && { MessageType: sms.MessageType }),
      ...(sms.OriginationNumber !== undefined && { OriginationNumber: sms.OriginationNumber }),
      ...(sms.SenderId !== undefined && { SenderId: sms.SenderId }),
    };
  }
  const push = config?.DefaultMessage;
  if (push)
    out.DefaultPushNotificationMessage = {
      ...(push.Title !== undefined && { Title: push.Title }),
      ...(push.Body !== undefined && { Body: push.Body }),
    };
  return out;
}
