/**
 * Recommender configurations: account-level (per region) settings that tell pinrec where a
 * template's recommendations come from and how to post-process them.
 */
import type { RecommenderConfigurationResponse } from "@aws-sdk/client-pinpoint";
import { badRequest, notFound } from "../../shared/errors.js";
import { isoNow, newResourceId } from "../../shared/ids.js";
import type { JsonText } from "../../shared/json-text.js";
import type { Page, Store, Tenant } from "../../store/types.js";
import { validateConfiguration, type ConfigurationRequest } from "./validate.js";

/** AWS's documented, non-raisable quota; configurable for self-hosters. */
export const DEFAULT_RECOMMENDER_QUOTA = 100;

export class RecommenderService {
  constructor(
    private readonly store: Store,
    private readonly quota = DEFAULT_RECOMMENDER_QUOTA,
  ) {}

  async create(tenant: Tenant, req: ConfigurationRequest): Promise<RecommenderConfigurationResponse> {
    const content = validateConfiguration(req);
    const now = isoNow();
    const doc: RecommenderConfigurationResponse = { Id: newResourceId(), ...content, CreationDate: now, LastModifiedDate: now };
    if (!(await this.store.recommenders.insert(tenant, doc, this.quota))) {
      throw badRequest(`This account has reached its quota of ${this.quota} recommender model configurations in ${tenant.region}`);
    }
    return doc;
  }

  async get(tenant: Tenant, id: string): Promise<RecommenderConfigurationResponse> {
    return (await this.getText(tenant, id)).parse();
  }

  /** The stored configuration as JSON text, for GetRecommenderConfiguration's reply. */
  async getText(tenant: Tenant, id: string): Promise<JsonText<RecommenderConfigurationResponse>> {
    const doc = await this.store.recommenders.getText(tenant, id);
    if (!doc) throw notFound(`Recommender configuration '${id}' was not found`);
    return doc;
  }

  list(tenant: Tenant, after: number, limit: number): Promise<Page<RecommenderConfigurationResponse>> {
    return this.store.recommenders.list(tenant, after, limit);
  }

  /** A full replacement: omitted optional members return to their defaults (PUT
   * UpdateRecommenderConfiguration requires the provider members, as Create does). */
  async update(tenant: Tenant, id: string, req: ConfigurationRequest): Promise<RecommenderConfigurationResponse> {
    const content = validateConfiguration(req);
    const old = await this.get(tenant, id);
    const doc: RecommenderConfigurationResponse = {
      Id: old.Id,
      ...content,
      CreationDate: old.CreationDate,
      LastModifiedDate: isoNow(),
    };
    if (!(await this.store.recommenders.replace(tenant, doc))) throw notFound(`Recommender configuration '${id}' was not found`);
    return doc;
  }

  async delete(tenant: Tenant, id: string): Promise<RecommenderConfigurationResponse> {
    const doc = await this.store.recommenders.delete(tenant, id);
    if (!doc) throw notFound(`Recommender configuration '${id}' was not found`);
    return doc;
  }
}
