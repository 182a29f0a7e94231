/**
 * The project's analytics, as the Pinpoint console's Analytics overview showed them: campaign
 * deliveries, opens and clicks per day and per campaign, and transactional email (SendMessages and
 * SendUsersMessages outside campaigns) per day, over a chosen range of UTC days. Every figure is a
 * GetApplicationDateRangeKpi answer; nothing is counted in the browser except sums of its rows.
 */
import { GetCampaignsCommand, type CampaignResponse } from "@aws-sdk/client-pinpoint";
import type { PageProps } from "../pages";
import { href } from "../router";
import { useLoad } from "../use-load";
import {
  CAMPAIGN_MEASURES,
  CAMPAIGN_RATES,
  TXN_EMAIL_MEASURES,
  dailySeries,
  kpiGroups,
  kpiValue,
  percent,
  type DayRange,
} from "../kpi-api";
import { ErrorMessage, Loading, Page, Table } from "../components/ui";
import { NoProject } from "../components/no-project";
import { DateRangePicker } from "../components/date-range";
import { KpiChart, KpiTiles, RateCell } from "../components/kpi-chart";
import { splitRangeError, useDayRange } from "../components/range-state";
import type { Clients } from "../aws";

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

async function loadAnalytics(clients: Clients, appId: string, range: DayRange) {
  const target = { appId };
  const [campaignDaily, txnDaily, rates, txnRate, perCampaign, campaigns] = await Promise.all([
    dailySeries(clients, target, CAMPAIGN_MEASURES, range),
    dailySeries(clients, target, TXN_EMAIL_MEASURES, range),
    Promise.all(CAMPAIGN_RATES.map((m) => kpiValue(clients, target, m.kpi, range))),
    kpiValue(clients, target, "txn-emails-delivery-rate", range),
    Promise.all(
      [...CAMPAIGN_MEASURES, { kpi: "email-open-rate" }].map((m) => kpiGroups(clients, target, `${m.kpi}-grouped-by-campaign`, range)),
    ),
    campaignNames(clients, appId),
  ]);
  const campaignIds = [...new Set(perCampaign.flatMap((g) => [...g.keys()]))].sort();
  return { campaignDaily, txnDaily, rates, txnRate, perCampaign, campaignIds, campaigns };
}

async function campaignNames(clients: Clients, appId: string): Promise<Map<string, CampaignResponse>> {
  const out = new Map<string, CampaignResponse>();
  let token: string | undefined;
  do {
    const res = await clients.pinpoint.send(new GetCampaignsCommand({ ApplicationId: appId, PageSize: "100", Token: token }));
    for (const c of res.CampaignsResponse?.Item ?? []) out.set(c.Id!, c);
    token = res.CampaignsResponse?.NextToken;
  } while (token);
  return out;
}

export function AnalyticsPage({ clients, projectId }: PageProps) {
  const [range, setRange] = useDayRange();
  const data = useLoad(async () => (projectId ? loadAnalytics(clients, projectId, range) : undefined), [clients, projectId, range]);
  const errors = splitRangeError(data.error);
  const d = errors.page || Object.keys(errors.fields).length ? undefined : data.data;
  return (
    <Page title="Analytics">
      {!projectId && <NoProject />}
      {projectId && <DateRangePicker value={range} onChange={setRange} errors={errors.fields} />}
      <ErrorMessage error={errors.page} />
      <Loading when={data.loading} />
      {projectId && d && (
        <>
          <section aria-labelledby="campaign-analytics">
            <h2 id="campaign-analytics">Campaigns</h2>
            <KpiTiles
              items={[
                ...CAMPAIGN_MEASURES.map((m, i) => ({ label: m.label, value: String(sum(d.campaignDaily.series[i].values)) })),
                ...CAMPAIGN_RATES.map((m, i) => ({ label: m.label, value: percent(d.rates[i]) })),
              ]}
            />
            <KpiChart
              title="Campaign messages per day"
              data={d.campaignDaily}
              empty="No campaign events in this range: nothing was sent by a campaign between these days."
            />
            <Table
              caption="Per campaign"
              head={["Campaign", ...CAMPAIGN_MEASURES.map((m) => m.label), "Open rate"]}
              empty={d.campaignIds.length === 0 && "No campaign sent anything in this range."}
            >
              {d.campaignIds.map((id) => (
                <tr key={id}>
                  <td>
                    <a href={href("campaigns", id)}>{d.campaigns.get(id)?.Name || id}</a>
                  </td>
                  {CAMPAIGN_MEASURES.map((m, i) => (
                    <td class="num" key={m.kpi}>
                      {d.perCampaign[i].get(id) ?? 0}
                    </td>
                  ))}
                  <td class="num">
                    <RateCell value={d.perCampaign[CAMPAIGN_MEASURES.length].get(id)} />
                  </td>
                </tr>
              ))}
            </Table>
          </section>
          <section aria-labelledby="txn-analytics">
            <h2 id="txn-analytics">Transactional email</h2>
            <KpiTiles
              items={[
                ...TXN_EMAIL_MEASURES.map((m, i) => ({ label: m.label, value: String(sum(d.txnDaily.series[i].values)) })),
                { label: "Delivery rate", value: percent(d.txnRate) },
              ]}
            />
            <KpiChart
              title="Transactional email per day"
              data={d.txnDaily}
              empty="No transactional email events in this range: SendMessages and SendUsersMessages sent no email between these days."
            />
          </section>
        </>
      )}
    </Page>
  );
}
