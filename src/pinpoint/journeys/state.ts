/**
 * Journey states (JourneyResponse.State in the Amazon Pinpoint API Reference) and the documented
 * ways between them. A journey is stored as DRAFT, ACTIVE, PAUSED or CANCELLED; CLOSED and
 * COMPLETED are derived on every read from its schedule and its participants:
 * - CLOSED: "published and has started running. It may have also passed its scheduled end time …
 *   you can't add participants to it … existing participants … may continue the journey."
 * - COMPLETED: "published and has finished running … no participants are waiting to complete the
 *   journey or any activities in the journey."
 */
import type { JourneyResponse, State } from "@aws-sdk/client-pinpoint";
import { badRequest } from "../../shared/errors.js";
import { timestampMs } from "../../shared/timestamps.js";

export type StoredState = "DRAFT" | "ACTIVE" | "PAUSED" | "CANCELLED";

/** What a journey's derived state is read from besides its document. */
export interface JourneyProgress {
  /** Participants that have not finished the journey. */
  inProgress: number;
  /** True once no new participant may enter (the executor closed entry, e.g. a one-time segment read). */
  entryClosed: boolean;
}

/** The state a read reports. */
export function journeyState(doc: JourneyResponse, progress: JourneyProgress, now: number): State {
  const stored = (doc.State ?? "DRAFT") as StoredState;
  if (stored !== "ACTIVE") return stored;
  const end = doc.Schedule?.EndTime === undefined ? undefined : timestampMs(doc.Schedule.EndTime as unknown);
  const closed = progress.entryClosed || (end !== undefined && end <= now);
  if (!closed) return "ACTIVE";
  return progress.inProgress > 0 ? "CLOSED" : "COMPLETED";
}

/** States UpdateJourneyState accepts ("Currently, Supported values are ACTIVE, PAUSED, and CANCELLED"). */
export const SETTABLE_STATES = ["ACTIVE", "PAUSED", "CANCELLED"] as const;

/**
 * The state UpdateJourneyState moves a journey to, from the state a read reports: ACTIVE publishes
 * a DRAFT or resumes a PAUSED journey; PAUSED holds an ACTIVE (or CLOSED) one; CANCELLED stops a published one.
 * Anything else is a 400 naming both states.
 */
export function transition(from: State, to: string | undefined): StoredState {
  if (to === undefined) throw badRequest("JourneyStateRequest.State is required");
  if (!(SETTABLE_STATES as readonly string[]).includes(to))
    throw badRequest(`JourneyStateRequest.State must be one of ${SETTABLE_STATES.join(", ")}; got '${to}'`);
  const allowed: Record<string, readonly string[]> = {
    ACTIVE: ["DRAFT", "PAUSED", "ACTIVE"],
    // A CLOSED journey still has participants on their way: pausing holds them too.
    PAUSED: ["ACTIVE", "CLOSED", "PAUSED"],
    CANCELLED: ["ACTIVE", "PAUSED", "CLOSED", "CANCELLED"],
  };
  if (!allowed[to].includes(from)) {
    const why =
      from === "DRAFT"
        ? "a DRAFT journey has not been published; publish it (ACTIVE) or delete it"
        : from === "CANCELLED" || from === "COMPLETED"
          ? `a ${from} journey has ended`
          : `only ${allowed[to].filter((s) => s !== to).join(" or ")} journeys can become ${to}`;
    throw badRequest(`JourneyStateRequest.State: a journey in state ${from} cannot become ${to}: ${why}`);
  }
  return to as StoredState;
}
