/**
 * Scoring and top-k selection in the SIMD kernels of score.wat. A recommendation is one call into
 * the module: the scores are computed sixteen items at a time, filtered against the user's heap
 * (see score.wat) and never copied out; exclusions are applied inside; what comes back is the
 * top-k (item indices and scores, best first) in buffers that live in the module's memory and are
 * reused by the next call. Matrix factorisation (`DotScorer`: dot products with the item factors,
 * one user or a block of users against a block of items) and EASE (`EaseScorer`: sums of rows of
 * B) share the heap, and both give exactly what topN (../topk.ts) gives over the same scores.
 */
import { wasmBase64 } from "./score-wasm.js";
import type { TopK } from "../topk.js";
import { compileWasm, ensureBytes, instantiate, type WasmMemory } from "./load.js";

let compiled: object | null | undefined;

function wasmModule(): object | null {
  if (compiled === undefined) compiled = compileWasm(wasmBase64);
  return compiled;
}


type ScoresFn = (vt: number, x: number, out: number, n: number, k: number) => void;
type TopkFn = (vt: number, x: number, out: number, n: number, nPad: number, k: number, ex: number, exn: number, cur: number, hs: number, hi: number, cap: number) => number;
type TopkQFn = (vq: number, vt: number, xq: number, n: number, nPad: number, k: number, st: number, ah: number, sc: number, hs: number, hi: number, cap: number) => void;
type TopkBatchQFn = (vq: number, vt: number, xq: number, n: number, nPad: number, k: number, b: number, meta: number, ah: number, sc: number, hs: number, hi: number, cap: number) => void;
type TopkBatchFn = (vt: number, xs: number, n: number, nPad: number, k: number, b: number, meta: number, hs: number, hi: number, cap: number, sc: number) => void;
type EaseTopkFn = (b: number, items: number, m: number, out: number, n: number, ex: number, exn: number, cur: number, hs: number, hi: number, cap: number) => number;

interface Exports {
  memory: WasmMemory;
  scores_t: ScoresFn;
  topk_t: TopkFn;
  topk_batch_t: TopkBatchFn;
  topk_q: TopkQFn;
  topk_batch_q: TopkBatchQFn;
  ease_topk: EaseTopkFn;
}

/** Users per batch pass (a multiple of 4): bounds the pass's memory (vectors, heaps, exclusions). */
export const BATCH_USERS = 64;

const EMPTY: TopK = { count: 0, items: new Int32Array(0), scores: new Float64Array(0) };

/** Byte offsets of consecutive regions, each 16-byte aligned (v128 loads and stores). */
function layout(start: number, sizes: number[]): number[] {
  const at: number[] = [];
  let o = (start + 15) & ~15;
  for (const s of sizes) {
    at.push(o);
    o += (s + 15) & ~15;
  }
  at.push(o);
  return at;
}

/**
 * A module instance with its own memory, laid out once at creation (fixed regions: model, one
 * user's buffers and heap of up to n entries, which is every n a caller may ask for) so the
 * single-user path never grows memory and its views stay valid. The batch region comes after, on
 * first use; growing it detaches every view, so views are rebuilt when the buffer changes.
 */
abstract class KernelInstance {
  protected readonly memory: WasmMemory;
  private viewsOf: ArrayBuffer | null = null;
  private readonly result: TopK = { count: 0, items: EMPTY.items, scores: EMPTY.scores };
  private exView = EMPTY.items;
  protected hsAt = 0;
  protected hiAt = 0;
  protected exAt = 0;
  protected curAt = 0;
  protected fixedEnd = 0;

  protected constructor(
    protected readonly wasm: Exports,
    /** Items in the catalogue. */
    protected readonly n: number,
  ) {
    this.memory = wasm.memory;
  }

