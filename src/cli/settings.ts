/**
 * Every `pinrec serve` setting, defined once: its flag, environment variable, config-file key,
 * parser, default and help. A value comes from, in order: the flag, the environment variable, the
 * config file (`--config pinrec.json` or PINREC_CONFIG), the default.
 *
 * Adding a setting is one row in SERVE_SETTINGS (plus the ServerOptions field it feeds, under the
 * same key). A row's `key` is the config-file key and the camelCase of its flag; a boolean is
 * written `--flag [bool]` with `parse: bool` (`--flag` alone means true; `PINREC_FLAG=false` and
 * `"flag": false` mean false).
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { type Command, Help, InvalidArgumentError, Option } from "commander";
import { METRICS_MODES } from "../server/metrics-mode.js";
import { DEFAULT_DATA_DIR, DEFAULT_HOST, DEFAULT_PORT } from "../server/serve-setup.js";
import { describeDatabase } from "../store/location.js";
import { httpUrl, port, positiveInt, urlOption } from "./args.js";
import { checkSmtpUrl } from "../pinpoint/messaging/delivery/smtp.js";
import { checkWebhookUrl } from "../pinpoint/messaging/delivery/webhook.js";
import { DEFAULT_LEASE_MS, DEFAULT_MAX_ATTEMPTS } from "../pinpoint/messaging/delivery/defaults.js";
import { DEFAULT_EVENT_CAMPAIGN_QUOTA } from "../pinpoint/campaigns/defaults.js";
import { DEFAULT_OUTBOX_QUOTA } from "../pinpoint/messaging/delivery/outbox-quota.js";
import { TRANSFORMER_BACKENDS } from "../pinpoint/messaging/transformer/backends.js";
import { DEFAULT_MAX_FOLDED_USERS } from "../personalize/campaigns/defaults.js";
import { DEFAULT_RUNNER_LEASE_MS } from "../pinpoint/campaigns/runner/defaults.js";
import { isSenderEntry } from "../shared/senders.js";
import { DEFAULT_EVENT_RETENTION_DAYS, DEFAULT_TRACKING_RATE_LIMIT } from "../pinpoint/engagement/defaults.js";

export interface Setting<T = unknown> {
  /** Config-file key, and the flag in camelCase (`--data-dir` → `dataDir`). */
  key: string;
  /** Commander flags: `--port <port>`, `--rate-limit <n>`, `--allow-any-region [bool]`. */
  flags: string;
  env: `PINREC_${string}`;
  help: string;
  parse: (raw: string) => T;
  default?: T;
  /** How --help shows the default, when not the value itself (e.g. "unlimited"). */
  defaultHelp?: string;
  choices?: readonly string[];
  /** A path: relative values in a config file are relative to the file, not the working directory. */
  path?: boolean;
  /** Also read by commands that open the server's data (`pinrec campaigns …`), so they find the same tenant. */
  shared?: boolean;
  /** A secret: `--print-config` shows `***` in its place. */
  secret?: boolean;
}

const text = (value: string) => value;
const choice =
  <const C extends readonly string[]>(choices: C) =>
  (value: string): C[number] => {
    if (!choices.includes(value)) throw new InvalidArgumentError(`choose one of ${choices.join(", ")}`);
    return value;
  };
/** Booleans from flags, env vars and config files alike: true/false, 1/0, yes/no, on/off. */
export function bool(value: string | boolean): boolean {
  // Commander hands a bare `--flag [bool]` its preset, true, already parsed.
  if (typeof value === "boolean") return value;
  const v = value.toLowerCase();
  if (["true", "1", "yes", "on"].includes(v)) return true;
  if (["false", "0", "no", "off"].includes(v)) return false;
  throw new InvalidArgumentError("must be true or false");
}

/** A comma-separated list of 12-digit AWS account ids. */
function accountIds(value: string): string[] {
  const ids = value
    .split(",")
    .map((v) => v.trim())
    .filter(Boolean);
  for (const id of ids) if (!/^\d{12}$/.test(id)) throw new InvalidArgumentError(`'${id}' is not a 12-digit AWS account id`);
  return ids;
}

