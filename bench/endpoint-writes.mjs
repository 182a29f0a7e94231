// node bench/endpoint-writes.mjs --baseline=/path/to/other/checkout [--endpoints=5000]: endpoint write cost
// of this build against another build (e.g. main before the segment facts), through
// EndpointService.updateBatch in batches of 100 on SQLite, 3 interleaved runs each, medians.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { distModule } from "./lib.mjs";
const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, "").split("=")));
if (!args.baseline) throw new Error("pass --baseline=DIR: a checkout built with npm run build");
const N = Number(args.endpoints ?? 5000);
const TENANT = { accountId: "123456789012", region: "us-east-1" };
async function run(dist) {
  const { openStore } = await import(`${dist}/store/open.js`);
  const { AppService } = await import(distModule(dist, "pinpoint/apps/service.js", "apps/service.js"));
  const { EndpointService } = await import(distModule(dist, "pinpoint/endpoints/service.js", "endpoints/service.js"));
  const dir = mkdtempSync(join(tmpdir(), "pinrec-writes-"));
  const store = await openStore({ dataDir: dir });
  const appId = (await new AppService(store).create(TENANT, { Name: "w" })).Id;
  const es = new EndpointService(store);
  const cpu = process.cpuUsage();
  const t = performance.now();
  for (let b = 0; b < N / 100; b++) {
    const items = Array.from({ length: 100 }, (_, i) => {
      const n = b * 100 + i;
      return {
        Id: `e${n}`,
        ChannelType: "EMAIL",
        Address: `u${n}@example.com`,
        Attributes: { Interests: ["a", `t${n % 7}`], Plan: ["pro"] },
        Metrics: { visits: n % 50 },
        Demographic: { Platform: "ios", Make: "apple" },
        Location: { Country: "US" },
        User: { UserId: `u${n}`, UserAttributes: { Tier: ["gold"] } },
      };
    });
    await es.updateBatch(TENANT, appId, items, "r");
  }
  const u = process.cpuUsage(cpu);
  const out = { wall: (performance.now() - t) / 1000, cpu: (u.user + u.system) / 1e6 };
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return out;
}
const res = { main: [], branch: [] }; // main = the baseline build, branch = this one
for (let r = 0; r < 3; r++) {
  res.main.push(await run(resolve(args.baseline, "dist")));
  res.branch.push(await run(fileURLToPath(new URL("../dist", import.meta.url))));
}
const med = (xs, k) => xs.map((x) => x[k]).sort((a, b) => a - b)[1];
for (const k of ["main", "branch"])
  console.log(`${k}: ${N} endpoints, median wall ${med(res[k], "wall").toFixed(2)} s, median CPU ${med(res[k], "cpu").toFixed(2)} s`);
console.log(
  `this/baseline: wall ${(med(res.branch, "wall") / med(res.main, "wall")).toFixed(2)}, CPU ${(med(res.branch, "cpu") / med(res.main, "cpu")).toFixed(2)}`,
);
