/**
 * `GET /_pinrec/outbox` and `GET /_pinrec/outbox/{MessageId}` on a real server, both stores:
 * signed, tenant-scoped, filtered and paged, with clear errors; also called with curl's own SigV4.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { DeliveryOutcome, RenderedMessage } from "../../src/pinpoint/messaging/contracts.js";
import { ACCOUNT_A, ACCOUNT_B, STORE_KINDS, startTestServer, type TestServer } from "../helpers.js";
import { emailMessage, smsMessage } from "../pinpoint/messaging/delivery-fixtures.js";
import { expectPinpointError, rawRequest } from "../signing.js";

const A = { accountId: ACCOUNT_A.accountId, region: "us-east-1" };
const B = { accountId: ACCOUNT_B.accountId, region: "us-east-1" };

describe.each(STORE_KINDS)("outbox over HTTP: %s", (kind) => {
  let server: TestServer;
  let mine: DeliveryOutcome[];
  let batch: RenderedMessage[];
  let theirs: DeliveryOutcome[];

  beforeAll(async () => {
    server = await startTestServer(kind);
    batch = [
      emailMessage({
        tenant: A,
        applicationId: "app1",
        address: "ada@example.com",
        idempotencyKey: "k1",
        traceId: "t-1",
        context: { c: "1" },
      }),
      smsMessage({ tenant: A, applicationId: "app1" }),
      emailMessage({ tenant: A, applicationId: "app2", address: "bob@example.com" }),
      emailMessage({ tenant: A, applicationId: "app2", address: "ada@example.com" }),
    ];
    mine = await server.delivery.sender.accept(batch);
    theirs = await server.delivery.sender.accept([emailMessage({ tenant: B }), emailMessage({ tenant: { ...A, region: "eu-west-1" } })]);
  });
  afterAll(() => server.dispose());

  const get = (path: string, query?: Record<string, string>, credential = ACCOUNT_A, region?: string) =>
    rawRequest(server, { method: "GET", path, query, credential, region });

  test("list: the account's messages in acceptance order, each with what became of it", async () => {
    const res = await get("/_pinrec/outbox");
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^application\/json/);
    expect(res.json.NextToken).toBeUndefined();
    expect(res.json.Messages.map((m: { MessageId: string }) => m.MessageId)).toEqual(mine.map((o) => o.messageId));
    expect(res.json.Messages[0]).toEqual({
      MessageId: mine[0].messageId,
      ApplicationId: "app1",
      ChannelType: "EMAIL",
      Address: "ada@example.com",
      EndpointId: "ep-1",
      UserId: "user-1",
      RequestId: batch[0].requestId,
      Status: "STORED",
      Attempts: 0,
      CreationDate: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      Subject: "Picked for you",
    });
    // Other accounts and other regions see only their own.
    const other = await get("/_pinrec/outbox", undefined, ACCOUNT_B);
    expect(other.json.Messages.map((m: { MessageId: string }) => m.MessageId)).toEqual([theirs[0].messageId]);
    const eu = await get("/_pinrec/outbox", undefined, ACCOUNT_A, "eu-west-1");
    expect(eu.json.Messages.map((m: { MessageId: string }) => m.MessageId)).toEqual([theirs[1].messageId]);
  });

  test("list: filters by app, channel, address and status; pages with page-size and token", async () => {
    const ids = async (query: Record<string, string>) =>
      (await get("/_pinrec/outbox", query)).json.Messages.map((m: { MessageId: string }) => m.MessageId);
    expect(await ids({ "application-id": "app2" })).toEqual([mine[2].messageId, mine[3].messageId]);
    expect(await ids({ channel: "SMS" })).toEqual([mine[1].messageId]);
    expect(await ids({ address: "ada@example.com" })).toEqual([mine[0].messageId, mine[3].messageId]);
    expect(await ids({ address: "ada@example.com", "application-id": "app2", status: "STORED" })).toEqual([mine[3].messageId]);
    expect(await ids({ status: "SENT" })).toEqual([]);

    const seen: string[] = [];
    let token: string | undefined;
    for (let i = 0; i < 10; i++) {
      const page = await get("/_pinrec/outbox", { "page-size": "3", ...(token && { token }) });
      expect(page.status).toBe(200);
      seen.push(...page.json.Messages.map((m: { MessageId: string }) => m.MessageId));
      token = page.json.NextToken;
      if (!token) break;
    }
    expect(seen).toEqual(mine.map((o) => o.messageId));
  });

  test("list: bad filters and tokens are 400s naming the problem", async () => {
    for (const [query, text] of [
      [{ status: "DONE" }, /status must be one of STORED, QUEUED, SENDING, SENT, FAILED/],
      [{ channel: "VOICE" }, /channel must be one of EMAIL, SMS, PUSH/],
      [{ "page-size": "0" }, /page-size/],
      [{ token: "not-a-token" }, /pagination token/],
    ] as const) {
      const res = await get("/_pinrec/outbox", query);
      expectPinpointError(res, 400, "BadRequestException");
      expect(res.json.Message).toMatch(text);
    }
  });

  test("show: the full rendered message; another tenant's or an unknown id is a 404", async () => {
    const res = await get(`/_pinrec/outbox/${mine[0].messageId}`);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      MessageId: mine[0].messageId,
      IdempotencyKey: "k1",
      TraceId: "t-1",
      Context: { c: "1" },
      EmailMessage: {
        FromAddress: "shop@example.com",
        Subject: "Picked for you",
        HtmlPart: expect.stringMatching(/^<p>item-1<\/p><img src="[^"]+\/_pinrec\/t\/o\/[^"]+\.gif"/),
        TextPart: "item-1",
      },
    });
    const sms = await get(`/_pinrec/outbox/${mine[1].messageId}`);
    expect(sms.json.SMSMessage).toEqual({ Body: "Your picks: item-1", MessageType: "TRANSACTIONAL", OriginationNumber: "+15550199" });

    for (const [id, credential] of [
      [theirs[0].messageId, ACCOUNT_A],
      [mine[0].messageId, ACCOUNT_B],
      ["0".repeat(40), ACCOUNT_A],
      ["not-an-id", ACCOUNT_A],
    ] as const) {
      const r = await get(`/_pinrec/outbox/${id}`, undefined, credential);
      expectPinpointError(r, 404, "NotFoundException");
    }
  });

  test("unsigned or wrongly signed requests are refused", async () => {
    expectPinpointError(
      await rawRequest(server, { method: "GET", path: "/_pinrec/outbox", credential: false }),
      403,
      "MissingAuthenticationTokenException",
    );
    expectPinpointError(
      await rawRequest(server, { method: "GET", path: "/_pinrec/outbox", service: "personalize" }),
      403,
      "InvalidSignatureException",
    );
    expectPinpointError(
      await rawRequest(server, {
        method: "GET",
        path: `/_pinrec/outbox/${mine[0].messageId}`,
        credential: { ...ACCOUNT_A, secretAccessKey: "wrong-secret-0123456789abcdefgh" },
      }),
      403,
      "InvalidSignatureException",
    );
  });

  test("curl's own SigV4 (as the README shows) reads the outbox", async () => {
    const { stdout } = await promisify(execFile)("curl", [
      "--silent",
      "--fail",
      "--aws-sigv4",
      "aws:amz:us-east-1:mobiletargeting",
      "--user",
      `${ACCOUNT_A.accessKeyId}:${ACCOUNT_A.secretAccessKey}`,
      `${server.url}/_pinrec/outbox?channel=SMS`,
    ]);
    expect(JSON.parse(stdout).Messages.map((m: { MessageId: string }) => m.MessageId)).toEqual([mine[1].messageId]);
  });
});
