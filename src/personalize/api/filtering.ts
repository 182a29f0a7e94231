/**
 * Applies a filter plan (control/filters.ts) to a campaign's model: the items that fail it, as the
 * engine's `exclude` list, so they never enter the top-k heap and `numResults` items come back
 * whenever that many pass. Each model keeps the lists of its recent filter bindings, since a
 * catalogue changes only with a new model.
 */
import type { Model } from "../../engine/index.js";
import type { Tenant } from "../../store/types.js";
import { bindParams, type FilterPlan, passes } from "../control/filters.js";

export type FilterResolver = (tenant: Tenant, filterArn: string) => Promise<FilterPlan>;

const MAX_CACHED_PER_MODEL = 64;
const cache = new WeakMap<Model, Map<string, Set<string>>>();

/** Ids of the model's items the filter keeps out, for these filterValues. */
export function excludedItems(
  model: Model,
  filterArn: string,
  plan: FilterPlan,
  filterValues: Record<string, string> | undefined,
): Set<string> {
  const params = bindParams(plan, filterValues);
  const key = `${filterArn}\u0000${JSON.stringify([...params])}`;
  let perModel = cache.get(model);
  if (!perModel) cache.set(model, (perModel = new Map()));
  const hit = perModel.get(key);
  if (hit) return hit;
  const out = new Set<string>();
  for (const id of model.data.itemIds) if (!passes(plan, model.itemMetadata(id) ?? {}, params)) out.add(id);
  const oldest = perModel.keys().next();
  if (perModel.size >= MAX_CACHED_PER_MODEL && !oldest.done) perModel.delete(oldest.value);
  perModel.set(key, out);
  return out;
}
