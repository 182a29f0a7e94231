/**
 * Pinpoint campaigns of the chosen project: the list with their state, and a campaign's versions
 * and activities (each run per treatment: state, endpoint counts, and why endpoints were not sent
 * in ExecutionMetrics), and its analytics: KPI charts per campaign, treatment and activity.
 */
import {
  GetCampaignActivitiesCommand,
  GetCampaignCommand,
  GetCampaignVersionsCommand,
  GetCampaignsCommand,
  type CampaignResponse,
} from "@aws-sdk/client-pinpoint";
import type { PageProps } from "../pages";
import { href } from "../router";
import { useLoad } from "../use-load";
import { ErrorMessage, Loading, Page, Table, formatDate } from "../components/ui";
import { NoProject } from "../components/no-project";
import { CampaignKpis } from "../components/campaign-kpis";

export function CampaignsPage(props: PageProps) {
  const [id] = props.route;
  return id ? <CampaignDetail {...props} id={id} /> : <CampaignList {...props} />;
}

const schedule = (c: CampaignResponse) =>
  [c.Schedule?.Frequency, c.Schedule?.StartTime && `from ${c.Schedule.StartTime}`, c.Schedule?.EndTime && `to ${c.Schedule.EndTime}`]
    .filter(Boolean)
    .join(" ");

function CampaignList({ clients, projectId }: PageProps) {
  const campaigns = useLoad(async () => {
    if (!projectId) return [];
    const out: CampaignResponse[] = [];
    let token: string | undefined;
    do {
      const res = await clients.pinpoint.send(new GetCampaignsCommand({ ApplicationId: projectId, PageSize: "100", Token: token }));
      out.push(...(res.CampaignsResponse?.Item ?? []));
      token = res.CampaignsResponse?.NextToken;
    } while (token);
    return out;
  }, [clients, projectId]);
  return (
    <Page title="Campaigns">
      {!projectId && <NoProject />}
      <ErrorMessage error={campaigns.error} />
      <Loading when={campaigns.loading && !campaigns.data} />
      {projectId && campaigns.data && (
        <Table
          caption="Campaigns of the project"
          head={["Name", "State", "Schedule", "Segment", "Version", "Last modified"]}
          empty={campaigns.data.length === 0 && "No campaigns in this project yet."}
        >
          {campaigns.data.map((c) => (
            <tr key={c.Id}>
              <td>
                <a href={href("campaigns", c.Id!)}>{c.Name || c.Id}</a>
              </td>
              <td>{c.State?.CampaignStatus}</td>
              <td>{schedule(c)}</td>
              <td class="mono small">{c.SegmentId}</td>
              <td>{c.Version}</td>
              <td>{formatDate(c.LastModifiedDate)}</td>
            </tr>
          ))}
        </Table>
      )}
    </Page>
  );
}

function CampaignDetail({ clients, projectId, id }: PageProps & { id: string }) {
  const data = useLoad(async () => {
    if (!projectId) return undefined;
    const key = { ApplicationId: projectId, CampaignId: id };
    const [campaign, versions, activities] = await Promise.all([
      clients.pinpoint.send(new GetCampaignCommand(key)),
      clients.pinpoint.send(new GetCampaignVersionsCommand({ ...key, PageSize: "100" })),
      clients.pinpoint.send(new GetCampaignActivitiesCommand({ ...key, PageSize: "100" })),
    ]);
    return {
      campaign: campaign.CampaignResponse!,
      versions: versions.CampaignsResponse?.Item ?? [],
      activities: activities.ActivitiesResponse?.Item ?? [],
    };
  }, [clients, projectId, id]);
  const c = data.data?.campaign;
  return (
    <Page title={`Campaign: ${c?.Name ?? id}`}>
      <p>
        <a href={href("campaigns")}>← All campaigns</a>
      </p>
      {!projectId && <NoProject />}
      <ErrorMessage error={data.error} />
      <Loading when={data.loading && !data.data} />
      {c && data.data && (
        <>
          <dl class="facts">
            <dt>State</dt>
            <dd>{c.State?.CampaignStatus}</dd>
            <dt>Schedule</dt>
            <dd>{schedule(c)}</dd>
            <dt>Segment</dt>
            <dd class="mono">
              {c.SegmentId} (version {c.SegmentVersion})
            </dd>
            <dt>Treatments</dt>
            <dd>
              {[
                `default (${c.TreatmentName || "0"})`,
                ...(c.AdditionalTreatments ?? []).map((t) => `${t.TreatmentName || t.Id} ${t.SizePercent}%`),
              ].join(", ")}
            </dd>
            <dt>Holdout</dt>
            <dd>{c.HoldoutPercent ?? 0}%</dd>
          </dl>
          <CampaignKpis clients={clients} appId={projectId!} campaign={c} activities={data.data.activities} />
          <Table
            caption="Activities (runs, per treatment)"
            head={["Activity", "Treatment", "State", "Result", "Scheduled", "Started", "Ended", "Endpoints", "Sent", "Not sent (reasons)"]}
            empty={data.data.activities.length === 0 && "No runs yet."}
          >
            {data.data.activities.map((a) => (
              <tr key={a.Id}>
                <td class="mono small">{a.Id}</td>
                <td>{a.TreatmentId}</td>
                <td>{a.State}</td>
                <td>{a.Result}</td>
                <td>{formatDate(a.ScheduledStart)}</td>
                <td>{formatDate(a.Start)}</td>
                <td>{formatDate(a.End)}</td>
                <td class="num">{a.TotalEndpointCount}</td>
                <td class="num">{a.SuccessfulEndpointCount}</td>
                <td>
                  {Object.entries(a.ExecutionMetrics ?? {})
                    .map(([k, v]) => `${k}: ${v}`)
                    .join(", ")}
                </td>
              </tr>
            ))}
          </Table>
          <Table caption="Versions" head={["Version", "Name", "Schedule", "Paused", "Last modified"]}>
            {data.data.versions.map((v) => (
              <tr key={v.Version}>
                <td>{v.Version}</td>
                <td>{v.Name}</td>
                <td>{schedule(v)}</td>
                <td>{v.IsPaused ? "yes" : "no"}</td>
                <td>{formatDate(v.LastModifiedDate)}</td>
              </tr>
            ))}
          </Table>
        </>
      )}
    </Page>
  );
}
