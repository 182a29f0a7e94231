/** The shipped example transformer, run as the server runs it, over a catalog from `pinrec data synth`. */
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { synth } from "../../../src/engine/synth.js";
import { LocalFunctionInvoker } from "../../../src/pinpoint/messaging/transformer/local.js";
import { readTransformerResult } from "../../../src/pinpoint/messaging/transformer/result.js";
import { REPO } from "../../server-process.js";
import { tempDir } from "../../helpers.js";
import { TENANT } from "./transformer-fixtures.js";

const dir = tempDir("pinrec-example-");
let invoker: LocalFunctionInvoker;

beforeAll(async () => {
  await synth({ users: 20, items: 30, interactions: 200, seed: 7, outDir: dir.path });
  // Workers copy the environment when they start, as a Lambda's configuration is fixed per environment.
  process.env.PINREC_ITEMS_CSV = join(dir.path, "items.csv");
  invoker = new LocalFunctionInvoker({ functionsDir: join(REPO, "examples", "functions"), workers: 1 });
});
afterAll(async () => {
  await invoker.close();
  delete process.env.PINREC_ITEMS_CSV;
  dir.remove();
});

it("adds titles and genres from the items CSV, quoting and all, in recommendation order", async () => {
  const event = {
    ApplicationId: "app1",
    Endpoints: {
      "ep-1": { ChannelType: "EMAIL" as const, Address: "a@example.com", RecommendationItems: ["i7", "i1", "unknown"] },
      "ep-2": { ChannelType: "EMAIL" as const, Address: "b@example.com", RecommendationItems: ["i0"] },
    },
  };
  const result = await invoker.invoke(TENANT, "arn:aws:lambda:us-east-1:111122223333:function:add-titles", event);
  const kept = readTransformerResult(event, result, { "Recommendations.Title": "Title", "Recommendations.Genre": "Genre" });
  const first = kept.get("ep-1") as Record<string, string[]>;
  expect(first.Title).toEqual([expect.stringMatching(/^Item 7, "the \w+ one"$/), "Item 1", "unknown"]);
  expect(first.Genre[0]).toMatch(/^[\w-]+(\|[\w-]+)*$/);
  expect(first.Genre[2]).toBe("");
  expect((kept.get("ep-2") as Record<string, string[]>).Title).toEqual([expect.stringMatching(/^Item 0, "the \w+ one"$/)]);
});