/** Comma-separated `campaignArn=trackingId` pairs: the event tracker each campaign's clicks go to. */
function trackingIds(value: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of value
    .split(",")
    .map((v) => v.trim())
    .filter(Boolean)) {
    const at = pair.lastIndexOf("=");
    const arn = pair.slice(0, Math.max(at, 0));
    const id = pair.slice(at + 1);
    if (
      at < 0 ||
      !/^arn:aws[a-z-]*:personalize:[a-z0-9-]+:\d{12}:campaign\/[A-Za-z0-9][A-Za-z0-9_-]*$/.test(arn) ||
      !/^[A-Za-z0-9-]{1,256}$/.test(id)
    )
      throw new InvalidArgumentError(`'${pair}' is not <Personalize campaign ARN>=<event tracker's tracking id>`);
    out[arn] = id;
  }
  return out;
}

/** `--allowed-senders`: comma-separated domains (`example.com`) and addresses (`news@example.com`). */
function senderEntries(value: string): string[] {
  const entries = value
    .split(",")
    .map((v) => v.trim().toLowerCase())
    .filter(Boolean);
  if (entries.length === 0) throw new InvalidArgumentError("give at least one domain or address");
  for (const e of entries) if (!isSenderEntry(e)) throw new InvalidArgumentError(`'${e}' is neither a domain name nor an email address`);
  return entries;
}

/** A comma-separated list of S3 bucket names, or `*`. */
function bucketNames(value: string): string[] {
  const names = value
    .split(",")
    .map((v) => v.trim())
    .filter(Boolean);
  for (const n of names)
    if (n !== "*" && !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(n)) throw new InvalidArgumentError(`'${n}' is not an S3 bucket name`);
  return names;
}

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** Keeps each row's literal type, so the resolved settings are typed per key. */
const setting = <const S extends Setting<any>>(s: S): S => s;

