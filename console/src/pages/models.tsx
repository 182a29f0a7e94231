/**
 * Models: what a Personalize campaign recommends, through Personalize's runtime API
 * (GetRecommendations), exactly as Pinpoint asks it for a message. A user explorer (a user id's
 * recommendations with scores and item metadata) and an item explorer (an item's similar items).
 * The campaigns offered are the ones recommender configurations name; any ARN can be typed.
 */
import { useId, useState } from "preact/hooks";
import type { PredictedItem } from "@aws-sdk/client-personalize-runtime";
import { describeError } from "../aws";
import type { PageProps } from "../pages";
import { useLoad } from "../use-load";
import { ErrorMessage, Field, Page, Table } from "../components/ui";
import { listRecommenders } from "./recommenders";

interface Answer {
  items: PredictedItem[];
  recommendationId?: string;
  columns: string[];
}

export function ModelsPage({ clients }: PageProps) {
  const recommenders = useLoad(() => listRecommenders(clients), [clients]);
  const arns = [...new Set((recommenders.data ?? []).map((r) => r.RecommendationProviderUri!).filter(Boolean))];
  const [campaignArn, setCampaignArn] = useState("");
  const arn = campaignArn || arns[0] || "";
  const listId = useId();
  const [itemId, setItemId] = useState("");

  const ask = async (input: { userId?: string; itemId?: string }, numResults: string, columns: string): Promise<Answer> => {
    const { GetRecommendationsCommand } = await import("@aws-sdk/client-personalize-runtime");
    const cols = columns
      .split(",")
      .map((c) => c.trim())
      .filter(Boolean);
    const res = await (await clients.personalize()).send(
      new GetRecommendationsCommand({
        campaignArn: arn,
        ...input,
        numResults: Number(numResults) || undefined,
        ...(cols.length && { metadataColumns: { ITEMS: cols } }),
      }),
    );
    return { items: res.itemList ?? [], recommendationId: res.recommendationId, columns: cols };
  };

  return (
    <Page title="Models: Personalize campaigns">
      <ErrorMessage error={recommenders.error} />
      <div class="field">
        <label for={`${listId}-arn`}>Campaign ARN</label>
        <input
          id={`${listId}-arn`}
          list={listId}
          value={arn}
          onInput={(e) => setCampaignArn((e.target as HTMLInputElement).value)}
          class="mono"
          aria-describedby={`${listId}-hint`}
        />
        <datalist id={listId}>
          {arns.map((a) => (
            <option key={a} value={a} />
          ))}
        </datalist>
        <span class="hint" id={`${listId}-hint`}>
          Campaigns your recommender models use are suggested. Recipe, training and offline metrics will show here when the server serves
          Personalize's control plane.
        </span>
      </div>
      <div class="columns">
        <Explorer
          title="User explorer"
          idLabel="User ID"
          button="Get recommendations"
          caption={(id) => `Recommendations for user ${id}`}
          ask={(id, n, cols) => ask({ userId: id }, n, cols)}
          onItem={setItemId}
          disabled={!arn}
        />
        <Explorer
          title="Similar items"
          idLabel="Item ID"
          button="Find similar items"
          caption={(id) => `Items similar to ${id}`}
          ask={(id, n, cols) => ask({ itemId: id }, n, cols)}
          onItem={setItemId}
          value={itemId}
          onValue={setItemId}
          disabled={!arn}
        />
      </div>
    </Page>
  );
}

interface ExplorerProps {
  title: string;
  idLabel: string;
  button: string;
  caption(id: string): string;
  ask(id: string, numResults: string, columns: string): Promise<Answer>;
  onItem(itemId: string): void;
  value?: string;
  onValue?(v: string): void;
  disabled: boolean;
}

function Explorer({ title, idLabel, button, caption, ask, onItem, value, onValue, disabled }: ExplorerProps) {
  const [own, setOwn] = useState("");
  const id = value ?? own;
  const setId = onValue ?? setOwn;
  const [numResults, setNumResults] = useState("10");
  const [columns, setColumns] = useState("");
  const [answer, setAnswer] = useState<{ id: string; answer: Answer }>();
  const [error, setError] = useState<string>();
  const headingId = useId();
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    try {
      setAnswer({ id, answer: await ask(id.trim(), numResults, columns) });
    } catch (err) {
      setAnswer(undefined);
      setError(describeError(err));
    }
  };
  return (
    <section class="panel" aria-labelledby={headingId}>
      <h2 id={headingId}>{title}</h2>
      <form onSubmit={submit}>
        <Field label={idLabel} value={id} onInput={setId} required />
        <div class="row">
          <Field label="Number of results" type="number" value={numResults} onInput={setNumResults} />
          <Field
            label="Item metadata columns"
            value={columns}
            onInput={setColumns}
            placeholder="TITLE, GENRE"
            hint="Comma-separated columns of the items data set"
          />
        </div>
        <button type="submit" disabled={disabled || !id.trim()}>
          {button}
        </button>
      </form>
      <ErrorMessage error={error} />
      {answer && (
        <Table
          caption={caption(answer.id)}
          head={["#", "Item", "Score", ...answer.answer.columns]}
          empty={answer.answer.items.length === 0 && "No items."}
        >
          {answer.answer.items.map((item, i) => (
            <tr key={item.itemId}>
              <td>{i + 1}</td>
              <td>
                <button
                  type="button"
                  class="link"
                  onClick={() => onItem(item.itemId!)}
                  title="Show similar items"
                  aria-label={`${item.itemId}: show similar items`}
                >
                  {item.itemId}
                </button>
              </td>
              <td class="num">{item.score ?? ""}</td>
              {answer.answer.columns.map((c) => (
                <td key={c}>{item.metadata?.[c] ?? ""}</td>
              ))}
            </tr>
          ))}
        </Table>
      )}
      {answer?.answer.recommendationId && <p class="muted small">Recommendation ID {answer.answer.recommendationId}</p>}
    </section>
  );
}
