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
import { availableParallelism } from "node:os";
import { compileWasm, ensureBytes, instantiate, sharedMemory, type SharedWasmMemory } from "./load.js";
import { KernelWorker, type KernelCall } from "./kernel-worker.js";

let compiled: object | null | undefined;

function wasmModule(): object | null {
  if (compiled === undefined) compiled = compileWasm(wasmBase64);
  return compiled;
}

type ScoresFn = (vt: number, x: number, out: number, n: number, k: number) => void;
type TopkFn = (
  vt: number,
  x: number,
  out: number,
  n: number,
  nPad: number,
  k: number,
  ex: number,
  exn: number,
  cur: number,
  hs: number,
  hi: number,
  cap: number,
) => number;
type TopkQFn = (
  vq: number,
  vt: number,
  xq: number,
  n: number,
  nPad: number,
  k: number,
  st: number,
  ah: number,
  sc: number,
  hs: number,
  hi: number,
  cap: number,
) => void;
type TopkBatchQFn = (
  vq: number,
  vt: number,
  xq: number,
  n: number,
  nPad: number,
  k: number,
  b: number,
  meta: number,
  ah: number,
  sc: number,
  hs: number,
  hi: number,
  cap: number,
) => void;
type TopkBatchFn = (
  vt: number,
  xs: number,
  n: number,
  nPad: number,
  k: number,
  b: number,
  meta: number,
  hs: number,
  hi: number,
  cap: number,
  sc: number,
) => void;
type EaseTopkFn = (
  b: number,
  items: number,
  m: number,
  out: number,
  n: number,
  ex: number,
  exn: number,
  cur: number,
  hs: number,
  hi: number,
  cap: number,
) => number;

interface Exports {
  scores_t: ScoresFn;
  topk_t: TopkFn;
  topk_batch_t: TopkBatchFn;
  topk_q: TopkQFn;
  topk_batch_q: TopkBatchQFn;
  ease_topk: EaseTopkFn;
}

/** Users per batch pass (a multiple of 4): bounds the pass's memory (vectors, heaps, exclusions). */
export const BATCH_USERS = 64;

/**
 * When a batch is split with a worker thread (DotScorer.splitsAt): at least `minUsers` users and
 * `minWork` multiply-adds (users × items × factors), on a machine with more than one core. Below
 * that, the worker's round trip (about 0.1 ms once started; its first start, 20–40 ms, is paid
 * once per model) and the unbalanced last passes cost more than the second core saves: 128 users
 * × 10k items × 64 factors is ~25 ms of work on one core. `share`: the part of the users this
 * thread keeps (it also prepares every pass and visits every answer). Tests lower the limits to
 * run the threaded path on small models.
 */
export const BATCH_THREADS = { minUsers: 2 * BATCH_USERS, minWork: 2 ** 26, share: 0.45, cores: availableParallelism() };

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
 * A module instance with its own shared memory (a DotScorer's worker thread instantiates the same
 * module on it), laid out once at creation (fixed regions: model, one user's buffers and heap of
 * up to n entries, which is every n a caller may ask for) so the single-user path never grows
 * memory and its views stay valid. The batch lanes come after, on first use; growing the memory
 * gives a new, longer `buffer` (views of the old one stay valid, but cover only its length), so
 * views are rebuilt when the buffer changes.
 */
abstract class KernelInstance {
  protected readonly memory: SharedWasmMemory;
  protected readonly wasm: Exports;
  private viewsOf: SharedArrayBuffer | null = null;
  private readonly result: TopK = { count: 0, items: EMPTY.items, scores: EMPTY.scores };
  private exView = EMPTY.items;
  protected hsAt = 0;
  protected hiAt = 0;
  protected exAt = 0;
  protected curAt = 0;
  protected fixedEnd = 0;

