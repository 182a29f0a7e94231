/** The Email, SMS and Push Template resources and the Templates / Template Versions lists (spec §5). */
import type { CreateTemplateMessageBody, MessageBody, TemplateActiveVersionRequest, TemplatesResponse, TemplateVersionsResponse } from "@aws-sdk/client-pinpoint";
import type { Handler } from "../protocol/handler.js";
import { decodeToken, pageBody, parsePageSize } from "../shared/pagination.js";
import type { TemplateService } from "../templates/service.js";
import type { ServedType } from "../templates/validate.js";

const LIST = "templates";
const VERSIONS = "template-versions";

/** Operation-name infix and payload member for each served type. */
const TYPES: [ServedType, string, string][] = [
  ["EMAIL", "Email", "EmailTemplateRequest"],
  ["SMS", "Sms", "SMSTemplateRequest"],
  ["PUSH", "Push", "PushNotificationTemplateRequest"],
];

export function templateHandlers(service: TemplateService): Record<string, Handler> {
  const handlers: Record<string, Handler> = {};
  for (const [type, infix, payload] of TYPES) {
    handlers[`Create${infix}Template`] = async ({ tenant, input, requestId }) => {
      const arn = await service.create(tenant, type, input.TemplateName as string, input[payload] as Record<string, unknown>);
      const body: CreateTemplateMessageBody = { Arn: arn, Message: "Created", RequestID: requestId };
      return { body };
    };
    handlers[`Get${infix}Template`] = async ({ tenant, input }) => {
      return { body: await service.get(tenant, type, input.TemplateName as string, input.Version as string | undefined) };
    };
    handlers[`Update${infix}Template`] = async ({ tenant, input, requestId }) => {
      await service.update(tenant, type, input.TemplateName as string, input[payload] as Record<string, unknown>, {
        createNewVersion: input.CreateNewVersion as boolean | undefined,
        version: input.Version as string | undefined,
      });
      const body: MessageBody = { Message: "Accepted", RequestID: requestId };
      return { body };
    };
    handlers[`Delete${infix}Template`] = async ({ tenant, input, requestId }) => {
      await service.delete(tenant, type, input.TemplateName as string, input.Version as string | undefined);
      const body: MessageBody = { Message: "Accepted", RequestID: requestId };
      return { body };
    };
  }

  handlers.ListTemplates = async ({ tenant, input }) => {
    const limit = parsePageSize(input.PageSize);
    const after = decodeToken(LIST, input.NextToken);
    const page = await service.list(tenant, { prefix: input.Prefix as string | undefined, type: input.TemplateType as string | undefined }, after, limit);
    const body: TemplatesResponse = pageBody(LIST, page);
    return { body };
  };

  handlers.ListTemplateVersions = async ({ tenant, input, requestId }) => {
    const limit = parsePageSize(input.PageSize);
    const after = decodeToken(VERSIONS, input.NextToken);
    const page = await service.versions(tenant, input.TemplateType as string, input.TemplateName as string, after, limit);
    const body: TemplateVersionsResponse = {
      ...pageBody(VERSIONS, page),
      RequestID: requestId,
    };
    return { body };
  };

  handlers.UpdateTemplateActiveVersion = async ({ tenant, input, requestId }) => {
    const req = input.TemplateActiveVersionRequest as TemplateActiveVersionRequest;
    await service.activate(tenant, input.TemplateType as string, input.TemplateName as string, req.Version);
    const body: MessageBody = { Message: "Accepted", RequestID: requestId };
    return { body };
  };

  return handlers;
}
