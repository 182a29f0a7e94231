/**
 * Segments and channels as a new user would drive them with the real AWS CLI v2 (Debian's
 * /usr/bin/aws): endpoints, `create-segment` with an attribute dimension in the CLI's shorthand,
 * `get-segment`, a refused dimension, an email channel, and an import job from a file:// URL. (Every
 * other operation is covered through the SDK; each CLI call costs seconds.) And put-events.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ACCOUNT_A, startTestServer, tempDir, type TestServer } from "../helpers.js";
import { pinpointCli } from "../aws-cli.js";
import { SegmentService } from "../../src/pinpoint/segments/service.js";

describe("AWS CLI: segments, channels and import jobs", () => {
  let server: TestServer;
  const dir = tempDir("pinrec-cli-segments-");

  const { aws, ok } = pinpointCli(() => server.url, dir.path, ACCOUNT_A);
  const file = (name: string, text: string) => {
    const path = join(dir.path, name);
    writeFileSync(path, text);
    return path;
  };

  beforeAll(async () => {
    server = await startTestServer("sqlite", { importDir: dir.path });
  });
  afterAll(async () => {
    await server.dispose();
    dir.remove();
  });

  test("create-segment with an attribute dimension, then get-segment, answer as AWS would", { timeout: 240_000 }, async () => {
    const appId = (await ok("create-app", "--create-application-request", "Name=Segments")).ApplicationResponse.Id;
    const items = [
      { Id: "e1", ChannelType: "EMAIL", Address: "one@example.com", Attributes: { Interests: ["books", "music"] } },
      { Id: "e2", ChannelType: "EMAIL", Address: "two@example.com", Attributes: { Interests: ["films"] } },
      { Id: "e3", ChannelType: "EMAIL", Address: "three@example.com", Attributes: { Interests: ["books"] } },
    ];
    await ok(
      "update-endpoints-batch",
      "--application-id",
      appId,
      "--endpoint-batch-request",
      `file://${file("batch.json", JSON.stringify({ Item: items }))}`,
    );

    const created = (
      await ok(
        "create-segment",
        "--application-id",
        appId,
        "--write-segment-request",
        "Name=Readers,Dimensions={Attributes={Interests={AttributeType=INCLUSIVE,Values=[books]}}}",
      )
    ).SegmentResponse;
    expect(created).toMatchObject({
      ApplicationId: appId,
      Name: "Readers",
      SegmentType: "DIMENSIONAL",
      Version: 1,
      Dimensions: { Attributes: { Interests: { AttributeType: "INCLUSIVE", Values: ["books"] } } },
      Arn: `arn:aws:mobiletargeting:us-east-1:${ACCOUNT_A.accountId}:apps/${appId}/segments/${created.Id}`,
    });
    expect((await ok("get-segment", "--application-id", appId, "--segment-id", created.Id)).SegmentResponse).toEqual(created);
    const ids: string[] = [];
    for await (const batch of new SegmentService(server.store).endpointsOf(
      { accountId: ACCOUNT_A.accountId, region: "us-east-1" },
      appId,
      created.Id,
    ))
      ids.push(...batch.map((e) => e.Id!));
    expect(ids).toEqual(["e1", "e3"]);

    const bad = await aws(
      "create-segment",
      "--application-id",
      appId,
      "--write-segment-request",
      "Name=Bad,Dimensions={Attributes={Signup={AttributeType=BEFORE,Values=[soon]}}}",
    );
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("BadRequestException");
    expect(bad.stderr).toContain("Dimensions.Attributes.Signup.Values[0]");

    const channel = (
      await ok(
        "update-email-channel",
        "--application-id",
        appId,
        "--email-channel-request",
        "FromAddress=news@example.com,Identity=arn:aws:ses:us-east-1:111122223333:identity/example.com,Enabled=true",
      )
    ).EmailChannelResponse;
    expect(channel).toMatchObject({ FromAddress: "news@example.com", Enabled: true, Platform: "EMAIL" });

    const csv = file("import.csv", "ChannelType,Address,Id,Attributes.Interests\nEMAIL,four@example.com,e4,books\n");
    const job = (
      await ok(
        "create-import-job",
        "--application-id",
        appId,
        "--import-job-request",
        `Format=CSV,S3Url=file://${csv},RoleArn=arn:aws:iam::111122223333:role/Import,DefineSegment=true,SegmentName=Imported`,
      )
    ).ImportJobResponse;
    expect(job).toMatchObject({ JobStatus: "CREATED", Type: "IMPORT" });
    let status = job.JobStatus;
    for (let i = 0; i < 100 && status !== "COMPLETED" && status !== "FAILED"; i++) {
      status = (await ok("get-import-job", "--application-id", appId, "--job-id", job.Id)).ImportJobResponse.JobStatus;
    }
    expect(status).toBe("COMPLETED");
  });
});

describe("AWS CLI: put-events", () => {
  let server: TestServer;
  const dir = tempDir("pinrec-cli-events-");
  const { aws } = pinpointCli(() => server.url, dir.path, ACCOUNT_A);

  beforeAll(async () => {
    server = await startTestServer("sqlite");
  });
  afterAll(async () => {
    await server.dispose();
    dir.remove();
  });

  test("put-events records the endpoint and answers per endpoint and per event", { timeout: 120_000 }, async () => {
    const app = await aws("create-app", "--create-application-request", "Name=Events");
    expect(app.code, app.stderr).toBe(0);
    const appId = JSON.parse(app.stdout).ApplicationResponse.Id;
    const request = {
      BatchItem: {
        "reader-1": {
          Endpoint: { ChannelType: "EMAIL", Address: "reader@example.com" },
          Events: {
            "view-1": { EventType: "product.viewed", Timestamp: new Date().toISOString(), Attributes: { item: "42" } },
            "view-2": { EventType: "", Timestamp: new Date().toISOString() },
          },
        },
      },
    };
    writeFileSync(join(dir.path, "events.json"), JSON.stringify(request));
    const r = await aws("put-events", "--application-id", appId, "--events-request", `file://${join(dir.path, "events.json")}`);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).EventsResponse.Results["reader-1"]).toEqual({
      EndpointItemResponse: { StatusCode: 202, Message: "Accepted" },
      EventsItemResponse: {
        "view-1": { StatusCode: 202, Message: "Accepted" },
        "view-2": { StatusCode: 400, Message: "EventType must not be empty" },
      },
    });
    const endpoint = await aws("get-endpoint", "--application-id", appId, "--endpoint-id", "reader-1");
    expect(JSON.parse(endpoint.stdout).EndpointResponse.Address).toBe("reader@example.com");
  });
});