  /** Throws when the memory cannot be had. */
  protected constructor(
    module: object,
    /** Items in the catalogue. */
    protected readonly n: number,
  ) {
    this.memory = sharedMemory(65536);
    this.wasm = instantiate(module, { env: { memory: this.memory } }) as unknown as Exports;
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

  /** A word the worker thread signals completion in (kernel-worker.ts), and the end of the fixed regions. */
  private readonly statusAt: number;
  private readonly statusEnd: number;

  private constructor(
    module: object,
    n: number,
    private readonly k: number,
  ) {
    super(module, n);
    const nPad = (this.nPad = padItems(n));
    [this.xAt, this.outAt, this.vqAt, this.xqAt, this.stAt, this.ahAt, this.scAt, this.candAt] = layout(nPad * k * 4, [
      k * 4,
      nPad * 4,
      nPad * k * 2,
      k * 2,
      32,
      n * 4,
      64,
      n * 8,
      0,
    ]);
    this.placeSingle(this.candAt + n * 8);
    [this.statusAt, this.statusEnd] = layout(this.fixedEnd, [16]);
    ensureBytes(this.memory, this.statusEnd);
  }

  /** Undefined when the kernel cannot serve this shape (k not a multiple of 16) or SIMD is unavailable. */
  static create(itemFactors: Float32Array, k: number): DotScorer | undefined {
    const module = k > 0 && k % 16 === 0 ? wasmModule() : null;
    if (!module) return undefined;
    const n = itemFactors.length / k;
    const scorer = new DotScorer(module, n, k);
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
   * order; `top` is valid until `visit` returns. A batch large enough to pay for it (`splitsAt`)
   * is shared with a worker thread running the same kernel on the same memory; this thread blocks
   * until the worker's share is done. While a `topKManyAsync` is in flight its regions are taken:
   * a call here then serves each user with `topK`.
   */
  topKMany(
    vectors: readonly ArrayLike<number>[],
    want: number,
    exclude: (b: number) => Int32Array,
    visit: (b: number, top: TopK) => void,
  ): void {
    if (this.batchBusy) {
      for (let b = 0; b < vectors.length; b++) visit(b, this.topK(vectors[b], want, exclude(b)));
      return;
    }
    for (const step of this.passes(vectors, want, exclude, visit)) if (step === "wait") this.worker!.waitSync();
  }

  /**
   * `topKMany` that leaves the event loop free: this thread yields after each pass (so it never
   * holds the loop longer than BATCH_USERS users' share of the batch) and awaits the worker's
   * share. Calls run one after another.
   */
  topKManyAsync(
    vectors: readonly ArrayLike<number>[],
    want: number,
    exclude: (b: number) => Int32Array,
    visit: (b: number, top: TopK) => void,
  ): Promise<void> {
    const run = this.batchQueue.then(async () => {
      this.batchBusy = true;
      try {
        const steps = this.passes(vectors, want, exclude, visit);
        for (let r = steps.next(); !r.done; r = steps.next()) {
          if (r.value === "wait") await this.worker!.wait();
          else await new Promise<void>((resolve) => setImmediate(resolve));
        }
      } finally {
        this.batchBusy = false;
      }
    });
    this.batchQueue = run.catch(() => undefined);
    return run;
  }

  private batchBusy = false;
  private batchQueue: Promise<void> = Promise.resolve();
  private worker: KernelWorker | undefined;

  /** Whether a batch of `users` is split with a worker thread (see BATCH_THREADS). */
  splitsAt(users: number): boolean {
    return BATCH_THREADS.cores > 1 && users >= BATCH_THREADS.minUsers && users * this.nPad * this.k >= BATCH_THREADS.minWork;
  }

  /**
   * The batch, as steps: users [0, h) are served here pass by pass ("pause" after each pass but
   * the last), users [h, count) by the worker, started first ("wait": the caller waits for it,
   * then their answers are visited).
   */
  private *passes(
    vectors: readonly ArrayLike<number>[],
    want: number,
    exclude: (b: number) => Int32Array,
    visit: (b: number, top: TopK) => void,
  ): Generator<"pause" | "wait"> {
    const cap = Math.min(want, this.n);
    if (!(cap > 0)) {
      for (let b = 0; b < vectors.length; b++) visit(b, EMPTY);
      return;
    }
    const users = vectors.length;
    const lists = Array.from({ length: users }, (_, b) => exclude(b));
    // This thread also prepares every pass and visits every answer: it takes a little less.
    const h = this.splitsAt(users) ? Math.floor((users * BATCH_THREADS.share) / 4) * 4 : users;
    const exOf = (from: number, to: number) => lists.slice(from, to).reduce((s, l) => s + l.length, 0);
    let hereEx = 0;
    for (let s = 0; s < h; s += BATCH_USERS) hereEx = Math.max(hereEx, exOf(s, Math.min(h, s + BATCH_USERS)));
    const here = this.layoutLane(this.statusEnd, 1, cap, hereEx);
    const there = this.layoutLane(here.end, Math.ceil((users - h) / BATCH_USERS), cap, exOf(h, users));
    ensureBytes(this.memory, h < users ? there.end : here.end);
    let pending = false;
    const workerPasses: Pass[] = [];
    try {
      if (h < users) {
        for (let s = h, p = 0, e = 0; s < users; s += BATCH_USERS, p++) {
          const count = Math.min(BATCH_USERS, users - s);
          workerPasses.push(this.preparePass(there, p, vectors, s, count, lists, e, cap));
          e += exOf(s, s + count);
        }
        if (!this.worker || this.worker.broken) {
          this.worker = new KernelWorker(wasmModule()!, this.memory, this.statusAt);
          retired.register(this, this.worker);
        }
        this.worker.start(workerPasses.map((pass) => pass.call));
        pending = true;
      }
      for (let s = 0; s < h; s += BATCH_USERS) {
        const count = Math.min(BATCH_USERS, h - s);
        const pass = this.preparePass(here, 0, vectors, s, count, lists, 0, cap);
        const [name, ...args] = pass.call;
        (this.wasm[name as "topk_batch_q"] as (...a: number[]) => void)(...args);
        this.visitPass(here, 0, pass, s, count, cap, visit);
        if (s + BATCH_USERS < h) yield "pause";
      }
      if (pending) {
        yield "wait";
        pending = false;
        for (let s = h, p = 0; s < users; s += BATCH_USERS, p++) {
          const count = Math.min(BATCH_USERS, users - s);
          this.visitPass(there, p, workerPasses[p], s, count, cap, visit);
        }
      }
    } finally {
      // Abandoned (a visit threw): the worker must be done with its regions before the next batch.
      if (pending) {
        try {
          this.worker!.waitSync();
        } catch {
          /* the first error is the one to report */
        }
      }
    }
  }

  /** A lane: the regions of `passes` passes (pass p's users at rows p·BATCH_USERS…), served by one thread. */
  private layoutLane(at: number, passes: number, cap: number, exTotal: number): Lane {
    const rows = passes * BATCH_USERS;
    const k = this.k;
    const [xs, xq, meta, meta16, ah, sc, hs, hi, ex, cand, end] = layout(at, [
      rows * k * 4,
      rows * k * 2,
      rows * 32,
      rows * 16,
      rows * cap * 4,
      64,
      rows * cap * 8,
      rows * cap * 4,
      exTotal * 4,
      this.quant ? BATCH_USERS * this.n * 8 : 0,
    ]);
    return { xs, xq, meta, meta16, ah, sc, hs, hi, ex, cand, end };
  }

  /**
   * Writes users [start, start + count) into pass p of `lane` (their exclusions from element `e`
   * of its exclusion region on) and returns the kernel call that serves them: the two-stage
   * kernel, or the float32 one when a vector has no integer bound (a non-finite value).
   */
  private preparePass(
    lane: Lane,
    p: number,
    vectors: readonly ArrayLike<number>[],
    start: number,
    count: number,
    lists: Int32Array[],
    e: number,
    cap: number,
  ): Pass {
    const { k, n, quant } = this;
    const buffer = this.memory.buffer;
    const row = p * BATCH_USERS;
    // The kernels take users four at a time; the extra rows repeat the last user (their answers are dropped).
    const padded = (count + 3) & ~3;
    const xsAt = lane.xs + row * k * 4;
    const xqAt = lane.xq + row * k * 2;
    const metaAt = lane.meta + row * 32;
    const xs = new Float32Array(buffer, xsAt, padded * k);
    const xq = new Int16Array(buffer, xqAt, padded * k);
    const meta = new Int32Array(buffer, metaAt, padded * 8);
    let exact = quant !== undefined;
    for (let b = 0; b < padded; b++) {
      const real = b < count;
      const list = lists[start + b];
      const len = real ? list.length : 0;
      xs.set(vectors[start + Math.min(b, count - 1)], b * k);
      if (real) new Int32Array(buffer, lane.ex + e * 4, len).set(list);
      const m2 = quant ? quantise(xs.subarray(b * k, b * k + k), k, quant, xq, b * k) : -1;
      if (m2 < 0) exact = false;
      setState(meta, b * 8, lane.ex + e * 4, len, lane.cand + b * n * 8, m2, xsAt + b * k * 4);
      e += len;
    }
    const hs = lane.hs + row * cap * 8;
    const hi = lane.hi + row * cap * 4;
    if (exact) {
      interleaveFours(xq, padded, k);
      return {
        call: ["topk_batch_q", this.vqAt, 0, xqAt, n, this.nPad, k, padded, metaAt, lane.ah + row * cap * 4, lane.sc, hs, hi, cap],
        counts: meta,
        stride: 8,
      };
    }
    const meta16At = lane.meta16 + row * 16;
    const meta16 = new Int32Array(buffer, meta16At, padded * 4);
    for (let b = 0; b < padded; b++) {
      meta16[b * 4] = meta[b * 8];
      meta16[b * 4 + 1] = meta[b * 8 + 1];
    }
    return { call: ["topk_batch_t", 0, xsAt, n, this.nPad, k, padded, meta16At, hs, hi, cap, lane.sc], counts: meta16, stride: 4 };
  }

  private visitPass(
    lane: Lane,
    p: number,
    pass: Pass,
    start: number,
    count: number,
    cap: number,
    visit: (b: number, top: TopK) => void,
  ): void {
    const buffer = this.memory.buffer;
    const row = p * BATCH_USERS;
    const top: TopK = { count: 0, items: EMPTY.items, scores: EMPTY.scores };
    for (let b = 0; b < count; b++) {
      top.count = pass.counts[b * pass.stride + 2];
      top.items = new Int32Array(buffer, lane.hi + (row + b) * cap * 4, top.count);
      top.scores = new Float64Array(buffer, lane.hs + (row + b) * cap * 8, top.count);
      visit(start + b, top);
    }
  }
}

/**
 * A scorer collected with its worker alive (its model was replaced: a retrain, a deleted
 * campaign): the thread holds the scorer's memory, so it is ended here, or both would leak.
 */
const retired = new FinalizationRegistry<KernelWorker>((worker) => void worker.close());

/** Byte offsets of a lane's regions (DotScorer.layoutLane). */
interface Lane {
  xs: number;
  xq: number;
  meta: number;
  meta16: number;
  ah: number;
  sc: number;
  hs: number;
  hi: number;
  ex: number;
  cand: number;
  end: number;
}

/** A prepared pass: its kernel call, and where each user's entry count lands (index b·stride + 2). */
interface Pass {
  call: KernelCall;
  counts: Int32Array;
  stride: number;
}

/** The smallest power of two s with max / s ≤ qmax. */
function powerOfTwoScale(max: number, qmax: number): number {
  let s = 2 ** Math.ceil(Math.log2(max / qmax));
  while (max / s > qmax) s *= 2;
  while (max / (s / 2) <= qmax) s /= 2;
  return s;
}

/**
 * Rearranges quantised user vectors, four at a time, into the batch kernel's layout: factor pair j
 * of the four users side by side (u0 u1 u2 u3 for pair 0, then for pair 1, …), so the kernel reads
 * the four with one pointer and constant offsets.
 */
function interleaveFours(xq: Int16Array, users: number, k: number): void {
  const group = new Int16Array(4 * k);
  for (let g = 0; g < users; g += 4) {
    group.set(xq.subarray(g * k, (g + 4) * k));
    for (let r = 0; r < 4; r++) {
      for (let j = 0; j < k; j += 2) {
        xq[g * k + j * 4 + r * 2] = group[r * k + j];
        xq[g * k + j * 4 + r * 2 + 1] = group[r * k + j + 1];
      }
    }
  }
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

  private constructor(module: object, n: number) {
    super(module, n);
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
      scorer = new EaseScorer(module, n);
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
