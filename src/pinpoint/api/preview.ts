/**
 * `POST /_pinrec/apps/{application-id}/messages/preview` (a pinrec extension, signed as Pinpoint
 * requests are, service `mobiletargeting`): renders a template for one endpoint or every endpoint
 * of one user, with real recommendations and the transformer, without sending anything.
 *
 * Body: `{"TemplateName": "…", "Version": "2"?, "EndpointId": "…" | "UserId": "…", "Substitutions": {"Name": ["…"]}?}`.
 */
import type { MessageService } from "../messaging/send.js";
import type { ExtensionRoute } from "../../protocol/extension.js";
import { badRequest } from "../../shared/errors.js";

export const PREVIEW_PATH = "/_pinrec/apps/:applicationId/messages/preview";

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function optionalString(body: Record<string, unknown>, name: string): string | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string" || v === "") throw badRequest(`${name} must be a non-empty string`);
  return v;
}

function substitutions(v: unknown): Record<string, string[]> | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw badRequest("Substitutions must be an object mapping variable names to lists of strings");
  const out: Record<string, string[]> = {};
  for (const [k, list] of Object.entries(v)) {
    if (!Array.isArray(list) || !list.every((s) => typeof s === "string")) throw badRequest(`Substitutions.${k} must be a list of strings`);
    out[k] = list;
  }
  return out;
}

export function previewRoute(service: MessageService): ExtensionRoute {
  return {
    method: "POST",
    path: PREVIEW_PATH,
    signingName: "mobiletargeting",
    async handler({ tenant, params, body }) {
      if (!isObject(body)) throw badRequest("The request body must be a JSON object with TemplateName and EndpointId or UserId");
      const template = optionalString(body, "TemplateName");
      if (template === undefined) throw badRequest("TemplateName is required");
      const result = await service.preview(tenant, params.applicationId, {
        template,
        version: optionalString(body, "Version"),
        endpointId: optionalString(body, "EndpointId"),
        userId: optionalString(body, "UserId"),
        substitutions: substitutions(body.Substitutions),
      });
      return { body: result };
    },
  };
}
