/**
 * Recommender model configurations (Pinpoint's /v1/recommenders): list, create, edit, delete. The
 * API's validation message is shown beside the field it names (pinrec's messages, like AWS's,
 * start with the member's name).
 */
import { useEffect, useState } from "preact/hooks";
import {
  CreateRecommenderConfigurationCommand,
  DeleteRecommenderConfigurationCommand,
  GetRecommenderConfigurationCommand,
  GetRecommenderConfigurationsCommand,
  UpdateRecommenderConfigurationCommand,
  type RecommenderConfigurationResponse,
} from "@aws-sdk/client-pinpoint";
import { describeError } from "../aws";
import type { PageProps } from "../pages";
import { href, navigate } from "../router";
import { useLoad } from "../use-load";
import { ErrorMessage, Field, Loading, Page, Select, Table, formatDate } from "../components/ui";

export async function listRecommenders(clients: PageProps["clients"]): Promise<RecommenderConfigurationResponse[]> {
  const out: RecommenderConfigurationResponse[] = [];
  let token: string | undefined;
  do {
    const page = await clients.pinpoint.send(new GetRecommenderConfigurationsCommand({ PageSize: "100", Token: token }));
    out.push(...(page.ListRecommenderConfigurationsResponse?.Item ?? []));
    token = page.ListRecommenderConfigurationsResponse?.NextToken;
  } while (token);
  return out;
}

export function RecommendersPage(props: PageProps) {
  const [id] = props.route;
  if (id === "new") return <RecommenderForm {...props} />;
  if (id) return <RecommenderForm {...props} id={id} />;
  return <RecommenderList {...props} />;
}

