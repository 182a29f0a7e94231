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

/** Values the input parser hands over as they are: scalars, and the SDK's Date and blob types. */
type Leaf = string | number | boolean | bigint | null | undefined | Date | Uint8Array;

/**
 * An SDK input type as parseInput delivers it. The SDK types a member the service model requires as
 * `Member: T | undefined` (required key, optional value) and any other as `Member?: T`; parseInput
 * (input.ts) refuses a request missing a required member, at every depth of the body, so here a
 * required member's value is present, all the way down.
 */
export type Present<T> = T extends Leaf
  ? T
  : T extends readonly (infer E)[]
    ? Present<E>[]
    : { [K in keyof T]: Partial<Pick<T, K>> extends Pick<T, K> ? Present<T[K]> : Present<Exclude<T[K], undefined>> };

/**
 * A module's handlers, each typed with its operation's SDK input (`Ops` maps operation name →
 * e.g. `GetSegmentRequest`) with the members the service model requires present (`Present`), so
 * handlers read members without casts or non-null assertions.
 */
export function handlersOf<Ops>(
  handlers: { [Op in keyof Ops]: (ctx: Omit<RequestContext, "input"> & { input: Present<Ops[Op]> }) => Promise<HandlerResult> },
): Record<string, Handler> {
  return handlers as unknown as Record<string, Handler>;
}
