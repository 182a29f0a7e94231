/** Which account and region a command acts for, so CLI-made campaigns match what SDK callers sign as. */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { InvalidArgumentError } from "commander";
import { loadCredentialsFile } from "../server/credentials.js";
import type { Tenant } from "../store/types.js";

export interface TenantFlags {
  account?: string;
  region?: string;
  dataDir: string;
  credentials?: string;
}

export function resolveTenant(o: TenantFlags): Tenant {
  const region = o.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "us-east-1";
  if (!/^[a-z0-9-]{1,32}$/.test(region)) throw new InvalidArgumentError(`invalid region '${region}'`);
  if (o.account) {
    if (!/^\d{12}$/.test(o.account)) throw new InvalidArgumentError("--account must be a 12-digit account id");
    return { accountId: o.account, region };
  }
  const file = o.credentials ?? join(resolve(o.dataDir), "credentials.json");
  if (!existsSync(file)) {
    throw new InvalidArgumentError(`no --account given and no credentials at ${file}: start the server once (it generates them) or pass --account`);
  }
  const accounts = [...new Set(loadCredentialsFile(file).map((c) => c.accountId))];
  if (accounts.length !== 1) throw new InvalidArgumentError(`${file} holds several accounts (${accounts.join(", ")}): pass --account`);
  return { accountId: accounts[0], region };
}
