/** What push platforms' answers become for the outbox drainer. */
import { DeliveryError } from "../transport.js";

/**
 * The platform refused this message for good. `tokenGone`: the device token is unregistered or
 * invalid (FCM `UNREGISTERED`, APNs `BadDeviceToken` / 410 `Unregistered`), so the endpoint is made
 * inactive, as Amazon Pinpoint does, and later sends skip it.
 */
export class PushRejected extends DeliveryError {
  constructor(
    message: string,
    readonly tokenGone: boolean,
  ) {
    super(message, true);
  }
}

/** `Retry-After` (seconds or an HTTP date) in ms; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
