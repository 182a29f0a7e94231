/** The derivation of CampaignState.CampaignStatus, case by case (see src/pinpoint/campaigns/status.ts). */
import { describe, expect, test } from "vitest";
import type { CampaignStatus, Schedule } from "@aws-sdk/client-pinpoint";
import { campaignStatus, type StatusInputs } from "../../../src/pinpoint/campaigns/status.js";

const NOW = Date.UTC(2030, 0, 1);
const HOUR = 3_600_000;
const none = { runs: 0, unfinished: 0 };
const done = { runs: 2, unfinished: 0 };
const running = { runs: 2, unfinished: 1 };
const weekly: Schedule = { StartTime: "2030-01-01T01:00:00Z", Frequency: "WEEKLY" };
const event = (end?: number): Schedule => ({
  StartTime: "2029-12-31T00:00:00Z",
  Frequency: "EVENT",
  ...(end !== undefined && { EndTime: new Date(end).toISOString() }),
});

describe("campaignStatus", () => {
  test.each<[string, Omit<StatusInputs, "now" | "segmentExists"> & { segmentExists?: boolean }, CampaignStatus]>([
    [
      "a deleted segment wins over everything",
      { segmentExists: false, isPaused: true, schedule: weekly, runs: running, nextRunAt: NOW },
      "DELETED",
    ],
    ["paused wins over a running activity", { isPaused: true, schedule: weekly, runs: running, nextRunAt: NOW }, "PAUSED"],
    ["an unfinished activity is EXECUTING", { isPaused: false, schedule: weekly, runs: running, nextRunAt: NOW + HOUR }, "EXECUTING"],
    ["an unfinished last run with nothing due is still EXECUTING", { isPaused: false, schedule: weekly, runs: running }, "EXECUTING"],
    ["due and never run: SCHEDULED", { isPaused: false, schedule: weekly, runs: none, nextRunAt: NOW + HOUR }, "SCHEDULED"],
    ["ran and another due: PENDING_NEXT_RUN", { isPaused: false, schedule: weekly, runs: done, nextRunAt: NOW + HOUR }, "PENDING_NEXT_RUN"],
    ["ran and nothing due: COMPLETED", { isPaused: false, schedule: weekly, runs: done }, "COMPLETED"],
    ["an EVENT campaign no event has fired: SCHEDULED", { isPaused: false, schedule: event(NOW + HOUR), runs: none }, "SCHEDULED"],
    [
      "an EVENT campaign without EndTime between events: PENDING_NEXT_RUN",
      { isPaused: false, schedule: event(), runs: done },
      "PENDING_NEXT_RUN",
    ],
    ["an EVENT campaign past its EndTime: COMPLETED", { isPaused: false, schedule: event(NOW - HOUR), runs: done }, "COMPLETED"],
  ])("%s", (_name, inputs, expected) => {
    expect(campaignStatus({ segmentExists: true, ...inputs, now: NOW })).toBe(expected);
  });
});
