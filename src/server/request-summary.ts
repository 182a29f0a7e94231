/** One log line and the request metrics per request, written the same way by both fronts. */
import type { FastifyBaseLogger } from "fastify";
import { recordRequest } from "../observability/metrics.js";
import type { RequestNotes } from "./dispatch.js";
import type { Router } from "./router.js";

export interface AnsweredRequest {
  requestId: string;
  method: string;
  url: string;
  notes: RequestNotes;
  status: number;
  ms: number;
}

export class RequestSummary {
  constructor(
    private readonly log: FastifyBaseLogger,
    private readonly router: Router,
  ) {}

  record(r: AnsweredRequest): void {
    // Through the server's logger with the request id first: the same line the request's child
    // logger would write, without building it (see request-logger.ts).
    const line = { requestId: r.requestId, method: r.method, url: r.url, operation: r.notes.operationName, account: r.notes.accountId, status: r.status, ms: Math.round(r.ms * 100) / 100 };
    this.log.info(line, "request");
    const service = r.notes.serviceName ?? this.router.serviceForPath(r.url)?.name ?? "unknown";
    recordRequest(service, r.notes.operationName ?? "unknown", r.status, r.ms / 1000);
  }
}
