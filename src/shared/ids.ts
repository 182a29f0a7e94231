import { randomBytes } from "node:crypto";

/** Pinpoint-style resource id: 32 lowercase hex characters, like application ids. */
export const newResourceId = (): string => randomBytes(16).toString("hex");

/** ISO 8601 UTC with milliseconds and `Z`, the only date form Pinpoint emits (e.g. `CreationDate` in the Amazon Pinpoint API Reference's
 * CLI examples: `2023-06-20T21:37:30.124Z`). */
export const isoNow = (): string => new Date().toISOString();
