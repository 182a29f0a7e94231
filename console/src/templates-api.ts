/** Pinpoint's three template types as one shape for the editor: read, create, new version, versions, activate. */
import {
  CreateEmailTemplateCommand,
  CreatePushTemplateCommand,
  CreateSmsTemplateCommand,
  DeleteEmailTemplateCommand,
  DeletePushTemplateCommand,
  DeleteSmsTemplateCommand,
  GetEmailTemplateCommand,
  GetPushTemplateCommand,
  GetSmsTemplateCommand,
  ListTemplatesCommand,
  ListTemplateVersionsCommand,
  UpdateEmailTemplateCommand,
  UpdatePushTemplateCommand,
  UpdateSmsTemplateCommand,
  UpdateTemplateActiveVersionCommand,
  type PinpointClient,
  type TemplateResponse,
  type TemplateVersionResponse,
} from "@aws-sdk/client-pinpoint";

export const TEMPLATE_TYPES = ["EMAIL", "SMS", "PUSH"] as const;
export type TemplateType = (typeof TEMPLATE_TYPES)[number];
export const TYPE_TITLES: Record<TemplateType, string> = { EMAIL: "Email", SMS: "SMS", PUSH: "Push notification" };

/** Every part a template of any type may have; each type uses its own. */
export interface TemplateContent {
  description: string;
  recommenderId: string;
  defaultSubstitutions: string;
  subject: string;
  html: string;
  text: string;
  smsBody: string;
  pushTitle: string;
  pushBody: string;
}

export const EMPTY_CONTENT: TemplateContent = {
  description: "",
  recommenderId: "",
  defaultSubstitutions: "",
  subject: "",
  html: "",
  text: "",
  smsBody: "",
  pushTitle: "",
  pushBody: "",
};

export interface LoadedTemplate {
  content: TemplateContent;
  version: string;
  lastModified?: string;
}

const opt = (v: string) => (v === "" ? undefined : v);

function common(c: TemplateContent) {
  return {
    TemplateDescription: opt(c.description),
    RecommenderId: opt(c.recommenderId),
    DefaultSubstitutions: opt(c.defaultSubstitutions),
  };
}

export async function listTemplates(client: PinpointClient, type: TemplateType): Promise<TemplateResponse[]> {
  const out: TemplateResponse[] = [];
  let token: string | undefined;
  do {
    const res = await client.send(new ListTemplatesCommand({ TemplateType: type, PageSize: "100", NextToken: token }));
    out.push(...(res.TemplatesResponse?.Item ?? []));
    token = res.TemplatesResponse?.NextToken;
  } while (token);
  return out;
}

/** What every template type's response shares: the version, its date and the common parts. */
interface StoredTemplate {
  Version?: string;
  LastModifiedDate?: string;
  TemplateDescription?: string;
  RecommenderId?: string;
  DefaultSubstitutions?: string;
}

function loaded(t: StoredTemplate | undefined, parts: Partial<TemplateContent>): LoadedTemplate {
  if (!t) throw new Error("the template response is empty");
  return {
    version: t.Version ?? "",
    lastModified: t.LastModifiedDate,
    content: {
      ...EMPTY_CONTENT,
      description: t.TemplateDescription ?? "",
      recommenderId: t.RecommenderId ?? "",
      defaultSubstitutions: t.DefaultSubstitutions ?? "",
      ...parts,
    },
  };
}

export async function getTemplate(client: PinpointClient, type: TemplateType, name: string, version?: string): Promise<LoadedTemplate> {
  const base = { TemplateName: name, Version: version };
  if (type === "EMAIL") {
    const t = (await client.send(new GetEmailTemplateCommand(base))).EmailTemplateResponse;
    return loaded(t, { subject: t?.Subject ?? "", html: t?.HtmlPart ?? "", text: t?.TextPart ?? "" });
  }
  if (type === "SMS") {
    const t = (await client.send(new GetSmsTemplateCommand(base))).SMSTemplateResponse;
    return loaded(t, { smsBody: t?.Body ?? "" });
  }
  const t = (await client.send(new GetPushTemplateCommand(base))).PushNotificationTemplateResponse;
  return loaded(t, { pushTitle: t?.Default?.Title ?? "", pushBody: t?.Default?.Body ?? "" });
}

/** Creates the template, or saves the content as a new version of it (the active version stays until another is made active). */
export async function saveTemplate(
  client: PinpointClient,
  type: TemplateType,
  name: string,
  c: TemplateContent,
  create: boolean,
): Promise<void> {
  const update = { TemplateName: name, CreateNewVersion: true };
  if (type === "EMAIL") {
    const EmailTemplateRequest = { ...common(c), Subject: opt(c.subject), HtmlPart: opt(c.html), TextPart: opt(c.text) };
    if (create) await client.send(new CreateEmailTemplateCommand({ TemplateName: name, EmailTemplateRequest }));
    else await client.send(new UpdateEmailTemplateCommand({ ...update, EmailTemplateRequest }));
  } else if (type === "SMS") {
    const SMSTemplateRequest = { ...common(c), Body: opt(c.smsBody) };
    if (create) await client.send(new CreateSmsTemplateCommand({ TemplateName: name, SMSTemplateRequest }));
    else await client.send(new UpdateSmsTemplateCommand({ ...update, SMSTemplateRequest }));
  } else {
    const PushNotificationTemplateRequest = { ...common(c), Default: { Title: opt(c.pushTitle), Body: opt(c.pushBody) } };
    if (create) await client.send(new CreatePushTemplateCommand({ TemplateName: name, PushNotificationTemplateRequest }));
    else await client.send(new UpdatePushTemplateCommand({ ...update, PushNotificationTemplateRequest }));
  }
}

export async function deleteTemplate(client: PinpointClient, type: TemplateType, name: string): Promise<void> {
  if (type === "EMAIL") await client.send(new DeleteEmailTemplateCommand({ TemplateName: name }));
  else if (type === "SMS") await client.send(new DeleteSmsTemplateCommand({ TemplateName: name }));
  else await client.send(new DeletePushTemplateCommand({ TemplateName: name }));
}

export async function templateVersions(client: PinpointClient, type: TemplateType, name: string): Promise<TemplateVersionResponse[]> {
  const out: TemplateVersionResponse[] = [];
  let token: string | undefined;
  do {
    const res = await client.send(
      new ListTemplateVersionsCommand({ TemplateName: name, TemplateType: type, PageSize: "100", NextToken: token }),
    );
    out.push(...(res.TemplateVersionsResponse?.Item ?? []));
    token = res.TemplateVersionsResponse?.NextToken;
  } while (token);
  return out.sort((a, b) => Number(b.Version) - Number(a.Version));
}

export async function activateVersion(client: PinpointClient, type: TemplateType, name: string, version: string): Promise<void> {
  await client.send(
    new UpdateTemplateActiveVersionCommand({ TemplateName: name, TemplateType: type, TemplateActiveVersionRequest: { Version: version } }),
  );
}
