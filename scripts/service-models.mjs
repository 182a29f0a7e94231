#!/usr/bin/env node
// Rewrites the service-model snapshots in src/protocol/service-models/ from the installed AWS SDK
// clients, after an SDK version bump (`npm run build` first: this runs the compiled generator).
// test/protocol/service-models.test.ts fails while they are stale. The copies in dist/ are
// rewritten too, so the build just made serves the new models without building again.
//
//   npm run build && node scripts/service-models.mjs
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = join(fileURLToPath(new URL(".", import.meta.url)), "..");
const dist = (p) => import(pathToFileURL(join(ROOT, "dist", p)).href);
const [{ SERVICE_SDKS }, { installedSnapshot, renderSnapshot }] = await Promise.all([
  dist("protocol/service-models/format.js"),
  dist("protocol/service-models/snapshot.js"),
]);

for (const service of Object.keys(SERVICE_SDKS)) {
  const snapshot = await installedSnapshot(service);
  const text = renderSnapshot(snapshot);
  for (const dir of ["src", "dist"]) {
    const folder = join(ROOT, dir, "protocol", "service-models");
    if (existsSync(folder)) writeFileSync(join(folder, `${service}.json`), text);
  }
  const operations = snapshot.schemas.filter((s) => s[0] === 9).length;
  console.log(
    `${service}: ${snapshot.sdk} ${snapshot.version}, ${operations} operations, ${snapshot.schemas.length - operations} input shapes (${(text.length / 1024).toFixed(0)} KiB)`,
  );
}
