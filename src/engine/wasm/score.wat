;; The engine's scoring kernels, 128-bit SIMD: matrix factorisation (dot products of a user's
;; vector with every item's factors: 10k items x 64 factors per iALS request) and EASE (sums of
;; rows of B), each followed by top-k selection in the kernel (below), so a recommendation is one
;; call and no score array leaves the module.
;;
;; The matrix-factorisation kernels read the item factors transposed in groups of four items (for
;; each group, for each factor f, the four items' values: one v128), so one vector holds four
;; items' scores and needs no horizontal sum; k must be a multiple of 16 and the item count is
;; padded to a multiple of sixteen with zero rows. "topk_batch_t" scores four users against eight
;; items per step: each item load serves four users and each user load eight items, and a block of
;; item rows stays in L1 while all users of the batch pass over it. Every kernel adds x[f]*y[i,f]
;; for f = 0..k-1 in order into one accumulator per (user, item), so a batch gives bit for bit the
;; scores of single calls.
;; Build: npm run build:wasm (writes score-wasm.ts, the binary as base64).
(module
  ;; Shared, so that a worker thread can instantiate the module on the same memory and serve half
  ;; of a large batch from the same copy of the item factors (scorer.ts).
  (import "env" "memory" (memory 1 65536 shared))
  ;; out[i] for one user, sixteen items per step (four independent accumulators hide the add
  ;; latency): what topk_t and topk_batch_t compute, for callers that need every score.
  (func (export "scores_t") (param $vt i32) (param $x i32) (param $out i32) (param $n i32) (param $k i32)
    (local $q i32) (local $f i32) (local $fx i32) (local $kb i32) (local $gb i32) (local $g i32)
    (local $xv v128) (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128)
    (local.set $kb (i32.shl (local.get $k) (i32.const 2)))
    (local.set $gb (i32.shl (local.get $k) (i32.const 4)))
    (block $quadsdone
      (loop $quads
        (br_if $quadsdone (i32.ge_u (i32.shl (local.get $q) (i32.const 4)) (local.get $n)))
        (local.set $g (i32.add (local.get $vt) (i32.mul (i32.shl (local.get $q) (i32.const 2)) (local.get $gb))))
        (local.set $c0 (v128.const f32x4 0 0 0 0))
        (local.set $c1 (v128.const f32x4 0 0 0 0))
        (local.set $c2 (v128.const f32x4 0 0 0 0))
        (local.set $c3 (v128.const f32x4 0 0 0 0))
        (local.set $f (local.get $g))
        (local.set $fx (i32.const 0))
        (block $fdone
          (loop $factors
            (br_if $fdone (i32.ge_u (local.get $fx) (local.get $kb)))
            (local.set $xv (v128.load32_splat (i32.add (local.get $x) (local.get $fx))))
            (local.set $c0 (f32x4.add (local.get $c0) (f32x4.mul (v128.load (local.get $f)) (local.get $xv))))
            (local.set $c1 (f32x4.add (local.get $c1) (f32x4.mul (v128.load (i32.add (local.get $f) (local.get $gb))) (local.get $xv))))
            (local.set $c2 (f32x4.add (local.get $c2) (f32x4.mul (v128.load (i32.add (local.get $f) (i32.shl (local.get $gb) (i32.const 1)))) (local.get $xv))))
            (local.set $c3 (f32x4.add (local.get $c3) (f32x4.mul (v128.load (i32.add (local.get $f) (i32.mul (local.get $gb) (i32.const 3)))) (local.get $xv))))
            (local.set $f (i32.add (local.get $f) (i32.const 16)))
            (local.set $fx (i32.add (local.get $fx) (i32.const 4)))
            (br $factors)))
        (v128.store (i32.add (local.get $out) (i32.shl (local.get $q) (i32.const 6))) (local.get $c0))
        (v128.store offset=16 (i32.add (local.get $out) (i32.shl (local.get $q) (i32.const 6))) (local.get $c1))
        (v128.store offset=32 (i32.add (local.get $out) (i32.shl (local.get $q) (i32.const 6))) (local.get $c2))
        (v128.store offset=48 (i32.add (local.get $out) (i32.shl (local.get $q) (i32.const 6))) (local.get $c3))
        (local.set $q (i32.add (local.get $q) (i32.const 1)))
        (br $quads))))

  ;; ---- Top-k inside the kernel -------------------------------------------------------------
  ;; A bounded heap per user: scores (f64) at $hs, item indices (i32) at $hi, `cap` entries, the
  ;; worst kept entry at the root. "Worse" is a lower score, or the same score and a higher index:
  ;; the order of engine/topk.ts, so the kept set and its order are those of topN over the same
  ;; scores. The heap starts full of sentinels (-Infinity, index 2^31-1) that any finite score
  ;; beats, which is topN's "first `cap` valid entries" phase without a branch of its own; a score
  ;; enters only when it is greater than the root's (an equal score has a higher index: never
  ;; better), so NaN and -Infinity never enter. Excluded items come as an ascending list with a
  ;; cursor (a pointer to the next entry, kept in memory), walked forward as candidates arrive in
  ;; item order: a candidate costs one comparison unless it beats the root.

  ;; Places (s, i) into the hole at $c of a heap of $size entries, moving worse children up.
  (func $sift (param $hs i32) (param $hi i32) (param $size i32) (param $c i32) (param $s f64) (param $i i32)
    (local $l i32) (local $w i32) (local $ws f64) (local $rs f64)
    (block $done
      (loop $down
        (local.set $l (i32.add (i32.shl (local.get $c) (i32.const 1)) (i32.const 1)))
        (br_if $done (i32.ge_u (local.get $l) (local.get $size)))
        (local.set $w (local.get $l))
        (local.set $ws (f64.load (i32.add (local.get $hs) (i32.shl (local.get $l) (i32.const 3)))))
        (if (i32.lt_u (i32.add (local.get $l) (i32.const 1)) (local.get $size))
          (then
            (local.set $rs (f64.load offset=8 (i32.add (local.get $hs) (i32.shl (local.get $l) (i32.const 3)))))
            (if (i32.or (f64.lt (local.get $rs) (local.get $ws))
                  (i32.and (f64.eq (local.get $rs) (local.get $ws))
                    (i32.gt_s (i32.load offset=4 (i32.add (local.get $hi) (i32.shl (local.get $l) (i32.const 2))))
                              (i32.load (i32.add (local.get $hi) (i32.shl (local.get $l) (i32.const 2)))))))
              (then
                (local.set $w (i32.add (local.get $l) (i32.const 1)))
                (local.set $ws (local.get $rs))))))
        (br_if $done (i32.eqz (i32.or (f64.lt (local.get $ws) (local.get $s))
          (i32.and (f64.eq (local.get $ws) (local.get $s))
            (i32.gt_s (i32.load (i32.add (local.get $hi) (i32.shl (local.get $w) (i32.const 2)))) (local.get $i))))))
        (f64.store (i32.add (local.get $hs) (i32.shl (local.get $c) (i32.const 3))) (local.get $ws))
        (i32.store (i32.add (local.get $hi) (i32.shl (local.get $c) (i32.const 2)))
          (i32.load (i32.add (local.get $hi) (i32.shl (local.get $w) (i32.const 2)))))
        (local.set $c (local.get $w))
        (br $down)))
    (f64.store (i32.add (local.get $hs) (i32.shl (local.get $c) (i32.const 3))) (local.get $s))
    (i32.store (i32.add (local.get $hi) (i32.shl (local.get $c) (i32.const 2))) (local.get $i)))

  (func $heap_init (param $hs i32) (param $hi i32) (param $cap i32)
    (local $j i32)
    (block $done
      (loop $fill
        (br_if $done (i32.ge_u (local.get $j) (local.get $cap)))
        (f64.store (i32.add (local.get $hs) (i32.shl (local.get $j) (i32.const 3))) (f64.const -inf))
        (i32.store (i32.add (local.get $hi) (i32.shl (local.get $j) (i32.const 2))) (i32.const 0x7fffffff))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $fill))))

  ;; Heap-sorts in place, best first (the root, the worst, goes to the end each step), and returns
  ;; the number of real entries (the sentinels sort last).
  (func $heap_finish (param $hs i32) (param $hi i32) (param $cap i32) (result i32)
    (local $end i32) (local $s f64) (local $i i32) (local $j i32)
    (local.set $end (i32.sub (local.get $cap) (i32.const 1)))
    (block $sorted
      (loop $pop
        (br_if $sorted (i32.le_s (local.get $end) (i32.const 0)))
        (local.set $s (f64.load (i32.add (local.get $hs) (i32.shl (local.get $end) (i32.const 3)))))
        (local.set $i (i32.load (i32.add (local.get $hi) (i32.shl (local.get $end) (i32.const 2)))))
        (f64.store (i32.add (local.get $hs) (i32.shl (local.get $end) (i32.const 3))) (f64.load (local.get $hs)))
        (i32.store (i32.add (local.get $hi) (i32.shl (local.get $end) (i32.const 2))) (i32.load (local.get $hi)))
        (call $sift (local.get $hs) (local.get $hi) (local.get $end) (i32.const 0) (local.get $s) (local.get $i))
        (local.set $end (i32.sub (local.get $end) (i32.const 1)))
        (br $pop)))
    (block $counted
      (loop $count
        (br_if $counted (i32.ge_u (local.get $j) (local.get $cap)))
        (br_if $counted (i32.eq (i32.load (i32.add (local.get $hi) (i32.shl (local.get $j) (i32.const 2)))) (i32.const 0x7fffffff)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $count)))
    (local.get $j))

  ;; Offers the $cnt scores at $sc (f32, or f64 when $wide) of items $i0, $i0+1, … to the heap,
  ;; skipping items ≥ $n (padding) and excluded ones. $cur holds the exclusion cursor; $ee is the
  ;; end of the exclusion list.
  (func $scan (param $hs i32) (param $hi i32) (param $cap i32) (param $sc i32) (param $wide i32) (param $cnt i32)
      (param $i0 i32) (param $n i32) (param $cur i32) (param $ee i32)
    (local $j i32) (local $i i32) (local $s f64) (local $thr f64) (local $ep i32)
    (local.set $thr (f64.load (local.get $hs)))
    (local.set $ep (i32.load (local.get $cur)))
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $j) (local.get $cnt)))
        (local.set $i (i32.add (local.get $i0) (local.get $j)))
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $s (if (result f64) (local.get $wide)
          (then (f64.load (i32.add (local.get $sc) (i32.shl (local.get $j) (i32.const 3)))))
          (else (f64.promote_f32 (f32.load (i32.add (local.get $sc) (i32.shl (local.get $j) (i32.const 2))))))))
        (if (f64.gt (local.get $s) (local.get $thr))
          (then
            (block $past
              (loop $advance
                (br_if $past (i32.ge_u (local.get $ep) (local.get $ee)))
                (br_if $past (i32.ge_s (i32.load (local.get $ep)) (local.get $i)))
                (local.set $ep (i32.add (local.get $ep) (i32.const 4)))
                (br $advance)))
            (if (i32.eqz (i32.and (i32.lt_u (local.get $ep) (local.get $ee))
                                  (i32.eq (i32.load (local.get $ep)) (local.get $i))))
              (then
                (call $sift (local.get $hs) (local.get $hi) (local.get $cap) (i32.const 0) (local.get $s) (local.get $i))
                (local.set $thr (f64.load (local.get $hs)))))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $each)))
    (i32.store (local.get $cur) (local.get $ep)))

  ;; Top-$cap items for one user (matrix factorisation): scores_t's arithmetic, sixteen items per
  ;; step written to $out (nPad floats, reused), and only a step with a score above the heap's root
  ;; is looked at item by item. $ex/$exn: the ascending exclusion list; $cur: a free i32 cell.
  ;; Returns the number of entries, best first at $hs/$hi. $cap ≥ 1.
  (func (export "topk_t") (param $vt i32) (param $x i32) (param $out i32) (param $n i32) (param $npad i32) (param $k i32)
      (param $ex i32) (param $exn i32) (param $cur i32) (param $hs i32) (param $hi i32) (param $cap i32) (result i32)
    (local $q i32) (local $f i32) (local $fx i32) (local $kb i32) (local $gb i32) (local $o i32) (local $ee i32)
    (local $xv v128) (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128) (local $t v128)
    (call $heap_init (local.get $hs) (local.get $hi) (local.get $cap))
    (i32.store (local.get $cur) (local.get $ex))
    (local.set $ee (i32.add (local.get $ex) (i32.shl (local.get $exn) (i32.const 2))))
    (local.set $t (f32x4.splat (f32.const -inf)))
    (local.set $kb (i32.shl (local.get $k) (i32.const 2)))
    (local.set $gb (i32.shl (local.get $k) (i32.const 4)))
    (block $quadsdone
      (loop $quads
        (br_if $quadsdone (i32.ge_u (i32.shl (local.get $q) (i32.const 4)) (local.get $npad)))
        (local.set $c0 (v128.const f32x4 0 0 0 0))
        (local.set $c1 (v128.const f32x4 0 0 0 0))
        (local.set $c2 (v128.const f32x4 0 0 0 0))
        (local.set $c3 (v128.const f32x4 0 0 0 0))
        (local.set $f (i32.add (local.get $vt) (i32.mul (i32.shl (local.get $q) (i32.const 2)) (local.get $gb))))
        (local.set $fx (i32.const 0))
        (block $fdone
          (loop $factors
            (br_if $fdone (i32.ge_u (local.get $fx) (local.get $kb)))
            (local.set $xv (v128.load32_splat (i32.add (local.get $x) (local.get $fx))))
            (local.set $c0 (f32x4.add (local.get $c0) (f32x4.mul (v128.load (local.get $f)) (local.get $xv))))
            (local.set $c1 (f32x4.add (local.get $c1) (f32x4.mul (v128.load (i32.add (local.get $f) (local.get $gb))) (local.get $xv))))
            (local.set $c2 (f32x4.add (local.get $c2) (f32x4.mul (v128.load (i32.add (local.get $f) (i32.shl (local.get $gb) (i32.const 1)))) (local.get $xv))))
            (local.set $c3 (f32x4.add (local.get $c3) (f32x4.mul (v128.load (i32.add (local.get $f) (i32.mul (local.get $gb) (i32.const 3)))) (local.get $xv))))
            (local.set $f (i32.add (local.get $f) (i32.const 16)))
            (local.set $fx (i32.add (local.get $fx) (i32.const 4)))
            (br $factors)))
        (if (v128.any_true (v128.or
              (v128.or (f32x4.gt (local.get $c0) (local.get $t)) (f32x4.gt (local.get $c1) (local.get $t)))
              (v128.or (f32x4.gt (local.get $c2) (local.get $t)) (f32x4.gt (local.get $c3) (local.get $t)))))
          (then
            (local.set $o (i32.add (local.get $out) (i32.shl (local.get $q) (i32.const 6))))
            (v128.store (local.get $o) (local.get $c0))
            (v128.store offset=16 (local.get $o) (local.get $c1))
            (v128.store offset=32 (local.get $o) (local.get $c2))
            (v128.store offset=48 (local.get $o) (local.get $c3))
            (call $scan (local.get $hs) (local.get $hi) (local.get $cap) (local.get $o) (i32.const 0) (i32.const 16)
              (i32.shl (local.get $q) (i32.const 4)) (local.get $n) (local.get $cur) (local.get $ee))
            (local.set $t (f32x4.splat (f32.demote_f64 (f64.load (local.get $hs)))))))
        (local.set $q (i32.add (local.get $q) (i32.const 1)))
        (br $quads)))
    (call $heap_finish (local.get $hs) (local.get $hi) (local.get $cap)))

  ;; Offers user $u's eight scores ($a: items 8p..8p+3, $b: 8p+4..8p+7) when one beats its root.
  ;; Per-user state, 16 bytes at $meta + 16u: exclusion cursor, exclusion end, entry count, root
  ;; score (f32, the SIMD filter's threshold).
  (func $offer8 (param $a v128) (param $b v128) (param $u i32) (param $p i32) (param $n i32) (param $cap i32)
      (param $meta i32) (param $hs i32) (param $hi i32) (param $sc i32)
    (local $m i32) (local $t v128) (local $h i32)
    (local.set $m (i32.add (local.get $meta) (i32.shl (local.get $u) (i32.const 4))))
    (local.set $t (v128.load32_splat offset=12 (local.get $m)))
    (if (v128.any_true (v128.or (f32x4.gt (local.get $a) (local.get $t)) (f32x4.gt (local.get $b) (local.get $t))))
      (then
        (v128.store (local.get $sc) (local.get $a))
        (v128.store offset=16 (local.get $sc) (local.get $b))
        (local.set $h (i32.add (local.get $hs) (i32.shl (i32.mul (local.get $u) (local.get $cap)) (i32.const 3))))
        (call $scan (local.get $h) (i32.add (local.get $hi) (i32.shl (i32.mul (local.get $u) (local.get $cap)) (i32.const 2)))
          (local.get $cap) (local.get $sc) (i32.const 0) (i32.const 8) (i32.shl (local.get $p) (i32.const 3)) (local.get $n)
          (local.get $m) (i32.load offset=4 (local.get $m)))
        (f32.store offset=12 (local.get $m) (f32.demote_f64 (f64.load (local.get $h)))))))

  ;; Top-$cap items for $b users (a multiple of 4) at once: scores_batch_t's blocked product (each
  ;; item load serves four users, each user load eight items), each (user, item) score offered to
  ;; that user's heap as soon as it is computed, so no score matrix is written. User u's heap is at
  ;; $hs + 8·u·cap / $hi + 4·u·cap, its state at $meta + 16u (cursor and end set by the caller; the
  ;; count written here). $sc: 32 bytes of scratch.
  (func (export "topk_batch_t") (param $vt i32) (param $xs i32) (param $n i32) (param $npad i32) (param $k i32) (param $b i32)
      (param $meta i32) (param $hs i32) (param $hi i32) (param $cap i32) (param $sc i32)
    (local $p i32) (local $u i32) (local $f i32) (local $fx i32) (local $kb i32) (local $gb i32)
    (local $g i32) (local $g2 i32) (local $x0 i32) (local $x1 i32) (local $x2 i32) (local $x3 i32)
    (local $va v128) (local $vb v128) (local $x v128)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128) (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local.set $kb (i32.shl (local.get $k) (i32.const 2)))
    (local.set $gb (i32.shl (local.get $k) (i32.const 4)))
    (block $initdone
      (loop $init
        (br_if $initdone (i32.ge_u (local.get $u) (local.get $b)))
        (call $heap_init (i32.add (local.get $hs) (i32.shl (i32.mul (local.get $u) (local.get $cap)) (i32.const 3)))
          (i32.add (local.get $hi) (i32.shl (i32.mul (local.get $u) (local.get $cap)) (i32.const 2))) (local.get $cap))
        (f32.store offset=12 (i32.add (local.get $meta) (i32.shl (local.get $u) (i32.const 4))) (f32.const -inf))
        (local.set $u (i32.add (local.get $u) (i32.const 1)))
        (br $init)))
    (block $pairsdone
      (loop $pairs
        (br_if $pairsdone (i32.ge_u (i32.shl (local.get $p) (i32.const 3)) (local.get $npad)))
        (local.set $g (i32.add (local.get $vt) (i32.mul (i32.shl (local.get $p) (i32.const 1)) (local.get $gb))))
        (local.set $g2 (i32.add (local.get $g) (local.get $gb)))
        (local.set $u (i32.const 0))
        (block $usersdone
          (loop $users
            (br_if $usersdone (i32.ge_u (local.get $u) (local.get $b)))
            (local.set $x0 (i32.add (local.get $xs) (i32.mul (local.get $u) (local.get $kb))))
            (local.set $x1 (i32.add (local.get $x0) (local.get $kb)))
            (local.set $x2 (i32.add (local.get $x1) (local.get $kb)))
            (local.set $x3 (i32.add (local.get $x2) (local.get $kb)))
            (local.set $c00 (v128.const f32x4 0 0 0 0)) (local.set $c01 (v128.const f32x4 0 0 0 0)) (local.set $c10 (v128.const f32x4 0 0 0 0)) (local.set $c11 (v128.const f32x4 0 0 0 0)) (local.set $c20 (v128.const f32x4 0 0 0 0)) (local.set $c21 (v128.const f32x4 0 0 0 0)) (local.set $c30 (v128.const f32x4 0 0 0 0)) (local.set $c31 (v128.const f32x4 0 0 0 0))
            (local.set $f (i32.const 0))
            (local.set $fx (i32.const 0))
            (block $fdone
              (loop $factors
                (br_if $fdone (i32.ge_u (local.get $fx) (local.get $kb)))
            (local.set $va (v128.load (i32.add (local.get $g) (local.get $f))))
            (local.set $vb (v128.load (i32.add (local.get $g2) (local.get $f))))
            (local.set $x (v128.load32_splat offset=0 (i32.add (local.get $x0) (local.get $fx))))
            (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $va) (local.get $x))))
            (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $vb) (local.get $x))))
            (local.set $x (v128.load32_splat offset=0 (i32.add (local.get $x1) (local.get $fx))))
            (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $va) (local.get $x))))
            (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $vb) (local.get $x))))
            (local.set $x (v128.load32_splat offset=0 (i32.add (local.get $x2) (local.get $fx))))
            (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $va) (local.get $x))))
            (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $vb) (local.get $x))))
            (local.set $x (v128.load32_splat offset=0 (i32.add (local.get $x3) (local.get $fx))))
            (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $va) (local.get $x))))
            (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $vb) (local.get $x))))
                (local.set $f (i32.add (local.get $f) (i32.const 16)))
                (local.set $fx (i32.add (local.get $fx) (i32.const 4)))
                (br $factors)))
            (call $offer8 (local.get $c00) (local.get $c01) (local.get $u) (local.get $p) (local.get $n) (local.get $cap) (local.get $meta) (local.get $hs) (local.get $hi) (local.get $sc))
            (call $offer8 (local.get $c10) (local.get $c11) (i32.add (local.get $u) (i32.const 1)) (local.get $p) (local.get $n) (local.get $cap) (local.get $meta) (local.get $hs) (local.get $hi) (local.get $sc))
            (call $offer8 (local.get $c20) (local.get $c21) (i32.add (local.get $u) (i32.const 2)) (local.get $p) (local.get $n) (local.get $cap) (local.get $meta) (local.get $hs) (local.get $hi) (local.get $sc))
            (call $offer8 (local.get $c30) (local.get $c31) (i32.add (local.get $u) (i32.const 3)) (local.get $p) (local.get $n) (local.get $cap) (local.get $meta) (local.get $hs) (local.get $hi) (local.get $sc))
            (local.set $u (i32.add (local.get $u) (i32.const 4)))
            (br $users)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $pairs)))
    (local.set $u (i32.const 0))
    (block $finishdone
      (loop $finish
        (br_if $finishdone (i32.ge_u (local.get $u) (local.get $b)))
        (i32.store offset=8 (i32.add (local.get $meta) (i32.shl (local.get $u) (i32.const 4)))
          (call $heap_finish (i32.add (local.get $hs) (i32.shl (i32.mul (local.get $u) (local.get $cap)) (i32.const 3)))
            (i32.add (local.get $hi) (i32.shl (i32.mul (local.get $u) (local.get $cap)) (i32.const 2))) (local.get $cap)))
        (local.set $u (i32.add (local.get $u) (i32.const 1)))
        (br $finish))))

  ;; EASE: $out[j] = Σ_e B[items[e], j] over the user's $m items in list order, in float64 (each
  ;; B value widened, then added: the same operations, in the same order, as the JavaScript loop),
  ;; two columns per f64x2, four per f32x4 load; then the top $cap of $out into the heap, eight
  ;; scores per filter step. B is n × n row-major; $n need not be a multiple of anything.
  (func (export "ease_topk") (param $bm i32) (param $items i32) (param $m i32) (param $out i32) (param $n i32)
      (param $ex i32) (param $exn i32) (param $cur i32) (param $hs i32) (param $hi i32) (param $cap i32) (result i32)
    (local $j i32) (local $e i32) (local $row i32) (local $n4 i32) (local $o i32) (local $ee i32) (local $v v128) (local $t v128)
    (local.set $n4 (i32.and (local.get $n) (i32.const -4)))
    (block $zdone
      (loop $zero
        (br_if $zdone (i32.ge_u (local.get $j) (local.get $n)))
        (f64.store (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 3))) (f64.const 0))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $zero)))
    (block $edone
      (loop $rows
        (br_if $edone (i32.ge_u (local.get $e) (local.get $m)))
        (local.set $row (i32.add (local.get $bm)
          (i32.shl (i32.mul (i32.load (i32.add (local.get $items) (i32.shl (local.get $e) (i32.const 2)))) (local.get $n)) (i32.const 2))))
        (local.set $j (i32.const 0))
        (block $vdone
          (loop $cols
            (br_if $vdone (i32.ge_u (local.get $j) (local.get $n4)))
            (local.set $v (v128.load (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 2)))))
            (local.set $o (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 3))))
            (v128.store (local.get $o) (f64x2.add (v128.load (local.get $o)) (f64x2.promote_low_f32x4 (local.get $v))))
            (v128.store offset=16 (local.get $o) (f64x2.add (v128.load offset=16 (local.get $o))
              (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $cols)))
        (block $tdone
          (loop $tail
            (br_if $tdone (i32.ge_u (local.get $j) (local.get $n)))
            (local.set $o (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 3))))
            (f64.store (local.get $o) (f64.add (f64.load (local.get $o))
              (f64.promote_f32 (f32.load (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 2)))))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $tail)))
        (local.set $e (i32.add (local.get $e) (i32.const 1)))
        (br $rows)))
    (call $heap_init (local.get $hs) (local.get $hi) (local.get $cap))
    (i32.store (local.get $cur) (local.get $ex))
    (local.set $ee (i32.add (local.get $ex) (i32.shl (local.get $exn) (i32.const 2))))
    (local.set $t (f64x2.splat (f64.const -inf)))
    (local.set $j (i32.const 0))
    (block $sdone
      (loop $select
        (br_if $sdone (i32.ge_u (local.get $j) (local.get $n)))
        (local.set $o (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 3))))
        ;; A partial last step reads past $n into the heap region (or beyond): $scan stops at $n.
        (if (v128.any_true (v128.or
              (v128.or (f64x2.gt (v128.load (local.get $o)) (local.get $t)) (f64x2.gt (v128.load offset=16 (local.get $o)) (local.get $t)))
              (v128.or (f64x2.gt (v128.load offset=32 (local.get $o)) (local.get $t)) (f64x2.gt (v128.load offset=48 (local.get $o)) (local.get $t)))))
          (then
            (call $scan (local.get $hs) (local.get $hi) (local.get $cap) (local.get $o) (i32.const 1) (i32.const 8)
              (local.get $j) (local.get $n) (local.get $cur) (local.get $ee))
            (local.set $t (f64x2.splat (f64.load (local.get $hs))))))
        (local.set $j (i32.add (local.get $j) (i32.const 8)))
        (br $select)))
    (call $heap_finish (local.get $hs) (local.get $hi) (local.get $cap)))

  ;; ---- Two-stage top-k: an integer pass that bounds, an exact pass over the few that can win ----
  ;; The item factors are also kept quantised to int16 (a power-of-two scale sy, |q| small enough
  ;; that no int32 sum overflows), transposed as pairs: per block of sixteen items, per factor
  ;; pair (2p, 2p+1), four v128 side by side, one per group of four items, each holding y0[2p]
  ;; y0[2p+1] y1[2p] … y3[2p+1], so a step loads at constant offsets from one pointer (and the
  ;; loop does two pairs per turn). i32x4.dot_i16x8_s then gives
  ;; four items' partial sums per instruction: half the arithmetic of float32 mul+add, half the
  ;; bytes. The caller bounds |exact float32 score − approximate score| by a margin M (in the
  ;; user's integer units), so with R the cap-th largest approximate score of the items seen so
  ;; far, an item whose approximate score is below R − 2M has cap items strictly better than it and
  ;; cannot be in the top-k. The pass keeps every other item as a candidate (index, approximate
  ;; score); at the end the candidates below the final R − 2M are dropped and the rest (about cap
  ;; of them) are scored exactly, with the float32 operations of scores_t in the same order, and go
  ;; through the heap above: the answer is topk_t's, bit for bit.
  ;;
  ;; Per-user state, 32 bytes at $st: [0] exclusion cursor, [4] exclusion end, [8] entry count
  ;; (written at the end), [12] current limit R − 2M, [16] candidate write pointer, [20] 2M,
  ;; [24] the user's float32 vector, [28] the user's candidate list start.

  (func $iheap_init (param $ah i32) (param $cap i32)
    (local $j i32)
    (block $done
      (loop $fill
        (br_if $done (i32.ge_u (local.get $j) (local.get $cap)))
        (i32.store (i32.add (local.get $ah) (i32.shl (local.get $j) (i32.const 2))) (i32.const 0x80000000))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $fill))))

  ;; Replaces the root of the int32 min-heap at $ah by $a and sifts it down.
  (func $isift (param $ah i32) (param $cap i32) (param $a i32)
    (local $c i32) (local $l i32) (local $w i32) (local $wv i32)
    (block $done
      (loop $down
        (local.set $l (i32.add (i32.shl (local.get $c) (i32.const 1)) (i32.const 1)))
        (br_if $done (i32.ge_u (local.get $l) (local.get $cap)))
        (local.set $w (local.get $l))
        (local.set $wv (i32.load (i32.add (local.get $ah) (i32.shl (local.get $l) (i32.const 2)))))
        (if (i32.lt_u (i32.add (local.get $l) (i32.const 1)) (local.get $cap))
          (then
            (if (i32.lt_s (i32.load offset=4 (i32.add (local.get $ah) (i32.shl (local.get $l) (i32.const 2)))) (local.get $wv))
              (then
                (local.set $w (i32.add (local.get $l) (i32.const 1)))
                (local.set $wv (i32.load offset=4 (i32.add (local.get $ah) (i32.shl (local.get $l) (i32.const 2)))))))))
        (br_if $done (i32.ge_s (local.get $wv) (local.get $a)))
        (i32.store (i32.add (local.get $ah) (i32.shl (local.get $c) (i32.const 2))) (local.get $wv))
        (local.set $c (local.get $w))
        (br $down)))
    (i32.store (i32.add (local.get $ah) (i32.shl (local.get $c) (i32.const 2))) (local.get $a)))

  ;; R − 2M for root $r (no limit while the heap still holds sentinels), clamped to int32.
  (func $limit (param $r i32) (param $m2 i32) (result i32)
    (local $v i64)
    (if (i32.eq (local.get $r) (i32.const 0x80000000)) (then (return (i32.const 0x80000000))))
    (local.set $v (i64.sub (i64.extend_i32_s (local.get $r)) (i64.extend_i32_u (local.get $m2))))
    (if (result i32) (i64.lt_s (local.get $v) (i64.const -2147483648))
      (then (i32.const 0x80000000))
      (else (i32.wrap_i64 (local.get $v)))))

  ;; Offers $cnt approximate scores (int32 at $sc) of items $i0.. to the user at $st.
  (func $qscan (param $st i32) (param $ah i32) (param $cap i32) (param $sc i32) (param $cnt i32) (param $i0 i32) (param $n i32)
    (local $j i32) (local $i i32) (local $a i32) (local $lim i32) (local $ep i32) (local $ee i32) (local $cp i32)
    (local.set $lim (i32.load offset=12 (local.get $st)))
    (local.set $ep (i32.load (local.get $st)))
    (local.set $ee (i32.load offset=4 (local.get $st)))
    (local.set $cp (i32.load offset=16 (local.get $st)))
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $j) (local.get $cnt)))
        (local.set $i (i32.add (local.get $i0) (local.get $j)))
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $a (i32.load (i32.add (local.get $sc) (i32.shl (local.get $j) (i32.const 2)))))
        (if (i32.ge_s (local.get $a) (local.get $lim))
          (then
            (block $past
              (loop $advance
                (br_if $past (i32.ge_u (local.get $ep) (local.get $ee)))
                (br_if $past (i32.ge_s (i32.load (local.get $ep)) (local.get $i)))
                (local.set $ep (i32.add (local.get $ep) (i32.const 4)))
                (br $advance)))
            (if (i32.eqz (i32.and (i32.lt_u (local.get $ep) (local.get $ee))
                                  (i32.eq (i32.load (local.get $ep)) (local.get $i))))
              (then
                (i32.store (local.get $cp) (local.get $i))
                (i32.store offset=4 (local.get $cp) (local.get $a))
                (local.set $cp (i32.add (local.get $cp) (i32.const 8)))
                (if (i32.gt_s (local.get $a) (i32.load (local.get $ah)))
                  (then
                    (call $isift (local.get $ah) (local.get $cap) (local.get $a))
                    (local.set $lim (call $limit (i32.load (local.get $ah)) (i32.load offset=20 (local.get $st))))))))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $each)))
    (i32.store (local.get $st) (local.get $ep))
    (i32.store offset=12 (local.get $st) (local.get $lim))
    (i32.store offset=16 (local.get $st) (local.get $cp)))

