/** Segments of the chosen project with their sizes (endpoints in the latest version, counted by the server now). */
import { GetSegmentsCommand, type SegmentResponse } from "@aws-sdk/client-pinpoint";
import type { PageProps } from "../pages";
import { useLoad } from "../use-load";
import { ErrorMessage, Loading, Page, Table, formatDate } from "../components/ui";
import { NoProject } from "../components/no-project";

interface SegmentRow {
  segment: SegmentResponse;
  size?: number;
  sizeError?: string;
}

export function SegmentsPage({ clients, projectId }: PageProps) {
  const segments = useLoad(async (): Promise<SegmentRow[]> => {
    if (!projectId) return [];
    const items: SegmentResponse[] = [];
    let token: string | undefined;
    do {
      const res = await clients.pinpoint.send(new GetSegmentsCommand({ ApplicationId: projectId, PageSize: "100", Token: token }));
      items.push(...(res.SegmentsResponse?.Item ?? []));
      token = res.SegmentsResponse?.NextToken;
    } while (token);
    return Promise.all(
      items.map(async (segment) => {
        try {
          const { Size } = await clients.pinrec<{ Size: number }>(
            "GET",
            `/_pinrec/apps/${encodeURIComponent(projectId)}/segments/${encodeURIComponent(segment.Id!)}/size`,
          );
          return { segment, size: Size };
        } catch (err) {
          return { segment, sizeError: (err as Error).message };
        }
      }),
    );
  }, [clients, projectId]);

  return (
    <Page title="Segments">
      {!projectId && <NoProject />}
      <ErrorMessage error={segments.error} />
      <Loading when={segments.loading && !segments.data} />
      {projectId && segments.data && (
        <Table
          caption="Segments of the project"
          head={["Name", "Type", "Size (endpoints)", "Version", "Last modified", "Criteria"]}
          empty={segments.data.length === 0 && "No segments in this project yet."}
        >
          {segments.data.map(({ segment: s, size, sizeError }) => (
            <tr key={s.Id}>
              <td>
                {s.Name}
                <div class="muted small">{s.Id}</div>
              </td>
              <td>{s.SegmentType}</td>
              <td class="num">{size ?? <span class="error">{sizeError}</span>}</td>
              <td>{s.Version}</td>
              <td>{formatDate(s.LastModifiedDate ?? s.CreationDate)}</td>
              <td>
                <details>
                  <summary>Definition</summary>
                  <pre class="json">{JSON.stringify(s.Dimensions ?? s.SegmentGroups ?? s.ImportDefinition ?? {}, null, 2)}</pre>
                </details>
              </td>
            </tr>
          ))}
        </Table>
      )}
    </Page>
  );
}
