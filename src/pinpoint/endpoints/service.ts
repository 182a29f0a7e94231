/**
 * Endpoints and users (Amazon Pinpoint API Reference: Endpoint, Endpoints, User): create-or-merge writes, reads by id and by user id. A write merges
 * into the stored endpoint: a supplied member replaces the stored one, and a supplied custom
 * attribute (or metric, or user attribute) replaces that attribute's values while others are kept.
 */
import { createHash } from "node:crypto";
import type { EndpointBatchItem, EndpointRequest, EndpointResponse } from "@aws-sdk/client-pinpoint";
import { badRequest, notFound } from "../../shared/errors.js";
import { isoNow } from "../../shared/ids.js";
import { endpointKey, type EndpointWritePlan } from "../../store/endpoints.js";
import type { Store, Tenant } from "../../store/types.js";
import { MAX_BATCH_ITEMS, MAX_ENDPOINTS_PER_USER, validateEndpointId, validateEndpointRequest, validateMerged } from "./validate.js";

/** A stable cohort in "0"–"99" derived from the (case-folded) endpoint id. */
export function cohortOf(id: string): string {
  return String(createHash("sha256").update(endpointKey(id)).digest().readUInt32BE(0) % 100);
}

/** Per-key replacement; an empty list removes the attribute. */
function mergeLists(old: Record<string, string[]> | undefined, given: Record<string, string[]> | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = { ...(old ?? {}) };
  for (const [k, v] of Object.entries(given ?? {})) {
    if (v.length === 0) delete out[k];
    else out[k] = [...v];
  }
  return out;
}

interface WriteContext {
  appId: string;
  requestId: string;
  now: string;
}

export function mergeEndpoint(old: EndpointResponse | undefined, id: string, req: EndpointRequest, ctx: WriteContext): EndpointResponse {
  const demographic = req.Demographic || old?.Demographic ? { ...old?.Demographic, ...req.Demographic } : undefined;
  const location = req.Location || old?.Location ? { ...old?.Location, ...req.Location } : undefined;
  const userId = req.User?.UserId ?? old?.User?.UserId;
  const user =
    req.User || old?.User
      ? { ...(userId !== undefined && { UserId: userId }), UserAttributes: mergeLists(old?.User?.UserAttributes, req.User?.UserAttributes) }
      : undefined;
  const address = req.Address ?? old?.Address;
  const channel = req.ChannelType ?? old?.ChannelType;
  return {
    Id: old?.Id ?? id,
    ApplicationId: ctx.appId,
    ...(address !== undefined && { Address: address }),
    ...(channel !== undefined && { ChannelType: channel }),
    Attributes: mergeLists(old?.Attributes, req.Attributes),
    Metrics: { ...(old?.Metrics ?? {}), ...(req.Metrics ?? {}) },
    ...(demographic && { Demographic: demographic }),
    ...(location && { Location: location }),
    ...(user && { User: user }),
    CohortId: old?.CohortId ?? cohortOf(id),
    CreationDate: old?.CreationDate ?? ctx.now,
    EffectiveDate: req.EffectiveDate ?? ctx.now,
    // Pinpoint sets ACTIVE on every create and update unless told otherwise (`EndpointStatus` in the Endpoint page).
    EndpointStatus: req.EndpointStatus ?? "ACTIVE",
    OptOut: req.OptOut ?? old?.OptOut ?? "NONE",
    RequestId: req.RequestId ?? ctx.requestId,
  };
}

export class EndpointService {
  constructor(
    private readonly store: Store,
    private readonly perUser = MAX_ENDPOINTS_PER_USER,
  ) {}

  private async requireApp(tenant: Tenant, appId: string): Promise<void> {
    if (!(await this.store.apps.get(tenant, appId))) throw notFound(`Application '${appId}' was not found`);
  }

  /** UpdateEndpoint: one endpoint, created or merged. */
  async update(tenant: Tenant, appId: string, id: string, req: EndpointRequest, requestId: string): Promise<void> {
    validateEndpointId(id);
    validateEndpointRequest(req);
    await this.write(tenant, appId, [{ ...req, Id: id }], requestId, false);
  }

  /** UpdateEndpointsBatch: every item is checked before anything is written, and all are written or none. */
  async updateBatch(tenant: Tenant, appId: string, items: EndpointBatchItem[], requestId: string): Promise<void> {
    if (items.length === 0) throw badRequest("Item must contain at least one endpoint");
    if (items.length > MAX_BATCH_ITEMS) throw badRequest(`Item can contain at most ${MAX_BATCH_ITEMS} endpoints; it has ${items.length}`);
    items.forEach((item, i) => {
      validateEndpointId(item.Id, `Item[${i}]: `);
      validateEndpointRequest(item, `Item[${i}] (endpoint '${item.Id}'): `);
    });
    await this.write(tenant, appId, items, requestId, true);
  }

