/**
 * A campaign's analytics: totals and a per-day chart (GetCampaignDateRangeKpi `…-grouped-by-date`),
 * and the figures per campaign activity (`…-grouped-by-campaign-activity`) and per treatment.
 * The KPI API groups by activity, and every activity is one treatment's run, so a treatment's
 * counts are the sums of its activities' rows; its open rate is its opens over its deliveries,
 * which is the API's `email-open-rate` for an email campaign.
 */
import type { ActivityResponse, CampaignResponse } from "@aws-sdk/client-pinpoint";
import type { Clients } from "../aws";
import { CAMPAIGN_MEASURES, CAMPAIGN_RATES, dailySeries, kpiGroups, kpiValue, percent, type DayRange } from "../kpi-api";
import { useLoad } from "../use-load";
import { DateRangePicker } from "./date-range";
import { KpiChart, KpiTiles, RateCell } from "./kpi-chart";
import { splitRangeError, useDayRange } from "./range-state";
import { ErrorMessage, Loading, Table, formatDate } from "./ui";

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

async function loadCampaignKpis(clients: Clients, appId: string, campaignId: string, range: DayRange) {
  const target = { appId, campaignId };
  const [daily, rates, perActivity] = await Promise.all([
    dailySeries(clients, target, CAMPAIGN_MEASURES, range),
    Promise.all(CAMPAIGN_RATES.map((m) => kpiValue(clients, target, m.kpi, range))),
    Promise.all(
      [...CAMPAIGN_MEASURES, { kpi: "email-open-rate" }].map((m) =>
        kpiGroups(clients, target, `${m.kpi}-grouped-by-campaign-activity`, range),
      ),
    ),
  ]);
  return { daily, rates, perActivity };
}

export function treatmentName(c: CampaignResponse, treatmentId: string | undefined): string {
  if (!treatmentId || treatmentId === "0") return c.TreatmentName || "Default";
  const t = (c.AdditionalTreatments ?? []).find((x, i) => (x.Id ?? String(i + 1)) === treatmentId);
  return t?.TreatmentName || treatmentId;
}

export function CampaignKpis({
  clients,
  appId,
  campaign,
  activities,
}: {
  clients: Clients;
  appId: string;
  campaign: CampaignResponse;
  activities: ActivityResponse[];
}) {
  const [range, setRange] = useDayRange();
  const data = useLoad(() => loadCampaignKpis(clients, appId, campaign.Id!, range), [clients, appId, campaign.Id, range]);
  const errors = splitRangeError(data.error);
  const d = errors.page || Object.keys(errors.fields).length ? undefined : data.data;
  const activityIds = d ? [...new Set(d.perActivity.flatMap((g) => [...g.keys()]))].sort() : [];
  const byId = new Map(activities.map((a) => [a.Id!, a]));
  // Per treatment: the sums of its activities' counts.
  const treatments = new Map<string, number[]>();
  for (const id of activityIds) {
    const t = byId.get(id)?.TreatmentId ?? "0";
    const row = treatments.get(t) ?? CAMPAIGN_MEASURES.map(() => 0);
    CAMPAIGN_MEASURES.forEach((_, i) => {
      row[i] += d!.perActivity[i].get(id) ?? 0;
    });
    treatments.set(t, row);
  }
  const opened = CAMPAIGN_MEASURES.findIndex((m) => m.kpi === "direct-email-opens");
  const delivered = CAMPAIGN_MEASURES.findIndex((m) => m.kpi === "successful-deliveries");
  return (
    <section aria-labelledby="campaign-kpis">
      <h2 id="campaign-kpis">Analytics</h2>
      <DateRangePicker value={range} onChange={setRange} errors={errors.fields} />
      <ErrorMessage error={errors.page} />
      <Loading when={data.loading} />
      {d && (
        <>
          <KpiTiles
            items={[
              ...CAMPAIGN_MEASURES.map((m, i) => ({ label: m.label, value: String(sum(d.daily.series[i].values)) })),
              ...CAMPAIGN_RATES.map((m, i) => ({ label: m.label, value: percent(d.rates[i]) })),
            ]}
          />
          <KpiChart
            title="This campaign's messages per day"
            data={d.daily}
            empty="No events for this campaign in this range: it sent nothing between these days."
          />
          <Table
            caption="Per treatment"
            head={["Treatment", ...CAMPAIGN_MEASURES.map((m) => m.label), "Open rate"]}
            empty={treatments.size === 0 && "No treatment sent anything in this range."}
          >
            {[...treatments].map(([t, row]) => (
              <tr key={t}>
                <td>{treatmentName(campaign, t)}</td>
                {row.map((v, i) => (
                  <td class="num" key={CAMPAIGN_MEASURES[i].kpi}>
                    {v}
                  </td>
                ))}
                <td class="num">
                  <RateCell value={row[delivered] > 0 ? Math.min(1, row[opened] / row[delivered]) : undefined} />
                </td>
              </tr>
            ))}
          </Table>
          <Table
            caption="Per activity (run)"
            head={["Activity", "Treatment", "Started", ...CAMPAIGN_MEASURES.map((m) => m.label), "Open rate"]}
            empty={activityIds.length === 0 && "No activity sent anything in this range."}
          >
            {activityIds.map((id) => (
              <tr key={id}>
                <td class="mono small">{id}</td>
                <td>{treatmentName(campaign, byId.get(id)?.TreatmentId)}</td>
                <td>{formatDate(byId.get(id)?.Start)}</td>
                {CAMPAIGN_MEASURES.map((m, i) => (
                  <td class="num" key={m.kpi}>
                    {d.perActivity[i].get(id) ?? 0}
                  </td>
                ))}
                <td class="num">
                  <RateCell value={d.perActivity[CAMPAIGN_MEASURES.length].get(id)} />
                </td>
              </tr>
            ))}
          </Table>
        </>
      )}
    </section>
  );
}
