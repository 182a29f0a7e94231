/**
 * Which backend runs a configuration's `RecommendationTransformerUri`:
 *
 * - `local` (the default): a module in the functions directory, run in worker threads. A function
 *   that is not there is an error; nothing leaves the machine.
 * - `lambda`: AWS Lambda's Invoke API (AWS's endpoint for the region, or `--lambda-endpoint`).
 * - `auto`: the local function when the directory has one by that name, AWS Lambda otherwise.
 *
 * Without an explicit choice, setting a Lambda endpoint selects `auto`; otherwise `local`.
 */
import type { Tenant } from "../../../store/types.js";
import type { TransformerEvent, TransformerInvoker } from "../contracts.js";
import { FunctionNotFoundError } from "./errors.js";
import { LambdaInvoker, type LambdaInvokerOptions } from "./lambda.js";
import { LocalFunctionInvoker } from "./local.js";
import type { FunctionLogger } from "./worker-pool.js";
import type { TransformerBackend } from "./backends.js";

export { TRANSFORMER_BACKENDS, type TransformerBackend } from "./backends.js";

export interface TransformerOptions {
  backend?: TransformerBackend;
  functionsDir: string;
  lambdaEndpoint?: string;
  /** Local function worker threads and per-worker heap limit. */
  workers?: number;
  memoryMb?: number;
  /** Per attempt (default 15 s) and attempts per batch (default 3), for both backends. */
  timeoutMs?: number;
  attempts?: number;
  lambdaCredentials?: LambdaInvokerOptions["credentials"];
  /** Accounts besides the caller's whose Lambda functions tenants may name (`--allow-lambda-account`). */
  allowedLambdaAccounts?: readonly string[];
  /** Where local functions' `console` output goes (Lambda functions log to CloudWatch); default: this process's stdout and stderr. */
  functionLog?: FunctionLogger;
}

export function chooseBackend(options: Pick<TransformerOptions, "backend" | "lambdaEndpoint">): TransformerBackend {
  return options.backend ?? (options.lambdaEndpoint !== undefined ? "auto" : "local");
}

export class TransformerRouter implements TransformerInvoker {
  readonly backend: TransformerBackend;
  readonly local?: LocalFunctionInvoker;
  readonly lambda?: LambdaInvoker;

  constructor(options: TransformerOptions) {
    this.backend = chooseBackend(options);
    const shared = { timeoutMs: options.timeoutMs, attempts: options.attempts };
    if (this.backend !== "lambda") {
      this.local = new LocalFunctionInvoker({
        ...shared,
        functionsDir: options.functionsDir,
        workers: options.workers,
        memoryMb: options.memoryMb,
        log: options.functionLog,
      });
    }
    if (this.backend !== "local") {
      this.lambda = new LambdaInvoker({
        ...shared,
        endpoint: options.lambdaEndpoint,
        credentials: options.lambdaCredentials,
        allowedAccounts: options.allowedLambdaAccounts,
      });
    }
  }

  async invoke(tenant: Tenant, functionUri: string, event: TransformerEvent): Promise<unknown> {
    if (!this.local) return this.lambda!.invoke(tenant, functionUri, event);
    if (!this.lambda) return this.local.invoke(tenant, functionUri, event);
    try {
      return await this.local.invoke(tenant, functionUri, event);
    } catch (err) {
      if (!(err instanceof FunctionNotFoundError)) throw err;
      return this.lambda.invoke(tenant, functionUri, event);
    }
  }

  /** One line for the startup log. */
  describe(): string {
    const local = this.local && `local functions from ${this.local.functionsDir}`;
    const lambda = this.lambda && `AWS Lambda (${this.lambdaEndpointLabel()})`;
    return this.backend === "auto" ? `${local}, else ${lambda}` : (local ?? lambda)!;
  }

  async close(): Promise<void> {
    await Promise.all([this.local?.close(), this.lambda?.close()]);
  }

  private lambdaEndpointLabel(): string {
    return this.lambda?.endpoint ?? "AWS's endpoint for each region";
  }
}
