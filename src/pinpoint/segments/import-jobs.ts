/**
 * Import jobs (CreateImportJob, GetImportJob, GetImportJobs). pinrec reads `S3Url` values that are
 * - `file://` URLs: a file or a folder inside the server's import directory (`--import-dir`, by
 *   default `imports` in the data dir), never elsewhere: an import's error messages quote the rows
 *   they refuse, so an open path would let any API caller read the server's files;
 * - `s3://bucket/key` or `s3://bucket/prefix/` URLs, read from the S3-compatible server given with
 *   `--s3-endpoint` (see s3-import.ts; without it they are refused, saying how to enable them).
 * A job is recorded as CREATED, runs in the background in the process that accepted it, and ends
 * COMPLETED or FAILED with the failing rows in `Failures` (and then nothing was imported).
 */
import { mkdtemp, realpath, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join, relative, isAbsolute } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyBaseLogger } from "fastify";
import type { ImportJobRequest, ImportJobResponse } from "@aws-sdk/client-pinpoint";
import { badRequest, notFound } from "../../shared/errors.js";
import { isoNow, newResourceId } from "../../shared/ids.js";
import type { Page, Store, Tenant } from "../../store/types.js";
import type { ImportFormat } from "./import-file.js";
import { ImportFileError, type ImportResult, type SegmentImporter } from "./import.js";
import type { S3ImportReader } from "./s3-import.js";

const FORMATS = ["CSV", "JSON"];

const SUPPORTED =
  "pinrec imports from file:// URLs naming a file or folder under the import directory (for example file:///data/imports/endpoints.csv) and, with --s3-endpoint, from s3://bucket/key URLs";

/** Whether an S3Url names S3 (`s3://…`), read through --s3-endpoint. */
export const isS3Url = (s3Url: string): boolean => s3Url.startsWith("s3://");

/** The local path a `file://` S3Url names; anything else (but s3://, see isS3Url) is refused, naming what is supported. */
export function importPath(s3Url: string): string {
  let url: URL;
  try {
    url = new URL(s3Url);
  } catch {
    throw badRequest(`S3Url '${s3Url}' is not a URL; ${SUPPORTED}`);
  }
  if (url.protocol !== "file:") throw badRequest(`S3Url '${s3Url}' is not supported: ${SUPPORTED}`);
  if (url.host !== "" && url.host !== "localhost")
    throw badRequest(`S3Url '${s3Url}' names host '${url.host}'; a file:// URL must name a local path`);
  return fileURLToPath(url);
}

export interface ImportJobOptions {
  /** The only directory file:// URLs may name (with everything under it). */
  importDir: string;
  /** Reads s3:// URLs; none without --s3-endpoint. */
  s3?: S3ImportReader;
  /** Where faults of a job (not the rows its file got wrong, which the job records) are reported; none: nowhere. */
  log?: FastifyBaseLogger;
}

export class ImportJobService {
  private readonly running = new Set<Promise<void>>();
  private readonly importDir: string;
  private readonly s3?: S3ImportReader;
  private readonly log?: FastifyBaseLogger;

  constructor(
    private readonly store: Store,
    private readonly importer: SegmentImporter,
    options: ImportJobOptions,
  ) {
    this.importDir = options.importDir;
    this.s3 = options.s3;
    this.log = options.log;
  }

  /** Checks the S3Url; returns the local path of a file:// one (an s3:// one is downloaded when the job runs). */
  private async checkSource(tenant: Tenant, s3Url: string): Promise<string | undefined> {
    if (!isS3Url(s3Url)) return this.allowedPath(s3Url);
    if (!this.s3) {
      throw badRequest(
        `S3Url '${s3Url}' names an S3 bucket, and this server has no S3 endpoint: start pinrec serve with --s3-endpoint URL (PINREC_S3_ENDPOINT; an S3-compatible server such as MinIO, or Amazon S3's https://s3.<region>.amazonaws.com) to import from S3, or put the file under the import directory and use a file:// URL`,
      );
    }
    await this.s3.check(tenant.region, s3Url);
    return undefined;
  }

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
    if (!inside)
      throw badRequest(
        `S3Url '${s3Url}' is outside the import directory: pinrec imports only files under ${this.importDir} (set with --import-dir)`,
      );
    return real;
  }

  async create(tenant: Tenant, appId: string, req: ImportJobRequest): Promise<ImportJobResponse> {
    if (!FORMATS.includes(req.Format!)) throw badRequest(`Format must be one of ${FORMATS.join(", ")}; got '${req.Format}'`);
    if (req.SegmentId !== undefined) {
      throw badRequest(
        "SegmentId is not supported: pinrec imports into a new segment (DefineSegment with SegmentName); build on it with SegmentGroups to combine imports",
      );
    }
    if (!(await this.store.apps.get(tenant, appId))) throw notFound(`Application '${appId}' was not found`);
    const path = await this.checkSource(tenant, req.S3Url!);
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

  /** Imports what the job names: the local file, or the S3 objects downloaded to a folder removed afterwards. */
  private async importSource(tenant: Tenant, job: ImportJobResponse, localPath: string | undefined): Promise<ImportResult> {
    const def = job.Definition!;
    const downloads = localPath === undefined ? await mkdtemp(join(tmpdir(), "pinrec-s3-import-")) : undefined;
    try {
      const path = localPath ?? (await this.s3!.download(tenant.region, def.S3Url!, downloads!));
      const name = def.DefineSegment ? (def.SegmentName ?? basename(path)) : undefined;
      return await this.importer.import(
        tenant,
        job.ApplicationId!,
        { path, format: def.Format as ImportFormat, s3Url: def.S3Url!, roleArn: def.RoleArn, externalId: def.ExternalId },
        name,
      );
    } finally {
      // Removed before the job is recorded as ended, so nothing of it is left once it reports so.
      if (downloads !== undefined)
        await rm(downloads, { recursive: true, force: true }).catch((e: unknown) =>
          this.log?.warn({ err: e, dir: downloads }, "could not remove an S3 import's downloads"),
        );
    }
  }

  private async run(tenant: Tenant, job: ImportJobResponse, localPath: string | undefined): Promise<void> {
    const def = job.Definition!;
    try {
      await this.store.importJobs.replace(tenant, { ...job, JobStatus: "PROCESSING" });
      const result = await this.importSource(tenant, job, localPath);
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