  private async write(tenant: Tenant, appId: string, items: EndpointBatchItem[], requestId: string, batch: boolean): Promise<void> {
    const where = (i: number) => (batch ? `Item[${i}] (endpoint '${items[i].Id}'): ` : "");
    const ok = await this.store.endpoints.write(tenant, appId, this.plan(appId, items, requestId, where));
    if (!ok) throw notFound(`Application '${appId}' was not found`);
  }

  /**
   * The write plan for checked items (each with an Id): merge into what is stored, then apply the
   * per-user limit and the same-address rule. `where(i)` prefixes the errors about item i.
   * Bulk imports run one plan per chunk of a file in one transaction.
   */
  plan(appId: string, items: EndpointBatchItem[], requestId: string, where: (i: number) => string): EndpointWritePlan {
    const now = isoNow();
    const perUser = this.perUser;
    let written: EndpointResponse[] = [];
    const itemOf = new Map<EndpointResponse, number>();
    return {
      ids: items.map((i) => i.Id!),
      merge(existing) {
        // Items naming one endpoint twice apply in order, each merging into the previous result.
        const current = new Map<string, EndpointResponse>();
        items.forEach((item, i) => {
          const key = endpointKey(item.Id!);
          const { Id, ...req } = item;
          const doc = mergeEndpoint(current.get(key) ?? existing.get(key), Id!, req, { appId, requestId, now });
          validateMerged(doc, where(i));
          current.set(key, doc);
          itemOf.set(doc, i);
        });
        written = [...current.values()];
        return written;
      },
      settle({ userCounts, sameAddress }) {
        const perUserNow = new Map(userCounts);
        for (const doc of written) {
          const user = doc.User?.UserId;
          if (user === undefined) continue;
          const n = (perUserNow.get(user) ?? 0) + 1;
          perUserNow.set(user, n);
          if (n > perUser) {
            throw badRequest(
              `${where(itemOf.get(doc)!)}User '${user}' would have ${n} endpoints; a user id can be associated with at most ${perUser} endpoints`,
            );
          }
        }
        // Pinpoint marks other endpoints with the address just written INACTIVE (`EndpointStatus`:
        // "Amazon Pinpoint automatically sets this value to INACTIVE if you update another endpoint that
        // has the same address"); within one
        // batch the last item with an address wins.
        const lastWithAddress = new Map<string, EndpointResponse>();
        for (const doc of written) if (doc.Address !== undefined && doc.EndpointStatus === "ACTIVE") lastWithAddress.set(doc.Address, doc);
        for (const doc of written) {
          if (doc.Address !== undefined && doc.EndpointStatus === "ACTIVE" && lastWithAddress.get(doc.Address) !== doc)
            doc.EndpointStatus = "INACTIVE";
        }
        return sameAddress.filter((d) => lastWithAddress.has(d.Address!)).map((d) => ({ ...d, EndpointStatus: "INACTIVE" }));
      },
    };
  }

  async get(tenant: Tenant, appId: string, id: string): Promise<EndpointResponse> {
    const doc = await this.store.endpoints.get(tenant, appId, id);
    if (doc) return doc;
    await this.requireApp(tenant, appId);
    throw notFound(`Endpoint '${id}' was not found in application '${appId}'`);
  }

  async delete(tenant: Tenant, appId: string, id: string): Promise<EndpointResponse> {
    const doc = await this.store.endpoints.delete(tenant, appId, id);
    if (doc) return doc;
    await this.requireApp(tenant, appId);
    throw notFound(`Endpoint '${id}' was not found in application '${appId}'`);
  }

  async userEndpoints(tenant: Tenant, appId: string, userId: string): Promise<EndpointResponse[]> {
    const docs = await this.store.endpoints.byUser(tenant, appId, userId);
    if (docs.length > 0) return docs;
    await this.requireApp(tenant, appId);
    throw notFound(`No endpoints with user id '${userId}' in application '${appId}'`);
  }

  async deleteUserEndpoints(tenant: Tenant, appId: string, userId: string): Promise<EndpointResponse[]> {
    const docs = await this.store.endpoints.deleteByUser(tenant, appId, userId);
    if (docs.length > 0) return docs;
    await this.requireApp(tenant, appId);
    throw notFound(`No endpoints with user id '${userId}' in application '${appId}'`);
  }
}
