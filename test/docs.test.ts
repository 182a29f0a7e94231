/** Generated documentation stays current: the operations table of docs/compatibility.md and the settings table of docs/configuration.md. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { SERVE_SETTINGS } from "../src/cli/settings.js";
import { settingsMarkdown, withSettingsTable } from "../src/cli/settings-table.js";
import { coverageMarkdown, withCoverage } from "../src/protocol/coverage.js";
import { startTestServer, type TestServer } from "./helpers.js";
import { REPO } from "./server-process.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer("sqlite", { campaignPollMs: 0 });
});
afterAll(() => server.dispose());

test("docs/compatibility.md lists every operation of the served models as the server routes them", () => {
  const doc = readFileSync(join(REPO, "docs", "compatibility.md"), "utf8");
  const table = coverageMarkdown(server.models);
  expect(doc, "stale table: run `npm run build && node scripts/compatibility-table.mjs`").toBe(withCoverage(doc, table));
  // The four SDK models, whole: implemented operations and the rest.
  expect(server.models.map((m) => m.name)).toEqual(["pinpoint", "personalize-runtime", "personalize-events", "personalize"]);
  expect(table).toContain("| `CreateExportJob` | `POST /v1/apps/{ApplicationId}/jobs/export` | not yet (501) |");
  expect(table).toContain("| `CreateSolutionVersion` | `X-Amz-Target: AmazonPersonalize.CreateSolutionVersion` | implemented |");
  expect(table).toContain("| `CreateJourney` | `POST /v1/apps/{ApplicationId}/journeys` | implemented |");
  expect(table).toContain("| `GetRecommendations` | `POST /recommendations` | implemented |");
});

test("docs/configuration.md lists every pinrec serve setting as src/cli/settings.ts defines it", () => {
  const doc = readFileSync(join(REPO, "docs", "configuration.md"), "utf8");
  const table = settingsMarkdown();
  expect(doc, "stale table: run `npm run build && node scripts/configuration-table.mjs`").toBe(withSettingsTable(doc, table));
  // One row per setting plus --config, each naming its flag, variable and key.
  const rows = table.split("\n").filter((line) => line.startsWith("| `--"));
  expect(rows).toHaveLength(SERVE_SETTINGS.length + 1);
  expect(table).toContain("| `--port <port>` | `PINREC_PORT` | `port` | `4580` |");
  expect(table).toContain("| `--database <url>` | `PINREC_DATABASE_URL` | `database` | SQLite in the data dir |");
});
