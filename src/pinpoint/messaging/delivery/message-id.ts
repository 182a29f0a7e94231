import { randomBytes } from "node:crypto";

const BASE32HEX = "0123456789abcdefghijklmnopqrstuv";

/**
 * A Pinpoint-style `MessageId`: 40 lowercase base32hex characters (200 random bits), the form the
 * service returns in `EndpointMessageResult.MessageId`, e.g. `itnuqhai5alf1n6ahv3udc05n7hhddr6gb3lq6g0`.
 */
export function newMessageId(): string {
  const bytes = randomBytes(25);
  let out = "";
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += BASE32HEX[(value >>> bits) & 31];
    }
    value &= (1 << bits) - 1;
  }
  return out;
}

export const MESSAGE_ID_PATTERN = /^[0-9a-v]{40}$/;
