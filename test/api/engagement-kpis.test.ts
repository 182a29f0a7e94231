/**
 * KPIs end to end through the real SDK, on both stores: a campaign and a SendMessages call deliver
 * over real SMTP (smtp-server), the test opens and clicks the received mail, and
 * GetApplicationDateRangeKpi / GetCampaignDateRangeKpi count exactly, in the documented
 * `KpiResult.Rows` shape; unknown names, reversed and over-long ranges are 400s naming the field.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  CreateCampaignCommand,
  CreateEmailTemplateCommand,
  CreateSegmentCommand,
  GetApplicationDateRangeKpiCommand,
  GetCampaignActivitiesCommand,
  GetCampaignDateRangeKpiCommand,
  SendMessagesCommand,
  UpdateEmailChannelCommand,
  type EndpointBatchItem,
  type PinpointClient,
} from "@aws-sdk/client-pinpoint";
import { STORE_KINDS, errorOf, pinpointClient, startTestServer, type TestServer } from "../helpers.js";
import { startSmtpCatcher, type SmtpCatcher } from "../smtp-catcher.js";
import { TENANT_A, createApp, putEndpoints } from "../pinpoint/messaging/send-fixtures.js";
import { IDENTITY } from "../pinpoint/campaigns/runner-fixtures.js";
import { get, hrefsOf, htmlOf, pixelOf } from "../tracked-mail.js";
import { liftReport } from "../../src/pinpoint/engagement/lift.js";

const DAY = 86_400_000;

describe.each(STORE_KINDS)("KPIs on %s", (kind) => {
  let server: TestServer;
  let catcher: SmtpCatcher;
  let client: PinpointClient;
  let appId: string;
  let campaignId: string;

  const appKpi = async (KpiName: string, extra: Record<string, unknown> = {}) =>
    (await client.send(new GetApplicationDateRangeKpiCommand({ ApplicationId: appId, KpiName, ...extra })))
      .ApplicationDateRangeKpiResponse!;
  const campaignKpi = async (KpiName: string) =>
    (await client.send(new GetCampaignDateRangeKpiCommand({ ApplicationId: appId, CampaignId: campaignId, KpiName })))
      .CampaignDateRangeKpiResponse!;
  const valuesOf = (r: { KpiResult?: { Rows?: { Values?: { Value?: string }[] }[] } }) =>
    r.KpiResult!.Rows!.map((row) => row.Values![0].Value);
  async function waitUntil(pred: () => Promise<boolean>, timeoutMs = 30_000) {
    const end = Date.now() + timeoutMs;
    while (!(await pred())) {
      if (Date.now() > end) throw new Error("condition not met in time");
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  beforeAll(async () => {
    catcher = await startSmtpCatcher();
    server = await startTestServer(kind, { smtpUrl: catcher.url, campaignRunPollMs: 100 });
    client = pinpointClient(server);
    appId = await createApp(client, "kpis");
    await client.send(
      new CreateEmailTemplateCommand({
        TemplateName: "kpi-mail",
        EmailTemplateRequest: { Subject: "Hello {{Id}}", HtmlPart: '<p><a href="https://shop.example/?to={{Id}}">go</a></p>' },
      }),
    );
    await client.send(
      new UpdateEmailChannelCommand({
        ApplicationId: appId,
        EmailChannelRequest: { FromAddress: "shop@example.com", Identity: IDENTITY, Enabled: true },
      }),
    );
    const endpoints: EndpointBatchItem[] = [
      ...["c1", "c2", "c3"].map((Id) => ({
        Id,
        ChannelType: "EMAIL" as const,
        Address: `${Id}@example.com`,
        Attributes: { group: ["campaign"] },
      })),
      ...["t1", "t2"].map((Id) => ({ Id, ChannelType: "EMAIL" as const, Address: `${Id}@example.com`, Attributes: { group: ["direct"] } })),
    ];
    await putEndpoints(client, appId, endpoints);
    const segment = await client.send(
      new CreateSegmentCommand({
        ApplicationId: appId,
        WriteSegmentRequest: {
          Name: "campaign",
          Dimensions: { Attributes: { group: { AttributeType: "INCLUSIVE", Values: ["campaign"] } } },
        },
      }),
    );
    const campaign = await client.send(
      new CreateCampaignCommand({
        ApplicationId: appId,
        WriteCampaignRequest: {
          Name: "kpi campaign",
          SegmentId: segment.SegmentResponse!.Id!,
          Schedule: { StartTime: "IMMEDIATE", Frequency: "ONCE" },
          TemplateConfiguration: { EmailTemplate: { Name: "kpi-mail" } },
        },
      }),
    );
    campaignId = campaign.CampaignResponse!.Id!;
    await client.send(
      new SendMessagesCommand({
        ApplicationId: appId,
        MessageRequest: {
          Endpoints: { t1: {}, t2: {} },
          MessageConfiguration: { EmailMessage: { FromAddress: "shop@example.com" } },
          TemplateConfiguration: { EmailTemplate: { Name: "kpi-mail" } },
        },
      }),
    );
    await catcher.waitFor(() => catcher.mails.length === 5, 60_000);
    const events = () => server.store.engagement.list(TENANT_A, appId, { limit: 1000 });
    await waitUntil(async () => (await events()).filter((e) => e.eventType === "_email.delivered").length === 5);
    // c1 opens and clicks; t1 clicks twice; t2 opens.
    const mail = (to: string) => htmlOf(catcher.mails.find((m) => m.to.includes(`${to}@example.com`))!.raw);
    expect((await get(pixelOf(mail("c1")))).status).toBe(200);
    expect((await get(hrefsOf(mail("c1"))[0])).status).toBe(302);
    expect((await get(hrefsOf(mail("t1"))[0])).status).toBe(302);
    expect((await get(hrefsOf(mail("t1"))[0])).status).toBe(302);
    expect((await get(pixelOf(mail("t2")))).status).toBe(200);
    await server.engagement.settled();
    const activities = await client.send(new GetCampaignActivitiesCommand({ ApplicationId: appId, CampaignId: campaignId }));
    expect(activities.ActivitiesResponse!.Item).toHaveLength(1);
  }, 120_000);
  afterAll(async () => {
    await server?.dispose();
    await catcher?.close();
  });

  test("transactional email KPIs count exactly, in the single-value Rows shape", async () => {
    const sent = await appKpi("txn-emails-sent");
    expect(sent).toMatchObject({ ApplicationId: appId, KpiName: "txn-emails-sent" });
    expect(sent.KpiResult!.Rows).toEqual([{ Values: [{ Key: "TxnEmailsSent", Type: "Double", Value: "2.0" }] }]);
    expect(valuesOf(await appKpi("txn-emails-delivered"))).toEqual(["2.0"]);
    expect(valuesOf(await appKpi("txn-emails-clicked"))).toEqual(["2.0"]);
    expect(valuesOf(await appKpi("txn-emails-opened"))).toEqual(["1.0"]);
    expect(valuesOf(await appKpi("txn-emails-hard-bounced"))).toEqual(["0.0"]);
    const byDate = await appKpi("txn-emails-sent-grouped-by-date");
    expect(byDate.KpiResult!.Rows).toEqual([
      {
        GroupedBys: [{ Key: "Date", Type: "String", Value: new Date().toISOString().slice(0, 10) }],
        Values: [{ Key: "TxnEmailsSent", Type: "Double", Value: "2.0" }],
      },
    ]);
  });

  test("campaign KPIs: deliveries, unique deliveries, rates, clicks, grouped by activity and by campaign", async () => {
    expect(valuesOf(await campaignKpi("attempted-deliveries"))).toEqual(["3.0"]);
    expect(valuesOf(await campaignKpi("successful-deliveries"))).toEqual(["3.0"]);
    expect(valuesOf(await campaignKpi("unique-deliveries"))).toEqual(["3.0"]);
    expect(valuesOf(await campaignKpi("successful-delivery-rate"))).toEqual(["1.0"]);
    expect(Number(valuesOf(await campaignKpi("email-open-rate"))[0])).toBeCloseTo(1 / 3, 10);
    expect(valuesOf(await campaignKpi("clicks"))).toEqual(["1.0"]);
    const byActivity = await campaignKpi("unique-deliveries-grouped-by-campaign-activity");
    expect(byActivity).toMatchObject({ ApplicationId: appId, CampaignId: campaignId });
    expect(byActivity.KpiResult!.Rows).toHaveLength(1);
    expect(byActivity.KpiResult!.Rows![0].GroupedBys![0].Key).toBe("CampaignActivityId");
    const byCampaign = await appKpi("successful-deliveries-grouped-by-campaign");
    expect(byCampaign.KpiResult!.Rows).toEqual([
      {
        GroupedBys: [{ Key: "CampaignId", Type: "String", Value: campaignId }],
        Values: [{ Key: "SuccessfulDeliveries", Type: "Double", Value: "3.0" }],
      },
    ]);
    // Application metrics of campaigns leave the transactional sends out.
    expect(valuesOf(await appKpi("unique-deliveries"))).toEqual(["3.0"]);
  });

  test("the lift report counts per campaign and treatment what its messages earned", async () => {
    const report = await liftReport(server.store, TENANT_A, appId, { from: Date.now() - DAY, to: Date.now() + 1 });
    expect(report).toEqual([
      {
        campaignId,
        holdoutEndpoints: 0,
        treatments: [
          {
            campaignId,
            treatmentId: "0",
            sent: 3,
            delivered: 3,
            opened: 1,
            clicks: 1,
            clicksOnRecommendedItems: 0,
            openRate: 1 / 3,
            clickRate: 1 / 3,
          },
        ],
      },
    ]);
  });

  test("a range with nothing in it: counts are 0.0, rates have no row; paging walks grouped rows", async () => {
    const old = { StartTime: new Date(Date.now() - 20 * DAY), EndTime: new Date(Date.now() - 10 * DAY) };
    expect(valuesOf(await appKpi("txn-emails-sent", old))).toEqual(["0.0"]);
    expect((await appKpi("successful-delivery-rate", old)).KpiResult!.Rows).toEqual([]);
    await server.store.engagement.record(TENANT_A, [
      { appId, eventId: "p1", eventType: "_email.send", timestamp: Date.now() - 2 * DAY },
      { appId, eventId: "p2", eventType: "_email.send", timestamp: Date.now() - 3 * DAY },
    ]);
    const first = await appKpi("txn-emails-sent-grouped-by-date", { PageSize: "2" });
    expect(first.KpiResult!.Rows).toHaveLength(2);
    expect(first.NextToken).toBeDefined();
    const second = await appKpi("txn-emails-sent-grouped-by-date", { PageSize: "2", NextToken: first.NextToken });
    expect(second.KpiResult!.Rows).toHaveLength(1);
    expect(second.NextToken).toBeUndefined();
    const dates = [...first.KpiResult!.Rows!, ...second.KpiResult!.Rows!].map((r) => r.GroupedBys![0].Value);
    expect(dates).toEqual([...dates].sort());
  });

  test("unknown KPI names, reversed and over-long ranges are 400s naming the field; unknown campaigns 404", async () => {
    const bad = async (extra: Record<string, unknown>, KpiName = "txn-emails-sent") =>
      errorOf(() => client.send(new GetApplicationDateRangeKpiCommand({ ApplicationId: appId, KpiName, ...extra })));
    const unknown = await bad({}, "emails-teleported");
    expect(unknown).toMatchObject({ name: "BadRequestException", $metadata: { httpStatusCode: 400 } });
    expect(unknown.message).toContain("emails-teleported");
    const reversed = await bad({ StartTime: new Date(Date.now() - DAY), EndTime: new Date(Date.now() - 2 * DAY) });
    expect(reversed.message).toContain("StartTime");
    const long = await bad({ StartTime: new Date(Date.now() - 40 * DAY), EndTime: new Date() });
    expect(long.message).toContain("31 days");
    const missing = await errorOf(() =>
      client.send(new GetCampaignDateRangeKpiCommand({ ApplicationId: appId, CampaignId: "nope", KpiName: "clicks" })),
    );
    expect(missing).toMatchObject({ name: "NotFoundException" });
  });
});
