/**
 * Amazon Personalize's control plane (awsJson1_1, `X-Amz-Target: AmazonPersonalize.*`): parses each
 * request, calls the domain (control/service.ts) and shapes the answer as the API reference's
 * responses (https://docs.aws.amazon.com/personalize/latest/dg/API_Operations_Amazon_Personalize.html).
 */
import type * as P from "@aws-sdk/client-personalize";
import { handlersOf } from "../../protocol/handler.js";
import type { PersonalizeResource } from "../../store/personalize-resources.js";
import type { DatasetDoc, DatasetGroupDoc, FilterDoc, ImportJobDoc, SchemaDoc, SolutionDoc, SolutionVersionDoc } from "../control/docs.js";
import { notFound } from "../control/errors.js";
import { nextTokenOf, paging, wireTime } from "../control/names.js";
import { RECIPES } from "../control/recipes.js";
import type { CampaignView, PersonalizeControl } from "../control/service.js";

const times = (d: { creationDateTime: number; lastUpdatedDateTime: number }) => ({
  creationDateTime: wireTime(d.creationDateTime),
  lastUpdatedDateTime: wireTime(d.lastUpdatedDateTime),
});

const datasetGroup = (r: PersonalizeResource<DatasetGroupDoc>) => ({
  name: r.name,
  datasetGroupArn: r.arn,
  status: r.status,
  ...(r.doc.roleArn !== undefined && { roleArn: r.doc.roleArn }),
  ...(r.doc.kmsKeyArn !== undefined && { kmsKeyArn: r.doc.kmsKeyArn }),
  ...times(r.doc),
});

const schema = (r: PersonalizeResource<SchemaDoc>, full: boolean) => ({
  name: r.name,
  schemaArn: r.arn,
  ...(full && { schema: r.doc.schema }),
  ...times(r.doc),
});

const dataset = (r: PersonalizeResource<DatasetDoc>, full: boolean) => ({
  name: r.name,
  datasetArn: r.arn,
  datasetType: r.doc.datasetType,
  status: r.status,
  ...(full && { datasetGroupArn: r.doc.datasetGroupArn, schemaArn: r.doc.schemaArn }),
  ...times(r.doc),
});

const importJob = (r: PersonalizeResource<ImportJobDoc>, full: boolean) => ({
  jobName: r.name,
  datasetImportJobArn: r.arn,
  status: r.status,
  importMode: r.doc.importMode,
  ...(r.doc.failureReason !== undefined && { failureReason: r.doc.failureReason }),
  ...(full && {
    datasetArn: r.doc.datasetArn,
    dataSource: r.doc.dataSource,
    ...(r.doc.roleArn !== undefined && { roleArn: r.doc.roleArn }),
  }),
  ...times(r.doc),
});

const solutionVersionSummary = (r: PersonalizeResource<SolutionVersionDoc>) => ({
  solutionVersionArn: r.arn,
  status: r.status,
  trainingMode: r.doc.trainingMode,
  trainingType: "MANUAL",
  ...(r.doc.failureReason !== undefined && { failureReason: r.doc.failureReason }),
  ...times(r.doc),
});

const filter = (r: PersonalizeResource<FilterDoc>, full: boolean) => ({
  name: r.name,
  filterArn: r.arn,
  datasetGroupArn: r.doc.datasetGroupArn,
  status: r.status,
  ...(full && { filterExpression: r.doc.filterExpression }),
  ...times(r.doc),
});

const campaign = (v: CampaignView, full: boolean) => {
  const c = v.control?.doc;
  const created = c ? wireTime(c.creationDateTime) : Date.parse(v.record.creationDateTime) / 1000;
  const updated = c ? wireTime(c.lastUpdatedDateTime) : Date.parse(v.record.lastUpdatedDateTime) / 1000;
  return {
    name: v.record.name,
    campaignArn: v.record.arn,
    status: "ACTIVE",
    creationDateTime: created,
    lastUpdatedDateTime: updated,
    ...(full && c && { solutionVersionArn: c.solutionVersionArn, minProvisionedTPS: c.minProvisionedTPS }),
    ...(full && c?.campaignConfig && { campaignConfig: c.campaignConfig }),
  };
};

