/** A database upgraded in place: endpoints stored before segments existed are segmented too. */
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { SegmentService } from "../../../src/pinpoint/segments/service.js";
import { migrations } from "../../../src/store/migrations.js";
import { openStore } from "../../../src/store/open.js";
import { SqliteDb } from "../../../src/store/sqlite.js";
import { tempDir } from "../../helpers.js";

const TENANT = { accountId: "111122223333", region: "us-east-1" };

describe("endpoint facts backfill", () => {
  test("opening the store gives old endpoints their facts", async () => {
    const dir = tempDir();
    try {
      const old = new SqliteDb(join(dir.path, "pinrec.db"));
      old.migrate(migrations.filter((m) => m.version < 4));
      await old.run("INSERT INTO apps (account_id, region, id, doc) VALUES (?, ?, ?, ?)", [
        TENANT.accountId,
        TENANT.region,
        "app",
        JSON.stringify({ Id: "app", Name: "old" }),
      ]);
      for (const [id, plan] of [
        ["old-1", "pro"],
        ["old-2", "free"],
      ]) {
        const doc = { Id: id, ApplicationId: "app", Attributes: { Plan: [plan] }, Metrics: {}, EffectiveDate: new Date().toISOString() };
        await old.run(
          "INSERT INTO endpoints (account_id, region, app_id, id_key, user_id, address, active, doc) VALUES (?, ?, ?, ?, NULL, NULL, 1, ?)",
          [TENANT.accountId, TENANT.region, "app", id, JSON.stringify(doc)],
        );
      }
      await old.close();

      const store = await openStore({ dataDir: dir.path });
      try {
        const segments = new SegmentService(store);
        const s = await segments.create(TENANT, "app", { Dimensions: { Attributes: { Plan: { Values: ["pro"] } } } });
        const ids: string[] = [];
        for await (const batch of segments.endpointsOf(TENANT, "app", s.Id!)) ids.push(...batch.map((e) => e.Id!));
        expect(ids).toEqual(["old-1"]);
      } finally {
        await store.close();
      }
    } finally {
      dir.remove();
    }
  });
});
