/**
 * AWS's getting-started flow with Debian's AWS CLI `personalize` commands against pinrec: schema →
 * dataset group → dataset → import → solution → version → campaign, then
 * `personalize-runtime get-recommendations` from the campaign the CLI created.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { synth } from "../../src/engine/index.js";
import { AWS, awsEnv, run } from "../aws-cli.js";
import { ACCOUNT_A, startTestServer, tempDir, type TestServer } from "../helpers.js";

const SCHEMA = JSON.stringify({
  type: "record",
  name: "Interactions",
  namespace: "com.amazonaws.personalize.schema",
  fields: [
    { name: "USER_ID", type: "string" },
    { name: "ITEM_ID", type: "string" },
    { name: "TIMESTAMP", type: "long" },
    { name: "EVENT_TYPE", type: "string" },
  ],
  version: "1.0",
});

describe("AWS CLI: the Personalize control plane's getting-started flow", { timeout: 180_000 }, () => {
  const dir = tempDir("pinrec-cli-control-");
  let server: TestServer;
  let user: string;

  const aws = async (...args: string[]) => {
    const r = await run(AWS, [...args, "--endpoint-url", server.url, "--output", "json"], awsEnv(dir.path, ACCOUNT_A), dir.path);
    return { ...r, json: r.code === 0 && r.stdout.trim() ? JSON.parse(r.stdout) : undefined };
  };
  const ok = async (...args: string[]) => {
    const r = await aws(...args);
    expect(r.code, `aws ${args.join(" ")}:\n${r.stderr}`).toBe(0);
    return r.json;
  };
  const until = async (
    args: string[],
    pick: (json: Record<string, { status: string; failureReason?: string }>) => { status: string; failureReason?: string },
  ) => {
    for (let i = 0; i < 60; i++) {
      const s = pick(await ok(...args));
      if (s.status === "ACTIVE" || s.status === "CREATE FAILED") return s;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`aws ${args.join(" ")} never settled`);
  };

  beforeAll(async () => {
    server = await startTestServer("sqlite");
    const imports = join(server.dataDir, "imports");
    mkdirSync(imports, { recursive: true });
    const files = await synth({ users: 150, items: 60, interactions: 3000, seed: 5, outDir: dir.path });
    writeFileSync(join(imports, "interactions.csv"), readFileSync(files.interactionsPath));
    user = readFileSync(files.interactionsPath, "utf8").split("\n")[1].split(",")[0];
  });
  afterAll(async () => {
    await server?.dispose();
    dir.remove();
  });

  test("create-schema … create-campaign, then get-recommendations; errors print Personalize's exception names", async () => {
    const { schemaArn } = await ok("personalize", "create-schema", "--name", "cli-interactions", "--schema", SCHEMA);
    const { datasetGroupArn } = await ok("personalize", "create-dataset-group", "--name", "cli-group");
    const { datasetArn } = await ok(
      "personalize",
      "create-dataset",
      "--name",
      "cli-ds",
      "--dataset-group-arn",
      datasetGroupArn,
      "--schema-arn",
      schemaArn,
      "--dataset-type",
      "Interactions",
    );
    const { datasetImportJobArn } = await ok(
      "personalize",
      "create-dataset-import-job",
      "--job-name",
      "cli-import",
      "--dataset-arn",
      datasetArn,
      "--data-source",
      `dataLocation=file://${join(server.dataDir, "imports", "interactions.csv")}`,
      "--role-arn",
      "arn:aws:iam::111122223333:role/personalize",
    );
    expect(
      await until(
        ["personalize", "describe-dataset-import-job", "--dataset-import-job-arn", datasetImportJobArn],
        (j) => j.datasetImportJob,
      ),
    ).toMatchObject({ status: "ACTIVE" });
    const { solutionArn } = await ok(
      "personalize",
      "create-solution",
      "--name",
      "cli-solution",
      "--dataset-group-arn",
      datasetGroupArn,
      "--recipe-arn",
      "arn:aws:personalize:::recipe/aws-user-personalization",
    );
    const { solutionVersionArn } = await ok("personalize", "create-solution-version", "--solution-arn", solutionArn);
    expect(
      await until(["personalize", "describe-solution-version", "--solution-version-arn", solutionVersionArn], (j) => j.solutionVersion),
    ).toMatchObject({ status: "ACTIVE" });
    const { campaignArn } = await ok(
      "personalize",
      "create-campaign",
      "--name",
      "cli-campaign",
      "--solution-version-arn",
      solutionVersionArn,
      "--min-provisioned-tps",
      "1",
    );
    const listed = await ok("personalize", "list-campaigns");
    expect(listed.campaigns.map((c: { campaignArn: string }) => c.campaignArn)).toContain(campaignArn);
    const recs = await ok(
      "personalize-runtime",
      "get-recommendations",
      "--campaign-arn",
      campaignArn,
      "--user-id",
      user,
      "--num-results",
      "5",
    );
    expect(recs.itemList).toHaveLength(5);

    const missing = await aws("personalize", "describe-dataset-group", "--dataset-group-arn", `${datasetGroupArn}-nope`);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain("(ResourceNotFoundException) when calling the DescribeDatasetGroup operation");
    const used = await aws("personalize", "delete-schema", "--schema-arn", schemaArn);
    expect(used.stderr).toContain("(ResourceInUseException) when calling the DeleteSchema operation");
  });
});
