/**
 * Amazon Personalize's control plane over the store: dataset groups, schemas, datasets, import
 * jobs, solutions, solution versions and campaigns. Quotas and name rules are Personalize's
 * (https://docs.aws.amazon.com/personalize/latest/dg/limits.html). A campaign created here is a
 * campaign of the embedded engine's registry, the same object `pinrec campaigns` creates, so the
 * runtime API and Pinpoint recommender configurations answer from it.
 */
import { randomBytes, randomUUID } from "node:crypto";
import type { CampaignRecord } from "../../store/personalize-campaigns.js";
import type { PersonalizeKind, PersonalizeResource, ResourceLimit } from "../../store/personalize-resources.js";
import type { Page, Store, Tenant } from "../../store/types.js";
import { campaignArn } from "../campaigns/arn.js";
import type { DataSources } from "./data-source.js";
import type {
  CampaignDoc,
  DatasetDoc,
  DatasetGroupDoc,
  FilterDoc,
  ImportJobDoc,
  SchemaDoc,
  SolutionDoc,
  SolutionVersionDoc,
} from "./docs.js";
import { type FilterPlan, parseFilter } from "./filters.js";
import { alreadyExists, inUse, invalidInput, limitExceeded, notFound } from "./errors.js";
import type { PersonalizeJobRunner } from "./jobs.js";
import { arnTail, checkArn, checkName, resourceArn } from "./names.js";
import { recipeByArn } from "./recipes.js";
import { checkSchemaFor, DATASET_TYPES, type DatasetType, parseSchema } from "./schema.js";

/** Personalize's default quotas per account and region. */
export const LIMITS = {
  datasetGroups: 5,
  schemas: 500,
  solutionsPerGroup: 10,
  activeCampaigns: 5,
  filtersPerGroup: 10,
} as const;

const KIND_TITLE: Record<PersonalizeKind, string> = {
  "dataset-group": "Dataset group",
  schema: "Schema",
  dataset: "Dataset",
  "dataset-import-job": "Dataset import job",
  solution: "Solution",
  "solution-version": "Solution version",
  campaign: "Campaign",
  filter: "Filter",
  "event-tracker": "Event tracker",
};

export interface CampaignView {
  record: CampaignRecord;
  /** Absent for a campaign `pinrec campaigns` created (it has no solution version). */
  control?: PersonalizeResource<CampaignDoc>;
}

export class PersonalizeControl {
  constructor(
    private readonly store: Store,
    private readonly sources: DataSources,
    private readonly jobs: PersonalizeJobRunner,
  ) {}

  private get repo() {
    return this.store.personalizeResources;
  }

  /** The tenant's resource of a kind at `arn`, or Personalize's ResourceNotFoundException. */
  async find<D extends object>(t: Tenant, kind: PersonalizeKind, field: string, arn: unknown): Promise<PersonalizeResource<D>> {
    const checked = checkArn(field, arn);
    const r = await this.repo.get<D>(t, checked);
    if (!r || r.kind !== kind) throw notFound(`${KIND_TITLE[kind]} ${checked} does not exist.`);
    return r;
  }

  private async insert(t: Tenant, r: PersonalizeResource<object>, limit?: ResourceLimit, quotaName?: string): Promise<string> {
    const outcome = await this.repo.insert(t, r, limit);
    if (outcome === "exists") throw alreadyExists(`${KIND_TITLE[r.kind]} ${r.arn} already exists.`);
    if (outcome === "limit") throw limitExceeded(`The ${quotaName} quota (${limit?.max}) is reached in ${t.accountId}/${t.region}.`);
    return r.arn;
  }

  async remove(t: Tenant, kind: PersonalizeKind, field: string, arn: unknown, cascade: PersonalizeKind[] = []): Promise<void> {
    const r = await this.find(t, kind, field, arn);
    const out = await this.repo.delete(t, r.arn, cascade);
    if (out.outcome === "in-use") throw inUse(`${KIND_TITLE[kind]} ${r.arn} is in use by ${out.by}; delete that first.`);
    if (out.outcome === "missing") throw notFound(`${KIND_TITLE[kind]} ${r.arn} does not exist.`);
  }

