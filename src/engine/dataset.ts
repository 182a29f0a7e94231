/**
 * Dataset import: Amazon Personalize's CSV schemas into compact typed arrays.
 *
 * Rows are streamed, so the CSV never has to fit in memory; only the
 * de-duplicated (user, item, weight) triples do (12 bytes each during import,
 * 8 bytes each afterwards as CSR). Strings are interned once into id maps.
 *
 * Error policy: every bad row is counted and the first `maxErrors` are kept with
 * their 1-based line numbers; if there is at least one, the import rejects with
 * an ImportError and produces no dataset, so a caller serving an older model
 * keeps serving it instead of training on silently-truncated data.
 */
import { statSync } from "node:fs";
import { CsvRecordTooLongError, readCsvFile, type CsvReadOptions } from "./csv.js";
import { eventWeight, type EventWeights } from "./event-weights.js";

export interface RowError {
  /** 1-based physical line number in the file (the line a record starts on). */
  line: number;
  reason: string;
}

export class ImportError extends Error {
  constructor(
    message: string,
    readonly file: string,
    /** The first `maxErrors` problems, in file order. */
    readonly errors: RowError[],
    /** How many bad rows there were in total (may exceed errors.length). */
    readonly errorCount: number,
  ) {
    super(message);
    this.name = "ImportError";
  }
}

export interface ProgressEvent {
  /** e.g. "import-interactions", "import-items", "ials", "ease-gram", "ease-invert", "evaluate". */
  phase: string;
  done: number;
  total: number;
}
export type ProgressCallback = (e: ProgressEvent) => void;

/** Interned string ids ↔ dense 0-based ints; typed arrays can only hold the ints. */
export class IdMap {
  readonly ids: string[] = [];
  private readonly index = new Map<string, number>();

  static from(ids: string[]): IdMap {
    const m = new IdMap();
    for (const id of ids) m.intern(id);
    return m;
  }
  get size(): number {
    return this.ids.length;
  }
  intern(id: string): number {
    let i = this.index.get(id);
    if (i === undefined) {
      i = this.ids.length;
      this.ids.push(id);
      this.index.set(id, i);
    }
    return i;
  }
  get(id: string): number | undefined {
    return this.index.get(id);
  }
}

/** Item metadata columns (everything in the items CSV except ITEM_ID), by item index. */
export interface ItemMetadata {
  columns: string[];
  /** rows[itemIndex] is the column values, or null when the items file had no row for it. */
  rows: (string[] | null)[];
}

/**
 * An interaction dataset in compressed-sparse-row form, rows = users.
 * `weights` holds the aggregated confidence signal per (user, item): the number
 * of events, or the sum of EVENT_VALUE when importing with `weight: "eventValue"`.
 */
export interface Dataset {
  users: IdMap;
  items: IdMap;
  indptr: Int32Array; // length users.size + 1
  indices: Int32Array; // item index per entry, sorted ascending within a user
  weights: Float32Array;
  metadata: ItemMetadata;
  /** skippedEventType: events left out by the EVENT_TYPE filter or weighing 0. */
  stats: { rows: number; pairs: number; users: number; items: number; skippedEventType: number };
}

/** The size of a data set: what recipes plan by (cost estimates, which recipe "auto" picks). */
export interface DataShape {
  users: number;
  items: number;
  interactions: number;
}

export function dataShape(ds: Dataset): DataShape {
  return { users: ds.users.size, items: ds.items.size, interactions: ds.indices.length };
}

export interface ImportOptions {
  /** Stop keeping details after this many bad rows (all are still counted). Default 100. */
  maxErrors?: number;
  /** "count" (default): confidence = number of events. "eventValue": sum of EVENT_VALUE. */
  weight?: "count" | "eventValue";
  /** Only keep events with one of these EVENT_TYPEs (as Personalize's eventType filter). */
  eventTypes?: string[];
  /**
   * Weigh each event by its EVENT_TYPE (and EVENT_VALUE) instead of `weight`; events weighing 0
   * are skipped. Needs an EVENT_TYPE column (and EVENT_VALUE when `eventValue` is set).
   */
  eventWeights?: EventWeights;
  onProgress?: ProgressCallback;
}