  /** Lays out the single-user heap, exclusion list and cursor after `start`, and grows memory to fit. */
  protected placeSingle(start: number): void {
    const n = this.n;
    [this.hsAt, this.hiAt, this.exAt, this.curAt, this.fixedEnd] = layout(start, [n * 8, n * 4, n * 4, 16]);
    ensureBytes(this.memory, this.fixedEnd);
  }

  /** Whether views made before are still valid (no growth since); rebuilds them when not. */
  protected refresh(): void {
    if (this.viewsOf === this.memory.buffer) return;
    this.viewsOf = this.memory.buffer;
    this.result.items = new Int32Array(this.memory.buffer, this.hiAt, this.n);
    this.result.scores = new Float64Array(this.memory.buffer, this.hsAt, this.n);
    this.exView = new Int32Array(this.memory.buffer, this.exAt, this.n);
    this.rebuildViews();
  }

  protected abstract rebuildViews(): void;

  /** Copies the ascending exclusion list into its region; returns its length. */
  protected putExclusions(exclude: Int32Array): number {
    this.exView.set(exclude);
    return exclude.length;
  }

  protected single(count: number): TopK {
    this.result.count = count;
    return this.result;
  }

  protected static exports(module: object): Exports {
    return instantiate(module) as unknown as Exports;
  }
}

/** What the integer pass needs to know about the item factors (see score.wat, "Two-stage top-k"). */
interface Quantised {
  /** Largest |q|: k·qmax² < 2³¹, so no int32 lane sum overflows. */
  qmax: number;
  /** The items' scale (a power of two): y ≈ q·sy. */
  sy: number;
  /** max over items of Σ_f |y_f|, and max |y|: the margin's terms. */
  l1Y: number;
  maxY: number;
}

/**
 * Matrix factorisation. Memory layout: item factors transposed in groups of four items (see
 * score.wat), the item count padded to a multiple of 16 with zero rows; one user vector; its
 * scores (`score()`); the int16 factors (pairs layout, score.wat); the user's int16 vector,
 * state, int heap, scratch and candidates; the single-user heap, exclusions and cursor; then, on
 * first batch use, the batch region. The exact stage reads the transposed float32 factors.
 */
export class DotScorer extends KernelInstance {
  private readonly nPad: number;
  private readonly xAt: number;
  private readonly outAt: number;
  private readonly vqAt: number;
  private readonly xqAt: number;
  private readonly stAt: number;
  private readonly ahAt: number;
  private readonly scAt: number;
  private readonly candAt: number;
  /** Undefined when the factors hold a non-finite value or are all zero: the float32 kernels serve alone. */
  private quant: Quantised | undefined;
  private x!: Float32Array;
  private out!: Float32Array;
  private xq!: Int16Array;
  private st!: Int32Array;

  private constructor(wasm: Exports, n: number, private readonly k: number) {
    super(wasm, n);
    const nPad = (this.nPad = padItems(n));
    [this.xAt, this.outAt, this.vqAt, this.xqAt, this.stAt, this.ahAt, this.scAt, this.candAt] = layout(nPad * k * 4, [
      k * 4, nPad * 4, nPad * k * 2, k * 2, 32, n * 4, 64, n * 8, 0,
    ]);
    this.placeSingle(this.candAt + n * 8);
  }

