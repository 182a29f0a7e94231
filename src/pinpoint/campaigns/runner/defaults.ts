/** The runner's defaults, apart from the runner so the CLI's settings table can show them without loading it. */
export const DEFAULT_RUNNER_LEASE_MS = 30_000;
