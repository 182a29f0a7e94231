/**
 * Import files from an S3-compatible server (`serve --s3-endpoint URL`: MinIO, LocalStack, Ceph,
 * or Amazon S3's own regional endpoint), for CreateImportJob `S3Url` values of the form
 * `s3://bucket/key` (one object) or `s3://bucket/prefix/` (every object directly under the prefix,
 * in key order, as Pinpoint imports a folder). Path-style addressing (`ENDPOINT/bucket/key`), which
 * every S3-compatible server answers without DNS set-up.
 *
 * Credentials: the server process's own, from the standard AWS provider chain (AWS_ACCESS_KEY_ID and
 * AWS_SECRET_ACCESS_KEY, a profile, …). The import's `RoleArn` is required by the API and recorded
 * in the job and the segment's ImportDefinition, but pinrec does not assume it: the server's
 * credentials must be able to read the bucket. Those credentials may reach more buckets than any
 * tenant should, so only the buckets the operator lists (`--allow-s3-bucket`) are read, and keys
 * are checked as written: no `.` or `..` segment, no empty segment, nothing a server could resolve
 * to another object than the one the URL names.
 *
 * Objects are streamed to a temporary folder and imported from there, because an import reads its
 * files twice (once to check every row, once to write) and must not hold them in memory.
 */
import { createWriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { S3Client, S3ClientConfig } from "@aws-sdk/client-s3";
import { ApiError, badRequest } from "../../shared/errors.js";
import { bucketAllowed } from "../../shared/foreign-resources.js";

export interface S3ImportOptions {
  /** The S3-compatible server's URL (http:// or https://). */
  endpoint: string;
  /** Default: the standard AWS credential provider chain. */
  credentials?: S3ClientConfig["credentials"];
  /** The buckets import jobs may read (`*`: any); none when absent. */
  allowedBuckets?: readonly string[];
}

export interface S3Location {
  bucket: string;
  /** The object's key, or a prefix ending in `/` (or empty) for a folder. */
  key: string;
}

export const isFolder = (loc: S3Location): boolean => loc.key === "" || loc.key.endsWith("/");

/** `s3://bucket/key` → bucket and key; anything else is refused, naming the expected form. */
export function parseS3Url(s3Url: string): S3Location {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(s3Url);
  if (!m) throw badRequest(`S3Url '${s3Url}' is not an s3:// URL such as s3://bucket/endpoints.csv or s3://bucket/folder/`);
  const [, bucket, key] = m;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw badRequest(`S3Url '${s3Url}': '${bucket}' is not a valid S3 bucket name`);
  // A folder's trailing slash leaves one empty last segment; any other empty, "." or ".." segment
  // (or a backslash, which some servers read as a separator) is refused, not normalised away.
  const segments = key === "" ? [] : (key.endsWith("/") ? key.slice(0, -1) : key).split("/");
  if (segments.some((seg) => seg === "" || seg === "." || seg === ".." || seg.includes("\\")))
    throw badRequest(`S3Url '${s3Url}': the key has an empty, '.' or '..' segment or a backslash; name the object as it is stored`);
  return { bucket, key };
}

/** A local file name for an object directly under a folder prefix; undefined for objects import skips. */
function childName(prefix: string, key: string): string | undefined {
  const name = key.slice(prefix.length);
  // Deeper "folders" and hidden files are skipped, as for file:// folders; "." and ".." could not be files.
  if (name === "" || name.includes("/") || name.startsWith(".")) return undefined;
  return name;
}

/** An S3 error as a sentence that says what to fix. */
function describe(err: unknown, s3Url: string, endpoint: string): string {
  const e = err as { name?: string; message?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  if (e.name === "NotFound" || e.name === "NoSuchKey" || (status === 404 && e.name !== "NoSuchBucket"))
    return `S3Url '${s3Url}': there is no object at that key on ${endpoint}`;
  if (e.name === "NoSuchBucket") return `S3Url '${s3Url}': the bucket does not exist on ${endpoint}`;
  if (e.name === "CredentialsProviderError")
    return `S3Url '${s3Url}': pinrec has no AWS credentials to read ${endpoint} with (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY for the server)`;
  if (status === 403 || e.name === "AccessDenied" || e.name === "Forbidden")
    return `S3Url '${s3Url}': ${endpoint} refused pinrec's credentials (access denied)`;
  if (e.code !== undefined && /^E[A-Z]+$/.test(e.code)) return `S3Url '${s3Url}': could not reach the S3 endpoint ${endpoint} (${e.code})`;
  return `S3Url '${s3Url}': ${endpoint} answered ${e.name ?? "an error"}${status ? ` (HTTP ${status})` : ""}: ${e.message ?? ""}`.trim();
}

export class S3ImportReader {
  private sdk?: Promise<typeof import("@aws-sdk/client-s3")>;
  private readonly clients = new Map<string, S3Client>();

  constructor(private readonly options: S3ImportOptions) {}

  get endpoint(): string {
    return this.options.endpoint;
  }

  private async client(region: string): Promise<{ client: S3Client; sdk: typeof import("@aws-sdk/client-s3") }> {
    // Loaded on first use, so servers that never import from S3 never load the SDK.
    this.sdk ??= import("@aws-sdk/client-s3");
    const sdk = await this.sdk;
    let client = this.clients.get(region);
    if (!client) {
      client = new sdk.S3Client({
        region,
        endpoint: this.options.endpoint,
        forcePathStyle: true,
        ...(this.options.credentials !== undefined && { credentials: this.options.credentials }),
        maxAttempts: 2,
      });
      this.clients.set(region, client);
    }
    return { client, sdk };
  }

  /** The keys an S3Url names, in key order, each with the local file name it is imported as. */
  private async objects(region: string, loc: S3Location, s3Url: string): Promise<{ key: string; name: string }[]> {
    const { client, sdk } = await this.client(region);
    if (!isFolder(loc)) {
      try {
        await client.send(new sdk.HeadObjectCommand({ Bucket: loc.bucket, Key: loc.key }));
      } catch (err) {
        // A HEAD answer has no body, so a 404 cannot say whether the key or the bucket is missing.
        if ((err as { name?: string }).name !== "NotFound") throw err;
        await client.send(new sdk.HeadBucketCommand({ Bucket: loc.bucket })).catch((e: { name?: string }) => {
          throw e.name === "NotFound" ? Object.assign(new Error("no such bucket"), { name: "NoSuchBucket" }) : err;
        });
        throw err;
      }
      return [{ key: loc.key, name: loc.key.slice(loc.key.lastIndexOf("/") + 1) }];
    }
    const found: { key: string; name: string }[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(new sdk.ListObjectsV2Command({ Bucket: loc.bucket, Prefix: loc.key, ContinuationToken: token }));
      for (const o of page.Contents ?? []) {
        const name = o.Key === undefined ? undefined : childName(loc.key, o.Key);
        if (name !== undefined) found.push({ key: o.Key!, name });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    if (found.length === 0)
      throw badRequest(`S3Url '${s3Url}': there are no objects directly under that prefix on ${this.options.endpoint}`);
    return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** Checks that the S3Url names an object (or a folder with objects) pinrec can read; a BadRequestException says what is wrong. */
  async check(region: string, s3Url: string): Promise<void> {
    try {
      await this.objects(region, this.location(s3Url), s3Url);
    } catch (err) {
      if (err instanceof ApiError) throw err;
      throw badRequest(describe(err, s3Url, this.options.endpoint));
    }
  }

  /**
   * Streams the objects the S3Url names into `dir` and returns the local path to import: the file
   * for one object, `dir` itself for a folder. Errors are sentences for the job's Failures.
   */
  async download(region: string, s3Url: string, dir: string): Promise<string> {
    try {
      const loc = this.location(s3Url);
      const objects = await this.objects(region, loc, s3Url);
      const { client, sdk } = await this.client(region);
      const folder = join(dir, "objects");
      await mkdir(folder, { mode: 0o700 });
      for (const o of objects) {
        const got = await client.send(new sdk.GetObjectCommand({ Bucket: loc.bucket, Key: o.key }));
        await pipeline(got.Body as Readable, createWriteStream(join(folder, o.name), { mode: 0o600 }));
      }
      return isFolder(loc) ? folder : join(folder, objects[0].name);
    } catch (err) {
      if (err instanceof ApiError) throw new Error(err.message);
      throw new Error(describe(err, s3Url, this.options.endpoint));
    }
  }

  /** The URL's bucket and key, refused unless the operator allows the bucket. */
  private location(s3Url: string): S3Location {
    const loc = parseS3Url(s3Url);
    if (!bucketAllowed(loc.bucket, this.options.allowedBuckets)) {
      throw badRequest(
        `S3Url '${s3Url}': pinrec reads only the S3 buckets its operator allows (--allow-s3-bucket), and '${loc.bucket}' is not one of them`,
      );
    }
    return loc;
  }

  close(): void {
    for (const c of this.clients.values()) c.destroy();
    this.clients.clear();
  }
}