  /** Undefined when the kernel cannot serve this shape (k not a multiple of 16) or SIMD is unavailable. */
  static create(itemFactors: Float32Array, k: number): DotScorer | undefined {
    const module = k > 0 && k % 16 === 0 ? wasmModule() : null;
    if (!module) return undefined;
    const n = itemFactors.length / k;
    const scorer = new DotScorer(KernelInstance.exports(module), n, k);
    const buffer = scorer.memory.buffer;
    const vt = new Float32Array(buffer, 0, scorer.nPad * k);
    for (let i = 0; i < n; i++) {
      const base = (i >> 2) * k * 4 + (i & 3);
      for (let f = 0; f < k; f++) vt[base + f * 4] = itemFactors[i * k + f];
    }
    let maxY = 0;
    let l1Y = 0;
    let finite = true;
    for (let i = 0; i < n; i++) {
      let l1 = 0;
      for (let f = 0; f < k; f++) {
        const a = Math.abs(itemFactors[i * k + f]);
        if (!(a <= Number.MAX_VALUE)) finite = false;
        l1 += a;
        if (a > maxY) maxY = a;
      }
      if (l1 > l1Y) l1Y = l1;
    }
    // A NaN or infinite factor has no bound: such a model is served by the float32 kernels alone.
    if (finite && maxY > 0 && Number.isFinite(l1Y)) {
      let qmax = 32767;
      while (k * qmax * qmax >= 2 ** 31) qmax = (qmax - 1) / 2;
      const sy = powerOfTwoScale(maxY, qmax);
      const vq = new Int16Array(buffer, scorer.vqAt, scorer.nPad * k);
      for (let i = 0; i < n; i++) {
        // Block of sixteen items, then factor pair (32 values: four groups × four items × two), group, item.
        const base = (i >> 4) * k * 16 + ((i >> 2) & 3) * 8 + (i & 3) * 2;
        for (let f = 0; f < k; f++) vq[base + (f >> 1) * 32 + (f & 1)] = Math.round(itemFactors[i * k + f] / sy);
      }
      scorer.quant = { qmax, sy, l1Y, maxY };
    }
    return scorer;
  }

  protected rebuildViews(): void {
    const buffer = this.memory.buffer;
    this.x = new Float32Array(buffer, this.xAt, this.k);
    this.out = new Float32Array(buffer, this.outAt, this.n);
    this.xq = new Int16Array(buffer, this.xqAt, this.k);
    this.st = new Int32Array(buffer, this.stAt, 8);
  }

  /** Scores of all items for `x`; the returned view is overwritten by the next call. */
  score(x: ArrayLike<number>): Float32Array {
    this.refresh();
    this.x.set(x);
    this.wasm.scores_t(0, this.xAt, this.outAt, this.nPad, this.k);
    return this.out;
  }

  /**
   * The `want` best items for `x`, leaving out `exclude` (ascending item indices, at most n of
   * them): topN over `score(x)` with those items at -Infinity, without writing all the scores.
   */
  topK(x: ArrayLike<number>, want: number, exclude: Int32Array): TopK {
    const cap = Math.min(want, this.n);
    if (!(cap > 0)) return EMPTY;
    this.refresh();
    this.x.set(x);
    const exn = this.putExclusions(exclude);
    const m2 = this.quant && quantise(x, this.k, this.quant, this.xq, 0);
    if (m2 === undefined || m2 < 0) {
      return this.single(
        this.wasm.topk_t(0, this.xAt, this.outAt, this.n, this.nPad, this.k, this.exAt, exn, this.curAt, this.hsAt, this.hiAt, cap),
      );
    }
    setState(this.st, 0, this.exAt, exn, this.candAt, m2, this.xAt);
    this.wasm.topk_q(this.vqAt, 0, this.xqAt, this.n, this.nPad, this.k, this.stAt, this.ahAt, this.scAt, this.hsAt, this.hiAt, cap);
    return this.single(this.st[2]);
  }

