/**
 * One labelled series of a prom-client histogram or counter, updated without prom-client's
 * per-call work. prom-client 15's labelled children (`metric.labels(...)`) validate the labels,
 * build the series key as a new string (`name:value,…`) and look the series up by it on every
 * observation; on the request path that is three fresh strings hashed per request. A bound series
 * makes its first update through the child (which creates the series exactly as prom-client does),
 * keeps the series record, and then updates that record directly, the same fields prom-client's
 * own `observe`/`inc` update. `reset()` replaces a metric's table and `remove()` deletes a record,
 * so each update first checks that the table still holds the record, and goes through the child
 * again when it does not.
 */
import type { Counter, Histogram } from "prom-client";

/** The parts of prom-client's series table an update touches (prom-client 15, lib/histogram.js and lib/counter.js). */
interface SeriesTable<R> {
  hashMap: Record<string, R>;
}
interface HistogramRecord {
  labels: Record<string, string>;
  sum: number;
  count: number;
  bucketValues: Record<number, number>;
}
interface CounterRecord {
  labels: Record<string, string>;
  value: number;
}

export interface BoundHistogram {
  observe(value: number): void;
}
export interface BoundCounter {
  inc(): void;
}

export function bindHistogram<L extends string>(metric: Histogram<L>, labels: Record<L, string>): BoundHistogram {
  const child = metric.labels(labels);
  const table = metric as unknown as SeriesTable<HistogramRecord>;
  // prom-client's bucket upper bounds, ascending; an observation counts in the first bound ≥ it.
  const bounds = (metric as unknown as { upperBounds: number[] }).upperBounds;
  let found: Found<HistogramRecord> | undefined;
  return {
    observe(value: number) {
      if (found && table.hashMap[found.key] === found.record && Number.isFinite(value)) {
        const r = found.record;
        r.sum += value;
        r.count += 1;
        for (let i = 0; i < bounds.length; i++) {
          if (value <= bounds[i]) {
            r.bucketValues[bounds[i]] += 1;
            break;
          }
        }
        return;
      }
      child.observe(value);
      found = find(table.hashMap, labels);
    },
  };
}

export function bindCounter<L extends string>(metric: Counter<L>, labels: Record<L, string>): BoundCounter {
  const child = metric.labels(labels);
  const table = metric as unknown as SeriesTable<CounterRecord>;
  let found: Found<CounterRecord> | undefined;
  return {
    inc() {
      if (found && table.hashMap[found.key] === found.record) {
        found.record.value += 1;
        return;
      }
      child.inc();
      found = find(table.hashMap, labels);
    },
  };
}

type Found<R> = { key: string; record: R };

/** The record whose labels are exactly `labels` (once per series, not per update). */
function find<R extends { labels: Record<string, string> }>(
  hashMap: Record<string, R>,
  labels: Record<string, string>,
): Found<R> | undefined {
  const names = Object.keys(labels);
  for (const [key, record] of Object.entries(hashMap)) {
    const l = record.labels;
    if (Object.keys(l).length === names.length && names.every((n) => String(l[n]) === labels[n])) return { key, record };
  }
  return undefined;
}
