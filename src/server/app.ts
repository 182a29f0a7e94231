/**
 * The HTTP front, assembled: Fastify set up for AWS clients, one catch-all route for the AWS APIs
 * (dispatch.ts), pinrec's own signed extensions (extension-routes.ts) and unsigned routes
 * (pinrec-routes.ts), every error rendered in the answering service's envelope, and one summary
 * line and the metrics per request.
 */
import { randomUUID } from "node:crypto";
import { STATUS_CODES } from "node:http";
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import type { OutboxReader } from "../pinpoint/messaging/delivery/outbox-reader.js";
import type { ServiceModule } from "../protocol/handler.js";
import type { ServiceModel } from "../protocol/model.js";
import { recordRequest } from "../observability/metrics.js";
import { ApiError, badRequest, internalError, payloadTooLarge } from "../shared/errors.js";
import type { Credential } from "./credentials.js";
import { codeFor, envelope } from "./envelope.js";
import { registerPinrecRoutes, type PinrecRouteOptions } from "./pinrec-routes.js";
import { registerConsoleRoutes, type ConsoleOptions } from "./console-routes.js";
import { outboxRoutes } from "./outbox-routes.js";
import { Authenticator } from "./authenticate.js";
import { awsDispatcher } from "./dispatch.js";
import { registerExtensionRoutes } from "./extension-routes.js";
import { registerTrackingRoutes, type TrackingRouteOptions } from "./tracking-routes.js";
import type { ExtensionRoute } from "../protocol/extension.js";
import { RateLimiter } from "./rate-limit.js";
import { LazyRequestLogger } from "./request-logger.js";
import { Router } from "./router.js";
import { SigV4Verifier } from "./sigv4.js";

export const MAX_BODY_BYTES = 7 * 1024 * 1024;

export type { ExtensionRoute } from "../protocol/extension.js";

export interface AppOptions {
  services: ServiceModule[];
  extensions?: ExtensionRoute[];
  credentials: Credential[];
  /** The server's logger (see logger.ts), which the services were given too. */
  logger: FastifyBaseLogger;
  /** Requests per second per account; undefined or 0 = unlimited. */
  rateLimit?: number;
  clockSkewMs?: number;
  /** pinrec's own routes: health check and Prometheus metrics. */
  pinrec?: PinrecRouteOptions;
  /** Serves `GET /_pinrec/outbox[/{MessageId}]` when given. */
  outbox?: OutboxReader;
  /** Accept any well-formed region in the SigV4 scope instead of AWS's published Regions only. */
  allowAnyRegion?: boolean;
  /** Serves the web console at `/_pinrec/console/` when given. */
  console?: ConsoleOptions;
  /** Serves the unauthenticated tracked-email routes under `/_pinrec/t/` when given. */
  tracking?: TrackingRouteOptions;
}

declare module "fastify" {
  interface FastifyRequest {
    operationName?: string;
    /** The answering API, for metrics (`pinpoint`, `personalize-runtime`, …, or `pinrec`). */
    serviceName?: string;
    /** Set for a JSON-protocol (X-Amz-Target) request, whose clients read `__type`/`message`. */
    jsonProtocol?: boolean;
    accountId?: string;
  }
}

type SendError = (req: FastifyRequest, reply: FastifyReply, err: ApiError) => unknown;

