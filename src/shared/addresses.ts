/**
 * Email addresses and phone numbers a tenant hands the server to send to or from. Each is exactly
 * one mailbox or one number: an address key `a@x, b@y` would otherwise become one message to many
 * SMTP recipients, and a CR/LF in a `FromAddress` folds another command into the SMTP dialogue or
 * another header into the message.
 *
 * Email addresses are parsed by `email-addresses` (RFC 5322, with RFC 6532's UTF-8), then held to
 * what an SMTP envelope carries (RFC 5321 §4.1.2 `Mailbox`): a dot-atom or quoted local part, a
 * dotted domain name (no address literals, no comments), at most 254 characters (RFC 5321 §4.5.3.1
 * with its path brackets). Phone numbers are E.164 (Amazon Pinpoint API Reference, Endpoint
 * `Address`: "a phone number in E.164 format") and a possible number for its country by
 * `libphonenumber-js`'s metadata; fictional ranges such as +1-555-01xx are possible numbers.
 */
import emailAddresses from "email-addresses";
import { parsePhoneNumberFromString } from "libphonenumber-js/min";

/** RFC 5321 §4.5.3.1.3: a path is at most 256 octets with its angle brackets. */
export const MAX_EMAIL_ADDRESS_CHARS = 254;
/** A display name beyond this is not a name (SES and Pinpoint take the whole header value ≤ 320). */
export const MAX_DISPLAY_NAME_CHARS = 256;

// C0 controls and DEL, CR and LF among them: never part of an address.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
const CONTROL = /[\u0000-\u001f\u007f]/;

export interface Mailbox {
  /** local@domain as the SMTP envelope takes it. */
  address: string;
  /** The display name of `Name <local@domain>`, when one was given. */
  name?: string;
}

/**
 * Why `value` is not one mailbox, or undefined when it is. `displayName` allows `Name <addr>`
 * (a sender, a Reply-To); without it only the bare `local@domain` is accepted (a recipient).
 */
export function mailboxProblem(value: string, opts: { displayName: boolean }): string | undefined {
  const parsed = parseMailbox(value, opts);
  return typeof parsed === "string" ? parsed : undefined;
}

/** The one mailbox `value` holds, or a sentence saying why it does not hold exactly one. */
export function parseMailbox(value: string, opts: { displayName: boolean }): Mailbox | string {
  if (CONTROL.test(value)) return "it contains a control character (CR, LF, tab or another)";
  if (value.trim() === "") return "it is empty";
  const one = emailAddresses.parseOneAddress({ input: value, rfc6532: true, rejectTLD: true });
  if (!one) {
    const many = emailAddresses.parseAddressList({ input: value, rfc6532: true, rejectTLD: true });
    if (many && many.length > 1) return `it holds ${many.length} addresses; give exactly one`;
    return "it is not an email address (local@domain)";
  }
  if (one.type !== "mailbox") return "it is a group of addresses; give exactly one mailbox";
  const m = one as emailAddresses.ParsedMailbox;
  if ((m as { comments?: string }).comments) return "it contains a comment in parentheses";
  if (m.domain.startsWith("[")) return "its domain is an address literal; give a domain name";
  if (m.address.length > MAX_EMAIL_ADDRESS_CHARS)
    return `it is ${m.address.length} characters long; the limit is ${MAX_EMAIL_ADDRESS_CHARS}`;
  if (m.name === null) {
    // Only exactly `local@domain`, without surrounding blanks or quoting that parsing removed.
    if (m.address !== value) return "it is not exactly local@domain";
    return { address: m.address };
  }
  if (!opts.displayName) return "a recipient address is local@domain alone, without a display name";
  if (m.name.length > MAX_DISPLAY_NAME_CHARS) return `its display name is longer than ${MAX_DISPLAY_NAME_CHARS} characters`;
  return { address: m.address, name: m.name };
}

/** Why `value` is not one E.164 phone number, or undefined when it is. */
export function phoneNumberProblem(value: string): string | undefined {
  if (CONTROL.test(value)) return "it contains a control character (CR, LF, tab or another)";
  if (!/^\+[1-9]\d{1,14}$/.test(value)) return "it is not a phone number in E.164 format (for example +12065550100)";
  const parsed = parsePhoneNumberFromString(value);
  if (!parsed || parsed.number !== value || !parsed.isPossible())
    return "it is not a possible phone number for its country code (E.164, for example +12065550100)";
  return undefined;
}
