/**
 * The Amazon Personalize recommendation provider, for campaign ARNs this pinrec does not serve,
 * tested against a second pinrec acting as Personalize (it speaks the same runtime API), through a
 * counting proxy; the assume-role path against a local STS AssumeRole server; provider errors and
 * timeouts failing only their recipients.
 */
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { GetRecommendationsCommand } from "@aws-sdk/client-personalize-runtime";
import { CreateEmailTemplateCommand, SendMessagesCommand, SendUsersMessagesCommand, type PinpointClient } from "@aws-sdk/client-pinpoint";
import { campaignArn } from "../../../src/personalize/campaigns/arn.js";
import { ACCOUNT_B, ROLE, pinpointClient, startTestServer, tempDir, type TestServer } from "../../helpers.js";
import { createApp, createRecommender, putEndpoints, recommendationsOf, runtimeClient, trainCampaign } from "./send-fixtures.js";

const TENANT_B = { accountId: ACCOUNT_B.accountId, region: "us-east-1" };
const B_KEYS = { accessKeyId: ACCOUNT_B.accessKeyId, secretAccessKey: ACCOUNT_B.secretAccessKey };

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/**
 * Stands in front of `target` (a pinrec acting as Personalize), counting GetRecommendations calls
 * and remembering the access keys and session tokens they were signed with. Requests are forwarded
 * as they came, except those carrying a session token (assumed-role credentials, which no pinrec
 * issues): those are re-sent to `target` signed with account B's own keys.
 */
function countingProxy(target: string) {
  const seen = { recommendations: 0, userIds: [] as string[], accessKeys: new Set<string>(), sessionTokens: new Set<string>() };
  const runtime = runtimeClient({ url: target }, ACCOUNT_B);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      if (req.url === "/recommendations") {
        seen.recommendations++;
        seen.userIds.push(JSON.parse(body.toString()).userId);
      }
      const key = /Credential=([^/]+)\//.exec(String(req.headers.authorization))?.[1];
      if (key) seen.accessKeys.add(key);
      const token = req.headers["x-amz-security-token"];
      if (typeof token === "string") {
        seen.sessionTokens.add(token);
        const input = JSON.parse(body.toString());
        runtime.send(new GetRecommendationsCommand(input)).then(
          ({ $metadata: _m, ...out }) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(out)),
          (err) => res.writeHead(500).end(String(err)),
        );
        return;
      }
      const up = request(`${target}${req.url}`, { method: req.method, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode!, r.headers);
        r.pipe(res);
      });
      up.end(body);
    });
  });
  return { server, seen };
}

/** A minimal STS that answers AssumeRole (awsQuery protocol) with account B's keys and a session token. */
function fakeSts() {
  const calls: Record<string, string>[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const form = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString()));
      calls.push(form);
      if (form.Action !== "AssumeRole") {
        res
          .writeHead(400, { "content-type": "text/xml" })
          .end("<ErrorResponse><Error><Code>InvalidAction</Code><Message>no</Message></Error></ErrorResponse>");
        return;
      }
      res.writeHead(200, { "content-type": "text/xml" }).end(`<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <Credentials>
      <AccessKeyId>${ACCOUNT_B.accessKeyId}</AccessKeyId>
      <SecretAccessKey>${ACCOUNT_B.secretAccessKey}</SecretAccessKey>
      <SessionToken>session-token-from-fake-sts</SessionToken>
      <Expiration>${new Date(Date.now() + 3600_000).toISOString()}</Expiration>
    </Credentials>
    <AssumedRoleUser><Arn>${form.RoleArn}/pinrec</Arn><AssumedRoleId>AROA0000:pinrec</AssumedRoleId></AssumedRoleUser>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ResponseMetadata>
</AssumeRoleResponse>`);
    });
  });
  return { server, calls };
}

