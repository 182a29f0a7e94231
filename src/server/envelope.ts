/**
 * How each service shapes its error bodies. Pinpoint sends `{"Message","RequestID"}`; Personalize's
 * rest-json services send `{"message"}`. SDKs read the code from the `x-amzn-ErrorType` header,
 * which is always set.
 */
import type { ErrorStyle } from "../protocol/handler.js";
import type { ApiError } from "../shared/errors.js";

/**
 * Translates the generic client-side failures of the shared pipeline (bad input, unknown route)
 * into the error codes the answering service models.
 */
export function codeFor(style: ErrorStyle, err: ApiError): string {
  if (style === "personalize") {
    if (err.code === "BadRequestException") return "InvalidInputException";
    if (err.code === "NotFoundException") return "ResourceNotFoundException";
  }
  return err.code;
}

export function envelope(style: ErrorStyle, code: string, message: string, requestId: string): object {
  if (style === "personalize") return { __type: code, message };
  return { Message: message, RequestID: requestId };
}
