/**
 * Tracked email end to end with real parts, on both stores: SendMessages with a template naming a
 * recommender → a real SMTP server (smtp-server) receives the mail → the test follows the tracked
 * links in the received HTML and loads the pixel → 302 to the exact original URL, the events
 * recorded, and the clicked recommended item leaves that recipient's next GetRecommendations while
 * another recipient's list is unchanged. Junk tokens are 404s that record nothing, a burst from one
 * source is throttled without affecting another, unsubscribe opts the endpoint out, bounces are events.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CreateEmailTemplateCommand, GetEndpointCommand, SendMessagesCommand, type PinpointClient } from "@aws-sdk/client-pinpoint";
import type { PersonalizeRuntimeClient } from "@aws-sdk/client-personalize-runtime";
import { STORE_KINDS, pinpointClient, startTestServer, tempDir, type TestServer } from "../helpers.js";
import { startSmtpCatcher, type CaughtMail, type SmtpCatcher } from "../smtp-catcher.js";
import { get, hrefsOf, htmlOf, pixelOf } from "../tracked-mail.js";
import {
  TENANT_A,
  createApp,
  createRecommender,
  putEndpoints,
  recommendationsOf,
  runtimeClient,
  trainCampaign,
} from "../pinpoint/messaging/send-fixtures.js";

const PER_MESSAGE = 3;

describe.each(STORE_KINDS)("tracked email on %s", (kind) => {
  const dir = tempDir("pinrec-track-");
  let server: TestServer;
  let catcher: SmtpCatcher;
  let client: PinpointClient;
  let runtime: PersonalizeRuntimeClient;
  let appId: string;
  let arn: string;

  const events = async () => (await server.store.engagement.list(TENANT_A, appId, { limit: 10_000 })).map((e) => e);
  const mailTo = async (address: string): Promise<CaughtMail> => {
    await catcher.waitFor(() => catcher.mails.some((m) => m.to.includes(address)));
    return catcher.mails.find((m) => m.to.includes(address))!;
  };
  async function until(pred: () => Promise<boolean>, timeoutMs = 15_000) {
    const end = Date.now() + timeoutMs;
    while (!(await pred())) {
      if (Date.now() > end) throw new Error("condition not met in time");
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  const send = (endpointIds: string[], template = "picks") =>
    client.send(
      new SendMessagesCommand({
        ApplicationId: appId,
        MessageRequest: {
          Endpoints: Object.fromEntries(endpointIds.map((id) => [id, {}])),
          MessageConfiguration: { EmailMessage: { FromAddress: "shop@example.com" } },
          TemplateConfiguration: { EmailTemplate: { Name: template } },
        },
      }),
    );

  beforeAll(async () => {
    catcher = await startSmtpCatcher({
      rejectRecipient: (a) => (a.startsWith("hard") ? 550 : a.startsWith("soft") ? 451 : undefined),
    });
    server = await startTestServer(kind, { smtpUrl: catcher.url, trackingRateLimit: 5, deliveryAttempts: 1 });
    client = pinpointClient(server);
    runtime = runtimeClient(server);
    arn = (await trainCampaign(server.store, TENANT_A, "track", dir.path)).arn;
    appId = await createApp(client, "track");
    const recommenderId = await createRecommender(client, arn, { RecommendationsPerMessage: PER_MESSAGE });
    await client.send(
      new CreateEmailTemplateCommand({
        TemplateName: "picks",
        EmailTemplateRequest: {
          RecommenderId: recommenderId,
          Subject: "Picks",
          HtmlPart:
            '<html><body>{{#each RecommendationItems}}<a class="pick" href="https://shop.example/items/{{this}}?src=mail&amp;n=1">{{this}}</a> {{/each}}' +
            '<a href="mailto:help@shop.example">help</a> <a href=\'tel:+15550100\'>call</a> <a href="#top">top</a>' +
            '<a href="pinrec:unsubscribe">unsubscribe</a></body></html>',
          TextPart: "See https://shop.example/text",
        },
      }),
    );
    await client.send(
      new CreateEmailTemplateCommand({
        TemplateName: "untracked",
        EmailTemplateRequest: {
          Subject: "Plain",
          HtmlPart: '<p><a href="https://shop.example/plain">plain</a></p>',
          tags: { "pinrec:tracking": "off" },
        },
      }),
    );
    await putEndpoints(
      client,
      appId,
      ["u11", "u13", "u17"].map((id) => ({ Id: id, ChannelType: "EMAIL", Address: `${id}@example.com` })),
    );
  }, 120_000);
  afterAll(async () => {
    await server?.dispose();
    await catcher?.close();
    dir.remove();
  });

  test("a click answers 302 to the exact URL, records the click and feeds the recommended item back to that recipient alone", {
    timeout: 60_000,
  }, async () => {
    const before11 = await recommendationsOf(runtime, arn, "u11", 10);
    const before13 = await recommendationsOf(runtime, arn, "u13", 10);
    await send(["u11", "u13"]);
    const html = htmlOf((await mailTo("u11@example.com")).raw);
    const mail = (await mailTo("u11@example.com")).raw;
    // The text part is left as it is.
    expect(mail).toContain("See https://shop.example/text");
    const hrefs = hrefsOf(html);
    expect(hrefs).toHaveLength(PER_MESSAGE + 4);
    expect(hrefs.slice(PER_MESSAGE, PER_MESSAGE + 3)).toEqual(["mailto:help@shop.example", "tel:+15550100", "#top"]);
    const tracked = hrefs.slice(0, PER_MESSAGE);
    for (const h of tracked) expect(h.startsWith(`${server.url}/_pinrec/t/c/`)).toBe(true);
    const items = [...html.matchAll(/class="pick"[^>]*>([^<]+)</g)].map((m) => m[1]);
    expect(items).toEqual(before11.slice(0, PER_MESSAGE));

    const click = await get(tracked[0]);
    expect(click).toMatchObject({ status: 302, location: `https://shop.example/items/${items[0]}?src=mail&n=1` });
    const pixel = await get(pixelOf(html));
    expect(pixel).toMatchObject({ status: 200, type: "image/gif" });
    await server.engagement.settled();

    const recorded = await events();
    const of = (type: string) => recorded.filter((e) => e.eventType === type);
    expect(
      of("_email.send")
        .map((e) => e.endpointId)
        .sort(),
    ).toEqual(["u11", "u13"]);
    expect(of("_email.click")).toHaveLength(1);
    expect(of("_email.click")[0]).toMatchObject({
      endpointId: "u11",
      attributes: { link: `https://shop.example/items/${items[0]}?src=mail&n=1`, recommended_item: items[0] },
    });
    expect(of("_email.open").map((e) => e.endpointId)).toEqual(["u11"]);
    await until(async () => (await events()).filter((e) => e.eventType === "_email.delivered").length === 2);

    // The clicked item is now an interaction of u11: it leaves u11's list; u13's is unchanged.
    const after11 = await recommendationsOf(runtime, arn, "u11", 10);
    expect(after11).not.toContain(items[0]);
    expect(await recommendationsOf(runtime, arn, "u13", 10)).toEqual(before13);
  });

  test("junk and tampered tokens are 404s that record nothing; a burst from one source is throttled, another source is not", {
    timeout: 60_000,
  }, async () => {
    await send(["u17"]);
    const html = htmlOf((await mailTo("u17@example.com")).raw);
    const [link] = hrefsOf(html);
    // The delivery event is written after the SMTP server's 250, which can come after the mail is
    // caught; count only once it is in, so the count below measures the junk requests alone.
    await until(async () => (await events()).some((e) => e.eventType === "_email.delivered" && e.endpointId === "u17"));
    const count = (await events()).length;
    const parts = link.split("/");
    const sig = parts.at(-1)!;
    const flipped = `${sig[0] === "A" ? "B" : "A"}${sig.slice(1)}`;
    const evil = Buffer.from("https://evil.example/").toString("base64url");
    const junk = [
      [...parts.slice(0, -1), flipped].join("/"),
      [...parts.slice(0, -2), evil, sig].join("/"),
      `${server.url}/_pinrec/t/c/nope/0/${evil}/${sig}`,
      `${server.url}/_pinrec/t/o/nope/x.gif`,
      `${server.url}/_pinrec/t/c/${parts.at(-4)}/99999999/${evil}/${sig}`,
    ];
    for (const url of junk) expect((await get(url, "127.0.0.2")).status).toBe(404);
    await server.engagement.settled();
    expect((await events()).length).toBe(count);

    // 5 per second with a burst of 20: a burst of 40 from one source is cut off.
    const burst = await Promise.all(Array.from({ length: 40 }, () => get(junk[0], "127.0.0.3")));
    expect(burst.filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(15);
    expect((await get(link, "127.0.0.4")).status).toBe(302);
  });

  test("unsubscribe opts the endpoint out and records _email.unsubscribe; an opted-out template sends untracked links", {
    timeout: 60_000,
  }, async () => {
    const html = htmlOf((await mailTo("u13@example.com")).raw);
    const unsubscribe = hrefsOf(html).at(-1)!;
    expect(unsubscribe).toContain("/_pinrec/t/u/");
    expect((await get(unsubscribe, "127.0.0.5", "POST")).status).toBe(200);
    const endpoint = await client.send(new GetEndpointCommand({ ApplicationId: appId, EndpointId: "u13" }));
    expect(endpoint.EndpointResponse!.OptOut).toBe("ALL");
    expect((await events()).filter((e) => e.eventType === "_email.unsubscribe").map((e) => e.endpointId)).toEqual(["u13"]);

    await send(["u11"], "untracked");
    await catcher.waitFor(() => catcher.mails.some((m) => m.raw.includes("Subject: Plain")));
    const plain = htmlOf(catcher.mails.find((m) => m.raw.includes("Subject: Plain"))!.raw);
    expect(hrefsOf(plain)).toEqual(["https://shop.example/plain"]);
    expect(plain).not.toContain("/_pinrec/t/o/");
  });

  test("a 550 answer is an _email.hardbounce, a 451 an _email.softbounce", { timeout: 60_000 }, async () => {
    await putEndpoints(client, appId, [
      { Id: "hard1", ChannelType: "EMAIL", Address: "hard1@example.com" },
      { Id: "soft1", ChannelType: "EMAIL", Address: "soft1@example.com" },
    ]);
    await send(["hard1", "soft1"], "untracked");
    await until(async () => {
      const types = (await events())
        .filter((e) => e.endpointId === "hard1" || e.endpointId === "soft1")
        .map((e) => `${e.endpointId}:${e.eventType}`);
      return types.includes("hard1:_email.hardbounce") && types.includes("soft1:_email.softbounce");
    });
    const delivered = (await events()).filter((e) => e.eventType === "_email.delivered").map((e) => e.endpointId);
    expect(delivered).not.toContain("hard1");
    expect(delivered).not.toContain("soft1");
  });
});