describe("recommendations from Amazon Personalize (a second pinrec)", () => {
  const dir = tempDir("pinrec-remote-");
  let personalize: TestServer;
  let remoteArn: string;
  const proxy = { server: undefined as unknown as Server, seen: undefined as unknown as ReturnType<typeof countingProxy>["seen"], url: "" };
  const sts = fakeSts();
  let stsUrl: string;
  const hanging = createServer(() => {
    /* never answers */
  });
  let hangingUrl: string;
  const senders: TestServer[] = [];

  /** A sending pinrec (account A) whose Personalize is `endpoint`, with an app, endpoints and a template naming `arn`. */
  async function sender(
    personalizeOpts: Record<string, unknown>,
    arn: string,
    idType = "PINPOINT_USER_ID",
    recommender: Record<string, unknown> = {},
  ) {
    const server = await startTestServer("sqlite", { campaignPollMs: 0, personalize: personalizeOpts });
    senders.push(server);
    const client: PinpointClient = pinpointClient(server);
    const appId = await createApp(client);
    const rec = await createRecommender(client, arn, { RecommendationProviderIdType: idType, ...recommender });
    await client.send(
      new CreateEmailTemplateCommand({
        TemplateName: "remote",
        EmailTemplateRequest: { Subject: "{{#each RecommendationItems}}{{this}} {{/each}}", RecommenderId: rec },
      }),
    );
    await putEndpoints(client, appId, [
      { Id: "e1", ChannelType: "EMAIL", Address: "a@example.com", User: { UserId: "u1" } },
      { Id: "e2", ChannelType: "EMAIL", Address: "b@example.com", User: { UserId: "u1" } },
      { Id: "e3", ChannelType: "EMAIL", Address: "c@example.com", User: { UserId: "u2" } },
    ]);
    return { server, client, appId };
  }

  const subjectOf = async (server: TestServer, messageId: string) =>
    JSON.parse((await server.store.outbox.get({ accountId: "111122223333", region: "us-east-1" }, messageId))!.doc).email.subject as string;

  beforeAll(async () => {
    personalize = await startTestServer("sqlite", { campaignPollMs: 0 });
    remoteArn = (await trainCampaign(personalize.store, TENANT_B, "remote", dir.path, 11)).arn;
    expect(remoteArn).toBe(campaignArn(TENANT_B, "remote"));
    const p = countingProxy(personalize.url);
    proxy.server = p.server;
    proxy.seen = p.seen;
    proxy.url = await listen(p.server);
    stsUrl = await listen(sts.server);
    hangingUrl = await listen(hanging);
  });
  afterAll(async () => {
    for (const s of senders) await s.dispose();
    await personalize.dispose();
    for (const s of [proxy.server, sts.server, hanging]) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
    dir.remove();
  });

  test("items come from the remote campaign, one lookup per distinct user id", async () => {
    const { server, client, appId } = await sender(
      { endpoint: proxy.url, credentials: B_KEYS, allowedAccounts: [ACCOUNT_B.accountId] },
      remoteArn,
    );
    const before = proxy.seen.recommendations;
    const res = await client.send(
      new SendUsersMessagesCommand({
        ApplicationId: appId,
        SendUsersMessageRequest: {
          MessageConfiguration: {},
          TemplateConfiguration: { EmailTemplate: { Name: "remote" } },
          Users: { u1: {}, u2: {} },
        },
      }),
    );
    expect(proxy.seen.recommendations - before).toBe(2);
    const runtime = runtimeClient(personalize, ACCOUNT_B);
    for (const [user, eps] of [
      ["u1", ["e1", "e2"]],
      ["u2", ["e3"]],
    ] as const) {
      const items = await recommendationsOf(runtime, remoteArn, user, 3);
      for (const ep of eps) {
        const r = res.SendUsersMessageResponse!.Result![user][ep];
        expect(r.DeliveryStatus).toBe("SUCCESSFUL");
        expect(await subjectOf(server, r.MessageId!)).toBe(items.map((i) => `${i} `).join(""));
      }
    }
  });

  test("with --assume-provider-role the configuration's role is assumed through STS, once, and its credentials are used", async () => {
    const { server, client, appId } = await sender(
      {
        endpoint: proxy.url,
        assumeRole: true,
        stsEndpoint: stsUrl,
        credentials: { accessKeyId: "AKIABASECREDENTIALS0", secretAccessKey: "base-secret" },
      },
      remoteArn,
      "PINPOINT_ENDPOINT_ID",
    );
    proxy.seen.accessKeys.clear();
    proxy.seen.sessionTokens.clear();
    for (let i = 0; i < 2; i++) {
      const res = await client.send(
        new SendMessagesCommand({
          ApplicationId: appId,
          MessageRequest: {
            MessageConfiguration: {},
            TemplateConfiguration: { EmailTemplate: { Name: "remote" } },
            Endpoints: { e1: {}, e3: {} },
          },
        }),
      );
      const r = res.MessageResponse!.EndpointResult!.e1;
      expect(r.DeliveryStatus).toBe("SUCCESSFUL");
      const items = await recommendationsOf(runtimeClient(personalize, ACCOUNT_B), remoteArn, "e1", 3);
      expect(await subjectOf(server, r.MessageId!)).toBe(items.map((i) => `${i} `).join(""));
    }
    expect(sts.calls).toHaveLength(1);
    // The caller's own role, assumed with the caller's ExternalId (its trust policy can require it).
    expect(sts.calls[0]).toMatchObject({ Action: "AssumeRole", RoleArn: ROLE, ExternalId: `pinrec-${ROLE.split(":")[4]}` });
    expect([...proxy.seen.accessKeys]).toEqual([ACCOUNT_B.accessKeyId]);
    expect([...proxy.seen.sessionTokens]).toEqual(["session-token-from-fake-sts"]);
  });

  test("another account's campaign is never called with the server's credentials unless the operator allows that account", async () => {
    // Account A names account B's campaign; the server's own key (B_KEYS here) could read it.
    const { client, appId } = await sender({ endpoint: proxy.url, credentials: B_KEYS }, remoteArn);
    const before = proxy.seen.recommendations;
    const res = await client.send(
      new SendMessagesCommand({
        ApplicationId: appId,
        MessageRequest: { MessageConfiguration: {}, TemplateConfiguration: { EmailTemplate: { Name: "remote" } }, Endpoints: { e1: {} } },
      }),
    );
    const r = res.MessageResponse!.EndpointResult!.e1;
    expect([r.DeliveryStatus, r.StatusCode]).toEqual(["PERMANENT_FAILURE", 403]);
    expect(r.StatusMessage).toMatch(/is not a campaign of the caller's account 111122223333.*--allow-personalize-account/);
    expect(proxy.seen.recommendations).toBe(before);
  });

  test("a click on a recommended item goes back to the campaign's event tracker with PutEvents: the remote model folds it for that user only", async () => {
    const trackingId = (await personalize.store.personalizeCampaigns.get(TENANT_B, "remote"))!.trackingId;
    const { server, client, appId } = await sender(
      { endpoint: personalize.url, credentials: B_KEYS, allowedAccounts: [ACCOUNT_B.accountId], trackingIds: { [remoteArn]: trackingId } },
      remoteArn,
    );
    await client.send(
      new CreateEmailTemplateCommand({
        TemplateName: "remote-links",
        EmailTemplateRequest: {
          Subject: "picks",
          HtmlPart: '{{#each RecommendationItems}}<a href="https://shop.example/items/{{this}}">{{this}}</a>{{/each}}',
          RecommenderId: (await server.store.recommenders.list({ accountId: "111122223333", region: "us-east-1" }, 0, 10)).items[0].Id,
        },
      }),
    );
    const runtime = runtimeClient(personalize, ACCOUNT_B);
    const before = { u1: await recommendationsOf(runtime, remoteArn, "u1", 3), u2: await recommendationsOf(runtime, remoteArn, "u2", 3) };
    const res = await client.send(
      new SendMessagesCommand({
        ApplicationId: appId,
        MessageRequest: {
          MessageConfiguration: {},
          TemplateConfiguration: { EmailTemplate: { Name: "remote-links" } },
          Endpoints: { e1: {} },
        },
      }),
    );
    const messageId = res.MessageResponse!.EndpointResult!.e1.MessageId!;
    const html = JSON.parse((await server.store.outbox.get({ accountId: "111122223333", region: "us-east-1" }, messageId))!.doc).email
      .html as string;
    const first = /href="([^"]+\/_pinrec\/t\/c\/[^"]+)"/.exec(html)![1];
    const click = await fetch(first, { redirect: "manual" });
    expect([click.status, click.headers.get("location")]).toEqual([302, `https://shop.example/items/${before.u1[0]}`]);
    // The click reaches the remote tracker in the background; u1's list there loses the item, u2's does not change.
    const deadline = Date.now() + 10_000;
    let after = before.u1;
    while (after.includes(before.u1[0]) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      after = await recommendationsOf(runtime, remoteArn, "u1", 3);
    }
    expect(after).not.toContain(before.u1[0]);
    expect(await recommendationsOf(runtime, remoteArn, "u2", 3)).toEqual(before.u2);
  });

  test("a role of another account is never assumed", async () => {
    const callsBefore = sts.calls.length;
    const before = proxy.seen.recommendations;
    const { client, appId } = await sender(
      { endpoint: proxy.url, assumeRole: true, stsEndpoint: stsUrl, credentials: B_KEYS },
      remoteArn,
      "PINPOINT_ENDPOINT_ID",
      { RecommendationProviderRoleArn: `arn:aws:iam::${ACCOUNT_B.accountId}:role/PinpointRoleforPersonalize` },
    );
    const res = await client.send(
      new SendMessagesCommand({
        ApplicationId: appId,
        MessageRequest: { MessageConfiguration: {}, TemplateConfiguration: { EmailTemplate: { Name: "remote" } }, Endpoints: { e1: {} } },
      }),
    );
    const r = res.MessageResponse!.EndpointResult!.e1;
    expect([r.DeliveryStatus, r.StatusCode]).toEqual(["PERMANENT_FAILURE", 403]);
    expect(r.StatusMessage).toMatch(/is not a role of the caller's account 111122223333/);
    expect(sts.calls.length).toBe(callsBefore);
    expect(proxy.seen.recommendations).toBe(before);
  });

  test("a provider error fails only the recipients it concerns (TEMPORARY_FAILURE, cause in StatusMessage)", async () => {
    const missing = campaignArn(TENANT_B, "missing");
    const { client, appId } = await sender({ endpoint: proxy.url, credentials: B_KEYS, allowedAccounts: [ACCOUNT_B.accountId] }, missing);
    await client.send(new CreateEmailTemplateCommand({ TemplateName: "static", EmailTemplateRequest: { Subject: "no recommender" } }));
    const res = await client.send(
      new SendMessagesCommand({
        ApplicationId: appId,
        MessageRequest: {
          MessageConfiguration: { SMSMessage: { Body: "hi" } },
          TemplateConfiguration: { EmailTemplate: { Name: "remote" } },
          Endpoints: { e1: {}, e3: {} },
          Addresses: { "+15550001111": { ChannelType: "SMS" } },
        },
      }),
    );
    for (const ep of ["e1", "e3"]) {
      const r = res.MessageResponse!.EndpointResult![ep];
      expect(r.DeliveryStatus).toBe("TEMPORARY_FAILURE");
      expect(r.StatusMessage).toMatch(/ResourceNotFoundException/);
    }
    expect(res.MessageResponse!.Result!["+15550001111"].DeliveryStatus).toBe("SUCCESSFUL");
  });

  test("a provider that does not answer times out into TEMPORARY_FAILURE", async () => {
    const { client, appId } = await sender(
      { endpoint: hangingUrl, credentials: B_KEYS, timeoutMs: 500, allowedAccounts: [ACCOUNT_B.accountId] },
      remoteArn,
    );
    const started = Date.now();
    const res = await client.send(
      new SendMessagesCommand({
        ApplicationId: appId,
        MessageRequest: { MessageConfiguration: {}, TemplateConfiguration: { EmailTemplate: { Name: "remote" } }, Endpoints: { e1: {} } },
      }),
    );
    const r = res.MessageResponse!.EndpointResult!.e1;
    expect(r.DeliveryStatus).toBe("TEMPORARY_FAILURE");
    expect(r.StatusMessage).toMatch(/timed out/);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
