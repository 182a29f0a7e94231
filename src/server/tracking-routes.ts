/**
 * The tracked email routes, unauthenticated (a recipient's mail client follows them) and cheap:
 *
 * - `GET /_pinrec/t/c/{message}/{index}/{url}/{signature}`: a click, answered 302 to the exact
 *   original URL;
 * - `GET /_pinrec/t/o/{message}/{signature}.gif`: the open pixel;
 * - `GET|POST /_pinrec/t/u/{message}/{signature}`: unsubscribe (one-click POST as RFC 8058's
 *   `List-Unsubscribe-Post` sends it), which opts the endpoint out of every message (`OptOut: ALL`).
 *
 * A tampered or unknown token is a 404 with nothing recorded; a source over its rate gets a 429.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { EngagementService } from "../pinpoint/engagement/service.js";
import type { EngagementMessage } from "../store/engagement-events.js";
import { TRACKING_PREFIX } from "../pinpoint/engagement/tracking-links.js";
import { DEFAULT_TRACKING_RATE_LIMIT } from "../pinpoint/engagement/defaults.js";

export interface TrackingRouteOptions {
  engagement: EngagementService;
  /** Sets the endpoint's OptOut to ALL. */
  optOut(message: EngagementMessage): Promise<void>;
  /** Requests per second per source address. */
  ratePerSecond?: number;
}

// A 1×1 transparent GIF.
const PIXEL = Buffer.from("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7", "base64");
const MAX_SOURCES = 100_000;

/** Token buckets per source address, forgotten wholesale when too many sources are tracked. */
class SourceLimiter {
  private buckets = new Map<string, { tokens: number; at: number }>();
  constructor(
    private readonly perSecond: number,
    private readonly burst = perSecond * 4,
  ) {}

  take(source: string): boolean {
    const t = performance.now();
    let b = this.buckets.get(source);
    if (!b) {
      if (this.buckets.size >= MAX_SOURCES) this.buckets = new Map();
      b = { tokens: this.burst, at: t };
      this.buckets.set(source, b);
    }
    b.tokens = Math.min(this.burst, b.tokens + ((t - b.at) / 1000) * this.perSecond);
    b.at = t;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}

const notFound = (reply: FastifyReply) => reply.code(404).type("text/plain; charset=utf-8").send("Not Found");

export function registerTrackingRoutes(app: FastifyInstance, opts: TrackingRouteOptions): void {
  const limiter = new SourceLimiter(opts.ratePerSecond ?? DEFAULT_TRACKING_RATE_LIMIT);
  const { engagement } = opts;
  const limited = (req: FastifyRequest, reply: FastifyReply, operation: string): boolean => {
    req.serviceName = "pinrec";
    req.operationName = operation;
    if (limiter.take(req.ip)) return false;
    void reply.code(429).header("Retry-After", "1").type("text/plain; charset=utf-8").send("Too Many Requests");
    return true;
  };

  app.get(`${TRACKING_PREFIX}/c/:message/:index/:url/:signature`, async (req, reply) => {
    if (limited(req, reply, "TrackClick")) return reply;
    const p = req.params as { message: string; index: string; url: string; signature: string };
    const index = /^\d{1,6}$/.test(p.index) ? Number(p.index) : -1;
    const location = index < 0 ? undefined : await engagement.click(p.message, index, p.url, p.signature);
    if (location === undefined) return notFound(reply);
    return reply.code(302).header("Location", location).header("Cache-Control", "no-store").send();
  });

  app.get(`${TRACKING_PREFIX}/o/:message/:file`, async (req, reply) => {
    if (limited(req, reply, "TrackOpen")) return reply;
    const p = req.params as { message: string; file: string };
    if (!p.file.endsWith(".gif") || !(await engagement.open(p.message, p.file.slice(0, -4)))) return notFound(reply);
    return reply.code(200).header("Cache-Control", "no-store").type("image/gif").send(PIXEL);
  });

  app.route({
    method: ["GET", "POST"],
    url: `${TRACKING_PREFIX}/u/:message/:signature`,
    async handler(req, reply) {
      if (limited(req, reply, "Unsubscribe")) return reply;
      const p = req.params as { message: string; signature: string };
      if (!(await engagement.unsubscribe(p.message, p.signature, opts.optOut))) return notFound(reply);
      return reply
        .code(200)
        .header("Cache-Control", "no-store")
        .type("text/html; charset=utf-8")
        .send("<!doctype html><title>Unsubscribed</title><p>You are unsubscribed and will receive no more messages.</p>");
    },
  });
}
