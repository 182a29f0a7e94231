/**
 * The control plane's durable work: dataset import jobs and solution versions (training), each a
 * row a worker claims under a lease (store/personalize-resources.ts). A job whose process died is
 * taken over when its lease runs out and run again from the start (both kinds are idempotent: an
 * import rewrites the same data key, a training writes the same model key); after
 * MAX_ATTEMPTS claims it is marked CREATE FAILED, so nothing stays CREATE IN_PROGRESS for ever.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DEFAULT_TUNE_BUDGET_SECONDS,
  ImportError,
  importDataset,
  serializeModel,
  train,
  tune,
  tuneCandidates,
} from "../../engine/index.js";
import { PRIVATE_FILE_MODE } from "../../store/files.js";
import type { ClaimedJob, PersonalizeResource } from "../../store/personalize-resources.js";
import type { Store, Tenant } from "../../store/types.js";
import type { DataSources } from "./data-source.js";
import { recipeByArn } from "./recipes.js";
import { headerMismatch, parseSchema } from "./schema.js";
import type { DatasetDoc, ImportJobDoc, SolutionDoc, SolutionVersionDoc } from "./docs.js";

export const MAX_ATTEMPTS = 3;

export interface JobRunnerOptions {
  /** How often to look for pending jobs (ms); 0: only when kicked. Default 1000. */
  pollMs?: number;
  leaseMs?: number;
  onError?: (err: unknown) => void;
}

/** A failure to record on the job (failureReason), as opposed to a fault that leaves it for a retry. */
class JobFailure extends Error {}

/** Where a dataset's imported CSV files and a solution version's model are kept in the model store. */
export const dataKey = (t: Tenant, datasetGroup: string, type: string, job: string) =>
  `personalize/${t.accountId}/${t.region}/data/${datasetGroup}/${type}/${job}.csv`;
export const versionModelKey = (t: Tenant, solution: string, id: string) =>
  `personalize/${t.accountId}/${t.region}/solution-versions/${solution}/${id}`;

/** The first line of a CSV text and the rest, with the header's columns as Personalize reads them. */
function splitHeader(text: string): { columns: string[]; header: string; body: string } {
  const nl = text.indexOf("\n");
  const header = (nl === -1 ? text : text.slice(0, nl)).replace(/\r$/, "");
  const body = nl === -1 ? "" : text.slice(nl + 1);
  const columns = header.split(",").map((c) => c.trim().replace(/^"|"$/g, ""));
  return { columns, header, body: body.length > 0 && !body.endsWith("\n") ? `${body}\n` : body };
}

export class PersonalizeJobRunner {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private closed = false;
  private readonly pollMs: number;
  private readonly leaseMs: number;

  constructor(
    private readonly store: Store,
    private readonly sources: DataSources,
    private readonly options: JobRunnerOptions = {},
  ) {
    this.pollMs = options.pollMs ?? 1000;
    this.leaseMs = options.leaseMs ?? 60_000;
  }

  start(): void {
    if (this.pollMs <= 0 || this.timer) return;
    this.timer = setInterval(() => this.kick(), this.pollMs);
    this.timer.unref();
    this.kick();
  }

  /** Runs pending jobs now (a create calls it, so a job starts without waiting for the next poll). */
  kick(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain()
      .catch((err) => this.options.onError?.(err))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Resolves when no job is running. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.idle();
  }

  private async drain(): Promise<void> {
    while (!this.closed) {
      const owner = randomUUID();
      const job = await this.store.personalizeResources.claimJob(
        ["dataset-import-job", "solution-version"],
        owner,
        Date.now(),
        Date.now() + this.leaseMs,
      );
      if (!job) return;
      await this.run(job, owner);
    }
  }

