/**
 * The console's analytics and event stream pages end to end, in real headless Chromium against a
 * real pinrec server delivering to a real SMTP server: transactional email sent with SendMessages
 * and a campaign's email arrive at the catcher, the test follows their tracked links and loads
 * their open pixels as a mail client would, and the Analytics page and the campaign's page then
 * show those counts (read by the browser with GetApplicationDateRangeKpi and
 * GetCampaignDateRangeKpi). Before any event the pages show their empty states; a bad date range
 * and a bad stream ARN show the API's validation beside the field. Every page is checked with
 * axe-core; a page error, a console error or a request leaving the server fails the test.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Browser, Page } from "playwright-core";
import {
  CreateCampaignCommand,
  CreateEmailTemplateCommand,
  CreateSegmentCommand,
  GetApplicationDateRangeKpiCommand,
  GetCampaignCommand,
  GetEventStreamCommand,
  SendMessagesCommand,
  UpdateEmailChannelCommand,
  type PinpointClient,
} from "@aws-sdk/client-pinpoint";
import { ACCOUNT_A, STORE_KINDS, pinpointClient, startTestServer, type TestServer } from "../helpers.js";
import { createApp, putEndpoints } from "../pinpoint/messaging/send-fixtures.js";
import { startSmtpCatcher, type CaughtMail, type SmtpCatcher } from "../smtp-catcher.js";
import { get, hrefsOf, htmlOf, pixelOf } from "../tracked-mail.js";
import { auditAccessibility, launchBrowser, openWatchedPage, type WatchedPage } from "./browser.js";

const IDENTITY = "arn:aws:ses:us-east-1:111122223333:identity/example.com";
const poll = <T>(fn: () => Promise<T> | T, opts: { timeout?: number } = {}) => expect.poll(fn, { timeout: 15_000, ...opts });
const today = () => new Date().toISOString().slice(0, 10);

describe.each(STORE_KINDS)("analytics and event stream pages in Chromium on %s", { timeout: 120_000 }, (kind) => {
  let catcher: SmtpCatcher;
  let server: TestServer;
  let client: PinpointClient;
  let browser: Browser;
  let watched: WatchedPage;
  let page: Page;
  let appId: string;

  const heading = () => page.getByRole("heading", { level: 1 });
  /** The figure a KPI tile shows, in the region (section) named `region`. */
  const tile = (region: string, label: string) =>
    page.getByRole("region", { name: region }).locator(".kpi-tiles .tile").filter({ hasText: label }).locator("dd").first();
  const mailTo = async (address: string, subject: RegExp): Promise<CaughtMail> => {
    const match = (m: CaughtMail) => m.to.includes(address) && subject.test(m.raw);
    await catcher.waitFor(() => catcher.mails.some(match), 15_000);
    return catcher.mails.find(match)!;
  };
  /** A mail client: the first tracked link followed and/or the pixel loaded. */
  async function engage(mail: CaughtMail, { click, open }: { click: boolean; open: boolean }) {
    const html = htmlOf(mail.raw);
    if (click) {
      const link = hrefsOf(html).find((h) => h.includes("/_pinrec/t/c/"))!;
      expect(await get(link)).toMatchObject({ status: 302, location: "https://shop.example/new?src=mail&n=1" });
    }
    if (open) expect((await get(pixelOf(html))).status).toBe(200);
  }
  const appKpi = async (name: string) =>
    (await client.send(new GetApplicationDateRangeKpiCommand({ ApplicationId: appId, KpiName: name }))).ApplicationDateRangeKpiResponse!
      .KpiResult!.Rows![0]?.Values?.[0]?.Value;

  beforeAll(async () => {
    catcher = await startSmtpCatcher();
    server = await startTestServer(kind, { smtpUrl: catcher.url, campaignPollMs: 0, campaignRunPollMs: 100 });
    client = pinpointClient(server);
    appId = await createApp(client, "shop");
    await client.send(
      new UpdateEmailChannelCommand({
        ApplicationId: appId,
        EmailChannelRequest: { FromAddress: "shop@example.com", Identity: IDENTITY, Enabled: true },
      }),
    );
    for (const name of ["news", "weekly", "variant"])
      await client.send(
        new CreateEmailTemplateCommand({
          TemplateName: name,
          EmailTemplateRequest: {
            Subject: name,
            HtmlPart: '<html><body><p><a href="https://shop.example/new?src=mail&amp;n=1">New in</a></p></body></html>',
          },
        }),
      );
    await putEndpoints(
      client,
      appId,
      ["ana", "bo", "cy"].map((id) => ({ Id: id, ChannelType: "EMAIL", Address: `${id}@example.com`, Attributes: { Plan: ["weekly"] } })),
    );
    browser = await launchBrowser();
    watched = await openWatchedPage(browser, new URL(server.url).origin);
    page = watched.page;
  }, 120_000);

  afterAll(async () => {
    await watched?.close();
    await browser?.close();
    await server?.dispose();
    await catcher?.close();
  });

  test("before any event, the Analytics page shows its empty states", async () => {
    await page.goto(`${server.url}/_pinrec/console/`);
    await page.getByLabel("Access key ID").fill(ACCOUNT_A.accessKeyId);
    await page.getByLabel("Secret access key").fill(ACCOUNT_A.secretAccessKey);
    await page.getByRole("button", { name: "Sign in" }).click();
    await poll(() => heading().textContent()).toBe("Recommender models");
    await page.getByRole("link", { name: "Analytics", exact: true }).click();
    await poll(() => heading().textContent()).toBe("Analytics");
    const txn = page.getByRole("region", { name: "Transactional email" });
    await poll(() => txn.getByText(/^No transactional email events in this range/).count()).toBe(1);
    await poll(() => page.getByText(/^No campaign events in this range/).count()).toBe(1);
    expect(await tile("Transactional email", "Sent").textContent()).toBe("0");
    expect(await tile("Campaigns", "Open rate").textContent()).toBe("–");
    expect(await page.getByLabel("From").inputValue()).toMatch(/^\d{4}-\d\d-\d\d$/);
    expect(await page.getByLabel("To").inputValue()).toBe(today());
    await auditAccessibility(page, "analytics (empty)");
    watched.assertClean();
  });

  test("tracked email sent with SendMessages, clicked and opened, is counted on the Analytics page", async () => {
    await client.send(
      new SendMessagesCommand({
        ApplicationId: appId,
        MessageRequest: {
          Endpoints: { ana: {}, bo: {} },
          MessageConfiguration: { EmailMessage: { FromAddress: "shop@example.com" } },
          TemplateConfiguration: { EmailTemplate: { Name: "news" } },
        },
      }),
    );
    await engage(await mailTo("ana@example.com", /^Subject: news\r?$/m), { click: true, open: true });
    await engage(await mailTo("bo@example.com", /^Subject: news\r?$/m), { click: false, open: true });
    // Clicks and opens are recorded within a group commit: wait until the API counts them.
    await poll(async () => [await appKpi("txn-emails-clicked"), await appKpi("txn-emails-opened")]).toEqual(["1.0", "2.0"]);

    await page.getByRole("button", { name: "Apply" }).click();
    await poll(() => tile("Transactional email", "Sent").textContent()).toBe("2");
    expect(await tile("Transactional email", "Delivered").textContent()).toBe("2");
    expect(await tile("Transactional email", "Opened").textContent()).toBe("2");
    expect(await tile("Transactional email", "Clicked").textContent()).toBe("1");
    expect(await tile("Transactional email", "Delivery rate").textContent()).toBe("100.0 %");
    const txn = page.getByRole("region", { name: "Transactional email" });
    // The chart is drawn (a canvas), and its figures are in the table for today's row.
    await poll(() => txn.locator(".chart canvas").count()).toBe(1);
    await txn.getByText("Figures per day").click();
    const row = txn.getByRole("table", { name: "Transactional email per day per day (UTC)" }).getByRole("row", { name: today() });
    expect(await row.getByRole("cell").allTextContents()).toEqual(["2", "2", "2", "1"]);
    // Campaign figures count campaigns only: still empty.
    expect(await tile("Campaigns", "Sent").textContent()).toBe("0");
    await auditAccessibility(page, "analytics (transactional email)");
    watched.assertClean();
  });

  test("the API's range validation is shown beside the date field it names", async () => {
    await page.getByLabel("From").fill(today());
    await page.getByLabel("To").fill("2020-01-01");
    watched.expectConsoleError(/status of 400 \(Bad Request\)/);
    await page.getByRole("button", { name: "Apply" }).click();
    const from = page.getByLabel("From");
    await poll(() => from.getAttribute("aria-invalid")).toBe("true");
    expect(await page.locator(".date-range .field-error").allTextContents()).toEqual(["StartTime must not be after EndTime"]);
    await page.getByLabel("From").fill("2020-01-01");
    await page.getByLabel("To").fill("2020-03-01");
    await page.getByRole("button", { name: "Apply" }).click();
    await poll(() => page.getByLabel("To").getAttribute("aria-invalid")).toBe("true");
    expect(await page.locator(".date-range .field-error").allTextContents()).toEqual([
      "The range from StartTime to EndTime must not exceed 31 days",
    ]);
    expect(await page.getByRole("alert").count()).toBe(0);
    // Each KPI of the page asked for the too-long range and logged its 400; the first answer marks
    // the field, so wait for the others before errors count again.
    const tooLong = (url: string) => url.includes("end-time=2020-03-01");
    await poll(() => {
      const asked = watched.requests.filter(tooLong).length;
      return asked > 0 && watched.tolerated.filter(tooLong).length === asked;
    }).toBe(true);
    watched.expectConsoleError(/^$/);
    await page.getByRole("button", { name: "Last 7 days" }).click();
    await poll(() => tile("Transactional email", "Sent").textContent()).toBe("2");
    await auditAccessibility(page, "analytics (range errors)");
    watched.assertClean();
  });

  test("a campaign's email in two treatments, clicked and opened, is counted on its page per treatment and activity", async () => {
    const segment = await client.send(
      new CreateSegmentCommand({
        ApplicationId: appId,
        WriteSegmentRequest: { Name: "weekly", Dimensions: { Attributes: { Plan: { AttributeType: "INCLUSIVE", Values: ["weekly"] } } } },
      }),
    );
    const campaign = await client.send(
      new CreateCampaignCommand({
        ApplicationId: appId,
        WriteCampaignRequest: {
          Name: "weekly-news",
          SegmentId: segment.SegmentResponse!.Id,
          Schedule: { StartTime: "IMMEDIATE", Frequency: "ONCE" },
          TemplateConfiguration: { EmailTemplate: { Name: "weekly" } },
          TreatmentName: "control",
          AdditionalTreatments: [
            { SizePercent: 50, TreatmentName: "variant", TemplateConfiguration: { EmailTemplate: { Name: "variant" } } },
          ],
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
    // Which treatment reached whom is the template's subject; ana clicks and opens, bo clicks, cy does nothing.
    const behaviour = { ana: { click: true, open: true }, bo: { click: true, open: false }, cy: { click: false, open: false } };
    const expected = new Map<string, number[]>();
    for (const [who, does] of Object.entries(behaviour)) {
      const mail = await mailTo(`${who}@example.com`, /^Subject: (weekly|variant)\r?$/m);
      const treatment = /^Subject: variant\r?$/m.test(mail.raw) ? "variant" : "control";
      await engage(mail, does);
      const row = expected.get(treatment) ?? [0, 0, 0, 0];
      expected.set(treatment, [row[0] + 1, row[1] + 1, row[2] + Number(does.open), row[3] + Number(does.click)]);
    }
    await poll(async () => [await appKpi("clicks"), await appKpi("direct-email-opens"), await appKpi("successful-deliveries")]).toEqual([
      "2.0",
      "1.0",
      "3.0",
    ]);
    const rate = (opened: number, delivered: number) => `${((opened / delivered) * 100).toFixed(1)} %`;
    const rows = [...expected].map(([t, [sent, delivered, opened, clicks]]) => [
      t,
      ...[sent, delivered, opened, clicks].map(String),
      rate(opened, delivered),
    ]);

    await page.getByRole("link", { name: "Campaigns", exact: true }).click();
    await page.getByRole("link", { name: "weekly-news" }).click();
    await poll(() => heading().textContent()).toBe("Campaign: weekly-news");
    await poll(() => tile("Analytics", "Sent").textContent()).toBe("3");
    expect(await tile("Analytics", "Delivered").textContent()).toBe("3");
    expect(await tile("Analytics", "Opened").textContent()).toBe("1");
    expect(await tile("Analytics", "Clicks").textContent()).toBe("2");
    expect(await tile("Analytics", "Open rate").textContent()).toBe("33.3 %");
    const cells = (table: string) =>
      page
        .getByRole("table", { name: table, exact: true })
        .getByRole("row")
        .evaluateAll((trs) => trs.slice(1).map((tr) => [...tr.children].map((td) => td.textContent)));
    const byName = (a: (string | null)[], b: (string | null)[]) => String(a[0]).localeCompare(String(b[0]));
    expect((await cells("Per treatment")).sort(byName)).toEqual(rows.sort(byName));
    // Per activity: each treatment's run, with the same figures (one run per treatment).
    const activities = (await cells("Per activity (run)")).map(([, treatment, started, ...figures]) => {
      expect(started).toMatch(/ UTC$/);
      return [treatment, ...figures];
    });
    expect(activities.sort(byName)).toEqual(rows);
    await poll(() => page.locator(".kpi-chart .chart canvas").count()).toBe(1);
    await auditAccessibility(page, "campaign analytics");

    // The app's Analytics page lists the campaign among its campaigns.
    await page.getByRole("link", { name: "Analytics", exact: true }).click();
    await poll(() => tile("Campaigns", "Sent").textContent()).toBe("3");
    const perCampaign = page.getByRole("table", { name: "Per campaign" }).getByRole("row").nth(1);
    expect(await perCampaign.getByRole("cell").allTextContents()).toEqual(["weekly-news", "3", "3", "1", "2", "33.3 %"]);
    expect(await tile("Transactional email", "Sent").textContent()).toBe("2");
    watched.assertClean();
  });

  test("event stream settings: none, a bad ARN refused beside its field, put, shown, deleted", async () => {
    // GetEventStream answers 404 when there is none, and PutEventStream 400 for a bad ARN: Chromium logs both.
    watched.expectConsoleError(/status of (400 \(Bad Request\)|404 \(Not Found\)) \(.*\/eventstream\)$/);
    await page.getByRole("link", { name: "Event stream", exact: true }).click();
    await poll(() => heading().textContent()).toBe("Event stream");
    await poll(() => page.getByText(/^This project has no event stream/).count()).toBe(1);
    await auditAccessibility(page, "event stream (none)");

    await page.getByLabel("Destination stream ARN").fill("arn:aws:s3:::not-a-stream");
    await page.getByLabel("Role ARN").fill("arn:aws:iam::111122223333:role/pinpoint-events");
    await page.getByRole("button", { name: "Create event stream" }).click();
    const destination = page.getByLabel("Destination stream ARN");
    await poll(() => destination.getAttribute("aria-invalid")).toBe("true");
    expect(await page.locator(".field-error").allTextContents()).toEqual([expect.stringMatching(/^DestinationStreamArn must be/)]);
    await auditAccessibility(page, "event stream (invalid)");

    const arn = "arn:aws:kinesis:us-east-1:111122223333:stream/pinpoint-events";
    await destination.fill(arn);
    await page.getByRole("button", { name: "Create event stream" }).click();
    await poll(() => page.getByRole("status").textContent()).toMatch(/^Event stream saved/);
    await poll(() => page.locator(".facts dd").first().textContent()).toBe(arn);
    expect(await page.locator(".field-error").count()).toBe(0);
    expect((await client.send(new GetEventStreamCommand({ ApplicationId: appId }))).EventStream).toMatchObject({
      DestinationStreamArn: arn,
      RoleArn: "arn:aws:iam::111122223333:role/pinpoint-events",
    });

    page.once("dialog", (d) => void d.accept());
    await page.getByRole("button", { name: "Delete event stream" }).click();
    await poll(() => page.getByText(/^This project has no event stream/).count()).toBe(1);
    await expect(client.send(new GetEventStreamCommand({ ApplicationId: appId }))).rejects.toMatchObject({ name: "NotFoundException" });
    watched.expectConsoleError(/^$/);
    watched.assertClean();
  });
});