  list<D extends object>(
    t: Tenant,
    kind: PersonalizeKind,
    parentArn: string | undefined,
    after: number,
    limit: number,
  ): Promise<Page<PersonalizeResource<D>>> {
    return this.repo.list<D>(t, kind, parentArn, after, limit);
  }

  createDatasetGroup(t: Tenant, input: { name?: string; roleArn?: string; kmsKeyArn?: string; domain?: string }): Promise<string> {
    const name = checkName("name", input.name);
    if (input.domain !== undefined)
      throw invalidInput("Domain dataset groups (domain) are not supported: create a custom dataset group (omit domain)");
    const now = Date.now();
    const doc: DatasetGroupDoc = { creationDateTime: now, lastUpdatedDateTime: now, roleArn: input.roleArn, kmsKeyArn: input.kmsKeyArn };
    return this.insert(
      t,
      { kind: "dataset-group", arn: resourceArn(t, `dataset-group/${name}`), name, status: "ACTIVE", doc },
      { max: LIMITS.datasetGroups },
      "dataset groups per account",
    );
  }

  createSchema(t: Tenant, input: { name?: string; schema?: string; domain?: string }): Promise<string> {
    const name = checkName("name", input.name);
    parseSchema(input.schema);
    if (input.domain !== undefined) throw invalidInput("Domain schemas (domain) are not supported: omit domain");
    const now = Date.now();
    const doc: SchemaDoc = { schema: input.schema!, creationDateTime: now, lastUpdatedDateTime: now };
    return this.insert(
      t,
      { kind: "schema", arn: resourceArn(t, `schema/${name}`), name, status: "ACTIVE", doc },
      { max: LIMITS.schemas },
      "schemas per account",
    );
  }

  async createDataset(
    t: Tenant,
    input: { name?: string; schemaArn?: string; datasetGroupArn?: string; datasetType?: string },
  ): Promise<string> {
    const name = checkName("name", input.name);
    const type = String(input.datasetType ?? "").toUpperCase() as DatasetType;
    if (!DATASET_TYPES.includes(type))
      throw invalidInput(`datasetType must be one of ${DATASET_TYPES.join(", ")}; got '${input.datasetType}'`);
    const group = await this.find(t, "dataset-group", "datasetGroupArn", input.datasetGroupArn);
    const schema = await this.find<SchemaDoc>(t, "schema", "schemaArn", input.schemaArn);
    checkSchemaFor(type, parseSchema(schema.doc.schema));
    const now = Date.now();
    const doc: DatasetDoc = {
      datasetType: type,
      datasetGroupArn: group.arn,
      datasetGroupName: group.name,
      schemaArn: schema.arn,
      creationDateTime: now,
      lastUpdatedDateTime: now,
    };
    // A dataset group has one dataset of each type, and its ARN says which.
    const arn = resourceArn(t, `dataset/${group.name}/${type}`);
    return this.insert(t, { kind: "dataset", arn, name, parentArn: group.arn, refArn: schema.arn, status: "ACTIVE", doc });
  }

  async createImportJob(
    t: Tenant,
    input: { jobName?: string; datasetArn?: string; dataSource?: { dataLocation?: string }; roleArn?: string; importMode?: string },
  ): Promise<string> {
    const name = checkName("jobName", input.jobName);
    const dataset = await this.find<DatasetDoc>(t, "dataset", "datasetArn", input.datasetArn);
    const location = input.dataSource?.dataLocation;
    if (typeof location !== "string" || location.length === 0)
      throw invalidInput("dataSource.dataLocation is required (s3://bucket/key or a file:// URL)");
    const mode = input.importMode ?? "FULL";
    if (mode !== "FULL" && mode !== "INCREMENTAL") throw invalidInput(`importMode must be FULL or INCREMENTAL; got '${mode}'`);
    await this.sources.check(t, location);
    const now = Date.now();
    const doc: ImportJobDoc = {
      datasetArn: dataset.arn,
      dataSource: { dataLocation: location },
      roleArn: input.roleArn,
      importMode: mode,
      creationDateTime: now,
      lastUpdatedDateTime: now,
    };
    const arn = await this.insert(t, {
      kind: "dataset-import-job",
      arn: resourceArn(t, `dataset-import-job/${name}`),
      name,
      parentArn: dataset.arn,
      status: "CREATE PENDING",
      doc,
    });
    this.jobs.kick();
    return arn;
  }

