/**
 * What kind each journey activity is and where it leads: one Activity object holds exactly one of
 * its type members (Activity in the Amazon Pinpoint API Reference), and each type names its next
 * activities in its own members (NextActivity, Branches, TrueActivity/FalseActivity, DefaultActivity).
 */
import type { Activity } from "@aws-sdk/client-pinpoint";
import { badRequest } from "../../shared/errors.js";

export const ACTIVITY_KINDS = [
  "EMAIL",
  "SMS",
  "PUSH",
  "CUSTOM",
  "Wait",
  "Holdout",
  "RandomSplit",
  "MultiCondition",
  "ConditionalSplit",
  "ContactCenter",
] as const;
export type ActivityKind = (typeof ACTIVITY_KINDS)[number];

/** The kinds that send a message (an EventCondition's MessageActivity must name one). */
export const MESSAGE_KINDS: readonly ActivityKind[] = ["EMAIL", "SMS", "PUSH", "CUSTOM"];

/** The activity's one type member; a 400 naming `field` when it has none or more than one. */
export function activityKind(a: Activity, field: string): ActivityKind {
  const given = ACTIVITY_KINDS.filter((k) => a[k] !== undefined);
  if (given.length !== 1)
    throw badRequest(
      `${field} must give exactly one activity type (${ACTIVITY_KINDS.join(", ")}); it gives ${given.length === 0 ? "none" : given.join(", ")}`,
    );
  return given[0];
}

/** The kind of an activity already checked (stored journeys). */
export const kindOf = (a: Activity): ActivityKind => ACTIVITY_KINDS.find((k) => a[k] !== undefined)!;

/** Each activity this one can lead to, with the member that names it (for error messages). */
export function nextActivities(a: Activity): { field: string; target: string }[] {
  const out: { field: string; target: string }[] = [];
  const add = (field: string, target: string | undefined) => {
    if (target !== undefined && target !== "") out.push({ field, target });
  };
  for (const k of ["EMAIL", "SMS", "PUSH", "CUSTOM", "Wait", "Holdout", "ContactCenter"] as const)
    add(`${k}.NextActivity`, a[k]?.NextActivity);
  for (const [i, b] of (a.RandomSplit?.Branches ?? []).entries()) add(`RandomSplit.Branches[${i}].NextActivity`, b.NextActivity);
  for (const [i, b] of (a.MultiCondition?.Branches ?? []).entries()) add(`MultiCondition.Branches[${i}].NextActivity`, b.NextActivity);
  add("MultiCondition.DefaultActivity", a.MultiCondition?.DefaultActivity);
  add("ConditionalSplit.TrueActivity", a.ConditionalSplit?.TrueActivity);
  add("ConditionalSplit.FalseActivity", a.ConditionalSplit?.FalseActivity);
  return out;
}