/** Growable typed-array triples, so millions of events never become JS objects. */
class TripleBuffer {
  u = new Int32Array(1 << 16);
  i = new Int32Array(1 << 16);
  w = new Float32Array(1 << 16);
  length = 0;
  push(u: number, i: number, w: number): void {
    if (this.length === this.u.length) {
      const cap = this.u.length * 2;
      const nu = new Int32Array(cap);
      nu.set(this.u);
      const ni = new Int32Array(cap);
      ni.set(this.i);
      const nw = new Float32Array(cap);
      nw.set(this.w);
      this.u = nu;
      this.i = ni;
      this.w = nw;
    }
    this.u[this.length] = u;
    this.i[this.length] = i;
    this.w[this.length] = w;
    this.length++;
  }
}

/**
 * Amazon Personalize's limits on interaction data, so a file pinrec accepts is one Personalize
 * would import too: USER_ID and ITEM_ID (and EVENT_TYPE) at most 256 characters; TIMESTAMP an Avro
 * `long` (Unix epoch seconds); EVENT_VALUE an Avro `float` (finite, magnitude at most 3.4028235e38).
 */
export const MAX_ID_LENGTH = 256;
const MAX_LONG = 9223372036854775807n;
const MIN_LONG = -9223372036854775808n;
const MAX_FLOAT = 3.4028234663852886e38;

/** A value as error messages show it: quoted, and cut short when long. */
function shown(v: string): string {
  return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v) + (v.length > 40 ? ` (${v.length} characters)` : "");
}

/** Why `id` is not a valid USER_ID/ITEM_ID, or undefined when it is. */
function badId(column: string, id: string): string | undefined {
  if (!id) return `empty ${column}`;
  if (id.length > MAX_ID_LENGTH) return `${column} ${shown(id)} is longer than ${MAX_ID_LENGTH} characters`;
  return undefined;
}

/** Why `raw` is not a valid TIMESTAMP (an integer in Avro long range), or undefined when it is. */
function badTimestamp(raw: string): string | undefined {
  const t = raw.trim();
  if (!/^-?\d+$/.test(t)) return `TIMESTAMP ${shown(raw)} is not an integer`;
  if (t.replace(/^-?0*/, "").length > 19 || BigInt(t) > MAX_LONG || BigInt(t) < MIN_LONG) {
    return `TIMESTAMP ${shown(raw)} is out of range (a Unix time in seconds, at most ${MAX_LONG})`;
  }
  return undefined;
}

/** EVENT_VALUE as a number, or why it is not a valid Avro float. */
function eventValue(raw: string): number | string {
  const v = Number(raw);
  if (!Number.isFinite(v) || /^0[xob]/i.test(raw)) return `EVENT_VALUE ${shown(raw)} is not a number`;
  if (Math.abs(v) > MAX_FLOAT) return `EVENT_VALUE ${shown(raw)} is out of range (a 32-bit float, magnitude at most 3.4028235e38)`;
  return v;
}

/** Reads a CSV, turning a runaway record into an ImportError that names the file and line. */
async function readBounded(
  path: string,
  opts: CsvReadOptions,
  errorsSoFar: () => { errors: RowError[]; errorCount: number },
): Promise<void> {
  try {
    await readCsvFile(path, opts);
  } catch (err) {
    if (!(err instanceof CsvRecordTooLongError)) throw err;
    const { errors, errorCount } = errorsSoFar();
    throw new ImportError(
      `${path}:${err.line}: ${err.message}`,
      path,
      [...errors, { line: err.line, reason: err.message }],
      errorCount + 1,
    );
  }
}

