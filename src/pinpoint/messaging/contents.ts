/**
 * The first stage of a send: the message itself. A request's templates (which must exist) and its
 * own `MessageConfiguration` become one `ChannelContent` per channel. Message content given in the
 * request is a template too: a syntax error in it is the caller's mistake, answered with a 400
 * naming the member before anything is sent.
 */
import type { DirectMessageConfiguration, Template, TemplateConfiguration } from "@aws-sdk/client-pinpoint";
import { mailboxProblem } from "../../shared/addresses.js";
import { senderProblem, type SenderPolicy } from "../../shared/senders.js";
import { badRequest } from "../../shared/errors.js";
import type { Tenant } from "../../store/types.js";
import type { CompiledTemplateCache } from "../templates/handlebars.js";
import type { TemplateService } from "../templates/service.js";
import { checkHandlebars, type ServedType } from "../templates/validate.js";
import { channelContent, type ChannelContent, type LoadedTemplate } from "./content/index.js";

/** The template or campaign tag that turns email tracking off for its messages (value `off`). */
export const TRACKING_TAG = "pinrec:tracking";
import type { SendChannel } from "./contracts.js";
import { parseDefaults } from "./variables.js";

/** The message half of MessageRequest / SendUsersMessageRequest (and of a campaign's treatment). */
export interface MessageSpec {
  MessageConfiguration?: DirectMessageConfiguration;
  TemplateConfiguration?: TemplateConfiguration;
  Context?: Record<string, string>;
  TraceId?: string;
}

/** A request's content for every channel pinrec sends. */
export type MessageContents = Readonly<Record<SendChannel, ChannelContent>>;

const TEMPLATE_TYPES: [keyof TemplateConfiguration, ServedType, SendChannel][] = [
  ["EmailTemplate", "EMAIL", "EMAIL"],
  ["SMSTemplate", "SMS", "SMS"],
  ["PushTemplate", "PUSH", "PUSH"],
];

/** The `TemplateConfiguration` member that gives a channel's template (for error messages). */
export function templateMemberOf(channel: SendChannel): keyof TemplateConfiguration {
  return TEMPLATE_TYPES.find((t) => t[2] === channel)?.[0] ?? "EmailTemplate";
}

/**
 * The sender and reply-to addresses a request names: each one mailbox (`Name <local@domain>`
 * allowed), no CR/LF, and the sender one the operator allows. Campaigns send through here with
 * their treatment's or email channel's FromAddress, so a sender allowed when it was saved but no
 * longer is fails the run's recipients with this reason.
 */
function checkDirectSenders(direct: DirectMessageConfiguration, senders: SenderPolicy | undefined): void {
  const em = direct.EmailMessage;
  if (em?.FromAddress !== undefined) {
    const problem = senderProblem(em.FromAddress, senders);
    if (problem) throw badRequest(`MessageConfiguration.EmailMessage.FromAddress ${JSON.stringify(em.FromAddress)} is refused: ${problem}`);
  }
  (em?.ReplyToAddresses ?? []).forEach((a, i) => {
    const problem = mailboxProblem(a, { displayName: true });
    if (problem)
      throw badRequest(
        `MessageConfiguration.EmailMessage.ReplyToAddresses[${i}] ${JSON.stringify(a)} is not one email address: ${problem}`,
      );
  });
}

function checkDirectContent(direct: DirectMessageConfiguration, senders: SenderPolicy | undefined): void {
  checkDirectSenders(direct, senders);
  const parts: [string, string | undefined][] = [
    ["MessageConfiguration.DefaultMessage.Body", direct.DefaultMessage?.Body],
    ["MessageConfiguration.EmailMessage.Body", direct.EmailMessage?.Body],
    ["MessageConfiguration.EmailMessage.SimpleEmail.Subject.Data", direct.EmailMessage?.SimpleEmail?.Subject?.Data],
    ["MessageConfiguration.EmailMessage.SimpleEmail.HtmlPart.Data", direct.EmailMessage?.SimpleEmail?.HtmlPart?.Data],
    ["MessageConfiguration.EmailMessage.SimpleEmail.TextPart.Data", direct.EmailMessage?.SimpleEmail?.TextPart?.Data],
    ["MessageConfiguration.SMSMessage.Body", direct.SMSMessage?.Body],
    ["MessageConfiguration.DefaultPushNotificationMessage.Title", direct.DefaultPushNotificationMessage?.Title],
    ["MessageConfiguration.DefaultPushNotificationMessage.Body", direct.DefaultPushNotificationMessage?.Body],
  ];
  for (const member of ["APNSMessage", "GCMMessage", "ADMMessage", "BaiduMessage"] as const) {
    const m = direct[member] as { Title?: string; Body?: string; Url?: string } | undefined;
    parts.push(
      [`MessageConfiguration.${member}.Title`, m?.Title],
      [`MessageConfiguration.${member}.Body`, m?.Body],
      [`MessageConfiguration.${member}.Url`, m?.Url],
    );
  }
  (direct.EmailMessage?.SimpleEmail?.Headers ?? []).forEach((h, i) =>
    parts.push([`MessageConfiguration.EmailMessage.SimpleEmail.Headers[${i}].Value`, h.Value]),
  );
  for (const [name, text] of parts) if (text !== undefined) checkHandlebars(name, text);
}

export class ContentLoader {
  constructor(
    private readonly templates: TemplateService,
    private readonly cache: CompiledTemplateCache,
    private readonly senders?: SenderPolicy,
  ) {}

  async load(tenant: Tenant, spec: MessageSpec): Promise<MessageContents> {
    const tc = spec.TemplateConfiguration ?? {};
    if (tc.VoiceTemplate) throw badRequest("TemplateConfiguration.VoiceTemplate is not supported: pinrec does not send voice messages");
    if (tc.InAppTemplate) throw badRequest("TemplateConfiguration.InAppTemplate is not supported by SendMessages or SendUsersMessages");
    const direct = spec.MessageConfiguration ?? {};
    checkDirectContent(direct, this.senders);
    const out: Partial<Record<SendChannel, ChannelContent>> = {};
    for (const [member, type, channel] of TEMPLATE_TYPES) {
      const ref = tc[member] as Template | undefined;
      let template: LoadedTemplate | undefined;
      if (ref) {
        if (!ref.Name) throw badRequest(`TemplateConfiguration.${member}.Name is required`);
        const { head, version } = await this.templates.resolve(tenant, type, ref.Name, ref.Version);
        const content = version.content;
        template = {
          name: ref.Name,
          version: version.version,
          cacheKey: `${tenant.accountId}\u0000${tenant.region}\u0000${type}\u0000${ref.Name}\u0000${version.version}\u0000${version.lastModifiedDate}\u0000${head.creationDate}`,
          content,
          defaults: parseDefaults(content.DefaultSubstitutions as string | undefined),
          ...(typeof content.RecommenderId === "string" && { recommenderId: content.RecommenderId }),
          ...(head.tags?.[TRACKING_TAG] === "off" && { tracking: false }),
        };
      }
      out[channel] = channelContent(channel, template, direct, this.cache);
    }
    return out as MessageContents;
  }
}
