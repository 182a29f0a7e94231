/**
 * Names a transformer function the way AWS Lambda does (the Invoke API's `FunctionName` and
 * `Qualifier`): a bare name (`add-titles`), a name with a qualifier (`add-titles:prod`), a partial
 * ARN (`123456789012:function:add-titles`) or a full ARN
 * (`arn:aws:lambda:us-east-1:123456789012:function:add-titles[:qualifier]`).
 *
 * Function names are 1-64 letters, numbers, hyphens or underscores (Lambda's `FunctionName`
 * rule), which is also what keeps a name from ever leaving the functions directory: no dots,
 * slashes or absolute paths get through.
 */
import { TransformerError } from "./errors.js";

export interface FunctionRef {
  /** The configuration's `RecommendationTransformerUri`, as given. */
  uri: string;
  /** The function's own name (what a local function's file is named after). */
  name: string;
  /** Version or alias; absent means `$LATEST`. */
  qualifier?: string;
  /** From an ARN; otherwise the project's region applies. */
  region?: string;
  accountId?: string;
  partition?: string;
}

const FUNCTION_URI =
  /^(?:arn:(aws[a-zA-Z-]*):lambda:([a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d):(\d{12}):function:|(\d{12}):function:)?([A-Za-z0-9_-]{1,64})(?::(\$LATEST|[A-Za-z0-9_-]{1,128}))?$/;

/** Parses a function name or ARN; throws a TransformerError (never retried) saying what a valid one looks like. */
export function parseFunctionUri(uri: string): FunctionRef {
  const m = FUNCTION_URI.exec(uri);
  if (!m || uri.length > 170) {
    throw new TransformerError(
      `Transformer '${uri.slice(0, 200)}' is not a Lambda function name or ARN: expected NAME, NAME:QUALIFIER or arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER], where NAME is 1-64 letters, numbers, hyphens or underscores`,
      false,
    );
  }
  const [, partition, region, arnAccount, partialAccount, name, qualifier] = m;
  return {
    uri,
    name,
    ...(qualifier !== undefined && { qualifier }),
    ...(region !== undefined && { region }),
    ...((arnAccount ?? partialAccount) !== undefined && { accountId: arnAccount ?? partialAccount }),
    ...(partition !== undefined && { partition }),
  };
}

/** The unqualified ARN of a function, filling region and account from the project when the URI has none. */
export function functionArn(ref: FunctionRef, region: string, accountId: string): string {
  return `arn:${ref.partition ?? "aws"}:lambda:${ref.region ?? region}:${ref.accountId ?? accountId}:function:${ref.name}`;
}
