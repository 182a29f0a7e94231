/**
 * When a campaign runs, from its `Schedule` (Pinpoint REST API, `Schedule` object:
 * `StartTime` is `IMMEDIATE` or an ISO 8601 time, `Frequency` is `ONCE`, `HOURLY`, `DAILY`,
 * `WEEKLY`, `MONTHLY` or `EVENT`, `EndTime` ends a recurring schedule).
 */
import type { CampaignResponse } from "@aws-sdk/client-pinpoint";

/**
 * When the scheduler should first start a run of this campaign version, in ms since the epoch;
 * undefined when no scheduled run is due (paused, or an `EVENT` campaign, which PutEvents fires).
 * `now` is when the version was written: `IMMEDIATE` means then.
 */
export function firstRunAt(campaign: CampaignResponse, now: number): number | undefined {
  const schedule = campaign.Schedule;
  if (campaign.IsPaused || !schedule || schedule.Frequency === "EVENT") return undefined;
  if (schedule.StartTime === undefined || schedule.StartTime === "IMMEDIATE") return now;
  const start = Date.parse(schedule.StartTime);
  return Number.isNaN(start) ? undefined : start;
}