  async createSolution(
    t: Tenant,
    input: {
      name?: string;
      datasetGroupArn?: string;
      recipeArn?: string;
      performHPO?: boolean;
      performAutoML?: boolean;
      eventType?: string;
      solutionConfig?: Record<string, unknown>;
    },
  ): Promise<string> {
    const name = checkName("name", input.name);
    const group = await this.find(t, "dataset-group", "datasetGroupArn", input.datasetGroupArn);
    if (input.recipeArn === undefined && !input.performAutoML) throw invalidInput("recipeArn is required unless performAutoML is true");
    if (input.recipeArn !== undefined && !recipeByArn(input.recipeArn))
      throw notFound(`Recipe ${input.recipeArn} does not exist (ListRecipes lists the recipes pinrec trains).`);
    const now = Date.now();
    const doc: SolutionDoc = {
      datasetGroupArn: group.arn,
      recipeArn: input.recipeArn,
      performHPO: input.performHPO ?? false,
      performAutoML: input.performAutoML ?? false,
      eventType: input.eventType,
      solutionConfig: input.solutionConfig,
      creationDateTime: now,
      lastUpdatedDateTime: now,
    };
    return this.insert(
      t,
      { kind: "solution", arn: resourceArn(t, `solution/${name}`), name, parentArn: group.arn, status: "ACTIVE", doc },
      { max: LIMITS.solutionsPerGroup, perParent: true },
      "solutions per dataset group",
    );
  }

  async createSolutionVersion(t: Tenant, input: { solutionArn?: string; trainingMode?: string; name?: string }): Promise<string> {
    const solution = await this.find<SolutionDoc>(t, "solution", "solutionArn", input.solutionArn);
    const mode = input.trainingMode ?? "FULL";
    if (!["FULL", "UPDATE", "AUTOTRAIN"].includes(mode))
      throw invalidInput(`trainingMode must be FULL, UPDATE or AUTOTRAIN; got '${mode}'`);
    const versions = await this.repo.list<SolutionVersionDoc>(t, "solution-version", solution.arn, 0, 1000);
    if (versions.items.some((v) => v.status === "CREATE PENDING" || v.status === "CREATE IN_PROGRESS"))
      throw inUse(`Solution ${solution.arn} already has a solution version being created; wait for it to finish.`);
    const id = randomBytes(4).toString("hex");
    const now = Date.now();
    const doc: SolutionVersionDoc = { solutionArn: solution.arn, trainingMode: mode, creationDateTime: now, lastUpdatedDateTime: now };
    const arn = await this.insert(t, {
      kind: "solution-version",
      arn: `${solution.arn}/${id}`,
      name: input.name === undefined ? id : checkName("name", input.name),
      parentArn: solution.arn,
      status: "CREATE PENDING",
      doc,
    });
    this.jobs.kick();
    return arn;
  }

  async createFilter(t: Tenant, input: { name?: string; datasetGroupArn?: string; filterExpression?: string }): Promise<string> {
    const name = checkName("name", input.name);
    const group = await this.find(t, "dataset-group", "datasetGroupArn", input.datasetGroupArn);
    parseFilter(input.filterExpression);
    const now = Date.now();
    const doc: FilterDoc = {
      datasetGroupArn: group.arn,
      filterExpression: input.filterExpression!,
      creationDateTime: now,
      lastUpdatedDateTime: now,
    };
    return this.insert(
      t,
      { kind: "filter", arn: resourceArn(t, `filter/${name}`), name, parentArn: group.arn, status: "ACTIVE", doc },
      { max: LIMITS.filtersPerGroup, perParent: true },
      "filters per dataset group",
    );
  }

  private readonly plans = new Map<string, FilterPlan>();

  /** The checked plan of the tenant's filter at `arn` (parsed once per expression), for GetRecommendations. */
  async filterPlan(t: Tenant, arn: unknown): Promise<FilterPlan> {
    const filter = await this.find<FilterDoc>(t, "filter", "filterArn", arn);
    const key = `${filter.arn}\u0000${filter.doc.filterExpression}`;
    let plan = this.plans.get(key);
    if (!plan) {
      plan = parseFilter(filter.doc.filterExpression);
      if (this.plans.size >= 1000) this.plans.clear();
      this.plans.set(key, plan);
    }
    return plan;
  }

