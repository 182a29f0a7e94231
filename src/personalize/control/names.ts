/**
 * Personalize's ARNs, names and list paging. ARN forms follow the resources' Describe responses
 * (https://docs.aws.amazon.com/personalize/latest/dg/API_Operations_Amazon_Personalize.html):
 * `dataset-group/NAME`, `schema/NAME`, `dataset/GROUP/TYPE`, `solution/NAME/VERSION`, ….
 */
import type { Page, Tenant } from "../../store/types.js";
import { invalidInput, invalidNextToken } from "./errors.js";

/** Personalize's name pattern for every resource: `^[a-zA-Z0-9][a-zA-Z0-9\-_]*`, 1 to 63 characters. */
const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_-]{0,62}$/;
/** Personalize's ARN pattern (`arn:([a-z\d-]+):personalize:.*:.*:.+`), at most 256 characters. */
const ARN = /^arn:[a-z\d-]+:personalize:[^:]*:[^:]*:.+$/;

export function checkName(field: string, value: unknown): string {
  if (typeof value !== "string" || !NAME.test(value))
    throw invalidInput(`${field} must be 1 to 63 letters, digits, '-' or '_', starting with a letter or digit`);
  return value;
}

export function checkArn(field: string, value: unknown): string {
  if (typeof value !== "string" || value.length > 256 || !ARN.test(value))
    throw invalidInput(`${field} '${String(value)}' is not a valid Amazon Personalize ARN`);
  return value;
}

export const resourceArn = (t: Tenant, path: string): string => `arn:aws:personalize:${t.region}:${t.accountId}:${path}`;

/** The last path segment of an ARN (a resource's name, or a solution version's id). */
export const arnTail = (arn: string): string => arn.slice(arn.lastIndexOf("/") + 1);

/** Epoch seconds, as the JSON protocol writes Personalize's timestamps. */
export const wireTime = (ms: number): number => ms / 1000;

const MAX_RESULTS = 100;

/** A list request's position and page size: `nextToken` is an opaque position, `maxResults` 1 to 100. */
export function paging(input: { nextToken?: string; maxResults?: number }): { after: number; limit: number } {
  const limit = input.maxResults ?? MAX_RESULTS;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_RESULTS)
    throw invalidInput(`maxResults must be an integer from 1 to ${MAX_RESULTS}`);
  if (input.nextToken === undefined) return { after: 0, limit };
  const m = /^p([0-9]{1,15})$/.exec(Buffer.from(input.nextToken, "base64url").toString("utf8"));
  if (!m) throw invalidNextToken("nextToken is not a token a previous list returned");
  return { after: Number(m[1]), limit };
}

export const nextTokenOf = (page: Page<unknown>): string | undefined =>
  page.after === undefined ? undefined : Buffer.from(`p${page.after}`, "utf8").toString("base64url");
