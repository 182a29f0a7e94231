/**
 * Streaming RFC-4180 CSV reader. Written by hand (no dependency) and driven by a
 * callback per record instead of an async iterator per row, because per-row
 * promises dominate the cost of a million-row import.
 *
 * Handles quoted fields with embedded commas, doubled quotes and newlines, and
 * both LF and CRLF endings. A record's `line` is the 1-based physical line on
 * which it starts, so error messages point at what a person sees in an editor.
 *
 * Memory is bounded whatever the input: a record still open after `maxRecordChars`
 * characters (an unterminated quote, a file of NUL bytes, a missing line break)
 * stops the read with a CsvRecordTooLongError naming the line it started on, so at
 * most one record plus one read chunk is ever held.
 */
import { createReadStream } from "node:fs";

/** Longest record accepted (characters; bytes for ASCII): far above any real interactions or items row. */
export const DEFAULT_MAX_RECORD_CHARS = 1 << 20;
/** Longest field accepted: above Personalize's 20,000-character textual item fields. */
export const DEFAULT_MAX_FIELD_CHARS = 1 << 16;

/** A record grew past the maximum record size; reading stopped there. */
export class CsvRecordTooLongError extends Error {
  constructor(
    readonly line: number,
    readonly maxChars: number,
  ) {
    super(
      `record starting on line ${line} is longer than ${maxChars} characters (an unterminated quoted field or a missing line break?); reading stopped`,
    );
    this.name = "CsvRecordTooLongError";
  }
}

export interface CsvRecord {
  line: number;
  fields: string[];
}

/** A record the reader could not split (e.g. an unterminated quote). */
export interface CsvSyntaxError {
  line: number;
  reason: string;
}

export interface CsvReadOptions {
  /** Called for every non-blank record, header included. */
  onRecord: (rec: CsvRecord) => void;
  onSyntaxError: (err: CsvSyntaxError) => void;
  /** Bytes consumed so far, for progress bars. */
  onBytes?: (bytes: number) => void;
  /** Default DEFAULT_MAX_RECORD_CHARS. */
  maxRecordChars?: number;
  /** Default DEFAULT_MAX_FIELD_CHARS; a longer field is a syntax error of its record. */
  maxFieldChars?: number;
}

const QUOTE = 34;
const COMMA = 44;
const LF = 10;
const CR = 13;

/**
 * Incremental parser: feed it text chunks, then call end(). Kept separate from
 * file I/O so tests can feed it adversarial chunk boundaries.
 */
export class CsvParser {
  private pending = "";
  private line = 1; // physical line where `pending` starts
  private first = true;
  private readonly maxRecord: number;
  private readonly maxField: number;

  constructor(private readonly opts: Pick<CsvReadOptions, "onRecord" | "onSyntaxError" | "maxRecordChars" | "maxFieldChars">) {
    this.maxRecord = opts.maxRecordChars ?? DEFAULT_MAX_RECORD_CHARS;
    this.maxField = opts.maxFieldChars ?? DEFAULT_MAX_FIELD_CHARS;
  }

  /** Parses what `chunk` completes; throws CsvRecordTooLongError once an unfinished record exceeds the maximum. */
  push(chunk: string): void {
    let buf = this.pending.length ? this.pending + chunk : chunk;
    if (this.first && buf.charCodeAt(0) === 0xfeff) buf = buf.slice(1); // strip BOM
    this.first = false;
    const consumed = this.parse(buf, false);
    this.pending = consumed < buf.length ? buf.slice(consumed) : "";
    if (this.pending.length > this.maxRecord) {
      this.pending = "";
      throw new CsvRecordTooLongError(this.line, this.maxRecord);
    }
  }

  end(): void {
    if (this.pending.length) this.parse(this.pending, true);
    this.pending = "";
  }

