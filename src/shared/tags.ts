/** AWS resource tag rules shared by apps and templates (the `tags` member). */
import { badRequest } from "./errors.js";

export const MAX_TAGS = 50;

/** Checks a `tags` map against AWS's general tagging rules and returns a copy ({} when absent). */
export function validateTags(tags: Record<string, string> | undefined): Record<string, string> {
  if (tags === undefined) return {};
  const keys = Object.keys(tags);
  if (keys.length > MAX_TAGS) throw badRequest(`A resource can have at most ${MAX_TAGS} tags`);
  for (const key of keys) {
    if (key.length < 1 || key.length > 128) throw badRequest(`Tag key '${key}' must be between 1 and 128 characters`);
    if (key.toLowerCase().startsWith("aws:")) throw badRequest(`Tag key '${key}' uses the reserved prefix 'aws:'`);
    if (tags[key].length > 256) throw badRequest(`The value of tag '${key}' must be at most 256 characters`);
  }
  return { ...tags };
}
