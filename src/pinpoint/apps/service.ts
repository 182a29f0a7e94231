/**
 * Apps (Pinpoint projects; Amazon Pinpoint API Reference: Apps, App): the containers of endpoints. Account-and-region scoped like
 * every resource; deleting an app deletes its endpoints.
 */
import type { ApplicationResponse, CreateApplicationRequest } from "@aws-sdk/client-pinpoint";
import { badRequest, notFound } from "../../shared/errors.js";
import { isoNow, newResourceId } from "../../shared/ids.js";
import type { JsonText } from "../../shared/json-text.js";
import { validateTags } from "../../shared/tags.js";
import type { Page, Store, Tenant } from "../../store/types.js";

/** AWS's documented default quota of projects per region (raisable there, configurable here). */
export const DEFAULT_APP_QUOTA = 100;

export const appArn = (t: Tenant, id: string) => `arn:aws:mobiletargeting:${t.region}:${t.accountId}:apps/${id}`;

export class AppService {
  constructor(
    private readonly store: Store,
    private readonly quota = DEFAULT_APP_QUOTA,
  ) {}

  async create(tenant: Tenant, req: CreateApplicationRequest): Promise<ApplicationResponse> {
    const name = req.Name!;
    if (name.trim() === "") throw badRequest("Name must not be empty");
    const tags = validateTags(req.tags);
    const id = newResourceId();
    const doc: ApplicationResponse = { Arn: appArn(tenant, id), Id: id, Name: name, tags, CreationDate: isoNow() };
    if (!(await this.store.apps.insert(tenant, doc, this.quota))) {
      throw badRequest(`This account has reached its quota of ${this.quota} projects in ${tenant.region}`);
    }
    return doc;
  }

  async get(tenant: Tenant, id: string): Promise<ApplicationResponse> {
    return (await this.getText(tenant, id)).parse();
  }

  /** The stored application as JSON text, for GetApp's reply. */
  async getText(tenant: Tenant, id: string): Promise<JsonText<ApplicationResponse>> {
    const doc = await this.store.apps.getText(tenant, id);
    if (!doc) throw notFound(`Application '${id}' was not found`);
    return doc;
  }

  list(tenant: Tenant, after: number, limit: number): Promise<Page<ApplicationResponse>> {
    return this.store.apps.list(tenant, after, limit);
  }

  async delete(tenant: Tenant, id: string): Promise<ApplicationResponse> {
    const doc = await this.store.apps.delete(tenant, id);
    if (!doc) throw notFound(`Application '${id}' was not found`);
    return doc;
  }
}
