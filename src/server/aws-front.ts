/**
 * The lean front: an AWS request without a body (every Get, List and Delete, the hot read path) is
 * answered straight from Node's request and response, without Fastify's request, reply, hook and
 * content-type machinery, which cost such a request about as much as its SigV4 check and its store
 * read together. Everything else (requests with a body, which need Fastify's size-limited reading;
 * pinrec's own routes; any request while the server shuts down) is left to Fastify. Both fronts call
 * the same AwsDispatcher and write the same log line and metrics, so a client cannot tell them apart.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import type { FastifyBaseLogger } from "fastify";
import type { AwsDispatcher, RequestNotes } from "./dispatch.js";
import { writeReply } from "./reply.js";
import { LazyRequestLogger } from "./request-logger.js";
import type { RequestSummary } from "./request-summary.js";

export class AwsFront {
  constructor(
    private readonly dispatcher: AwsDispatcher,
    private readonly log: FastifyBaseLogger,
    private readonly summary: RequestSummary,
    private readonly isClosing: () => boolean,
  ) {}

  /** Answers the request if it is the lean front's; false leaves it to Fastify. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = req.url;
    if (url === undefined || !isAwsPath(url) || hasBody(req) || this.isClosing()) return false;
    const started = performance.now();
    const method = req.method ?? "GET";
    const requestId = randomUUID();
    const log = new LazyRequestLogger(this.log, { requestId }, {});
    const notes: RequestNotes = {};
    this.dispatcher
      .answer({ method, url, headers: req.headers, requestId, log }, notes)
      .catch((err: unknown) => this.dispatcher.failure(url, notes, err, requestId, log))
      .then((reply) => {
        writeReply(res, reply);
        this.summary.record({ requestId, method, url, notes, status: reply.status, ms: performance.now() - started });
      })
      .catch((err: unknown) => {
        // Only writing can fail here (the socket is gone): nothing is left to answer.
        log.error({ err }, "the reply could not be written");
        res.destroy();
      });
    return true;
  }
}

/** pinrec's own routes (`/_pinrec/…`, `/metrics`) are Fastify's; every other path is an AWS API's. */
function isAwsPath(url: string): boolean {
  if (url.startsWith("/_pinrec/")) return false;
  return !(url.startsWith("/metrics") && (url.length === 8 || url[8] === "?"));
}

/** Whether the request carries a body (RFC 9112 §6.3: a Content-Length other than 0, or a Transfer-Encoding). */
function hasBody(req: IncomingMessage): boolean {
  const length = req.headers["content-length"];
  return req.headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0");
}
