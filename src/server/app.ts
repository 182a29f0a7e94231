/**
 * The HTTP front: one Fastify catch-all route that routes by the AWS service models, verifies SigV4,
 * parses input, calls the service handler and renders AWS-shaped responses and errors.
 */
import { randomUUID } from "node:crypto";
import { STATUS_CODES } from "node:http";
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import type { LoggerOptions } from "pino";
import type { OutboxReader } from "../messaging/delivery/outbox-reader.js";
import type { ServiceModule } from "../protocol/handler.js";
import { parseInput, parseJsonBody } from "../protocol/input.js";
import type { Tenant } from "../store/types.js";
import { recordRequest } from "../observability/metrics.js";
import { ApiError, badRequest, internalError, methodNotAllowed, notFound, notImplemented, payloadTooLarge, tooManyRequests } from "../shared/errors.js";
import { verifyCounted } from "./auth-metrics.js";
import type { Credential } from "./credentials.js";
import { codeFor, envelope } from "./envelope.js";
import { registerPinrecRoutes, type PinrecRouteOptions } from "./pinrec-routes.js";
import { registerOutboxRoutes } from "./outbox-routes.js";
import { RateLimiter } from "./rate-limit.js";
import { LazyRequestLogger } from "./request-logger.js";
import { writeJson } from "./reply.js";
import { Router } from "./router.js";
import { SigV4Verifier } from "./sigv4.js";

export const MAX_BODY_BYTES = 7 * 1024 * 1024;

const CORS_ALLOW_HEADERS =
  "authorization, content-type, x-amz-date, x-amz-security-token, x-amz-user-agent, x-amz-content-sha256, amz-sdk-invocation-id, amz-sdk-request";

/**
 * A pinrec extension outside the AWS APIs, under `/_pinrec/…` (no AWS API uses it): signed with SigV4 like the AWS
 * operations (same credentials, the given signing name), answered with JSON, errors in the
 * Pinpoint error envelope.
 */
export interface ExtensionRoute {
  method: "GET" | "POST" | "DELETE";
  /** A Fastify path under `/_pinrec/`, e.g. `/_pinrec/apps/:applicationId/messages/preview`. */
  path: string;
  signingName: string;
  handler(ctx: { tenant: Tenant; requestId: string; params: Record<string, string>; query: URLSearchParams; body: unknown }): Promise<{ status?: number; body: unknown }>;
}

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
  interface FastifyRequest {
    operationName?: string;
    /** The answering API, for metrics (`pinpoint`, `personalize-runtime`, …, or `pinrec`). */
    serviceName?: string;
    /** Set for a JSON-protocol (X-Amz-Target) request, whose clients read `__type`/`message`. */
    jsonProtocol?: boolean;
    accountId?: string;
  }
}

