/**
 * The real AWS CLI v2 (Debian's /usr/bin/aws) and boto3 (Debian's /usr/bin/python3) against a real
 * `pinrec serve` process. Nothing from the machine's AWS configuration may leak in: credentials come
 * from the environment, config/credentials files point at empty temp files, IMDS is disabled.
 * CI installs both with `apt-get install awscli python3-boto3`; without them this suite fails.
 */
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ACCOUNT_A, ACCOUNT_B, CAMPAIGN, ROLE, TEST_CREDENTIALS, tempDir } from "./helpers.js";
import { REPO, killAll, spawnServer, writeCredentials, type ServerProcess } from "./server-process.js";
import { AWS, INSTALL_HINT, PYTHON, awsEnv as sharedAwsEnv, run as runIn, type Result } from "./aws-cli.js";

let dir: ReturnType<typeof tempDir>;
let server: ServerProcess;
/** Independent commands start together in beforeAll (each CLI start costs ~1 s of Python imports). */
let background:
  | { version: Promise<Result>; invalid: Promise<Result>; odd: Promise<Result>; wrongSecret: Promise<Result>; boto3: Promise<Result> }
  | undefined;

const awsEnv = (credential = ACCOUNT_A) => sharedAwsEnv(dir.path, credential);
const run = (cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs?: number) => runIn(cmd, args, env, dir.path, timeoutMs);

/** `aws pinpoint <op> --endpoint-url … --output json <args>` */
function aws(op: string, args: string[] = [], credential = ACCOUNT_A) {
  return run(AWS, ["pinpoint", op, "--endpoint-url", server.url, "--output", "json", ...args], awsEnv(credential));
}

async function awsOk(op: string, args: string[] = []): Promise<any> {
  const r = await aws(op, args);
  expect(r.code, `aws pinpoint ${op} failed:\n${r.stderr}`).toBe(0);
  return JSON.parse(r.stdout);
}

beforeAll(async () => {
  dir = tempDir("pinrec-awscli-");
  writeFileSync(join(dir.path, "empty-aws-file"), "");
  if (!existsSync(AWS) || !existsSync(PYTHON)) return; // the tests below report it
  const creds = writeCredentials(join(dir.path, "credentials.json"), TEST_CREDENTIALS);
  server = await spawnServer(["--data-dir", join(dir.path, "data"), "--credentials", creds]);
  const settle = (p: Promise<Result>) => p.catch((e: Error) => ({ code: -1, stdout: "", stderr: String(e?.stack ?? e) }));
  background = {
    version: settle(run(AWS, ["--version"], awsEnv())),
    // Server-side validation (the CLI's own parameter validation would exit 252 instead).
    invalid: settle(
      aws("create-recommender-configuration", [
        "--create-recommender-configuration",
        JSON.stringify({
          RecommendationProviderUri: CAMPAIGN,
          RecommendationProviderRoleArn: ROLE,
          RecommendationsPerMessage: 9,
          RecommendationsDisplayName: "x",
        }),
      ]),
    ),
    // A path label with a slash and a space round-trips through the CLI's encoding and SigV4.
    odd: settle(aws("delete-recommender-configuration", ["--recommender-id", "id/with space"])),
    wrongSecret: settle(aws("get-recommender-configurations", [], { ...ACCOUNT_B, secretAccessKey: "not-the-right-secret-at-all" })),
    boto3: settle(run(PYTHON, [join(REPO, "test", "fixtures", "boto3_smoke.py")], { ...awsEnv(), PINREC_ENDPOINT: server.url })),
  };
});

afterAll(async () => {
  if (server) {
    const exit = await server.stop();
    expect(exit.code).toBe(0);
  }
  await killAll();
  dir?.remove();
});

