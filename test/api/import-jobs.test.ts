/**
 * Imported segments: CreateImportJob / GetImportJob / GetImportJobs with file:// URLs through the
 * real AWS SDK on both stores, and `pinrec segments import` as a real process. A bad row names its
 * line and nothing is imported.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import {
  CreateAppCommand,
  CreateImportJobCommand,
  CreateSegmentCommand,
  GetEndpointCommand,
  GetImportJobCommand,
  GetImportJobsCommand,
  GetSegmentCommand,
  GetSegmentsCommand,
  GetUserEndpointsCommand,
  type ImportJobRequest,
  type ImportJobResponse,
  type PinpointClient,
} from "@aws-sdk/client-pinpoint";
import { SegmentService } from "../../src/pinpoint/segments/service.js";
import { importedEndpointId } from "../../src/pinpoint/segments/import-file.js";
import { EVERY_ENDPOINT } from "../../src/store/segment-query.js";
import { ACCOUNT_A, STORE_KINDS, errorOf, pinpointClient, startTestServer, tempDir, type TestServer } from "../helpers.js";
import { runCli, writeCredentials } from "../server-process.js";

const TENANT = { accountId: "111122223333", region: "us-east-1" };
const ROLE = "arn:aws:iam::111122223333:role/PinpointSegmentImport";

const CSV = [
  "ChannelType,Address,Id,User.UserId,User.UserAttributes.FirstName,Attributes.Interests,Metrics.Visits,Demographic.Platform,Location.Country",
  "EMAIL,ana@example.com,ana,u-ana,Ana,Science,3,ios,US",
  'EMAIL,bo@example.com,bo,u-bo,"Bo, Jr.",Cooking,10,android,DE',
  "SMS,+12065550100,,,,Science,,,US",
  "",
].join("\n");

const JSONL = [
  JSON.stringify({
    ChannelType: "EMAIL",
    Address: "cy@example.com",
    Id: "cy",
    Attributes: { Interests: ["Science", "Music"] },
    User: { UserId: "u-cy" },
  }),
  "",
  JSON.stringify({ ChannelType: "SMS", Address: "+12065550101", Location: { Country: "FR", Latitude: 48.8 } }),
].join("\n");

describe.each(STORE_KINDS)("import jobs on %s", (kind) => {
  let server: TestServer;
  let a: PinpointClient;
  let dir: { path: string; remove(): void };
  const file = (name: string, text: string) => {
    const path = join(dir.path, name);
    writeFileSync(path, text);
    return pathToFileURL(path).href;
  };
  const newApp = async () =>
    (await a.send(new CreateAppCommand({ CreateApplicationRequest: { Name: "imports" } }))).ApplicationResponse!.Id!;
  const start = (appId: string, req: Partial<ImportJobRequest>) =>
    a.send(
      new CreateImportJobCommand({
        ApplicationId: appId,
        ImportJobRequest: { Format: "CSV", RoleArn: ROLE, S3Url: "", ...req } as ImportJobRequest,
      }),
    );
  /** Polls GetImportJob (a bounded number of times) until the job ends. */
  const finished = async (appId: string, id: string): Promise<ImportJobResponse> => {
    for (let i = 0; i < 200; i++) {
      const job = (await a.send(new GetImportJobCommand({ ApplicationId: appId, JobId: id }))).ImportJobResponse!;
      if (job.JobStatus === "COMPLETED" || job.JobStatus === "FAILED") return job;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error("the import job did not finish");
  };
  const members = async (appId: string, segmentId: string) => {
    const ids: string[] = [];
    for await (const batch of new SegmentService(server.store).endpointsOf(TENANT, appId, segmentId)) ids.push(...batch.map((e) => e.Id!));
    return ids.sort();
  };
  const endpointCount = (appId: string) => server.store.segments.count(TENANT, appId, EVERY_ENDPOINT);

  beforeAll(async () => {
    dir = tempDir("pinrec-import-");
    server = await startTestServer(kind, { importDir: dir.path });
    a = pinpointClient(server);
  });
  afterAll(async () => {
    await server.dispose();
    dir.remove();
  });

  test("a CSV import job (201, CREATED) completes: endpoints written, an IMPORT segment of them", async () => {
    const appId = await newApp();
    const url = file("endpoints.csv", CSV);
    const r = await start(appId, { S3Url: url, DefineSegment: true, SegmentName: "newsletter", ExternalId: "ext" });
    expect(r.$metadata.httpStatusCode).toBe(201);
    expect(r.ImportJobResponse).toMatchObject({
      ApplicationId: appId,
      JobStatus: "CREATED",
      Type: "IMPORT",
      Definition: { Format: "CSV", S3Url: url, RoleArn: ROLE, DefineSegment: true, SegmentName: "newsletter", ExternalId: "ext" },
    });
    const job = await finished(appId, r.ImportJobResponse!.Id!);
    expect(job).toMatchObject({
      JobStatus: "COMPLETED",
      TotalProcessed: 3,
      TotalFailures: 0,
      CompletedPieces: 1,
      FailedPieces: 0,
      TotalPieces: 1,
    });
    const segmentId = job.Definition!.SegmentId!;
    const seg = (await a.send(new GetSegmentCommand({ ApplicationId: appId, SegmentId: segmentId }))).SegmentResponse!;
    expect(seg).toMatchObject({
      Name: "newsletter",
      SegmentType: "IMPORT",
      Version: 1,
      ImportDefinition: { Format: "CSV", S3Url: url, Size: 3, ChannelCounts: { EMAIL: 2, SMS: 1 }, RoleArn: ROLE, ExternalId: "ext" },
    });
    const smsId = importedEndpointId("SMS", "+12065550100");
    expect(await members(appId, segmentId)).toEqual([smsId, "ana", "bo"].sort());
    const bo = (await a.send(new GetEndpointCommand({ ApplicationId: appId, EndpointId: "bo" }))).EndpointResponse!;
    expect(bo).toMatchObject({
      ChannelType: "EMAIL",
      Address: "bo@example.com",
      User: { UserId: "u-bo", UserAttributes: { FirstName: ["Bo, Jr."] } },
      Attributes: { Interests: ["Cooking"] },
      Metrics: { Visits: 10 },
      Demographic: { Platform: "android" },
      Location: { Country: "DE" },
    });
    // A dimensional segment built on the imported one filters it.
    const science = (
      await a.send(
        new CreateSegmentCommand({
          ApplicationId: appId,
          WriteSegmentRequest: {
            SegmentGroups: {
              Groups: [{ SourceSegments: [{ Id: segmentId }], Dimensions: [{ Attributes: { Interests: { Values: ["Science"] } } }] }],
            },
          },
        }),
      )
    ).SegmentResponse!;
    expect(await members(appId, science.Id!)).toEqual([smsId, "ana"].sort());
    // Re-importing the same file updates the same endpoints (ids without an Id column are derived).
    const again = await finished(appId, (await start(appId, { S3Url: url, DefineSegment: true })).ImportJobResponse!.Id!);
    expect(again.JobStatus).toBe("COMPLETED");
    expect(await endpointCount(appId)).toBe(3);
    const jobs = await a.send(new GetImportJobsCommand({ ApplicationId: appId, PageSize: "1" }));
    expect(jobs.ImportJobsResponse!.Item!.map((j) => j.Id)).toEqual([r.ImportJobResponse!.Id]);
    const rest = await a.send(new GetImportJobsCommand({ ApplicationId: appId, Token: jobs.ImportJobsResponse!.NextToken }));
    expect(rest.ImportJobsResponse!.Item!.map((j) => j.Id)).toEqual([again.Id]);
    // Without a SegmentName the segment is named after the file.
    const segs = (await a.send(new GetSegmentsCommand({ ApplicationId: appId }))).SegmentsResponse!.Item!;
    expect(segs.map((s) => s.Name)).toContain("endpoints.csv");
  });

  test("a JSON-lines import without DefineSegment writes endpoints only", async () => {
    const appId = await newApp();
    const job = await finished(
      appId,
      (await start(appId, { Format: "JSON", S3Url: file("endpoints.jsonl", JSONL) })).ImportJobResponse!.Id!,
    );
    expect(job).toMatchObject({ JobStatus: "COMPLETED", TotalProcessed: 2 });
    expect(job.Definition!.SegmentId).toBeUndefined();
    expect((await a.send(new GetSegmentsCommand({ ApplicationId: appId }))).SegmentsResponse!.Item).toEqual([]);
    expect((await a.send(new GetUserEndpointsCommand({ ApplicationId: appId, UserId: "u-cy" }))).EndpointsResponse!.Item![0]).toMatchObject(
      { Id: "cy", Attributes: { Interests: ["Science", "Music"] } },
    );
    const fr = (await a.send(new GetEndpointCommand({ ApplicationId: appId, EndpointId: importedEndpointId("SMS", "+12065550101") })))
      .EndpointResponse!;
    expect(fr.Location).toEqual({ Country: "FR", Latitude: 48.8 });
  });

  test("a folder imports every file in it, in name order", async () => {
    const appId = await newApp();
    const folder = join(dir.path, "parts");
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, "a.csv"), "ChannelType,Address,Id\nEMAIL,p1@example.com,p1\n");
    writeFileSync(join(folder, "b.csv"), "Id,Attributes.Plan\np1,pro\n");
    const job = await finished(
      appId,
      (await start(appId, { S3Url: pathToFileURL(folder).href, DefineSegment: true, SegmentName: "parts" })).ImportJobResponse!.Id!,
    );
    expect(job).toMatchObject({ JobStatus: "COMPLETED", TotalProcessed: 2 });
    expect((await a.send(new GetEndpointCommand({ ApplicationId: appId, EndpointId: "p1" }))).EndpointResponse).toMatchObject({
      Address: "p1@example.com",
      Attributes: { Plan: ["pro"] },
    });
  });

  test.each<[string, string, "CSV" | "JSON", string[]]>([
    [
      "a bad email address",
      "ChannelType,Address,Id\nEMAIL,ok@example.com,ok\nEMAIL,not-an-address,bad\n",
      "CSV",
      ["line 3: Address 'not-an-address' is not a valid email address"],
    ],
    ["a row with too many fields", "ChannelType,Address\nEMAIL,a@example.com,extra\n", "CSV", ["line 2: has 3 fields; the header has 2"]],
    ["a metric that is no number", "Id,Metrics.Visits\nx,many\n", "CSV", ["line 2: Metrics.Visits 'many' is not a number"]],
    ["an unknown column", "Id,Nickname\nx,y\n", "CSV", ["line 1: the header has an unknown column 'Nickname'"]],
    [
      "a row with neither Id nor address",
      "Attributes.Plan\npro\n",
      "CSV",
      ["line 2: an endpoint needs an Id, or a ChannelType and an Address"],
    ],
    ["an unterminated quote", 'Id,Attributes.Plan\nx,"pro\n', "CSV", ["line 2: "]],
    ["invalid JSON on one line", '{"Id":"x"}\n{"Id":\n', "JSON", ["line 2: is not valid JSON"]],
    ["a JSON member of the wrong type", '{"Id":"x","Metrics":{"v":"1"}}\n', "JSON", ["line 1: Metrics must map names to numbers"]],
    ["a bad ChannelType", '{"Id":"x","ChannelType":"PIGEON","Address":"coo"}\n', "JSON", ["line 1: ChannelType must be one of"]],
    ["an empty file", "", "JSON", ["the file holds no endpoint definitions"]],
  ])("a file with %s fails the job, naming the line; nothing is imported", async (name, text, format, failures) => {
    const appId = await newApp();
    const job = await finished(
      appId,
      (
        await start(appId, {
          Format: format,
          S3Url: file(`bad-${name.replace(/\W/g, "_")}`, text),
          DefineSegment: true,
          SegmentName: "bad",
        })
      ).ImportJobResponse!.Id!,
    );
    expect(job).toMatchObject({ JobStatus: "FAILED", TotalProcessed: 0, FailedPieces: 1 });
    expect(job.Failures!.length).toBe(failures.length);
    failures.forEach((f, i) => expect(job.Failures![i]).toContain(f));
    expect(await endpointCount(appId)).toBe(0);
    expect((await a.send(new GetSegmentsCommand({ ApplicationId: appId }))).SegmentsResponse!.Item!.map((s) => s.Name)).toEqual([]);
  });

  test("a rule only the write can check (15 endpoints per user) fails at its line, after earlier chunks were written: nothing is kept", async () => {
    const appId = await newApp();
    const rows = ["ChannelType,Address,Id,User.UserId"];
    for (let i = 0; i < 1200; i++) rows.push(`EMAIL,r${i}@example.com,r${i},${i === 1100 ? "crowded" : `u${i}`}`);
    for (let i = 0; i < 15; i++) rows.push(`EMAIL,c${i}@example.com,c${i},crowded`);
    const job = await finished(
      appId,
      (await start(appId, { S3Url: file("crowded.csv", rows.join("\n")), DefineSegment: true })).ImportJobResponse!.Id!,
    );
    expect(job.JobStatus).toBe("FAILED");
    expect(job.Failures![0]).toMatch(/^line 12\d\d: User 'crowded' would have 16 endpoints/);
    expect(await endpointCount(appId)).toBe(0);
    expect((await a.send(new GetSegmentsCommand({ ApplicationId: appId }))).SegmentsResponse!.Item).toEqual([]);
  });

  test("many bad rows: the first 100 are listed with TotalFailures counting all", async () => {
    const appId = await newApp();
    const rows = ["ChannelType,Address"];
    for (let i = 0; i < 150; i++) rows.push("EMAIL,nope");
    const job = await finished(appId, (await start(appId, { S3Url: file("many.csv", rows.join("\n")) })).ImportJobResponse!.Id!);
    expect(job).toMatchObject({ JobStatus: "FAILED", TotalFailures: 150 });
    expect(job.Failures).toHaveLength(100);
    expect(job.Failures![99]).toContain("line 101:");
  });

  test.each<[string, Partial<ImportJobRequest>, string, string]>([
    [
      "an s3:// URL without --s3-endpoint",
      { S3Url: "s3://bucket/endpoints.csv" },
      "BadRequestException",
      "start pinrec serve with --s3-endpoint URL",
    ],
    [
      "an https:// URL",
      { S3Url: "https://example.com/endpoints.csv" },
      "BadRequestException",
      "is not supported: pinrec imports from file:// URLs",
    ],
    [
      "a file that does not exist",
      { S3Url: "file:///nonexistent/endpoints.csv" },
      "BadRequestException",
      "there is no file or folder at /nonexistent/endpoints.csv",
    ],
    ["a file outside the import directory", { S3Url: pathToFileURL(tmpdir()).href }, "BadRequestException", "outside the import directory"],
    ["a remote file:// host", { S3Url: "file://server/endpoints.csv" }, "BadRequestException", "must name a local path"],
    ["an unknown Format", { Format: "XML" as never, S3Url: "file:///tmp" }, "BadRequestException", "Format must be one of CSV, JSON"],
    ["a SegmentId", { S3Url: "file:///tmp", SegmentId: "abc" }, "BadRequestException", "SegmentId is not supported"],
    ["no RoleArn", { S3Url: "file:///tmp", RoleArn: undefined }, "BadRequestException", "RoleArn"],
  ])("CreateImportJob with %s is refused", async (_name, req, code, message) => {
    const appId = await newApp();
    const e = await errorOf(() => start(appId, req));
    expect([e.name, e.$metadata.httpStatusCode]).toEqual([code, 400]);
    expect(e.message).toContain(message);
  });

  test("a symbolic link inside the import directory that leads outside it is refused", async () => {
    const appId = await newApp();
    const link = join(dir.path, "escape");
    symlinkSync("/etc/hostname", link);
    const e = await errorOf(() => start(appId, { S3Url: pathToFileURL(link).href }));
    expect([e.name, e.message]).toEqual(["BadRequestException", expect.stringContaining("outside the import directory")]);
  });

  test("unknown apps and jobs are NotFoundException", async () => {
    const appId = await newApp();
    for (const [op, message] of [
      [() => start("0".repeat(32), { S3Url: file("x.csv", CSV) }), "Application"],
      [() => a.send(new GetImportJobsCommand({ ApplicationId: "0".repeat(32) })), "Application"],
      [() => a.send(new GetImportJobCommand({ ApplicationId: appId, JobId: "nope" })), "Import job 'nope'"],
    ] as const) {
      const e = await errorOf(op);
      expect([e.name, e.$metadata.httpStatusCode]).toEqual(["NotFoundException", 404]);
      expect(e.message).toContain(message);
    }
  });
});

