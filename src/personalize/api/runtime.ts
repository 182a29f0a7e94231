/** Amazon Personalize Runtime: GetRecommendations and GetPersonalizedRanking, answered by the embedded engine. */
import { randomUUID } from "node:crypto";
import type {
  GetPersonalizedRankingRequest,
  GetPersonalizedRankingResponse,
  GetRecommendationsRequest,
  GetRecommendationsResponse,
  PredictedItem,
} from "@aws-sdk/client-personalize-runtime";
import type { CampaignRegistry } from "../campaigns/registry.js";
import type { Model, TopK } from "../../engine/index.js";
import { handlersOf } from "../../protocol/handler.js";
import { badRequest } from "../../shared/errors.js";
import { campaignFor } from "./campaigns.js";
import { excludedItems, type FilterResolver } from "./filtering.js";
import { recommendationsText, wireScore } from "./recommendations-text.js";

const DEFAULT_RESULTS = 25;
const MAX_RESULTS = 500;
/** Personalize caps results at 50 when item metadata is returned. */
const MAX_RESULTS_WITH_METADATA = 50;
const ID = /^[\s\S]{1,256}$/;

function checkId(name: string, value: unknown): string {
  if (typeof value !== "string" || !ID.test(value)) throw badRequest(`${name} must be a string of 1 to 256 characters`);
  return value;
}

function refuseUnsupported(input: GetRecommendationsRequest | GetPersonalizedRankingRequest, filters: FilterResolver | undefined): void {
  if (!filters && (input.filterArn !== undefined || input.filterValues !== undefined)) {
    throw badRequest("Filters are not supported by this server: remove filterArn and filterValues");
  }
  if (input.filterArn === undefined && input.filterValues !== undefined) throw badRequest("filterValues needs a filterArn");
  if ("recommenderArn" in input && input.recommenderArn !== undefined) {
    throw badRequest("Personalize domain recommenders are not supported (Pinpoint cannot use them either): pass a campaignArn");
  }
  if ("promotions" in input && input.promotions !== undefined) throw badRequest("Promotions are not supported by pinrec's engine");
}

/** `metadataColumns: {"ITEMS": ["TITLE", …]}` → the columns to return per item. */
function metadataColumns(input: { metadataColumns?: Record<string, string[]> }): string[] | undefined {
  const spec = input.metadataColumns;
  if (!spec) return undefined;
  for (const key of Object.keys(spec)) {
    if (key !== "ITEMS") throw badRequest(`metadataColumns supports the ITEMS dataset only, not '${key}'`);
  }
  const columns = spec.ITEMS ?? [];
  if (columns.length > 10) throw badRequest("metadataColumns.ITEMS names at most 10 columns");
  return columns;
}

function withMetadata(model: Model, itemId: string, columns: string[] | undefined): PredictedItem["metadata"] {
  if (!columns) return undefined;
  const meta = model.itemMetadata(itemId) ?? {};
  const out: Record<string, string> = {};
  for (const c of columns) {
    const v = meta[c] ?? meta[c.toUpperCase()];
    if (v !== undefined) out[c] = v;
  }
  return out;
}

function predicted(model: Model, itemId: string, s: number | null, columns: string[] | undefined): PredictedItem {
  return columns ? { itemId, score: wireScore(s), metadata: withMetadata(model, itemId, columns) } : { itemId, score: wireScore(s) };
}

/** The response's items with their metadata columns, from the engine's top-k buffers. */
function predictedItems(model: Model, top: TopK, columns: string[]): PredictedItem[] {
  const out: PredictedItem[] = new Array(top.count);
  for (let j = 0; j < top.count; j++) out[j] = predicted(model, model.itemId(top.items[j]), top.scores[j], columns);
  return out;
}

export function runtimeHandlers(registry: CampaignRegistry, filters?: FilterResolver) {
  /** The item ids the request's filter keeps out of `model`'s answers, if it names a filter. */
  async function exclusions(
    tenant: Parameters<FilterResolver>[0],
    model: Model,
    input: { filterArn?: string; filterValues?: Record<string, string> },
  ): Promise<Set<string> | undefined> {
    if (input.filterArn === undefined || !filters) return undefined;
    const plan = await filters(tenant, input.filterArn);
    return excludedItems(model, input.filterArn, plan, input.filterValues);
  }

  return handlersOf<{ GetRecommendations: GetRecommendationsRequest; GetPersonalizedRanking: GetPersonalizedRankingRequest }>({
    async GetRecommendations({ tenant, input }) {
      refuseUnsupported(input, filters);
      if (input.campaignArn === undefined) throw badRequest("campaignArn is required");
      const { model } = await campaignFor(registry, tenant, input.campaignArn);
      const excluded = await exclusions(tenant, model, input);
      const columns = metadataColumns(input);
      const max = columns ? MAX_RESULTS_WITH_METADATA : MAX_RESULTS;
      let n = input.numResults ?? DEFAULT_RESULTS;
      if (!Number.isInteger(n) || n < 0 || n > max) throw badRequest(`numResults must be an integer between 0 and ${max}`);
      if (n === 0) n = DEFAULT_RESULTS;
      const recommendationId = `RID-${randomUUID()}`;
      let itemList: PredictedItem[];
      if (input.userId !== undefined) {
        const top = model.recommendTop(checkId("userId", input.userId), n, excluded ? { exclude: [...excluded] } : {});
        // The common case, a user's list without metadata, is written as text from the top-k buffers.
        if (!columns) return { body: recommendationsText(model, top, recommendationId) };
        itemList = predictedItems(model, top, columns);
      } else if (input.itemId !== undefined) {
        const itemId = checkId("itemId", input.itemId);
        if (!model.hasItem(itemId)) throw badRequest(`itemId '${itemId}' is not in the campaign's catalog`);
        // Related items have no exclusion in the kernel: every item is ranked, and the first n that pass are kept.
        const similar = excluded
          ? model
              .similarItems(itemId, model.data.itemIds.length)
              .filter((i) => !excluded.has(i.itemId))
              .slice(0, n)
          : model.similarItems(itemId, n);
        itemList = similar.map((i) => predicted(model, i.itemId, i.score, columns));
      } else throw badRequest("Either userId or itemId is required");
      const body: GetRecommendationsResponse = { itemList, recommendationId };
      return { body };
    },

    async GetPersonalizedRanking({ tenant, input }) {
      refuseUnsupported(input, filters);
      const { model } = await campaignFor(registry, tenant, input.campaignArn);
      const excluded = await exclusions(tenant, model, input);
      const userId = checkId("userId", input.userId);
      const list = input.inputList;
      if (list.length === 0 || list.length > MAX_RESULTS) throw badRequest(`inputList must hold 1 to ${MAX_RESULTS} item ids`);
      for (const id of list) checkId("inputList item", id);
      const columns = metadataColumns(input);
      // A filter drops the items it keeps out from the ranking, as Personalize does.
      const ranking = model.rank(userId, excluded ? list.filter((id) => !excluded.has(id)) : list);
      const body: GetPersonalizedRankingResponse = {
        personalizedRanking: ranking.map((r) => predicted(model, r.itemId, r.score, columns)),
        recommendationId: `RID-${randomUUID()}`,
      };
      return { body };
    },
  });
}
