/**
 * The AWS APIs, answered independently of the HTTP framework that received the request: find the
 * operation from the service models, answer CORS preflights, authenticate, parse the input against
 * the operation's model and call the module's handler. Errors are thrown as `ApiError`s and rendered
 * by `errorReply` in the answering service's envelope. Two fronts feed it: the lean front for
 * requests without a body (aws-front.ts) and a Fastify route for the rest (app.ts).
 */
import type { IncomingHttpHeaders } from "node:http";
import type { FastifyBaseLogger } from "fastify";
import type { ServiceModule } from "../protocol/handler.js";
import { parseInput } from "../protocol/input.js";
import type { ServiceModel } from "../protocol/model.js";
import { ApiError, badRequest, internalError, methodNotAllowed, notFound, notImplemented } from "../shared/errors.js";
import { splitTarget, type Authenticator } from "./authenticate.js";
import { codeFor, envelope } from "./envelope.js";
import { jsonReply, type AwsReply } from "./reply.js";
import type { Router } from "./router.js";

const CORS_ALLOW_HEADERS =
  "authorization, content-type, x-amz-date, x-amz-security-token, x-amz-user-agent, x-amz-content-sha256, amz-sdk-invocation-id, amz-sdk-request";

/** What the request turned out to be, learnt while answering it: for the log line, the metrics and the error envelope. */
export interface RequestNotes {
  /** The answering API (`pinpoint`, `personalize-runtime`, …, or `pinrec`). */
  serviceName?: string;
  operationName?: string;
  /** Set for a JSON-protocol (X-Amz-Target) request, whose clients read `__type`/`message`. */
  jsonProtocol?: boolean;
  accountId?: string;
}

export interface AwsRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body?: Buffer;
  requestId: string;
  log: FastifyBaseLogger;
}

export class AwsDispatcher {
  private readonly moduleFor: Map<ServiceModel, ServiceModule>;
  /** Whose error style a path no service owns gets (Pinpoint's: the first module). */
  private readonly defaultModule: ServiceModule;

  constructor(
    private readonly router: Router,
    modules: ServiceModule[],
    private readonly auth: Authenticator,
  ) {
    this.moduleFor = new Map(modules.map((s) => [s.model, s]));
    this.defaultModule = modules[0];
  }

  async answer(req: AwsRequest, notes: RequestNotes): Promise<AwsReply> {
    // HTTP/1.1 requires Host (RFC 9112 §3.2), and SigV4 signs it.
    if (req.headers.host === undefined) throw badRequest("The request has no Host header; HTTP/1.1 requires one");
    const target = splitTarget(req.url);
    const match = this.router.match(req.method, target.rawPath);
    if (!match) {
      // A JSON-protocol AWS API pinrec does not serve, e.g. the Personalize control plane (`aws personalize list-campaigns`).
      const amzTarget = /^([A-Za-z0-9_]+)\.([A-Za-z0-9_]+)$/.exec(String(req.headers["x-amz-target"] ?? ""));
      // Not recorded as the operation: a client-chosen header must not create metric series.
      if (amzTarget && req.method === "POST") {
        notes.jsonProtocol = true;
        throw notImplemented(amzTarget[2], `the ${amzTarget[1]} API`);
      }
      throw notFound(`No resource at ${req.method} ${target.rawPath}`);
    }
    notes.serviceName = match.service.name;

    if (req.method === "OPTIONS") {
      // CORS preflight: answered by AWS's front end without authentication.
      const headers = {
        "Access-Control-Allow-Origin": "*",
        "Access-Control-Allow-Methods": [...new Set([...match.allowed, "OPTIONS"])].join(","),
        "Access-Control-Allow-Headers": CORS_ALLOW_HEADERS,
        "Access-Control-Max-Age": "86400",
        "x-amzn-RequestId": req.requestId,
      };
      return { status: 200, headers, body: "" };
    }
    const op = match.operation;
    if (!op) throw methodNotAllowed([...new Set(match.allowed)]);
    notes.operationName = op.name;

    const tenant = this.auth.tenantOf(req, notes, target, match.service.signingName);
    if (!op.implemented) throw notImplemented(op.name, `${match.service.title} (${match.service.name})`);

    const input = parseInput(op, match.labels, target.query, req.body);
    const handler = this.moduleFor.get(match.service)!.handlers[op.name];
    const result = await handler({ tenant, requestId: req.requestId, log: req.log, input });
    return jsonReply(result.status ?? op.successCode, result.body, req.requestId);
  }

  /**
   * What the client sees of a failure: an ApiError as it is; anything else is a fault, logged with
   * its stack and answered as a bare 500 that shows no internals.
   */
  failure(url: string, notes: RequestNotes, err: unknown, requestId: string, log: FastifyBaseLogger): AwsReply {
    let apiErr: ApiError;
    if (err instanceof ApiError) apiErr = err;
    else {
      log.error({ err }, "unexpected fault");
      apiErr = internalError();
    }
    const reply = this.errorReply(url, notes, apiErr, requestId);
    if (apiErr.status >= 500) log.error({ code: reply.headers["x-amzn-ErrorType"] }, "request failed");
    return reply;
  }

  /** An ApiError in the answering service's envelope (Pinpoint's, or the JSON protocol's), found from the path even when no operation matched. */
  errorReply(url: string, notes: RequestNotes, err: ApiError, requestId: string): AwsReply {
    // The Personalize style is the JSON protocol's `{"__type","message"}`.
    const service = notes.jsonProtocol ? undefined : this.router.serviceForPath(url);
    const style = notes.jsonProtocol ? "personalize" : (service ? this.moduleFor.get(service)! : this.defaultModule).errorStyle;
    const code = codeFor(style, err);
    const body = JSON.stringify(envelope(style, code, err.message, requestId));
    return {
      status: err.status,
      headers: {
        ...err.headers,
        "x-amzn-ErrorType": code,
        "x-amzn-RequestId": requestId,
        "Access-Control-Allow-Origin": "*",
        "content-type": "application/json; charset=utf-8",
        "content-length": Buffer.byteLength(body),
      },
      body,
    };
  }
}
