/** Serves pinrec's extension routes (see protocol/extension.ts): authenticate, call, answer JSON. */
import type { FastifyInstance } from "fastify";
import type { ExtensionRoute } from "../protocol/extension.js";
import { parseJsonBody } from "../protocol/input.js";
import { splitTarget, type Authenticator } from "./authenticate.js";

export function registerExtensionRoutes(app: FastifyInstance, routes: ExtensionRoute[], auth: Authenticator): void {
  for (const ext of routes) {
    const operation = ext.operation ?? `pinrec:${ext.method} ${ext.path}`;
    app.route({
      method: ext.method,
      url: ext.path,
      async handler(req, reply) {
        req.operationName = operation;
        const target = splitTarget(req.raw.url ?? "/");
        const tenant = auth.tenantOf(req, target, ext.signingName);
        const result = await ext.handler({
          tenant,
          requestId: String(req.id),
          params: req.params as Record<string, string>,
          query: target.query,
          body: parseJsonBody(req.body as Buffer | undefined),
        });
        return reply
          .code(result.status ?? 200)
          .headers({ "x-amzn-RequestId": String(req.id), "Access-Control-Allow-Origin": "*" })
          .type("application/json; charset=utf-8")
          .send(JSON.stringify(result.body));
      },
    });
  }
}
