// The mutation pass over the code whose tests guard safety and correctness (template limits, tenancy
// of requests, outbox claims, campaign draws, segment SQL, date reading): `npm run mutation`. The
// score and the surviving mutants are in docs/testing.md. Not part of CI: it takes tens of minutes.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  vitest: { configFile: "test/mutation/vitest.config.ts", related: false },
  mutate: [
    "src/pinpoint/templates/limits.ts",
    "src/server/authenticate.ts",
    "src/store/outbox.ts",
    "src/pinpoint/campaigns/runner/treatments.ts",
    "src/store/segment-query.ts",
    "src/shared/instant.ts",
    "src/shared/timestamps.ts",
  ],
  coverageAnalysis: "perTest",
  concurrency: 1,
  timeoutMS: 30_000,
  reporters: ["clear-text", "progress", "json"],
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  tempDirName: ".stryker-tmp",
};
