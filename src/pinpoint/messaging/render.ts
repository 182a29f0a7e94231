/**
 * The render stage: each recipient's message from its channel's content over its context, the
 * endpoint's definition plus `RecommendationItems` and `Recommendations`, then Substitutions
 * (message-level, then the recipient's), then the template's DefaultSubstitutions. A message that
 * fails to render fails its recipient alone with `PERMANENT_FAILURE` (500); one that renders past its
 * channel's size limit (message-size.ts) with `PERMANENT_FAILURE` (400).
 */
import { decide, describeError, failure, type Recommended, type Rendered, type Stage } from "./recipient.js";
import { messageSizeProblem } from "./message-size.js";
import { applyDefaults, applySubstitutions } from "./variables.js";

function context(r: Recommended): Record<string, unknown> {
  let ctx: Record<string, unknown> = { ...(r.endpoint as Record<string, unknown>) };
  if (r.recommendationItems) ctx.RecommendationItems = r.recommendationItems;
  if (r.recommendations) ctx.Recommendations = r.recommendations;
  ctx = applySubstitutions(ctx, [...r.content.messageSubstitutions(r.platform), r.config.Substitutions]);
  const defaults = r.content.template?.defaults;
  return defaults && defaults.length > 0 ? applyDefaults(ctx, defaults) : ctx;
}

export function render(recipients: Stage<Recommended>): Stage<Rendered> {
  return recipients.map((r) => {
    if (r.state === "decided") return r;
    try {
      const rendered = r.content.renderFor(context(r), r.config, r.platform);
      const tooLarge = messageSizeProblem(r.content.channel, rendered, r.platform);
      if (tooLarge) return decide(r, failure("PERMANENT_FAILURE", 400, `The message is too large to send: ${tooLarge}`));
      return { ...r, rendered };
    } catch (err) {
      return decide(r, failure("PERMANENT_FAILURE", 500, `The message could not be rendered: ${describeError(err)}`));
    }
  });
}
