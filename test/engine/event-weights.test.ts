import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  ImportError,
  eventWeight,
  importDataset,
  parseEventWeights,
  synth,
  train,
  type Dataset,
  type Model,
} from "../../src/engine/index.js";
import { tempDir } from "./helpers.js";

const tmp = tempDir();
const WEIGHTS = parseEventWeights("purchase=8,click=1");
let csv: string;
let rows: { user: string; item: string; type: string }[];
let ds: Dataset;
let model: Model;

beforeAll(async () => {
  const r = await synth({ users: 400, items: 200, interactions: 10_000, seed: 5, outDir: join(tmp.dir, "d"), minPerUser: 8 });
  // Every third event becomes a purchase.
  const lines = readFileSync(r.interactionsPath, "utf8").trim().split("\n");
  rows = lines.slice(1).map((line, n) => {
    const [user, item] = line.split(",");
    return { user, item, type: n % 3 === 0 ? "purchase" : "click" };
  });
  csv = join(tmp.dir, "typed.csv");
  writeFileSync(
    csv,
    "USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE\n" + rows.map((x, n) => `${x.user},${x.item},${1_600_000_000 + n},${x.type}`).join("\n") + "\n",
  );
  ds = await importDataset(csv, { eventWeights: WEIGHTS });
  model = await train(ds, { recipe: "ials", seed: 2, threads: 1, ials: { epochs: 15 } });
});
afterAll(() => tmp.cleanup());

/** All item scores of a user, in catalogue order. */
function scoresOf(m: Model, userId: string): number[] {
  const byId = new Map(m.recommend(userId, m.nItems, { excludeSeen: false }).map((r) => [r.itemId, r.score]));
  return m.data.itemIds.map((id) => byId.get(id)!);
}
function relativeDistance(a: number[], b: number[]): number {
  let d = 0,
    n = 0;
  for (let j = 0; j < a.length; j++) {
    d += (a[j] - b[j]) ** 2;
    n += b[j] ** 2;
  }
  return Math.sqrt(d / n);
}

describe("event weights", () => {
  it("parse TYPE=WEIGHT lists and refuse anything else with the part named", () => {
    expect(parseEventWeights("purchase=5, click=1,*=0.5")).toEqual({ types: { purchase: 5, click: 1 }, others: 0.5 });
    for (const bad of ["purchase", "purchase=-1", "purchase=x", "=3", "a=1,a=2", ""]) expect(() => parseEventWeights(bad)).toThrow();
    expect(eventWeight(WEIGHTS, "purchase", null)).toBe(8);
    expect(eventWeight(WEIGHTS, "view", 3)).toBe(1);
    expect(eventWeight({ types: { purchase: 2 }, others: 0, eventValue: true }, "purchase", 3.5)).toBe(7);
    expect(eventWeight({ types: {}, others: 0 }, "view", null)).toBe(0);
    expect(eventWeight(undefined, "anything", 99)).toBe(1);
  });

  it("training sums each interaction's event weights; weight-0 types are left out", async () => {
    const u = ds.users.get(rows[0].user)!;
    const i = ds.items.get(rows[0].item)!;
    const expected = rows
      .filter((x) => x.user === rows[0].user && x.item === rows[0].item)
      .reduce((s, x) => s + eventWeight(WEIGHTS, x.type, null), 0);
    const e = Array.from(ds.indices.subarray(ds.indptr[u], ds.indptr[u + 1])).indexOf(i);
    expect(ds.weights[ds.indptr[u] + e]).toBe(expected);
    const purchasesOnly = await importDataset(csv, { eventWeights: parseEventWeights("purchase=1,*=0") });
    expect(purchasesOnly.stats.skippedEventType).toBe(rows.filter((x) => x.type !== "purchase").length);
    const noTypes = tmp.file("untyped.csv", "USER_ID,ITEM_ID,TIMESTAMP\nu1,i1,1\n");
    await expect(importDataset(noTypes, { eventWeights: WEIGHTS })).rejects.toThrow(ImportError);
  });

  it("iALS: folding a user's events in with the weights puts them where training did; unit weights do not", () => {
    const served = model; // a fresh user id gets the same events the trained user had
    const users = [...new Set(rows.map((x) => x.user))].slice(0, 25);
    let weighted = 0,
      unit = 0;
    for (const user of users) {
      const events = rows.filter((x) => x.user === user);
      served.foldIn(
        `w-${user}`,
        events.map((x) => ({ itemId: x.item, weight: eventWeight(WEIGHTS, x.type, null) })),
      );
      served.foldIn(
        `u-${user}`,
        events.map((x) => ({ itemId: x.item })),
      );
      const trained = scoresOf(served, user);
      weighted += relativeDistance(scoresOf(served, `w-${user}`), trained);
      unit += relativeDistance(scoresOf(served, `u-${user}`), trained);
    }
    weighted /= users.length;
    unit /= users.length;
    // Not exactly 0: training's last user solve saw the item factors of the epoch before.
    expect(weighted).toBeLessThan(0.05);
    expect(unit).toBeGreaterThan(10 * weighted);
  });
});
