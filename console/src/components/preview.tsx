/**
 * Live preview through pinrec's preview API (`POST /_pinrec/apps/{app}/messages/preview`): the
 * message a recipient would get, with that recipient's own recommendations, rendered by the
 * server's pipeline without sending anything. HTML is shown in a sandboxed frame.
 */
import { useState } from "preact/hooks";
import { GetEndpointCommand, GetUserEndpointsCommand, type EndpointResponse } from "@aws-sdk/client-pinpoint";
import { describeError, type Clients } from "../aws";
import { ErrorMessage, Field, Select } from "./ui";
import { MessageFrame } from "./message-frame";

interface PreviewEndpoint {
  EndpointId: string;
  Address?: string;
  ChannelType?: string;
  TemplateVersion?: string;
  RecommendationItems?: string[];
  Recommendations?: Record<string, unknown>;
  Message?: {
    email?: { subject?: string; html?: string; text?: string };
    sms?: { body: string };
    push?: { title?: string; body?: string };
  };
  Status?: { DeliveryStatus?: string; StatusCode?: number; StatusMessage?: string };
}

interface Props {
  clients: Clients;
  projectId?: string;
  templateName: string;
  version?: string;
  unsaved: boolean;
  /** The recipient's endpoints, for the attribute finder's custom attributes. */
  onRecipient(endpoints: EndpointResponse[], label: string): void;
}

export function Preview({ clients, projectId, templateName, version, unsaved, onRecipient }: Props) {
  const [kind, setKind] = useState<"EndpointId" | "UserId">("EndpointId");
  const [id, setId] = useState("");
  const [result, setResult] = useState<PreviewEndpoint[]>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const label = kind === "EndpointId" ? "Endpoint ID" : "User ID";

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!projectId) return;
    setBusy(true);
    setError(undefined);
    try {
      const res = await clients.pinrec<{ Endpoints: PreviewEndpoint[] }>(
        "POST",
        `/_pinrec/apps/${encodeURIComponent(projectId)}/messages/preview`,
        {
          body: { TemplateName: templateName, Version: version, [kind]: id.trim() },
        },
      );
      setResult(res.Endpoints);
      const endpoints =
        kind === "EndpointId"
          ? [(await clients.pinpoint.send(new GetEndpointCommand({ ApplicationId: projectId, EndpointId: id.trim() }))).EndpointResponse!]
          : ((await clients.pinpoint.send(new GetUserEndpointsCommand({ ApplicationId: projectId, UserId: id.trim() }))).EndpointsResponse
              ?.Item ?? []);
      onRecipient(endpoints, `${label.toLowerCase()} ${id.trim()}`);
    } catch (err) {
      setResult(undefined);
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="panel" aria-labelledby="preview-title">
      <h2 id="preview-title">Preview</h2>
      {!projectId && <p class="muted">Choose a project in the header to preview for its endpoints.</p>}
      {unsaved && <p class="hint">The preview renders the saved version{version ? ` (${version})` : ""}; save to preview your changes.</p>}
      <form onSubmit={submit} class="row">
        <Select
          label="Preview for"
          value={kind}
          onChange={(v) => setKind(v as typeof kind)}
          options={[
            { value: "EndpointId", label: "An endpoint" },
            { value: "UserId", label: "A user (every endpoint)" },
          ]}
        />
        <Field label={label} value={id} onInput={setId} required />
        <button type="submit" disabled={busy || !projectId || !id.trim()}>
          Preview
        </button>
      </form>
      <ErrorMessage error={error} />
      {result?.map((ep) => (
        <article class="preview" key={ep.EndpointId} aria-label={`Preview for endpoint ${ep.EndpointId}`}>
          <h3>
            Endpoint {ep.EndpointId}{" "}
            <span class="muted small">
              {[ep.ChannelType, ep.Address, ep.TemplateVersion && `version ${ep.TemplateVersion}`].filter(Boolean).join(" · ")}
            </span>
          </h3>
          {ep.RecommendationItems && ep.RecommendationItems.length > 0 && (
            <div>
              <span class="label">Recommended items</span>
              <ol class="items" aria-label="Recommended items">
                {ep.RecommendationItems.map((item, i) => (
                  <li key={i}>{item}</li>
                ))}
              </ol>
            </div>
          )}
          {ep.Status && (
            <p class="error" role="status">
              Not sent: {ep.Status.DeliveryStatus} {ep.Status.StatusCode} {ep.Status.StatusMessage}
            </p>
          )}
          {ep.Message && <RenderedMessage message={ep.Message} />}
        </article>
      ))}
    </section>
  );
}

export function RenderedMessage({ message }: { message: NonNullable<PreviewEndpoint["Message"]> }) {
  return (
    <div class="rendered">
      {message.email && (
        <>
          <dl>
            <dt>Subject</dt>
            <dd data-testid="subject">{message.email.subject}</dd>
          </dl>
          {message.email.html !== undefined && <MessageFrame html={message.email.html} title="HTML part" />}
          {message.email.text !== undefined && (
            <>
              <span class="label">Text part</span>
              <pre class="text-part">{message.email.text}</pre>
            </>
          )}
        </>
      )}
      {message.sms && (
        <>
          <span class="label">SMS body</span>
          <pre class="text-part">{message.sms.body}</pre>
        </>
      )}
      {message.push && (
        <dl>
          <dt>Title</dt>
          <dd>{message.push.title}</dd>
          <dt>Body</dt>
          <dd>{message.push.body}</dd>
        </dl>
      )}
    </div>
  );
}
