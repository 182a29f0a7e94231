/**
 * The Email, SMS and Push Template resources and the Templates / Template Versions lists
 * (Amazon Pinpoint API Reference: "Templates", "Email Template", "SMS Template", "Push Notification
 * Template", "Template Versions", "Template Active Version").
 */
import type {
  CreateEmailTemplateRequest,
  CreatePushTemplateRequest,
  CreateSmsTemplateRequest,
  CreateTemplateMessageBody,
  DeleteEmailTemplateRequest,
  DeletePushTemplateRequest,
  DeleteSmsTemplateRequest,
  GetEmailTemplateRequest,
  GetPushTemplateRequest,
  GetSmsTemplateRequest,
  ListTemplatesRequest,
  ListTemplateVersionsRequest,
  MessageBody,
  TemplatesResponse,
  TemplateVersionsResponse,
  UpdateEmailTemplateRequest,
  UpdatePushTemplateRequest,
  UpdateSmsTemplateRequest,
  UpdateTemplateActiveVersionRequest,
} from "@aws-sdk/client-pinpoint";
import { handlersOf, type HandlerResult, type Present, type RequestContext } from "../../protocol/handler.js";
import { decodeToken, pageBody, parsePageSize } from "../../shared/pagination.js";
import type { TemplateService } from "../templates/service.js";
import type { ServedType } from "../templates/validate.js";

const LIST = "templates";
const VERSIONS = "template-versions";

type Context<Input> = Omit<RequestContext, "input"> & { input: Input };
type Operation<Input> = (ctx: Context<Input>) => Promise<HandlerResult>;
/** A template type's request member (`EmailTemplateRequest`, …), as the service validates it per type. */
type Payload = Record<string, unknown>;

/**
 * Create, Get, Update and Delete for one template type: the operations differ only in the type and
 * the member that carries the template.
 */
function resourceHandlers<
  Create extends { TemplateName: string },
  Update extends Create & { CreateNewVersion?: boolean; Version?: string },
>(service: TemplateService, type: ServedType, payloadOf: (input: Create) => unknown) {
  const create: Operation<Create> = async ({ tenant, input, requestId }) => {
    const arn = await service.create(tenant, type, input.TemplateName, payloadOf(input) as Payload);
    const body: CreateTemplateMessageBody = { Arn: arn, Message: "Created", RequestID: requestId };
    return { body };
  };
  const get: Operation<{ TemplateName: string; Version?: string }> = async ({ tenant, input }) => ({
    body: await service.get(tenant, type, input.TemplateName, input.Version),
  });
  const update: Operation<Update> = async ({ tenant, input, requestId }) => {
    await service.update(tenant, type, input.TemplateName, payloadOf(input) as Payload, {
      createNewVersion: input.CreateNewVersion,
      version: input.Version,
    });
    const body: MessageBody = { Message: "Accepted", RequestID: requestId };
    return { body };
  };
  const remove: Operation<{ TemplateName: string; Version?: string }> = async ({ tenant, input, requestId }) => {
    await service.delete(tenant, type, input.TemplateName, input.Version);
    const body: MessageBody = { Message: "Accepted", RequestID: requestId };
    return { body };
  };
  return { create, get, update, remove };
}

export function templateHandlers(service: TemplateService) {
  const email = resourceHandlers<Present<CreateEmailTemplateRequest>, Present<UpdateEmailTemplateRequest>>(
    service,
    "EMAIL",
    (i) => i.EmailTemplateRequest,
  );
  const sms = resourceHandlers<Present<CreateSmsTemplateRequest>, Present<UpdateSmsTemplateRequest>>(
    service,
    "SMS",
    (i) => i.SMSTemplateRequest,
  );
  const push = resourceHandlers<Present<CreatePushTemplateRequest>, Present<UpdatePushTemplateRequest>>(
    service,
    "PUSH",
    (i) => i.PushNotificationTemplateRequest,
  );
  return handlersOf<{
    CreateEmailTemplate: CreateEmailTemplateRequest;
    GetEmailTemplate: GetEmailTemplateRequest;
    UpdateEmailTemplate: UpdateEmailTemplateRequest;
    DeleteEmailTemplate: DeleteEmailTemplateRequest;
    CreateSmsTemplate: CreateSmsTemplateRequest;
    GetSmsTemplate: GetSmsTemplateRequest;
    UpdateSmsTemplate: UpdateSmsTemplateRequest;
    DeleteSmsTemplate: DeleteSmsTemplateRequest;
    CreatePushTemplate: CreatePushTemplateRequest;
    GetPushTemplate: GetPushTemplateRequest;
    UpdatePushTemplate: UpdatePushTemplateRequest;
    DeletePushTemplate: DeletePushTemplateRequest;
    ListTemplates: ListTemplatesRequest;
    ListTemplateVersions: ListTemplateVersionsRequest;
    UpdateTemplateActiveVersion: UpdateTemplateActiveVersionRequest;
  }>({
    CreateEmailTemplate: email.create,
    GetEmailTemplate: email.get,
    UpdateEmailTemplate: email.update,
    DeleteEmailTemplate: email.remove,
    CreateSmsTemplate: sms.create,
    GetSmsTemplate: sms.get,
    UpdateSmsTemplate: sms.update,
    DeleteSmsTemplate: sms.remove,
    CreatePushTemplate: push.create,
    GetPushTemplate: push.get,
    UpdatePushTemplate: push.update,
    DeletePushTemplate: push.remove,

    async ListTemplates({ tenant, input }) {
      const limit = parsePageSize(input.PageSize);
      const after = decodeToken(LIST, input.NextToken);
      const page = await service.list(tenant, { prefix: input.Prefix, type: input.TemplateType }, after, limit);
      const body: TemplatesResponse = pageBody(LIST, page);
      return { body };
    },

    async ListTemplateVersions({ tenant, input, requestId }) {
      const limit = parsePageSize(input.PageSize);
      const after = decodeToken(VERSIONS, input.NextToken);
      const page = await service.versions(tenant, input.TemplateType, input.TemplateName, after, limit);
      const body: TemplateVersionsResponse = { ...pageBody(VERSIONS, page), RequestID: requestId };
      return { body };
    },

    async UpdateTemplateActiveVersion({ tenant, input, requestId }) {
      await service.activate(tenant, input.TemplateType, input.TemplateName, input.TemplateActiveVersionRequest.Version);
      const body: MessageBody = { Message: "Accepted", RequestID: requestId };
      return { body };
    },
  });
}
