/**
 * The project's event stream (the Pinpoint console's "Event stream" settings): where every
 * engagement event of the app is sent, a Kinesis data stream or a Firehose delivery stream, and
 * the role named for it. GetEventStream shows it (NotFoundException: there is none),
 * PutEventStream sets it with the API's validation beside the field it names, DeleteEventStream
 * removes it.
 */
import { useEffect, useState } from "preact/hooks";
import { DeleteEventStreamCommand, GetEventStreamCommand, PutEventStreamCommand, type EventStream } from "@aws-sdk/client-pinpoint";
import type { PageProps } from "../pages";
import { describeError } from "../aws";
import { useLoad } from "../use-load";
import { ErrorMessage, Field, Loading, Page, formatDate } from "../components/ui";
import { NoProject } from "../components/no-project";

type Member = "DestinationStreamArn" | "RoleArn";

export function EventStreamPage({ clients, projectId }: PageProps) {
  const stream = useLoad(async (): Promise<EventStream | null> => {
    if (!projectId) return null;
    try {
      return (await clients.pinpoint.send(new GetEventStreamCommand({ ApplicationId: projectId }))).EventStream ?? null;
    } catch (err) {
      if (err instanceof Error && err.name === "NotFoundException") return null;
      throw err;
    }
  }, [clients, projectId]);
  const [form, setForm] = useState({ DestinationStreamArn: "", RoleArn: "" });
  const [errors, setErrors] = useState<Partial<Record<Member, string>>>({});
  const [error, setError] = useState<string>();
  const [saved, setSaved] = useState<string>();
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    const s = stream.data;
    setForm({ DestinationStreamArn: s?.DestinationStreamArn ?? "", RoleArn: s?.RoleArn ?? "" });
  }, [stream.data]);

  const run = async (what: () => Promise<unknown>, done: string) => {
    setBusy(true);
    setErrors({});
    setError(undefined);
    setSaved(undefined);
    try {
      await what();
      setSaved(done);
      stream.reload();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const member = (["DestinationStreamArn", "RoleArn"] as const).find((m) => message.startsWith(m));
      if (err instanceof Error && err.name === "BadRequestException" && member) setErrors({ [member]: message });
      else setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };
  const save = (e: Event) => {
    e.preventDefault();
    void run(
      () => clients.pinpoint.send(new PutEventStreamCommand({ ApplicationId: projectId!, WriteEventStream: form })),
      "Event stream saved: events recorded from now on are sent to it.",
    );
  };
  const remove = () => {
    if (!window.confirm("Delete this project's event stream? Its events stop being sent.")) return;
    void run(() => clients.pinpoint.send(new DeleteEventStreamCommand({ ApplicationId: projectId! })), "Event stream deleted.");
  };
  const s = stream.data;
  return (
    <Page title="Event stream">
      {!projectId && <NoProject />}
      <ErrorMessage error={stream.error} />
      <Loading when={stream.loading && stream.data === undefined} />
      {projectId && stream.data !== undefined && (
        <>
          {s ? (
            <dl class="facts">
              <dt>Destination</dt>
              <dd class="mono">{s.DestinationStreamArn}</dd>
              <dt>Role</dt>
              <dd class="mono">{s.RoleArn}</dd>
              <dt>Last modified</dt>
              <dd>{formatDate(s.LastModifiedDate)}</dd>
            </dl>
          ) : (
            <p class="muted">This project has no event stream: its events are kept on the server only.</p>
          )}
          <form class="form" onSubmit={save} aria-label="Event stream settings">
            <Field
              label="Destination stream ARN"
              value={form.DestinationStreamArn}
              onInput={(v) => setForm({ ...form, DestinationStreamArn: v })}
              error={errors.DestinationStreamArn}
              hint="A Kinesis data stream (arn:aws:kinesis:region:account:stream/name) or a Firehose delivery stream (arn:aws:firehose:region:account:deliverystream/name)."
            />
            <Field
              label="Role ARN"
              value={form.RoleArn}
              onInput={(v) => setForm({ ...form, RoleArn: v })}
              error={errors.RoleArn}
              hint="The IAM role Pinpoint names for the stream (arn:aws:iam::account:role/name)."
            />
            <div class="actions">
              <button type="submit" disabled={busy}>
                {s ? "Save event stream" : "Create event stream"}
              </button>
              {s && (
                <button type="button" class="danger" disabled={busy} onClick={remove}>
                  Delete event stream
                </button>
              )}
            </div>
          </form>
          <ErrorMessage error={error} />
          {saved && (
            <p class="ok" role="status">
              {saved}
            </p>
          )}
        </>
      )}
    </Page>
  );
}
