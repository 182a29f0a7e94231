#!/usr/bin/env node
// Rewrites the generated settings table in docs/configuration.md from SERVE_SETTINGS in
// src/cli/settings.ts (`npm run build` first). test/docs.test.ts fails when the table is stale.
//
//   node scripts/configuration-table.mjs
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = join(fileURLToPath(new URL(".", import.meta.url)), "..");
const { settingsMarkdown, withSettingsTable } = await import(pathToFileURL(join(ROOT, "dist", "cli", "settings-table.js")).href);
const file = join(ROOT, "docs", "configuration.md");
writeFileSync(file, withSettingsTable(readFileSync(file, "utf8"), settingsMarkdown()));
console.log(`updated ${file}`);
