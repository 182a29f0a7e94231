/**
 * The HTTP front, assembled: Fastify set up for AWS clients, with the lean front (aws-front.ts)
 * before it for AWS requests without a body, one catch-all route for the other AWS requests
 * (both answered by dispatch.ts), pinrec's own signed extensions (extension-routes.ts) and unsigned routes
 * (pinrec-routes.ts), every error rendered in the answering service's envelope, and one summary
 * line and the metrics per request.
 */
import { randomUUID } from "node:crypto";
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from "node:http";
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import type { LoggerOptions } from "pino";
import type { OutboxReader } from "../messaging/delivery/outbox-reader.js";
import type { ServiceModule } from "../protocol/handler.js";
import { ApiError, badRequest, payloadTooLarge } from "../shared/errors.js";
import { AwsFront } from "./aws-front.js";
import type { Credential } from "./credentials.js";
import { registerPinrecRoutes, type PinrecRouteOptions } from "./pinrec-routes.js";
import { outboxRoutes } from "./outbox-routes.js";
import { Authenticator } from "./authenticate.js";
import { AwsDispatcher, type RequestNotes } from "./dispatch.js";
import { writeReply } from "./reply.js";
import { registerExtensionRoutes } from "./extension-routes.js";
import type { ExtensionRoute } from "../protocol/extension.js";
import { RateLimiter } from "./rate-limit.js";
import { LazyRequestLogger } from "./request-logger.js";
import { RequestSummary } from "./request-summary.js";
import { Router } from "./router.js";
import { SigV4Verifier } from "./sigv4.js";

export const MAX_BODY_BYTES = 7 * 1024 * 1024;

export type { ExtensionRoute } from "../protocol/extension.js";

export interface AppOptions {
  services: ServiceModule[];
  extensions?: ExtensionRoute[];
  credentials: Credential[];
  logger?: LoggerOptions | false;
  /** Requests per second per account; undefined or 0 = unlimited. */
  rateLimit?: number;
  clockSkewMs?: number;
  /** pinrec's own routes: health check and Prometheus metrics. */
  pinrec?: PinrecRouteOptions;
  /** Serves `GET /_pinrec/outbox[/{MessageId}]` when given. */
  outbox?: OutboxReader;
  /** Accept any well-formed region in the SigV4 scope instead of AWS's published Regions only. */
  allowAnyRegion?: boolean;
}

declare module "fastify" {
  // What dispatch learns of a request Fastify answers is noted on the request itself.
  interface FastifyRequest extends RequestNotes {}
}

type SendError = (req: FastifyRequest, reply: FastifyReply, err: unknown) => unknown;
/** Answers a request outside Fastify, or returns false to leave it to Fastify. */
type LeanFront = (req: IncomingMessage, res: ServerResponse) => boolean;

