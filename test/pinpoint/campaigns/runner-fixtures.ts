/**
 * What the campaign runner suites share: a server (without its own runner) set up as a user would
 * through the Pinpoint API (an app, a trained engine campaign behind recommender configurations,
 * an email template naming one, an enabled email channel, endpoints and a segment), campaigns
 * written into `message_campaigns` as the campaign API stores them, and runners on their own
 * connections to the same database, as other processes would have.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pino } from "pino";
import {
  CreateEmailTemplateCommand,
  CreateSegmentCommand,
  UpdateEmailChannelCommand,
  type CampaignResponse,
  type EndpointBatchItem,
  type PinpointClient,
} from "@aws-sdk/client-pinpoint";
import type { RunningServer } from "../../../src/server/serve.js";
import { createServices, type Services } from "../../../src/services.js";
import { openStore } from "../../../src/store/open.js";
import { PostgresDb } from "../../../src/store/postgres.js";
import { SqliteDb } from "../../../src/store/sqlite.js";
import type { SqlDb } from "../../../src/store/sql.js";
import type { Store, Tenant } from "../../../src/store/types.js";
import type { OutboxRecord } from "../../../src/store/outbox.js";
import type { RenderedMessage } from "../../../src/pinpoint/messaging/contracts.js";
import { PG_URL, pinpointClient, startTestServer, tempDir } from "../../helpers.js";
import { TENANT_A, createApp, createRecommender, putEndpoints, trainCampaign } from "../messaging/send-fixtures.js";

export { TENANT_A };
export const IDENTITY = `arn:aws:ses:us-east-1:${TENANT_A.accountId}:identity/example.com`;

export interface World {
  kind: "sqlite" | "postgres";
  server: RunningServer;
  client: PinpointClient;
  dataDir: string;
  functionsDir: string;
  schema?: string;
  /** Raw SQL on the same database, for writing campaigns as the campaign API would. */
  db: SqlDb;
  appId: string;
  campaignArn: string;
  /** The recommender (transformer add-titles) and one whose transformer always fails. */
  recommenderId: string;
  failingRecommenderId: string;
  /** `--database`-style options for another store on the same database. */
  storeOptions: { database?: string; schema?: string; dataDir: string };
  /** Runner stacks started on this world and not yet closed; `dispose` closes them first. */
  openRunners: Set<RunnerStack>;
  dispose(): Promise<void>;
}

export interface RunnerStack {
  services: Services;
  store: Store;
  close(): Promise<void>;
}

export function writeFunctions(dir: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "add-titles.mjs"),
    `export const handler = async (event) => {
  for (const endpoint of Object.values(event.Endpoints)) endpoint.Recommendations = { Title: endpoint.RecommendationItems.map((id) => "Title of " + id), Envelope: [event.CampaignId + "/" + event.TreatmentId + "/" + event.ActivityId + "/" + event.ScheduledTime] };
  return event.Endpoints;
};`,
  );
  writeFileSync(join(dir, "always-fails.mjs"), `export const handler = async () => { throw new Error("transformer down"); };`);
}