;; The exact pass for the user at $st: candidates at or above the final limit, scored with
  ;; float32 mul then add over f = 0..k-1 (scores_t's lane arithmetic) from the transposed float32
  ;; factors at $vt (item i's factor f at group i/4, row f, lane i%4), into the heap at $hs/$hi.
  ;; Four candidates at a time, one accumulator each: four independent add chains instead of one
  ;; (the add latency, not the arithmetic, bounds a single chain). Each candidate's own sum is
  ;; the same sequence of operations, and they are offered to the heap in list order, as before.
  (func $exact (param $st i32) (param $vt i32) (param $k i32) (param $hs i32) (param $hi i32) (param $cap i32)
    (local $p i32) (local $end i32) (local $lim i32) (local $x i32) (local $f i32) (local $kb i32) (local $got i32)
    (local $i0 i32) (local $i1 i32) (local $i2 i32) (local $i3 i32) (local $r0 i32) (local $r1 i32) (local $r2 i32) (local $r3 i32)
    (local $a0 f32) (local $a1 f32) (local $a2 f32) (local $a3 f32) (local $xf f32) (local $thr f64)
    (call $heap_init (local.get $hs) (local.get $hi) (local.get $cap))
    (local.set $thr (f64.const -inf))
    (local.set $lim (i32.load offset=12 (local.get $st)))
    (local.set $p (i32.load offset=28 (local.get $st)))
    (local.set $end (i32.load offset=16 (local.get $st)))
    (local.set $x (i32.load offset=24 (local.get $st)))
    (local.set $kb (i32.shl (local.get $k) (i32.const 2)))
    (block $done
      (loop $quads
        ;; Up to four candidates at or above the limit; missing ones repeat the first (not offered).
        (local.set $got (i32.const 0))
        (block $full
          (loop $gather
            (br_if $full (i32.eq (local.get $got) (i32.const 4)))
            (br_if $full (i32.ge_u (local.get $p) (local.get $end)))
            (if (i32.ge_s (i32.load offset=4 (local.get $p)) (local.get $lim))
              (then
                (if (i32.eqz (local.get $got)) (then (local.set $i0 (i32.load (local.get $p)))))
                (if (i32.eq (local.get $got) (i32.const 1)) (then (local.set $i1 (i32.load (local.get $p)))))
                (if (i32.eq (local.get $got) (i32.const 2)) (then (local.set $i2 (i32.load (local.get $p)))))
                (if (i32.eq (local.get $got) (i32.const 3)) (then (local.set $i3 (i32.load (local.get $p)))))
                (local.set $got (i32.add (local.get $got) (i32.const 1)))))
            (local.set $p (i32.add (local.get $p) (i32.const 8)))
            (br $gather)))
        (br_if $done (i32.eqz (local.get $got)))
        (if (i32.lt_u (local.get $got) (i32.const 2)) (then (local.set $i1 (local.get $i0))))
        (if (i32.lt_u (local.get $got) (i32.const 3)) (then (local.set $i2 (local.get $i0))))
        (if (i32.lt_u (local.get $got) (i32.const 4)) (then (local.set $i3 (local.get $i0))))
        (local.set $r0 (call $row (local.get $vt) (local.get $kb) (local.get $i0)))
        (local.set $r1 (call $row (local.get $vt) (local.get $kb) (local.get $i1)))
        (local.set $r2 (call $row (local.get $vt) (local.get $kb) (local.get $i2)))
        (local.set $r3 (call $row (local.get $vt) (local.get $kb) (local.get $i3)))
        (local.set $a0 (f32.const 0))
        (local.set $a1 (f32.const 0))
        (local.set $a2 (f32.const 0))
        (local.set $a3 (f32.const 0))
        (local.set $f (i32.const 0))
        (block $fdone
          (loop $factors
            (br_if $fdone (i32.ge_u (local.get $f) (local.get $kb)))
            (local.set $xf (f32.load (i32.add (local.get $x) (local.get $f))))
            (local.set $a0 (f32.add (local.get $a0) (f32.mul (f32.load (local.get $r0)) (local.get $xf))))
            (local.set $a1 (f32.add (local.get $a1) (f32.mul (f32.load (local.get $r1)) (local.get $xf))))
            (local.set $a2 (f32.add (local.get $a2) (f32.mul (f32.load (local.get $r2)) (local.get $xf))))
            (local.set $a3 (f32.add (local.get $a3) (f32.mul (f32.load (local.get $r3)) (local.get $xf))))
            (local.set $r0 (i32.add (local.get $r0) (i32.const 16)))
            (local.set $r1 (i32.add (local.get $r1) (i32.const 16)))
            (local.set $r2 (i32.add (local.get $r2) (i32.const 16)))
            (local.set $r3 (i32.add (local.get $r3) (i32.const 16)))
            (local.set $f (i32.add (local.get $f) (i32.const 4)))
            (br $factors)))
        (local.set $thr (call $push (local.get $hs) (local.get $hi) (local.get $cap) (local.get $thr) (local.get $a0) (local.get $i0)))
        (if (i32.ge_u (local.get $got) (i32.const 2))
          (then (local.set $thr (call $push (local.get $hs) (local.get $hi) (local.get $cap) (local.get $thr) (local.get $a1) (local.get $i1)))))
        (if (i32.ge_u (local.get $got) (i32.const 3))
          (then (local.set $thr (call $push (local.get $hs) (local.get $hi) (local.get $cap) (local.get $thr) (local.get $a2) (local.get $i2)))))
        (if (i32.eq (local.get $got) (i32.const 4))
          (then (local.set $thr (call $push (local.get $hs) (local.get $hi) (local.get $cap) (local.get $thr) (local.get $a3) (local.get $i3)))))
        (br $quads)))
    (i32.store offset=8 (local.get $st)
      (call $heap_finish (local.get $hs) (local.get $hi) (local.get $cap))))

  ;; Item i's first float32 factor in the transposed layout: group i/4 (k·16 bytes), lane i%4.
  (func $row (param $vt i32) (param $kb i32) (param $i i32) (result i32)
    (i32.add (i32.add (local.get $vt) (i32.mul (i32.shr_u (local.get $i) (i32.const 2)) (i32.shl (local.get $kb) (i32.const 2))))
      (i32.shl (i32.and (local.get $i) (i32.const 3)) (i32.const 2))))

  ;; Offers exact score $a of item $i to the heap when it beats the root ($thr); returns the root.
  (func $push (param $hs i32) (param $hi i32) (param $cap i32) (param $thr f64) (param $a f32) (param $i i32) (result f64)
    (local $s f64)
    (local.set $s (f64.promote_f32 (local.get $a)))
    (if (result f64) (f64.gt (local.get $s) (local.get $thr))
      (then
        (call $sift (local.get $hs) (local.get $hi) (local.get $cap) (i32.const 0) (local.get $s) (local.get $i))
        (f64.load (local.get $hs)))
      (else (local.get $thr))))

  ;; One user: $vq quantised factors (pairs layout), $vt float32 transposed factors, $xq the user's
  ;; int16 vector, state at $st (cursor, end, candidate start/pointer, 2M and vector set by the
  ;; caller), int heap at $ah, $sc 64 bytes of scratch. The count is left at $st + 8.
  (func (export "topk_q") (param $vq i32) (param $vt i32) (param $xq i32) (param $n i32) (param $npad i32) (param $k i32)
      (param $st i32) (param $ah i32) (param $sc i32) (param $hs i32) (param $hi i32) (param $cap i32)
    (local $q i32) (local $f i32) (local $fx i32) (local $kb i32) (local $gb i32)
    (local $xv v128) (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128) (local $t v128)
    (call $iheap_init (local.get $ah) (local.get $cap))
    (i32.store offset=12 (local.get $st) (i32.const 0x80000000))
    (local.set $t (i32x4.splat (i32.const 0x80000000)))
    (local.set $kb (i32.shl (local.get $k) (i32.const 1)))
    (local.set $gb (i32.shl (local.get $k) (i32.const 5)))
    (block $quadsdone
      (loop $quads
        (br_if $quadsdone (i32.ge_u (i32.shl (local.get $q) (i32.const 4)) (local.get $npad)))
        (local.set $c0 (v128.const i32x4 0 0 0 0))
        (local.set $c1 (v128.const i32x4 0 0 0 0))
        (local.set $c2 (v128.const i32x4 0 0 0 0))
        (local.set $c3 (v128.const i32x4 0 0 0 0))
        (local.set $f (i32.add (local.get $vq) (i32.mul (local.get $q) (local.get $gb))))
        (local.set $fx (i32.const 0))
        (block $fdone
          (loop $factors
            (br_if $fdone (i32.ge_u (local.get $fx) (local.get $kb)))
            (local.set $xv (v128.load32_splat (i32.add (local.get $xq) (local.get $fx))))
            (local.set $c0 (i32x4.add (local.get $c0) (i32x4.dot_i16x8_s (v128.load (local.get $f)) (local.get $xv))))
            (local.set $c1 (i32x4.add (local.get $c1) (i32x4.dot_i16x8_s (v128.load offset=16 (local.get $f)) (local.get $xv))))
            (local.set $c2 (i32x4.add (local.get $c2) (i32x4.dot_i16x8_s (v128.load offset=32 (local.get $f)) (local.get $xv))))
            (local.set $c3 (i32x4.add (local.get $c3) (i32x4.dot_i16x8_s (v128.load offset=48 (local.get $f)) (local.get $xv))))
            (local.set $xv (v128.load32_splat offset=4 (i32.add (local.get $xq) (local.get $fx))))
            (local.set $c0 (i32x4.add (local.get $c0) (i32x4.dot_i16x8_s (v128.load offset=64 (local.get $f)) (local.get $xv))))
            (local.set $c1 (i32x4.add (local.get $c1) (i32x4.dot_i16x8_s (v128.load offset=80 (local.get $f)) (local.get $xv))))
            (local.set $c2 (i32x4.add (local.get $c2) (i32x4.dot_i16x8_s (v128.load offset=96 (local.get $f)) (local.get $xv))))
            (local.set $c3 (i32x4.add (local.get $c3) (i32x4.dot_i16x8_s (v128.load offset=112 (local.get $f)) (local.get $xv))))
            (local.set $f (i32.add (local.get $f) (i32.const 128)))
            (local.set $fx (i32.add (local.get $fx) (i32.const 8)))
            (br $factors)))
        (if (v128.any_true (v128.or
              (v128.or (i32x4.ge_s (local.get $c0) (local.get $t)) (i32x4.ge_s (local.get $c1) (local.get $t)))
              (v128.or (i32x4.ge_s (local.get $c2) (local.get $t)) (i32x4.ge_s (local.get $c3) (local.get $t)))))
          (then
            (v128.store (local.get $sc) (local.get $c0))
            (v128.store offset=16 (local.get $sc) (local.get $c1))
            (v128.store offset=32 (local.get $sc) (local.get $c2))
            (v128.store offset=48 (local.get $sc) (local.get $c3))
            (call $qscan (local.get $st) (local.get $ah) (local.get $cap) (local.get $sc) (i32.const 16) (i32.shl (local.get $q) (i32.const 4)) (local.get $n))
            (local.set $t (i32x4.splat (i32.load offset=12 (local.get $st))))))
        (local.set $q (i32.add (local.get $q) (i32.const 1)))
        (br $quads)))
    (call $exact (local.get $st) (local.get $vt) (local.get $k) (local.get $hs) (local.get $hi) (local.get $cap)))

  ;; Offers user $u's eight approximate scores of items 8p.. (the caller saw one reach its limit).
  (func $qoffer8 (param $a v128) (param $b v128) (param $u i32) (param $p i32) (param $n i32) (param $cap i32)
      (param $meta i32) (param $ah i32) (param $sc i32)
    (v128.store (local.get $sc) (local.get $a))
    (v128.store offset=16 (local.get $sc) (local.get $b))
    (call $qscan (i32.add (local.get $meta) (i32.shl (local.get $u) (i32.const 5)))
      (i32.add (local.get $ah) (i32.shl (i32.mul (local.get $u) (local.get $cap)) (i32.const 2)))
      (local.get $cap) (local.get $sc) (i32.const 8) (i32.shl (local.get $p) (i32.const 3)) (local.get $n)))

  ;; $b users (a multiple of 4) at once: the integer pass blocked four users × eight items per step
  ;; (each item load serves four users), then each user's exact pass. User u: state at $meta + 32u,
  ;; int heap at $ah + 4·u·cap, result heap at $hs + 8·u·cap / $hi + 4·u·cap, quantised vector
  ;; in $xq: each group of four users' vectors interleaved by factor pair (pair j of user 4g + r
  ;; at $xq + 2·k·4g + 16j + 4r), so one pointer walks all four with constant offsets.
  (func (export "topk_batch_q") (param $vq i32) (param $vt i32) (param $xq i32) (param $n i32) (param $npad i32) (param $k i32) (param $b i32)
      (param $meta i32) (param $ah i32) (param $sc i32) (param $hs i32) (param $hi i32) (param $cap i32)
    (local $p i32) (local $u i32) (local $f i32) (local $fx i32) (local $kb i32) (local $gb i32)
    (local $g i32) (local $xp i32)
    (local $va v128) (local $vb v128) (local $x v128)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128) (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local.set $kb (i32.shl (local.get $k) (i32.const 1)))
    (local.set $gb (i32.shl (local.get $k) (i32.const 5)))
    (block $initdone
      (loop $init
        (br_if $initdone (i32.ge_u (local.get $u) (local.get $b)))
        (call $iheap_init (i32.add (local.get $ah) (i32.shl (i32.mul (local.get $u) (local.get $cap)) (i32.const 2))) (local.get $cap))
        (i32.store offset=12 (i32.add (local.get $meta) (i32.shl (local.get $u) (i32.const 5))) (i32.const 0x80000000))
        (local.set $u (i32.add (local.get $u) (i32.const 1)))
        (br $init)))
    (block $pairsdone
      (loop $pairs
        (br_if $pairsdone (i32.ge_u (i32.shl (local.get $p) (i32.const 3)) (local.get $npad)))
        (local.set $g (i32.add (i32.add (local.get $vq) (i32.mul (i32.shr_u (local.get $p) (i32.const 1)) (local.get $gb)))
          (i32.shl (i32.and (local.get $p) (i32.const 1)) (i32.const 5))))
        (local.set $u (i32.const 0))
        (block $usersdone
          (loop $users
            (br_if $usersdone (i32.ge_u (local.get $u) (local.get $b)))
            (local.set $xp (i32.add (local.get $xq) (i32.mul (local.get $u) (local.get $kb))))
            (local.set $c00 (v128.const i32x4 0 0 0 0)) (local.set $c01 (v128.const i32x4 0 0 0 0)) (local.set $c10 (v128.const i32x4 0 0 0 0)) (local.set $c11 (v128.const i32x4 0 0 0 0)) (local.set $c20 (v128.const i32x4 0 0 0 0)) (local.set $c21 (v128.const i32x4 0 0 0 0)) (local.set $c30 (v128.const i32x4 0 0 0 0)) (local.set $c31 (v128.const i32x4 0 0 0 0))
            (local.set $f (local.get $g))
            (local.set $fx (i32.const 0))
            (block $fdone
              (loop $factors
                (br_if $fdone (i32.ge_u (local.get $fx) (local.get $kb)))
            ;; One factor pair a step: two item vectors, four user splats and the eight
            ;; accumulators stay within the 15 vector registers V8 allocates on x64 (two pairs a
            ;; step, as the single-user kernel does, made TurboFan spill half the accumulators).
            (local.set $va (v128.load (local.get $f)))
            (local.set $vb (v128.load offset=16 (local.get $f)))
            (local.set $x (v128.load32_splat offset=0 (local.get $xp)))
            (local.set $c00 (i32x4.add (local.get $c00) (i32x4.dot_i16x8_s (local.get $va) (local.get $x))))
            (local.set $c01 (i32x4.add (local.get $c01) (i32x4.dot_i16x8_s (local.get $vb) (local.get $x))))
            (local.set $x (v128.load32_splat offset=4 (local.get $xp)))
            (local.set $c10 (i32x4.add (local.get $c10) (i32x4.dot_i16x8_s (local.get $va) (local.get $x))))
            (local.set $c11 (i32x4.add (local.get $c11) (i32x4.dot_i16x8_s (local.get $vb) (local.get $x))))
            (local.set $x (v128.load32_splat offset=8 (local.get $xp)))
            (local.set $c20 (i32x4.add (local.get $c20) (i32x4.dot_i16x8_s (local.get $va) (local.get $x))))
            (local.set $c21 (i32x4.add (local.get $c21) (i32x4.dot_i16x8_s (local.get $vb) (local.get $x))))
            (local.set $x (v128.load32_splat offset=12 (local.get $xp)))
            (local.set $c30 (i32x4.add (local.get $c30) (i32x4.dot_i16x8_s (local.get $va) (local.get $x))))
            (local.set $c31 (i32x4.add (local.get $c31) (i32x4.dot_i16x8_s (local.get $vb) (local.get $x))))
                (local.set $f (i32.add (local.get $f) (i32.const 64)))
                (local.set $xp (i32.add (local.get $xp) (i32.const 16)))
                (local.set $fx (i32.add (local.get $fx) (i32.const 4)))
                (br $factors)))
            (local.set $x (v128.load32_splat offset=12 (i32.add (local.get $meta) (i32.shl (local.get $u) (i32.const 5)))))
            (if (v128.any_true (v128.or (i32x4.ge_s (local.get $c00) (local.get $x)) (i32x4.ge_s (local.get $c01) (local.get $x))))
              (then (call $qoffer8 (local.get $c00) (local.get $c01) (local.get $u) (local.get $p) (local.get $n) (local.get $cap) (local.get $meta) (local.get $ah) (local.get $sc))))
            (local.set $x (v128.load32_splat offset=44 (i32.add (local.get $meta) (i32.shl (local.get $u) (i32.const 5)))))
            (if (v128.any_true (v128.or (i32x4.ge_s (local.get $c10) (local.get $x)) (i32x4.ge_s (local.get $c11) (local.get $x))))
              (then (call $qoffer8 (local.get $c10) (local.get $c11) (i32.add (local.get $u) (i32.const 1)) (local.get $p) (local.get $n) (local.get $cap) (local.get $meta) (local.get $ah) (local.get $sc))))
            (local.set $x (v128.load32_splat offset=76 (i32.add (local.get $meta) (i32.shl (local.get $u) (i32.const 5)))))
            (if (v128.any_true (v128.or (i32x4.ge_s (local.get $c20) (local.get $x)) (i32x4.ge_s (local.get $c21) (local.get $x))))
              (then (call $qoffer8 (local.get $c20) (local.get $c21) (i32.add (local.get $u) (i32.const 2)) (local.get $p) (local.get $n) (local.get $cap) (local.get $meta) (local.get $ah) (local.get $sc))))
            (local.set $x (v128.load32_splat offset=108 (i32.add (local.get $meta) (i32.shl (local.get $u) (i32.const 5)))))
            (if (v128.any_true (v128.or (i32x4.ge_s (local.get $c30) (local.get $x)) (i32x4.ge_s (local.get $c31) (local.get $x))))
              (then (call $qoffer8 (local.get $c30) (local.get $c31) (i32.add (local.get $u) (i32.const 3)) (local.get $p) (local.get $n) (local.get $cap) (local.get $meta) (local.get $ah) (local.get $sc))))
            (local.set $u (i32.add (local.get $u) (i32.const 4)))
            (br $users)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $pairs)))
    (local.set $u (i32.const 0))
    (block $exactdone
      (loop $exacts
        (br_if $exactdone (i32.ge_u (local.get $u) (local.get $b)))
        (call $exact (i32.add (local.get $meta) (i32.shl (local.get $u) (i32.const 5))) (local.get $vt) (local.get $k)
          (i32.add (local.get $hs) (i32.shl (i32.mul (local.get $u) (local.get $cap)) (i32.const 3)))
          (i32.add (local.get $hi) (i32.shl (i32.mul (local.get $u) (local.get $cap)) (i32.const 2))) (local.get $cap))
        (local.set $u (i32.add (local.get $u) (i32.const 1)))
        (br $exacts))))
)