  /** Deploys an ACTIVE solution version as a campaign of the engine's registry. */
  async createCampaign(
    t: Tenant,
    input: { name?: string; solutionVersionArn?: string; minProvisionedTPS?: number; campaignConfig?: Record<string, unknown> },
  ): Promise<string> {
    const name = checkName("name", input.name);
    const version = await this.activeVersion(t, input.solutionVersionArn);
    const tps = input.minProvisionedTPS ?? 1;
    if (!Number.isInteger(tps) || tps < 1) throw invalidInput("minProvisionedTPS must be an integer of at least 1");
    const arn = campaignArn(t, name);
    if (await this.store.personalizeCampaigns.get(t, name)) throw alreadyExists(`Campaign ${arn} already exists.`);
    const now = Date.now();
    const doc: CampaignDoc = {
      solutionVersionArn: version.arn,
      minProvisionedTPS: tps,
      campaignConfig: input.campaignConfig,
      creationDateTime: now,
      lastUpdatedDateTime: now,
    };
    await this.insert(
      t,
      { kind: "campaign", arn, name, parentArn: version.doc.solutionArn, refArn: version.arn, status: "ACTIVE", doc },
      { max: LIMITS.activeCampaigns },
      "active campaigns per account",
    );
    try {
      await this.deploy(t, name, version, undefined);
    } catch (err) {
      await this.repo.delete(t, arn).catch(() => {});
      throw err;
    }
    return arn;
  }

  async updateCampaign(
    t: Tenant,
    input: { campaignArn?: string; solutionVersionArn?: string; minProvisionedTPS?: number; campaignConfig?: Record<string, unknown> },
  ): Promise<string> {
    const arn = checkArn("campaignArn", input.campaignArn);
    const name = arnTail(arn);
    const record = arn === campaignArn(t, name) ? await this.store.personalizeCampaigns.get(t, name) : undefined;
    if (!record) throw notFound(`Campaign ${arn} does not exist.`);
    const control = await this.repo.get<CampaignDoc>(t, arn);
    if (input.solutionVersionArn === undefined && !control)
      throw invalidInput("solutionVersionArn is required to update a campaign pinrec campaigns created");
    const version = await this.activeVersion(t, input.solutionVersionArn ?? control!.doc.solutionVersionArn);
    const tps = input.minProvisionedTPS ?? control?.doc.minProvisionedTPS ?? 1;
    if (!Number.isInteger(tps) || tps < 1) throw invalidInput("minProvisionedTPS must be an integer of at least 1");
    const now = Date.now();
    const doc: CampaignDoc = {
      solutionVersionArn: version.arn,
      minProvisionedTPS: tps,
      campaignConfig: input.campaignConfig ?? control?.doc.campaignConfig,
      creationDateTime: control?.doc.creationDateTime ?? Date.parse(record.creationDateTime),
      lastUpdatedDateTime: now,
    };
    if (version.modelKey !== record.modelKey) await this.deploy(t, name, version, record);
    if (control) await this.repo.delete(t, arn);
    await this.repo.insert(t, {
      kind: "campaign",
      arn,
      name,
      parentArn: version.doc.solutionArn,
      refArn: version.arn,
      status: "ACTIVE",
      doc,
    });
    return arn;
  }

  async deleteCampaign(t: Tenant, arnInput: unknown): Promise<void> {
    const arn = checkArn("campaignArn", arnInput);
    const name = arnTail(arn);
    const record = arn === campaignArn(t, name) ? await this.store.personalizeCampaigns.get(t, name) : undefined;
    if (!record) throw notFound(`Campaign ${arn} does not exist.`);
    await this.withCampaignLease(t, name, "delete", async (owner) => {
      const out = await this.store.personalizeCampaigns.delete(t, name, owner);
      if (out === "lease-lost") throw inUse(`Campaign ${arn} was taken over by another process; try again.`);
    });
    await this.repo.delete(t, arn);
    // Models of campaigns `pinrec campaigns` created are theirs alone; a solution version's model stays with the version.
    if (!record.modelKey.startsWith("personalize/")) await this.store.models.deleteAll(`${t.accountId}/${t.region}/${name}`);
  }