function RecommenderList({ clients }: PageProps) {
  const list = useLoad(() => listRecommenders(clients), [clients]);
  const [error, setError] = useState<string>();
  const remove = async (r: RecommenderConfigurationResponse) => {
    if (
      !window.confirm(
        `Delete the recommender model configuration "${r.Name ?? r.Id}"? Templates that name it stop getting recommendations.`,
      )
    )
      return;
    try {
      await clients.pinpoint.send(new DeleteRecommenderConfigurationCommand({ RecommenderId: r.Id! }));
      list.reload();
    } catch (err) {
      setError(describeError(err));
    }
  };
  return (
    <Page
      title="Recommender models"
      actions={
        <a class="button" href={href("recommenders", "new")}>
          Create recommender
        </a>
      }
    >
      <ErrorMessage error={list.error ?? error} />
      <Loading when={list.loading && !list.data} />
      {list.data && (
        <Table
          caption="Recommender model configurations"
          head={["Name", "Recommender model", "ID type", "Per message", "Last modified", "Actions"]}
          empty={list.data.length === 0 && "No recommender model configurations yet."}
        >
          {list.data.map((r) => (
            <tr key={r.Id}>
              <td>
                <a href={href("recommenders", r.Id!)}>{r.Name || r.Id}</a>
                <div class="muted small">{r.Id}</div>
              </td>
              <td class="mono">{r.RecommendationProviderUri}</td>
              <td>{r.RecommendationProviderIdType === "PINPOINT_USER_ID" ? "User ID" : "Endpoint ID"}</td>
              <td>{r.RecommendationsPerMessage}</td>
              <td>{formatDate(r.LastModifiedDate)}</td>
              <td>
                <button type="button" class="danger" onClick={() => remove(r)} aria-label={`Delete ${r.Name || r.Id}`}>
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </Table>
      )}
    </Page>
  );
}

const MEMBERS = [
  "Name",
  "Description",
  "RecommendationProviderUri",
  "RecommendationProviderRoleArn",
  "RecommendationProviderIdType",
  "RecommendationsPerMessage",
  "RecommendationsDisplayName",
  "RecommendationTransformerUri",
  "Attributes",
] as const;
type Member = (typeof MEMBERS)[number];

/** The member a validation message is about: the one it starts with (longest name first), or "Attribute …" for Attributes. */
export function memberOf(message: string): Member | undefined {
  const byLength = [...MEMBERS].sort((a, b) => b.length - a.length);
  const named = byLength.find((m) => message.startsWith(m));
  if (named) return named;
  if (/^Attribute\b/.test(message)) return "Attributes";
  return byLength.find((m) => new RegExp(`\\b${m}\\b`).test(message));
}

interface AttributeRow {
  name: string;
  display: string;
}

interface FormState {
  Name: string;
  Description: string;
  RecommendationProviderUri: string;
  RecommendationProviderRoleArn: string;
  RecommendationProviderIdType: string;
  RecommendationsPerMessage: string;
  RecommendationsDisplayName: string;
  RecommendationTransformerUri: string;
  attributes: AttributeRow[];
}

const EMPTY: FormState = {
  Name: "",
  Description: "",
  RecommendationProviderUri: "",
  RecommendationProviderRoleArn: "",
  RecommendationProviderIdType: "PINPOINT_ENDPOINT_ID",
  RecommendationsPerMessage: "5",
  RecommendationsDisplayName: "",
  RecommendationTransformerUri: "",
  attributes: [],
};

function stateOf(r: RecommenderConfigurationResponse): FormState {
  return {
    Name: r.Name ?? "",
    Description: r.Description ?? "",
    RecommendationProviderUri: r.RecommendationProviderUri ?? "",
    RecommendationProviderRoleArn: r.RecommendationProviderRoleArn ?? "",
    RecommendationProviderIdType: r.RecommendationProviderIdType ?? "PINPOINT_ENDPOINT_ID",
    RecommendationsPerMessage: String(r.RecommendationsPerMessage ?? 5),
    RecommendationsDisplayName: r.RecommendationsDisplayName ?? "",
    RecommendationTransformerUri: r.RecommendationTransformerUri ?? "",
    attributes: Object.entries(r.Attributes ?? {}).map(([name, display]) => ({ name, display })),
  };
}

/** The request: empty optional fields left out, so the API applies its defaults and rules. */
function requestOf(s: FormState) {
  const opt = (v: string) => (v.trim() === "" ? undefined : v.trim());
  const perMessage = s.RecommendationsPerMessage.trim();
  return {
    Name: opt(s.Name),
    Description: opt(s.Description),
    RecommendationProviderUri: s.RecommendationProviderUri.trim(),
    RecommendationProviderRoleArn: s.RecommendationProviderRoleArn.trim(),
    RecommendationProviderIdType: s.RecommendationProviderIdType,
    RecommendationsPerMessage: perMessage === "" ? undefined : Number(perMessage),
    RecommendationsDisplayName: opt(s.RecommendationsDisplayName),
    RecommendationTransformerUri: opt(s.RecommendationTransformerUri),
    Attributes: s.attributes.length ? Object.fromEntries(s.attributes.map((a) => [a.name.trim(), a.display.trim()])) : undefined,
  };
}

function RecommenderForm({ clients, id }: PageProps & { id?: string }) {
  const [state, setState] = useState<FormState>(EMPTY);
  const [errors, setErrors] = useState<Partial<Record<Member, string>>>({});
  const [error, setError] = useState<string>();
  const [saved, setSaved] = useState<string>();
  const [busy, setBusy] = useState(false);
  const existing = useLoad(
    async () =>
      id
        ? (await clients.pinpoint.send(new GetRecommenderConfigurationCommand({ RecommenderId: id }))).RecommenderConfigurationResponse
        : undefined,
    [clients, id],
  );
  useEffect(() => {
    if (existing.data) setState(stateOf(existing.data));
  }, [existing.data]);

  const set = (k: keyof FormState) => (v: string) => setState((s) => ({ ...s, [k]: v }));
  const setAttr = (i: number, patch: Partial<AttributeRow>) =>
    setState((s) => ({ ...s, attributes: s.attributes.map((a, j) => (j === i ? { ...a, ...patch } : a)) }));

  const submit = async (e: Event) => {
    e.preventDefault();
    setErrors({});
    setError(undefined);
    setSaved(undefined);
    setBusy(true);
    try {
      const req = requestOf(state);
      if (id) {
        const res = await clients.pinpoint.send(
          new UpdateRecommenderConfigurationCommand({ RecommenderId: id, UpdateRecommenderConfiguration: req }),
        );
        setState(stateOf(res.RecommenderConfigurationResponse!));
        setSaved("Saved.");
      } else {
        const res = await clients.pinpoint.send(new CreateRecommenderConfigurationCommand({ CreateRecommenderConfiguration: req }));
        navigate("recommenders", res.RecommenderConfigurationResponse!.Id!);
      }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const member = err instanceof Error && err.name === "BadRequestException" ? memberOf(message) : undefined;
      if (member) setErrors({ [member]: message });
      else setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  const title = id ? `Recommender: ${existing.data?.Name || id}` : "Create recommender";
  return (
    <Page title={title}>
      <p>
        <a href={href("recommenders")}>← All recommender models</a>
      </p>
      <ErrorMessage error={existing.error} />
      {existing.loading && id ? (
        <Loading when />
      ) : (
        <form class="form" onSubmit={submit} noValidate>
          <Field label="Name" value={state.Name} onInput={set("Name")} error={errors.Name} />
          <Field label="Description" value={state.Description} onInput={set("Description")} error={errors.Description} />
          <Field
            label="Recommender model (Personalize campaign ARN)"
            value={state.RecommendationProviderUri}
            onInput={set("RecommendationProviderUri")}
            error={errors.RecommendationProviderUri}
            placeholder="arn:aws:personalize:us-east-1:111122223333:campaign/movies"
          />
          <Field
            label="IAM role ARN"
            value={state.RecommendationProviderRoleArn}
            onInput={set("RecommendationProviderRoleArn")}
            error={errors.RecommendationProviderRoleArn}
            placeholder="arn:aws:iam::111122223333:role/PinpointRoleforPersonalize"
          />
          <Select
            label="Recommendations are keyed by"
            value={state.RecommendationProviderIdType}
            onChange={set("RecommendationProviderIdType")}
            error={errors.RecommendationProviderIdType}
            options={[
              { value: "PINPOINT_ENDPOINT_ID", label: "Endpoint ID" },
              { value: "PINPOINT_USER_ID", label: "User ID" },
            ]}
          />
          <Field
            label="Recommendations per message"
            type="number"
            value={state.RecommendationsPerMessage}
            onInput={set("RecommendationsPerMessage")}
            error={errors.RecommendationsPerMessage}
            hint="1 to 5"
          />
          <Field
            label="Display name of the recommended items"
            value={state.RecommendationsDisplayName}
            onInput={set("RecommendationsDisplayName")}
            error={errors.RecommendationsDisplayName}
            hint="Shown in the attribute finder; required without a transformer"
          />
          <Field
            label="Transformer function (Lambda name or ARN)"
            value={state.RecommendationTransformerUri}
            onInput={set("RecommendationTransformerUri")}
            error={errors.RecommendationTransformerUri}
            hint="Optional: adds attributes to each recommended item"
          />
          <fieldset class={errors.Attributes ? "invalid" : ""} aria-describedby={errors.Attributes ? "attributes-error" : undefined}>
            <legend>Recommended attributes (set by the transformer)</legend>
            {state.attributes.map((a, i) => (
              <div class="row" key={i}>
                <Field
                  label={`Attribute ${i + 1} name`}
                  value={a.name}
                  onInput={(v) => setAttr(i, { name: v })}
                  placeholder="Recommendations.Title"
                />
                <Field
                  label={`Attribute ${i + 1} display name`}
                  value={a.display}
                  onInput={(v) => setAttr(i, { display: v })}
                  placeholder="Title"
                />
                <button
                  type="button"
                  class="secondary"
                  onClick={() => setState((s) => ({ ...s, attributes: s.attributes.filter((_, j) => j !== i) }))}
                  aria-label={`Remove attribute ${i + 1}`}
                >
                  Remove
                </button>
              </div>
            ))}
            <button
              type="button"
              class="secondary"
              onClick={() => setState((s) => ({ ...s, attributes: [...s.attributes, { name: "", display: "" }] }))}
            >
              Add attribute
            </button>
            {errors.Attributes && (
              <span class="field-error" id="attributes-error">
                {errors.Attributes}
              </span>
            )}
          </fieldset>
          <ErrorMessage error={error} />
          {saved && (
            <p class="ok" role="status">
              {saved}
            </p>
          )}
          <div class="actions">
            <button type="submit" disabled={busy}>
              {id ? "Save changes" : "Create recommender"}
            </button>
          </div>
        </form>
      )}
    </Page>
  );
}
