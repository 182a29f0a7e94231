import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Suites start real servers and databases; two workers match the two cores we plan for.
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    pool: "forks",
    // The SDK warns once per process that releases after January 2027 need Node 22; pinrec pins
    // its SDK versions, so the warning is noise in test output.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  },
});
