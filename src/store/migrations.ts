/**
 * Schema history, applied in order on start. Never edit a released migration: add the next one.
 * Documents are stored as JSON text so both databases keep them byte-identical.
 *
 * Each migration is written once; `{serial}`, `{double}` and `{blob}` stand for the few types the
 * two dialects spell differently.
 */
import type { Migration } from "./sql.js";

const DIALECT_TYPES = {
  sqlite: { serial: "INTEGER PRIMARY KEY AUTOINCREMENT", double: "REAL", blob: "BLOB" },
  postgres: { serial: "BIGSERIAL PRIMARY KEY", double: "DOUBLE PRECISION", blob: "BYTEA" },
};

function migration(version: number, name: string, sql: string): Migration {
  const render = (types: Record<string, string>) => sql.replace(/\{(serial|double|blob)\}/g, (_, t: string) => types[t]);
  return { version, name, sqlite: render(DIALECT_TYPES.sqlite), postgres: render(DIALECT_TYPES.postgres) };
}

export const migrations: Migration[] = [
  migration(
    1,
    "recommender configurations",
    `
      CREATE TABLE recommenders (
        seq {serial},
        account_id TEXT NOT NULL,
        region TEXT NOT NULL,
        id TEXT NOT NULL,
        doc TEXT NOT NULL,
        UNIQUE (account_id, region, id)
      );
      CREATE INDEX recommenders_by_tenant ON recommenders (account_id, region, seq);`,
  ),
  migration(
    2,
    "apps, endpoints and message templates",
    `      CREATE TABLE apps (
        seq {serial},
        account_id TEXT NOT NULL,
        region TEXT NOT NULL,
        id TEXT NOT NULL,
        doc TEXT NOT NULL,
        UNIQUE (account_id, region, id)
      );
      CREATE INDEX apps_by_tenant ON apps (account_id, region, seq);
      CREATE TABLE endpoints (
        account_id TEXT NOT NULL,
        region TEXT NOT NULL,
        app_id TEXT NOT NULL,
        id_key TEXT NOT NULL,
        user_id TEXT,
        address TEXT,
        active INTEGER NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (account_id, region, app_id, id_key)
      );
      -- Partial indexes: only rows with a user id / address, and never a candidate for lookups by id.
      CREATE INDEX endpoints_by_user ON endpoints (account_id, region, app_id, user_id) WHERE user_id IS NOT NULL;
      CREATE INDEX endpoints_by_address ON endpoints (account_id, region, app_id, address) WHERE address IS NOT NULL;
      CREATE TABLE templates (
        seq {serial},
        account_id TEXT NOT NULL,
        region TEXT NOT NULL,
        name TEXT NOT NULL,
        type TEXT NOT NULL,
        active_version INTEGER NOT NULL,
        latest_version INTEGER NOT NULL,
        creation_date TEXT NOT NULL,
        last_modified_date TEXT NOT NULL,
        tags TEXT NOT NULL,
        UNIQUE (account_id, region, name, type)
      );
      CREATE INDEX templates_by_tenant ON templates (account_id, region, seq);
      CREATE TABLE template_versions (
        account_id TEXT NOT NULL,
        region TEXT NOT NULL,
        name TEXT NOT NULL,
        type TEXT NOT NULL,
        version INTEGER NOT NULL,
        creation_date TEXT NOT NULL,
        last_modified_date TEXT NOT NULL,
        content TEXT NOT NULL,
        PRIMARY KEY (account_id, region, name, type, version)
      );`,
  ),
  migration(
    3,
    "engine campaigns, their events and model files",
    `
      CREATE TABLE campaigns (
        seq {serial},
        account_id TEXT NOT NULL,
        region TEXT NOT NULL,
        name TEXT NOT NULL,
        tracking_id TEXT NOT NULL UNIQUE,
        version INTEGER NOT NULL,
        doc TEXT NOT NULL,
        UNIQUE (account_id, region, name)
      );
      CREATE TABLE campaign_events (
        seq {serial},
        account_id TEXT NOT NULL,
        region TEXT NOT NULL,
        campaign TEXT NOT NULL,
        user_id TEXT NOT NULL,
        item_id TEXT,
        event_type TEXT NOT NULL,
        event_value {double},
        sent_at TEXT NOT NULL
      );
      CREATE INDEX campaign_events_by_campaign ON campaign_events (account_id, region, campaign, seq);
      CREATE TABLE model_blobs (key TEXT PRIMARY KEY, bytes {blob} NOT NULL);`,
  ),
  migration(
    4,
    "campaign leases: one create, retrain or delete at a time per campaign",
    `
      CREATE TABLE campaign_leases (
        account_id TEXT NOT NULL,
        region TEXT NOT NULL,
        name TEXT NOT NULL,
        owner TEXT NOT NULL,
        operation TEXT NOT NULL,
        expires_at BIGINT NOT NULL,
        PRIMARY KEY (account_id, region, name)
      );`,
  ),
  migration(
    5,
    "the message outbox: every accepted message, and the queue the delivery drainers claim from",
    `
      CREATE TABLE outbox_messages (
        seq {serial},
        account_id TEXT NOT NULL,
        region TEXT NOT NULL,
        message_id TEXT NOT NULL UNIQUE,
        idempotency_key TEXT,
        app_id TEXT NOT NULL,
        channel TEXT NOT NULL,
        address TEXT NOT NULL,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        due_at BIGINT NOT NULL,
        claim_token TEXT,
        last_error TEXT,
        created_at TEXT NOT NULL,
        sent_at TEXT,
        doc TEXT NOT NULL,
        UNIQUE (account_id, region, idempotency_key)
      );
      CREATE INDEX outbox_by_tenant ON outbox_messages (account_id, region, seq);
      CREATE INDEX outbox_by_address ON outbox_messages (account_id, region, address, seq);
      -- Only the rows a drainer may claim: queued, or claimed by a drainer whose lease may run out.
      CREATE INDEX outbox_due ON outbox_messages (due_at) WHERE status IN ('QUEUED', 'SENDING');`,
  ),
  migration(
    6,
    "segments (with indexed endpoint facts and imported members), import jobs and channels",
    `
      ALTER TABLE endpoints ADD COLUMN has_facts INTEGER NOT NULL DEFAULT 0;
      CREATE INDEX endpoints_without_facts ON endpoints (account_id) WHERE has_facts = 0;
      CREATE TABLE endpoint_facts (
        account_id TEXT NOT NULL,
        region TEXT NOT NULL,
        app_id TEXT NOT NULL,
        id_key TEXT NOT NULL,
        kind TEXT NOT NULL,
        name TEXT NOT NULL,
        value TEXT NOT NULL,
        num {double},
        FOREIGN KEY (account_id, region, app_id, id_key) REFERENCES endpoints (account_id, region, app_id, id_key) ON DELETE CASCADE
      );
      -- The one index: segment evaluation probes each endpoint's facts by (kind, name) and reads
      -- value and num from the index itself. An index by value would tempt planners into scanning
      -- every matching fact of the app once per endpoint, and would slow every endpoint write.
      CREATE INDEX endpoint_facts_by_endpoint ON endpoint_facts (account_id, region, app_id, id_key, kind, name, value, num);
      CREATE TABLE segments (
        seq {serial},
        account_id TEXT NOT NULL,
        region TEXT NOT NULL,
        app_id TEXT NOT NULL,
        id TEXT NOT NULL,
        version INTEGER NOT NULL,
        doc TEXT NOT NULL,
        UNIQUE (account_id, region, app_id, id),
        FOREIGN KEY (account_id, region, app_id) REFERENCES apps (account_id, region, id) ON DELETE CASCADE
      );
      CREATE INDEX segments_by_app ON segments (account_id, region, app_id, seq);
      CREATE TABLE segment_versions (
        account_id TEXT NOT NULL,
        region TEXT NOT NULL,
        app_id TEXT NOT NULL,
        id TEXT NOT NULL,
        version INTEGER NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (account_id, region, app_id, id, version),
        FOREIGN KEY (account_id, region, app_id, id) REFERENCES segments (account_id, region, app_id, id) ON DELETE CASCADE
      );
      CREATE TABLE segment_members (
        account_id TEXT NOT NULL,
        region TEXT NOT NULL,
        app_id TEXT NOT NULL,
        segment_id TEXT NOT NULL,
        id_key TEXT NOT NULL,
        PRIMARY KEY (account_id, region, app_id, segment_id, id_key),
        FOREIGN KEY (account_id, region, app_id, segment_id) REFERENCES segments (account_id, region, app_id, id) ON DELETE CASCADE,
        FOREIGN KEY (account_id, region, app_id, id_key) REFERENCES endpoints (account_id, region, app_id, id_key) ON DELETE CASCADE
      );
      CREATE INDEX segment_members_by_endpoint ON segment_members (account_id, region, app_id, id_key);
      CREATE TABLE import_jobs (
        seq {serial},
        account_id TEXT NOT NULL,
        region TEXT NOT NULL,
        app_id TEXT NOT NULL,
        id TEXT NOT NULL,
        doc TEXT NOT NULL,
        UNIQUE (account_id, region, app_id, id),
        FOREIGN KEY (account_id, region, app_id) REFERENCES apps (account_id, region, id) ON DELETE CASCADE
      );
      CREATE INDEX import_jobs_by_app ON import_jobs (account_id, region, app_id, seq);
      CREATE TABLE channels (
        account_id TEXT NOT NULL,
        region TEXT NOT NULL,
        app_id TEXT NOT NULL,
        type TEXT NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (account_id, region, app_id, type),
        FOREIGN KEY (account_id, region, app_id) REFERENCES apps (account_id, region, id) ON DELETE CASCADE
      );`,
  ),
  migration(
    7,
    "Pinpoint campaigns: head rows with the scheduler's next run, versions and activities",
    `
      -- One head row per campaign holding its latest version. next_run_at (ms since the epoch) is
      -- when the scheduler should next start a run of it; NULL when none is due (paused, finished,
      -- or an EVENT campaign, which runs when PutEvents reports a matching event).
      CREATE TABLE message_campaigns (
        seq {serial},
        account_id TEXT NOT NULL,
        region TEXT NOT NULL,
        app_id TEXT NOT NULL,
        id TEXT NOT NULL,
        version INTEGER NOT NULL,
        next_run_at BIGINT,
        doc TEXT NOT NULL,
        UNIQUE (account_id, region, app_id, id),
        FOREIGN KEY (account_id, region, app_id) REFERENCES apps (account_id, region, id) ON DELETE CASCADE
      );
      CREATE INDEX message_campaigns_by_app ON message_campaigns (account_id, region, app_id, seq);
      CREATE INDEX message_campaigns_due ON message_campaigns (next_run_at) WHERE next_run_at IS NOT NULL;
      CREATE TABLE message_campaign_versions (
        account_id TEXT NOT NULL,
        region TEXT NOT NULL,
        app_id TEXT NOT NULL,
        id TEXT NOT NULL,
        version INTEGER NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (account_id, region, app_id, id, version),
        FOREIGN KEY (account_id, region, app_id, id) REFERENCES message_campaigns (account_id, region, app_id, id) ON DELETE CASCADE
      );
      -- One row per run (and treatment): doc is the ActivityResponse that GetCampaignActivities
      -- answers. run_key names the run (scheduled time, treatment), and its uniqueness is what lets
      -- every process's scheduler try to start a due run while exactly one succeeds.
      CREATE TABLE campaign_activities (
        seq {serial},
        account_id TEXT NOT NULL,
        region TEXT NOT NULL,
        app_id TEXT NOT NULL,
        campaign_id TEXT NOT NULL,
        id TEXT NOT NULL,
        run_key TEXT NOT NULL,
        scheduled_at BIGINT NOT NULL,
        state TEXT NOT NULL,
        doc TEXT NOT NULL,
        UNIQUE (account_id, region, app_id, id),
        UNIQUE (account_id, region, app_id, campaign_id, run_key),
        FOREIGN KEY (account_id, region, app_id, campaign_id) REFERENCES message_campaigns (account_id, region, app_id, id) ON DELETE CASCADE
      );
      CREATE INDEX campaign_activities_by_campaign ON campaign_activities (account_id, region, app_id, campaign_id, seq);`,
  ),
  migration(
    8,
    "campaign runs: durable batches every process claims, a shared send rate, per-endpoint send counts",
    `
      -- One row per run: the campaign version it sends (a snapshot, so an update mid-run changes
      -- nothing), its activities by treatment, and the MaximumDuration deadline.
      CREATE TABLE campaign_runs (
        seq {serial},
        account_id TEXT NOT NULL,
        region TEXT NOT NULL,
        app_id TEXT NOT NULL,
        campaign_id TEXT NOT NULL,
        run_key TEXT NOT NULL,
        scheduled_at BIGINT NOT NULL,
        deadline_at BIGINT,
        campaign TEXT NOT NULL,
        activities TEXT NOT NULL,
        UNIQUE (account_id, region, app_id, campaign_id, run_key),
        FOREIGN KEY (account_id, region, app_id, campaign_id) REFERENCES message_campaigns (account_id, region, app_id, id) ON DELETE CASCADE
      );
      -- A batch is a keyset range of the segment's endpoints (after_key, until_key], or a list of
      -- endpoint ids. due_at is when a queued batch may be claimed and a claimed one's lease end,
      -- so one index finds both the queued batches and those of a process that died.
      CREATE TABLE campaign_batches (
        seq {serial},
        run_seq BIGINT NOT NULL REFERENCES campaign_runs (seq) ON DELETE CASCADE,
        ordinal INTEGER NOT NULL,
        after_key TEXT,
        until_key TEXT,
        endpoint_ids TEXT,
        status TEXT NOT NULL,
        due_at BIGINT NOT NULL,
        claim_token TEXT,
        attempts INTEGER NOT NULL,
        UNIQUE (run_seq, ordinal)
      );
      CREATE INDEX campaign_batches_due ON campaign_batches (due_at) WHERE status IN ('QUEUED', 'RUNNING');
      CREATE INDEX campaign_batches_by_run ON campaign_batches (run_seq, status);
      -- MessagesPerSecond across processes: messages granted in the current one-second window.
      CREATE TABLE campaign_send_rates (
        account_id TEXT NOT NULL,
        region TEXT NOT NULL,
        app_id TEXT NOT NULL,
        campaign_id TEXT NOT NULL,
        window_start BIGINT NOT NULL,
        used INTEGER NOT NULL,
        PRIMARY KEY (account_id, region, app_id, campaign_id)
      );
      -- Limits.Daily and Limits.Total: one row per endpoint and activity that sent it a message.
      CREATE TABLE campaign_endpoint_sends (
        account_id TEXT NOT NULL,
        region TEXT NOT NULL,
        app_id TEXT NOT NULL,
        campaign_id TEXT NOT NULL,
        endpoint_id TEXT NOT NULL,
        activity_id TEXT NOT NULL,
        sent_at BIGINT NOT NULL,
        PRIMARY KEY (account_id, region, app_id, campaign_id, endpoint_id, activity_id)
      );`,
  ),
  migration(
    9,
    "engagement: Pinpoint's engagement events, the messages they belong to, tracking keys, event streams",
    `
      -- One row per engagement event (Pinpoint's "Streaming app and campaign events" names:
      -- _email.send, _email.delivered, _email.open, _email.click, …), timestamps in ms.
      CREATE TABLE engagement_events (
        seq {serial},
        account_id TEXT NOT NULL,
        region TEXT NOT NULL,
        app_id TEXT NOT NULL,
        event_id TEXT NOT NULL,
        event_type TEXT NOT NULL,
        event_time BIGINT NOT NULL,
        arrival_time BIGINT NOT NULL,
        endpoint_id TEXT,
        user_id TEXT,
        message_id TEXT,
        campaign_id TEXT,
        treatment_id TEXT,
        campaign_activity_id TEXT,
        journey_id TEXT,
        journey_activity_id TEXT,
        attributes TEXT NOT NULL,
        UNIQUE (account_id, region, app_id, event_id)
      );
      -- The KPI indexes cover every column their queries read, so a KPI is an index range scan.
      CREATE INDEX engagement_events_by_app ON engagement_events
        (account_id, region, app_id, event_type, event_time, campaign_id, journey_id, endpoint_id, message_id);
      CREATE INDEX engagement_events_by_campaign ON engagement_events
        (account_id, region, app_id, campaign_id, event_type, event_time, campaign_activity_id, endpoint_id, message_id);
      CREATE INDEX engagement_events_by_journey ON engagement_events
        (account_id, region, app_id, journey_id, event_type, event_time, journey_activity_id, endpoint_id, message_id);
      CREATE INDEX engagement_events_by_endpoint ON engagement_events (account_id, region, app_id, endpoint_id, event_type, event_time);
      CREATE INDEX engagement_events_by_time ON engagement_events (event_time);
      -- Event streams read an app's events in insertion order after their position.
      CREATE INDEX engagement_events_by_seq ON engagement_events (account_id, region, app_id, seq);
      -- What a tracked click or open needs to know about its message: who it went to, from which
      -- campaign or journey, and the recommended items it rendered (RecommendationItems).
      CREATE TABLE engagement_messages (
        message_id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL,
        region TEXT NOT NULL,
        app_id TEXT NOT NULL,
        channel TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        doc TEXT NOT NULL
      );
      CREATE INDEX engagement_messages_by_time ON engagement_messages (created_at);
      -- The HMAC keys tracking links are signed with, shared by every node of the database.
      CREATE TABLE tracking_keys (
        id TEXT PRIMARY KEY,
        secret TEXT NOT NULL,
        created_at BIGINT NOT NULL
      );
      -- PutEventStream: one stream per app; last_seq is the last event delivered to it, and a
      -- deliverer holds the stream under a lease (claim_token, lease_until) while it sends.
      CREATE TABLE event_streams (
        account_id TEXT NOT NULL,
        region TEXT NOT NULL,
        app_id TEXT NOT NULL,
        doc TEXT NOT NULL,
        last_seq BIGINT NOT NULL,
        claim_token TEXT,
        lease_until BIGINT NOT NULL,
        attempts INTEGER NOT NULL,
        last_error TEXT,
        PRIMARY KEY (account_id, region, app_id)
      );`,
  ),
  migration(
    10,
    "journeys: definitions and their participants",
    `
      -- One row per journey: its definition as stored (State DRAFT, ACTIVE, PAUSED or CANCELLED),
      -- a revision for concurrent updates, and whether the executor has closed entry.
      CREATE TABLE journeys (
        seq {serial},
        account_id TEXT NOT NULL,
        region TEXT NOT NULL,
        app_id TEXT NOT NULL,
        id TEXT NOT NULL,
        revision INTEGER NOT NULL,
        state TEXT NOT NULL,
        paused_at BIGINT,
        entry_closed INTEGER NOT NULL,
        doc TEXT NOT NULL,
        UNIQUE (account_id, region, app_id, id)
      );
      CREATE INDEX journeys_by_app ON journeys (account_id, region, app_id, seq);
      CREATE INDEX journeys_open_for_entry ON journeys (state) WHERE entry_closed = 0;
      -- One row per participant of one run of a journey: the activity it is at and when that
      -- activity is due. A process claims due rows by setting claim_token and moving due_at to the
      -- end of its lease, so the rows of a process that died are due again when the lease ends.
      -- finished_at is set when the participant leaves the journey.
      CREATE TABLE journey_participants (
        seq {serial},
        account_id TEXT NOT NULL,
        region TEXT NOT NULL,
        app_id TEXT NOT NULL,
        journey_id TEXT NOT NULL,
        run_id TEXT NOT NULL,
        endpoint_id TEXT NOT NULL,
        activity_id TEXT,
        due_at BIGINT NOT NULL,
        entered_at BIGINT NOT NULL,
        finished_at BIGINT,
        claim_token TEXT,
        attempts INTEGER NOT NULL,
        context TEXT NOT NULL,
        UNIQUE (account_id, region, app_id, journey_id, run_id, endpoint_id)
      );
      CREATE INDEX journey_participants_due ON journey_participants (due_at) WHERE finished_at IS NULL;
      CREATE INDEX journey_participants_by_endpoint ON journey_participants (account_id, region, app_id, journey_id, endpoint_id);
      -- Execution metrics: one counter per journey, activity ('' for the journey's own) and metric,
      -- added to in the transaction that moves the participants it counts.
      CREATE TABLE journey_metrics (
        account_id TEXT NOT NULL,
        region TEXT NOT NULL,
        app_id TEXT NOT NULL,
        journey_id TEXT NOT NULL,
        activity_id TEXT NOT NULL,
        metric TEXT NOT NULL,
        value BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        PRIMARY KEY (account_id, region, app_id, journey_id, activity_id, metric)
      );`,
  ),
  migration(
    11,
    "push channel credentials, encrypted at rest",
    `
      -- A channel's credentials (FCM service account, APNs keys and certificates, …), AES-256-GCM
      -- sealed; NULL for channels without any. Never part of the response document beside it.
      ALTER TABLE channels ADD COLUMN secrets TEXT;
      -- The key the credentials are sealed with, shared by every node of the database.
      CREATE TABLE channel_secret_keys (
        id TEXT PRIMARY KEY,
        secret TEXT NOT NULL,
        created_at BIGINT NOT NULL
      );`,
  ),
  migration(
    12,
    "personalize control plane",
    `
      -- Amazon Personalize's control-plane resources, one row each. parent_arn is the resource that
      -- contains the row, ref_arn the one it uses (deletes of either are refused while it exists);
      -- import jobs and solution versions are claimed by a worker under a lease (lease_owner, lease_until).
      CREATE TABLE personalize_resources (
        seq {serial},
        account_id TEXT NOT NULL,
        region TEXT NOT NULL,
        kind TEXT NOT NULL,
        arn TEXT NOT NULL,
        name TEXT NOT NULL,
        parent_arn TEXT,
        ref_arn TEXT,
        status TEXT NOT NULL,
        doc TEXT NOT NULL,
        lease_owner TEXT,
        lease_until BIGINT NOT NULL,
        attempts INTEGER NOT NULL,
        UNIQUE (account_id, region, arn)
      );
      CREATE INDEX personalize_resources_by_kind ON personalize_resources (account_id, region, kind, seq);
      CREATE INDEX personalize_resources_by_parent ON personalize_resources (account_id, region, parent_arn);
      CREATE INDEX personalize_resources_by_ref ON personalize_resources (account_id, region, ref_arn);
      CREATE INDEX personalize_resources_jobs ON personalize_resources (status, lease_until);`,
  ),
  migration(
    13,
    "outbox lanes: delivery claims take turns across tenants' apps",
    `
      -- One lane per (account, region, app). A claim takes a few rows from each lane in turn, so
      -- one app's backlog never holds another's message behind it (the delivery fairness of
      -- docs/security.md). Rows stored before this migration get their lane here.
      ALTER TABLE outbox_messages ADD COLUMN lane TEXT NOT NULL DEFAULT '';
      UPDATE outbox_messages SET lane = account_id || '/' || region || '/' || app_id;
      CREATE INDEX outbox_lane_due ON outbox_messages (lane, due_at) WHERE status IN ('QUEUED', 'SENDING');`,
  ),
  migration(
    15,
    "engagement: per-day event counts for the KPIs",
    `
      -- Events per UTC day (event_time / 86400000) and the columns KPIs filter and group by, absent ids
      -- as ''; kept with the events in the same transaction. Filled from the events already stored.
      CREATE TABLE engagement_daily_counts (
        account_id TEXT NOT NULL,
        region TEXT NOT NULL,
        app_id TEXT NOT NULL,
        event_day BIGINT NOT NULL,
        event_type TEXT NOT NULL,
        campaign_id TEXT NOT NULL,
        treatment_id TEXT NOT NULL,
        campaign_activity_id TEXT NOT NULL,
        journey_id TEXT NOT NULL,
        journey_activity_id TEXT NOT NULL,
        recommended INTEGER NOT NULL,
        n BIGINT NOT NULL,
        PRIMARY KEY (account_id, region, app_id, event_day, event_type, campaign_id, treatment_id,
          campaign_activity_id, journey_id, journey_activity_id, recommended)
      );
      INSERT INTO engagement_daily_counts
        SELECT account_id, region, app_id, event_time / 86400000, event_type, COALESCE(campaign_id, ''),
          COALESCE(treatment_id, ''), COALESCE(campaign_activity_id, ''), COALESCE(journey_id, ''),
          COALESCE(journey_activity_id, ''), CASE WHEN attributes LIKE '%"recommended_item":%' THEN 1 ELSE 0 END, COUNT(*)
        FROM engagement_events
        GROUP BY account_id, region, app_id, event_time / 86400000, event_type, COALESCE(campaign_id, ''),
          COALESCE(treatment_id, ''), COALESCE(campaign_activity_id, ''), COALESCE(journey_id, ''),
          COALESCE(journey_activity_id, ''), CASE WHEN attributes LIKE '%"recommended_item":%' THEN 1 ELSE 0 END;`,
  ),
];
