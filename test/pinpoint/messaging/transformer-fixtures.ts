/** Transformer functions written to a temporary functions directory, shared by the transformer suites. */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { TransformerEvent } from "../../../src/pinpoint/messaging/contracts.js";
import type { Tenant } from "../../../src/store/types.js";

export const TENANT: Tenant = { accountId: "111122223333", region: "us-east-1" };

/** An event with `n` endpoints, each recommended three items. */
export function eventWith(n: number, applicationId = "app1"): TransformerEvent {
  const Endpoints: TransformerEvent["Endpoints"] = {};
  for (let i = 0; i < n; i++) {
    Endpoints[`ep-${i}`] = {
      ChannelType: "EMAIL",
      Address: `user${i}@example.com`,
      EndpointStatus: "ACTIVE",
      OptOut: "NONE",
      User: { UserId: `user-${i}` },
      RecommendationItems: [`${i}`, `${i + 1}`, `${i + 2}`],
    };
  }
  return { ApplicationId: applicationId, Endpoints };
}

/** Writes the suite's functions into `dir`; `counter` is a file functions append to on every run. */
export function writeFunctions(dir: string, counter: string): void {
  const file = (name: string, source: string) => {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), source);
  };
  const count = `import { appendFileSync, readFileSync } from "node:fs";
const runs = () => { appendFileSync(${JSON.stringify(counter)}, "x"); return readFileSync(${JSON.stringify(counter)}, "utf8").length; };`;

  file(
    "add-titles.mjs",
    `export const handler = async (event, context) => {
  for (const endpoint of Object.values(event.Endpoints)) {
    endpoint.Recommendations = { Title: endpoint.RecommendationItems.map((id) => "Title " + id) };
  }
  return event.Endpoints;
};`,
  );
  file(
    "context.mjs",
    `export const handler = async (event, context) => ({
  functionName: context.functionName,
  functionVersion: context.functionVersion,
  invokedFunctionArn: context.invokedFunctionArn,
  memoryLimitInMB: context.memoryLimitInMB,
  awsRequestId: context.awsRequestId,
  logGroupName: context.logGroupName,
  logStreamName: context.logStreamName,
  remaining: context.getRemainingTimeInMillis(),
  applicationId: event.ApplicationId,
});`,
  );
  file(
    "packaged/index.mjs",
    `export async function handler(event) { return { from: "packaged/index.mjs", n: Object.keys(event.Endpoints).length }; }`,
  );
  file("commonjs/index.js", `exports.handler = async () => ({ from: "commonjs/index.js" });`);
  file(
    "callback.mjs",
    `export const handler = (event, context, callback) => { setTimeout(() => callback(null, { style: "callback" }), 5); };`,
  );
  file("callback-error.mjs", `export const handler = (event, context, callback) => callback(new Error("callback said no"));`);
  file("succeed.mjs", `export const handler = (event, context, callback) => context.succeed({ style: "succeed" });`);
  file("sync.mjs", `export const handler = (event) => ({ style: "sync" });`);
  file(
    "chatty.mjs",
    `console.log("loading");\nexport const handler = async (event, context) => { console.log("endpoints: %d", Object.keys(event.Endpoints).length); console.error(new Error("careful")); console.warn({ a: 1 }); return {}; };`,
  );
  file("warm.mjs", `let invocations = 0; export const handler = async () => ({ invocations: ++invocations });`);
  file("throws.mjs", `${count}\nexport const handler = async () => { runs(); throw new TypeError("no titles for you"); };`);
  file(
    "flaky.mjs",
    `${count}\nexport const handler = async () => { const n = runs(); if (n < 3) throw new Error("flaky run " + n); return { run: n }; };`,
  );
  file("spin.mjs", `${count}\nexport const handler = async () => { runs(); for (;;) {} };`);
  file("init-spin.mjs", `for (;;) {}\nexport const handler = async () => ({});`);
  file("never.mjs", `export const handler = () => new Promise(() => {});`);
  file(
    "hog.mjs",
    `${count}\nexport const handler = async () => { runs(); const keep = []; for (;;) keep.push(new Array(100000).fill({ a: Math.random() })); };`,
  );
  file("bigint.mjs", `${count}\nexport const handler = async () => { runs(); return { n: 1n }; };`);
  file("cyclic.mjs", `export const handler = async () => { const a = {}; a.self = a; return a; };`);
  file("string.mjs", `export const handler = async () => "endpoints";`);
  file("array.mjs", `export const handler = async () => [1, 2, 3];`);
  file("nothing.mjs", `export const handler = async () => {};`);
  file("function-result.mjs", `export const handler = async () => () => 1;`);
  file("huge.mjs", `${count}\nexport const handler = async () => { runs(); return { blob: "x".repeat(7 * 1024 * 1024) }; };`);
  file("exits.mjs", `${count}\nexport const handler = async () => { runs(); process.exit(3); };`);
  file("no-handler.mjs", `export const notTheHandler = async () => ({});`);
  file("syntax-error.mjs", `export const handler = async () => {{;`);
  file("../outside.mjs", `export const handler = async () => ({ escaped: true });`);
}
