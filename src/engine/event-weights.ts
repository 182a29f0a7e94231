/**
 * How much one event counts, by its EVENT_TYPE (and optionally its EVENT_VALUE): the single rule
 * that both training (CSV import) and PutEvents fold-in apply, so a "purchase" moves a user
 * equally before and after the next retrain. An interaction's weight is the sum over its events;
 * iALS turns it into confidence 1 + alpha·ln(weight), EASE and popularity use presence only.
 */
export interface EventWeights {
  /** Weight per EVENT_TYPE, e.g. { purchase: 5, click: 1 }. */
  types: Record<string, number>;
  /** Weight of event types not listed (default 1). 0 ignores them. */
  others?: number;
  /** Multiply by the event's EVENT_VALUE where it has one. */
  eventValue?: boolean;
}

/** The weight of one event; 1 when no weights are configured. Events weighing ≤ 0 are ignored by both paths. */
export function eventWeight(weights: EventWeights | undefined, eventType: string, eventValue: number | null): number {
  if (!weights) return 1;
  const base = Object.hasOwn(weights.types, eventType) ? weights.types[eventType] : (weights.others ?? 1);
  return weights.eventValue && eventValue !== null ? base * eventValue : base;
}

/**
 * Parses `purchase=5,click=1` (and `*=0.5` for every other type). Weights are finite and ≥ 0;
 * a malformed spec throws with the offending part named.
 */
export function parseEventWeights(spec: string): EventWeights {
  const out: EventWeights = { types: {} };
  for (const part of spec
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)) {
    const eq = part.lastIndexOf("=");
    const type = eq > 0 ? part.slice(0, eq).trim() : "";
    const raw = eq > 0 ? part.slice(eq + 1).trim() : "";
    const value = raw === "" ? NaN : Number(raw);
    if (!type || !Number.isFinite(value) || value < 0) {
      throw new Error(`event weight ${JSON.stringify(part)} is not TYPE=WEIGHT with a weight ≥ 0 (e.g. purchase=5,click=1,*=0.5)`);
    }
    if (type === "*") out.others = value;
    else if (Object.hasOwn(out.types, type)) throw new Error(`event type ${JSON.stringify(type)} is weighted twice`);
    else out.types[type] = value;
  }
  if (Object.keys(out.types).length === 0 && out.others === undefined) throw new Error("no event weights given (e.g. purchase=5,click=1)");
  return out;
}