/**
 * Build CSR from triples: counting sort by user, then sort + merge duplicates
 * within each user. Linear-ish and allocation-light for millions of events.
 */
export function buildCsr(
  nUsers: number,
  u: Int32Array,
  it: Int32Array,
  w: Float32Array,
  length: number,
): { indptr: Int32Array; indices: Int32Array; weights: Float32Array } {
  const counts = new Int32Array(nUsers + 1);
  for (let k = 0; k < length; k++) counts[u[k] + 1]++;
  for (let k = 0; k < nUsers; k++) counts[k + 1] += counts[k];
  const start = counts.slice();
  const ti = new Int32Array(length);
  const tw = new Float32Array(length);
  for (let k = 0; k < length; k++) {
    const p = start[u[k]]++;
    ti[p] = it[k];
    tw[p] = w[k];
  }
  // Sort each user's slice by item, merging duplicates.
  const indptr = new Int32Array(nUsers + 1);
  let out = 0;
  const order: number[] = [];
  for (let user = 0; user < nUsers; user++) {
    const a = counts[user];
    const b = counts[user + 1];
    indptr[user] = out;
    order.length = 0;
    for (let k = a; k < b; k++) order.push(k);
    order.sort((x, y) => ti[x] - ti[y] || x - y);
    let last = -1;
    // Write merged entries into a scratch region first (out ≤ a always holds).
    const mi: number[] = [];
    const mw: number[] = [];
    for (const k of order) {
      if (ti[k] === last) mw[mw.length - 1] += tw[k];
      else {
        mi.push(ti[k]);
        mw.push(tw[k]);
        last = ti[k];
      }
    }
    for (let k = 0; k < mi.length; k++) {
      ti[out] = mi[k];
      tw[out] = mw[k];
      out++;
    }
  }
  indptr[nUsers] = out;
  return { indptr, indices: ti.slice(0, out), weights: tw.slice(0, out) };
}

function headerIndex(header: string[]): Map<string, number> {
  const m = new Map<string, number>();
  header.forEach((h, k) => m.set(h.trim().toUpperCase(), k));
  return m;
}

/**
 * Import an interactions CSV (USER_ID, ITEM_ID, TIMESTAMP [, EVENT_TYPE, EVENT_VALUE])
 * and optionally an items CSV (ITEM_ID + metadata columns).
 * Rejects with ImportError if any row is bad; nothing partial is returned.
 */