export const SERVE_SETTINGS = [
  setting({ key: "host", flags: "--host <host>", env: "PINREC_HOST", help: "address to listen on", parse: text, default: DEFAULT_HOST }),
  setting({
    key: "port",
    flags: "--port <port>",
    env: "PINREC_PORT",
    help: "port to listen on (0 picks a free one)",
    parse: port,
    default: DEFAULT_PORT,
  }),
  setting({
    key: "dataDir",
    flags: "--data-dir <dir>",
    env: "PINREC_DATA_DIR",
    help: "where pinrec keeps its data",
    parse: text,
    default: DEFAULT_DATA_DIR,
    path: true,
    shared: true,
  }),
  setting({
    key: "credentials",
    flags: "--credentials <file>",
    env: "PINREC_CREDENTIALS_FILE",
    help: "JSON array of {accessKeyId, secretAccessKey, accountId}",
    parse: text,
    defaultHelp: "generated in the data dir",
    path: true,
    shared: true,
  }),
  setting({
    key: "database",
    flags: "--database <url>",
    env: "PINREC_DATABASE_URL",
    help: "postgres://… for PostgreSQL",
    parse: text,
    defaultHelp: "SQLite in the data dir",
    shared: true,
  }),
  setting({
    key: "logLevel",
    flags: "--log-level <level>",
    env: "PINREC_LOG_LEVEL",
    help: "log level",
    parse: choice(LOG_LEVELS),
    default: "info",
    choices: LOG_LEVELS,
  }),
  setting({
    key: "rateLimit",
    flags: "--rate-limit <n>",
    env: "PINREC_RATE_LIMIT",
    help: "requests per second per account",
    parse: positiveInt,
    defaultHelp: "unlimited",
  }),
  setting({
    key: "recommenderQuota",
    flags: "--recommender-quota <n>",
    env: "PINREC_RECOMMENDER_QUOTA",
    help: "recommender configurations per account and region",
    parse: positiveInt,
    default: 100,
  }),
  setting({
    key: "appQuota",
    flags: "--app-quota <n>",
    env: "PINREC_APP_QUOTA",
    help: "apps (projects) per account and region",
    parse: positiveInt,
    default: 100,
  }),
  setting({
    key: "eventCampaignQuota",
    flags: "--event-campaign-quota <n>",
    env: "PINREC_EVENT_CAMPAIGN_QUOTA",
    help: "active (unpaused) EVENT campaigns per app; past it, CreateCampaign and UpdateCampaign answer 400",
    parse: positiveInt,
    default: DEFAULT_EVENT_CAMPAIGN_QUOTA,
  }),
  setting({
    key: "workers",
    flags: "--workers <n>",
    env: "PINREC_WORKERS",
    help: "server processes sharing the port, e.g. one per core",
    parse: positiveInt,
    default: 1,
  }),
  setting({
    key: "metrics",
    flags: "--metrics <mode>",
    env: "PINREC_METRICS",
    help: "GET /metrics: on (unsigned), signed (SigV4, service name pinrec) or off",
    parse: choice(METRICS_MODES),
    default: "on",
    choices: METRICS_MODES,
  }),
  setting({
    key: "console",
    flags: "--console [bool]",
    env: "PINREC_CONSOLE",
    help: "serve the web console at /_pinrec/console/ (on or off)",
    parse: bool,
    default: true,
  }),
  setting({
    key: "functionsDir",
    flags: "--functions-dir <dir>",
    env: "PINREC_FUNCTIONS_DIR",
    help: "local recommendation transformer functions (NAME.mjs or NAME/index.mjs)",
    parse: text,
    defaultHelp: "<data-dir>/functions",
    path: true,
  }),
  setting({
    key: "lambdaEndpoint",
    flags: "--lambda-endpoint <url>",
    env: "PINREC_LAMBDA_ENDPOINT",
    help: "AWS Lambda API endpoint for transformers (implies --transformer auto)",
    parse: httpUrl,
  }),
  setting({
    key: "transformer",
    flags: "--transformer <backend>",
    env: "PINREC_TRANSFORMER",
    help: "where transformers run: local functions, AWS Lambda, or auto (local when the function exists, else Lambda)",
    parse: choice(TRANSFORMER_BACKENDS),
    defaultHelp: "local; auto with --lambda-endpoint",
    choices: TRANSFORMER_BACKENDS,
  }),
  setting({
    key: "functionWorkers",
    flags: "--function-workers <n>",
    env: "PINREC_FUNCTION_WORKERS",
    help: "worker threads for local functions",
    parse: positiveInt,
    defaultHelp: "cores, 2-8",
  }),
  setting({
    key: "functionMemoryMb",
    flags: "--function-memory <mb>",
    env: "PINREC_FUNCTION_MEMORY",
    help: "heap limit of each local function worker in MB",
    parse: positiveInt,
    default: 256,
  }),
  setting({
    key: "smtpUrl",
    flags: "--smtp-url <url>",
    env: "PINREC_SMTP_URL",
    help: "send email through this SMTP server: smtp://[user:pass@]host:port or smtps://…",
    parse: urlOption(checkSmtpUrl),
    defaultHelp: "keep it in the outbox",
  }),
  setting({
    key: "webhookUrl",
    flags: "--webhook-url <url>",
    env: "PINREC_WEBHOOK_URL",
    help: "POST SMS and push messages here as signed JSON (needs --webhook-secret)",
    parse: urlOption(checkWebhookUrl),
    defaultHelp: "keep them in the outbox",
  }),
  setting({
    key: "webhookSecret",
    flags: "--webhook-secret <secret>",
    env: "PINREC_WEBHOOK_SECRET",
    help: "the webhook's HMAC-SHA256 signing secret (whsec_<base64> or any string)",
    parse: text,
    secret: true,
  }),
  setting({
    key: "pushDelivery",
    flags: "--push-delivery [bool]",
    env: "PINREC_PUSH_DELIVERY",
    help: "deliver push messages to FCM (HTTP v1) and APNs (HTTP/2) with each app's GCM and APNs channel credentials",
    parse: bool,
    default: false,
  }),
  setting({
    key: "fcmEndpoint",
    flags: "--fcm-endpoint <url>",
    env: "PINREC_FCM_ENDPOINT",
    help: "another base URL for FCM HTTP v1 (/v1/projects/{project}/messages:send)",
    parse: httpUrl,
    defaultHelp: "https://fcm.googleapis.com",
  }),
  setting({
    key: "fcmTokenEndpoint",
    flags: "--fcm-token-endpoint <url>",
    env: "PINREC_FCM_TOKEN_ENDPOINT",
    help: "where FCM OAuth 2.0 access tokens are requested",
    parse: httpUrl,
    defaultHelp: "https://oauth2.googleapis.com/token",
  }),
  setting({
    key: "apnsEndpoint",
    flags: "--apns-endpoint <url>",
    env: "PINREC_APNS_ENDPOINT",
    help: "another base URL for APNs (http:// = HTTP/2 without TLS)",
    parse: httpUrl,
    defaultHelp: "api.push.apple.com / api.sandbox.push.apple.com",
  }),
  setting({
    key: "apnsCaFile",
    flags: "--apns-ca-file <file>",
    env: "PINREC_APNS_CA_FILE",
    help: "PEM CA certificates to trust for --apns-endpoint",
    parse: text,
    path: true,
  }),
  setting({
    key: "deliveryLeaseMs",
    flags: "--delivery-lease-ms <ms>",
    env: "PINREC_DELIVERY_LEASE_MS",
    help: "how long a claimed message waits for a sender that stopped answering before another takes it",
    parse: positiveInt,
    default: DEFAULT_LEASE_MS,
  }),
  setting({
    key: "deliveryAttempts",
    flags: "--delivery-attempts <n>",
    env: "PINREC_DELIVERY_ATTEMPTS",
    help: "attempts before a transiently failing message is recorded as failed",
    parse: positiveInt,
    default: DEFAULT_MAX_ATTEMPTS,
  }),
  setting({
    key: "outboxQuota",
    flags: "--outbox-quota <n>",
    env: "PINREC_OUTBOX_QUOTA",
    help: "messages waiting for delivery per account and region; past it, sends answer 429 TooManyRequestsException",
    parse: positiveInt,
    default: DEFAULT_OUTBOX_QUOTA,
  }),
  setting({
    key: "campaignRuns",
    flags: "--campaign-runs [bool]",
    env: "PINREC_CAMPAIGN_RUNS",
    help: "fire due Pinpoint campaign runs and send their batches in this process (every process on a PostgreSQL database shares the work)",
    parse: bool,
    default: true,
  }),
  setting({
    key: "campaignRunLeaseMs",
    flags: "--campaign-run-lease-ms <ms>",
    env: "PINREC_CAMPAIGN_RUN_LEASE_MS",
    help: "how long a campaign batch claimed by a process that stopped answering waits before another process takes it",
    parse: positiveInt,
    default: DEFAULT_RUNNER_LEASE_MS,
  }),
  setting({
    key: "allowAnyRegion",
    flags: "--allow-any-region [bool]",
    env: "PINREC_ALLOW_ANY_REGION",
    help: "accept request signatures scoped to any region name, not only AWS's published Regions",
    parse: bool,
    default: false,
  }),
  setting({
    key: "personalizeEndpoint",
    flags: "--personalize-endpoint <url>",
    env: "PINREC_PERSONALIZE_ENDPOINT",
    help: "Amazon Personalize endpoint (runtime, and events for --personalize-tracking-id) for campaign ARNs this pinrec does not serve",
    parse: httpUrl,
    defaultHelp: "AWS's",
  }),
  setting({
    key: "personalizeTrackingId",
    flags: "--personalize-tracking-id <pairs>",
    env: "PINREC_PERSONALIZE_TRACKING_ID",
    help: "campaignArn=trackingId pairs (comma-separated): clicks on recommended items of these Amazon Personalize campaigns are sent to the event tracker with PutEvents",
    parse: trackingIds,
    defaultHelp: "none",
  }),
  setting({
    key: "assumeProviderRole",
    flags: "--assume-provider-role [bool]",
    env: "PINREC_ASSUME_PROVIDER_ROLE",
    help: "assume each recommender's RecommendationProviderRoleArn through STS before calling Personalize",
    parse: bool,
    default: false,
  }),
  setting({
    key: "stsEndpoint",
    flags: "--sts-endpoint <url>",
    env: "PINREC_STS_ENDPOINT",
    help: "STS endpoint for --assume-provider-role",
    parse: httpUrl,
    defaultHelp: "AWS's",
  }),
  setting({
    key: "s3Endpoint",
    flags: "--s3-endpoint <url>",
    env: "PINREC_S3_ENDPOINT",
    help: "S3-compatible server (path-style) CreateImportJob reads s3://bucket/key URLs from, with the server's AWS credentials",
    parse: httpUrl,
  }),
  setting({
    key: "importDir",
    flags: "--import-dir <dir>",
    env: "PINREC_IMPORT_DIR",
    help: "the only directory CreateImportJob may read file:// URLs from",
    parse: text,
    defaultHelp: "<data-dir>/imports",
    path: true,
  }),
  setting({
    key: "maxFoldedUsers",
    flags: "--max-folded-users <n>",
    env: "PINREC_MAX_FOLDED_USERS",
    help: "users whose real-time events are folded into models in memory, per server process, until the next retrain (about 4 KB each)",
    parse: positiveInt,
    default: DEFAULT_MAX_FOLDED_USERS,
  }),
  setting({
    key: "allowPersonalizeAccount",
    flags: "--allow-personalize-account <ids>",
    env: "PINREC_ALLOW_PERSONALIZE_ACCOUNT",
    help: "AWS account ids (comma-separated) whose Personalize campaigns any tenant may name, called with the server's own credentials; a tenant's own account is always allowed",
    parse: accountIds,
    defaultHelp: "none",
  }),
  setting({
    key: "allowLambdaAccount",
    flags: "--allow-lambda-account <ids>",
    env: "PINREC_ALLOW_LAMBDA_ACCOUNT",
    help: "AWS account ids (comma-separated) whose Lambda functions any tenant may name as transformers; a tenant's own account is always allowed",
    parse: accountIds,
    defaultHelp: "none",
  }),
  setting({
    key: "allowS3Bucket",
    flags: "--allow-s3-bucket <names>",
    env: "PINREC_ALLOW_S3_BUCKET",
    help: "S3 buckets (comma-separated; * for any) that CreateImportJob may read with the server's credentials",
    parse: bucketNames,
    defaultHelp: "none",
  }),
  setting({
    key: "allowedSenders",
    flags: "--allowed-senders <list>",
    env: "PINREC_ALLOWED_SENDERS",
    help: "domains and addresses (comma-separated) tenants may send email from (FromAddress of sends, campaigns and the email channel); others get 400",
    parse: senderEntries,
    defaultHelp: "any",
  }),
  setting({
    key: "tracking",
    flags: "--tracking [bool]",
    env: "PINREC_TRACKING",
    help: "rewrite email links to tracking URLs and add an open pixel (off: links and opens are not tracked)",
    parse: bool,
    default: true,
  }),
  setting({
    key: "trackingUrl",
    flags: "--tracking-url <url>",
    env: "PINREC_TRACKING_URL",
    help: "public base URL of this server that recipients' mail clients reach, for tracked links, the open pixel and unsubscribe links",
    parse: httpUrl,
    defaultHelp: "the server's own address",
  }),
  setting({
    key: "trackingRateLimit",
    flags: "--tracking-rate-limit <n>",
    env: "PINREC_TRACKING_RATE_LIMIT",
    help: "tracking requests per second per source address (a burst of 4x is allowed); more get 429",
    parse: positiveInt,
    default: DEFAULT_TRACKING_RATE_LIMIT,
  }),
  setting({
    key: "eventRetentionDays",
    flags: "--event-retention-days <n>",
    env: "PINREC_EVENT_RETENTION_DAYS",
    help: "days engagement events (sends, deliveries, opens, clicks) are kept for KPIs before they are pruned",
    parse: positiveInt,
    default: DEFAULT_EVENT_RETENTION_DAYS,
  }),
  setting({
    key: "kinesisEndpoint",
    flags: "--kinesis-endpoint <url>",
    env: "PINREC_KINESIS_ENDPOINT",
    help: "Kinesis-compatible server event streams with a Kinesis data stream ARN are sent to (PutRecords), with the server's AWS credentials",
    parse: httpUrl,
    defaultHelp: "AWS's",
  }),
  setting({
    key: "firehoseEndpoint",
    flags: "--firehose-endpoint <url>",
    env: "PINREC_FIREHOSE_ENDPOINT",
    help: "Firehose-compatible server event streams with a Firehose delivery stream ARN are sent to (PutRecordBatch), with the server's AWS credentials",
    parse: httpUrl,
    defaultHelp: "AWS's",
  }),
] as const;

