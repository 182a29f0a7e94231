/**
 * Email, SMS and push message templates with versions (Amazon Pinpoint API Reference: Templates,
 * Template Versions; Amazon Pinpoint User Guide: Managing versions of message templates). Content fields, including
 * `RecommenderId`, are stored per version; the template head keeps the active and latest version.
 */
import type { TemplateResponse, TemplateVersionResponse } from "@aws-sdk/client-pinpoint";
import type { RecommenderService } from "../recommenders/service.js";
import { ApiError, badRequest, notFound } from "../../shared/errors.js";
import { isoNow } from "../../shared/ids.js";
import { validateTags } from "../../shared/tags.js";
import type { TemplateContent, TemplateHead, TemplateVersion } from "../../store/templates.js";
import type { Page, Store, Tenant } from "../../store/types.js";
import { sharedTemplateCompiler, type TemplateCompiler } from "./compiler.js";
import { templateType, validateContent, validateTemplateName, type ServedType, type TemplateType } from "./validate.js";

/** AWS's documented quotas (Amazon Pinpoint Developer Guide: Quotas, message templates); the template count is configurable for self-hosters. */
export const DEFAULT_TEMPLATE_QUOTA = 20_000;
export const MAX_VERSIONS = 5_000;

/** Content members per type: everything in the request but `tags`. */
const CONTENT_MEMBERS: Record<ServedType, string[]> = {
  EMAIL: ["Subject", "HtmlPart", "TextPart", "Headers", "DefaultSubstitutions", "RecommenderId", "TemplateDescription"],
  SMS: ["Body", "DefaultSubstitutions", "RecommenderId", "TemplateDescription"],
  PUSH: ["Default", "APNS", "GCM", "ADM", "Baidu", "DefaultSubstitutions", "RecommenderId", "TemplateDescription"],
};

export const templateArn = (t: Tenant, name: string, type: string) =>
  `arn:aws:mobiletargeting:${t.region}:${t.accountId}:templates/${name}/${type}`;

type Request = Record<string, unknown> & { tags?: Record<string, string> };

function parseVersion(raw: string | undefined, name: string): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d{1,9}$/.test(raw) || Number(raw) < 1) throw notFound(`Version '${raw}' of template '${name}' was not found`);
  return Number(raw);
}

/** A type named in a path label or query: AWS spells them upper case; any case is accepted. */
export function parseTemplateType(raw: string): TemplateType {
  const t = templateType(raw);
  if (!t) throw badRequest(`Template type '${raw}' must be one of EMAIL, SMS, PUSH, VOICE, INAPP`);
  return t;
}

export class TemplateService {
  constructor(
    private readonly store: Store,
    private readonly recommenders: RecommenderService,
    private readonly quota = DEFAULT_TEMPLATE_QUOTA,
    private readonly compiler: TemplateCompiler = sharedTemplateCompiler(),
  ) {}