export async function importDataset(interactionsPath: string, opts: ImportOptions & { itemsPath?: string } = {}): Promise<Dataset> {
  const maxErrors = opts.maxErrors ?? 100;
  const users = new IdMap();
  const items = new IdMap();
  const triples = new TripleBuffer();
  const errors: RowError[] = [];
  let errorCount = 0;
  const fail = (line: number, reason: string) => {
    errorCount++;
    if (errors.length < maxErrors) errors.push({ line, reason });
  };
  const typeFilter = opts.eventTypes ? new Set(opts.eventTypes) : null;
  let header: Map<string, number> | null = null;
  let ncols = 0;
  let cu = 0,
    ci = 0,
    ct = 0,
    cet = -1,
    cev = -1;
  let rows = 0;
  let skipped = 0;
  const useValue = opts.weight === "eventValue";
  const total = safeSize(interactionsPath);

  await readBounded(
    interactionsPath,
    {
      onSyntaxError: (e) => fail(e.line, e.reason),
      onBytes: (b) => opts.onProgress?.({ phase: "import-interactions", done: b, total }),
      onRecord: ({ line, fields }) => {
        if (!header) {
          header = headerIndex(fields);
          ncols = fields.length;
          const missing = ["USER_ID", "ITEM_ID", "TIMESTAMP"].filter((c) => !header!.has(c));
          if (missing.length) {
            throw new ImportError(
              `${interactionsPath}: header is missing required column(s) ${missing.join(", ")}`,
              interactionsPath,
              [{ line, reason: `missing column(s) ${missing.join(", ")}` }],
              1,
            );
          }
          cu = header.get("USER_ID")!;
          ci = header.get("ITEM_ID")!;
          ct = header.get("TIMESTAMP")!;
          cet = header.get("EVENT_TYPE") ?? -1;
          cev = header.get("EVENT_VALUE") ?? -1;
          const needed = opts.eventWeights ? ["EVENT_TYPE", ...(opts.eventWeights.eventValue ? ["EVENT_VALUE"] : [])] : [];
          const absent = needed.filter((c) => !header!.has(c));
          if (absent.length) {
            throw new ImportError(
              `${interactionsPath}: event weights need column(s) ${absent.join(", ")}`,
              interactionsPath,
              [{ line, reason: `missing column(s) ${absent.join(", ")}` }],
              1,
            );
          }
          if (useValue && cev < 0) {
            throw new ImportError(
              `${interactionsPath}: weight "eventValue" needs an EVENT_VALUE column`,
              interactionsPath,
              [{ line, reason: "missing column EVENT_VALUE" }],
              1,
            );
          }
          return;
        }
        rows++;
        if (fields.length !== ncols) return fail(line, `expected ${ncols} columns, got ${fields.length}`);
        const uid = fields[cu].trim();
        const iid = fields[ci].trim();
        const problem = badId("USER_ID", uid) ?? badId("ITEM_ID", iid) ?? badTimestamp(fields[ct]);
        if (problem) return fail(line, problem);
        if (cet >= 0 && fields[cet].trim().length > MAX_ID_LENGTH)
          return fail(line, `EVENT_TYPE ${shown(fields[cet].trim())} is longer than ${MAX_ID_LENGTH} characters`);
        let w = 1;
        let value: number | null = null;
        if (cev >= 0) {
          const raw = fields[cev].trim();
          if (raw !== "") {
            const v = eventValue(raw);
            if (typeof v === "string") return fail(line, v);
            value = v;
            if (useValue) w = v;
          } else if (useValue) return fail(line, "empty EVENT_VALUE");
        }
        if (typeFilter && cet >= 0 && !typeFilter.has(fields[cet].trim())) {
          skipped++;
          return;
        }
        if (opts.eventWeights) {
          w = eventWeight(opts.eventWeights, fields[cet].trim(), value);
          if (!(w > 0)) {
            skipped++;
            return;
          }
        }
        if (errorCount) return; // no point building structures we will discard
        triples.push(users.intern(uid), items.intern(iid), w);
      },
    },
    () => ({ errors, errorCount }),
  );
  if (!header) {
    throw new ImportError(`${interactionsPath}: file is empty (no header row)`, interactionsPath, [{ line: 1, reason: "empty file" }], 1);
  }
  if (errorCount) {
    throw new ImportError(
      `${interactionsPath}: ${errorCount} bad row(s); first at line ${errors[0].line}: ${errors[0].reason}`,
      interactionsPath,
      errors,
      errorCount,
    );
  }
  // Personalize refuses to train without interactions; an empty campaign would only ever answer popularity of nothing.
  if (triples.length === 0) {
    const why = rows === 0 ? "the file has a header but no rows" : `all ${rows} rows were skipped by the event type filter`;
    throw new ImportError(`${interactionsPath}: no interactions (${why}); nothing to train on`, interactionsPath, [], 0);
  }

  let metadata: ItemMetadata = { columns: [], rows: [] };
  if (opts.itemsPath) metadata = await importItems(opts.itemsPath, items, maxErrors, opts.onProgress);
  while (metadata.rows.length < items.size) metadata.rows.push(null);

  const csr = buildCsr(users.size, triples.u, triples.i, triples.w, triples.length);
  return {
    users,
    items,
    ...csr,
    metadata,
    stats: { rows, pairs: csr.indices.length, users: users.size, items: items.size, skippedEventType: skipped },
  };
}

