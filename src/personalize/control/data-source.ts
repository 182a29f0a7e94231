/**
 * Where a dataset import job's `dataSource.dataLocation` is read from: `s3://bucket/key` (or a
 * `bucket/folder/` of CSV files) through the server's S3-compatible endpoint (`--s3-endpoint`, only
 * the buckets `--allow-s3-bucket` lists), or a `file://` URL naming a file or folder inside the
 * server's import directory (`--import-dir`), exactly as Pinpoint's CreateImportJob reads.
 */
import { readdir, realpath, stat } from "node:fs/promises";
import { isAbsolute, join, relative } from "node:path";
import { importPath, isS3Url } from "../../pinpoint/segments/import-jobs.js";
import type { S3ImportReader } from "../../pinpoint/segments/s3-import.js";
import { ApiError } from "../../shared/errors.js";
import type { Tenant } from "../../store/types.js";
import { invalidInput } from "./errors.js";

export interface DataSourceOptions {
  importDir: string;
  s3?: S3ImportReader;
}

export class DataSources {
  constructor(private readonly options: DataSourceOptions) {}

  /** Refuses, with an InvalidInputException, a location this server cannot read. */
  async check(tenant: Tenant, location: string): Promise<void> {
    try {
      if (isS3Url(location)) {
        if (!this.options.s3)
          throw invalidInput(
            `dataLocation '${location}' names an S3 bucket, and this server has no S3 endpoint: start pinrec serve with --s3-endpoint URL, or put the file under the import directory and use a file:// URL`,
          );
        await this.options.s3.check(tenant.region, location);
      } else await this.localPath(location);
    } catch (err) {
      // The shared readers speak Pinpoint's BadRequestException; Personalize's is InvalidInputException.
      if (err instanceof ApiError && err.code === "BadRequestException") throw invalidInput(err.message.replace(/^S3Url/, "dataLocation"));
      throw err;
    }
  }

  /** The CSV files the location names, in name order, downloading S3 objects into `tmpDir`. Errors are sentences for failureReason. */
  async files(tenant: Tenant, location: string, tmpDir: string): Promise<string[]> {
    const path = isS3Url(location) ? await this.options.s3!.download(tenant.region, location, tmpDir) : await this.localPath(location);
    if (!(await stat(path)).isDirectory()) return [path];
    const names = (await readdir(path)).filter((n) => !n.startsWith(".")).sort();
    if (names.length === 0) throw new Error(`dataLocation '${location}' names a folder with no files`);
    return names.map((n) => join(path, n));
  }

  private async localPath(location: string): Promise<string> {
    const path = importPath(location);
    const real = await realpath(path).catch(() => {
      throw invalidInput(`dataLocation '${location}': there is no file or folder at ${path}`);
    });
    const root = await realpath(this.options.importDir).catch(() => undefined);
    const rel = root === undefined ? ".." : relative(root, real);
    if (rel.startsWith("..") || isAbsolute(rel))
      throw invalidInput(
        `dataLocation '${location}' is outside the import directory: pinrec imports only files under ${this.options.importDir} (--import-dir)`,
      );
    return real;
  }
}
