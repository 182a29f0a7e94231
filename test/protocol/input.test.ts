/**
 * parseInput delivers every member the service model requires, at every depth, or refuses the
 * request with a 400 naming the member: the handlers' input types (protocol/handler.ts `Present`)
 * rely on it.
 */
import { describe, expect, it } from "vitest";
import { ApiError } from "../../src/shared/errors.js";
import { parseInput } from "../../src/protocol/input.js";
import { serviceModel } from "../../src/protocol/model.js";
import { loadServiceModel } from "../../src/protocol/service-models/load.js";

// UntagResource is the one operation of the three models with a required query member (tagKeys);
// pinrec does not serve it, so it is marked implemented here only to parse with it.
const model = serviceModel(loadServiceModel("pinpoint"), { name: "pinpoint", title: "Amazon Pinpoint", signingName: "mobiletargeting" }, [
  "UntagResource",
  "UpdateEndpointsBatch",
]);
const op = (name: string) => model.operations.get(name)!;
const body = (value: unknown) => Buffer.from(JSON.stringify(value));
const refusal = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    if (e instanceof ApiError) return { status: e.status, message: e.message };
    throw e;
  }
  return undefined;
};

describe("parseInput and required members", () => {
  it("refuses a request without a required query parameter, and reads one that has it", () => {
    const untag = op("UntagResource");
    expect(refusal(() => parseInput(untag, { ResourceArn: "arn" }, new URLSearchParams(), undefined))).toEqual({
      status: 400,
      message: "Missing required query parameter 'tagKeys'",
    });
    expect(parseInput(untag, { ResourceArn: "arn" }, new URLSearchParams("tagKeys=a&tagKeys=b"), undefined)).toEqual({
      ResourceArn: "arn",
      TagKeys: ["a", "b"],
    });
  });

  it("refuses a payload without a required member, at the top and nested", () => {
    const batch = op("UpdateEndpointsBatch");
    expect(refusal(() => parseInput(batch, { ApplicationId: "app" }, new URLSearchParams(), body({})))?.message).toBe(
      "Missing required member 'Item'",
    );
    expect(parseInput(batch, { ApplicationId: "app" }, new URLSearchParams(), body({ Item: [{ Id: "e1" }] }))).toEqual({
      ApplicationId: "app",
      EndpointBatchRequest: { Item: [{ Id: "e1" }] },
    });
  });
});