export function buildApp(opts: AppOptions): FastifyInstance {
  const router = new Router(opts.services.map((s) => s.model));
  const moduleFor = new Map(opts.services.map((s) => [s.model, s]));
  const verifier = new SigV4Verifier(opts.credentials, { maxSkewMs: opts.clockSkewMs, allowAnyRegion: opts.allowAnyRegion });
  const auth = new Authenticator(verifier, opts.rateLimit ? new RateLimiter(opts.rateLimit) : undefined);
  const sendError = errorSender(router, moduleFor, opts.services[0]);

  const app = createFastify(opts.logger, sendError);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer" }, (_req, body, done) => done(null, body));
  app.setErrorHandler((err, req, reply) => sendError(req, reply, apiErrorOf(err, req)));
  refuseWhileClosing(app, sendError);
  refuseDotSegments(app, sendError);
  summarizeRequests(app, router);

  registerPinrecRoutes(app, opts.pinrec ?? {}, auth);
  if (opts.console) registerConsoleRoutes(app, opts.console);
  if (opts.tracking) registerTrackingRoutes(app, opts.tracking);
  registerExtensionRoutes(app, [...(opts.extensions ?? []), ...(opts.outbox ? outboxRoutes(opts.outbox) : [])], auth);
  const dispatch = awsDispatcher(router, moduleFor, auth);
  app.route({ method: ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"], url: "*", handler: dispatch });
  // Methods outside that list (TRACE, PROPFIND, …) reach the same dispatch, which answers 404 or 405.
  app.setNotFoundHandler(dispatch);
  return app;
}

function createFastify(logger: FastifyBaseLogger, sendError: SendError): FastifyInstance {
  return Fastify({
    loggerInstance: logger,
    genReqId: () => randomUUID(),
    // One summary line per request (summarizeRequests) instead of Fastify's two.
    logController: new LogController({ requestIdLogLabel: "requestId", disableRequestLogging: true }),
    childLoggerFactory: (parent, bindings, options) => new LazyRequestLogger(parent, bindings, options),
    bodyLimit: MAX_BODY_BYTES,
    exposeHeadRoutes: false,
    // Refused by refuseWhileClosing instead, in the answering service's error envelope.
    return503OnClosing: false,
    // A client that goes quiet must not hold a connection (and a graceful shutdown) forever.
    requestTimeout: 120_000,
    routerOptions: { ignoreTrailingSlash: false, maxParamLength: 2048 },
    // Node would answer a request without Host with a bare 400; `dispatch` answers it in the envelope.
    http: { requireHostHeader: false },
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

/** Renders an ApiError in the answering service's envelope (Pinpoint's, or the JSON protocol's). */
function errorSender(router: Router, moduleFor: Map<ServiceModel, ServiceModule>, defaultModule: ServiceModule): SendError {
  /** The answering service's error style, found from the path even when no operation matched. */
  function styleFor(req: FastifyRequest) {
    // The Personalize style is the JSON protocol's `{"__type","message"}`.
    if (req.jsonProtocol) return "personalize";
    const service = router.serviceForPath(req.raw.url ?? "/");
    return (service ? moduleFor.get(service)! : defaultModule).errorStyle;
  }
  return (req, reply, err) => {
    const style = styleFor(req);
    const code = codeFor(style, err);
    const requestId = String(req.id);
    // A 501 is an operation pinrec does not serve, not a fault: a warning that names it.
    if (err.status === 501) req.log.warn({ code, operation: req.operationName }, `not implemented: ${err.message}`);
    else if (err.status >= 500) req.log.error({ code, operation: req.operationName }, "request failed");
    return reply
      .code(err.status)
      .headers({ ...err.headers, "x-amzn-ErrorType": code, "x-amzn-RequestId": requestId, "Access-Control-Allow-Origin": "*" })
      .type("application/json")
      .send(JSON.stringify(envelope(style, code, err.message, requestId)));
  };
}

/** Anything a handler or Fastify threw, as the error the client sees: a client's mistake is never a 500, and a fault shows no internals. */
function apiErrorOf(err: unknown, req: FastifyRequest): ApiError {
  if (err instanceof ApiError) return err;
  const e = err as { code?: string; statusCode?: number };
  if (e.code === "FST_ERR_CTP_BODY_TOO_LARGE") return payloadTooLarge(MAX_BODY_BYTES);
  if (typeof e.statusCode === "number" && e.statusCode >= 400 && e.statusCode < 500) {
    return badRequest(`The request could not be read: ${(err as Error).message}`);
  }
  req.log.error({ err }, "unexpected fault");
  return internalError();
}

/**
 * While shutting down, new requests (e.g. on a kept-alive connection) are refused cleanly and the
 * connection is closed, so clients retry elsewhere; requests already running finish.
 */
function refuseWhileClosing(app: FastifyInstance, sendError: SendError): void {
  let closing = false;
  app.addHook("onRequest", (req, reply, done) => {
    if (!closing || req.routeOptions.config?.duringShutdown) return done();
    reply.header("Connection", "close");
    void sendError(req, reply, new ApiError("ServiceUnavailableException", 503, "The server is shutting down; retry the request"));
  });
  app.addHook("preClose", (done) => {
    closing = true;
    done();
  });
}

/**
 * `.` and `..` path segments, raw or percent-encoded, are refused before any route sees the path:
 * SigV4 signs the path with them resolved, so `/_pinrec/apps/x/../y` would be a valid signature for
 * another resource than the one routed. The AWS routes refuse them in the router with the same
 * message; this covers pinrec's own routes (`/_pinrec/…`) too.
 */
function refuseDotSegments(app: FastifyInstance, sendError: SendError): void {
  app.addHook("onRequest", (req, reply, done) => {
    const url = req.raw.url ?? "/";
    const path = url.split("?", 1)[0];
    if (!path.includes(".")) return done();
    const dot = path.split("/").some((seg) => {
      let s = seg;
      if (s.includes("%")) {
        try {
          s = decodeURIComponent(s);
        } catch {
          return false;
        }
      }
      return s === "." || s === "..";
    });
    if (!dot) return done();
    void sendError(req, reply, badRequest("The request path must not contain '.' or '..' segments"));
  });
}

/** One log line and the request metrics per request. */
function summarizeRequests(app: FastifyInstance, router: Router): void {
  app.addHook("onResponse", (req, reply, done) => {
    // Through the server's logger with the request id first: the same line req.log would write,
    // without building req.log's child logger (see request-logger.ts).
    app.log.info(
      {
        requestId: req.id,
        method: req.method,
        url: req.raw.url,
        operation: req.operationName,
        account: req.accountId,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 100) / 100,
      },
      "request",
    );
    const service = req.serviceName ?? router.serviceForPath(req.raw.url ?? "/")?.name ?? "unknown";
    recordRequest(service, req.operationName ?? "unknown", reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
}