export async function world(kind: "sqlite" | "postgres"): Promise<World> {
  const functions = tempDir("pinrec-runner-functions-");
  writeFunctions(functions.path);
  const server = await startTestServer(kind, { functionsDir: functions.path, campaignRuns: false });
  const storeOptions = { dataDir: server.dataDir, ...(server.schema && { database: PG_URL, schema: server.schema }) };
  const db: SqlDb = server.schema
    ? new PostgresDb(PG_URL, { schema: server.schema, max: 2 })
    : new SqliteDb(join(server.dataDir, "pinrec.db"));
  const client = pinpointClient(server);
  const engine = await trainCampaign(server.store, TENANT_A, "picks", server.dataDir);
  const appId = await createApp(client);
  const recommenderId = await createRecommender(client, engine.arn, {
    RecommendationTransformerUri: "add-titles",
    Attributes: { "Recommendations.Title": "Title", "Recommendations.Envelope": "Envelope" },
  });
  const failingRecommenderId = await createRecommender(client, engine.arn, {
    RecommendationTransformerUri: "always-fails",
    Attributes: { "Recommendations.Title": "Title" },
  });
  await client.send(
    new CreateEmailTemplateCommand({
      TemplateName: "picks",
      EmailTemplateRequest: {
        Subject: "For {{User.UserId}}",
        TextPart: "{{#each RecommendationItems}}{{this}};{{/each}}|{{Recommendations.Title.[0]}}|{{Recommendations.Envelope.[0]}}",
        RecommenderId: recommenderId,
      },
    }),
  );
  await client.send(
    new CreateEmailTemplateCommand({
      TemplateName: "failing",
      EmailTemplateRequest: { Subject: "x", TextPart: "{{Recommendations.Title.[0]}}", RecommenderId: failingRecommenderId },
    }),
  );
  await client.send(
    new CreateEmailTemplateCommand({
      TemplateName: "plain-b",
      EmailTemplateRequest: { Subject: "B", TextPart: "treatment B {{User.UserId}}" },
    }),
  );
  await client.send(
    new UpdateEmailChannelCommand({
      ApplicationId: appId,
      EmailChannelRequest: { FromAddress: "news@example.com", Identity: IDENTITY, Enabled: true },
    }),
  );
  const openRunners = new Set<RunnerStack>();
  return {
    kind,
    server,
    client,
    dataDir: server.dataDir,
    functionsDir: functions.path,
    schema: server.schema,
    db,
    appId,
    campaignArn: engine.arn,
    recommenderId,
    failingRecommenderId,
    storeOptions,
    openRunners,
    async dispose() {
      for (const runner of [...openRunners]) await runner.close();
      await db.close();
      await server.dispose();
      functions.remove();
    },
  };
}

/** `n` EMAIL endpoints `ep-00000…` with user ids `u0…` (the engine knows u0…u299), plan gold on even ones. */
export async function addEndpoints(w: Pick<World, "client" | "appId">, n: number, prefix = "ep-"): Promise<string[]> {
  const items: EndpointBatchItem[] = Array.from({ length: n }, (_, i) => ({
    Id: `${prefix}${String(i).padStart(5, "0")}`,
    ChannelType: "EMAIL",
    Address: `${prefix}${i}@example.com`,
    User: { UserId: `u${i % 300}` },
    Attributes: { plan: [i % 2 === 0 ? "gold" : "basic"] },
  }));
  await putEndpoints(w.client, w.appId, items);
  return items.map((e) => e.Id!);
}

/** A dimensional segment: endpoints whose `plan` attribute is one of `plans`. */
export async function createSegment(w: Pick<World, "client" | "appId">, plans: string[]): Promise<string> {
  const res = await w.client.send(
    new CreateSegmentCommand({
      ApplicationId: w.appId,
      WriteSegmentRequest: { Name: "gold", Dimensions: { Attributes: { plan: { AttributeType: "INCLUSIVE", Values: plans } } } },
    }),
  );
  return res.SegmentResponse!.Id!;
}

let campaignSeq = 0;

/**
 * Writes a campaign (version 1) as the campaign API stores it, due at `nextRunAt`.
 * `overrides` replace members of a default IMMEDIATE campaign on the `picks` template.
 */
export async function insertCampaign(
  w: Pick<World, "db" | "appId">,
  segmentId: string,
  nextRunAt: number | null,
  overrides: Partial<CampaignResponse> = {},
): Promise<CampaignResponse> {
  const id = `c${Date.now().toString(36)}${(campaignSeq++).toString(36)}`;
  const now = new Date().toISOString();
  const doc: CampaignResponse = {
    ApplicationId: w.appId,
    Arn: `arn:aws:mobiletargeting:us-east-1:${TENANT_A.accountId}:apps/${w.appId}/campaigns/${id}`,
    CreationDate: now,
    LastModifiedDate: now,
    Id: id,
    Name: `campaign ${id}`,
    SegmentId: segmentId,
    SegmentVersion: 1,
    Version: 1,
    Schedule: { StartTime: "IMMEDIATE", Frequency: "ONCE" },
    TemplateConfiguration: { EmailTemplate: { Name: "picks" } },
    State: { CampaignStatus: "SCHEDULED" },
    ...overrides,
  };
  const json = JSON.stringify(doc);
  const t = TENANT_A;
  await w.db.run("INSERT INTO message_campaigns (account_id, region, app_id, id, version, next_run_at, doc) VALUES (?, ?, ?, ?, ?, ?, ?)", [
    t.accountId,
    t.region,
    w.appId,
    id,
    1,
    nextRunAt,
    json,
  ]);
  await w.db.run("INSERT INTO message_campaign_versions (account_id, region, app_id, id, version, doc) VALUES (?, ?, ?, ?, ?, ?)", [
    t.accountId,
    t.region,
    w.appId,
    id,
    1,
    json,
  ]);
  return doc;
}

