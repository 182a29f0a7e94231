/**
 * The web console end to end, in real headless Chromium against a real pinrec server with a model
 * trained by the embedded engine: sign-in (a wrong secret refused with the API's error), a
 * recommender configuration created and edited with the API's validation beside its field, a
 * recommended attribute inserted from the attribute finder into a template, the template previewed
 * for endpoints that each get their own items in the engine's order, the message sent and opened
 * from the outbox, segment sizes, a campaign's activities, and the model explorer. Every page is
 * checked with axe-core, every page error or console error fails the test, and so does any request
 * to anywhere but the server.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Browser, Page } from "playwright-core";
import {
  CreateCampaignCommand,
  CreateSegmentCommand,
  GetCampaignCommand,
  GetEmailTemplateCommand,
  GetRecommenderConfigurationsCommand,
  SendMessagesCommand,
  UpdateEmailChannelCommand,
  type PinpointClient,
} from "@aws-sdk/client-pinpoint";
import { GetRecommendationsCommand, type PersonalizeRuntimeClient } from "@aws-sdk/client-personalize-runtime";
import { ACCOUNT_A, ROLE, pinpointClient, startTestServer, tempDir, type TestServer } from "../helpers.js";
import { TENANT_A, createApp, putEndpoints, recommendationsOf, runtimeClient, trainCampaign } from "../pinpoint/messaging/send-fixtures.js";
import { auditAccessibility, launchBrowser, openWatchedPage, type WatchedPage } from "./browser.js";

const IDENTITY = "arn:aws:ses:us-east-1:111122223333:identity/example.com";
/** Waits for what the page shows to settle (the machine may be busy: each step waits up to 15 s). */
const poll = <T>(fn: () => Promise<T> | T, opts: { timeout?: number } = {}) => expect.poll(fn, { timeout: 15_000, ...opts });