  async describeCampaign(t: Tenant, arnInput: unknown): Promise<CampaignView> {
    const arn = checkArn("campaignArn", arnInput);
    const name = arnTail(arn);
    const record = arn === campaignArn(t, name) ? await this.store.personalizeCampaigns.get(t, name) : undefined;
    if (!record) throw notFound(`Campaign ${arn} does not exist.`);
    return { record, control: await this.repo.get<CampaignDoc>(t, arn) };
  }

  /** Every campaign of the tenant (the API's and `pinrec campaigns`'), or those of one solution. */
  async listCampaigns(t: Tenant, solutionArn: string | undefined): Promise<CampaignView[]> {
    const controls = new Map<string, PersonalizeResource<CampaignDoc>>();
    let after = 0;
    for (;;) {
      const page = await this.repo.list<CampaignDoc>(t, "campaign", solutionArn, after, 100);
      for (const c of page.items) controls.set(c.arn, c);
      if (page.after === undefined) break;
      after = page.after;
    }
    const all = await this.store.personalizeCampaigns.list(t);
    return all
      .map(({ campaign }) => ({ record: campaign, control: controls.get(campaign.arn) }))
      .filter((v) => solutionArn === undefined || v.control !== undefined);
  }

  private async activeVersion(t: Tenant, arn: unknown): Promise<PersonalizeResource<SolutionVersionDoc> & { modelKey: string }> {
    const version = await this.find<SolutionVersionDoc>(t, "solution-version", "solutionVersionArn", arn);
    if (version.status !== "ACTIVE" || !version.doc.modelKey)
      throw invalidInput(`Solution version ${version.arn} is ${version.status}, not ACTIVE: a campaign needs an ACTIVE solution version`);
    return { ...version, modelKey: version.doc.modelKey };
  }

  /** Points the registry's campaign at the version's model (a new campaign, or a new version of `existing`). */
  private async deploy(
    t: Tenant,
    name: string,
    version: PersonalizeResource<SolutionVersionDoc> & { modelKey: string },
    existing: CampaignRecord | undefined,
  ) {
    await this.withCampaignLease(t, name, existing ? "retrain" : "create", async (owner) => {
      const now = new Date().toISOString();
      const record: CampaignRecord = {
        name,
        arn: campaignArn(t, name),
        trackingId: existing?.trackingId ?? randomUUID(),
        recipe: version.doc.engineRecipe ?? "auto",
        recipeChoice: version.doc.engineRecipe ?? "auto",
        version: (existing?.version ?? 0) + 1,
        modelKey: version.modelKey,
        ...(existing && { previousModelKey: existing.modelKey }),
        eventsSeq: existing ? await this.store.personalizeCampaigns.lastEventSeq(t, name) : 0,
        // The training data is the dataset group's, not a file: `pinrec campaigns retrain` cannot retrain it (CreateSolutionVersion does).
        interactionsFile: version.arn,
        stats: { ...(version.doc.stats ?? {}), trainingMs: version.doc.trainingMs ?? 0 },
        creationDateTime: existing?.creationDateTime ?? now,
        lastUpdatedDateTime: now,
      };
      const outcome = await this.store.personalizeCampaigns.commit(t, record, owner, existing?.version ?? 0);
      if (outcome === "exists") throw alreadyExists(`Campaign ${record.arn} already exists.`);
      if (outcome !== "committed") throw inUse(`Campaign ${record.arn} was changed by another process (${outcome}); try again.`);
    });
  }

  private async withCampaignLease(t: Tenant, name: string, op: "create" | "retrain" | "delete", fn: (owner: string) => Promise<void>) {
    const owner = randomUUID();
    const got = await this.store.personalizeCampaigns.acquireLease(t, name, owner, op, 60_000);
    if (!got.acquired) throw inUse(`Campaign ${campaignArn(t, name)} is being changed by another process; try again when it has finished.`);
    try {
      await fn(owner);
    } finally {
      await this.store.personalizeCampaigns.releaseLease(t, name, owner).catch(() => {});
    }
  }
}
