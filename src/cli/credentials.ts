/**
 * `pinrec credentials show`: the shell exports for a server's access key. The server prints only
 * the access key id on first start (logs are often captured); the secret stays in the 0600 file and
 * is read from it on request: `eval "$(pinrec credentials show)"`.
 */
import { Command } from "commander";
import { loadCredentialsFile } from "../server/credentials.js";
import { addTargetOptions, credentialsFileOf, resolveRegion, resolveTarget, resolveTenant } from "./tenant.js";

export function credentialsCommand(): Command {
  const cmd = new Command("credentials").description("the access keys AWS clients sign with");
  const show = addTargetOptions(
    new Command("show").description(
      "print `export AWS_ACCESS_KEY_ID=… AWS_SECRET_ACCESS_KEY=… AWS_DEFAULT_REGION=…` lines for a shell to eval",
    ),
  );
  show.action(() => {
    // Found exactly as `serve` and `campaigns` find them: same flags, variables and config file.
    const target = resolveTarget(show);
    const file = credentialsFileOf(target);
    const all = loadCredentialsFile(file);
    const accountId =
      target.account === undefined && new Set(all.map((k) => k.accountId)).size > 1 ? all[0].accountId : resolveTenant(target).accountId;
    const key = all.find((k) => k.accountId === accountId)!;
    const quote = (v: string) => (/^[A-Za-z0-9._/+=-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`);
    process.stdout.write(
      [
        `export AWS_ACCESS_KEY_ID=${quote(key.accessKeyId)}`,
        `export AWS_SECRET_ACCESS_KEY=${quote(key.secretAccessKey)}`,
        `export AWS_DEFAULT_REGION=${quote(resolveRegion(target))}`,
      ].join("\n") + "\n",
    );
  });
  return cmd.addCommand(show);
}