describe("pinrec segments import", () => {
  // Each CLI run starts a Node process; on a loaded machine that alone can take many seconds.
  const cli = (args: string[]) => runCli(args, { timeoutMs: 90_000 });
  test("imports a local file into a segment the server then serves; a bad row exits 2 naming the line, nothing imported", {
    timeout: 300_000,
  }, async () => {
    const dir = tempDir("pinrec-cli-import-");
    const dataDir = join(dir.path, "data");
    const creds = writeCredentials(join(dir.path, "credentials.json"), [ACCOUNT_A]);
    const server = await startTestServer("sqlite", { dataDir });
    try {
      const a = pinpointClient(server);
      const appId = (await a.send(new CreateAppCommand({ CreateApplicationRequest: { Name: "cli" } }))).ApplicationResponse!.Id!;
      const good = join(dir.path, "good.csv");
      writeFileSync(good, CSV);
      const ok = await cli([
        "segments",
        "import",
        "--app",
        appId,
        "--name",
        "from-cli",
        "--file",
        good,
        "--data-dir",
        dataDir,
        "--credentials",
        creds,
      ]);
      expect(ok.stderr).toBe("");
      expect(ok.code).toBe(0);
      const out = JSON.parse(ok.stdout) as {
        imported: number;
        segment: { Id: string; SegmentType: string; ImportDefinition: { Size: number } };
      };
      expect(out).toMatchObject({ imported: 3, segment: { SegmentType: "IMPORT", ImportDefinition: { Size: 3 } } });
      expect((await a.send(new GetSegmentCommand({ ApplicationId: appId, SegmentId: out.segment.Id }))).SegmentResponse!.Name).toBe(
        "from-cli",
      );

      const bad = join(dir.path, "bad.jsonl");
      writeFileSync(bad, `${JSON.stringify({ Id: "new-1", ChannelType: "EMAIL", Address: "n@example.com" })}\n{"Id": 5}\n`);
      const r = await cli([
        "segments",
        "import",
        "--app",
        appId,
        "--name",
        "bad",
        "--file",
        bad,
        "--data-dir",
        dataDir,
        "--credentials",
        creds,
      ]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("line 2: Id must be a string");
      expect(r.stderr).toContain("nothing was imported");
      expect((await errorOf(() => a.send(new GetEndpointCommand({ ApplicationId: appId, EndpointId: "new-1" })))).name).toBe(
        "NotFoundException",
      );

      const unknown = await cli([
        "segments",
        "import",
        "--app",
        "0".repeat(32),
        "--name",
        "x",
        "--file",
        good,
        "--data-dir",
        dataDir,
        "--credentials",
        creds,
      ]);
      expect([unknown.code, unknown.stderr.trim()]).toEqual([
        2,
        `pinrec: NotFoundException: Application '${"0".repeat(32)}' was not found`,
      ]);
    } finally {
      await server.dispose();
      dir.remove();
    }
  });
});
