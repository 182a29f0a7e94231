/**
 * A real SMTP server (smtp-server) on loopback for delivery tests. It counts a message only once
 * it has answered 250 to it, by Message-ID, and can hold messages before that answer (a slow or
 * paused server), reject recipients, or require AUTH.
 */
import { SMTPServer, type SMTPServerSession } from "smtp-server";

export interface CaughtMail {
  messageId: string;
  from: string;
  to: string[];
  raw: string;
  user?: string;
}

export interface SmtpCatcherOptions {
  auth?: { user: string; pass: string };
  /** An SMTP reply code (e.g. 451, 550) to reject a recipient with, or undefined to accept it. */
  rejectRecipient?: (address: string) => number | undefined;
}

export interface SmtpCatcher {
  url: string;
  port: number;
  /** Messages answered 250, in order. */
  mails: CaughtMail[];
  /** DATA commands received, including held and later abandoned ones. */
  received: number;
  /** Messages currently held before their 250. */
  held(): number;
  /** Hold each next message (after its DATA is received, before answering) until `release`. */
  hold(): void;
  release(): void;
  /** How many times each Message-ID was accepted. */
  counts(): Map<string, number>;
  waitFor(pred: () => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export function messageIdOf(raw: string): string {
  const m = /^message-id:\s*<([^>]+)>/im.exec(raw);
  return m ? m[1] : "";
}

export async function startSmtpCatcher(opts: SmtpCatcherOptions = {}): Promise<SmtpCatcher> {
  const mails: CaughtMail[] = [];
  let holding = false;
  const waiting: { session: SMTPServerSession; accept: () => void }[] = [];
  const closed = new Set<string>();
  let received = 0;

  const server = new SMTPServer({
    disabledCommands: opts.auth ? ["STARTTLS"] : ["STARTTLS", "AUTH"],
    authOptional: !opts.auth,
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, cb) {
      if (opts.auth && auth.username === opts.auth.user && auth.password === opts.auth.pass) return cb(null, { user: auth.username });
      cb(Object.assign(new Error("Invalid username or password"), { responseCode: 535 }));
    },
    onRcptTo(address, _session, cb) {
      const code = opts.rejectRecipient?.(address.address);
      if (code === undefined) return cb();
      cb(Object.assign(new Error(`${code === 550 ? "No such user" : "Try again later"}: ${address.address}`), { responseCode: code }));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        received++;
        const raw = Buffer.concat(chunks).toString("utf8");
        const accept = () => {
          // A connection that closed before the 250 never got it: the client still owns the message.
          if (closed.has(session.id)) return;
          mails.push({
            messageId: messageIdOf(raw),
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
            to: session.envelope.rcptTo.map((r) => r.address),
            raw,
            user: typeof session.user === "string" ? session.user : undefined,
          });
          cb();
        };
        if (holding) waiting.push({ session, accept });
        else accept();
      });
    },
    onClose(session) {
      closed.add(session.id);
    },
  });
  server.on("error", () => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.server.address() as { port: number }).port;
  const auth = opts.auth ? `${encodeURIComponent(opts.auth.user)}:${encodeURIComponent(opts.auth.pass)}@` : "";

  const catcher: SmtpCatcher = {
    url: `smtp://${auth}127.0.0.1:${port}`,
    port,
    mails,
    get received() {
      return received;
    },
    held: () => waiting.filter((w) => !closed.has(w.session.id)).length,
    hold() {
      holding = true;
    },
    release() {
      holding = false;
      for (const w of waiting.splice(0)) w.accept();
    },
    counts() {
      const m = new Map<string, number>();
      for (const mail of mails) m.set(mail.messageId, (m.get(mail.messageId) ?? 0) + 1);
      return m;
    },
    async waitFor(pred, timeoutMs = 15_000) {
      const end = Date.now() + timeoutMs;
      while (!pred()) {
        if (Date.now() > end)
          throw new Error(`condition not met within ${timeoutMs} ms (${mails.length} mails caught, ${received} received)`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close() {
      holding = false;
      waiting.splice(0);
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return catcher;
}
