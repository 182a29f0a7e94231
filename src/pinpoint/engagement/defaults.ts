/** Engagement defaults, in a leaf module the CLI's settings can import without the service. */
export const DEFAULT_EVENT_RETENTION_DAYS = 90;
/** Tracking requests per second per source address. */
export const DEFAULT_TRACKING_RATE_LIMIT = 20;