describe("the web console in Chromium", { timeout: 120_000 }, () => {
  const dir = tempDir("pinrec-console-");
  let server: TestServer;
  let client: PinpointClient;
  let runtime: PersonalizeRuntimeClient;
  let browser: Browser;
  let watched: WatchedPage;
  let page: Page;
  let campaignArn: string;
  let appId: string;
  let recommenderId: string;

  const consoleUrl = () => `${server.url}/_pinrec/console/`;
  const heading = () => page.getByRole("heading", { level: 1 });

  async function signIn(secret: string): Promise<void> {
    await page.getByLabel("Access key ID").fill(ACCOUNT_A.accessKeyId);
    await page.getByLabel("Secret access key").fill(secret);
    await page.getByLabel("Region", { exact: true }).fill("us-east-1");
    await page.getByRole("button", { name: "Sign in" }).click();
  }

  /** The text of the editor that a visible label names (CodeMirror's content is labelled by it). */
  // biome-ignore lint/performance/useDomNodeTextContent: Playwright's locator.innerText(), not the DOM property
  const editorText = (label: string) => page.getByRole("textbox", { name: label }).innerText();

  beforeAll(async () => {
    server = await startTestServer("sqlite", { campaignPollMs: 0, campaignRunPollMs: 100 });
    campaignArn = (await trainCampaign(server.store, TENANT_A, "movies", dir.path)).arn;
    client = pinpointClient(server);
    runtime = runtimeClient(server);
    appId = await createApp(client, "shop");
    await putEndpoints(client, appId, [
      {
        Id: "ana-email",
        ChannelType: "EMAIL",
        Address: "ana@example.com",
        Attributes: { Newsletter: ["weekly"] },
        User: { UserId: "u1", UserAttributes: { FirstName: ["Ana"] } },
      },
      { Id: "bo-email", ChannelType: "EMAIL", Address: "bo@example.com", Attributes: { Newsletter: ["weekly"] }, User: { UserId: "u2" } },
      { Id: "cy-email", ChannelType: "EMAIL", Address: "cy@example.com", Attributes: { Newsletter: ["never"] }, User: { UserId: "u3" } },
    ]);
    browser = await launchBrowser();
    watched = await openWatchedPage(browser, new URL(server.url).origin);
    page = watched.page;
  }, 120_000);

  afterAll(async () => {
    await watched?.close();
    await browser?.close();
    await server?.dispose();
    dir.remove();
  });

  test("a wrong secret is refused with the API's error, and nothing is shown or kept", async () => {
    await page.goto(consoleUrl());
    await auditAccessibility(page, "sign-in");
    watched.expectConsoleError(/status of 403 \(Forbidden\) \(.*\/v1\/recommenders\?page-size=1\)$/);
    await signIn("not-the-secret");
    await poll(() => page.getByRole("alert").textContent()).toMatch(/^InvalidSignatureException: /);
    watched.expectConsoleError(/^$/);
    expect(await page.getByRole("navigation", { name: "Console" }).count()).toBe(0);
    expect(await page.evaluate("[sessionStorage.length, localStorage.length, document.cookie]")).toEqual([0, 0, ""]);
    watched.assertClean();
  });

  test("signs in with the keyboard; the secret is in sessionStorage only, never in a URL", async () => {
    await page.reload();
    await page.getByLabel("Access key ID").focus();
    await page.keyboard.type(ACCOUNT_A.accessKeyId);
    await page.keyboard.press("Tab");
    await page.keyboard.type(ACCOUNT_A.secretAccessKey);
    await page.keyboard.press("Enter");
    await poll(() => heading().textContent()).toBe("Recommender models");
    // Page code as text: this file is type-checked for Node, without the DOM's globals.
    const storage = await page.evaluate<{ session: string; local: number; cookie: string }>(
      "({ session: JSON.stringify(sessionStorage), local: localStorage.length, cookie: document.cookie })",
    );
    expect(storage.session).toContain(ACCOUNT_A.secretAccessKey);
    expect(storage).toMatchObject({ local: 0, cookie: "" });
    expect(watched.requests.filter((u) => u.includes(ACCOUNT_A.secretAccessKey))).toEqual([]);
    // The navigation works from the keyboard: focus a link, Enter.
    await page.getByRole("link", { name: "Message templates", exact: true }).focus();
    await page.keyboard.press("Enter");
    await poll(() => heading().textContent()).toBe("Message templates");
    await auditAccessibility(page, "templates list (empty)");
    watched.assertClean();
  });

  test("creates a recommender configuration, with the API's validation message beside its field, then edits it", async () => {
    await page.getByRole("link", { name: "Recommender models", exact: true }).click();
    await auditAccessibility(page, "recommenders list (empty)");
    await page.getByRole("link", { name: "Create recommender" }).click();
    await page.getByLabel("Name", { exact: true }).fill("movie-picks");
    await page.getByLabel("Recommender model (Personalize campaign ARN)").fill("not-an-arn");
    await page.getByLabel("IAM role ARN").fill(ROLE);
    await page.getByLabel("Recommendations are keyed by").selectOption({ label: "User ID" });
    await page.getByLabel("Recommendations per message").fill("3");
    await page.getByLabel("Display name of the recommended items").fill("Top picks");
    watched.expectConsoleError(/status of 400 \(Bad Request\) \(.*\/v1\/recommenders\)$/);
    await page.getByRole("button", { name: "Create recommender" }).click();
    const arnField = page.getByLabel("Recommender model (Personalize campaign ARN)");
    await poll(() => arnField.getAttribute("aria-invalid")).toBe("true");
    // The message is the API's, tied to the field it names (announced with it by screen readers).
    const describedBy = (await arnField.getAttribute("aria-describedby"))!.split(" ");
    const message = await page.locator(`[id="${describedBy.at(-1)}"]`).textContent();
    expect(message).toMatch(/^RecommendationProviderUri must be the ARN of an Amazon Personalize campaign/);
    await auditAccessibility(page, "recommender form with a validation message");
    expect((await client.send(new GetRecommenderConfigurationsCommand({}))).ListRecommenderConfigurationsResponse!.Item).toEqual([]);

    watched.expectConsoleError(/^$/);
    await arnField.fill(campaignArn);
    await page.getByRole("button", { name: "Create recommender" }).click();
    await poll(() => heading().textContent()).toBe("Recommender: movie-picks");
    const [created] = (await client.send(new GetRecommenderConfigurationsCommand({}))).ListRecommenderConfigurationsResponse!.Item!;
    recommenderId = created.Id!;
    expect(page.url()).toContain(`#/recommenders/${recommenderId}`);
    expect(created).toMatchObject({
      Name: "movie-picks",
      RecommendationProviderUri: campaignArn,
      RecommendationProviderRoleArn: ROLE,
      RecommendationProviderIdType: "PINPOINT_USER_ID",
      RecommendationsPerMessage: 3,
      RecommendationsDisplayName: "Top picks",
    });

    await page.getByLabel("Display name of the recommended items").fill("Picks for you");
    await page.getByRole("button", { name: "Save changes" }).click();
    await poll(() => page.getByRole("status").filter({ hasText: "Saved." }).count()).toBe(1);
    const [edited] = (await client.send(new GetRecommenderConfigurationsCommand({}))).ListRecommenderConfigurationsResponse!.Item!;
    expect(edited).toMatchObject({ Id: recommenderId, RecommendationsDisplayName: "Picks for you", RecommendationsPerMessage: 3 });

    await page.getByRole("link", { name: "All recommender models" }).click();
    await poll(() => page.getByRole("row").filter({ hasText: "movie-picks" }).count()).toBe(1);
    await auditAccessibility(page, "recommenders list");
    watched.assertClean();
  });

  test("inserts a recommended attribute from the attribute finder at the cursor, and previews each endpoint's own items in order", async () => {
    await page.getByRole("link", { name: "Message templates", exact: true }).click();
    await page.getByRole("link", { name: "Create Email template" }).click();
    await page.getByLabel("Template name").fill("picks");
    await page.getByLabel("Recommender model", { exact: true }).selectOption({ label: `movie-picks (${recommenderId})` });
    // The finder lists the recommender's attribute under its display name.
    await poll(() => page.getByRole("group", { name: "Insert Picks for you" }).count()).toBe(1);
    await page.getByLabel("Subject", { exact: true }).fill("Tonight for ");
    await page.getByLabel("Subject", { exact: true }).press("End");
    await page.getByRole("button", { name: "Insert Picks for you 1", exact: true }).click();
    expect(await page.getByLabel("Subject", { exact: true }).inputValue()).toBe("Tonight for {{RecommendationItems.[0]}}");

    const html = page.getByRole("textbox", { name: "HTML part" });
    await html.click();
    await page.keyboard.type("<p>Hi {{User.UserAttributes.FirstName}}: ");
    await page.getByRole("button", { name: "Insert all Picks for you", exact: true }).click();
    await page.keyboard.type("</p>");
    expect(await editorText("HTML part")).toBe(
      "<p>Hi {{User.UserAttributes.FirstName}}: {{#each RecommendationItems}}{{this}}{{#unless @last}}, {{/unless}}{{/each}}</p>",
    );
    await page.getByRole("textbox", { name: "Text part" }).click();
    await page.getByRole("button", { name: "Insert Picks for you 2", exact: true }).click();
    expect(await editorText("Text part")).toBe("{{RecommendationItems.[1]}}");
    await auditAccessibility(page, "template editor (new)");
    await page.getByRole("button", { name: "Create template" }).click();
    await poll(() => heading().textContent()).toBe("Email template: picks");
    const stored = (await client.send(new GetEmailTemplateCommand({ TemplateName: "picks" }))).EmailTemplateResponse!;
    expect(stored).toMatchObject({
      RecommenderId: recommenderId,
      Subject: "Tonight for {{RecommendationItems.[0]}}",
      TextPart: "{{RecommendationItems.[1]}}",
    });

    for (const [endpointId, userId, name] of [
      ["ana-email", "u1", "Ana"],
      ["bo-email", "u2", ""],
    ]) {
      const expected = await recommendationsOf(runtime, campaignArn, userId, 3);
      expect(expected).toHaveLength(3);
      await page.getByLabel("Endpoint ID", { exact: true }).fill(endpointId);
      await page.getByRole("button", { name: "Preview", exact: true }).click();
      const preview = page.getByRole("article", { name: `Preview for endpoint ${endpointId}` });
      await poll(() => preview.getByRole("list", { name: "Recommended items" }).getByRole("listitem").allTextContents()).toEqual(expected);
      expect(await preview.getByTestId("subject").textContent()).toBe(`Tonight for ${expected[0]}`);
      expect(await preview.locator("pre.text-part").textContent()).toBe(expected[1]);
      const frame = preview.locator("iframe.message-frame");
      expect(await frame.getAttribute("sandbox")).toBe("");
      expect(await frame.getAttribute("srcdoc")).toBe(`<p>Hi ${name}: ${expected.join(", ")}</p>`);
      expect(await page.frameLocator(`article[aria-label="Preview for endpoint ${endpointId}"] iframe`).locator("p").textContent()).toBe(
        `Hi ${name}: ${expected.join(", ")}`,
      );
    }
    // The previewed recipient's own attributes join the finder.
    await poll(() => page.getByRole("button", { name: "Insert Attributes.Newsletter", exact: true }).count()).toBe(1);
    await auditAccessibility(page, "template editor with a preview");
    watched.assertClean();
  });

  test("saving makes a new version; the active version changes only when one is made active", async () => {
    await poll(() => page.getByText("Editing version 1 · active version 1").count()).toBe(1);
    await page.getByLabel("Description", { exact: true }).fill("Tonight's picks");
    await page.getByRole("button", { name: "Save as new version" }).click();
    await poll(() => page.getByRole("status").filter({ hasText: "Saved as version 2." }).count()).toBe(1);
    const rows = page.getByRole("table", { name: "Version history" }).getByRole("row");
    await poll(() => rows.allInnerTexts()).toEqual([
      expect.stringMatching(/^Version/),
      expect.stringMatching(/^2\t.*\tOpen in editor/),
      expect.stringMatching(/^1\t.*\tActive/),
    ]);
    await page.getByRole("button", { name: "Make version 2 active" }).click();
    // biome-ignore lint/performance/useDomNodeTextContent: Playwright's locator.innerText(), not the DOM property
    await poll(() => rows.nth(1).innerText()).toMatch(/Active, Open in editor/);
    expect((await client.send(new GetEmailTemplateCommand({ TemplateName: "picks" }))).EmailTemplateResponse).toMatchObject({
      Version: "2",
      TemplateDescription: "Tonight's picks",
    });
    await page.getByRole("button", { name: "Open version 1" }).click();
    await poll(() => page.getByLabel("Description", { exact: true }).inputValue()).toBe("");
    await page.getByRole("link", { name: "All Email templates" }).click();
    // biome-ignore lint/performance/useDomNodeTextContent: Playwright's locator.innerText(), not the DOM property
    await poll(() => page.getByRole("row").filter({ hasText: "picks" }).innerText()).toMatch(/^picks\t2\t/);
    await auditAccessibility(page, "templates list");
    watched.assertClean();
  });

  test("opens a sent message from the outbox, filtered by channel, address and status, HTML in a sandboxed frame", async () => {
    const sent = await client.send(
      new SendMessagesCommand({
        ApplicationId: appId,
        MessageRequest: {
          MessageConfiguration: { EmailMessage: { FromAddress: "shop@example.com" } },
          TemplateConfiguration: { EmailTemplate: { Name: "picks" } },
          Endpoints: { "ana-email": {}, "bo-email": {} },
        },
      }),
    );
    const messageId = sent.MessageResponse!.EndpointResult!["ana-email"].MessageId!;
    const expected = await recommendationsOf(runtime, campaignArn, "u1", 3);
    await page.getByRole("link", { name: "Outbox", exact: true }).click();
    await poll(() => page.getByRole("link", { name: /^Open message/ }).count()).toBe(2);
    await page.getByLabel("Channel", { exact: true }).selectOption("EMAIL");
    await page.getByLabel("Address", { exact: true }).fill("ana@example.com");
    await page.getByLabel("Status", { exact: true }).selectOption("STORED");
    await page.getByRole("button", { name: "Apply filters" }).click();
    await poll(() => page.getByRole("link", { name: /^Open message/ }).count()).toBe(1);
    await auditAccessibility(page, "outbox");
    await page.getByLabel("Status", { exact: true }).selectOption("SENT");
    await page.getByRole("button", { name: "Apply filters" }).click();
    await poll(() => page.getByText("No messages match.").count()).toBe(1);
    await page.getByLabel("Status", { exact: true }).selectOption("");
    await page.getByRole("button", { name: "Apply filters" }).click();
    await page.getByRole("link", { name: `Open message ${messageId}` }).click();
    await poll(() => heading().textContent()).toBe(`Message ${messageId}`);
    expect(await page.getByTestId("subject").textContent()).toBe(`Tonight for ${expected[0]}`);
    const frame = page.locator("iframe.message-frame");
    expect(await frame.getAttribute("sandbox")).toBe("");
    expect(await page.frameLocator("iframe.message-frame").locator("p").textContent()).toBe(`Hi Ana: ${expected.join(", ")}`);
    await auditAccessibility(page, "outbox message");
    watched.assertClean();
  });

  test("segments with their sizes, and a campaign's activities with their counts", async () => {
    await client.send(
      new UpdateEmailChannelCommand({
        ApplicationId: appId,
        EmailChannelRequest: { FromAddress: "shop@example.com", Identity: IDENTITY, Enabled: true },
      }),
    );
    const segment = await client.send(
      new CreateSegmentCommand({
        ApplicationId: appId,
        WriteSegmentRequest: {
          Name: "weekly",
          Dimensions: { Attributes: { Newsletter: { AttributeType: "INCLUSIVE", Values: ["weekly"] } } },
        },
      }),
    );
    await page.getByRole("link", { name: "Segments", exact: true }).click();
    const row = page.getByRole("row").filter({ hasText: "weekly" });
    await poll(() => row.getByRole("cell").nth(2).textContent()).toBe("2");
    await auditAccessibility(page, "segments");

    const campaign = await client.send(
      new CreateCampaignCommand({
        ApplicationId: appId,
        WriteCampaignRequest: {
          Name: "weekly-picks",
          SegmentId: segment.SegmentResponse!.Id,
          Schedule: { StartTime: "IMMEDIATE", Frequency: "ONCE" },
          TemplateConfiguration: { EmailTemplate: { Name: "picks" } },
        },
      }),
    );
    const campaignId = campaign.CampaignResponse!.Id!;
    await poll(
      async () =>
        (await client.send(new GetCampaignCommand({ ApplicationId: appId, CampaignId: campaignId }))).CampaignResponse!.State!
          .CampaignStatus,
      { timeout: 30_000 },
    ).toBe("COMPLETED");
    await page.getByRole("link", { name: "Campaigns", exact: true }).click();
    await page.getByRole("link", { name: "weekly-picks" }).click();
    await poll(() => heading().textContent()).toBe("Campaign: weekly-picks");
    const activity = page.getByRole("table", { name: "Activities (runs, per treatment)" }).getByRole("row").nth(1);
    await poll(() => activity.getByRole("cell").allTextContents()).toEqual([
      expect.any(String),
      "0",
      "COMPLETED",
      "SUCCESS",
      expect.any(String),
      expect.any(String),
      expect.any(String),
      "2",
      "2",
      expect.any(String),
    ]);
    await auditAccessibility(page, "campaign");
    watched.assertClean();
  });

  test("the model explorer: a user's recommendations with scores, and an item's similar items", async () => {
    await page.getByRole("link", { name: "Models", exact: true }).click();
    await poll(() => page.getByLabel("Campaign ARN").inputValue()).toBe(campaignArn);
    const user = page.getByRole("region", { name: "User explorer" });
    await user.getByLabel("User ID", { exact: true }).fill("u1");
    await user.getByLabel("Number of results").fill("5");
    await user.getByRole("button", { name: "Get recommendations" }).click();
    const expected = (await runtime.send(new GetRecommendationsCommand({ campaignArn, userId: "u1", numResults: 5 }))).itemList!;
    const rows = user.getByRole("table", { name: "Recommendations for user u1" }).getByRole("row");
    await poll(() => rows.count()).toBe(6);
    for (const [i, item] of expected.entries()) {
      expect(
        await rows
          .nth(i + 1)
          .getByRole("cell")
          .allTextContents(),
      ).toEqual([String(i + 1), item.itemId, String(item.score)]);
    }
    await auditAccessibility(page, "models");
    // An item of the list opens its neighbours.
    await user.getByRole("button", { name: `${expected[0].itemId}: show similar items` }).click();
    const similar = page.getByRole("region", { name: "Similar items" });
    expect(await similar.getByLabel("Item ID", { exact: true }).inputValue()).toBe(expected[0].itemId);
    await similar.getByRole("button", { name: "Find similar items" }).click();
    const neighbours = (
      await runtime.send(new GetRecommendationsCommand({ campaignArn, itemId: expected[0].itemId, numResults: 10 }))
    ).itemList!.map((i) => i.itemId);
    await poll(() =>
      similar
        .getByRole("table", { name: `Items similar to ${expected[0].itemId}` })
        .getByRole("row")
        .evaluateAll((rs) => rs.slice(1).map((r) => r.children[1].textContent)),
    ).toEqual(neighbours);
    watched.assertClean();
  });

  test("a request leaving the server is caught: the watcher itself fails on one", async () => {
    const probe = await openWatchedPage(browser, new URL(server.url).origin);
    try {
      // Aborted by the route before any lookup or connection: `.invalid` names no host anyway.
      await probe.page.goto("http://pinrec-test.invalid/beacon").catch(() => undefined);
      expect(() => probe.assertClean()).toThrow(/request left the server: GET http:\/\/pinrec-test\.invalid\/beacon/);
    } finally {
      await probe.close();
    }
  });

  test("signing out forgets the key", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await poll(() => page.getByRole("button", { name: "Sign in" }).count()).toBe(1);
    expect(await page.evaluate("sessionStorage.length")).toBe(0);
    watched.assertClean();
  });
});