  /**
   * `topK` for many users, BATCH_USERS per pass of the blocked kernel (each block of item factors
   * is read once per pass instead of once per user). `visit(b, top)` gets user b's answer, in
   * order; `top` is valid until `visit` returns.
   */
  topKMany(vectors: readonly ArrayLike<number>[], want: number, exclude: (b: number) => Int32Array, visit: (b: number, top: TopK) => void): void {
    const cap = Math.min(want, this.n);
    if (!(cap > 0)) {
      for (let b = 0; b < vectors.length; b++) visit(b, EMPTY);
      return;
    }
    const { k, n, quant } = this;
    const top: TopK = { count: 0, items: EMPTY.items, scores: EMPTY.scores };
    for (let start = 0; start < vectors.length; start += BATCH_USERS) {
      const count = Math.min(BATCH_USERS, vectors.length - start);
      // The kernels take users four at a time; the extra rows repeat the last user (their answers are dropped).
      const padded = (count + 3) & ~3;
      const lists = Array.from({ length: count }, (_, b) => exclude(start + b));
      const exTotal = lists.reduce((s, l) => s + l.length, 0);
      const [xsAt, xqAt, metaAt, meta16At, ahAt, scAt, hsAt, hiAt, exAt, candAt, end] = layout(this.fixedEnd, [
        BATCH_USERS * k * 4, BATCH_USERS * k * 2, BATCH_USERS * 32, BATCH_USERS * 16, BATCH_USERS * cap * 4, 64,
        BATCH_USERS * cap * 8, BATCH_USERS * cap * 4, exTotal * 4, quant ? BATCH_USERS * n * 8 : 0,
      ]);
      ensureBytes(this.memory, end);
      const buffer = this.memory.buffer;
      const xs = new Float32Array(buffer, xsAt, padded * k);
      const xq = new Int16Array(buffer, xqAt, padded * k);
      const meta = new Int32Array(buffer, metaAt, padded * 8);
      const ex = new Int32Array(buffer, exAt, exTotal);
      let exact = quant !== undefined;
      for (let b = 0, e = 0; b < padded; b++) {
        const real = b < count;
        const len = real ? lists[b].length : 0;
        xs.set(vectors[start + Math.min(b, count - 1)], b * k);
        if (real) ex.set(lists[b], e);
        const m2 = quant ? quantise(xs.subarray(b * k, b * k + k), k, quant, xq, b * k) : -1;
        if (m2 < 0) exact = false;
        setState(meta, b * 8, exAt + e * 4, len, candAt + b * n * 8, m2, xsAt + b * k * 4);
        e += len;
      }
      if (exact) this.wasm.topk_batch_q(this.vqAt, 0, xqAt, n, this.nPad, k, padded, metaAt, ahAt, scAt, hsAt, hiAt, cap);
      else {
        // A vector the integer pass cannot bound (a non-finite value): this pass uses the float32 kernel.
        const meta16 = new Int32Array(buffer, meta16At, padded * 4);
        for (let b = 0; b < padded; b++) {
          meta16[b * 4] = meta[b * 8];
          meta16[b * 4 + 1] = meta[b * 8 + 1];
        }
        this.wasm.topk_batch_t(0, xsAt, n, this.nPad, k, padded, meta16At, hsAt, hiAt, cap, scAt);
        for (let b = 0; b < padded; b++) meta[b * 8 + 2] = meta16[b * 4 + 2];
      }
      for (let b = 0; b < count; b++) {
        top.count = meta[b * 8 + 2];
        top.items = new Int32Array(buffer, hiAt + b * cap * 4, top.count);
        top.scores = new Float64Array(buffer, hsAt + b * cap * 8, top.count);
        visit(start + b, top);
      }
    }
  }
}

/** The smallest power of two s with max / s ≤ qmax. */
function powerOfTwoScale(max: number, qmax: number): number {
  let s = 2 ** Math.ceil(Math.log2(max / qmax));
  while (max / s > qmax) s *= 2;
  while (max / (s / 2) <= qmax) s /= 2;
  return s;
}

/**
 * Writes x quantised to int16 (its own power-of-two scale sx) at `into[at..]` and returns 2M, M the
 * bound on |exact float32 score − approximate score| in units of sx·sy for every item; -1 when x
 * holds a non-finite value (the float32 kernel serves it). M adds: the quantisation of x
 * (sx/2 · max_i Σ|y_i|), of y (sy/2 · Σ|x̃|), and the float32 rounding of the exact score
 * ((k+2)·2⁻²⁴ · Σ|x|·max|y|, recursive summation), widened by 1% and two units for the float64
 * arithmetic of this bound itself. -1 as well when a score could overflow float32.
 */
