/**
 * The documented rules for endpoints (Amazon Pinpoint API Reference: Endpoint, Endpoints). The service model carries no constraints for these
 * members, so each rule here comes from the API reference and the Quotas page.
 */
import type { EndpointBatchItem, EndpointRequest, EndpointResponse } from "@aws-sdk/client-pinpoint";
import { checkInput } from "../../shared/errors.js";
import { TIMESTAMP_RANGE, iso8601Ms } from "../../shared/timestamps.js";

export const CHANNEL_TYPES = [
  "PUSH",
  "GCM",
  "APNS",
  "APNS_SANDBOX",
  "APNS_VOIP",
  "APNS_VOIP_SANDBOX",
  "ADM",
  "SMS",
  "VOICE",
  "EMAIL",
  "BAIDU",
  "CUSTOM",
  "IN_APP",
] as const;
export const OPT_OUT = ["ALL", "NONE"] as const;
export const ENDPOINT_STATUS = ["ACTIVE", "INACTIVE"] as const;

export const MAX_ATTRIBUTE_NAME = 50;
export const MAX_ATTRIBUTE_VALUE = 100;
export const MAX_ATTRIBUTE_VALUES = 50;
/** Attributes + Metrics + UserAttributes names; AWS counts them per app, so one endpoint can hold no more. */
export const MAX_ATTRIBUTES = 250;
export const MAX_ENDPOINT_BYTES = 15 * 1024;
export const MAX_BATCH_ITEMS = 100;
export const MAX_ENDPOINTS_PER_USER = 15;
/**
 * Endpoint ids and user ids: Pinpoint documents no length, but each is sent to Amazon Personalize as
 * the `userId` of GetRecommendations (Amazon Personalize API Reference: GetRecommendations,
 * `userId`), which takes at most 256 characters; a longer id
 * could never be given recommendations.
 */
export const MAX_ID_CHARS = 256;

const E164 = /^\+[1-9]\d{1,14}$/;
// Practical RFC 5321 shape: a local part and a dotted domain, no spaces, at most 254 characters.
const EMAIL = /^[^\s@"(),:;<>[\]\\]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;

/** A plain email address as endpoints and the email channel's FromAddress hold it. */
export const isEmailAddress = (value: string): boolean => value.length <= 254 && EMAIL.test(value);

function oneOf(value: string | undefined, allowed: readonly string[], name: string, where: string): void {
  if (value !== undefined) checkInput(allowed.includes(value), `${where}${name} must be one of ${allowed.join(", ")}`);
}

export function validateEndpointId(id: string | undefined, where = ""): string {
  checkInput(id !== undefined && id.length > 0, `${where}The endpoint Id must not be empty`);
  checkInput(id!.length <= MAX_ID_CHARS, `${where}The endpoint Id must be at most ${MAX_ID_CHARS} characters; this one has ${id!.length}`);
  checkInput(!/[${}]/.test(id!), `${where}The endpoint Id '${id}' must not contain '$', '{' or '}'`);
  // Such an endpoint could never be addressed: request paths with dot segments are refused.
  checkInput(id !== "." && id !== "..", `${where}The endpoint Id must not be '.' or '..'`);
  return id!;
}

function validateAttributeMap(map: Record<string, string[]> | undefined, name: string, where: string): void {
  if (!map) return;
  for (const [key, values] of Object.entries(map)) {
    checkInput(
      key.length > 0 && key.length <= MAX_ATTRIBUTE_NAME,
      `${where}${name} name '${key}' must be between 1 and ${MAX_ATTRIBUTE_NAME} characters`,
    );
    checkInput(values.length <= MAX_ATTRIBUTE_VALUES, `${where}${name} '${key}' can have at most ${MAX_ATTRIBUTE_VALUES} values`);
    for (const v of values) {
      checkInput(v.length <= MAX_ATTRIBUTE_VALUE, `${where}A value of ${name} '${key}' is longer than ${MAX_ATTRIBUTE_VALUE} characters`);
    }
  }
}

/** Checks what can be checked on the request alone (the merged endpoint is checked by `validateMerged`). */
export function validateEndpointRequest(req: EndpointRequest | EndpointBatchItem, where = ""): void {
  oneOf(req.ChannelType, CHANNEL_TYPES, "ChannelType", where);
  oneOf(req.OptOut, OPT_OUT, "OptOut", where);
  oneOf(req.EndpointStatus, ENDPOINT_STATUS, "EndpointStatus", where);
  validateAttributeMap(req.Attributes, "Attribute", where);
  validateAttributeMap(req.User?.UserAttributes, "User attribute", where);
  if (req.Metrics) {
    for (const key of Object.keys(req.Metrics)) {
      checkInput(
        key.length > 0 && key.length <= MAX_ATTRIBUTE_NAME,
        `${where}Metric name '${key}' must be between 1 and ${MAX_ATTRIBUTE_NAME} characters`,
      );
    }
  }
  if (req.User?.UserId !== undefined) {
    checkInput(req.User.UserId.length > 0, `${where}User.UserId must not be empty`);
    checkInput(
      req.User.UserId.length <= MAX_ID_CHARS,
      `${where}User.UserId must be at most ${MAX_ID_CHARS} characters; this one has ${req.User.UserId.length}`,
    );
  }
  const loc = req.Location;
  if (loc?.Latitude !== undefined)
    checkInput(loc.Latitude >= -90 && loc.Latitude <= 90, `${where}Location.Latitude must be between -90 and 90`);
  if (loc?.Longitude !== undefined)
    checkInput(loc.Longitude >= -180 && loc.Longitude <= 180, `${where}Location.Longitude must be between -180 and 180`);
  if (req.EffectiveDate !== undefined) {
    checkInput(iso8601Ms(req.EffectiveDate) !== undefined, `${where}EffectiveDate must be an ISO 8601 date from ${TIMESTAMP_RANGE}`);
  }
}

/** Rules on the endpoint as it will be stored, after merging the request into what was there. */
export function validateMerged(doc: EndpointResponse, where = ""): void {
  const { Address: address, ChannelType: channel } = doc;
  if (channel !== undefined) checkInput(address !== undefined && address !== "", `${where}Missing Address`);
  if (address !== undefined) checkInput(channel !== undefined, `${where}Missing ChannelType`);
  if (channel === "EMAIL") checkInput(isEmailAddress(address!), `${where}Address '${address}' is not a valid email address`);
  if (channel === "SMS" || channel === "VOICE") {
    checkInput(E164.test(address!), `${where}Address '${address}' is not a phone number in E.164 format (for example +12065550100)`);
  }
  const count =
    Object.keys(doc.Attributes ?? {}).length + Object.keys(doc.Metrics ?? {}).length + Object.keys(doc.User?.UserAttributes ?? {}).length;
  checkInput(
    count <= MAX_ATTRIBUTES,
    `${where}An endpoint can have at most ${MAX_ATTRIBUTES} attributes, metrics and user attributes together`,
  );
  const bytes = Buffer.byteLength(JSON.stringify(doc));
  checkInput(bytes <= MAX_ENDPOINT_BYTES, `${where}The endpoint is ${bytes} bytes; the limit is ${MAX_ENDPOINT_BYTES} bytes (15 KB)`);
}
