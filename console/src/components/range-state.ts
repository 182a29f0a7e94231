/** The date range an analytics view shows, and the API's range validation split out per field. */
import { useState } from "preact/hooks";
import { type DayRange, lastDays, rangeFieldOf } from "../kpi-api";
import type { RangeErrors } from "./date-range";

/** Every Apply is a new object, so the same days applied again reload (new events since). */
export function useDayRange(): [DayRange, (r: DayRange) => void] {
  return useState<DayRange>(() => lastDays(7));
}

/**
 * A failed load's error: a BadRequestException about StartTime or EndTime goes beside that field
 * (and not in the page's alert); anything else stays the page's.
 */
export function splitRangeError(error: string | undefined): { fields: RangeErrors; page?: string } {
  const m = error && /^BadRequestException: (.*)$/s.exec(error);
  const field = m ? rangeFieldOf(m[1]) : undefined;
  return field && m ? { fields: { [field]: m[1] } } : { fields: {}, page: error };
}