export async function nextRunAtOf(w: Pick<World, "db" | "appId">, campaignId: string): Promise<number | null> {
  const row = await w.db.get<{ next_run_at: number | string | null }>(
    "SELECT next_run_at FROM message_campaigns WHERE app_id = ? AND id = ?",
    [w.appId, campaignId],
  );
  return row?.next_run_at === null || row === undefined ? null : Number(row.next_run_at);
}

export interface Activity {
  id: string;
  runKey: string;
  doc: import("@aws-sdk/client-pinpoint").ActivityResponse;
}

export async function activitiesOf(w: Pick<World, "db" | "appId">, campaignId: string): Promise<Activity[]> {
  const rows = await w.db.all<{ id: string; run_key: string; doc: string }>(
    "SELECT id, run_key, doc FROM campaign_activities WHERE app_id = ? AND campaign_id = ? ORDER BY seq",
    [w.appId, campaignId],
  );
  return rows.map((r) => ({ id: r.id, runKey: r.run_key, doc: JSON.parse(r.doc) }));
}

/**
 * A runner stack (the composition root's services) on its own store, as another process would run
 * it, not started; closed by `w.dispose()` unless closed before. `expectFailures`: a test that
 * makes batches fail on purpose, whose failures are not worth showing.
 */
export async function runnerStack(
  w: World,
  opts: { now?: () => number; leaseMs?: number; pollMs?: number; expectFailures?: boolean } = {},
): Promise<RunnerStack> {
  // SQLite: one process does everything, on one connection (two connections in one process would
  // block each other's event loop in SQLite's busy wait); PostgreSQL: a connection pool per runner, as per process.
  const shared = w.kind === "sqlite";
  const store = shared ? w.server.store : await openStore(w.storeOptions);
  // A failure the runner survives is still a failure in these tests: show it.
  const log = opts.expectFailures ? undefined : pino({ level: "error" }, process.stderr);
  const services = createServices(store, w.dataDir, {
    log,
    transformer: { functionsDir: w.functionsDir },
    models: { pollMs: 0 },
    campaigns: { clock: opts.now, leaseMs: opts.leaseMs, pollMs: opts.pollMs },
  });
  const stack: RunnerStack = {
    services,
    store,
    async close() {
      w.openRunners.delete(stack);
      await services.close();
      if (!shared) await store.close();
    },
  };
  w.openRunners.add(stack);
  return stack;
}

/** Every outbox row of the app, oldest first. */
export async function outbox(store: Store, appId: string): Promise<(OutboxRecord & { message: RenderedMessage })[]> {
  const out: (OutboxRecord & { message: RenderedMessage })[] = [];
  let after = 0;
  for (;;) {
    const page = await store.outbox.list(TENANT_A as Tenant, { appId }, after, 1000);
    out.push(...page.items.map((r) => ({ ...r, message: JSON.parse(r.doc) as RenderedMessage })));
    if (page.after === undefined) return out;
    after = page.after;
  }
}

export async function until(pred: () => Promise<boolean> | boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Runs `schedule` and the batch workers of these runners until every activity of the campaign (at least `runs` of them) completes. */
export async function runToEnd(
  w: Pick<World, "db" | "appId">,
  runners: { services: { runner: { tick(): Promise<void>; idle(): Promise<void> } } }[],
  campaignId: string,
  runs = 1,
): Promise<void> {
  await until(
    async () => {
      await Promise.all(
        runners.map(async (r) => {
          await r.services.runner.tick();
          await r.services.runner.idle();
        }),
      );
      const acts = await activitiesOf(w, campaignId);
      return acts.length > 0 && acts.length >= runs && acts.every((a) => a.doc.State === "COMPLETED");
    },
    `campaign ${campaignId} to complete`,
    60_000,
  );
}