export function buildApp(opts: AppOptions): FastifyInstance {
  const router = new Router(opts.services.map((s) => s.model));
  const moduleFor = new Map(opts.services.map((s) => [s.model, s]));
  const verifier = new SigV4Verifier(opts.credentials, { maxSkewMs: opts.clockSkewMs, allowAnyRegion: opts.allowAnyRegion });
  const limiter = opts.rateLimit ? new RateLimiter(opts.rateLimit) : undefined;
  const defaultModule = opts.services[0];
  let closing = false;

  const app = Fastify({
    logger: opts.logger === undefined ? { level: "info" } : opts.logger,
    genReqId: () => randomUUID(),
    // One summary line per request (the onResponse hook below) instead of Fastify's two.
    logController: new LogController({ requestIdLogLabel: "requestId", disableRequestLogging: true }),
    childLoggerFactory: (logger, bindings, options) => new LazyRequestLogger(logger, bindings, options),
    bodyLimit: MAX_BODY_BYTES,
    exposeHeadRoutes: false,
    // Refused below instead, in the answering service's error envelope.
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

  /** The answering service's error style, found from the path even when no operation matched. */
  function styleFor(req: FastifyRequest) {
    // The Personalize style is the JSON protocol's `{"__type","message"}`.
    if (req.jsonProtocol) return "personalize";
    const service = router.serviceForPath(req.raw.url ?? "/");
    return (service ? moduleFor.get(service)! : defaultModule).errorStyle;
  }

  function sendError(req: FastifyRequest, reply: FastifyReply, err: ApiError) {
    const style = styleFor(req);
    const code = codeFor(style, err);
    const requestId = String(req.id);
    if (err.status >= 500) req.log.error({ code }, "request failed");
    return reply
      .code(err.status)
      .headers({ ...err.headers, "x-amzn-ErrorType": code, "x-amzn-RequestId": requestId, "Access-Control-Allow-Origin": "*" })
      .type("application/json")
      .send(JSON.stringify(envelope(style, code, err.message, requestId)));
  }

  // While shutting down, new requests (e.g. on a kept-alive connection) are refused cleanly and the
  // connection is closed, so clients retry elsewhere; requests already running finish.
  app.addHook("onRequest", (req, reply, done) => {
    if (!closing || req.routeOptions.config?.duringShutdown) return done();
    reply.header("Connection", "close");
    void sendError(req, reply, new ApiError("ServiceUnavailableException", 503, "The server is shutting down; retry the request"));
  });
  app.addHook("preClose", (done) => {
    closing = true;
    done();
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer" }, (_req, body, done) => done(null, body));

  app.setErrorHandler((err, req, reply) => {
    if (err instanceof ApiError) return sendError(req, reply, err);
    const e = err as { code?: string; statusCode?: number };
    if (e.code === "FST_ERR_CTP_BODY_TOO_LARGE") return sendError(req, reply, payloadTooLarge(MAX_BODY_BYTES));
    if (typeof e.statusCode === "number" && e.statusCode >= 400 && e.statusCode < 500) {
      return sendError(req, reply, badRequest(`The request could not be read: ${(err as Error).message}`));
    }
    req.log.error({ err }, "unexpected fault");
    return sendError(req, reply, internalError());
  });

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

  async function dispatch(req: FastifyRequest, reply: FastifyReply) {
    // HTTP/1.1 requires Host (RFC 9112 §3.2), and SigV4 signs it.
    if (req.headers.host === undefined) throw badRequest("The request has no Host header; HTTP/1.1 requires one");
    const url = req.raw.url ?? "/";
    const q = url.indexOf("?");
    const rawPath = q === -1 ? url : url.slice(0, q);
    const query = new URLSearchParams(q === -1 ? "" : url.slice(q + 1));
    const match = router.match(req.method, rawPath);
    if (!match) {
      // A JSON-protocol AWS API pinrec does not serve, e.g. the Personalize control plane (`aws personalize list-campaigns`).
      const target = /^([A-Za-z0-9_]+)\.([A-Za-z0-9_]+)$/.exec(String(req.headers["x-amz-target"] ?? ""));
      // Not recorded as the operation: a client-chosen header must not create metric series.
      if (target && req.method === "POST") {
        req.jsonProtocol = true;
        throw notImplemented(target[2], `the ${target[1]} API`);
      }
      throw notFound(`No resource at ${req.method} ${rawPath}`);
    }
    req.serviceName = match.service.name;

    if (req.method === "OPTIONS") {
      // CORS preflight: answered by AWS's front end without authentication (spec §1.8).
      return reply
        .code(200)
        .headers({
          "Access-Control-Allow-Origin": "*",
          "Access-Control-Allow-Methods": [...new Set([...match.allowed, "OPTIONS"])].join(","),
          "Access-Control-Allow-Headers": CORS_ALLOW_HEADERS,
          "Access-Control-Max-Age": "86400",
          "x-amzn-RequestId": String(req.id),
        })
        .send();
    }
    const op = match.operation;
    if (!op) throw methodNotAllowed([...new Set(match.allowed)]);
    req.operationName = op.name;

    const body = req.body as Buffer | undefined;
    const principal = verifyCounted(verifier, { method: req.method, rawPath, query, headers: req.headers, body }, match.service.signingName);
    req.accountId = principal.accountId;
    if (limiter && !limiter.take(principal.accountId)) throw tooManyRequests();
    if (!op.implemented) throw notImplemented(op.name, `${match.service.title} (${match.service.name})`);

    const input = parseInput(op, match.labels, query, body);
    const module = moduleFor.get(match.service)!;
    const result = await module.handlers[op.name]({
      tenant: { accountId: principal.accountId, region: principal.region },
      requestId: String(req.id),
      log: req.log,
      input,
    });
    reply.hijack();
    writeJson(reply.raw, result.status ?? op.successCode, result.body, String(req.id));
  }

  registerPinrecRoutes(app, opts.pinrec ?? {}, verifier);
  for (const ext of opts.extensions ?? []) {
    app.route({
      method: ext.method,
      url: ext.path,
      async handler(req, reply) {
        const url = req.raw.url ?? "/";
        const q = url.indexOf("?");
        const rawPath = q === -1 ? url : url.slice(0, q);
        const query = new URLSearchParams(q === -1 ? "" : url.slice(q + 1));
        const body = req.body as Buffer | undefined;
        req.operationName = `pinrec:${ext.method} ${ext.path}`;
        const principal = verifyCounted(verifier, { method: req.method, rawPath, query, headers: req.headers, body }, ext.signingName);
        req.accountId = principal.accountId;
        if (limiter && !limiter.take(principal.accountId)) throw tooManyRequests();
        const result = await ext.handler({
          tenant: { accountId: principal.accountId, region: principal.region },
          requestId: String(req.id),
          params: req.params as Record<string, string>,
          query,
          body: parseJsonBody(body),
        });
        return reply
          .code(result.status ?? 200)
          .headers({ "x-amzn-RequestId": String(req.id), "Access-Control-Allow-Origin": "*" })
          .type("application/json; charset=utf-8")
          .send(JSON.stringify(result.body));
      },
    });
  }

  if (opts.outbox) registerOutboxRoutes(app, { outbox: opts.outbox, verifier, limiter });
  app.route({ method: ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"], url: "*", handler: dispatch });
  // Methods outside that list (TRACE, PROPFIND, …) reach the same dispatch, which answers 404 or 405.
  app.setNotFoundHandler(dispatch);

  return app;
}
