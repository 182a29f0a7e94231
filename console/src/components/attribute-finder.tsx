/**
 * The attribute finder: the message variables a template can use, each inserted at the cursor of
 * the part last edited. Recommended attributes come from the template's recommender model:
 * `RecommendationItems` under its display name (`RecommendationsDisplayName`) and each
 * `Recommendations.<name>` the transformer adds, under the display name its `Attributes` map gives
 * it, as the Pinpoint console's attribute finder showed them. Each offers one variable per item
 * (`{{RecommendationItems.[0]}}` …) and a loop over all of them. Endpoint attributes are Pinpoint's
 * standard ones; custom ones are those of the recipient last previewed.
 */
import type { EndpointResponse, RecommenderConfigurationResponse } from "@aws-sdk/client-pinpoint";
import type { InsertTarget } from "./code-editor";

const STANDARD = [
  "Address",
  "ChannelType",
  "EndpointStatus",
  "OptOut",
  "EffectiveDate",
  "Demographic.AppVersion",
  "Demographic.Locale",
  "Demographic.Make",
  "Demographic.Model",
  "Demographic.Platform",
  "Demographic.Timezone",
  "Location.City",
  "Location.Country",
  "Location.PostalCode",
  "Location.Region",
  "User.UserId",
];

export interface RecommendedAttribute {
  variable: string;
  displayName: string;
}

/** `RecommendationItems` and each transformer attribute, with their display names. */
export function recommendedAttributes(r: RecommenderConfigurationResponse): RecommendedAttribute[] {
  const out: RecommendedAttribute[] = [
    { variable: "RecommendationItems", displayName: r.RecommendationsDisplayName || "Recommended items" },
  ];
  for (const [key, displayName] of Object.entries(r.Attributes ?? {})) {
    out.push({ variable: key.startsWith("Recommendations.") ? key : `Recommendations.${key}`, displayName });
  }
  return out;
}

/** The custom attribute variables of endpoints: `Attributes.X`, `User.UserAttributes.X`, `Metrics.X`. */
export function customAttributes(endpoints: EndpointResponse[]): string[] {
  const names = new Set<string>();
  for (const e of endpoints) {
    for (const k of Object.keys(e.Attributes ?? {})) names.add(`Attributes.${k}`);
    for (const k of Object.keys(e.User?.UserAttributes ?? {})) names.add(`User.UserAttributes.${k}`);
    for (const k of Object.keys(e.Metrics ?? {})) names.add(`Metrics.${k}`);
  }
  return [...names].sort();
}

const each = (variable: string) => `{{#each ${variable}}}{{this}}{{#unless @last}}, {{/unless}}{{/each}}`;

interface Props {
  target?: InsertTarget;
  recommender?: RecommenderConfigurationResponse;
  custom: string[];
  customFrom?: string;
}

export function AttributeFinder({ target, recommender, custom, customFrom }: Props) {
  const insert = (text: string) => target?.insert(text);
  const perMessage = recommender?.RecommendationsPerMessage ?? 1;
  return (
    <aside class="panel finder" aria-labelledby="finder-title">
      <h2 id="finder-title">Attribute finder</h2>
      <p class="muted small" aria-live="polite">
        {target ? `Inserts at the cursor in: ${target.label}` : "Click into a part of the message, then choose an attribute."}
      </p>
      <h3>Recommended attributes</h3>
      {recommender ? (
        <ul class="attrs">
          {recommendedAttributes(recommender).map((a) => (
            <li key={a.variable}>
              <span class="attr-name">{a.displayName}</span>
              <code class="small">{a.variable}</code>
              {/* biome-ignore lint/a11y/useSemanticElements: a group of buttons, which fieldset would give a legend it does not need */}
              <span class="attr-buttons" role="group" aria-label={`Insert ${a.displayName}`}>
                {Array.from({ length: perMessage }, (_, i) => (
                  <button
                    type="button"
                    class="chip"
                    disabled={!target}
                    onClick={() => insert(`{{${a.variable}.[${i}]}}`)}
                    aria-label={`Insert ${a.displayName} ${i + 1}`}
                    key={i}
                  >
                    {i + 1}
                  </button>
                ))}
                <button
                  type="button"
                  class="chip"
                  disabled={!target}
                  onClick={() => insert(each(a.variable))}
                  aria-label={`Insert all ${a.displayName}`}
                >
                  All
                </button>
              </span>
            </li>
          ))}
        </ul>
      ) : (
        <p class="muted small">Choose a recommender model for the template to list its attributes.</p>
      )}
      <h3>Endpoint attributes</h3>
      <ul class="attrs">
        {STANDARD.map((v) => (
          <li key={v}>
            <button type="button" class="link" disabled={!target} onClick={() => insert(`{{${v}}}`)} aria-label={`Insert ${v}`}>
              {v}
            </button>
          </li>
        ))}
      </ul>
      <h3>Custom attributes</h3>
      {custom.length ? (
        <>
          <p class="muted small">Of {customFrom}</p>
          <ul class="attrs">
            {custom.map((v) => (
              <li key={v}>
                <button type="button" class="link" disabled={!target} onClick={() => insert(`{{${v}}}`)} aria-label={`Insert ${v}`}>
                  {v}
                </button>
              </li>
            ))}
          </ul>
        </>
      ) : (
        <p class="muted small">Preview for an endpoint or user to list their custom attributes.</p>
      )}
    </aside>
  );
}
