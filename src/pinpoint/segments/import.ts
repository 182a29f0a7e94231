/**
 * Imported segments: endpoint definitions from CSV or JSON-lines files written as endpoints and,
 * optionally, gathered into a segment of type IMPORT. All or nothing: the files are read once to
 * check every row (a bad row is reported with its line and nothing is written), then again to
 * write every endpoint and the segment in one transaction, a chunk at a time, so a large file
 * never sits in memory whole. A rule that only the write can check (such as the per-user
 * endpoint limit) still names the row and still leaves nothing behind.
 */
import { readdir, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import type { EndpointBatchItem, SegmentImportResource, SegmentResponse } from "@aws-sdk/client-pinpoint";
import type { EndpointService } from "../endpoints/service.js";
import { ApiError, notFound } from "../../shared/errors.js";
import { isoNow, newResourceId } from "../../shared/ids.js";
import type { EndpointWritePlan } from "../../store/endpoints.js";
import type { Store, Tenant } from "../../store/types.js";
import { importRows, type ImportFormat, type ImportRow } from "./import-file.js";
import { segmentArn } from "./service.js";

/** How many failures an import reports (ImportJobResponse.Failures holds "the first 100"). */
export const MAX_REPORTED_FAILURES = 100;
const CHUNK = 500;

/** An import that failed; nothing was written. `failures` are `where: reason`, the first 100. */
export class ImportFileError extends Error {
  constructor(
    readonly failures: string[],
    readonly totalFailures: number,
  ) {
    super(`${totalFailures} endpoint definition${totalFailures === 1 ? "" : "s"} could not be imported; nothing was imported`);
  }
}

export interface ImportSource {
  /** A file, or a folder whose files are all imported (in name order), as S3Url allows. */
  path: string;
  format: ImportFormat;
  /** What the segment's ImportDefinition records. */
  s3Url: string;
  roleArn?: string;
  externalId?: string;
}

export interface ImportResult {
  processed: number;
  segment?: SegmentResponse;
}

/** The files a path names: itself, or a folder's regular, non-hidden files in name order. */
export async function importFiles(path: string): Promise<{ path: string; name: string }[]> {
  const info = await stat(path);
  if (!info.isDirectory()) return [{ path, name: basename(path) }];
  const names = (await readdir(path, { withFileTypes: true }))
    .filter((d) => d.isFile() && !d.name.startsWith("."))
    .map((d) => d.name)
    .sort();
  return names.map((name) => ({ path: join(path, name), name }));
}

export class SegmentImporter {
  constructor(
    private readonly store: Store,
    private readonly endpoints: EndpointService,
  ) {}

  /**
   * Imports the endpoint definitions; with `segmentName`, also creates an imported segment of
   * them. Throws ImportFileError (nothing written) when any row is bad.
   */
  async import(tenant: Tenant, appId: string, source: ImportSource, segmentName?: string): Promise<ImportResult> {
    if (!(await this.store.apps.get(tenant, appId))) throw notFound(`Application '${appId}' was not found`);
    const files = await importFiles(source.path);
    const processed = await this.check(files, source.format);
    const requestId = newResourceId();
    const self = this;
    let located: string[] = [];
    async function* plans(): AsyncGenerator<EndpointWritePlan> {
      let items: EndpointBatchItem[] = [];
      let where: string[] = [];
      const flush = () => {
        const at = where;
        const plan = self.endpoints.plan(appId, items, requestId, (i) => `${at[i]}: `);
        located = at;
        items = [];
        where = [];
        return plan;
      };
      for await (const batch of importRows(files, source.format)) {
        for (const row of batch) {
          items.push(row.item!);
          where.push(row.where);
          if (items.length >= CHUNK) yield flush();
        }
      }
      if (items.length > 0) yield flush();
    }
    const segment = segmentName === undefined ? undefined : this.segmentDoc(tenant, appId, segmentName, source);
    let outcome: Awaited<ReturnType<Store["segments"]["importEndpoints"]>>;
    try {
      outcome = await this.store.segments.importEndpoints(tenant, appId, plans(), segment);
    } catch (err) {
      // A rule checked at write time (per-user limit, the merged endpoint's size): the message
      // names its row when it can; either way the transaction wrote nothing.
      if (err instanceof ApiError && err.status === 400) {
        const named = located.some((w) => err.message.startsWith(`${w}: `));
        const message = named || located.length === 0 ? err.message : `${located[0]} to ${located[located.length - 1]}: ${err.message}`;
        throw new ImportFileError([message], 1);
      }
      throw err;
    }
    if (outcome === false) throw notFound(`Application '${appId}' was not found`);
    return { processed, ...(outcome.segment && { segment: outcome.segment }) };
  }

  /** The first pass: every row parsed and checked; returns how many rows there are. */
  private async check(files: { path: string; name: string }[], format: ImportFormat): Promise<number> {
    const failures: string[] = [];
    let total = 0;
    let rows = 0;
    for await (const batch of importRows(files, format)) {
      for (const row of batch as ImportRow[]) {
        rows++;
        if (row.error === undefined) continue;
        total++;
        if (failures.length < MAX_REPORTED_FAILURES) failures.push(`${row.where}: ${row.error}`);
      }
    }
    if (total > 0) throw new ImportFileError(failures, total);
    if (rows === 0)
      throw new ImportFileError([`${files.length === 0 ? "the folder holds no files" : "the file holds no endpoint definitions"}`], 1);
    return rows;
  }

  private segmentDoc(
    tenant: Tenant,
    appId: string,
    name: string,
    source: ImportSource,
  ): { doc: SegmentResponse; finish: (m: { size: number; channels: Record<string, number> }) => SegmentResponse } {
    const id = newResourceId();
    const now = isoNow();
    const definition = (size: number, channels: Record<string, number>): SegmentImportResource => ({
      ChannelCounts: channels,
      ExternalId: source.externalId ?? "",
      Format: source.format,
      RoleArn: source.roleArn ?? "",
      S3Url: source.s3Url,
      Size: size,
    });
    const doc: SegmentResponse = {
      ApplicationId: appId,
      Arn: segmentArn(tenant, appId, id),
      CreationDate: now,
      Id: id,
      ImportDefinition: definition(0, {}),
      LastModifiedDate: now,
      Name: name,
      SegmentType: "IMPORT",
      tags: {},
      Version: 1,
    };
    return { doc, finish: ({ size, channels }) => ({ ...doc, ImportDefinition: definition(size, channels) }) };
  }
}
