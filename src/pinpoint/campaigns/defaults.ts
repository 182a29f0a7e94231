/** Campaign quotas' defaults, apart from the service so the CLI's settings table can show them without loading it. */

/**
 * Active (unpaused) EVENT campaigns per app. pinrec's own default, not a figure from AWS's quotas
 * page: every accepted event is matched against each one, and 200 of them turned one PutEvents
 * call of 100 events into 20,000 messages to one endpoint.
 */
export const DEFAULT_EVENT_CAMPAIGN_QUOTA = 25;
