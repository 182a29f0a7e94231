/** Transformers as the server wires them: options, CLI flags, and the pool closed on shutdown. */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startTestServer, tempDir } from "../../helpers.js";
import { killAll, runCli, spawnServer } from "../../server-process.js";
import { TENANT, eventWith } from "./transformer-fixtures.js";

const dir = tempDir("pinrec-serve-functions-");
const functionsDir = join(dir.path, "functions");
mkdirSync(functionsDir);
writeFileSync(
  join(functionsDir, "add-titles.mjs"),
  `export const handler = async (event) => ({ count: Object.keys(event.Endpoints).length });`,
);
afterAll(async () => {
  await killAll();
  dir.remove();
});

describe("serve", () => {
  it("runs functions from --functions-dir and closes the pool on shutdown", async () => {
    const server = await startTestServer("sqlite", { functionsDir, functionWorkers: 1 });
    let disposed = false;
    try {
      expect(server.transformers.backend).toBe("local");
      expect(await server.transformers.invoke(TENANT, "add-titles", eventWith(7))).toEqual({ count: 7 });
      expect(server.transformers.local!.workerCount).toBe(1);
      await server.dispose();
      disposed = true;
      expect(server.transformers.local!.workerCount).toBe(0);
      await expect(server.transformers.invoke(TENANT, "add-titles", eventWith(1))).rejects.toThrow(
        "Transformer 'add-titles': the function pool is closed",
      );
    } finally {
      if (!disposed) await server.dispose();
    }
  });

  it("defaults the functions directory to the data dir's functions folder", async () => {
    const server = await startTestServer("sqlite");
    try {
      expect(server.transformers.describe()).toBe(`local functions from ${join(server.dataDir, "functions")}`);
    } finally {
      await server.dispose();
    }
  });

  it("takes the flags and PINREC_* variables, and says where transformers run", async () => {
    const flags = await spawnServer([
      "--data-dir",
      join(dir.path, "a"),
      "--functions-dir",
      functionsDir,
      "--function-workers",
      "1",
      "--function-memory",
      "64",
    ]);
    expect(flags.stdout()).toContain(`"transformers":"local functions from ${functionsDir}"`);
    expect((await flags.stop()).code).toBe(0);
    const env = await spawnServer(["--data-dir", join(dir.path, "b")], {
      env: { PINREC_FUNCTIONS_DIR: functionsDir, PINREC_LAMBDA_ENDPOINT: "http://127.0.0.1:9" },
    });
    expect(env.stdout()).toContain(`"transformers":"local functions from ${functionsDir}, else AWS Lambda (http://127.0.0.1:9)"`);
    expect((await env.stop()).code).toBe(0);
  }, 90_000);

  it.each([
    [["--lambda-endpoint", "ftp://example.com"], /--lambda-endpoint.*must be an http:\/\/ or https:\/\/ URL/],
    [["--lambda-endpoint", "not a url"], /--lambda-endpoint.*must be a URL/],
    [["--transformer", "cloud"], /--transformer.*Allowed choices are local, lambda, auto/],
    [["--function-workers", "0"], /--function-workers.*must be a positive integer/],
  ])("refuses %j", async (args, message) => {
    const r = await runCli(["serve", "--host", "127.0.0.1", "--port", "0", "--data-dir", join(dir.path, "c"), ...args]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).not.toContain("pinrec listening");
  });
});
