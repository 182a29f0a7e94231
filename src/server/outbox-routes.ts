/**
 * pinrec's own routes for reading the outbox, under the `/_pinrec/` namespace that no AWS API
 * uses (as LocalStack keeps `/_localstack/`):
 *
 *   GET /_pinrec/outbox?application-id=&channel=&address=&status=&page-size=&token=
 *   GET /_pinrec/outbox/{MessageId}
 *
 * Signed with SigV4 like every Pinpoint call (service `mobiletargeting`), and scoped to the
 * signer's account and the credential scope's region, so an account sees only its own messages.
 */
import type { OutboxReader } from "../pinpoint/messaging/delivery/outbox-reader.js";
import type { ExtensionRoute } from "../protocol/extension.js";

export const OUTBOX_PATH = "/_pinrec/outbox";
const SIGNING_NAME = "mobiletargeting";

export function outboxRoutes(outbox: OutboxReader): ExtensionRoute[] {
  return [
    {
      method: "GET",
      path: OUTBOX_PATH,
      signingName: SIGNING_NAME,
      operation: "pinrec:ListOutboxMessages",
      async handler({ tenant, query }) {
        const body = await outbox.list(tenant, {
          applicationId: query.get("application-id") ?? undefined,
          channel: query.get("channel") ?? undefined,
          address: query.get("address") ?? undefined,
          status: query.get("status") ?? undefined,
          pageSize: query.get("page-size") ?? undefined,
          nextToken: query.get("token") ?? undefined,
        });
        return { body };
      },
    },
    {
      method: "GET",
      path: `${OUTBOX_PATH}/:messageId`,
      signingName: SIGNING_NAME,
      operation: "pinrec:GetOutboxMessage",
      async handler({ tenant, params }) {
        return { body: await outbox.get(tenant, params.messageId) };
      },
    },
  ];
}
