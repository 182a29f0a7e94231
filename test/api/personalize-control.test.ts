/**
 * Amazon Personalize's control plane driven by the real `@aws-sdk/client-personalize` client, on
 * SQLite and PostgreSQL: AWS's getting-started flow (schema → dataset group → datasets → import →
 * solution → version → campaign) trained by the embedded engine, then GetRecommendations from the
 * runtime client; and the typed errors, tenancy and in-use refusals of the way there.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  CreateCampaignCommand,
  CreateDatasetCommand,
  CreateDatasetGroupCommand,
  CreateDatasetImportJobCommand,
  CreateFilterCommand,
  DeleteFilterCommand,
  DescribeFilterCommand,
  ListFiltersCommand,
  CreateSchemaCommand,
  CreateSolutionCommand,
  CreateSolutionVersionCommand,
  DeleteCampaignCommand,
  DeleteDatasetGroupCommand,
  DeleteSchemaCommand,
  DeleteSolutionCommand,
  DescribeCampaignCommand,
  DescribeDatasetGroupCommand,
  DescribeDatasetImportJobCommand,
  DescribeRecipeCommand,
  DescribeSchemaCommand,
  DescribeSolutionCommand,
  DescribeSolutionVersionCommand,
  ListCampaignsCommand,
  ListDatasetGroupsCommand,
  ListDatasetsCommand,
  ListRecipesCommand,
  ListSchemasCommand,
  ListSolutionVersionsCommand,
  PersonalizeClient,
  UpdateCampaignCommand,
} from "@aws-sdk/client-personalize";
import { GetRecommendationsCommand, PersonalizeRuntimeClient } from "@aws-sdk/client-personalize-runtime";
import { synth } from "../../src/engine/index.js";
import type { Credential } from "../../src/server/credentials.js";
import { ACCOUNT_A, ACCOUNT_B, STORE_KINDS, errorOf, pinpointClient, startTestServer, tempDir, type TestServer } from "../helpers.js";
import { CreateRecommenderConfigurationCommand } from "@aws-sdk/client-pinpoint";

const ACCOUNT_TENANT = { accountId: ACCOUNT_A.accountId, region: "us-east-1" };

const INTERACTIONS_SCHEMA = JSON.stringify({
  type: "record",
  name: "Interactions",
  namespace: "com.amazonaws.personalize.schema",
  fields: [
    { name: "USER_ID", type: "string" },
    { name: "ITEM_ID", type: "string" },
    { name: "TIMESTAMP", type: "long" },
    { name: "EVENT_TYPE", type: ["null", "string"] },
  ],
  version: "1.0",
});

const ITEMS_SCHEMA = JSON.stringify({
  type: "record",
  name: "Items",
  namespace: "com.amazonaws.personalize.schema",
  fields: [
    { name: "ITEM_ID", type: "string" },
    { name: "TITLE", type: ["null", "string"] },
    { name: "GENRES", type: ["null", "string"], categorical: true },
  ],
  version: "1.0",
});

function clients(server: { url: string }, c: Credential = ACCOUNT_A) {
  const config = {
    endpoint: server.url,
    region: "us-east-1",
    credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey },
    maxAttempts: 1,
  };
  return { control: new PersonalizeClient(config), runtime: new PersonalizeRuntimeClient(config) };
}

/** Polls a Describe call until its status is no longer pending, as the SDK's waiters do; returns every status seen. */
async function settle(
  describe: () => Promise<{ status?: string; failureReason?: string }>,
): Promise<{ statuses: string[]; failureReason?: string }> {
  const statuses: string[] = [];
  for (let i = 0; i < 600; i++) {
    const r = await describe();
    if (statuses.at(-1) !== r.status) statuses.push(r.status!);
    if (r.status === "ACTIVE" || r.status === "CREATE FAILED") return { statuses, failureReason: r.failureReason };
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(`still ${statuses.at(-1)} after 30 s`);
}

describe.each(STORE_KINDS)("Personalize control plane on %s", (kind) => {
  const data = tempDir("pinrec-pc-data-");
  let server: TestServer;
  let control: PersonalizeClient;
  let runtime: PersonalizeRuntimeClient;
  let other: PersonalizeClient;
  let seen: Map<string, Set<string>>;
  let importDir: string;
  let genres: Map<string, string[]>;

  beforeAll(async () => {
    server = await startTestServer(kind);
    ({ control, runtime } = clients(server));
    other = clients(server, ACCOUNT_B).control;
    importDir = join(server.dataDir, "imports");
    mkdirSync(importDir, { recursive: true });
    const files = await synth({ users: 200, items: 80, interactions: 4000, seed: 3, outDir: data.path });
    writeFileSync(join(importDir, "interactions.csv"), readFileSync(files.interactionsPath));
    writeFileSync(join(importDir, "items.csv"), readFileSync(files.itemsPath));
    // Each item's genres, read from the items file by the last column (titles are quoted and may hold commas).
    genres = new Map();
    for (const line of readFileSync(files.itemsPath, "utf8").trim().split("\n").slice(1)) {
      genres.set(line.slice(0, line.indexOf(",")), line.slice(line.lastIndexOf(",") + 1).split("|"));
    }
    seen = new Map();
    for (const line of readFileSync(files.interactionsPath, "utf8").trim().split("\n").slice(1)) {
      const [u, i] = line.split(",");
      if (!seen.has(u)) seen.set(u, new Set());
      seen.get(u)!.add(i);
    }
  });
  afterAll(async () => {
    await server?.dispose();
    data.remove();
  });

  let groupArn: string;
  let schemaArn: string;
  let datasetArn: string;
  let solutionArn: string;
  let versionArn: string;
  let campaignArn: string;

  test("schema → dataset group → dataset → import job ACTIVE", async () => {
    schemaArn = (await control.send(new CreateSchemaCommand({ name: "interactions", schema: INTERACTIONS_SCHEMA }))).schemaArn!;
    expect(schemaArn).toBe(`arn:aws:personalize:us-east-1:${ACCOUNT_A.accountId}:schema/interactions`);
    const described = await control.send(new DescribeSchemaCommand({ schemaArn }));
    expect(described.schema).toMatchObject({ name: "interactions", schema: INTERACTIONS_SCHEMA });
    expect(described.schema!.creationDateTime).toBeInstanceOf(Date);
    expect(Math.abs(described.schema!.creationDateTime!.getTime() - Date.now())).toBeLessThan(60_000);

    groupArn = (await control.send(new CreateDatasetGroupCommand({ name: "shop" }))).datasetGroupArn!;
    expect((await control.send(new DescribeDatasetGroupCommand({ datasetGroupArn: groupArn }))).datasetGroup).toMatchObject({
      name: "shop",
      status: "ACTIVE",
    });
    datasetArn = (
      await control.send(
        new CreateDatasetCommand({ name: "shop-interactions", datasetGroupArn: groupArn, schemaArn, datasetType: "Interactions" }),
      )
    ).datasetArn!;
    expect(datasetArn).toBe(`arn:aws:personalize:us-east-1:${ACCOUNT_A.accountId}:dataset/shop/INTERACTIONS`);
    const datasets = await control.send(new ListDatasetsCommand({ datasetGroupArn: groupArn }));
    expect(datasets.datasets!.map((d) => d.datasetArn)).toEqual([datasetArn]);

    const job = await control.send(
      new CreateDatasetImportJobCommand({
        jobName: "first-import",
        datasetArn,
        dataSource: { dataLocation: `file://${join(importDir, "interactions.csv")}` },
        roleArn: "arn:aws:iam::111122223333:role/personalize",
      }),
    );
    const outcome = await settle(
      async () =>
        (await control.send(new DescribeDatasetImportJobCommand({ datasetImportJobArn: job.datasetImportJobArn }))).datasetImportJob!,
    );
    expect(outcome).toEqual({ statuses: expect.arrayContaining(["ACTIVE"]), failureReason: undefined });

    const itemsSchema = (await control.send(new CreateSchemaCommand({ name: "items", schema: ITEMS_SCHEMA }))).schemaArn!;
    const itemsDataset = (
      await control.send(
        new CreateDatasetCommand({ name: "shop-items", datasetGroupArn: groupArn, schemaArn: itemsSchema, datasetType: "ITEMS" }),
      )
    ).datasetArn!;
    const items = await control.send(
      new CreateDatasetImportJobCommand({
        jobName: "items-import",
        datasetArn: itemsDataset,
        dataSource: { dataLocation: `file://${join(importDir, "items.csv")}` },
        roleArn: "arn:aws:iam::111122223333:role/personalize",
      }),
    );
    const itemsOutcome = await settle(
      async () =>
        (await control.send(new DescribeDatasetImportJobCommand({ datasetImportJobArn: items.datasetImportJobArn }))).datasetImportJob!,
    );
    expect(itemsOutcome).toEqual({ statuses: expect.arrayContaining(["ACTIVE"]), failureReason: undefined });
  });

  test("solution → solution version (CREATE PENDING → … → ACTIVE) → campaign → GetRecommendations", async () => {
    const recipes = await control.send(new ListRecipesCommand({}));
    expect(recipes.recipes!.map((r) => r.name)).toEqual(
      expect.arrayContaining(["aws-user-personalization", "aws-similar-items", "aws-popularity-count"]),
    );
    const recipe = await control.send(new DescribeRecipeCommand({ recipeArn: "arn:aws:personalize:::recipe/aws-user-personalization" }));
    expect(recipe.recipe).toMatchObject({ recipeType: "USER_PERSONALIZATION", status: "ACTIVE" });

    solutionArn = (
      await control.send(
        new CreateSolutionCommand({
          name: "shop-solution",
          datasetGroupArn: groupArn,
          recipeArn: "arn:aws:personalize:::recipe/aws-user-personalization",
        }),
      )
    ).solutionArn!;
    const created = await control.send(new CreateSolutionVersionCommand({ solutionArn }));
    versionArn = created.solutionVersionArn!;
    expect(versionArn).toMatch(new RegExp(`^${solutionArn}/[0-9a-f]{8}$`));
    const outcome = await settle(
      async () => (await control.send(new DescribeSolutionVersionCommand({ solutionVersionArn: versionArn }))).solutionVersion!,
    );
    expect(outcome.failureReason).toBeUndefined();
    expect(outcome.statuses.at(-1)).toBe("ACTIVE");
    expect(["CREATE PENDING", "CREATE IN_PROGRESS"]).toContain(outcome.statuses[0]);
    const solution = await control.send(new DescribeSolutionCommand({ solutionArn }));
    expect(solution.solution!.latestSolutionVersion).toMatchObject({ solutionVersionArn: versionArn, status: "ACTIVE" });
    expect((await control.send(new ListSolutionVersionsCommand({ solutionArn }))).solutionVersions).toHaveLength(1);

    campaignArn = (
      await control.send(new CreateCampaignCommand({ name: "shop-campaign", solutionVersionArn: versionArn, minProvisionedTPS: 1 }))
    ).campaignArn!;
    expect(campaignArn).toBe(`arn:aws:personalize:us-east-1:${ACCOUNT_A.accountId}:campaign/shop-campaign`);
    const campaign = await control.send(new DescribeCampaignCommand({ campaignArn }));
    expect(campaign.campaign).toMatchObject({ status: "ACTIVE", solutionVersionArn: versionArn, minProvisionedTPS: 1 });

    const user = [...seen.keys()][0];
    const recs = await runtime.send(new GetRecommendationsCommand({ campaignArn, userId: user, numResults: 10 }));
    const ids = recs.itemList!.map((i) => i.itemId!);
    expect(ids).toHaveLength(10);
    expect(new Set(ids).size).toBe(10);
    for (const id of ids) expect(seen.get(user)!.has(id)).toBe(false);

    // Filters: the items they keep out never come back, and numResults items still do.
    const exclude = (
      await control.send(
        new CreateFilterCommand({
          name: "no-genre",
          datasetGroupArn: groupArn,
          filterExpression: "EXCLUDE ItemID WHERE Items.GENRES IN ($G)",
        }),
      )
    ).filterArn!;
    const genre = genres.get(ids[0])![0];
    const filtered = await runtime.send(
      new GetRecommendationsCommand({ campaignArn, userId: user, numResults: 10, filterArn: exclude, filterValues: { G: `"${genre}"` } }),
    );
    const kept = filtered.itemList!.map((i) => i.itemId!);
    expect(kept).toHaveLength(10);
    for (const id of kept) expect(genres.get(id)).not.toContain(genre);
    const include = (
      await control.send(
        new CreateFilterCommand({
          name: "only-genre",
          datasetGroupArn: groupArn,
          filterExpression: `INCLUDE ItemID WHERE Items.GENRES = "${genre}"`,
        }),
      )
    ).filterArn!;
    const only = (
      await runtime.send(new GetRecommendationsCommand({ campaignArn, userId: user, numResults: 5, filterArn: include }))
    ).itemList!.map((i) => i.itemId!);
    expect(only.length).toBeGreaterThan(0);
    for (const id of only) expect(genres.get(id)).toContain(genre);
    const related = (await runtime.send(new GetRecommendationsCommand({ campaignArn, itemId: ids[0], numResults: 5, filterArn: include })))
      .itemList!;
    for (const r of related) expect(genres.get(r.itemId!)).toContain(genre);
    expect((await control.send(new ListFiltersCommand({ datasetGroupArn: groupArn }))).Filters!.map((f) => f.name)).toEqual([
      "no-genre",
      "only-genre",
    ]);
    expect((await control.send(new DescribeFilterCommand({ filterArn: include }))).filter).toMatchObject({
      status: "ACTIVE",
      filterExpression: `INCLUDE ItemID WHERE Items.GENRES = "${genre}"`,
    });
    const badExpression = await errorOf(() =>
      control.send(
        new CreateFilterCommand({ name: "bad", datasetGroupArn: groupArn, filterExpression: "EXCLUDE ItemID WHERE Items.GENRES IN (" }),
      ),
    );
    expect(badExpression).toMatchObject({ name: "InvalidInputException", message: expect.stringContaining("position") });
    const missingValue = await errorOf(() =>
      runtime.send(new GetRecommendationsCommand({ campaignArn, userId: user, filterArn: exclude })),
    );
    expect(missingValue).toMatchObject({ name: "InvalidInputException", message: expect.stringContaining("G") });
    await control.send(new DeleteFilterCommand({ filterArn: include }));
    await control.send(new DeleteFilterCommand({ filterArn: exclude }));

    // A Pinpoint recommender configuration can name the campaign the control plane created.
    const pinpoint = pinpointClient(server);
    const rec = await pinpoint.send(
      new CreateRecommenderConfigurationCommand({
        CreateRecommenderConfiguration: {
          RecommendationProviderUri: campaignArn,
          RecommendationProviderRoleArn: "arn:aws:iam::111122223333:role/PinpointRoleforPersonalize",
          RecommendationProviderIdType: "PINPOINT_USER_ID",
          RecommendationsDisplayName: "Picks",
        },
      }),
    );
    expect(rec.RecommenderConfigurationResponse!.RecommendationProviderUri).toBe(campaignArn);
  });

  test("UpdateCampaign deploys a newer solution version; the campaign lists; deletes in order", async () => {
    const second = (await control.send(new CreateSolutionVersionCommand({ solutionArn }))).solutionVersionArn!;
    expect(
      (
        await settle(async () => (await control.send(new DescribeSolutionVersionCommand({ solutionVersionArn: second }))).solutionVersion!)
      ).statuses.at(-1),
    ).toBe("ACTIVE");
    await control.send(new UpdateCampaignCommand({ campaignArn, solutionVersionArn: second }));
    expect((await control.send(new DescribeCampaignCommand({ campaignArn }))).campaign!.solutionVersionArn).toBe(second);
    const user = [...seen.keys()][1];
    expect((await runtime.send(new GetRecommendationsCommand({ campaignArn, userId: user, numResults: 5 }))).itemList).toHaveLength(5);
    const listed = await control.send(new ListCampaignsCommand({ solutionArn }));
    expect(listed.campaigns!.map((c) => c.campaignArn)).toEqual([campaignArn]);

    // Used resources refuse deletion, as Personalize does.
    const inUse = await errorOf(() => control.send(new DeleteSolutionCommand({ solutionArn })));
    expect(inUse.name).toBe("ResourceInUseException");
    expect((await errorOf(() => control.send(new DeleteSchemaCommand({ schemaArn })))).name).toBe("ResourceInUseException");
    expect((await errorOf(() => control.send(new DeleteDatasetGroupCommand({ datasetGroupArn: groupArn })))).name).toBe(
      "ResourceInUseException",
    );

    await control.send(new DeleteCampaignCommand({ campaignArn }));
    expect((await errorOf(() => control.send(new DescribeCampaignCommand({ campaignArn })))).name).toBe("ResourceNotFoundException");
    // Servers notice a deleted campaign at their next model poll (a second), as Personalize's DELETE PENDING passes.
    const gone = async () => {
      for (let i = 0; i < 100; i++) {
        const r = await runtime.send(new GetRecommendationsCommand({ campaignArn, userId: user })).then(
          () => undefined,
          (err: Error) => err,
        );
        if (r) return r;
        await new Promise((res) => setTimeout(res, 50));
      }
      throw new Error("the deleted campaign still answers");
    };
    expect((await gone()).name).toBe("ResourceNotFoundException");
    await control.send(new DeleteSolutionCommand({ solutionArn }));
    expect((await errorOf(() => control.send(new DescribeSolutionVersionCommand({ solutionVersionArn: second })))).name).toBe(
      "ResourceNotFoundException",
    );
  });

  test("bad input answers Personalize's typed errors naming what is wrong", async () => {
    const notJson = await errorOf(() => control.send(new CreateSchemaCommand({ name: "broken", schema: "{not json" })));
    expect(notJson.name).toBe("InvalidInputException");
    expect(notJson.message).toContain("not valid JSON");
    const badType = await errorOf(() =>
      control.send(
        new CreateSchemaCommand({
          name: "broken",
          schema: JSON.stringify({ type: "record", name: "x", fields: [{ name: "USER_ID", type: "uuid" }] }),
        }),
      ),
    );
    expect(badType.name).toBe("InvalidInputException");
    expect(badType.message).toContain("USER_ID");
    const itemsOnly = (
      await control.send(
        new CreateSchemaCommand({
          name: "items-only",
          schema: JSON.stringify({ type: "record", name: "Items", fields: [{ name: "ITEM_ID", type: "string" }] }),
        }),
      )
    ).schemaArn!;
    const g2 = (await control.send(new CreateDatasetGroupCommand({ name: "second" }))).datasetGroupArn!;
    const wrongSchema = await errorOf(() =>
      control.send(new CreateDatasetCommand({ name: "i", datasetGroupArn: g2, schemaArn: itemsOnly, datasetType: "INTERACTIONS" })),
    );
    expect(wrongSchema.name).toBe("InvalidInputException");
    expect(wrongSchema.message).toContain("USER_ID");
    const badName = await errorOf(() => control.send(new CreateDatasetGroupCommand({ name: "-bad name" })));
    expect(badName).toMatchObject({ name: "InvalidInputException", message: expect.stringContaining("name") });
    expect((await errorOf(() => control.send(new CreateDatasetGroupCommand({ name: "second" })))).name).toBe(
      "ResourceAlreadyExistsException",
    );
    const missing = await errorOf(() =>
      control.send(
        new DescribeDatasetGroupCommand({ datasetGroupArn: `arn:aws:personalize:us-east-1:${ACCOUNT_A.accountId}:dataset-group/nope` }),
      ),
    );
    expect(missing.name).toBe("ResourceNotFoundException");
    expect((await errorOf(() => control.send(new DescribeDatasetGroupCommand({ datasetGroupArn: "not-an-arn" })))).name).toBe(
      "InvalidInputException",
    );
    const outside = await errorOf(() =>
      control.send(
        new CreateDatasetImportJobCommand({
          jobName: "outside",
          datasetArn,
          dataSource: { dataLocation: "file:///etc/passwd" },
          roleArn: "arn:aws:iam::1:role/r",
        }),
      ),
    );
    expect(outside).toMatchObject({ name: "InvalidInputException", message: expect.stringContaining("outside the import directory") });
    const noS3 = await errorOf(() =>
      control.send(
        new CreateDatasetImportJobCommand({
          jobName: "s3",
          datasetArn,
          dataSource: { dataLocation: "s3://bucket/x.csv" },
          roleArn: "arn:aws:iam::1:role/r",
        }),
      ),
    );
    expect(noS3).toMatchObject({ name: "InvalidInputException", message: expect.stringContaining("--s3-endpoint") });
    // Five dataset groups per account is Personalize's default quota.
    for (const n of ["g3", "g4", "g5"]) await control.send(new CreateDatasetGroupCommand({ name: n }));
    expect((await errorOf(() => control.send(new CreateDatasetGroupCommand({ name: "g6" })))).name).toBe("LimitExceededException");
    for (const n of ["g3", "g4", "g5"])
      await control.send(
        new DeleteDatasetGroupCommand({ datasetGroupArn: `arn:aws:personalize:us-east-1:${ACCOUNT_A.accountId}:dataset-group/${n}` }),
      );
  });

  test("a CSV that disagrees with the schema fails the import job naming the problem, and imports nothing", async () => {
    writeFileSync(join(importDir, "wrong-header.csv"), "USER_ID,ITEM_ID,WHEN\nu1,i1,1\n");
    writeFileSync(join(importDir, "bad-row.csv"), "USER_ID,ITEM_ID,TIMESTAMP\nu1,i1,1605680742\nu2,i2,yesterday\n");
    const run = async (jobName: string, file: string) => {
      const arn = (
        await control.send(
          new CreateDatasetImportJobCommand({
            jobName,
            datasetArn,
            dataSource: { dataLocation: `file://${join(importDir, file)}` },
            roleArn: "arn:aws:iam::1:role/r",
          }),
        )
      ).datasetImportJobArn!;
      return settle(async () => (await control.send(new DescribeDatasetImportJobCommand({ datasetImportJobArn: arn }))).datasetImportJob!);
    };
    const header = await run("wrong-header", "wrong-header.csv");
    expect(header.statuses.at(-1)).toBe("CREATE FAILED");
    expect(header.failureReason).toContain("WHEN");
    const row = await run("bad-row", "bad-row.csv");
    expect(row.statuses.at(-1)).toBe("CREATE FAILED");
    expect(row.failureReason).toMatch(/line 3/);
  });

  test("a solution version left CREATE IN_PROGRESS by a process that died is taken over and trained", async () => {
    const solution = (
      await control.send(
        new CreateSolutionCommand({
          name: "restarted",
          datasetGroupArn: groupArn,
          recipeArn: "arn:aws:personalize:::recipe/aws-popularity-count",
        }),
      )
    ).solutionArn!;
    const version = `${solution}/deadbeef`;
    // What a crashed trainer leaves: the row in progress, its lease already run out.
    const now = Date.now();
    await server.store.personalizeResources.insert(ACCOUNT_TENANT, {
      kind: "solution-version",
      arn: version,
      name: "deadbeef",
      parentArn: solution,
      status: "CREATE IN_PROGRESS",
      doc: { solutionArn: solution, trainingMode: "FULL", creationDateTime: now, lastUpdatedDateTime: now },
    });
    const outcome = await settle(
      async () => (await control.send(new DescribeSolutionVersionCommand({ solutionVersionArn: version }))).solutionVersion!,
    );
    expect(outcome.statuses.at(-1)).toBe("ACTIVE");
    const campaign = (await control.send(new CreateCampaignCommand({ name: "popular", solutionVersionArn: version }))).campaignArn!;
    const recs = await runtime.send(new GetRecommendationsCommand({ campaignArn: campaign, userId: "someone-new", numResults: 3 }));
    expect(recs.itemList).toHaveLength(3);
    await control.send(new DeleteCampaignCommand({ campaignArn: campaign }));
  });

  test("another account sees none of it", async () => {
    expect((await other.send(new ListDatasetGroupsCommand({}))).datasetGroups).toEqual([]);
    expect((await other.send(new ListSchemasCommand({}))).schemas).toEqual([]);
    expect((await errorOf(() => other.send(new DescribeDatasetGroupCommand({ datasetGroupArn: groupArn })))).name).toBe(
      "ResourceNotFoundException",
    );
    expect((await errorOf(() => other.send(new DescribeSchemaCommand({ schemaArn })))).name).toBe("ResourceNotFoundException");
    expect((await control.send(new ListDatasetGroupsCommand({}))).datasetGroups!.map((g) => g.name)).toEqual(["shop", "second"]);
  });
});