  private async run(job: ClaimedJob, owner: string): Promise<void> {
    const { tenant, resource } = job;
    const repo = this.store.personalizeResources;
    const started = Date.now();
    if (job.attempts > MAX_ATTEMPTS) {
      await repo.finishJob(tenant, resource.arn, owner, "CREATE FAILED", {
        ...resource.doc,
        failureReason: `the job was interrupted ${MAX_ATTEMPTS} times (its server stopped while running it)`,
        lastUpdatedDateTime: Date.now(),
      });
      return;
    }
    const renew = setInterval(
      () => void repo.renewJob(tenant, resource.arn, owner, Date.now() + this.leaseMs).catch(() => {}),
      Math.max(10, Math.floor(this.leaseMs / 3)),
    );
    renew.unref();
    try {
      const doc =
        resource.kind === "dataset-import-job"
          ? await this.importData(tenant, resource as unknown as PersonalizeResource<ImportJobDoc>)
          : await this.trainVersion(tenant, resource as unknown as PersonalizeResource<SolutionVersionDoc>);
      await repo.finishJob(tenant, resource.arn, owner, "ACTIVE", {
        ...doc,
        lastUpdatedDateTime: Date.now(),
        trainingMs: Date.now() - started,
      });
    } catch (err) {
      if (!(err instanceof JobFailure || err instanceof ImportError)) {
        // A fault (database, disk): said, and the job is left to its lease for another attempt.
        this.options.onError?.(err);
        if (job.attempts < MAX_ATTEMPTS) return;
      }
      await repo.finishJob(tenant, resource.arn, owner, "CREATE FAILED", {
        ...resource.doc,
        failureReason: (err as Error).message,
        lastUpdatedDateTime: Date.now(),
      });
    } finally {
      clearInterval(renew);
    }
  }

