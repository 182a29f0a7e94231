/**
 * Bounded CSV parsing and Amazon Personalize's data limits: a runaway record stops the read after at
 * most one maximum-size record (memory stays flat whatever the input), ids, timestamps and event
 * values are held to Personalize's ranges, and an import without rows is refused.
 */
import { afterAll, describe, expect, it } from "vitest";
import {
  CsvRecordTooLongError,
  DEFAULT_MAX_FIELD_CHARS,
  DEFAULT_MAX_RECORD_CHARS,
  ImportError,
  importDataset,
  readCsv,
} from "../../src/engine/index.js";
import { tempDir } from "./helpers.js";

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const HEADER = "USER_ID,ITEM_ID,TIMESTAMP\n";

/** An endless-looking stream (bounded at 256 MiB) that counts the bytes the reader pulled from it. */
function counting(first: string, fill: Buffer, limitBytes = 256 << 20) {
  const counter = { pulled: 0 };
  async function* gen() {
    const head = Buffer.from(first);
    counter.pulled += head.length;
    yield head;
    while (counter.pulled < limitBytes) {
      counter.pulled += fill.length;
      yield fill;
    }
  }
  return { stream: gen(), counter };
}

describe("bounded CSV reading", () => {
  const CHUNK = 64 * 1024;

  it("a file of NUL bytes stops after about one maximum-size record, naming the line", async () => {
    const { stream, counter } = counting(HEADER, Buffer.alloc(CHUNK, 0));
    const err = await readCsv(stream, { onRecord: () => {}, onSyntaxError: () => {} }).catch((e) => e);
    expect(err).toBeInstanceOf(CsvRecordTooLongError);
    expect(err.line).toBe(2);
    expect(counter.pulled).toBeLessThanOrEqual(HEADER.length + DEFAULT_MAX_RECORD_CHARS + 2 * CHUNK);
  });

  it("a stray quote on line 2 stops the read there instead of swallowing the rest of the file", async () => {
    const rows = Buffer.from("u,i,1\n".repeat(CHUNK / 6));
    const { stream, counter } = counting(`${HEADER}"u1,i1,1\n`, rows);
    const err = await readCsv(stream, { onRecord: () => {}, onSyntaxError: () => {} }).catch((e) => e);
    expect(err).toBeInstanceOf(CsvRecordTooLongError);
    expect(err.line).toBe(2);
    expect(counter.pulled).toBeLessThanOrEqual(HEADER.length + DEFAULT_MAX_RECORD_CHARS + 2 * CHUNK);
  });

  it("importDataset reports a runaway record as an ImportError with the file and line", async () => {
    const path = tmp.file("nul.csv", HEADER + "u1,i1,1\n" + "\0".repeat(DEFAULT_MAX_RECORD_CHARS + 10));
    const err = await importDataset(path).catch((e) => e);
    expect(err).toBeInstanceOf(ImportError);
    expect(err.errors.at(-1)).toMatchObject({ line: 3 });
    expect(err.message).toMatch(/longer than 1048576 characters/);
  });

  it("a field longer than the maximum is a bad row; the rows after it are still read", async () => {
    const path = tmp.file("field.csv", `${HEADER}u1,${"x".repeat(DEFAULT_MAX_FIELD_CHARS + 1)},1\nu2,i2,oops\n`);
    const err = await importDataset(path).catch((e) => e);
    expect(err).toBeInstanceOf(ImportError);
    expect(err.errors).toEqual([
      { line: 2, reason: `field 2 is longer than ${DEFAULT_MAX_FIELD_CHARS} characters` },
      { line: 3, reason: 'TIMESTAMP "oops" is not an integer' },
    ]);
  });
});

describe("Personalize's limits on interaction data", () => {
  it("ids of 256 characters pass; 257 do not; huge timestamps and event values are out of range", async () => {
    const id256 = "a".repeat(256);
    const ok = await importDataset(
      tmp.file(
        "ok.csv",
        `USER_ID,ITEM_ID,TIMESTAMP,EVENT_VALUE\n${id256},${id256},9223372036854775807,3.4e38\nu,i,-9223372036854775808,-1.5\n`,
      ),
    );
    expect(ok.users.ids[0]).toBe(id256);
    const lines = [
      "USER_ID,ITEM_ID,TIMESTAMP,EVENT_VALUE,EVENT_TYPE",
      `${"u".repeat(257)},i,1,1,click`,
      `u,${"i".repeat(257)},1,1,click`,
      "u,i,9223372036854775808,1,click",
      `u,i,${"9".repeat(30_000)},1,click`,
      "u,i,1,1e39,click",
      "u,i,1,0x10,click",
      `u,i,1,1,${"t".repeat(257)}`,
      "u,i,1700000000,2.5,click",
    ];
    const err = await importDataset(tmp.file("limits.csv", lines.join("\n"))).catch((e) => e);
    expect(err).toBeInstanceOf(ImportError);
    expect(err.errors.map((e: { line: number }) => e.line)).toEqual([2, 3, 4, 5, 6, 7, 8]);
    const reasons = err.errors.map((e: { reason: string }) => e.reason);
    expect(reasons[0]).toMatch(/^USER_ID "u{40}…" \(257 characters\) is longer than 256 characters$/);
    expect(reasons[1]).toMatch(/^ITEM_ID .* is longer than 256 characters$/);
    expect(reasons[2]).toMatch(/^TIMESTAMP "9223372036854775808" is out of range/);
    expect(reasons[3]).toMatch(/^TIMESTAMP "9{40}…" \(30000 characters\) is out of range/);
    expect(reasons[4]).toMatch(/^EVENT_VALUE "1e39" is out of range/);
    expect(reasons[5]).toMatch(/^EVENT_VALUE "0x10" is not a number/);
    expect(reasons[6]).toMatch(/^EVENT_TYPE .* is longer than 256 characters$/);
  });

  it("an items file's ITEM_ID is held to 256 characters too", async () => {
    const inter = tmp.file("i.csv", `${HEADER}u,i,1\n`);
    const items = tmp.file("items.csv", `ITEM_ID,TITLE\n${"i".repeat(257)},x\n`);
    const err = await importDataset(inter, { itemsPath: items }).catch((e) => e);
    expect(err).toBeInstanceOf(ImportError);
    expect(err.errors[0]).toMatchObject({ line: 2, reason: expect.stringMatching(/ITEM_ID .* longer than 256/) });
  });

  it("a header-only file is refused: no interactions", async () => {
    const err = await importDataset(tmp.file("empty.csv", HEADER)).catch((e) => e);
    expect(err).toBeInstanceOf(ImportError);
    expect(err.message).toMatch(/no interactions \(the file has a header but no rows\)/);
    const filtered = await importDataset(tmp.file("typed.csv", "USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE\nu,i,1,click\n"), {
      eventTypes: ["buy"],
    }).catch((e) => e);
    expect(filtered.message).toMatch(/no interactions \(all 1 rows were skipped by the event type filter\)/);
  });
});