  /**
   * Parse complete records from buf; returns how many chars were consumed.
   * With eof=false a record is only emitted once its terminating newline is seen.
   */
  private parse(buf: string, eof: boolean): number {
    const n = buf.length;
    let pos = 0;
    while (pos < n) {
      const startLine = this.line;
      const recordStart = pos;
      let extraLines = 0;
      const fields: string[] = [];
      let i = pos;
      let complete = false;
      let bad: string | null = null;
      for (;;) {
        // at start of a field
        if (i < n && buf.charCodeAt(i) === QUOTE) {
          let j = i + 1;
          let value = "";
          let closed = false;
          for (;;) {
            const q = buf.indexOf('"', j);
            if (q < 0) break;
            if (q + 1 < n && buf.charCodeAt(q + 1) === QUOTE) {
              value += buf.slice(j, q + 1);
              j = q + 2;
              continue;
            }
            if (q + 1 >= n && !eof) break; // might be the first half of a doubled quote
            value += buf.slice(j, q);
            j = q + 1;
            closed = true;
            break;
          }
          if (!closed) {
            if (!eof) return pos; // need more input
            // Count lines so later records keep correct numbers, then report.
            this.line += countNewlines(buf, pos, n);
            this.opts.onSyntaxError({ line: startLine, reason: "unterminated quoted field" });
            return n;
          }
          extraLines += countNewlines(value, 0, value.length);
          fields.push(value);
          i = j;
          // after closing quote: expect comma, newline or end
          if (i >= n) {
            if (!eof) return pos;
            complete = true;
            break;
          }
          const c = buf.charCodeAt(i);
          if (c === COMMA) {
            i++;
            continue;
          }
          if (c === LF) {
            i++;
            complete = true;
            break;
          }
          if (c === CR) {
            if (i + 1 >= n && !eof) return pos;
            i += i + 1 < n && buf.charCodeAt(i + 1) === LF ? 2 : 1;
            complete = true;
            break;
          }
          // Garbage after a closing quote: remember, skip to end of line.
          bad = "unexpected character after closing quote";
          const nl = buf.indexOf("\n", i);
          if (nl < 0) {
            if (!eof) return pos;
            i = n;
          } else i = nl + 1;
          complete = true;
          break;
        } else {
          let j = i;
          let c = 0;
          while (j < n) {
            c = buf.charCodeAt(j);
            if (c === COMMA || c === LF || c === CR) break;
            j++;
          }
          if (j >= n) {
            if (!eof) return pos;
            fields.push(buf.slice(i, j));
            i = j;
            complete = true;
            break;
          }
          fields.push(buf.slice(i, j));
          if (c === COMMA) {
            i = j + 1;
            if (i >= n) {
              if (!eof) return pos;
              fields.push("");
              complete = true;
              break;
            }
            continue;
          }
          if (c === LF) {
            i = j + 1;
          } else {
            if (j + 1 >= n && !eof) return pos;
            i = j + 1 < n && buf.charCodeAt(j + 1) === LF ? j + 2 : j + 1;
          }
          complete = true;
          break;
        }
      }
      if (!complete) return pos;
      pos = i;
      this.line = startLine + extraLines + 1;
      if (bad) {
        this.opts.onSyntaxError({ line: startLine, reason: bad });
        continue;
      }
      // Blank lines are skipped silently (common at end of file).
      if (fields.length === 1 && fields[0] === "") continue;
      if (i - recordStart > this.maxRecord || fields.some((f) => f.length > this.maxField)) {
        const long = fields.findIndex((f) => f.length > this.maxField);
        this.opts.onSyntaxError({
          line: startLine,
          reason:
            long >= 0
              ? `field ${long + 1} is longer than ${this.maxField} characters`
              : `record is longer than ${this.maxRecord} characters`,
        });
        continue;
      }
      this.opts.onRecord({ line: startLine, fields });
    }
    return pos;
  }
}

function countNewlines(s: string, from: number, to: number): number {
  let c = 0;
  for (let i = from; i < to; i++) {
    const ch = s.charCodeAt(i);
    if (ch === LF) c++;
    else if (ch === CR && s.charCodeAt(i + 1) !== LF) c++;
  }
  return c;
}

/** Stream a CSV file through the parser without holding the file in memory. */
export async function readCsvFile(path: string, opts: CsvReadOptions): Promise<void> {
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  try {
    await readCsv(stream, opts);
  } finally {
    stream.destroy();
  }
}

/** Parses a byte stream as UTF-8 CSV; stops reading at the first CsvRecordTooLongError. */
export async function readCsv(source: AsyncIterable<Uint8Array>, opts: CsvReadOptions): Promise<void> {
  const parser = new CsvParser(opts);
  const decoder = new TextDecoder("utf-8");
  let bytes = 0;
  for await (const chunk of source) {
    bytes += chunk.length;
    parser.push(decoder.decode(chunk, { stream: true }));
    opts.onBytes?.(bytes);
  }
  const tail = decoder.decode();
  if (tail) parser.push(tail);
  parser.end();
}

/** Quote a field only when needed, so generated files stay small and readable. */
export function csvField(s: string): string {
  if (/[",\r\n]/.test(s)) return '"' + s.replace(/"/g, '""') + '"';
  return s;
}
