/**
 * Typed API errors. Each carries the AWS error code (what SDKs read from `x-amzn-ErrorType`) and
 * the HTTP status; how it is rendered depends on the service that answers (see `envelope`).
 */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    /** Extra response headers, e.g. `Allow` on a 405. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = code;
  }
}

export const badRequest = (message: string) => new ApiError("BadRequestException", 400, message);

/** Input validation's one step: a client's mistake becomes a 400 `BadRequestException` with `message`. */
export function checkInput(ok: boolean, message: string): asserts ok {
  if (!ok) throw badRequest(message);
}
export const notFound = (message: string) => new ApiError("NotFoundException", 404, message);
export const forbidden = (code: string, message: string) => new ApiError(code, 403, message);
export const methodNotAllowed = (allowed: string[]) =>
  new ApiError("MethodNotAllowedException", 405, "The method is not allowed for the specified resource", {
    Allow: allowed.join(", "),
  });
export const payloadTooLarge = (limit: number) =>
  new ApiError("PayloadTooLargeException", 413, `The request body exceeds the limit of ${limit} bytes`);
export const tooManyRequests = () => new ApiError("TooManyRequestsException", 429, "Too many requests; slow down and retry");
/**
 * An operation of a served API that pinrec does not implement (yet): 501, naming the operation and
 * the service, so SDKs and the AWS CLI print what is missing instead of a misleading 404.
 */
export const notImplemented = (operation: string, service: string) =>
  new ApiError(
    "NotImplementedException",
    501,
    `pinrec does not implement ${operation} of ${service}; docs/compatibility.md lists every operation and whether pinrec serves it`,
  );
export const internalError = () => new ApiError("InternalServerErrorException", 500, "Internal server error");
