/**
 * The documented rules for a recommender configuration (Amazon Pinpoint API Reference: Recommender
 * Models, the `CreateRecommenderConfiguration` members; Amazon Personalize's campaign ARN format).
 * The service model has no traits for these members, so every rule here comes from the API
 * reference and the Amazon Pinpoint User Guide (Machine learning models).
 */
import type { CreateRecommenderConfigurationShape } from "@aws-sdk/client-pinpoint";
import { checkInput } from "../../shared/errors.js";

export const ID_TYPES = ["PINPOINT_ENDPOINT_ID", "PINPOINT_USER_ID"] as const;
export const DEFAULT_ID_TYPE = "PINPOINT_ENDPOINT_ID";
export const DEFAULT_PER_MESSAGE = 5;
export const ATTRIBUTE_PREFIX = "Recommendations.";

const NAME = /^[A-Za-z0-9][A-Za-z0-9 _-]{0,127}$/;
// The docs print the hyphen as U+2010; clients type ASCII `-`. Both are accepted.
const DESCRIPTION = /^[\p{L}\p{N} _;(),\-\u2010]{0,128}$/u;
const DISPLAY_NAME = /^[A-Za-z0-9 _-]{1,25}$/;
const ATTRIBUTE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,49}$/;
const ATTRIBUTE_DISPLAY = /^[A-Za-z0-9][A-Za-z0-9 _-]{0,24}$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/(?:[\x21-\x7E]*\/)?[\w+=,.@-]{1,64}$/;
const CAMPAIGN_ARN = /^arn:aws[a-z-]*:personalize:[a-z]{2}(?:-[a-z]+)+-\d:\d{12}:campaign\/[a-zA-Z0-9][a-zA-Z0-9_-]{0,62}$/;
const LAMBDA =
  /^(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?$/;

/** A configuration as the client may send it (Create and Update share the shape). */
export type ConfigurationRequest = CreateRecommenderConfigurationShape;

/** The validated, defaults-filled content of a configuration (everything but Id and dates). */
export interface ConfigurationContent {
  RecommendationProviderUri: string;
  RecommendationProviderRoleArn: string;
  Name?: string;
  Description?: string;
  RecommendationProviderIdType: string;
  RecommendationTransformerUri?: string;
  RecommendationsDisplayName?: string;
  RecommendationsPerMessage: number;
  Attributes?: Record<string, string>;
}

/** The attribute's own name: `Recommendations.Title` and `Title` both name `Title`. */
export function attributeName(key: string): string {
  return key.startsWith(ATTRIBUTE_PREFIX) ? key.slice(ATTRIBUTE_PREFIX.length) : key;
}

function validateAttributes(attributes: Record<string, string>): void {
  const keys = Object.keys(attributes);
  checkInput(keys.length >= 1 && keys.length <= 10, "Attributes must define between 1 and 10 attributes");
  const names = new Set<string>();
  for (const key of keys) {
    const name = attributeName(key);
    checkInput(
      ATTRIBUTE_NAME.test(name),
      `Attribute name '${key}' must start with a letter or number and contain up to 50 letters, numbers, underscores or hyphens (optionally prefixed with '${ATTRIBUTE_PREFIX}')`,
    );
    checkInput(!names.has(name), `Attribute name '${name}' is defined more than once`);
    names.add(name);
    checkInput(
      ATTRIBUTE_DISPLAY.test(attributes[key]),
      `Display name for attribute '${key}' must start with a letter or number and contain up to 25 letters, numbers, spaces, underscores or hyphens`,
    );
  }
}

/** Validates a Create/Update payload and fills the documented defaults. */
export function validateConfiguration(req: ConfigurationRequest): ConfigurationContent {
  const uri = req.RecommendationProviderUri!;
  const role = req.RecommendationProviderRoleArn!;
  checkInput(
    uri.length <= 256 && CAMPAIGN_ARN.test(uri),
    "RecommendationProviderUri must be the ARN of an Amazon Personalize campaign (arn:aws:personalize:{region}:{account}:campaign/{name})",
  );
  checkInput(
    role.length <= 2048 && ROLE_ARN.test(role),
    "RecommendationProviderRoleArn must be the ARN of an IAM role (arn:aws:iam::{account}:role/{name})",
  );
  if (req.Name !== undefined) {
    checkInput(
      NAME.test(req.Name),
      "Name must start with a letter or number and contain up to 128 letters, numbers, spaces, underscores or hyphens",
    );
  }
  if (req.Description !== undefined) {
    checkInput(
      DESCRIPTION.test(req.Description),
      "Description can contain up to 128 letters, numbers, spaces, and the symbols _ ; ( ) , -",
    );
  }
  const idType = req.RecommendationProviderIdType ?? DEFAULT_ID_TYPE;
  checkInput((ID_TYPES as readonly string[]).includes(idType), `RecommendationProviderIdType must be one of ${ID_TYPES.join(", ")}`);

  let perMessage = req.RecommendationsPerMessage;
  // Some generated SDKs (older Rust SDKs type it a plain i32) send 0 for "unset"; treat it as the default.
  if (perMessage === undefined || perMessage === 0) perMessage = DEFAULT_PER_MESSAGE;
  checkInput(
    Number.isInteger(perMessage) && perMessage >= 1 && perMessage <= 5,
    "RecommendationsPerMessage must be an integer between 1 and 5",
  );

  if (req.RecommendationsDisplayName !== undefined) {
    checkInput(
      DISPLAY_NAME.test(req.RecommendationsDisplayName) && req.RecommendationsDisplayName.trim() !== "",
      "RecommendationsDisplayName can contain up to 25 letters, numbers, spaces, underscores or hyphens",
    );
  }
  const transformer = req.RecommendationTransformerUri;
  if (transformer !== undefined) {
    checkInput(
      transformer.length >= 1 && transformer.length <= 140 && LAMBDA.test(transformer),
      "RecommendationTransformerUri must be an AWS Lambda function name or ARN",
    );
    checkInput(req.Attributes !== undefined, "Attributes is required when RecommendationTransformerUri is set");
    validateAttributes(req.Attributes!);
  } else {
    checkInput(req.Attributes === undefined, "Attributes can only be set when RecommendationTransformerUri is set");
    checkInput(
      req.RecommendationsDisplayName !== undefined,
      "RecommendationsDisplayName is required when RecommendationTransformerUri is not set",
    );
  }

  return {
    RecommendationProviderUri: uri,
    RecommendationProviderRoleArn: role,
    ...(req.Name !== undefined && { Name: req.Name }),
    ...(req.Description !== undefined && { Description: req.Description }),
    RecommendationProviderIdType: idType,
    ...(transformer !== undefined && { RecommendationTransformerUri: transformer }),
    ...(req.RecommendationsDisplayName !== undefined && { RecommendationsDisplayName: req.RecommendationsDisplayName }),
    RecommendationsPerMessage: perMessage,
    ...(req.Attributes !== undefined && { Attributes: { ...req.Attributes } }),
  };
}
