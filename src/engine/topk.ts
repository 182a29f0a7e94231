/**
 * Top-n selection with a bounded min-heap: O(m log n) instead of sorting every
 * catalogue item per request, which is what keeps recommend() well under a
 * millisecond on a 10k-item catalogue.
 */

/** The n best items: the first `count` entries of `items`/`scores`, best first (kernels hand out views of buffers they reuse). */
export interface TopK {
  count: number;
  items: Int32Array;
  scores: Float64Array;
}

/** topN as a TopK. */
export function topNItems(scores: ArrayLike<number>, n: number): TopK {
  const { idx, score } = topN(scores, n);
  return { count: idx.length, items: idx, scores: score };
}

/**
 * Indices of the n largest finite scores, best first. Entries equal to -Infinity
 * are treated as excluded. Ties go to the lower index so results are deterministic.
 */
export function topN(scores: ArrayLike<number>, n: number): { idx: Int32Array; score: Float64Array } {
  const m = scores.length;
  const cap = Math.max(0, Math.min(n, m));
  const hs = new Float64Array(cap);
  const hi = new Int32Array(cap);
  let size = 0;
  let i = 0;
  // Fill: the first `cap` valid entries, sifted up ("worse(a, b)": lower score, or same score and
  // higher index, so the root is always the worst entry kept).
  for (; i < m && size < cap; i++) {
    const s = scores[i];
    if (s === -Infinity || s !== s) continue;
    let c = size++;
    while (c > 0) {
      const p = (c - 1) >> 1;
      if (hs[p] < s || (hs[p] === s && hi[p] > i)) break;
      hs[c] = hs[p];
      hi[c] = hi[p];
      c = p;
    }
    hs[c] = s;
    hi[c] = i;
  }
  // Scan: one comparison per item against a local copy of the root. Indices only grow, so an equal
  // score never beats a kept one, and -Infinity/NaN never pass `>`. Twice as fast as testing ties
  // and exclusions on every item, and this loop runs over the whole catalog on every request.
  let worst = cap > 0 ? hs[0] : Infinity;
  for (; i < m; i++) {
    const s = scores[i];
    if (!(s > worst)) continue;
    let c = 0;
    for (;;) {
      const l = 2 * c + 1;
      if (l >= cap) break;
      const r = l + 1;
      let w = l;
      if (r < cap && (hs[r] < hs[l] || (hs[r] === hs[l] && hi[r] > hi[l]))) w = r;
      if (hs[w] < s || (hs[w] === s && hi[w] > i)) {
        hs[c] = hs[w];
        hi[c] = hi[w];
        c = w;
      } else break;
    }
    hs[c] = s;
    hi[c] = i;
    worst = hs[0];
  }
  // Sort the kept entries best-first (size ≤ n, so a plain sort is cheap).
  const order = Array.from({ length: size }, (_, j) => j);
  order.sort((a, b) => hs[b] - hs[a] || hi[a] - hi[b]);
  const idx = new Int32Array(size);
  const score = new Float64Array(size);
  for (let j = 0; j < size; j++) {
    idx[j] = hi[order[j]];
    score[j] = hs[order[j]];
  }
  return { idx, score };
}
