/**
 * Email over SMTP through nodemailer: one pooled transport (a few kept-open connections, each
 * reused for many messages) for the whole server. The URL is nodemailer's connection URL:
 * `smtp://host:port` (STARTTLS when the server offers it), `smtps://host:465` (TLS from the
 * start), `user:pass@` for AUTH (percent-encode reserved characters), and query options such as
 * `?tls.rejectUnauthorized=false` or `?maxConnections=10`.
 */
import type { Transporter } from "nodemailer";
import type SMTPPool from "nodemailer/lib/smtp-pool/index.js";
import type Mail from "nodemailer/lib/mailer/index.js";
import { DeliveryError, type ChannelTransport, type OutboxMessage } from "./transport.js";

/** The envelope sender when the message names no `FromAddress`. */
export const DEFAULT_FROM_ADDRESS = "pinrec@localhost";

/** Accepts `smtp://` and `smtps://` URLs with a host; anything else is a configuration mistake. */
export function checkSmtpUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`not a URL: '${value}' (expected smtp://host:port or smtps://host:port)`);
  }
  if (url.protocol !== "smtp:" && url.protocol !== "smtps:") throw new Error(`'${url.protocol}' is not smtp: or smtps:`);
  if (!url.hostname) throw new Error("the SMTP URL names no host");
  return value;
}

export interface SmtpTransportOptions {
  /** Connections kept open to the server (nodemailer's pool `maxConnections`). */
  maxConnections?: number;
  /** How long a silent connection may stall a send before it counts as a transient failure. */
  socketTimeoutMs?: number;
}

export class SmtpTransport implements ChannelTransport {
  readonly name = "smtp";
  readonly channels = ["EMAIL"] as const;
  private readonly pool: SMTPPool.Options & { url: string };
  private mailer?: Promise<Transporter<SMTPPool.SentMessageInfo>>;

  constructor(url: string, options: SmtpTransportOptions = {}) {
    checkSmtpUrl(url);
    // Options given here apply where the URL does not set them.
    this.pool = {
      url,
      pool: true,
      maxConnections: options.maxConnections ?? 5,
      maxMessages: 100,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: options.socketTimeoutMs ?? 30_000,
    };
  }

  /** nodemailer is loaded on the first send, so servers and commands that never send email do not pay for it. */
  private transporter(): Promise<Transporter<SMTPPool.SentMessageInfo>> {
    this.mailer ??= import("nodemailer").then((m) => m.default.createTransport(this.pool));
    return this.mailer;
  }

  async send(m: OutboxMessage): Promise<void> {
    const email = m.message.email ?? {};
    const from = email.fromAddress ?? DEFAULT_FROM_ADDRESS;
    const envelope = { from, to: [m.message.address] };
    // The outbox's MessageId is the Message-ID, so every copy of a message is recognisably the same one.
    const mail: Mail.Options = email.raw
      ? { raw: email.raw, envelope }
      : {
          envelope,
          messageId: `<${m.messageId}@${from.split("@")[1] ?? "pinrec.local"}>`,
          from,
          to: m.message.address,
          ...(email.replyTo?.length && { replyTo: email.replyTo }),
          subject: email.subject ?? "",
          ...(email.html !== undefined && { html: email.html }),
          ...(email.text !== undefined && { text: email.text }),
          headers: [
            ...(email.headers ?? []).map((h) => ({ key: h.name, value: h.value })),
            { key: "X-Pinrec-Message-Id", value: m.messageId },
          ],
        };
    const mailer = await this.transporter();
    try {
      await mailer.sendMail(mail);
    } catch (err) {
      throw smtpError(err);
    }
  }

  async close(): Promise<void> {
    if (this.mailer) (await this.mailer).close();
  }
}

/**
 * Only the message itself can fail for good: a recipient, sender or message the server refuses
 * with a 5xx reply (RFC 5321 §4.2.1), or one nodemailer finds unsendable before asking. Everything
 * else (4xx replies, timeouts, connection, TLS and AUTH problems) may pass once the server or the
 * configuration is fixed, so it is retried.
 */
function smtpError(err: unknown): DeliveryError {
  const e = err as { message?: string; responseCode?: number; response?: string; code?: string };
  const aboutTheMessage = e.code === "EENVELOPE" || e.code === "EMESSAGE";
  const permanent = aboutTheMessage && (e.responseCode === undefined || (e.responseCode >= 500 && e.responseCode < 600));
  const reason = e.response ?? e.message ?? String(err);
  return new DeliveryError(e.code && !reason.includes(e.code) ? `${e.code}: ${reason}` : reason, permanent);
}
