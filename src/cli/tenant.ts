/**
 * Which server data, account and region a command acts on, found exactly as `pinrec serve` finds
 * them (same flags, environment variables and config file; see settings.ts), so a campaign made
 * from the command line is one the server's SDK callers can query. Nothing is guessed: an account
 * must have a key in the credentials, a PostgreSQL target needs its credentials named, and
 * read-only commands never create a data directory.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { loadCredentialsFile } from "../server/credentials.js";
import { isPostgres, openStore, sqliteFile } from "../store/open.js";
import type { Store, Tenant } from "../store/types.js";
import { SHARED_SETTINGS, addSettings, resolveSettings } from "./settings.js";

/** A command-line mistake about where or for whom to act; reported as a usage error (exit 1). */
export class TenantError extends Error {}

export interface CliTarget {
  dataDir: string;
  /** True when the data dir was chosen (flag, env var or config file), not the default `./.pinrec`. */
  dataDirGiven: boolean;
  database?: string;
  credentials?: string;
  account?: string;
  region?: string;
}

/** Adds the options that choose the server's data and the tenant: `--config`, `--data-dir`, `--database`, `--credentials`, `--account`, `--region`. */
export function addTargetOptions(cmd: Command): Command {
  return addSettings(cmd, SHARED_SETTINGS)
    .option("--account <id>", "12-digit account id with a key in the credentials (default: their only account)")
    .option("--region <region>", "region (default: AWS_REGION, AWS_DEFAULT_REGION or us-east-1)");
}

export function resolveTarget(cmd: Command): CliTarget {
  const { values, sources } = resolveSettings(cmd, SHARED_SETTINGS);
  const o = cmd.opts();
  return { ...values, dataDirGiven: sources.dataDir !== "default", account: o.account, region: o.region };
}

/** The credentials file the server of this target verifies requests with. */
export function credentialsFileOf(t: CliTarget): string {
  if (t.credentials) return resolve(t.credentials);
  if (isPostgres(t.database) && !t.dataDirGiven) {
    // A ./.pinrec next to the command may belong to another installation: never take its account.
    throw new TenantError(
      "with --database and no --data-dir, pass --credentials FILE (the credentials file the server uses) so the account is known",
    );
  }
  const file = join(resolve(t.dataDir), "credentials.json");
  if (!existsSync(file)) {
    throw new TenantError(
      `no credentials at ${file}: pass the server's --data-dir (it generates them on first start) or --credentials FILE`,
    );
  }
  return file;
}

export function resolveRegion(t: CliTarget): string {
  const region = t.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "us-east-1";
  if (!/^[a-z0-9-]{1,32}$/.test(region)) throw new TenantError(`invalid region '${region}'`);
  return region;
}

/** The account and region to act for: `--account` must have a key in the credentials; without it, their only account. */
export function resolveTenant(t: CliTarget): Tenant {
  const region = resolveRegion(t);
  if (t.account !== undefined && !/^\d{12}$/.test(t.account))
    throw new TenantError(`--account must be a 12-digit account id, not '${t.account}'`);
  const file = credentialsFileOf(t);
  const accounts = [...new Set(loadCredentialsFile(file).map((c) => c.accountId))];
  if (t.account !== undefined) {
    if (!accounts.includes(t.account)) {
      throw new TenantError(
        `account ${t.account} has no key in ${file} (accounts there: ${accounts.join(", ")}); nobody could call the API as it. Pass one of those, or add a key for it to the credentials`,
      );
    }
    return { accountId: t.account, region };
  }
  if (accounts.length !== 1) throw new TenantError(`${file} holds several accounts (${accounts.join(", ")}): pass --account`);
  return { accountId: accounts[0], region };
}

/**
 * Opens the target's store. Only `create` may bring a new SQLite database into being; any other
 * command on a data dir without one is aimed at the wrong place and says so.
 */
export async function openTargetStore(t: CliTarget, mode: { create: boolean }): Promise<Store> {
  const dataDir = resolve(t.dataDir);
  const file = sqliteFile({ database: t.database, dataDir });
  if (file !== undefined && !mode.create && !existsSync(file)) {
    throw new TenantError(`no pinrec database at ${file}: pass the server's --data-dir or --database (or --config)`);
  }
  return openStore({ database: t.database, dataDir });
}

/** Runs `fn` on the target's store (see openTargetStore), saying what opening it changed, and closes it. */
export async function withTargetStore<T>(t: CliTarget, mode: { create: boolean }, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openTargetStore(t, mode);
  for (const notice of store.notices) process.stderr.write(`pinrec: ${notice}\n`);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
