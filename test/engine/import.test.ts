import { afterAll, describe, expect, it } from "vitest";
import { CsvParser, ImportError, importDataset, synth, type CsvRecord } from "../../src/engine/index.js";
import { tempDir } from "./helpers.js";

const tmp = tempDir();
afterAll(() => tmp.cleanup());

function parseAll(text: string, chunk = 3): { recs: CsvRecord[]; errs: { line: number; reason: string }[] } {
  const recs: CsvRecord[] = [];
  const errs: { line: number; reason: string }[] = [];
  const p = new CsvParser({ onRecord: (r) => recs.push(r), onSyntaxError: (e) => errs.push(e) });
  for (let i = 0; i < text.length; i += chunk) p.push(text.slice(i, i + chunk));
  p.end();
  return { recs, errs };
}

describe("CSV parser", () => {
  it("handles quotes, embedded commas/quotes/newlines and CRLF across any chunk boundary", () => {
    const text = 'a,b,c\r\n"x, y","he said ""hi""",3\r\n"multi\nline",,z\nlast,"",end';
    for (const chunk of [1, 2, 3, 5, 1000]) {
      const { recs, errs } = parseAll(text, chunk);
      expect(errs).toEqual([]);
      expect(recs.map((r) => r.fields)).toEqual([
        ["a", "b", "c"],
        ["x, y", 'he said "hi"', "3"],
        ["multi\nline", "", "z"],
        ["last", "", "end"],
      ]);
      expect(recs.map((r) => r.line)).toEqual([1, 2, 3, 5]);
    }
  });

  it("reports an unterminated quote with its starting line", () => {
    const { errs } = parseAll('a,b\n1,2\n"open,3\n4,5\n');
    expect(errs).toEqual([{ line: 3, reason: "unterminated quoted field" }]);
  });
});

describe("importDataset", () => {
  it("imports quoted fields, any header order/case, aggregates duplicates, reads item metadata", async () => {
    const inter = tmp.file(
      "q.csv",
      'timestamp,Item_Id,user_id,EVENT_TYPE\r\n1,"item,1",u1,click\r\n2,"item,1",u1,click\r\n3,"i""2",u2,watch\r\n',
    );
    const items = tmp.file("items.csv", 'ITEM_ID,TITLE,GENRES\n"item,1","A, film",Drama|War\ni3,Cold item,Comedy\n');
    const ds = await importDataset(inter, { itemsPath: items });
    expect(ds.users.ids).toEqual(["u1", "u2"]);
    expect(ds.items.ids).toEqual(["item,1", 'i"2', "i3"]);
    expect(Array.from(ds.indptr)).toEqual([0, 1, 2]);
    expect(Array.from(ds.weights)).toEqual([2, 1]); // duplicate pair aggregated as a count
    expect(ds.metadata.columns).toEqual(["TITLE", "GENRES"]);
    expect(ds.metadata.rows[0]).toEqual(["A, film", "Drama|War"]);
    expect(ds.metadata.rows[1]).toBeNull();
  });

  it("reports several kinds of bad rows with 1-based line numbers and produces no dataset", async () => {
    const p = tmp.file(
      "bad.csv",
      [
        "USER_ID,ITEM_ID,TIMESTAMP,EVENT_VALUE",
        "u1,i1,100,1", // ok (line 2)
        "u2,i2,12.5,1", // non-integer timestamp (3)
        ",i3,100,1", // empty user (4)
        "u4,,100,1", // empty item (5)
        "u5,i5,100", // wrong column count (6)
        '"u6\nstill u6",i6,abc,1', // starts on 7, bad timestamp
        "u7,i7,100,notnum", // bad event value (9)
      ].join("\n"),
    );
    const err = await importDataset(p).catch((e) => e);
    expect(err).toBeInstanceOf(ImportError);
    expect(err.errorCount).toBe(6);
    expect(err.errors.map((e: { line: number }) => e.line)).toEqual([3, 4, 5, 6, 7, 9]);
    expect(err.errors[0].reason).toMatch(/TIMESTAMP .* not an integer/);
    expect(err.errors[1].reason).toBe("empty USER_ID");
    expect(err.errors[2].reason).toBe("empty ITEM_ID");
    expect(err.errors[3].reason).toBe("expected 4 columns, got 3");
    expect(err.errors[5].reason).toMatch(/EVENT_VALUE/);
  });

  it("caps reported errors at maxErrors but counts them all", async () => {
    const lines = ["USER_ID,ITEM_ID,TIMESTAMP"];
    for (let i = 0; i < 50; i++) lines.push(`u${i},i${i},x`);
    const err = await importDataset(tmp.file("many.csv", lines.join("\n")), { maxErrors: 5 }).catch((e) => e);
    expect(err.errorCount).toBe(50);
    expect(err.errors).toHaveLength(5);
    expect(err.errors[0].line).toBe(2);
  });

  it("rejects a header without required columns", async () => {
    const err = await importDataset(tmp.file("hdr.csv", "USER_ID,ITEM\nu,i\n")).catch((e) => e);
    expect(err).toBeInstanceOf(ImportError);
    expect(err.message).toMatch(/ITEM_ID, TIMESTAMP/);
  });

  it("streams a generated file and matches its row count", async () => {
    const r = await synth({ users: 2000, items: 500, interactions: 60_000, seed: 3, outDir: tmp.dir + "/gen" });
    const phases = new Set<string>();
    const ds = await importDataset(r.interactionsPath, { itemsPath: r.itemsPath, onProgress: (e) => phases.add(e.phase) });
    expect(ds.stats.rows).toBe(r.rows);
    expect(ds.stats.pairs).toBe(r.rows); // synth writes unique pairs by default
    expect(ds.users.size).toBeLessThanOrEqual(2000);
    expect(ds.items.size).toBe(500);
    expect(phases).toEqual(new Set(["import-interactions", "import-items"]));
    // Titles with commas and quotes survive the round trip.
    expect(ds.metadata.rows[ds.items.get("i0")!]![0]).toMatch(/^Item 0, "the .* one"$/);
  });
});
