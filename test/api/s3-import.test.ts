/**
 * CreateImportJob from s3:// URLs through `--s3-endpoint`, against a small S3-compatible server
 * written here with node:http (HeadObject, GetObject and ListObjectsV2, path-style, as MinIO answers
 * them), through the real AWS SDK on both stores.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import type { AddressInfo } from "node:net";
import {
  CreateAppCommand,
  CreateImportJobCommand,
  GetEndpointCommand,
  GetImportJobCommand,
  GetSegmentCommand,
  type ImportJobRequest,
  type ImportJobResponse,
  type PinpointClient,
} from "@aws-sdk/client-pinpoint";
import { join } from "node:path";
import { STORE_KINDS, TEST_CREDENTIALS, errorOf, pinpointClient, startTestServer, tempDir, type TestServer } from "../helpers.js";
import { processSuite, spawnServer, writeCredentials } from "../server-process.js";

const ROLE = "arn:aws:iam::111122223333:role/PinpointSegmentImport";
const S3_KEY = { accessKeyId: "AKIAS3IMPORTTEST0001", secretAccessKey: "s3-import-secret-0123456789" };
const PAGE = 2;

/** A bucket's objects, served the way S3 answers path-style requests; records every request. */
class FakeS3 {
  readonly buckets = new Map<string, Map<string, string>>();
  readonly requests: { method: string; path: string; query: string; authorization: string }[] = [];
  private server?: Server;
  url = "";

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const u = new URL(req.url!, "http://s3");
      this.requests.push({
        method: req.method!,
        path: u.pathname,
        query: u.search,
        authorization: String(req.headers.authorization ?? ""),
      });
      const [, bucketName, ...rest] = u.pathname.split("/");
      const key = decodeURIComponent(rest.join("/"));
      const bucket = this.buckets.get(bucketName);
      const xml = (status: number, body: string) => {
        res.writeHead(status, { "content-type": "application/xml" });
        res.end(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`);
      };
      if (!bucket)
        return req.method === "HEAD"
          ? res.writeHead(404).end()
          : xml(404, `<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message></Error>`);
      if (key === "" && req.method === "HEAD") return res.writeHead(200).end();
      if (key === "" && req.method === "GET" && u.searchParams.get("list-type") === "2")
        return xml(200, this.list(bucketName, bucket, u.searchParams));
      const body = bucket.get(key);
      if (body === undefined)
        return req.method === "HEAD"
          ? res.writeHead(404).end()
          : xml(404, `<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>${key}</Key></Error>`);
      const headers = {
        "content-type": "text/csv",
        "content-length": String(Buffer.byteLength(body)),
        etag: '"0123"',
        "last-modified": new Date(0).toUTCString(),
      };
      if (req.method === "HEAD") return res.writeHead(200, headers).end();
      drain(req).then(() => res.writeHead(200, headers).end(body));
    });
    await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  /** ListObjectsV2, PAGE keys a page, so the client must follow continuation tokens. */
  private list(name: string, bucket: Map<string, string>, q: URLSearchParams): string {
    const prefix = q.get("prefix") ?? "";
    const keys = [...bucket.keys()].filter((k) => k.startsWith(prefix)).sort();
    const from = Number(q.get("continuation-token") ?? "0");
    const page = keys.slice(from, from + PAGE);
    const more = from + PAGE < keys.length;
    const contents = page
      .map(
        (k) =>
          `<Contents><Key>${k}</Key><LastModified>1970-01-01T00:00:00.000Z</LastModified><ETag>"0123"</ETag><Size>${Buffer.byteLength(bucket.get(k)!)}</Size><StorageClass>STANDARD</StorageClass></Contents>`,
      )
      .join("");
    return `<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${name}</Name><Prefix>${prefix}</Prefix><KeyCount>${page.length}</KeyCount><MaxKeys>${PAGE}</MaxKeys><IsTruncated>${more}</IsTruncated>${contents}${more ? `<NextContinuationToken>${from + PAGE}</NextContinuationToken>` : ""}</ListBucketResult>`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => this.server?.close(() => r()) ?? r());
  }
}

const drain = (req: IncomingMessage) => new Promise<void>((r) => req.resume().on("end", r));
const downloadsLeft = () => readdirSync(tmpdir()).filter((n) => n.startsWith("pinrec-s3-import-")).length;

describe.each(STORE_KINDS)("import jobs from S3 on %s", (kind) => {
  const s3 = new FakeS3();
  let server: TestServer;
  let a: PinpointClient;
  const newApp = async () =>
    (await a.send(new CreateAppCommand({ CreateApplicationRequest: { Name: "s3-imports" } }))).ApplicationResponse!.Id!;
  const start = (appId: string, req: Partial<ImportJobRequest>, client = a) =>
    client.send(
      new CreateImportJobCommand({
        ApplicationId: appId,
        ImportJobRequest: { Format: "CSV", RoleArn: ROLE, S3Url: "", ...req } as ImportJobRequest,
      }),
    );
  const finished = async (appId: string, id: string): Promise<ImportJobResponse> => {
    for (let i = 0; i < 400; i++) {
      const job = (await a.send(new GetImportJobCommand({ ApplicationId: appId, JobId: id }))).ImportJobResponse!;
      if (job.JobStatus === "COMPLETED" || job.JobStatus === "FAILED") return job;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error("the import job did not finish");
  };

  beforeAll(async () => {
    await s3.start();
    s3.buckets.set(
      "newsletter-data",
      new Map([
        [
          "imports/endpoints.csv",
          "ChannelType,Address,Id,User.UserId,Attributes.Interests\nEMAIL,ana@example.com,ana,u-ana,Science\nEMAIL,bo@example.com,bo,u-bo,Cooking\n",
        ],
        ["parts/1.csv", "ChannelType,Address,Id,Attributes.Source\nEMAIL,p1@example.com,p1,first\n"],
        ["parts/2.csv", "ChannelType,Address,Id\nEMAIL,p2@example.com,p2\n"],
        [
          "parts/3.csv",
          "ChannelType,Address,Id,Attributes.Source\nEMAIL,p3@example.com,p3,last\nEMAIL,p4@example.com,p4,last\nEMAIL,p1@example.com,p1,last\n",
        ],
        ["parts/.keep", "not an import file"],
        ["parts/deeper/9.csv", "ChannelType,Address,Id\nEMAIL,deep@example.com,deep\n"],
        ["bad/endpoints.csv", "ChannelType,Address,Id\nEMAIL,ok@example.com,ok\nEMAIL,not-an-address,nope\n"],
      ]),
    );
    server = await startTestServer(kind, {
      s3Endpoint: s3.url,
      s3Credentials: S3_KEY,
      allowS3Bucket: ["newsletter-data", "no-such-bucket"],
    });
    a = pinpointClient(server);
  });
  afterAll(async () => {
    await server.dispose();
    await s3.stop();
  });

  test("an s3://bucket/key import completes: path-style, signed requests; endpoints and an IMPORT segment; RoleArn recorded", async () => {
    const appId = await newApp();
    const before = downloadsLeft();
    const url = "s3://newsletter-data/imports/endpoints.csv";
    const r = await start(appId, { S3Url: url, DefineSegment: true, SegmentName: "from-s3" });
    expect(r.ImportJobResponse).toMatchObject({ JobStatus: "CREATED", Definition: { S3Url: url, RoleArn: ROLE } });
    const job = await finished(appId, r.ImportJobResponse!.Id!);
    expect(job).toMatchObject({ JobStatus: "COMPLETED", TotalProcessed: 2, TotalFailures: 0 });
    const seg = (await a.send(new GetSegmentCommand({ ApplicationId: appId, SegmentId: job.Definition!.SegmentId! }))).SegmentResponse!;
    expect(seg).toMatchObject({
      Name: "from-s3",
      SegmentType: "IMPORT",
      ImportDefinition: { S3Url: url, RoleArn: ROLE, Size: 2, Format: "CSV" },
    });
    const ana = (await a.send(new GetEndpointCommand({ ApplicationId: appId, EndpointId: "ana" }))).EndpointResponse!;
    expect(ana).toMatchObject({ Address: "ana@example.com", User: { UserId: "u-ana" }, Attributes: { Interests: ["Science"] } });
    const reads = s3.requests.filter((q) => q.path === "/newsletter-data/imports/endpoints.csv");
    expect(reads.map((q) => q.method)).toEqual(expect.arrayContaining(["HEAD", "GET"]));
    for (const q of reads)
      expect(q.authorization).toMatch(new RegExp(`^AWS4-HMAC-SHA256 Credential=${S3_KEY.accessKeyId}/\\d{8}/us-east-1/s3/aws4_request`));
    expect(downloadsLeft(), "the downloaded copy is removed").toBe(before);
  });

  test("an s3://bucket/prefix/ import reads every object directly under it, in key order, across list pages", async () => {
    const appId = await newApp();
    const job = await finished(
      appId,
      (await start(appId, { S3Url: "s3://newsletter-data/parts/", DefineSegment: true })).ImportJobResponse!.Id!,
    );
    expect(job).toMatchObject({ JobStatus: "COMPLETED", TotalProcessed: 5 });
    // p1 is in the first and the last object: the last one read (in key order) wins.
    expect((await a.send(new GetEndpointCommand({ ApplicationId: appId, EndpointId: "p1" }))).EndpointResponse!.Attributes).toEqual({
      Source: ["last"],
    });
    for (const id of ["p1", "p2", "p3", "p4"])
      expect((await a.send(new GetEndpointCommand({ ApplicationId: appId, EndpointId: id }))).EndpointResponse!.Address).toBe(
        `${id}@example.com`,
      );
    expect((await errorOf(() => a.send(new GetEndpointCommand({ ApplicationId: appId, EndpointId: "deep" })))).name).toBe(
      "NotFoundException",
    );
    expect(
      s3.requests.filter((q) => /^\/newsletter-data\/?$/.test(q.path) && q.query.includes("continuation-token")).length,
    ).toBeGreaterThan(0);
  });

  test("a bad row in an S3 object fails the job at its line, and nothing is imported", async () => {
    const appId = await newApp();
    const job = await finished(appId, (await start(appId, { S3Url: "s3://newsletter-data/bad/endpoints.csv" })).ImportJobResponse!.Id!);
    expect(job).toMatchObject({ JobStatus: "FAILED", TotalFailures: 1 });
    expect(job.Failures![0]).toMatch(/line 3: .*not a valid email address/);
    expect((await errorOf(() => a.send(new GetEndpointCommand({ ApplicationId: appId, EndpointId: "ok" })))).name).toBe(
      "NotFoundException",
    );
  });

  test.each([
    ["a key that does not exist", "s3://newsletter-data/imports/missing.csv", "there is no object at that key"],
    ["a bucket that does not exist", "s3://no-such-bucket/endpoints.csv", "the bucket does not exist"],
    ["a prefix with no objects", "s3://newsletter-data/empty/", "there are no objects directly under that prefix"],
    ["a malformed bucket name", "s3://B/endpoints.csv", "not a valid S3 bucket name"],
    // The server's credentials may read more than any tenant should: only the operator's buckets.
    ["a bucket the operator does not allow", "s3://someone-elses-data/endpoints.csv", "'someone-elses-data' is not one of them"],
    ["a key with a '..' segment", "s3://newsletter-data/imports/../secrets/keys.csv", "'..' segment"],
    ["a key with an empty segment", "s3://newsletter-data/imports//endpoints.csv", "an empty, '.' or '..' segment"],
  ])("CreateImportJob with %s is a BadRequestException that says so", async (_name, url, message) => {
    const appId = await newApp();
    const e = await errorOf(() => start(appId, { S3Url: url }));
    expect([e.name, e.$metadata.httpStatusCode]).toEqual(["BadRequestException", 400]);
    expect(e.message).toContain(message);
  });

  test("an S3 endpoint that does not answer is a BadRequestException naming it", async () => {
    const closed = new FakeS3();
    await closed.start();
    await closed.stop();
    const other = await startTestServer(kind, { s3Endpoint: closed.url, s3Credentials: S3_KEY, allowS3Bucket: ["*"] });
    try {
      const b = pinpointClient(other);
      const appId = (await b.send(new CreateAppCommand({ CreateApplicationRequest: { Name: "s3-down" } }))).ApplicationResponse!.Id!;
      const e = await errorOf(() => start(appId, { S3Url: "s3://newsletter-data/imports/endpoints.csv" }, b));
      expect(e.name).toBe("BadRequestException");
      expect(e.message).toContain(`could not reach the S3 endpoint ${closed.url}`);
    } finally {
      await other.dispose();
    }
  });
});

describe("pinrec serve --s3-endpoint (a real process)", () => {
  const cleanups = processSuite();

  test("reads s3:// imports with the server's own AWS credentials from its environment", async () => {
    const s3 = new FakeS3();
    await s3.start();
    cleanups.push(() => s3.stop());
    s3.buckets.set("env-bucket", new Map([["e.csv", "ChannelType,Address,Id\nEMAIL,env@example.com,env\n"]]));
    const dir = tempDir("pinrec-s3-process-");
    cleanups.push(() => dir.remove());
    const creds = writeCredentials(join(dir.path, "credentials.json"), TEST_CREDENTIALS);
    const server = await spawnServer(
      ["--data-dir", join(dir.path, "data"), "--credentials", creds, "--s3-endpoint", s3.url, "--allow-s3-bucket", "env-bucket"],
      {
        env: { AWS_ACCESS_KEY_ID: "AKIAFROMSERVERENV001", AWS_SECRET_ACCESS_KEY: "from-the-server-environment" },
      },
    );
    const a = pinpointClient(server);
    const appId = (await a.send(new CreateAppCommand({ CreateApplicationRequest: { Name: "s3-env" } }))).ApplicationResponse!.Id!;
    let job = (
      await a.send(
        new CreateImportJobCommand({
          ApplicationId: appId,
          ImportJobRequest: { Format: "CSV", RoleArn: ROLE, S3Url: "s3://env-bucket/e.csv" },
        }),
      )
    ).ImportJobResponse!;
    for (let i = 0; i < 400 && job.JobStatus !== "COMPLETED" && job.JobStatus !== "FAILED"; i++) {
      await new Promise((r) => setTimeout(r, 25));
      job = (await a.send(new GetImportJobCommand({ ApplicationId: appId, JobId: job.Id! }))).ImportJobResponse!;
    }
    expect(job).toMatchObject({ JobStatus: "COMPLETED", TotalProcessed: 1 });
    expect(s3.requests.length).toBeGreaterThan(0);
    for (const q of s3.requests) expect(q.authorization).toContain("Credential=AKIAFROMSERVERENV001/");
  }, 60_000);
});
