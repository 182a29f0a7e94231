/**
 * The analytics pages' date range: two UTC days (inclusive) and an Apply button, with presets for
 * the last 7 and 31 days (the KPI APIs answer at most 31 days). The API's validation of the range
 * (StartTime after EndTime, more than 31 days) is shown beside the field it names.
 */
import { useEffect, useId, useState } from "preact/hooks";
import { type DayRange, lastDays } from "../kpi-api";

export interface RangeErrors {
  from?: string;
  to?: string;
}

export function DateRangePicker({ value, onChange, errors = {} }: { value: DayRange; onChange(r: DayRange): void; errors?: RangeErrors }) {
  const [draft, setDraft] = useState(value);
  useEffect(() => setDraft(value), [value.from, value.to]);
  const id = useId();
  const input = (key: keyof DayRange, label: string) => (
    <div class={`field${errors[key] ? " invalid" : ""}`}>
      <label for={`${id}-${key}`}>{label}</label>
      <input
        id={`${id}-${key}`}
        type="date"
        value={draft[key]}
        onInput={(e) => setDraft({ ...draft, [key]: (e.target as HTMLInputElement).value })}
        aria-invalid={errors[key] ? "true" : undefined}
        aria-describedby={errors[key] ? `${id}-${key}-error` : `${id}-utc`}
      />
      {errors[key] && (
        <span class="field-error" id={`${id}-${key}-error`}>
          {errors[key]}
        </span>
      )}
    </div>
  );
  return (
    <form
      class="date-range"
      aria-label="Date range"
      onSubmit={(e) => {
        e.preventDefault();
        onChange({ ...draft });
      }}
    >
      {input("from", "From")}
      {input("to", "To")}
      <div class="range-actions">
        <button type="submit">Apply</button>
        <button type="button" class="secondary" onClick={() => onChange(lastDays(7))}>
          Last 7 days
        </button>
        <button type="button" class="secondary" onClick={() => onChange(lastDays(31))}>
          Last 31 days
        </button>
      </div>
      <span class="hint" id={`${id}-utc`}>
        Whole days in UTC, both included; at most 31 days.
      </span>
    </form>
  );
}
