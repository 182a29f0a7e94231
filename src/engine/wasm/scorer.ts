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
type TopkBatchFn = (vt: number, xs: number, n: number, nPad: number, k: number, b: number, meta: number, hs: number, hi: number, cap: number, sc: number) => void;
type EaseTopkFn = (b: number, items: number, m: number, out: number, n: number, ex: number, exn: number, cur: number, hs: number, hi: number, cap: number) => number;

interface Exports {
  memory: WasmMemory;
  scores_t: ScoresFn;
  topk_t: TopkFn;
  topk_batch_t: TopkBatchFn;
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

/**
 * Matrix factorisation. Memory layout: item factors transposed in groups of four items (see
 * score.wat), the item count padded to a multiple of 16 with zero rows; one user vector; its
 * scores (`score()`, and the kernel's sixteen-item steps); the single-user heap, exclusions and
 * cursor; then, on first batch use, the batch region.
 */
export class DotScorer extends KernelInstance {
  private readonly nPad: number;
  private readonly xAt: number;
  private readonly outAt: number;
  private x!: Float32Array;
  private out!: Float32Array;

  private constructor(wasm: Exports, n: number, private readonly k: number) {
    super(wasm, n);
    this.nPad = padItems(n);
    this.xAt = this.nPad * k * 4;
    this.outAt = this.xAt + ((k * 4 + 15) & ~15);
    this.placeSingle(this.outAt + this.nPad * 4);
  }

  /** Undefined when the kernel cannot serve this shape (k not a multiple of 16) or SIMD is unavailable. */
  static create(itemFactors: Float32Array, k: number): DotScorer | undefined {
    const module = k > 0 && k % 16 === 0 ? wasmModule() : null;
    if (!module) return undefined;
    const n = itemFactors.length / k;
    const scorer = new DotScorer(KernelInstance.exports(module), n, k);
    const vt = new Float32Array(scorer.memory.buffer, 0, padItems(n) * k);
    for (let i = 0; i < n; i++) {
      const base = (i >> 2) * k * 4 + (i & 3);
      for (let f = 0; f < k; f++) vt[base + f * 4] = itemFactors[i * k + f];
    }
    return scorer;
  }

  protected rebuildViews(): void {
    this.x = new Float32Array(this.memory.buffer, this.xAt, this.k);
    this.out = new Float32Array(this.memory.buffer, this.outAt, this.n);
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
    return this.single(
      this.wasm.topk_t(0, this.xAt, this.outAt, this.n, this.nPad, this.k, this.exAt, exn, this.curAt, this.hsAt, this.hiAt, cap),
    );
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
    const k = this.k;
    const top: TopK = { count: 0, items: EMPTY.items, scores: EMPTY.scores };
    for (let start = 0; start < vectors.length; start += BATCH_USERS) {
      const count = Math.min(BATCH_USERS, vectors.length - start);
      const padded = (count + 3) & ~3; // the kernel takes users four at a time; the extra rows are zeros
      const lists = Array.from({ length: count }, (_, b) => exclude(start + b));
      const exTotal = lists.reduce((s, l) => s + l.length, 0);
      const [xsAt, metaAt, scAt, hsAt, hiAt, exAt, end] = layout(this.fixedEnd, [
        BATCH_USERS * k * 4, BATCH_USERS * 16, 32, BATCH_USERS * cap * 8, BATCH_USERS * cap * 4, exTotal * 4,
      ]);
      ensureBytes(this.memory, end);
      const buffer = this.memory.buffer;
      const xs = new Float32Array(buffer, xsAt, padded * k);
      const meta = new Int32Array(buffer, metaAt, padded * 4);
      const ex = new Int32Array(buffer, exAt, exTotal);
      xs.fill(0, count * k);
      for (let b = 0, e = 0; b < padded; b++) {
        if (b < count) {
          xs.set(vectors[start + b], b * k);
          ex.set(lists[b], e);
        }
        const len = b < count ? lists[b].length : 0;
        meta[b * 4] = exAt + e * 4;
        meta[b * 4 + 1] = exAt + (e + len) * 4;
        e += len;
      }
      this.wasm.topk_batch_t(0, xsAt, this.n, this.nPad, k, padded, metaAt, hsAt, hiAt, cap, scAt);
      for (let b = 0; b < count; b++) {
        top.count = meta[b * 4 + 2];
        top.items = new Int32Array(buffer, hiAt + b * cap * 4, top.count);
        top.scores = new Float64Array(buffer, hsAt + b * cap * 8, top.count);
        visit(start + b, top);
      }
    }
  }
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
