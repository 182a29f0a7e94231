/**
 * `pinrec credentials show`: the shell exports for a data dir's access key. The server prints only
 * the access key id on first start (logs are often captured); the secret stays in the 0600 file and
 * is read from it on request: `eval "$(pinrec credentials show)"`.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { Command, Option } from "commander";
import { CredentialsError, loadCredentialsFile } from "../server/credentials.js";
import { DEFAULT_DATA_DIR } from "../serve.js";

/** The credentials file a data dir's server uses unless given another. */
export function credentialsFileOf(o: { dataDir: string; credentials?: string }): string {
  return o.credentials ?? join(resolve(o.dataDir), "credentials.json");
}

export function credentialsCommand(): Command {
  const cmd = new Command("credentials").description("the access keys AWS clients sign with");
  cmd
    .command("show")
    .description("print `export AWS_ACCESS_KEY_ID=… AWS_SECRET_ACCESS_KEY=… AWS_DEFAULT_REGION=…` lines for a shell to eval")
    .option("--data-dir <dir>", "pinrec data directory", DEFAULT_DATA_DIR)
    .addOption(new Option("--credentials <file>", "credentials file (default: the data dir's generated one)").env("PINREC_CREDENTIALS_FILE"))
    .option("--account <id>", "the account whose key to show (default: the file's first)")
    .option("--region <region>", "region to export (default: AWS_REGION, AWS_DEFAULT_REGION or us-east-1)")
    .action((o: { dataDir: string; credentials?: string; account?: string; region?: string }) => {
      const file = credentialsFileOf(o);
      if (!existsSync(file)) {
        throw new CredentialsError(`no credentials at ${file}: start the server once with this --data-dir (it generates a key), or pass --credentials FILE`);
      }
      const all = loadCredentialsFile(file);
      const c = o.account ? all.find((k) => k.accountId === o.account) : all[0];
      if (!c) throw new CredentialsError(`${file} has no key for account ${o.account} (it has ${[...new Set(all.map((k) => k.accountId))].join(", ")})`);
      const region = o.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "us-east-1";
      const quote = (v: string) => (/^[A-Za-z0-9._\/+=-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`);
      process.stdout.write(
        [`export AWS_ACCESS_KEY_ID=${quote(c.accessKeyId)}`, `export AWS_SECRET_ACCESS_KEY=${quote(c.secretAccessKey)}`, `export AWS_DEFAULT_REGION=${quote(region)}`].join("\n") + "\n",
      );
    });
  return cmd;
}
