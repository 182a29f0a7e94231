/**
 * CampaignState.CampaignStatus, derived when a campaign is read rather than stored, so it can never
 * disagree with the runs the campaign runner records. From the campaign version, its activities
 * (campaign_activities) and the scheduler's next run (message_campaigns.next_run_at):
 *
 * - DELETED: the campaign's segment has been deleted ("If you delete the segment that's associated
 *   with a campaign, the campaign fails and has a status of DELETED", CampaignState). DeleteSegment
 *   refuses while a campaign uses the segment, so this is only reached through a race.
 * - PAUSED: `IsPaused` is true.
 * - EXECUTING: an activity is unfinished (PENDING, INITIALIZING, RUNNING or EXECUTING).
 * - SCHEDULED: nothing has run yet and a run is due (next_run_at set), or an EVENT campaign that no
 *   event has fired yet and whose EndTime has not passed.
 * - PENDING_NEXT_RUN: at least one run finished and another is due: a recurring campaign between
 *   runs, or an EVENT campaign between events before its EndTime.
 * - COMPLETED: no run is unfinished and none will start (the scheduler cleared next_run_at after the
 *   last run of a ONCE or recurring campaign, or an EVENT campaign's EndTime has passed).
 *
 * For an A/B campaign the same rule applies per treatment to that treatment's activities
 * (TreatmentResource.State, and DefaultState for the default treatment); the campaign's own status
 * covers all of them, so it is COMPLETED only once every treatment is.
 */
import type { CampaignResponse, CampaignStatus, Schedule } from "@aws-sdk/client-pinpoint";
import { parseInstant } from "../../shared/instant.js";
import type { RunSummary } from "../../store/pinpoint-campaigns.js";

export interface StatusInputs {
  segmentExists: boolean;
  isPaused: boolean;
  schedule?: Schedule;
  runs: RunSummary;
  /** ms since the epoch, when the scheduler next starts a run. */
  nextRunAt?: number;
  now: number;
}

export function campaignStatus({ segmentExists, isPaused, schedule, runs, nextRunAt, now }: StatusInputs): CampaignStatus {
  if (!segmentExists) return "DELETED";
  if (isPaused) return "PAUSED";
  if (runs.unfinished > 0) return "EXECUTING";
  let due = nextRunAt !== undefined;
  if (schedule?.Frequency === "EVENT") {
    const end = schedule.EndTime === undefined ? undefined : parseInstant(schedule.EndTime);
    due = end === undefined || end > now;
  }
  if (!due) return "COMPLETED";
  return runs.runs === 0 ? "SCHEDULED" : "PENDING_NEXT_RUN";
}

/** Whether a campaign version has treatments besides the default one (DefaultState is only given then). */
export const hasTreatments = (doc: CampaignResponse): boolean => (doc.AdditionalTreatments ?? []).length > 0;
