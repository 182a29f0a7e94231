/** `pinrec messages preview`: render a template for an endpoint or a user, with real recommendations, without sending. */
import { Command, InvalidArgumentError, Option } from "commander";
import { resolve } from "node:path";
import { createServices } from "../services.js";
import { addTargetOptions, resolveTarget, resolveTenant, withTargetStore } from "./tenant.js";

function substitutions(value: string): Record<string, string[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new InvalidArgumentError(`--substitutions must be a JSON object such as '{"Name":["Ana"]}'`);
  }
  return parsed as Record<string, string[]>;
}

export function messagesCommand(): Command {
  const messages = new Command("messages").description("personalised messages");
  const preview = addTargetOptions(
    new Command("preview")
      .description("render a template for one endpoint (or every endpoint of a user) with real recommendations, without sending")
      .requiredOption("--app <id>", "application (project) id")
      .requiredOption("--template <name>", "template name (the endpoint's channel picks the EMAIL, SMS or PUSH template)")
      .option("--template-version <n>", "template version (default: the active one)")
      .option("--substitutions <json>", 'per-recipient Substitutions, e.g. \'{"Name":["Ana"]}\'', substitutions)
      .option("--functions-dir <dir>", "local transformer functions (default: DATA_DIR/functions)")
      .option("--lambda-endpoint <url>", "AWS Lambda API endpoint for transformers that are not local functions")
      .option("--personalize-endpoint <url>", "Amazon Personalize runtime endpoint for campaigns pinrec does not serve")
      .option("--assume-provider-role", "assume RecommendationProviderRoleArn through STS before calling Personalize")
      .addOption(new Option("--endpoint <id>", "endpoint id").conflicts("user"))
      .addOption(new Option("--user <id>", "user id: every endpoint of the user").conflicts("endpoint")),
  );
  messages.addCommand(
    preview.action(async (o) => {
      if (!o.endpoint && !o.user) throw new InvalidArgumentError("give --endpoint ID or --user ID");
      const target = resolveTarget(preview);
      const tenant = resolveTenant(target);
      const dataDir = resolve(target.dataDir);
      await withTargetStore(target, { create: false }, async (store) => {
        const services = createServices(store, dataDir, {
          models: { pollMs: 0 },
          transformer: { functionsDir: o.functionsDir, lambdaEndpoint: o.lambdaEndpoint },
          personalize: { endpoint: o.personalizeEndpoint, assumeRole: o.assumeProviderRole === true },
        });
        try {
          const result = await services.messaging.service.preview(tenant, o.app, {
            template: o.template,
            version: o.templateVersion,
            endpointId: o.endpoint,
            userId: o.user,
            substitutions: o.substitutions,
          });
          process.stdout.write(JSON.stringify(result, null, 2) + "\n");
        } finally {
          await services.close();
        }
      });
    }),
  );
  return messages;
}
