/**
 * Import jobs (CreateImportJob, GetImportJob, GetImportJobs). pinrec reads `S3Url` values that are
 * `file://` URLs: a file or a folder inside the server's import directory (`--import-dir`, by
 * default `imports` in the data dir), never elsewhere: an import's error messages quote the rows
 * they refuse, so an open path would let any API caller read the server's files. A job is recorded as
 * CREATED, runs in the background in the process that accepted it, and ends COMPLETED or FAILED
 * with the failing rows in `Failures` (and then nothing was imported).
 */
import { realpath } from "node:fs/promises";
import { basename, relative, isAbsolute } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyBaseLogger } from "fastify";
import type { ImportJobRequest, ImportJobResponse } from "@aws-sdk/client-pinpoint";
import { badRequest, notFound } from "../shared/errors.js";
import { isoNow, newResourceId } from "../shared/ids.js";
import type { Page, Store, Tenant } from "../store/types.js";
import type { ImportFormat } from "./import-file.js";
import { ImportFileError, type SegmentImporter } from "./import.js";

const FORMATS = ["CSV", "JSON"];

/** The local path a `file://` S3Url names; anything else is refused, naming what is supported. */
export function importPath(s3Url: string): string {
  let url: URL;
  try {
    url = new URL(s3Url);
  } catch {
    throw badRequest(`S3Url '${s3Url}' is not a URL; pinrec imports from file:// URLs (for example file:///data/endpoints.csv)`);
  }
  if (url.protocol !== "file:") {
    throw badRequest(
      `S3Url '${s3Url}' is not supported: pinrec imports from file:// URLs naming a file or folder on the server's machine (for example file:///data/endpoints.csv); Amazon S3 and S3-compatible servers are not supported`,
    );
  }
  if (url.host !== "" && url.host !== "localhost") throw badRequest(`S3Url '${s3Url}' names host '${url.host}'; a file:// URL must name a local path`);
  return fileURLToPath(url);
}

export class ImportJobService {
  private readonly running = new Set<Promise<void>>();
  log?: FastifyBaseLogger;

  constructor(
    private readonly store: Store,
    private readonly importer: SegmentImporter,
    /** The only directory file:// URLs may name (with everything under it). */
    private readonly importDir: string,
  ) {}

  /** The real path an S3Url names, which must exist inside the import directory. */
  private async allowedPath(s3Url: string): Promise<string> {
    const path = importPath(s3Url);
    let real: string;
    try {
      real = await realpath(path);
    } catch {
      throw badRequest(`S3Url '${s3Url}': there is no file or folder at ${path}`);
    }
    const root = await realpath(this.importDir).catch(() => undefined);
    const inside = root !== undefined && (real === root || (!relative(root, real).startsWith("..") && !isAbsolute(relative(root, real))));
    if (!inside) throw badRequest(`S3Url '${s3Url}' is outside the import directory: pinrec imports only files under ${this.importDir} (set with --import-dir)`);
    return real;
  }

  async create(tenant: Tenant, appId: string, req: ImportJobRequest): Promise<ImportJobResponse> {
    if (!FORMATS.includes(req.Format!)) throw badRequest(`Format must be one of ${FORMATS.join(", ")}; got '${req.Format}'`);
    if (req.SegmentId !== undefined) {
      throw badRequest("SegmentId is not supported: pinrec imports into a new segment (DefineSegment with SegmentName); build on it with SegmentGroups to combine imports");
    }
    const path = await this.allowedPath(req.S3Url!);
    if (!(await this.store.apps.get(tenant, appId))) throw notFound(`Application '${appId}' was not found`);
    const job: ImportJobResponse = {
      ApplicationId: appId,
      CreationDate: isoNow(),
      Definition: {
        ...(req.DefineSegment !== undefined && { DefineSegment: req.DefineSegment }),
        ...(req.ExternalId !== undefined && { ExternalId: req.ExternalId }),
        Format: req.Format,
        RegisterEndpoints: true,
        RoleArn: req.RoleArn,
        S3Url: req.S3Url,
        ...(req.SegmentName !== undefined && { SegmentName: req.SegmentName }),
      },
      Id: newResourceId(),
      JobStatus: "CREATED",
      Type: "IMPORT",
    };
    await this.store.importJobs.insert(tenant, job);
    const run = this.run(tenant, job, path).finally(() => this.running.delete(run));
    this.running.add(run);
    return job;
  }

  private async run(tenant: Tenant, job: ImportJobResponse, path: string): Promise<void> {
    const def = job.Definition!;
    try {
      await this.store.importJobs.replace(tenant, { ...job, JobStatus: "PROCESSING" });
      const name = def.DefineSegment ? (def.SegmentName ?? basename(path)) : undefined;
      const result = await this.importer.import(
        tenant,
        job.ApplicationId!,
        { path, format: def.Format as ImportFormat, s3Url: def.S3Url!, roleArn: def.RoleArn, externalId: def.ExternalId },
        name,
      );
      await this.store.importJobs.replace(tenant, {
        ...job,
        ...(result.segment && { Definition: { ...def, SegmentId: result.segment.Id } }),
        CompletedPieces: 1,
        CompletionDate: isoNow(),
        FailedPieces: 0,
        JobStatus: "COMPLETED",
        TotalFailures: 0,
        TotalPieces: 1,
        TotalProcessed: result.processed,
      });
    } catch (err) {
      const failures = err instanceof ImportFileError ? err.failures : [err instanceof Error ? err.message : String(err)];
      if (!(err instanceof ImportFileError)) this.log?.error({ err, jobId: job.Id }, "import job failed");
      await this.store.importJobs
        .replace(tenant, {
          ...job,
          CompletedPieces: 0,
          CompletionDate: isoNow(),
          FailedPieces: 1,
          Failures: failures,
          JobStatus: "FAILED",
          TotalFailures: err instanceof ImportFileError ? err.totalFailures : 1,
          TotalPieces: 1,
          TotalProcessed: 0,
        })
        .catch((e: unknown) => this.log?.error({ err: e, jobId: job.Id }, "could not record an import job's failure"));
    }
  }

  async get(tenant: Tenant, appId: string, id: string): Promise<ImportJobResponse> {
    const job = await this.store.importJobs.get(tenant, appId, id);
    if (job) return job;
    if (!(await this.store.apps.get(tenant, appId))) throw notFound(`Application '${appId}' was not found`);
    throw notFound(`Import job '${id}' was not found in application '${appId}'`);
  }

  async list(tenant: Tenant, appId: string, after: number, limit: number): Promise<Page<ImportJobResponse>> {
    if (!(await this.store.apps.get(tenant, appId))) throw notFound(`Application '${appId}' was not found`);
    return this.store.importJobs.list(tenant, appId, after, limit);
  }

  /** Resolves once every job this process started has finished (the server waits for it on shutdown). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }
}