  /** Reads the job's CSV, checks it against the dataset's schema (and, for interactions, every row), and stores it. */
  private async importData(tenant: Tenant, job: PersonalizeResource<ImportJobDoc>): Promise<ImportJobDoc> {
    const repo = this.store.personalizeResources;
    const dataset = await repo.get<DatasetDoc>(tenant, job.doc.datasetArn);
    if (!dataset) throw new JobFailure(`dataset ${job.doc.datasetArn} was deleted`);
    const schema = await repo.get<{ schema: string }>(tenant, dataset.doc.schemaArn);
    if (!schema) throw new JobFailure(`schema ${dataset.doc.schemaArn} was deleted`);
    const fields = parseSchema(schema.doc.schema);
    const tmp = await mkdtemp(join(tmpdir(), "pinrec-personalize-import-"));
    try {
      const files = await this.sources.files(tenant, job.doc.dataSource.dataLocation, tmp).catch((err: Error) => {
        throw new JobFailure(err.message);
      });
      let columns: string[] | undefined;
      let header = "";
      let body = "";
      for (const file of files) {
        const part = splitHeader(await readFile(file, "utf8"));
        const mismatch = headerMismatch(part.columns, fields);
        if (mismatch) throw new JobFailure(`${file.startsWith(tmp) ? "the object" : file}: ${mismatch}`);
        if (columns && part.columns.join(",") !== columns.join(","))
          throw new JobFailure(
            `the files of ${job.doc.dataSource.dataLocation} have different headers (${columns.join(",")} and ${part.columns.join(",")})`,
          );
        columns = part.columns;
        header = part.header;
        body += part.body;
      }
      if (!columns) throw new JobFailure("no data");
      const incremental = job.doc.importMode === "INCREMENTAL" && (dataset.doc.dataKeys ?? []).length > 0;
      if (incremental && dataset.doc.columns && dataset.doc.columns.join(",") !== columns.join(","))
        throw new JobFailure(
          `an INCREMENTAL import must have the dataset's columns ${dataset.doc.columns.join(",")}; this one has ${columns.join(",")}`,
        );
      const text = `${header}\n${body}`;
      if (dataset.doc.datasetType === "INTERACTIONS") {
        // Every row is checked as training will read it; a bad one fails the job, naming its line, and nothing is imported.
        const check = join(tmp, "check.csv");
        await writeFile(check, text, { mode: PRIVATE_FILE_MODE });
        await importDataset(check, { maxErrors: 1 }).catch((err) => {
          if (err instanceof ImportError) throw new JobFailure(err.message.split(check).join(job.doc.dataSource.dataLocation));
          throw err;
        });
      }
      const key = dataKey(tenant, dataset.doc.datasetGroupName, dataset.doc.datasetType, job.name);
      await this.store.models.put(key, Buffer.from(text, "utf8"));
      const keys = incremental ? [...(dataset.doc.dataKeys ?? []).filter((k) => k !== key), key] : [key];
      const dropped = (dataset.doc.dataKeys ?? []).filter((k) => !keys.includes(k));
      await repo.update(tenant, dataset.arn, dataset.status, { ...dataset.doc, dataKeys: keys, columns, lastUpdatedDateTime: Date.now() });
      for (const k of dropped) await this.store.models.delete(k).catch(() => {});
      return { ...job.doc, rows: body.split("\n").length - 1 };
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }

  /** Trains the solution's recipe on its dataset group's data with the embedded engine and stores the model. */
  private async trainVersion(tenant: Tenant, version: PersonalizeResource<SolutionVersionDoc>): Promise<SolutionVersionDoc> {
    const repo = this.store.personalizeResources;
    const solution = await repo.get<SolutionDoc>(tenant, version.doc.solutionArn);
    if (!solution) throw new JobFailure(`solution ${version.doc.solutionArn} was deleted`);
    const datasets = (await repo.list<DatasetDoc>(tenant, "dataset", solution.doc.datasetGroupArn, 0, 10)).items;
    const interactions = datasets.find((d) => d.doc.datasetType === "INTERACTIONS");
    if (!interactions?.doc.dataKeys?.length)
      throw new JobFailure("The dataset group has no interactions data: import an INTERACTIONS dataset (CreateDatasetImportJob) first");
    const items = datasets.find((d) => d.doc.datasetType === "ITEMS");
    const tmp = await mkdtemp(join(tmpdir(), "pinrec-personalize-train-"));
    try {
      const interactionsPath = await this.joined(interactions.doc.dataKeys, join(tmp, "interactions.csv"));
      const itemsPath = items?.doc.dataKeys?.length ? await this.joined(items.doc.dataKeys, join(tmp, "items.csv")) : undefined;
      const ds = await importDataset(interactionsPath, {
        itemsPath,
        ...(solution.doc.eventType !== undefined && { eventTypes: [solution.doc.eventType] }),
      });
      const recipe = solution.doc.performAutoML ? "auto" : (recipeByArn(solution.doc.recipeArn ?? "")?.engineRecipe ?? "auto");
      const seed = 1;
      const candidates = solution.doc.performHPO ? tuneCandidates(ds, recipe) : [];
      const tuning =
        candidates.length > 0 ? await tune(ds, { recipes: candidates, seed, budgetSeconds: DEFAULT_TUNE_BUDGET_SECONDS }) : undefined;
      const model = tuning
        ? await train(ds, { recipe: tuning.recipe, params: { [tuning.recipe]: tuning.params }, seed })
        : await train(ds, { recipe, seed });
      const key = versionModelKey(tenant, solution.name, version.name);
      await this.store.models.put(key, serializeModel(model));
      return {
        ...version.doc,
        modelKey: key,
        engineRecipe: model.recipe,
        ...(tuning && {
          tunedHPOParams: { algorithmHyperParameters: Object.fromEntries(Object.entries(tuning.params).map(([k, v]) => [k, String(v)])) },
        }),
        stats: { ...ds.stats },
      };
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }

  /** The dataset's imported files as one CSV (they share one header: imports check it). */
  private async joined(keys: string[], path: string): Promise<string> {
    let text = "";
    for (const [i, key] of keys.entries()) {
      const bytes = await this.store.models.get(key);
      if (!bytes) throw new JobFailure(`imported data ${key} is missing from model storage; import the dataset again`);
      const part = bytes.toString("utf8");
      text += i === 0 ? part : splitHeader(part).body;
    }
    await writeFile(path, text, { mode: PRIVATE_FILE_MODE });
    return path;
  }
}
