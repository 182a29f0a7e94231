/**
 * The "done when" walk of the engine issue as a new user does it: `pinrec data synth` →
 * `pinrec campaigns create` → Debian's AWS CLI `personalize-runtime get-recommendations` against a
 * running `pinrec serve`; `personalize-events put-events` for that user changes the next answer.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ACCOUNT_A, TEST_CREDENTIALS, tempDir } from "../helpers.js";
import { killAll, runCli, spawnServer, writeCredentials, type ServerProcess } from "../server-process.js";
import { AWS, awsEnv, run } from "../aws-cli.js";

describe("AWS CLI: recommendations from a campaign trained with the pinrec CLI", () => {
  const dir = tempDir("pinrec-cli-engine-");
  const dataDir = join(dir.path, "data");
  let creds: string;
  let server: ServerProcess;
  let arn: string;
  let trackingId: string;

  const cli = async (...args: string[]) => {
    const r = await runCli(args, { timeoutMs: 60_000 });
    expect(r.code, `pinrec ${args.join(" ")}:\n${r.stderr}`).toBe(0);
    return r.stdout;
  };
  const aws = (...args: string[]) =>
    run(AWS, [...args, "--endpoint-url", server.url, "--output", "json"], awsEnv(dir.path, ACCOUNT_A), dir.path);
  const recommend = async (userId: string) => {
    const r = await aws("personalize-runtime", "get-recommendations", "--campaign-arn", arn, "--user-id", userId, "--num-results", "5");
    expect(r.code, r.stderr).toBe(0);
    return (JSON.parse(r.stdout).itemList as { itemId: string }[]).map((i) => i.itemId);
  };

  beforeAll(async () => {
    creds = writeCredentials(join(dir.path, "credentials.json"), TEST_CREDENTIALS);
    server = await spawnServer(["--data-dir", dataDir, "--credentials", creds]);
    await cli(
      "data",
      "synth",
      "--users",
      "400",
      "--items",
      "150",
      "--interactions",
      "8000",
      "--seed",
      "3",
      "--out",
      join(dir.path, "synth"),
    );
    const created = JSON.parse(
      await cli(
        "campaigns",
        "create",
        "--name",
        "movies",
        "--interactions",
        join(dir.path, "synth", "interactions.csv"),
        "--items",
        join(dir.path, "synth", "items.csv"),
        "--data-dir",
        dataDir,
        "--credentials",
        creds,
        "--account",
        ACCOUNT_A.accountId,
      ),
    );
    arn = created.campaignArn;
    trackingId = created.trackingId;
  }, 90_000);
  afterAll(async () => {
    await server?.stop();
    await killAll();
    dir.remove();
  });

  test("get-recommendations returns unseen items; put-events changes that user's next answer", async () => {
    expect(arn).toBe(`arn:aws:personalize:us-east-1:${ACCOUNT_A.accountId}:campaign/movies`);
    const seen = new Set(
      readFileSync(join(dir.path, "synth", "interactions.csv"), "utf8")
        .split("\n")
        .filter((l) => l.startsWith("u0,"))
        .map((l) => l.split(",")[1]),
    );
    const before = await recommend("u0");
    expect(before).toHaveLength(5);
    for (const id of before) expect(seen.has(id)).toBe(false);

    const events = JSON.stringify(before.slice(0, 2).map((itemId, i) => ({ eventType: "click", itemId, sentAt: 1_700_000_000 + i })));
    const put = await aws(
      "personalize-events",
      "put-events",
      "--tracking-id",
      trackingId,
      "--user-id",
      "u0",
      "--session-id",
      "s1",
      "--event-list",
      events,
    );
    expect(put.code, put.stderr).toBe(0);
    const after = await recommend("u0");
    expect(after).not.toEqual(before);
    expect(after).not.toContain(before[0]);
    expect(after).not.toContain(before[1]);
  }, 60_000);

  test("an unknown campaign or filter is ResourceNotFoundException, as Personalize answers", async () => {
    const missing = await aws(
      "personalize-runtime",
      "get-recommendations",
      "--campaign-arn",
      arn.replace("movies", "nope"),
      "--user-id",
      "u0",
    );
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/ResourceNotFoundException/);
    const filtered = await aws(
      "personalize-runtime",
      "get-recommendations",
      "--campaign-arn",
      arn,
      "--user-id",
      "u0",
      "--filter-arn",
      `arn:aws:personalize:us-east-1:${ACCOUNT_A.accountId}:filter/f`,
    );
    expect(filtered.code).not.toBe(0);
    expect(filtered.stderr).toMatch(/ResourceNotFoundException.*Filter arn:aws:personalize:us-east-1:\d{12}:filter\/f does not exist/);
  }, 60_000);
});
