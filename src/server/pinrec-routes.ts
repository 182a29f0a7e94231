/**
 * pinrec's own routes beside the AWS APIs: `GET /_pinrec/health` (unsigned, like LocalStack's
 * `/_localstack/health`) and `GET /metrics` (Prometheus text format). They answer outside the AWS
 * routing, so an unknown AWS path never shadows them; errors still use the AWS error envelope.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { HealthMonitor } from "./health.js";
import { enableProcessMetrics, registry } from "../observability/metrics.js";
import { metricsText } from "../observability/cluster-metrics.js";
import { splitTarget, type Authenticator } from "./authenticate.js";
import type { MetricsMode } from "./metrics-mode.js";

export { METRICS_MODES, type MetricsMode } from "./metrics-mode.js";

/** The SigV4 service name a signed `/metrics` scrape is scoped to (`curl --aws-sigv4 aws:amz:REGION:pinrec`). */
export const METRICS_SIGNING_NAME = "pinrec";

export interface PinrecRouteOptions {
  health?: HealthMonitor;
  metrics?: MetricsMode;
}

declare module "fastify" {
  interface FastifyContextConfig {
    /** Answered even while the server drains (the health check reports the drain itself). */
    duringShutdown?: boolean;
  }
}

export function registerPinrecRoutes(app: FastifyInstance, opts: PinrecRouteOptions, auth: Authenticator): void {
  const health = opts.health;
  if (health) {
    app.addHook("preClose", (done) => {
      health.draining = true;
      done();
    });
    const answer = async (req: FastifyRequest, reply: FastifyReply) => {
      req.serviceName = "pinrec";
      req.operationName = "Health";
      const report = await health.report();
      if (report.status !== "ready") reply.header("Retry-After", "1");
      // A draining server also asks the client to close its connection, as every reply does then.
      if (report.status === "draining") reply.header("Connection", "close");
      return reply
        .code(report.status === "ready" ? 200 : 503)
        .header("Cache-Control", "no-store")
        .type("application/json")
        .send(JSON.stringify(report));
    };
    // HEAD too: some load balancers probe with it and read only the status.
    app.route({ method: ["GET", "HEAD"], url: "/_pinrec/health", config: { duringShutdown: true }, handler: answer });
  }

  const mode = opts.metrics ?? "on";
  if (mode === "off") return;
  enableProcessMetrics();
  app.get("/metrics", async (req: FastifyRequest, reply) => {
    req.serviceName = "pinrec";
    req.operationName = "Metrics";
    // A scrape is not rate limited: monitoring must see an account that is being throttled.
    if (mode === "signed") auth.tenantOf(req, splitTarget(req.raw.url ?? "/metrics"), METRICS_SIGNING_NAME, { rateLimited: false });
    const text = await metricsText(); // every worker's figures under `serve --workers`
    return reply.code(200).header("Cache-Control", "no-store").type(registry.contentType).send(text);
  });
}