function quantise(x: ArrayLike<number>, k: number, q: Quantised, into: Int16Array, at: number): number {
  let maxX = 0;
  let l1X = 0;
  for (let f = 0; f < k; f++) {
    const a = Math.abs(x[f]);
    if (!(a <= Number.MAX_VALUE)) return -1;
    l1X += a;
    if (a > maxX) maxX = a;
  }
  // Scores that could overflow float32 (±Infinity) have no bound either.
  if (l1X * q.maxY > 1e37) return -1;
  const sx = maxX > 0 ? powerOfTwoScale(maxX, q.qmax) : 1;
  let l1Q = 0;
  for (let f = 0; f < k; f++) {
    const v = Math.round(x[f] / sx);
    into[at + f] = v;
    l1Q += Math.abs(v);
  }
  const bound = (sx / 2) * q.l1Y + (q.sy / 2) * l1Q * sx + (k + 2) * 2 ** -24 * l1X * q.maxY + k * 2 ** -126;
  const units = Math.ceil((bound * 1.01) / (sx * q.sy)) + 2;
  return Math.min(2 * units, 2 ** 31 - 1);
}

/** A user's state for the two-stage kernels (layout in score.wat). */
function setState(st: Int32Array, o: number, exAt: number, exn: number, candAt: number, m2: number, xAt: number): void {
  st[o] = exAt;
  st[o + 1] = exAt + exn * 4;
  st[o + 4] = candAt;
  st[o + 5] = m2 | 0;
  st[o + 6] = xAt;
  st[o + 7] = candAt;
}

/**
 * EASE: B (n × n, float32) lives in the module's memory, where the recipe reads it too (one copy).
 * Layout: B; the user's scores (float64, padded to eight for the kernel's filter step); the user's
 * items; the heap, exclusions and cursor.
 */
export class EaseScorer extends KernelInstance {
  readonly B: Float32Array;
  private readonly outAt: number;
  private readonly itemsAt: number;

  private constructor(wasm: Exports, n: number) {
    super(wasm, n);
    const bBytes = n * n * 4;
    [this.outAt, this.itemsAt] = layout(bBytes, [(n + 8) * 8, n * 4]);
    this.placeSingle(this.itemsAt + ((n * 4 + 15) & ~15));
    this.B = new Float32Array(this.memory.buffer, 0, n * n);
  }

  /** Undefined where SIMD is unavailable or the module's memory (4 GiB at most) cannot hold B. */
  static create(B: Float32Array, n: number): EaseScorer | undefined {
    const module = n > 0 ? wasmModule() : null;
    if (!module || n * n * 4 + n * 40 + 256 > 2 ** 32 - 2 ** 16) return undefined;
    let scorer: EaseScorer;
    try {
      scorer = new EaseScorer(KernelInstance.exports(module), n);
    } catch {
      return undefined; // memory.grow refused: keep the JavaScript loop
    }
    scorer.B.set(B);
    return scorer;
  }

  private items = EMPTY.items;

  protected rebuildViews(): void {
    this.items = new Int32Array(this.memory.buffer, this.itemsAt, this.n);
  }

  /** The `want` best items for a user who had `items` (their scores: the sum of those rows of B), leaving out `exclude`. */
  topK(items: Int32Array, want: number, exclude: Int32Array): TopK {
    const cap = Math.min(want, this.n);
    if (!(cap > 0)) return EMPTY;
    this.refresh();
    this.items.set(items);
    const exn = this.putExclusions(exclude);
    return this.single(
      this.wasm.ease_topk(0, this.itemsAt, items.length, this.outAt, this.n, this.exAt, exn, this.curAt, this.hsAt, this.hiAt, cap),
    );
  }
}

function padItems(n: number): number {
  return (n + 15) & ~15;
}
