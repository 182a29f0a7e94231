/**
 * Who a tenant may send as. Every message goes out through the operator's relay (`--smtp-url`)
 * under the `FromAddress` the tenant names, so without a check any account could send as any
 * domain, the operator's own included. Amazon Pinpoint sends only from identities verified in SES
 * ("Verifying email identities", Amazon SES Developer Guide); pinrec verifies nothing, so the
 * operator lists the senders tenants may use (`--allowed-senders`): domains (any address at that
 * domain) and whole addresses. Without the setting any sender is allowed, as before.
 */
import { parseMailbox } from "./addresses.js";

export interface SenderPolicy {
  /** Domains and addresses tenants may send from; undefined: any. Lower case. */
  allowed?: readonly string[];
}

const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Whether `entry` (lower case) is an entry of `--allowed-senders`: a domain name or one address. */
export function isSenderEntry(entry: string): boolean {
  return entry.includes("@") ? typeof parseMailbox(entry, { displayName: false }) !== "string" : DOMAIN.test(entry);
}

/**
 * Why `fromAddress` may not be used, or undefined when it may: it must be one mailbox (a display
 * name is allowed) and, when the operator lists senders, its address or its domain listed.
 */
export function senderProblem(fromAddress: string, policy: SenderPolicy = {}): string | undefined {
  const mailbox = parseMailbox(fromAddress, { displayName: true });
  if (typeof mailbox === "string") return mailbox;
  if (policy.allowed === undefined) return undefined;
  const address = mailbox.address.toLowerCase();
  const domain = address.slice(address.lastIndexOf("@") + 1);
  if (policy.allowed.includes(address) || policy.allowed.includes(domain)) return undefined;
  // The list itself is not shown: it names the senders of every account on this server.
  return `${mailbox.address} is not among the senders this server's operator allows (--allowed-senders)`;
}
