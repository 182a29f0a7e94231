/**
 * The AWS APIs' one route: find the operation from the service models, answer CORS preflights,
 * authenticate, parse the input against the operation's model, call the module's handler and write
 * the reply. Errors are thrown as `ApiError`s for the app's error handler to render.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import type { ServiceModule } from "../protocol/handler.js";
import { parseInput } from "../protocol/input.js";
import type { ServiceModel } from "../protocol/model.js";
import { badRequest, methodNotAllowed, notFound, notImplemented } from "../shared/errors.js";
import { splitTarget, type Authenticator } from "./authenticate.js";
import { writeJson } from "./reply.js";
import type { Router } from "./router.js";

const CORS_ALLOW_HEADERS =
  "authorization, content-type, x-amz-date, x-amz-security-token, x-amz-user-agent, x-amz-content-sha256, amz-sdk-invocation-id, amz-sdk-request";

export function awsDispatcher(router: Router, moduleFor: Map<ServiceModel, ServiceModule>, auth: Authenticator) {
  const byTarget = new Map([...moduleFor.keys()].filter((m) => m.jsonTarget !== undefined).map((m) => [m.jsonTarget!, m]));

  /** An awsJson1_1 request (`POST /`, `X-Amz-Target: Prefix.Operation`, the input as the JSON body). */
  async function dispatchJson(
    req: FastifyRequest,
    reply: FastifyReply,
    service: ServiceModel,
    opName: string,
    target: ReturnType<typeof splitTarget>,
  ) {
    req.jsonProtocol = true;
    req.serviceName = service.name;
    const op = service.operations.get(opName);
    // Unknown operation names are not recorded: a client-chosen header must not create metric series.
    if (!op) throw notImplemented(opName, `${service.title} (${service.name})`);
    req.operationName = op.name;
    const tenant = auth.tenantOf(req, target, service.signingName);
    if (!op.implemented) throw notImplemented(op.name, `${service.title} (${service.name})`);
    const input = parseInput(op, {}, new URLSearchParams(), req.body as Buffer | undefined);
    const result = await moduleFor.get(service)!.handlers[op.name]({ tenant, requestId: String(req.id), log: req.log, input });
    reply.hijack();
    writeJson(reply.raw, result.status ?? op.successCode, result.body, String(req.id));
  }

  return async function dispatch(req: FastifyRequest, reply: FastifyReply) {
    // HTTP/1.1 requires Host (RFC 9112 §3.2), and SigV4 signs it.
    if (req.headers.host === undefined) throw badRequest("The request has no Host header; HTTP/1.1 requires one");
    const target = splitTarget(req.raw.url ?? "/");
    const amzTargetHeader = /^([A-Za-z0-9_]+)\.([A-Za-z0-9_]+)$/.exec(String(req.headers["x-amz-target"] ?? ""));
    const jsonService = amzTargetHeader && req.method === "POST" ? byTarget.get(amzTargetHeader[1]) : undefined;
    if (jsonService && amzTargetHeader) return dispatchJson(req, reply, jsonService, amzTargetHeader[2], target);
    const match = router.match(req.method, target.rawPath);
    if (!match) {
      // A JSON-protocol AWS API pinrec does not serve, e.g. the Personalize control plane (`aws personalize list-campaigns`).
      const amzTarget = /^([A-Za-z0-9_]+)\.([A-Za-z0-9_]+)$/.exec(String(req.headers["x-amz-target"] ?? ""));
      // Not recorded as the operation: a client-chosen header must not create metric series.
      if (amzTarget && req.method === "POST") {
        req.jsonProtocol = true;
        throw notImplemented(amzTarget[2], `the ${amzTarget[1]} API`);
      }
      throw notFound(`No resource at ${req.method} ${target.rawPath}`);
    }
    req.serviceName = match.service.name;

    if (req.method === "OPTIONS") {
      // CORS preflight: answered by AWS's front end without authentication.
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

    const tenant = auth.tenantOf(req, target, match.service.signingName);
    if (!op.implemented) throw notImplemented(op.name, `${match.service.title} (${match.service.name})`);

    const input = parseInput(op, match.labels, target.query, req.body as Buffer | undefined);
    const result = await moduleFor.get(match.service)!.handlers[op.name]({ tenant, requestId: String(req.id), log: req.log, input });
    reply.hijack();
    writeJson(reply.raw, result.status ?? op.successCode, result.body, String(req.id));
  };
}
