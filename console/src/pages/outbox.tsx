/**
 * The outbox (pinrec's `GET /_pinrec/outbox`): every message this account sent, filtered by
 * project, channel, address and status, and a message in full, its HTML in a sandboxed frame.
 */
import { useState } from "preact/hooks";
import type { PageProps } from "../pages";
import { href } from "../router";
import { useLoad } from "../use-load";
import { ErrorMessage, Field, Loading, Page, Select, Table, formatDate } from "../components/ui";
import { MessageFrame } from "../components/message-frame";

interface Summary {
  MessageId: string;
  ApplicationId: string;
  ChannelType: string;
  Address: string;
  EndpointId?: string;
  UserId?: string;
  RequestId: string;
  Status: string;
  Attempts: number;
  CreationDate: string;
  SentDate?: string;
  LastError?: string;
  Subject?: string;
}

interface Detail extends Summary {
  EmailMessage?: { FromAddress?: string; Subject?: string; HtmlPart?: string; TextPart?: string; RawEmail?: string };
  SMSMessage?: { Body: string; OriginationNumber?: string; SenderId?: string };
  PushMessage?: { Title?: string; Body?: string; Action?: string; Url?: string; RawContent?: string };
}

const CHANNELS = ["", "EMAIL", "SMS", "PUSH"];
const STATUSES = ["", "STORED", "QUEUED", "SENDING", "SENT", "FAILED"];

export function OutboxPage(props: PageProps) {
  const [id] = props.route;
  return id ? <MessageView {...props} id={id} /> : <MessageList {...props} />;
}

function MessageList({ clients, projectId }: PageProps) {
  const [filters, setFilters] = useState({ onlyProject: true, channel: "", address: "", status: "" });
  const [applied, setApplied] = useState(filters);
  const [token, setToken] = useState<string>();
  const list = useLoad(
    () =>
      clients.pinrec<{ Messages: Summary[]; NextToken?: string }>("GET", "/_pinrec/outbox", {
        query: {
          "application-id": applied.onlyProject ? projectId : undefined,
          channel: applied.channel,
          address: applied.address.trim(),
          status: applied.status,
          "page-size": "50",
          token,
        },
      }),
    [clients, projectId, applied, token],
  );
  const apply = (e: Event) => {
    e.preventDefault();
    setToken(undefined);
    setApplied(filters);
  };
  return (
    <Page title="Outbox">
      <form class="filters row" onSubmit={apply} aria-label="Filter messages">
        <div class="field checkbox">
          <input
            id="only-project"
            type="checkbox"
            checked={filters.onlyProject}
            onChange={(e) => setFilters({ ...filters, onlyProject: (e.target as HTMLInputElement).checked })}
          />
          <label for="only-project">This project only</label>
        </div>
        <Select
          label="Channel"
          value={filters.channel}
          onChange={(channel) => setFilters({ ...filters, channel })}
          options={CHANNELS.map((c) => ({ value: c, label: c || "Any" }))}
        />
        <Field label="Address" value={filters.address} onInput={(address) => setFilters({ ...filters, address })} />
        <Select
          label="Status"
          value={filters.status}
          onChange={(status) => setFilters({ ...filters, status })}
          options={STATUSES.map((s) => ({ value: s, label: s || "Any" }))}
        />
        <button type="submit">Apply filters</button>
      </form>
      <ErrorMessage error={list.error} />
      <Loading when={list.loading && !list.data} />
      {list.data && (
        <Table
          caption="Messages"
          head={["Created", "Channel", "Address", "Subject", "Status", "Endpoint", "Message"]}
          empty={list.data.Messages.length === 0 && "No messages match."}
        >
          {list.data.Messages.map((m) => (
            <tr key={m.MessageId}>
              <td>{formatDate(m.CreationDate)}</td>
              <td>{m.ChannelType}</td>
              <td>{m.Address}</td>
              <td>{m.Subject}</td>
              <td>
                {m.Status}
                {m.LastError && <div class="error small">{m.LastError}</div>}
              </td>
              <td class="mono small">{m.EndpointId}</td>
              <td>
                <a href={href("outbox", m.MessageId)} aria-label={`Open message ${m.MessageId}`}>
                  Open
                </a>
              </td>
            </tr>
          ))}
        </Table>
      )}
      <div class="actions">
        {token && (
          <button type="button" class="secondary" onClick={() => setToken(undefined)}>
            First page
          </button>
        )}
        {list.data?.NextToken && (
          <button type="button" class="secondary" onClick={() => setToken(list.data!.NextToken)}>
            Next page
          </button>
        )}
      </div>
    </Page>
  );
}

function MessageView({ clients, id }: PageProps & { id: string }) {
  const msg = useLoad(() => clients.pinrec<Detail>("GET", `/_pinrec/outbox/${encodeURIComponent(id)}`), [clients, id]);
  const m = msg.data;
  return (
    <Page title={`Message ${id}`}>
      <p>
        <a href={href("outbox")}>← Outbox</a>
      </p>
      <ErrorMessage error={msg.error} />
      <Loading when={msg.loading && !m} />
      {m && (
        <>
          <dl class="facts">
            <dt>Status</dt>
            <dd>
              {m.Status} (attempts {m.Attempts}){m.LastError && `: ${m.LastError}`}
            </dd>
            <dt>Channel</dt>
            <dd>{m.ChannelType}</dd>
            <dt>To</dt>
            <dd>{m.Address}</dd>
            <dt>Endpoint</dt>
            <dd class="mono">
              {m.EndpointId}
              {m.UserId && ` (user ${m.UserId})`}
            </dd>
            <dt>Project</dt>
            <dd class="mono">{m.ApplicationId}</dd>
            <dt>Request</dt>
            <dd class="mono">{m.RequestId}</dd>
            <dt>Created</dt>
            <dd>{formatDate(m.CreationDate)}</dd>
            {m.SentDate && (
              <>
                <dt>Sent</dt>
                <dd>{formatDate(m.SentDate)}</dd>
              </>
            )}
          </dl>
          {m.EmailMessage && (
            <section class="panel" aria-label="Email">
              <dl class="facts">
                <dt>From</dt>
                <dd>{m.EmailMessage.FromAddress}</dd>
                <dt>Subject</dt>
                <dd data-testid="subject">{m.EmailMessage.Subject}</dd>
              </dl>
              {m.EmailMessage.HtmlPart !== undefined && <MessageFrame html={m.EmailMessage.HtmlPart} title="HTML part" />}
              {m.EmailMessage.TextPart !== undefined && (
                <>
                  <span class="label">Text part</span>
                  <pre class="text-part">{m.EmailMessage.TextPart}</pre>
                </>
              )}
              {m.EmailMessage.RawEmail !== undefined && (
                <>
                  <span class="label">Raw email</span>
                  <pre class="text-part">{m.EmailMessage.RawEmail}</pre>
                </>
              )}
            </section>
          )}
          {m.SMSMessage && (
            <section class="panel" aria-label="SMS">
              <span class="label">SMS body</span>
              <pre class="text-part">{m.SMSMessage.Body}</pre>
            </section>
          )}
          {m.PushMessage && (
            <section class="panel" aria-label="Push notification">
              <dl class="facts">
                <dt>Title</dt>
                <dd>{m.PushMessage.Title}</dd>
                <dt>Body</dt>
                <dd>{m.PushMessage.Body}</dd>
              </dl>
              {m.PushMessage.RawContent && <pre class="text-part">{m.PushMessage.RawContent}</pre>}
            </section>
          )}
        </>
      )}
    </Page>
  );
}