export function controlHandlers(control: PersonalizeControl) {
  return handlersOf<{
    CreateDatasetGroup: P.CreateDatasetGroupRequest;
    DescribeDatasetGroup: P.DescribeDatasetGroupRequest;
    ListDatasetGroups: P.ListDatasetGroupsRequest;
    DeleteDatasetGroup: P.DeleteDatasetGroupRequest;
    CreateSchema: P.CreateSchemaRequest;
    DescribeSchema: P.DescribeSchemaRequest;
    ListSchemas: P.ListSchemasRequest;
    DeleteSchema: P.DeleteSchemaRequest;
    CreateDataset: P.CreateDatasetRequest;
    DescribeDataset: P.DescribeDatasetRequest;
    ListDatasets: P.ListDatasetsRequest;
    DeleteDataset: P.DeleteDatasetRequest;
    CreateDatasetImportJob: P.CreateDatasetImportJobRequest;
    DescribeDatasetImportJob: P.DescribeDatasetImportJobRequest;
    ListDatasetImportJobs: P.ListDatasetImportJobsRequest;
    ListRecipes: P.ListRecipesRequest;
    DescribeRecipe: P.DescribeRecipeRequest;
    CreateSolution: P.CreateSolutionRequest;
    DescribeSolution: P.DescribeSolutionRequest;
    ListSolutions: P.ListSolutionsRequest;
    DeleteSolution: P.DeleteSolutionRequest;
    CreateSolutionVersion: P.CreateSolutionVersionRequest;
    DescribeSolutionVersion: P.DescribeSolutionVersionRequest;
    ListSolutionVersions: P.ListSolutionVersionsRequest;
    CreateCampaign: P.CreateCampaignRequest;
    DescribeCampaign: P.DescribeCampaignRequest;
    ListCampaigns: P.ListCampaignsRequest;
    UpdateCampaign: P.UpdateCampaignRequest;
    DeleteCampaign: P.DeleteCampaignRequest;
    CreateFilter: P.CreateFilterRequest;
    DescribeFilter: P.DescribeFilterRequest;
    ListFilters: P.ListFiltersRequest;
    DeleteFilter: P.DeleteFilterRequest;
  }>({
    async CreateDatasetGroup({ tenant, input }) {
      return { body: { datasetGroupArn: await control.createDatasetGroup(tenant, input) } };
    },
    async DescribeDatasetGroup({ tenant, input }) {
      return {
        body: { datasetGroup: datasetGroup(await control.find(tenant, "dataset-group", "datasetGroupArn", input.datasetGroupArn)) },
      };
    },
    async ListDatasetGroups({ tenant, input }) {
      const { after, limit } = paging(input);
      const page = await control.list<DatasetGroupDoc>(tenant, "dataset-group", undefined, after, limit);
      return { body: { datasetGroups: page.items.map(datasetGroup), nextToken: nextTokenOf(page) } };
    },
    async DeleteDatasetGroup({ tenant, input }) {
      await control.remove(tenant, "dataset-group", "datasetGroupArn", input.datasetGroupArn);
      return { body: {} };
    },

    async CreateSchema({ tenant, input }) {
      return { body: { schemaArn: await control.createSchema(tenant, input) } };
    },
    async DescribeSchema({ tenant, input }) {
      return { body: { schema: schema(await control.find(tenant, "schema", "schemaArn", input.schemaArn), true) } };
    },
    async ListSchemas({ tenant, input }) {
      const { after, limit } = paging(input);
      const page = await control.list<SchemaDoc>(tenant, "schema", undefined, after, limit);
      return { body: { schemas: page.items.map((r) => schema(r, false)), nextToken: nextTokenOf(page) } };
    },
    async DeleteSchema({ tenant, input }) {
      await control.remove(tenant, "schema", "schemaArn", input.schemaArn);
      return { body: {} };
    },

    async CreateDataset({ tenant, input }) {
      return { body: { datasetArn: await control.createDataset(tenant, input) } };
    },
    async DescribeDataset({ tenant, input }) {
      return { body: { dataset: dataset(await control.find(tenant, "dataset", "datasetArn", input.datasetArn), true) } };
    },
    async ListDatasets({ tenant, input }) {
      const { after, limit } = paging(input);
      const group =
        input.datasetGroupArn === undefined
          ? undefined
          : (await control.find(tenant, "dataset-group", "datasetGroupArn", input.datasetGroupArn)).arn;
      const page = await control.list<DatasetDoc>(tenant, "dataset", group, after, limit);
      return { body: { datasets: page.items.map((r) => dataset(r, false)), nextToken: nextTokenOf(page) } };
    },
    async DeleteDataset({ tenant, input }) {
      await control.remove(tenant, "dataset", "datasetArn", input.datasetArn, ["dataset-import-job"]);
      return { body: {} };
    },

    async CreateDatasetImportJob({ tenant, input }) {
      return { body: { datasetImportJobArn: await control.createImportJob(tenant, input) } };
    },
    async DescribeDatasetImportJob({ tenant, input }) {
      const r = await control.find<ImportJobDoc>(tenant, "dataset-import-job", "datasetImportJobArn", input.datasetImportJobArn);
      return { body: { datasetImportJob: importJob(r, true) } };
    },
    async ListDatasetImportJobs({ tenant, input }) {
      const { after, limit } = paging(input);
      const ds = input.datasetArn === undefined ? undefined : (await control.find(tenant, "dataset", "datasetArn", input.datasetArn)).arn;
      const page = await control.list<ImportJobDoc>(tenant, "dataset-import-job", ds, after, limit);
      return { body: { datasetImportJobs: page.items.map((r) => importJob(r, false)), nextToken: nextTokenOf(page) } };
    },

    async ListRecipes({ input }) {
      if (input.domain !== undefined) return { body: { recipes: [] } };
      return {
        body: {
          recipes: RECIPES.map((r) => ({
            name: r.name,
            recipeArn: r.recipeArn,
            status: "ACTIVE",
            creationDateTime: 0,
            lastUpdatedDateTime: 0,
          })),
        },
      };
    },
    async DescribeRecipe({ input }) {
      const r = RECIPES.find((x) => x.recipeArn === input.recipeArn);
      if (!r) throw notFound(`Recipe ${input.recipeArn} does not exist.`);
      return {
        body: {
          recipe: {
            name: r.name,
            recipeArn: r.recipeArn,
            algorithmArn: `arn:aws:personalize:::algorithm/pinrec-${r.engineRecipe}`,
            status: "ACTIVE",
            description: r.description,
            recipeType: r.recipeType,
            creationDateTime: 0,
            lastUpdatedDateTime: 0,
          },
        },
      };
    },

    async CreateSolution({ tenant, input }) {
      return { body: { solutionArn: await control.createSolution(tenant, input) } };
    },
    async DescribeSolution({ tenant, input }) {
      const r = await control.find<SolutionDoc>(tenant, "solution", "solutionArn", input.solutionArn);
      const versions = await control.list<SolutionVersionDoc>(tenant, "solution-version", r.arn, 0, 1000);
      const latest = versions.items.at(-1);
      return {
        body: {
          solution: {
            name: r.name,
            solutionArn: r.arn,
            performHPO: r.doc.performHPO,
            performAutoML: r.doc.performAutoML,
            ...(r.doc.recipeArn !== undefined && { recipeArn: r.doc.recipeArn }),
            datasetGroupArn: r.doc.datasetGroupArn,
            ...(r.doc.eventType !== undefined && { eventType: r.doc.eventType }),
            ...(r.doc.solutionConfig !== undefined && { solutionConfig: r.doc.solutionConfig }),
            status: r.status,
            ...times(r.doc),
            ...(latest && { latestSolutionVersion: solutionVersionSummary(latest) }),
          },
        },
      };
    },
    async ListSolutions({ tenant, input }) {
      const { after, limit } = paging(input);
      const group =
        input.datasetGroupArn === undefined
          ? undefined
          : (await control.find(tenant, "dataset-group", "datasetGroupArn", input.datasetGroupArn)).arn;
      const page = await control.list<SolutionDoc>(tenant, "solution", group, after, limit);
      return {
        body: {
          solutions: page.items.map((r) => ({
            name: r.name,
            solutionArn: r.arn,
            status: r.status,
            ...(r.doc.recipeArn !== undefined && { recipeArn: r.doc.recipeArn }),
            ...times(r.doc),
          })),
          nextToken: nextTokenOf(page),
        },
      };
    },
    async DeleteSolution({ tenant, input }) {
      await control.remove(tenant, "solution", "solutionArn", input.solutionArn, ["solution-version"]);
      return { body: {} };
    },

    async CreateSolutionVersion({ tenant, input }) {
      return { body: { solutionVersionArn: await control.createSolutionVersion(tenant, input) } };
    },
    async DescribeSolutionVersion({ tenant, input }) {
      const r = await control.find<SolutionVersionDoc>(tenant, "solution-version", "solutionVersionArn", input.solutionVersionArn);
      const solution = await control.find<SolutionDoc>(tenant, "solution", "solutionArn", r.doc.solutionArn);
      return {
        body: {
          solutionVersion: {
            name: r.name,
            ...solutionVersionSummary(r),
            solutionArn: r.doc.solutionArn,
            performHPO: solution.doc.performHPO,
            performAutoML: solution.doc.performAutoML,
            ...(solution.doc.recipeArn !== undefined && { recipeArn: solution.doc.recipeArn }),
            ...(solution.doc.eventType !== undefined && { eventType: solution.doc.eventType }),
            datasetGroupArn: solution.doc.datasetGroupArn,
            ...(solution.doc.solutionConfig !== undefined && { solutionConfig: solution.doc.solutionConfig }),
            ...(r.doc.trainingMs !== undefined && { trainingHours: r.doc.trainingMs / 3_600_000 }),
            ...(r.doc.tunedHPOParams && { tunedHPOParams: r.doc.tunedHPOParams }),
          },
        },
      };
    },
    async ListSolutionVersions({ tenant, input }) {
      const { after, limit } = paging(input);
      const sol =
        input.solutionArn === undefined ? undefined : (await control.find(tenant, "solution", "solutionArn", input.solutionArn)).arn;
      const page = await control.list<SolutionVersionDoc>(tenant, "solution-version", sol, after, limit);
      return { body: { solutionVersions: page.items.map(solutionVersionSummary), nextToken: nextTokenOf(page) } };
    },

    async CreateCampaign({ tenant, input }) {
      return { body: { campaignArn: await control.createCampaign(tenant, input) } };
    },
    async DescribeCampaign({ tenant, input }) {
      return { body: { campaign: campaign(await control.describeCampaign(tenant, input.campaignArn), true) } };
    },
    async ListCampaigns({ tenant, input }) {
      const { after, limit } = paging(input);
      const sol =
        input.solutionArn === undefined ? undefined : (await control.find(tenant, "solution", "solutionArn", input.solutionArn)).arn;
      const all = await control.listCampaigns(tenant, sol);
      const page = all.slice(after, after + limit);
      const more = after + limit < all.length;
      return {
        body: {
          campaigns: page.map((v) => campaign(v, false)),
          nextToken: nextTokenOf({ items: page, after: more ? after + limit : undefined }),
        },
      };
    },
    async UpdateCampaign({ tenant, input }) {
      return { body: { campaignArn: await control.updateCampaign(tenant, input) } };
    },
    async DeleteCampaign({ tenant, input }) {
      await control.deleteCampaign(tenant, input.campaignArn);
      return { body: {} };
    },

    async CreateFilter({ tenant, input }) {
      return { body: { filterArn: await control.createFilter(tenant, input) } };
    },
    async DescribeFilter({ tenant, input }) {
      return { body: { filter: filter(await control.find(tenant, "filter", "filterArn", input.filterArn), true) } };
    },
    async ListFilters({ tenant, input }) {
      const { after, limit } = paging(input);
      const group =
        input.datasetGroupArn === undefined
          ? undefined
          : (await control.find(tenant, "dataset-group", "datasetGroupArn", input.datasetGroupArn)).arn;
      const page = await control.list<FilterDoc>(tenant, "filter", group, after, limit);
      // ListFilters answers `Filters`, capitalised, as the API reference writes it.
      return { body: { Filters: page.items.map((r) => filter(r, false)), nextToken: nextTokenOf(page) } };
    },
    async DeleteFilter({ tenant, input }) {
      await control.remove(tenant, "filter", "filterArn", input.filterArn);
      return { body: {} };
    },
  });
}