export function buildApp(opts: AppOptions): FastifyInstance {
  const router = new Router(opts.services.map((s) => s.model));
  const verifier = new SigV4Verifier(opts.credentials, { maxSkewMs: opts.clockSkewMs, allowAnyRegion: opts.allowAnyRegion });
  const auth = new Authenticator(verifier, opts.rateLimit ? new RateLimiter(opts.rateLimit) : undefined);
  const dispatcher = new AwsDispatcher(router, opts.services, auth);
  const sendError = errorSender(dispatcher);
  const shutdown = { closing: false };
  let front: AwsFront | undefined;

  const app = createFastify(opts.logger, sendError, (req, res) => front?.handle(req, res) ?? false);
  const summary = new RequestSummary(app.log, router);
  front = new AwsFront(dispatcher, app.log, summary, () => shutdown.closing);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer" }, (_req, body, done) => done(null, body));
  app.setErrorHandler((err, req, reply) => sendError(req, reply, apiErrorOf(err)));
  refuseWhileClosing(app, sendError, shutdown);
  summarizeRequests(app, summary);

  registerPinrecRoutes(app, opts.pinrec ?? {}, auth);
  registerExtensionRoutes(app, [...(opts.extensions ?? []), ...(opts.outbox ? outboxRoutes(opts.outbox) : [])], auth);
  const dispatch = fastifyDispatch(dispatcher);
  app.route({ method: ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"], url: "*", handler: dispatch });
  // Methods outside that list (TRACE, PROPFIND, …) reach the same dispatch, which answers 404 or 405.
  app.setNotFoundHandler(dispatch);
  return app;
}

/** Renders a failure of a request Fastify answers in the answering service's envelope (AwsDispatcher.failure). */
function errorSender(dispatcher: AwsDispatcher): SendError {
  return (req, reply, err) => {
    const r = dispatcher.failure(req.raw.url ?? "/", req, err, String(req.id), req.log);
    return reply.code(r.status).headers(r.headers).send(r.body);
  };
}

/** The AWS APIs through Fastify: requests with a body, and any the lean front leaves (aws-front.ts). */
function fastifyDispatch(dispatcher: AwsDispatcher) {
  return async function dispatch(req: FastifyRequest, reply: FastifyReply) {
    const request = { method: req.method, url: req.raw.url ?? "/", headers: req.headers, body: req.body as Buffer | undefined, requestId: String(req.id), log: req.log };
    const answer = await dispatcher.answer(request, req);
    // Written in one piece; Fastify's onResponse hook (the summary line) still fires when it ends.
    reply.hijack();
    writeReply(reply.raw, answer);
  };
}

function createFastify(logger: LoggerOptions | false | undefined, sendError: SendError, leanFront: LeanFront): FastifyInstance {
  return Fastify({
    // Node's server, with the lean front (aws-front.ts) given each request before Fastify.
    serverFactory: (fastifyHandler) => {
      // Node would answer a request without Host with a bare 400; `dispatch` answers it in the envelope.
      const server = createServer({ requireHostHeader: false }, (req, res) => {
        if (!leanFront(req, res)) fastifyHandler(req, res);
      });
      // A client that goes quiet must not hold a connection (and a graceful shutdown) forever.
      server.requestTimeout = 120_000;
      // Fastify's default, longer than the usual load balancer's 60 s idle timeout.
      server.keepAliveTimeout = 72_000;
      return server;
    },
    logger: logger === undefined ? { level: "info" } : logger,
    genReqId: () => randomUUID(),
    // One summary line per request (summarizeRequests) instead of Fastify's two.
    logController: new LogController({ requestIdLogLabel: "requestId", disableRequestLogging: true }),
    childLoggerFactory: (parent, bindings, options) => new LazyRequestLogger(parent, bindings, options),
    bodyLimit: MAX_BODY_BYTES,
    exposeHeadRoutes: false,
    // Refused by refuseWhileClosing instead, in the answering service's error envelope.
    return503OnClosing: false,
    routerOptions: { ignoreTrailingSlash: false, maxParamLength: 2048 },
    // Requests Node cannot parse as HTTP (malformed request line, oversized headers) still get the
    // error envelope, and the connection is closed because its stream position is lost.
    clientErrorHandler: (err, socket) => {
      if (!socket.writable) return void socket.destroy();
      const status = (err as { code?: string }).code === "HPE_HEADER_OVERFLOW" ? 431 : 400;
      const requestId = randomUUID();
      const body = JSON.stringify({ Message: "The request could not be parsed as HTTP", RequestID: requestId });
      socket.end(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
          `Connection: close\r\nx-amzn-ErrorType: BadRequestException\r\nx-amzn-RequestId: ${requestId}\r\n\r\n${body}`,
      );
    },
    frameworkErrors: (err, req, reply) => {
      const apiErr = err.code === "FST_ERR_BAD_URL" ? badRequest("The request URL is malformed") : badRequest((err as Error).message);
      void sendError(req, reply, apiErr);
    },
  });
}

/** Fastify's own refusals of a request it could not read, as ApiErrors: a client's mistake is never a 500. Anything else passes on as a fault. */
function apiErrorOf(err: unknown): unknown {
  if (err instanceof ApiError) return err;
  const e = err as { code?: string; statusCode?: number };
  if (e.code === "FST_ERR_CTP_BODY_TOO_LARGE") return payloadTooLarge(MAX_BODY_BYTES);
  if (typeof e.statusCode === "number" && e.statusCode >= 400 && e.statusCode < 500) {
    return badRequest(`The request could not be read: ${(err as Error).message}`);
  }
  return err;
}

/**
 * While shutting down, new requests (e.g. on a kept-alive connection) are refused cleanly and the
 * connection is closed, so clients retry elsewhere; requests already running finish.
 */
function refuseWhileClosing(app: FastifyInstance, sendError: SendError, shutdown: { closing: boolean }): void {
  app.addHook("onRequest", (req, reply, done) => {
    if (!shutdown.closing || req.routeOptions.config?.duringShutdown) return done();
    reply.header("Connection", "close");
    void sendError(req, reply, new ApiError("ServiceUnavailableException", 503, "The server is shutting down; retry the request"));
  });
  app.addHook("preClose", (done) => {
    shutdown.closing = true;
    done();
  });
}

/** One log line and the request metrics for each request Fastify answers (the lean front records its own). */
function summarizeRequests(app: FastifyInstance, summary: RequestSummary): void {
  app.addHook("onResponse", (req, reply, done) => {
    summary.record({ requestId: String(req.id), method: req.method, url: req.raw.url ?? "/", notes: req, status: reply.statusCode, ms: reply.elapsedTime });
    done();
  });
}
