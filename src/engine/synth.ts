/**
 * Synthetic Personalize-shaped data with a known structure, so accuracy tests
 * can assert that a model finds signal that is really there: items belong to
 * one or two of K genres, users prefer 1–3 genres, most of a user's events come
 * from preferred genres, item popularity is Zipf-like, and user activity is
 * log-normal. Written as streams, so multi-million-row files do not need to fit
 * in memory. Fully determined by the seed.
 */
import { createWriteStream, mkdirSync } from "node:fs";
import { join } from "node:path";
import { once } from "node:events";
import { Rng } from "./prng.js";
import { csvField } from "./csv.js";

export interface SynthOptions {
  users: number;
  items: number;
  interactions: number;
  seed: number;
  /** Directory for interactions.csv and items.csv (created if needed). */
  outDir: string;
  /** Number of latent genres K (default 18, like MovieLens). */
  genres?: number;
  /** Share of a user's events drawn from their preferred genres (default 0.8); the rest follow global popularity. */
  affinity?: number;
  /** Zipf exponent of item popularity (default 0.9). */
  zipf?: number;
  /** Minimum events per user (default 1; MovieLens guarantees 20). */
  minPerUser?: number;
  /** Avoid repeated (user, item) pairs, like rating data (default true). */
  uniquePairs?: boolean;
}

export interface SynthResult {
  interactionsPath: string;
  itemsPath: string;
  rows: number;
}

const GENRE_NAMES = [
  "Action",
  "Adventure",
  "Animation",
  "Children",
  "Comedy",
  "Crime",
  "Documentary",
  "Drama",
  "Fantasy",
  "Film-Noir",
  "Horror",
  "Musical",
  "Mystery",
  "Romance",
  "Sci-Fi",
  "Thriller",
  "War",
  "Western",
];
const genreName = (g: number) => GENRE_NAMES[g] ?? `Genre${g}`;

export async function synth(opts: SynthOptions): Promise<SynthResult> {
  const { users: nU, items: nI, interactions: N, seed } = opts;
  const K = opts.genres ?? 18;
  const affinity = opts.affinity ?? 0.8;
  const s = opts.zipf ?? 0.9;
  const minPer = opts.minPerUser ?? 1;
  const unique = opts.uniquePairs ?? true;
  const rng = new Rng(seed);
  mkdirSync(opts.outDir, { recursive: true });

  // Items: popularity by a random Zipf rank; 1–2 genres each.
  const rank = new Int32Array(nI);
  for (let i = 0; i < nI; i++) rank[i] = i;
  rng.shuffle(rank);
  const pop = new Float64Array(nI);
  for (let i = 0; i < nI; i++) pop[i] = 1 / (rank[i] + 1) ** s;
  const itemGenres: number[][] = [];
  const genreItems: number[][] = Array.from({ length: K }, () => []);
  for (let i = 0; i < nI; i++) {
    const g1 = rng.int(K);
    const gs = [g1];
    if (rng.next() < 0.3) {
      const g2 = rng.int(K);
      if (g2 !== g1) gs.push(g2);
    }
    itemGenres.push(gs);
    for (const g of gs) genreItems[g].push(i);
  }
  const cum = (list: number[]) => {
    const c = new Float64Array(list.length);
    let t = 0;
    list.forEach((i, j) => (c[j] = t += pop[i]));
    return c;
  };
  const genreCum = genreItems.map(cum);
  const allItems = Array.from({ length: nI }, (_, i) => i);
  const globalCum = cum(allItems);
  const sample = (list: number[], c: Float64Array): number => {
    if (list.length === 0) return rng.int(nI);
    const x = rng.next() * c[c.length - 1];
    let lo = 0,
      hi = c.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (c[mid] > x) hi = mid;
      else lo = mid + 1;
    }
    return list[lo];
  };

  // Items CSV (titles with commas and quotes on purpose: exercises CSV quoting).
  const itemsPath = join(opts.outDir, "items.csv");
  {
    const w = createWriteStream(itemsPath);
    let buf = "ITEM_ID,TITLE,GENRES\n";
    for (let i = 0; i < nI; i++) {
      const title = i % 7 === 0 ? `Item ${i}, "the ${genreName(itemGenres[i][0])} one"` : `Item ${i}`;
      buf += `i${i},${csvField(title)},${csvField(itemGenres[i].map(genreName).join("|"))}\n`;
      if (buf.length > 1 << 16) {
        if (!w.write(buf)) await once(w, "drain");
        buf = "";
      }
    }
    w.end(buf);
    await once(w, "finish");
  }

  // Per-user event counts: log-normal activity, at least minPer, summing to N.
  const act = new Float64Array(nU);
  let at = 0;
  for (let u = 0; u < nU; u++) at += act[u] = Math.exp(rng.gaussian());
  const maxPer = unique ? Math.max(1, Math.floor(nI * 0.5)) : Infinity;
  const counts = new Int32Array(nU);
  let total = 0;
  for (let u = 0; u < nU; u++) {
    counts[u] = Math.min(maxPer, Math.max(minPer, Math.floor((N - minPer * nU) * (act[u] / at)) + minPer));
    total += counts[u];
  }
  // Fix rounding so the total is exactly N (as far as minPer/maxPer allow).
  for (let changed = true; total !== N && changed; ) {
    changed = false;
    for (let u = 0; u < nU && total !== N; u++) {
      if (total < N && counts[u] < maxPer) counts[u]++, total++, (changed = true);
      else if (total > N && counts[u] > minPer) counts[u]--, total--, (changed = true);
    }
  }

  const interactionsPath = join(opts.outDir, "interactions.csv");
  const w = createWriteStream(interactionsPath);
  let buf = "USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE\n";
  let rows = 0;
  const seen = new Set<number>();
  for (let u = 0; u < nU; u++) {
    // 1–3 preferred genres with random weights.
    const ng = 1 + rng.int(3);
    const pref: number[] = [];
    const pw: number[] = [];
    for (let j = 0; j < ng; j++) {
      pref.push(rng.int(K));
      pw.push(rng.next() + 0.2);
    }
    const pwSum = pw.reduce((a, b) => a + b, 0);
    let ts = 1_600_000_000 + rng.int(30_000_000);
    seen.clear();
    for (let e = 0; e < counts[u]; e++) {
      let item = -1;
      for (let attempt = 0; attempt < 30; attempt++) {
        if (rng.next() < affinity) {
          let x = rng.next() * pwSum;
          let g = 0;
          while (g < ng - 1 && (x -= pw[g]) > 0) g++;
          item = sample(genreItems[pref[g]], genreCum[pref[g]]);
        } else item = sample(allItems, globalCum);
        if (!unique || !seen.has(item)) break;
      }
      if (unique && seen.has(item)) continue; // could not find a new one: skip
      seen.add(item);
      ts += 1 + rng.int(86_400);
      buf += `u${u},i${item},${ts},click\n`;
      rows++;
      if (buf.length > 1 << 16) {
        if (!w.write(buf)) await once(w, "drain");
        buf = "";
      }
    }
  }
  w.end(buf);
  await once(w, "finish");
  return { interactionsPath, itemsPath, rows };
}
