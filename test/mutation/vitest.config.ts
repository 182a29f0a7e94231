/**
 * The tests the mutation pass (`npm run mutation`, StrykerJS) runs against each mutant: those that
 * guard the safety- and correctness-critical code it mutates (stryker.config.mjs lists the files).
 * Both stores: the outbox claim and the segment SQL have PostgreSQL-only branches.
 */
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: [
      "test/pinpoint/campaigns/treatments.test.ts",
      "test/pinpoint/templates/limits.test.ts",
      "test/pinpoint/templates/limits-property.test.ts",
      "test/api/templates.test.ts",
      "test/pinpoint/segments/property.test.ts",
      "test/pinpoint/segments/instant.test.ts",
      "test/store/contract-outbox.test.ts",
      "test/api/auth.test.ts",
      "test/api/protocol.test.ts",
      "test/shared/timestamps.test.ts",
    ],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    poolOptions: { forks: { maxForks: 1, minForks: 1 } },
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  },
});