  private async content(tenant: Tenant, type: ServedType, req: Request): Promise<TemplateContent> {
    const content: TemplateContent = {};
    for (const m of CONTENT_MEMBERS[type]) if (req[m] !== undefined) content[m] = req[m];
    await validateContent(type, content, this.compiler);
    if (content.RecommenderId !== undefined) {
      try {
        await this.recommenders.get(tenant, content.RecommenderId as string);
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) {
          throw badRequest(
            `RecommenderId '${String(content.RecommenderId)}' does not name a recommender model configuration in this account and region`,
          );
        }
        throw err;
      }
    }
    return content;
  }

  async create(tenant: Tenant, type: ServedType, name: string, req: Request): Promise<string> {
    validateTemplateName(name);
    const tags = validateTags(req.tags);
    const content = await this.content(tenant, type, req);
    const outcome = await this.store.templates.create(tenant, { name, type, tags }, content, isoNow(), this.quota);
    if (outcome === "exists") throw badRequest(`Template ${name} already exists for type ${type}`);
    if (outcome === "quota") throw badRequest(`This account has reached its quota of ${this.quota} message templates in ${tenant.region}`);
    return templateArn(tenant, name, type);
  }

  private async head(tenant: Tenant, name: string, type: TemplateType): Promise<TemplateHead> {
    const head = await this.store.templates.head(tenant, name, type);
    if (!head) throw notFound(`Template ${name} of type ${type} was not found`);
    return head;
  }

  /** True when the account has a template of this name and type. */
  async exists(tenant: Tenant, type: ServedType, name: string): Promise<boolean> {
    return (await this.store.templates.head(tenant, name, type)) !== undefined;
  }

  /** The stored version (the active one unless `version` is given), shaped as Get*Template answers. */
  async get(tenant: Tenant, type: ServedType, name: string, rawVersion?: string): Promise<Record<string, unknown>> {
    const { head, version: v } = await this.resolve(tenant, type, name, rawVersion);
    return {
      Arn: templateArn(tenant, name, type),
      CreationDate: head.creationDate,
      ...v.content,
      LastModifiedDate: v.lastModifiedDate,
      tags: head.tags,
      TemplateName: name,
      TemplateType: type,
      Version: String(v.version),
    };
  }

  /** The stored version a read or a send uses: the active one unless `rawVersion` names another. */
  async resolve(
    tenant: Tenant,
    type: ServedType,
    name: string,
    rawVersion?: string,
  ): Promise<{ head: TemplateHead; version: TemplateVersion }> {
    const head = await this.head(tenant, name, type);
    const wanted = parseVersion(rawVersion, name) ?? head.activeVersion;
    const version = await this.store.templates.version(tenant, name, type, wanted);
    if (!version) throw notFound(`Version '${rawVersion ?? wanted}' of template '${name}' was not found`);
    return { head, version };
  }

  async update(
    tenant: Tenant,
    type: ServedType,
    name: string,
    req: Request,
    opts: { createNewVersion?: boolean; version?: string },
  ): Promise<void> {
    if (opts.createNewVersion && opts.version !== undefined) {
      throw badRequest("Specify either create-new-version or version, not both");
    }
    // `tags` on updates are deprecated and ignored (the `tags` member of EmailTemplateRequest et al.).
    const version = parseVersion(opts.version, name);
    await this.head(tenant, name, type);
    const content = await this.content(tenant, type, req);
    const outcome = await this.store.templates.update(tenant, name, type, content, isoNow(), {
      newVersion: opts.createNewVersion === true,
      version,
      maxVersions: MAX_VERSIONS,
    });
    if (outcome === "not-found") throw notFound(`Template ${name} of type ${type} was not found`);
    if (outcome === "version-not-found") throw notFound(`Version '${opts.version}' of template '${name}' was not found`);
    if (outcome === "not-latest")
      throw badRequest(`Version '${opts.version}' is not the latest version of template '${name}'; only the latest version can be updated`);
    if (outcome === "too-many-versions") throw badRequest(`Template '${name}' has reached the quota of ${MAX_VERSIONS} versions`);
  }

  async delete(tenant: Tenant, type: ServedType, name: string, rawVersion?: string): Promise<void> {
    const version = parseVersion(rawVersion, name);
    if (version === undefined) {
      if (!(await this.store.templates.delete(tenant, name, type))) throw notFound(`Template ${name} of type ${type} was not found`);
      return;
    }
    const outcome = await this.store.templates.deleteVersion(tenant, name, type, version, isoNow());
    if (outcome === "not-found") throw notFound(`Template ${name} of type ${type} was not found`);
    if (outcome === "version-not-found") throw notFound(`Version '${rawVersion}' of template '${name}' was not found`);
    if (outcome === "active")
      throw badRequest(
        `Version '${rawVersion}' is the active version of template '${name}'; make another version active before deleting it`,
      );
  }

  async activate(tenant: Tenant, rawType: string, name: string, rawVersion: string | undefined): Promise<void> {
    const type = parseTemplateType(rawType);
    if (rawVersion === undefined || rawVersion === "") throw badRequest("Missing required member 'Version': use 'latest' or a version id");
    const version = rawVersion.toLowerCase() === "latest" ? ("latest" as const) : parseVersion(rawVersion, name)!;
    const outcome = await this.store.templates.activate(tenant, name, type, version, isoNow());
    if (outcome === "not-found") throw notFound(`Template ${name} of type ${type} was not found`);
    if (outcome === "version-not-found") throw notFound(`Version '${rawVersion}' of template '${name}' was not found`);
  }

  async list(tenant: Tenant, filter: { prefix?: string; type?: string }, after: number, limit: number): Promise<Page<TemplateResponse>> {
    const type = filter.type === undefined || filter.type === "" ? undefined : parseTemplateType(filter.type);
    const page = await this.store.templates.list(tenant, { prefix: filter.prefix, type }, after, limit);
    return {
      after: page.after,
      items: page.items.map((h) => ({
        CreationDate: h.creationDate,
        LastModifiedDate: h.lastModifiedDate,
        TemplateName: h.name,
        TemplateType: h.type as TemplateType,
        Version: String(h.activeVersion),
      })),
    };
  }

  async versions(tenant: Tenant, rawType: string, name: string, after: number, limit: number): Promise<Page<TemplateVersionResponse>> {
    const type = parseTemplateType(rawType);
    await this.head(tenant, name, type);
    const page = await this.store.templates.versions(tenant, name, type, after, limit);
    return { after: page.after, items: page.items.map((v) => versionResponse(name, type, v)) };
  }
}

function versionResponse(name: string, type: string, v: TemplateVersion): TemplateVersionResponse {
  return {
    CreationDate: v.creationDate,
    ...(v.content.DefaultSubstitutions !== undefined && { DefaultSubstitutions: v.content.DefaultSubstitutions as string }),
    LastModifiedDate: v.lastModifiedDate,
    ...(v.content.TemplateDescription !== undefined && { TemplateDescription: v.content.TemplateDescription as string }),
    TemplateName: name,
    TemplateType: type,
    Version: String(v.version),
  };
}
