#!/usr/bin/env node
// Rewrites the generated operations table in docs/compatibility.md from the service models a real
// server routes by (`npm run build` first). test/docs.test.ts fails when the table is stale.
//
//   node scripts/compatibility-table.mjs
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = join(fileURLToPath(new URL(".", import.meta.url)), "..");
const dist = (p) => import(pathToFileURL(join(ROOT, "dist", p)).href);
const [{ startServer }, { coverageMarkdown, withCoverage }] = await Promise.all([dist("server/serve.js"), dist("protocol/coverage.js")]);

const dataDir = mkdtempSync(join(tmpdir(), "pinrec-compat-"));
const server = await startServer({ host: "127.0.0.1", port: 0, dataDir, logger: false, campaignPollMs: 0, metrics: "off" });
try {
  const file = join(ROOT, "docs", "compatibility.md");
  writeFileSync(file, withCoverage(readFileSync(file, "utf8"), coverageMarkdown(server.models)));
  console.log(`updated ${file}`);
} finally {
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
}
