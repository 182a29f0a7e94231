import type { FastifyBaseLogger } from "fastify";
import type { Tenant } from "../store/types.js";
/** How a service shapes error bodies (see server/envelope.ts). */
export type ErrorStyle = "pinpoint" | "personalize";
import type { Input } from "./input.js";
import type { ServiceModel } from "./model.js";

export interface RequestContext {
  tenant: Tenant;
  requestId: string;
  log: FastifyBaseLogger;
  input: Input;
}

export interface HandlerResult {
  /** Defaults to the operation's modelled success code. */
  status?: number;
  body: unknown;
}

export type Handler = (ctx: RequestContext) => Promise<HandlerResult>;

/** One served AWS API: its model, how it shapes errors, and a handler per implemented operation. */
export interface ServiceModule {
  model: ServiceModel;
  errorStyle: ErrorStyle;
  handlers: Record<string, Handler>;
}

/**
 * A module's handlers, each typed with its operation's SDK input (`Ops` maps operation name →
 * e.g. `GetSegmentRequest`), so handlers read members without casts. Required members are
 * present (parseInput refuses a request without them) though the SDK types them as optional.
 */
export function handlersOf<Ops>(handlers: { [Op in keyof Ops]: (ctx: Omit<RequestContext, "input"> & { input: Ops[Op] }) => Promise<HandlerResult> }): Record<string, Handler> {
  return handlers as unknown as Record<string, Handler>;
}
