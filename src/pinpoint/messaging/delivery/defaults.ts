/** The outbox drainer's defaults, apart from the drainer so `serve --help` shows them without loading it. */
export const DEFAULT_LEASE_MS = 30_000;
export const DEFAULT_MAX_ATTEMPTS = 10;
