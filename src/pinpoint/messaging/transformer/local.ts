/**
 * Local transformer functions: the embedded stand-in for AWS Lambda. A configuration's
 * `RecommendationTransformerUri` (a function name or Lambda ARN) names a module in the functions
 * directory, `DIR/NAME.mjs`, `DIR/NAME/index.mjs` or `DIR/NAME/index.js` (an unzipped Lambda
 * deployment package), exporting `handler` as for Lambda's Node.js runtime. The ARN's region,
 * account and qualifier do not change which file runs: a directory holds one version of each function.
 *
 * Functions run in worker threads (see FunctionWorkerPool), never on the server's event loop. They
 * are trusted code, like plugins: threads isolate their time and heap, not their access to the
 * file system or network.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { stat } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { join, resolve } from "node:path";
import type { Tenant } from "../../../store/types.js";
import type { TransformerEvent, TransformerInvoker } from "../contracts.js";
import { DEFAULT_ATTEMPTS, DEFAULT_TIMEOUT_MS, FunctionNotFoundError, withAttempts } from "./errors.js";
import { functionArn, parseFunctionUri, type FunctionRef } from "./function-ref.js";
import { decodeResult, encodeEvent } from "./payload.js";
import { FunctionWorkerPool, type FunctionLogger, type InvocationContext } from "./worker-pool.js";

export interface LocalFunctionOptions {
  functionsDir: string;
  /** Worker threads (default: the core count, between 2 and 8). */
  workers?: number;
  /** Heap limit per worker in MB (default 256). */
  memoryMb?: number;
  timeoutMs?: number;
  /** Starting a worker and loading the module (default 10 s, Lambda's init limit). */
  initTimeoutMs?: number;
  attempts?: number;
  /** Where functions' `console` output goes, tagged with the function and request id (default: stdout/stderr). */
  log?: FunctionLogger;
}

export const DEFAULT_FUNCTION_MEMORY_MB = 256;
export const DEFAULT_INIT_TIMEOUT_MS = 10_000;

export function defaultFunctionWorkers(): number {
  return Math.min(8, Math.max(2, availableParallelism()));
}

/** The files a function name may live in, in the order they are looked for. */
const CANDIDATES = (name: string) => [`${name}.mjs`, join(name, "index.mjs"), join(name, "index.js")];

export interface LocalFunctionFile {
  path: string;
  /** Changes when the file is modified (modification time and size). */
  version: string;
}

export class LocalFunctionInvoker implements TransformerInvoker {
  readonly functionsDir: string;
  private readonly pool: FunctionWorkerPool;
  private readonly attempts: number;
  /** Log stream names are per worker in Lambda; one per invoker is close enough for functions that log them. */
  private readonly logStream = randomBytes(16).toString("hex");

  constructor(options: LocalFunctionOptions) {
    this.functionsDir = resolve(options.functionsDir);
    this.attempts = options.attempts ?? DEFAULT_ATTEMPTS;
    this.pool = new FunctionWorkerPool({
      size: options.workers ?? defaultFunctionWorkers(),
      memoryMb: options.memoryMb ?? DEFAULT_FUNCTION_MEMORY_MB,
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      initTimeoutMs: options.initTimeoutMs ?? DEFAULT_INIT_TIMEOUT_MS,
    });
    if (options.log) this.log = options.log;
  }

  /** Where functions' `console` output goes, tagged with the function and request id (default: stdout/stderr). */
  set log(logger: FunctionLogger) {
    this.pool.log = logger;
  }

  /** Worker threads currently alive. */
  get workerCount(): number {
    return this.pool.workerCount;
  }

  /** The file a function name resolves to, or undefined when the functions directory has none. */
  async find(ref: FunctionRef): Promise<LocalFunctionFile | undefined> {
    for (const candidate of CANDIDATES(ref.name)) {
      const path = join(this.functionsDir, candidate);
      const info = await stat(path).catch(() => undefined);
      if (info?.isFile()) return { path, version: `${info.mtimeMs}-${info.size}` };
    }
    return undefined;
  }

  async invoke(tenant: Tenant, functionUri: string, event: TransformerEvent): Promise<unknown> {
    const ref = parseFunctionUri(functionUri);
    const label = `Transformer '${functionUri}'`;
    const payload = encodeEvent(label, event);
    return withAttempts(this.attempts, async () => {
      const file = await this.find(ref);
      if (!file) {
        throw new FunctionNotFoundError(
          `${label} not found: no ${CANDIDATES(ref.name).join(", ")} in the functions directory ${this.functionsDir}`,
        );
      }
      const body = await this.pool.run({ label, path: file.path, version: file.version, payload, context: this.context(tenant, ref) });
      return decodeResult(label, body);
    });
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  private context(tenant: Tenant, ref: FunctionRef): InvocationContext {
    const arn = functionArn(ref, tenant.region, tenant.accountId);
    const day = new Date().toISOString().slice(0, 10).replaceAll("-", "/");
    return {
      functionName: ref.name,
      functionVersion: ref.qualifier !== undefined && /^\d+$/.test(ref.qualifier) ? ref.qualifier : "$LATEST",
      invokedFunctionArn: ref.qualifier !== undefined ? `${arn}:${ref.qualifier}` : arn,
      memoryLimitInMB: String(this.pool.options.memoryMb),
      awsRequestId: randomUUID(),
      logGroupName: `/aws/lambda/${ref.name}`,
      logStreamName: `${day}/[$LATEST]${this.logStream}`,
    };
  }
}
