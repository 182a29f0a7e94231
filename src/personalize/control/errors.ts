/** Amazon Personalize's typed errors, as its API reference names them for every control-plane operation. */
import { ApiError } from "../../shared/errors.js";

export const invalidInput = (message: string) => new ApiError("InvalidInputException", 400, message);
export const notFound = (message: string) => new ApiError("ResourceNotFoundException", 404, message);
export const alreadyExists = (message: string) => new ApiError("ResourceAlreadyExistsException", 409, message);
export const inUse = (message: string) => new ApiError("ResourceInUseException", 409, message);
export const limitExceeded = (message: string) => new ApiError("LimitExceededException", 400, message);
export const invalidNextToken = (message: string) => new ApiError("InvalidNextTokenException", 400, message);
