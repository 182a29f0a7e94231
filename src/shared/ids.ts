import { randomBytes } from "node:crypto";

/** Pinpoint-style resource id: 32 lowercase hex characters, like application ids. */
export const newResourceId = (): string => randomBytes(16).toString("hex");

/** ISO 8601 UTC with milliseconds and `Z`, the only date form Pinpoint emits (spec §1.5). */
export const isoNow = (): string => new Date().toISOString();