type ValueOf<S> = S extends { parse: (raw: string) => infer T } ? (S extends { default: unknown } ? T : T | undefined) : never;
export type SettingsOf<R extends readonly Setting<any>[]> = { -readonly [S in R[number] as S["key"]]: ValueOf<S> };
export type ServeSettings = SettingsOf<typeof SERVE_SETTINGS>;

export const SHARED_SETTINGS = SERVE_SETTINGS.filter((s) => "shared" in s && s.shared);

/** `--config <file>`: the optional JSON config file, itself settable from the environment. */
const CONFIG_OPTION = () => new Option("--config <file>", "JSON config file; flags and env vars override it").env("PINREC_CONFIG");

/** Adds the rows' options (and --config) to a command. */
export function addSettings(cmd: Command, settings: readonly Setting<any>[]): Command {
  cmd.addOption(CONFIG_OPTION());
  const describedDefaults = new Map<Option, string>();
  for (const s of settings) {
    const o = new Option(s.flags, s.help).env(s.env);
    if (s.choices) o.choices(s.choices);
    else o.argParser((raw: string) => s.parse(raw));
    if (s.flags.endsWith("[bool]")) o.preset(true);
    if (s.default !== undefined) o.default(s.default, s.defaultHelp);
    else if (s.defaultHelp) describedDefaults.set(o, s.defaultHelp);
    cmd.addOption(o);
  }
  // Commander shows only real default values; "(default: unlimited, env: …)" for the others too.
  cmd.configureHelp({
    optionDescription(option) {
      const text = Help.prototype.optionDescription.call(this, option);
      const described = describedDefaults.get(option);
      return described ? text.replace(/\(env: /, `(default: ${described}, env: `) : text;
    },
  });
  return cmd;
}

export class ConfigError extends Error {}

export interface Resolved<T> {
  values: T;
  /** Where each value came from: `--port`, `env PINREC_PORT`, `config /etc/pinrec.json`, `default`. */
  sources: Record<string, string>;
  configFile?: string;
}

/** The settings' values after a command parsed its flags: flag > env var > config file > default. */
export function resolveSettings<R extends readonly Setting<any>[]>(cmd: Command, settings: R): Resolved<SettingsOf<R>> {
  const opts = cmd.opts();
  const configFile = typeof opts.config === "string" ? resolve(opts.config) : undefined;
  const file = configFile ? readConfigFile(configFile, settings) : {};
  const values: Record<string, unknown> = {};
  const sources: Record<string, string> = {};
  for (const s of settings) {
    const source = cmd.getOptionValueSource(s.key);
    if (source === "cli" || source === "env") {
      values[s.key] = opts[s.key];
      sources[s.key] = source === "env" ? `env ${s.env}` : s.flags.split(" ")[0];
    } else if (file[s.key] !== undefined && file[s.key] !== null) {
      values[s.key] = fromFile(s, file[s.key], configFile!);
      sources[s.key] = `config ${configFile}`;
    } else {
      values[s.key] = s.default;
      sources[s.key] = "default";
    }
  }
  return { values: values as SettingsOf<R>, sources, configFile };
}

function readConfigFile(path: string, settings: readonly Setting<any>[]): Record<string, unknown> {
  if (!existsSync(path)) throw new ConfigError(`config file ${path} does not exist (--config / PINREC_CONFIG)`);
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new ConfigError(`config file ${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof data !== "object" || data === null || Array.isArray(data))
    throw new ConfigError(`config file ${path} must hold a JSON object of settings`);
  // Every serve setting is accepted (one file serves `serve` and `campaigns`); a typo is not ignored.
  const known = new Set([...SERVE_SETTINGS, ...settings].map((s) => s.key));
  for (const key of Object.keys(data)) {
    if (!known.has(key)) throw new ConfigError(`config file ${path}: unknown setting "${key}"; known settings: ${[...known].join(", ")}`);
  }
  return data as Record<string, unknown>;
}

function fromFile(s: Setting<any>, raw: unknown, configFile: string): unknown {
  if (typeof raw !== "string" && typeof raw !== "number" && typeof raw !== "boolean") {
    throw new ConfigError(`config file ${configFile}: "${s.key}" must be a string, number or boolean`);
  }
  let value: unknown;
  try {
    value = s.parse(String(raw));
  } catch (err) {
    throw new ConfigError(`config file ${configFile}: "${s.key}" ${(err as Error).message}`);
  }
  return s.path && typeof value === "string" ? resolve(dirname(configFile), value) : value;
}

/** `--print-config`: the resolved settings as a config file on stdout (database password masked), sources on stderr. */
/** A URL's password (and a user name alone, which some services use as the key) shown as `***`. */
export function maskUrlCredentials(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return value;
  }
  if (!url.password && !url.username) return value;
  if (url.password) url.password = "***";
  else url.username = "***";
  return url.toString();
}

/** The resolved settings as JSON, with every secret masked: secret rows, and credentials in any URL (database, SMTP, …). */
export function printConfig(resolved: Resolved<Record<string, unknown>>, settings: readonly Setting<any>[] = SERVE_SETTINGS): void {
  const secret = new Set(settings.filter((s) => s.secret).map((s) => s.key));
  const shown: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(resolved.values)) {
    if (secret.has(key) && value !== undefined) shown[key] = "***";
    else if (key === "database" && typeof value === "string") shown[key] = describeDatabase({ database: value, dataDir: "" });
    else shown[key] = typeof value === "string" ? maskUrlCredentials(value) : (value ?? null);
  }
  process.stdout.write(JSON.stringify(shown, null, 2) + "\n");
  const width = Math.max(...Object.keys(resolved.sources).map((k) => k.length));
  for (const [key, source] of Object.entries(resolved.sources)) process.stderr.write(`${key.padEnd(width)}  from ${source}\n`);
}