/**
 * Items CSV: ITEM_ID plus any metadata columns. Items that never occur in the
 * interactions are still added to the catalogue (cold items can be ranked and
 * returned by popularity/similarity, and their metadata is served).
 */
export async function importItems(path: string, items: IdMap, maxErrors = 100, onProgress?: ProgressCallback): Promise<ItemMetadata> {
  const errors: RowError[] = [];
  let errorCount = 0;
  const fail = (line: number, reason: string) => {
    errorCount++;
    if (errors.length < maxErrors) errors.push({ line, reason });
  };
  let header: string[] | null = null;
  let idCol = -1;
  const rows: (string[] | null)[] = [];
  const total = safeSize(path);
  await readBounded(
    path,
    {
      onSyntaxError: (e) => fail(e.line, e.reason),
      onBytes: (b) => onProgress?.({ phase: "import-items", done: b, total }),
      onRecord: ({ line, fields }) => {
        if (!header) {
          header = fields.map((h) => h.trim());
          idCol = header.findIndex((h) => h.toUpperCase() === "ITEM_ID");
          if (idCol < 0)
            throw new ImportError(`${path}: header has no ITEM_ID column`, path, [{ line, reason: "missing column ITEM_ID" }], 1);
          return;
        }
        if (fields.length !== header.length) return fail(line, `expected ${header.length} columns, got ${fields.length}`);
        const id = fields[idCol].trim();
        const problem = badId("ITEM_ID", id);
        if (problem) return fail(line, problem);
        const k = items.intern(id);
        while (rows.length <= k) rows.push(null);
        rows[k] = fields.filter((_, c) => c !== idCol);
      },
    },
    () => ({ errors, errorCount }),
  );
  if (!header) throw new ImportError(`${path}: file is empty (no header row)`, path, [{ line: 1, reason: "empty file" }], 1);
  if (errorCount) {
    throw new ImportError(
      `${path}: ${errorCount} bad row(s); first at line ${errors[0].line}: ${errors[0].reason}`,
      path,
      errors,
      errorCount,
    );
  }
  const columns = (header as string[]).filter((_, c) => c !== idCol);
  return { columns, rows };
}

function safeSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** Build a Dataset directly from in-memory events (tests, evaluation splits, embedding callers). */
export function datasetFromEvents(events: Iterable<{ userId: string; itemId: string; weight?: number }>, catalog: string[] = []): Dataset {
  const users = new IdMap();
  const items = IdMap.from(catalog);
  const t = new TripleBuffer();
  let rows = 0;
  for (const e of events) {
    rows++;
    t.push(users.intern(e.userId), items.intern(e.itemId), e.weight ?? 1);
  }
  const csr = buildCsr(users.size, t.u, t.i, t.w, t.length);
  return {
    users,
    items,
    ...csr,
    metadata: { columns: [], rows: new Array(items.size).fill(null) },
    stats: { rows, pairs: csr.indices.length, users: users.size, items: items.size, skippedEventType: 0 },
  };
}

/** Item → users CSR (the transpose), which the item-side iALS solve needs. */
export function transpose(
  nRows: number,
  nCols: number,
  indptr: Int32Array,
  indices: Int32Array,
  values: Float32Array,
): { indptr: Int32Array; indices: Int32Array; values: Float32Array } {
  const cnt = new Int32Array(nCols + 1);
  for (let k = 0; k < indices.length; k++) cnt[indices[k] + 1]++;
  for (let c = 0; c < nCols; c++) cnt[c + 1] += cnt[c];
  const pos = cnt.slice(0, nCols);
  const ti = new Int32Array(indices.length);
  const tv = new Float32Array(indices.length);
  for (let r = 0; r < nRows; r++) {
    for (let k = indptr[r]; k < indptr[r + 1]; k++) {
      const p = pos[indices[k]]++;
      ti[p] = r;
      tv[p] = values[k];
    }
  }
  return { indptr: cnt, indices: ti, values: tv };
}
