/**
 * The "done when" walk of the apps/endpoints/templates issue, as a new user would do it with the
 * real AWS CLI v2 (Debian's /usr/bin/aws, not whatever `aws` is first on PATH): create an app, load
 * 1,000 endpoints in batches of 100, look up a user's endpoints, create an email template naming a
 * recommender, add a version, make it active, list templates, delete the app. Nothing from the
 * machine's AWS configuration leaks in.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ACCOUNT_A, CAMPAIGN, ROLE, startTestServer, tempDir, type TestServer } from "../helpers.js";
import { pinpointCli } from "../aws-cli.js";

describe("AWS CLI: apps, endpoints and a template that names a recommender", () => {
  let server: TestServer;
  const dir = tempDir("pinrec-cli-");

  const { aws, ok } = pinpointCli(() => server.url, dir.path, ACCOUNT_A);
  const file = (name: string, value: unknown) => {
    const path = join(dir.path, name);
    writeFileSync(path, JSON.stringify(value));
    return `file://${path}`;
  };

  beforeAll(async () => {
    server = await startTestServer("sqlite");
  });
  afterAll(async () => {
    await server.dispose();
    dir.remove();
  });

  test("the walk answers as AWS would at every step", { timeout: 120_000 }, async () => {
    const app = (await ok("create-app", "--create-application-request", "Name=ExampleCorp,tags={Stack=Test}")).ApplicationResponse;
    expect(app).toMatchObject({ Name: "ExampleCorp", tags: { Stack: "Test" } });
    expect(app.Id).toMatch(/^[0-9a-f]{32}$/);
    expect(app.Arn).toBe(`arn:aws:mobiletargeting:us-east-1:${ACCOUNT_A.accountId}:apps/${app.Id}`);
    expect((await ok("get-app", "--application-id", app.Id)).ApplicationResponse).toEqual(app);
    expect((await ok("get-apps")).ApplicationsResponse.Item).toEqual([app]);

    // 1,000 endpoints in ten batches of 100; user u-7 ends up with endpoints 7, 107, …, 907.
    const batches = Array.from({ length: 10 }, (_, b) => ({
      Item: Array.from({ length: 100 }, (_, i) => {
        const n = b * 100 + i;
        return {
          Id: `endpoint-${n}`,
          ChannelType: n % 2 ? "EMAIL" : "SMS",
          Address: n % 2 ? `user${n}@example.com` : `+1206555${String(n).padStart(4, "0")}`,
          Attributes: { Interests: ["books", `topic-${n % 5}`] },
          User: { UserId: `u-${n % 100}`, UserAttributes: { FirstName: [`Name${n}`] } },
        };
      }),
    }));
    const results = await Promise.all(
      batches.map((b, i) =>
        ok("update-endpoints-batch", "--application-id", app.Id, "--endpoint-batch-request", file(`batch-${i}.json`, b)),
      ),
    );
    for (const r of results) expect(r.MessageBody).toMatchObject({ Message: "Accepted" });

    const user = (await ok("get-user-endpoints", "--application-id", app.Id, "--user-id", "u-7")).EndpointsResponse.Item;
    expect(user.map((e: { Id: string }) => e.Id).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `endpoint-${i * 100 + 7}`).sort());
    expect(user[0]).toMatchObject({ ApplicationId: app.Id, EndpointStatus: "ACTIVE", OptOut: "NONE", User: { UserId: "u-7" } });
    const one = (await ok("get-endpoint", "--application-id", app.Id, "--endpoint-id", "ENDPOINT-7")).EndpointResponse;
    expect(one).toMatchObject({
      Id: "endpoint-7",
      ChannelType: "EMAIL",
      Address: "user7@example.com",
      Attributes: { Interests: ["books", "topic-2"] },
    });

    // A documented error surfaces with its code and message.
    const bad = await aws(
      "update-endpoint",
      "--application-id",
      app.Id,
      "--endpoint-id",
      "x",
      "--endpoint-request",
      "ChannelType=SMS,Address=12345",
    );
    expect(bad.code).toBe(254);
    expect(bad.stderr).toMatch(/BadRequestException.*E\.164/);

    const rec = (
      await ok(
        "create-recommender-configuration",
        "--create-recommender-configuration",
        file("rec.json", {
          RecommendationProviderUri: CAMPAIGN,
          RecommendationProviderRoleArn: ROLE,
          RecommendationsDisplayName: "Picks",
          RecommendationsPerMessage: 3,
        }),
      )
    ).RecommenderConfigurationResponse;
    const v1 = {
      Subject: "Picks for {{User.UserAttributes.FirstName.[0]}}",
      HtmlPart: "<ul>{{#each RecommendationItems}}<li>{{this}}</li>{{/each}}</ul>",
      RecommenderId: rec.Id,
      DefaultSubstitutions: JSON.stringify({ "User.UserAttributes.FirstName": "there" }),
    };
    const created = (await ok("create-email-template", "--template-name", "WeeklyPicks", "--email-template-request", file("t1.json", v1)))
      .CreateTemplateMessageBody;
    expect(created).toMatchObject({
      Arn: `arn:aws:mobiletargeting:us-east-1:${ACCOUNT_A.accountId}:templates/WeeklyPicks/EMAIL`,
      Message: "Created",
    });
    const brokenHbs = await aws(
      "create-email-template",
      "--template-name",
      "Broken",
      "--email-template-request",
      file("t-bad.json", { HtmlPart: "{{#each x}}" }),
    );
    expect(brokenHbs.stderr).toMatch(/BadRequestException.*HtmlPart.*line 1/);

    const upd = await ok(
      "update-email-template",
      "--template-name",
      "WeeklyPicks",
      "--create-new-version",
      "--email-template-request",
      file("t2.json", { ...v1, Subject: "v2: {{RecommendationItems.[0]}}" }),
    );
    expect(upd.MessageBody).toMatchObject({ Message: "Accepted" });
    expect((await ok("get-email-template", "--template-name", "WeeklyPicks")).EmailTemplateResponse).toMatchObject({
      Version: "1",
      RecommenderId: rec.Id,
    });
    await ok(
      "update-template-active-version",
      "--template-name",
      "WeeklyPicks",
      "--template-type",
      "EMAIL",
      "--template-active-version-request",
      "Version=2",
    );
    const active = (await ok("get-email-template", "--template-name", "WeeklyPicks")).EmailTemplateResponse;
    expect(active).toMatchObject({
      Version: "2",
      Subject: "v2: {{RecommendationItems.[0]}}",
      TemplateType: "EMAIL",
      RecommenderId: rec.Id,
    });
    const versions = (await ok("list-template-versions", "--template-name", "WeeklyPicks", "--template-type", "EMAIL"))
      .TemplateVersionsResponse.Item;
    expect(versions.map((v: { Version: string }) => v.Version)).toEqual(["1", "2"]);
    const list = (await ok("list-templates")).TemplatesResponse.Item;
    expect(list).toEqual([expect.objectContaining({ TemplateName: "WeeklyPicks", TemplateType: "EMAIL", Version: "2" })]);

    const deleted = (await ok("delete-app", "--application-id", app.Id)).ApplicationResponse;
    expect(deleted).toEqual(app);
    const gone = await aws("get-user-endpoints", "--application-id", app.Id, "--user-id", "u-7");
    expect(gone.code).toBe(254);
    expect(gone.stderr).toMatch(/NotFoundException/);
    expect((await ok("get-apps")).ApplicationsResponse.Item).toEqual([]);
  });
});