describe("AWS CLI v2", () => {
  test("is installed", async () => {
    expect(existsSync(AWS), `${AWS} is missing: ${INSTALL_HINT}`).toBe(true);
    const v = await background!.version;
    expect(v.code, `${AWS} --version failed (${INSTALL_HINT}):\n${v.stderr}`).toBe(0);
    expect(v.stdout + v.stderr).toMatch(/aws-cli\/2\./);
  });

  test("create, list, get, update, delete; typed errors", async () => {
    expect(existsSync(AWS), `${AWS} is missing: ${INSTALL_HINT}`).toBe(true);
    const body = {
      Name: "cli-model",
      RecommendationProviderUri: CAMPAIGN,
      RecommendationProviderRoleArn: ROLE,
      RecommendationsDisplayName: "Top picks",
      RecommendationsPerMessage: 3,
    };
    const created = (await awsOk("create-recommender-configuration", ["--create-recommender-configuration", JSON.stringify(body)]))
      .RecommenderConfigurationResponse;
    expect(created).toMatchObject({ ...body, RecommendationProviderIdType: "PINPOINT_ENDPOINT_ID" });
    expect(created.Id).toMatch(/^[0-9a-f]{32}$/);
    expect(created.CreationDate).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    const [listOut, getOut] = await Promise.all([
      awsOk("get-recommender-configurations", ["--page-size", "10"]),
      awsOk("get-recommender-configuration", ["--recommender-id", created.Id]),
    ]);
    const list = listOut.ListRecommenderConfigurationsResponse;
    expect(list.Item.map((i: { Id: string }) => i.Id)).toContain(created.Id);
    expect(getOut.RecommenderConfigurationResponse).toEqual(created);

    const update = {
      RecommendationProviderUri: CAMPAIGN,
      RecommendationProviderRoleArn: ROLE,
      RecommendationTransformerUri: "enrich",
      Attributes: { "Recommendations.Title": "Title" },
      RecommendationProviderIdType: "PINPOINT_USER_ID",
    };
    const updated = (
      await awsOk("update-recommender-configuration", [
        "--recommender-id",
        created.Id,
        "--update-recommender-configuration",
        JSON.stringify(update),
      ])
    ).RecommenderConfigurationResponse;
    expect(updated).toMatchObject({ ...update, Id: created.Id, CreationDate: created.CreationDate, RecommendationsPerMessage: 5 });
    expect(updated.Name).toBeUndefined(); // full replacement (UpdateRecommenderConfiguration is a PUT)

    const deleted = (await awsOk("delete-recommender-configuration", ["--recommender-id", created.Id])).RecommenderConfigurationResponse;
    expect(deleted).toEqual(updated);

    // Unknown id: NotFoundException; the CLI exits 254 for service errors.
    const missing = await aws("get-recommender-configuration", ["--recommender-id", created.Id]);
    expect(missing.code, missing.stderr).toBe(254);
    expect(missing.stderr).toMatch(/\(NotFoundException\) when calling the GetRecommenderConfiguration operation[^:]*: /);

    const invalid = await background!.invalid;
    expect(invalid.code, invalid.stderr).toBe(254);
    expect(invalid.stderr).toMatch(
      /\(BadRequestException\) when calling the CreateRecommenderConfiguration operation[^:]*: .*RecommendationsPerMessage/,
    );

    const odd = await background!.odd;
    expect(odd.code, odd.stderr).toBe(254);
    expect(odd.stderr).toMatch(/NotFoundException/);
    expect(odd.stderr).toContain("id/with space");
  }, 60_000);

  test("a wrong secret is refused with a 403 the CLI can name", async () => {
    expect(existsSync(AWS), `${AWS} is missing: ${INSTALL_HINT}`).toBe(true);
    const r = await background!.wrongSecret;
    expect(r.code, r.stderr).toBe(254);
    expect(r.stderr).toMatch(/\(InvalidSignatureException\)/);
  }, 30_000);
});

describe("boto3", () => {
  test("create/list/get/update/delete and NotFoundException caught by class", async () => {
    expect(existsSync(PYTHON), `${PYTHON} is missing: ${INSTALL_HINT}`).toBe(true);
    const probe = await run(PYTHON, ["-c", "import boto3"], awsEnv());
    expect(probe.code, `boto3 is not importable by ${PYTHON} (${INSTALL_HINT}):\n${probe.stderr}`).toBe(0);

    const r = await background!.boto3;
    expect(r.code, `boto3 script failed:\n${r.stderr}\n${r.stdout}`).toBe(0);
    const out = JSON.parse(r.stdout);

    expect(out.create_status).toBe(201);
    expect(out.create_request_id).toMatch(/^[0-9a-f-]{36}$/);
    const id = out.created.Id;
    expect(out.created).toMatchObject({
      Name: "boto-model",
      RecommendationTransformerUri: "arn:aws:lambda:us-east-1:111122223333:function:enrich",
      Attributes: { "Recommendations.Title": "Title", "Recommendations.Price": "Price" },
      RecommendationsPerMessage: 3,
      RecommendationProviderIdType: "PINPOINT_ENDPOINT_ID",
    });
    expect(out.list_ids).toContain(id);
    expect(out.got).toEqual(out.created);
    expect(out.updated).toMatchObject({ Id: id, RecommendationsDisplayName: "Top picks", CreationDate: out.created.CreationDate });
    expect(out.updated.Attributes).toBeUndefined();
    expect(out.deleted).toEqual(out.updated);
    expect(out.not_found).toMatchObject({ class: "NotFoundException", code: "NotFoundException", status: 404 });
    expect(out.not_found.request_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(out.bad_request).toEqual({ class: "BadRequestException", code: "BadRequestException", status: 400 });
  }, 60_000);
});
