/** `pinrec outbox list|show`: the messages pinrec accepted for delivery, read from its database. */
import { Command } from "commander";
import { OutboxReader } from "../pinpoint/messaging/delivery/outbox-reader.js";
import { ApiError } from "../shared/errors.js";
import { addTargetOptions, resolveTarget, resolveTenant, withTargetStore } from "./tenant.js";

const print = (v: unknown) => process.stdout.write(JSON.stringify(v, null, 2) + "\n");

/**
 * The reader's typed errors (a bad filter, an unknown id) become the CLI's one-line errors, exit 2:
 * the command was well formed, the outbox refused it (as `campaigns` does for a missing campaign).
 */
export class OutboxReadError extends Error {}
async function reading<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ApiError) throw new OutboxReadError(err.message);
    throw err;
  }
}

export function outboxCommand(): Command {
  const cmd = new Command("outbox").description(
    "read the messages accepted for delivery (SendMessages, SendUsersMessages) and what became of them",
  );

  const list = addTargetOptions(cmd.command("list").description("list messages, oldest first, with their delivery status"));
  list
    .option("--app <id>", "only this application (project) id")
    .option("--channel <channel>", "only EMAIL, SMS or PUSH")
    .option("--address <address>", "only messages to this address (email, phone number or device token)")
    .option("--status <status>", "only STORED, QUEUED, SENDING, SENT or FAILED")
    .option("--limit <n>", "messages per page, at most 1000", "100")
    .option("--next-token <token>", "continue from a previous page's NextToken")
    .action(async (o) => {
      const target = resolveTarget(list);
      const tenant = resolveTenant(target);
      const page = await withTargetStore(target, { create: false }, (store) =>
        reading(() =>
          new OutboxReader(store.outbox).list(tenant, {
            applicationId: o.app,
            channel: o.channel,
            address: o.address,
            status: o.status,
            pageSize: o.limit,
            nextToken: o.nextToken,
          }),
        ),
      );
      print(page);
    });

  const show = addTargetOptions(cmd.command("show").description("print one message in full: its rendered content and its delivery record"));
  show.argument("<message-id>", "the MessageId SendMessages returned").action(async (messageId: string) => {
    const target = resolveTarget(show);
    const tenant = resolveTenant(target);
    print(
      await withTargetStore(target, { create: false }, (store) => reading(() => new OutboxReader(store.outbox).get(tenant, messageId))),
    );
  });

  return cmd;
}
