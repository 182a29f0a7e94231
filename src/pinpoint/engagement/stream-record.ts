/**
 * An engagement event as Amazon Pinpoint streams it to Kinesis or Firehose (the "Streaming app and
 * campaign events" and "Email events" pages of the Amazon Pinpoint Developer Guide): `event_type`,
 * `event_timestamp`, `arrival_timestamp`, `application.app_id`, `client.client_id` (the endpoint
 * id), `attributes` (campaign and journey ids among them) and, for email, `facets.email_channel.mail_event`.
 */
import type { StoredEngagementEvent } from "../../store/engagement-events.js";

export function streamRecord(e: StoredEngagementEvent): Record<string, unknown> {
  const attributes: Record<string, string> = {};
  const ids: [string, string | undefined][] = [
    ["campaign_id", e.campaignId],
    ["campaign_activity_id", e.campaignActivityId],
    ["treatment_id", e.treatmentId],
    ["journey_id", e.journeyId],
    ["journey_activity_id", e.journeyActivityId],
  ];
  for (const [k, v] of ids) if (v !== undefined) attributes[k] = v;
  const { link, smtp_response, destination, from_address, recommended_item, ...rest } = e.attributes;
  Object.assign(attributes, rest);
  if (recommended_item !== undefined) attributes.recommended_item = recommended_item;
  const record: Record<string, unknown> = {
    event_type: e.eventType,
    event_timestamp: e.timestamp,
    arrival_timestamp: e.arrivalTimestamp,
    event_version: "3.1",
    application: { app_id: e.appId, sdk: {} },
    client: { client_id: e.endpointId ?? "" },
    device: { platform: {} },
    session: {},
    attributes,
    awsAccountId: e.tenant.accountId,
    event_id: e.eventId,
  };
  if (e.eventType.startsWith("_email.")) {
    const kind = e.eventType.slice("_email.".length);
    const mail: Record<string, unknown> = {
      message_id: e.messageId ?? "",
      ...(from_address !== undefined && { from_address }),
      ...(destination !== undefined && { destination: [destination] }),
    };
    const detail: Record<string, unknown> =
      kind === "click" ? { link } : kind === "delivered" || kind.endsWith("bounce") ? { smtp_response } : { timestamp: e.timestamp };
    record.facets = { email_channel: { mail_event: { mail, [kind]: detail } } };
  }
  return record;
}
