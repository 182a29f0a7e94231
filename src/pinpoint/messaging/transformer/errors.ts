/**
 * Why an invocation failed, and whether trying again could help. Amazon Pinpoint makes at most
 * three invocation attempts per batch ("Create a Lambda function for Amazon Pinpoint to invoke for
 * a recommender model", Amazon Pinpoint Developer Guide); pinrec retries only the failures a
 * second attempt can cure:
 *
 * - retried: the function threw or its promise rejected (Lambda's `FunctionError`), it timed out,
 *   its worker crashed or ran out of memory, and Lambda throttling, service errors (5xx) and
 *   network errors;
 * - not retried: an unknown or invalid function name, an event or result over the 6 MB payload
 *   limit, a result that is not a JSON object, and Lambda's other client errors (access denied,
 *   invalid request). The function ran to completion or never could run; running it again would
 *   repeat the same answer and any side effects.
 */
export class TransformerError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "TransformerError";
  }
}

/** The function does not exist (locally, or in AWS Lambda). Never retried. */
export class FunctionNotFoundError extends TransformerError {
  constructor(message: string) {
    super(message, false);
    this.name = "FunctionNotFoundError";
  }
}

/** Pinpoint's documented attempt limit for one batch. */
export const DEFAULT_ATTEMPTS = 3;
/** Pinpoint waits at most 15 seconds for the function. */
export const DEFAULT_TIMEOUT_MS = 15_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `attempt` up to `attempts` times while it fails with a retryable TransformerError, with a
 * short backoff (100 ms, 200 ms, …) so a throttled Lambda gets room. The final error says how many
 * attempts were made.
 */
export async function withAttempts<T>(attempts: number, attempt: () => Promise<T>, backoffMs = 100): Promise<T> {
  for (let made = 1; ; made++) {
    try {
      return await attempt();
    } catch (err) {
      const retryable = err instanceof TransformerError && err.retryable;
      if (!retryable || made >= attempts) {
        if (made === 1 || !(err instanceof Error)) throw err;
        throw new TransformerError(`${err.message} (after ${made} attempts)`, false, { cause: err });
      }
      await sleep(backoffMs * 2 ** (made - 1));
    }
  }
}
