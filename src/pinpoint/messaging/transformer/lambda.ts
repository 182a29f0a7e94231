/**
 * Transformers in AWS Lambda, through the Invoke API (`RequestResponse`), as Amazon Pinpoint calls
 * them: the function in the project's region unless its ARN names another, credentials from the
 * standard AWS provider chain, `--lambda-endpoint` for anything that speaks Lambda's API (LocalStack,
 * a proxy). The SDK's own retries are off; attempts follow the same rules as local functions.
 * The server's identity is not lent out: a function is always invoked by its full ARN, whose
 * account is the caller's (a bare name is the caller's function) or one the operator allows.
 * The SDK loads on the first invocation, so servers that never call Lambda start without it.
 */
import type { InvokeCommandOutput, LambdaClient, LambdaClientConfig } from "@aws-sdk/client-lambda";
import type { Tenant } from "../../../store/types.js";
import type { TransformerEvent, TransformerInvoker } from "../contracts.js";
import { DEFAULT_ATTEMPTS, DEFAULT_TIMEOUT_MS, FunctionNotFoundError, TransformerError, withAttempts } from "./errors.js";
import { functionArn, parseFunctionUri, type FunctionRef } from "./function-ref.js";
import { accountAllowed } from "../../../shared/foreign-resources.js";
import { decodeResult, encodeEvent } from "./payload.js";

export interface LambdaInvokerOptions {
  /** Lambda API endpoint URL; default: AWS's endpoint for the region. */
  endpoint?: string;
  timeoutMs?: number;
  attempts?: number;
  /** Default: the standard AWS credential provider chain. */
  credentials?: LambdaClientConfig["credentials"];
  /** Accounts besides the caller's whose functions may be invoked (`--allow-lambda-account`). */
  allowedAccounts?: readonly string[];
}

/** Client errors that another attempt can cure: throttling and request timeouts. */
const RETRYABLE_CLIENT_ERRORS = new Set([
  "TooManyRequestsException",
  "EC2ThrottledException",
  "ResourceNotReadyException",
  "ResourceConflictException",
]);

export class LambdaInvoker implements TransformerInvoker {
  readonly endpoint?: string;
  private readonly clients = new Map<string, LambdaClient>();
  private sdk?: Promise<typeof import("@aws-sdk/client-lambda")>;
  private readonly timeoutMs: number;
  private readonly attempts: number;

  constructor(private readonly options: LambdaInvokerOptions = {}) {
    this.endpoint = options.endpoint;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.attempts = options.attempts ?? DEFAULT_ATTEMPTS;
  }

  async invoke(tenant: Tenant, functionUri: string, event: TransformerEvent): Promise<unknown> {
    const ref = parseFunctionUri(functionUri);
    const label = `Transformer '${functionUri}'`;
    const account = ref.accountId ?? tenant.accountId;
    if (!accountAllowed(tenant, account, this.options.allowedAccounts)) {
      throw new TransformerError(
        `${label} is a function of account ${account}, not of the caller's account ${tenant.accountId}: pinrec invokes only the caller's functions and those of accounts its operator allows (--allow-lambda-account)`,
        false,
      );
    }
    const payload = Buffer.from(encodeEvent(label, event));
    return withAttempts(this.attempts, async () => {
      const output = await this.send(label, ref, tenant, payload);
      const body = Buffer.from(output.Payload ?? new Uint8Array()).toString("utf8");
      if (output.FunctionError) throw functionError(label, body);
      return decodeResult(label, body);
    });
  }

  async close(): Promise<void> {
    for (const client of this.clients.values()) client.destroy();
    this.clients.clear();
  }

  private async client(region: string): Promise<{ client: LambdaClient; sdk: typeof import("@aws-sdk/client-lambda") }> {
    this.sdk ??= import("@aws-sdk/client-lambda");
    const sdk = await this.sdk;
    let client = this.clients.get(region);
    if (!client) {
      client = new sdk.LambdaClient({
        region,
        ...(this.options.endpoint !== undefined && { endpoint: this.options.endpoint }),
        ...(this.options.credentials !== undefined && { credentials: this.options.credentials }),
        maxAttempts: 1,
        requestHandler: { connectionTimeout: Math.min(this.timeoutMs, 5_000), requestTimeout: this.timeoutMs, throwOnRequestTimeout: true },
      });
      this.clients.set(region, client);
    }
    return { client, sdk };
  }

  private async send(label: string, ref: FunctionRef, tenant: Tenant, payload: Buffer): Promise<InvokeCommandOutput> {
    // The whole exchange, not only each socket read, is bounded by Pinpoint's 15 seconds.
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), this.timeoutMs);
    try {
      const { client, sdk } = await this.client(ref.region ?? tenant.region);
      return await client.send(
        new sdk.InvokeCommand({
          // The full ARN: a bare name would otherwise be looked up in the server's own account.
          FunctionName: functionArn(ref, ref.region ?? tenant.region, tenant.accountId),
          ...(ref.qualifier !== undefined && { Qualifier: ref.qualifier }),
          InvocationType: "RequestResponse",
          Payload: payload,
        }),
        { abortSignal: abort.signal },
      );
    } catch (err) {
      throw lambdaError(label, err, abort.signal.aborted, this.timeoutMs);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Lambda's error payload for a function that threw: `{errorType, errorMessage, trace}`. */
function functionError(label: string, body: string): TransformerError {
  let errorType = "Error";
  let errorMessage = body.slice(0, 500);
  try {
    const parsed = JSON.parse(body) as { errorType?: unknown; errorMessage?: unknown };
    if (typeof parsed.errorType === "string") errorType = parsed.errorType;
    if (typeof parsed.errorMessage === "string") errorMessage = parsed.errorMessage;
  } catch {
    // Not JSON: the raw text (shortened) is the message.
  }
  return new TransformerError(`${label} failed: ${errorType}: ${errorMessage}`, true);
}

interface SdkError {
  name?: string;
  message?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
}

function lambdaError(label: string, err: unknown, timedOut: boolean, timeoutMs: number): TransformerError {
  const e = (err ?? {}) as SdkError;
  if (timedOut || e.name === "TimeoutError" || e.name === "AbortError") {
    return new TransformerError(`${label} timed out after ${timeoutMs} ms`, true, { cause: err });
  }
  const message = `${e.name ?? "Error"}: ${e.message ?? String(err)}`;
  if (e.name === "ResourceNotFoundException") return new FunctionNotFoundError(`${label} not found in AWS Lambda: ${message}`);
  if (e.name === "CredentialsProviderError")
    return new TransformerError(`${label}: no AWS credentials for Lambda: ${e.message}`, false, { cause: err });
  const status = e.$metadata?.httpStatusCode;
  // No status: the request never got an answer (connection refused or reset, DNS): worth another try.
  const retryable = status === undefined || status >= 500 || status === 429 || RETRYABLE_CLIENT_ERRORS.has(e.name ?? "");
  return new TransformerError(`${label} could not be invoked in AWS Lambda: ${message}`, retryable, { cause: err });
}
