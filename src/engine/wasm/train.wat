;; Training kernels (128-bit SIMD, float64), run on a shared memory so that worker threads can
;; each take a share of the rows of the same matrices. Loaded by train-kernels.ts.
;;
;; EASE: the inverse P = A⁻¹ of the symmetric positive-definite n×n matrix A = XᵀX + λI through
;; its Cholesky factor, A = L·Lᵀ, P = L⁻ᵀ·L⁻¹, in three phases of n³/6 multiply-adds each (half
;; the n³ of a Gauss-Jordan inverse). Every phase is a sequence of dot products over contiguous
;; row segments of one row-major matrix (stride s doubles, s even so rows are 16-byte aligned):
;;   chol      L[i][j] = (A[i][j] − L[i][0:j]·L[j][0:j]) / L[j][j]     (strict lower triangle; the
;;             diagonal of L goes to the vector dl)
;;   inv_l     M = (L⁻¹)ᵀ, upper triangle with its diagonal: row c of M is column c of L⁻¹,
;;             M[c][i] = −(M[c][c:i]·L[i][c:i]) / L[i][i], M[c][c] = 1/L[c][c]
;;   gram_inv  P[r][b] = M[r][b:n]·M[b][b:n] for b ≥ r, written to the strict lower triangle
;;             (A[b][r]) and the diagonal to the vector pd
;; The rows (columns) of inv_l and gram_inv are independent, so threads split them; chol is
;; split in panels of rows (see chol). Each output value is computed by one dot product with a fixed order
;; whatever the split, so results do not depend on the thread count.
;; Build: npm run build:wasm (writes train-wasm.ts, the binary as base64).
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; (x·y0, x·y1) over len doubles: one load of x serves two rows; four accumulators hide the
  ;; add latency.
  (func $dot1x2 (param $x i32) (param $y0 i32) (param $y1 i32) (param $len i32) (result v128)
    (local $p i32) (local $end i32) (local $end4 i32)
    (local $a0 v128) (local $a1 v128) (local $b0 v128) (local $b1 v128) (local $xv v128) (local $t0 v128) (local $t1 v128)
    (local.set $end (i32.shl (local.get $len) (i32.const 3)))
    (local.set $end4 (i32.and (local.get $end) (i32.const -32)))
    (block $done4
      (loop $four
        (br_if $done4 (i32.ge_u (local.get $p) (local.get $end4)))
        (local.set $xv (v128.load (i32.add (local.get $x) (local.get $p))))
        (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (local.get $xv) (v128.load (i32.add (local.get $y0) (local.get $p))))))
        (local.set $b0 (f64x2.add (local.get $b0) (f64x2.mul (local.get $xv) (v128.load (i32.add (local.get $y1) (local.get $p))))))
        (local.set $xv (v128.load offset=16 (i32.add (local.get $x) (local.get $p))))
        (local.set $a1 (f64x2.add (local.get $a1) (f64x2.mul (local.get $xv) (v128.load offset=16 (i32.add (local.get $y0) (local.get $p))))))
        (local.set $b1 (f64x2.add (local.get $b1) (f64x2.mul (local.get $xv) (v128.load offset=16 (i32.add (local.get $y1) (local.get $p))))))
        (local.set $p (i32.add (local.get $p) (i32.const 32)))
        (br $four)))
    (if (i32.le_u (i32.add (local.get $p) (i32.const 16)) (local.get $end))
      (then
        (local.set $xv (v128.load (i32.add (local.get $x) (local.get $p))))
        (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (local.get $xv) (v128.load (i32.add (local.get $y0) (local.get $p))))))
        (local.set $b0 (f64x2.add (local.get $b0) (f64x2.mul (local.get $xv) (v128.load (i32.add (local.get $y1) (local.get $p))))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))))
    (if (i32.lt_u (local.get $p) (local.get $end))
      (then
        (local.set $xv (v128.load64_zero (i32.add (local.get $x) (local.get $p))))
        (local.set $a1 (f64x2.add (local.get $a1) (f64x2.mul (local.get $xv) (v128.load64_zero (i32.add (local.get $y0) (local.get $p))))))
        (local.set $b1 (f64x2.add (local.get $b1) (f64x2.mul (local.get $xv) (v128.load64_zero (i32.add (local.get $y1) (local.get $p))))))))
    (local.set $t0 (f64x2.add (local.get $a0) (local.get $a1)))
    (local.set $t1 (f64x2.add (local.get $b0) (local.get $b1)))
    (f64x2.add
      (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t1))
      (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t1))))

  ;; Columns [j0, min(j1, i)) of rows i ∈ [i0, i1) of the Cholesky factor, in place, and the row's
  ;; diagonal when j1 > i (the row is then complete). Rows before each column j and columns before
  ;; j0 must be done: so a panel of rows can take columns [0, j0) on several threads, then its own
  ;; triangle on one. Columns go in pairs from j0, so j0 even keeps every split's bits equal.
  ;; Returns 0, or 1 + the row whose pivot is not positive (the matrix is not positive definite).
  (func (export "chol") (param $a i32) (param $s i32) (param $i0 i32) (param $i1 i32) (param $dl i32) (param $j0 i32) (param $j1 i32) (result i32)
    (local $i i32) (local $j i32) (local $sb i32) (local $ri i32) (local $rj i32) (local $r v128) (local $lij f64) (local $d f64) (local $jEnd i32)
    (local.set $sb (i32.shl (local.get $s) (i32.const 3)))
    (local.set $i (local.get $i0))
    (block $rowsdone
      (loop $rows
        (br_if $rowsdone (i32.ge_u (local.get $i) (local.get $i1)))
        (block $next
        (local.set $ri (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $sb))))
        (local.set $jEnd (select (local.get $j1) (local.get $i) (i32.lt_u (local.get $j1) (local.get $i))))
        (local.set $j (local.get $j0))
        (block $pairsdone
          (loop $pairs
            (br_if $pairsdone (i32.ge_u (i32.add (local.get $j) (i32.const 1)) (local.get $jEnd)))
            (local.set $rj (i32.add (local.get $a) (i32.mul (local.get $j) (local.get $sb))))
            (local.set $r (call $dot1x2 (local.get $ri) (local.get $rj) (i32.add (local.get $rj) (local.get $sb)) (local.get $j)))
            (local.set $lij
              (f64.div
                (f64.sub (f64.load (i32.add (local.get $ri) (i32.shl (local.get $j) (i32.const 3)))) (f64x2.extract_lane 0 (local.get $r)))
                (f64.load (i32.add (local.get $dl) (i32.shl (local.get $j) (i32.const 3))))))
            (f64.store (i32.add (local.get $ri) (i32.shl (local.get $j) (i32.const 3))) (local.get $lij))
            (f64.store offset=8 (i32.add (local.get $ri) (i32.shl (local.get $j) (i32.const 3)))
              (f64.div
                (f64.sub
                  (f64.sub (f64.load offset=8 (i32.add (local.get $ri) (i32.shl (local.get $j) (i32.const 3)))) (f64x2.extract_lane 1 (local.get $r)))
                  (f64.mul (local.get $lij) (f64.load (i32.add (i32.add (local.get $rj) (local.get $sb)) (i32.shl (local.get $j) (i32.const 3))))))
                (f64.load offset=8 (i32.add (local.get $dl) (i32.shl (local.get $j) (i32.const 3))))))
            (local.set $j (i32.add (local.get $j) (i32.const 2)))
            (br $pairs)))
        (if (i32.lt_u (local.get $j) (local.get $jEnd))
          (then
            (local.set $rj (i32.add (local.get $a) (i32.mul (local.get $j) (local.get $sb))))
            (local.set $r (call $dot1x2 (local.get $ri) (local.get $rj) (local.get $rj) (local.get $j)))
            (f64.store (i32.add (local.get $ri) (i32.shl (local.get $j) (i32.const 3)))
              (f64.div
                (f64.sub (f64.load (i32.add (local.get $ri) (i32.shl (local.get $j) (i32.const 3)))) (f64x2.extract_lane 0 (local.get $r)))
                (f64.load (i32.add (local.get $dl) (i32.shl (local.get $j) (i32.const 3))))))))
        (br_if $next (i32.le_u (local.get $j1) (local.get $i)))
        (local.set $r (call $dot1x2 (local.get $ri) (local.get $ri) (local.get $ri) (local.get $i)))
        (local.set $d (f64.sub (f64.load (i32.add (local.get $ri) (i32.shl (local.get $i) (i32.const 3)))) (f64x2.extract_lane 0 (local.get $r))))
        (if (i32.eqz (f64.gt (local.get $d) (f64.const 0)))
          (then (return (i32.add (local.get $i) (i32.const 1)))))
        (f64.store (i32.add (local.get $dl) (i32.shl (local.get $i) (i32.const 3))) (f64.sqrt (local.get $d))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows)))
    (i32.const 0))

  ;; Columns [0, j1) of the panel of rows [i0, i1) of the Cholesky factor (j1 ≤ i0, so they depend
  ;; only on finished rows): what chol computes for them, bit for bit, but column pair by column
  ;; pair over the whole panel, so each finished row is read from memory once per panel rather
  ;; than once per row (the panel's rows stay in cache).
  (func (export "chol_panel") (param $a i32) (param $s i32) (param $i0 i32) (param $i1 i32) (param $dl i32) (param $j1 i32)
    (local $i i32) (local $j i32) (local $sb i32) (local $ri i32) (local $rj i32) (local $r v128) (local $lij f64) (local $jo i32) (local $dj f64) (local $dj1 f64)
    (local.set $sb (i32.shl (local.get $s) (i32.const 3)))
    (block $pairsdone
      (loop $pairs
        (br_if $pairsdone (i32.ge_u (i32.add (local.get $j) (i32.const 1)) (local.get $j1)))
        (local.set $rj (i32.add (local.get $a) (i32.mul (local.get $j) (local.get $sb))))
        (local.set $jo (i32.shl (local.get $j) (i32.const 3)))
        (local.set $dj (f64.load (i32.add (local.get $dl) (local.get $jo))))
        (local.set $dj1 (f64.load offset=8 (i32.add (local.get $dl) (local.get $jo))))
        (local.set $i (local.get $i0))
        (block $rowsdone
          (loop $rows
            (br_if $rowsdone (i32.ge_u (local.get $i) (local.get $i1)))
            (local.set $ri (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $sb))))
            (local.set $r (call $dot1x2 (local.get $ri) (local.get $rj) (i32.add (local.get $rj) (local.get $sb)) (local.get $j)))
            (local.set $lij (f64.div (f64.sub (f64.load (i32.add (local.get $ri) (local.get $jo))) (f64x2.extract_lane 0 (local.get $r))) (local.get $dj)))
            (f64.store (i32.add (local.get $ri) (local.get $jo)) (local.get $lij))
            (f64.store offset=8 (i32.add (local.get $ri) (local.get $jo))
              (f64.div
                (f64.sub
                  (f64.sub (f64.load offset=8 (i32.add (local.get $ri) (local.get $jo))) (f64x2.extract_lane 1 (local.get $r)))
                  (f64.mul (local.get $lij) (f64.load (i32.add (i32.add (local.get $rj) (local.get $sb)) (local.get $jo)))))
                (local.get $dj1)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $rows)))
        (local.set $j (i32.add (local.get $j) (i32.const 2)))
        (br $pairs)))
    (if (i32.lt_u (local.get $j) (local.get $j1))
      (then
        (local.set $rj (i32.add (local.get $a) (i32.mul (local.get $j) (local.get $sb))))
        (local.set $jo (i32.shl (local.get $j) (i32.const 3)))
        (local.set $i (local.get $i0))
        (block $rowsdone
          (loop $rows
            (br_if $rowsdone (i32.ge_u (local.get $i) (local.get $i1)))
            (local.set $ri (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $sb))))
            (local.set $r (call $dot1x2 (local.get $ri) (local.get $rj) (local.get $rj) (local.get $j)))
            (f64.store (i32.add (local.get $ri) (local.get $jo))
              (f64.div (f64.sub (f64.load (i32.add (local.get $ri) (local.get $jo))) (f64x2.extract_lane 0 (local.get $r)))
                (f64.load (i32.add (local.get $dl) (local.get $jo)))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $rows))))))

  ;; Rows [c0, c1) of M = (L⁻¹)ᵀ (upper triangle of the matrix, with its diagonal), in blocks of
  ;; `block` rows: each row of L is read once per block while the block's rows of M stay in cache.
  ;; Row c takes L's rows in pairs (i, i+1) from i = c+1, whatever the blocking.
  (func (export "inv_l") (param $a i32) (param $s i32) (param $n i32) (param $dl i32) (param $c0 i32) (param $c1 i32) (param $block i32)
    (local $b0 i32) (local $b1 i32) (local $c i32) (local $i i32) (local $cEnd i32) (local $sb i32) (local $rc i32) (local $ri i32) (local $co i32) (local $io i32)
    (local $r v128) (local $mci f64)
    (local.set $sb (i32.shl (local.get $s) (i32.const 3)))
    (local.set $b0 (local.get $c0))
    (block $blocksdone
      (loop $blocks
        (br_if $blocksdone (i32.ge_u (local.get $b0) (local.get $c1)))
        (local.set $b1 (i32.add (local.get $b0) (local.get $block)))
        (if (i32.gt_u (local.get $b1) (local.get $c1)) (then (local.set $b1 (local.get $c1))))
        ;; M[c][c] = 1 / L[c][c]
        (local.set $c (local.get $b0))
        (block $diagdone
          (loop $diag
            (br_if $diagdone (i32.ge_u (local.get $c) (local.get $b1)))
            (local.set $co (i32.shl (local.get $c) (i32.const 3)))
            (f64.store (i32.add (i32.add (local.get $a) (i32.mul (local.get $c) (local.get $sb))) (local.get $co))
              (f64.div (f64.const 1) (f64.load (i32.add (local.get $dl) (local.get $co)))))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $diag)))
        (local.set $i (i32.add (local.get $b0) (i32.const 1)))
        (block $idone
          (loop $is
            (br_if $idone (i32.ge_u (local.get $i) (local.get $n)))
            (local.set $ri (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $sb))))
            (local.set $io (i32.shl (local.get $i) (i32.const 3)))
            (local.set $cEnd (select (local.get $b1) (local.get $i) (i32.lt_u (local.get $b1) (local.get $i))))
            ;; the block's rows c < i whose next pair starts at i: i − c − 1 even
            (local.set $c (i32.add (local.get $b0) (i32.and (i32.sub (i32.sub (local.get $i) (local.get $b0)) (i32.const 1)) (i32.const 1))))
            (block $cdone
              (loop $cs
                (br_if $cdone (i32.ge_u (local.get $c) (local.get $cEnd)))
                (local.set $co (i32.shl (local.get $c) (i32.const 3)))
                (local.set $rc (i32.add (local.get $a) (i32.mul (local.get $c) (local.get $sb))))
                (if (i32.lt_u (i32.add (local.get $i) (i32.const 1)) (local.get $n))
                  (then
                    (local.set $r (call $dot1x2 (i32.add (local.get $rc) (local.get $co)) (i32.add (local.get $ri) (local.get $co))
                      (i32.add (i32.add (local.get $ri) (local.get $sb)) (local.get $co)) (i32.sub (local.get $i) (local.get $c))))
                    (local.set $mci (f64.div (f64.neg (f64x2.extract_lane 0 (local.get $r))) (f64.load (i32.add (local.get $dl) (local.get $io)))))
                    (f64.store (i32.add (local.get $rc) (local.get $io)) (local.get $mci))
                    (f64.store offset=8 (i32.add (local.get $rc) (local.get $io))
                      (f64.div
                        (f64.neg (f64.add (f64x2.extract_lane 1 (local.get $r))
                          (f64.mul (f64.load (i32.add (i32.add (local.get $ri) (local.get $sb)) (local.get $io))) (local.get $mci))))
                        (f64.load offset=8 (i32.add (local.get $dl) (local.get $io))))))
                  (else
                    (local.set $r (call $dot1x2 (i32.add (local.get $rc) (local.get $co)) (i32.add (local.get $ri) (local.get $co))
                      (i32.add (local.get $ri) (local.get $co)) (i32.sub (local.get $i) (local.get $c))))
                    (f64.store (i32.add (local.get $rc) (local.get $io))
                      (f64.div (f64.neg (f64x2.extract_lane 0 (local.get $r))) (f64.load (i32.add (local.get $dl) (local.get $io)))))))
                (local.set $c (i32.add (local.get $c) (i32.const 2)))
                (br $cs)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $is)))
        (local.set $b0 (local.get $b1))
        (br $blocks))))

  ;; Rows [r0, r1) of P = L⁻ᵀL⁻¹ = A⁻¹ as P[r][b] = M[r][b:n]·M[b][b:n] for b ≥ r (M holds
  ;; (L⁻¹)ᵀ): P[r][b] goes to the strict lower triangle at [b][r], P[r][r] to pd[r]. In blocks of
  ;; `block` rows: each row of M is read once per block. Row r takes M's rows in pairs (b, b+1)
  ;; from b = r, whatever the blocking.
  (func (export "gram_inv") (param $a i32) (param $s i32) (param $n i32) (param $pd i32) (param $r0 i32) (param $r1 i32) (param $block i32)
    (local $b0 i32) (local $b1 i32) (local $row i32) (local $b i32) (local $rEnd i32) (local $sb i32) (local $ra i32) (local $rb i32)
    (local $off i32) (local $ro i32) (local $bo i32) (local $r v128) (local $pab f64) (local $mbb f64)
    (local.set $sb (i32.shl (local.get $s) (i32.const 3)))
    (local.set $b0 (local.get $r0))
    (block $blocksdone
      (loop $blocks
        (br_if $blocksdone (i32.ge_u (local.get $b0) (local.get $r1)))
        (local.set $b1 (i32.add (local.get $b0) (local.get $block)))
        (if (i32.gt_u (local.get $b1) (local.get $r1)) (then (local.set $b1 (local.get $r1))))
        (local.set $b (local.get $b0))
        (block $bdone
          (loop $bs
            (br_if $bdone (i32.ge_u (local.get $b) (local.get $n)))
            (local.set $rb (i32.add (local.get $a) (i32.mul (local.get $b) (local.get $sb))))
            (local.set $bo (i32.shl (local.get $b) (i32.const 3)))
            (local.set $off (i32.add (local.get $bo) (i32.const 8)))
            (local.set $mbb (f64.load (i32.add (local.get $rb) (local.get $bo))))
            (local.set $rEnd (i32.add (local.get $b) (i32.const 1)))
            (if (i32.gt_u (local.get $rEnd) (local.get $b1)) (then (local.set $rEnd (local.get $b1))))
            ;; the block's rows r ≤ b whose next pair starts at b: b − r even
            (local.set $row (i32.add (local.get $b0) (i32.and (i32.sub (local.get $b) (local.get $b0)) (i32.const 1))))
            (block $rdone
              (loop $rs
                (br_if $rdone (i32.ge_u (local.get $row) (local.get $rEnd)))
                (local.set $ra (i32.add (local.get $a) (i32.mul (local.get $row) (local.get $sb))))
                (local.set $ro (i32.shl (local.get $row) (i32.const 3)))
                (if (i32.lt_u (i32.add (local.get $b) (i32.const 1)) (local.get $n))
                  (then
                    (local.set $r (call $dot1x2 (i32.add (local.get $ra) (local.get $off)) (i32.add (local.get $rb) (local.get $off))
                      (i32.add (i32.add (local.get $rb) (local.get $sb)) (local.get $off)) (i32.sub (i32.sub (local.get $n) (local.get $b)) (i32.const 1))))
                    (local.set $pab (f64.add (f64x2.extract_lane 0 (local.get $r))
                      (f64.mul (f64.load (i32.add (local.get $ra) (local.get $bo))) (local.get $mbb))))
                    (f64.store (i32.add (i32.add (local.get $rb) (local.get $sb)) (local.get $ro)) (f64x2.extract_lane 1 (local.get $r))))
                  (else
                    (local.set $pab (f64.mul (f64.load (i32.add (local.get $ra) (local.get $bo))) (local.get $mbb)))))
                (if (i32.eq (local.get $b) (local.get $row))
                  (then (f64.store (i32.add (local.get $pd) (local.get $ro)) (local.get $pab)))
                  (else (f64.store (i32.add (local.get $rb) (local.get $ro)) (local.get $pab))))
                (local.set $row (i32.add (local.get $row) (i32.const 2)))
                (br $rs)))
            (local.set $b (i32.add (local.get $b) (i32.const 1)))
            (br $bs)))
        (local.set $b0 (local.get $b1))
        (br $blocks))))

;; iALS (see ../recipes/ials/kernel.ts, whose JavaScript this mirrors operation for operation, so the two
;; give the same bits): float64 arithmetic on float32 factors. A sum over the factor dimension
;; runs in four strided partial sums s0..s3 (s_q over f ≡ q mod 4) added as ((s0+s1)+s2)+s3; here
;; the lanes of two f64x2 accumulators are exactly those partial sums. k is a multiple of 4.

  ;; out[f] = ((s0+s1)+s2)+s3 + lam·v[f] for the row m[f] of the k×k matrix m, negated if neg ≠ 0.
  ;; Four rows at a time: eight independent accumulators.
  (func $matvec (param $m i32) (param $v i32) (param $out i32) (param $k i32) (param $lam f64) (param $neg i32)
    (local $f i32) (local $g i32) (local $kb i32) (local $r0 i32) (local $r1 i32) (local $r2 i32) (local $r3 i32)
    (local $v01 v128) (local $v23 v128)
    (local $a01 v128) (local $a23 v128) (local $b01 v128) (local $b23 v128)
    (local $c01 v128) (local $c23 v128) (local $d01 v128) (local $d23 v128)
    (local $o i32) (local $t f64)
    (local.set $kb (i32.shl (local.get $k) (i32.const 3)))
    (block $rowsdone
      (loop $rows
        (br_if $rowsdone (i32.ge_u (local.get $f) (local.get $k)))
        (local.set $r0 (i32.add (local.get $m) (i32.mul (local.get $f) (local.get $kb))))
        (local.set $r1 (i32.add (local.get $r0) (local.get $kb)))
        (local.set $r2 (i32.add (local.get $r1) (local.get $kb)))
        (local.set $r3 (i32.add (local.get $r2) (local.get $kb)))
        (local.set $a01 (v128.const i64x2 0 0)) (local.set $a23 (v128.const i64x2 0 0))
        (local.set $b01 (v128.const i64x2 0 0)) (local.set $b23 (v128.const i64x2 0 0))
        (local.set $c01 (v128.const i64x2 0 0)) (local.set $c23 (v128.const i64x2 0 0))
        (local.set $d01 (v128.const i64x2 0 0)) (local.set $d23 (v128.const i64x2 0 0))
        (local.set $g (i32.const 0))
        (block $gdone
          (loop $cols
            (br_if $gdone (i32.ge_u (local.get $g) (local.get $kb)))
            (local.set $v01 (v128.load (i32.add (local.get $v) (local.get $g))))
            (local.set $v23 (v128.load offset=16 (i32.add (local.get $v) (local.get $g))))
            (local.set $a01 (f64x2.add (local.get $a01) (f64x2.mul (v128.load (i32.add (local.get $r0) (local.get $g))) (local.get $v01))))
            (local.set $a23 (f64x2.add (local.get $a23) (f64x2.mul (v128.load offset=16 (i32.add (local.get $r0) (local.get $g))) (local.get $v23))))
            (local.set $b01 (f64x2.add (local.get $b01) (f64x2.mul (v128.load (i32.add (local.get $r1) (local.get $g))) (local.get $v01))))
            (local.set $b23 (f64x2.add (local.get $b23) (f64x2.mul (v128.load offset=16 (i32.add (local.get $r1) (local.get $g))) (local.get $v23))))
            (local.set $c01 (f64x2.add (local.get $c01) (f64x2.mul (v128.load (i32.add (local.get $r2) (local.get $g))) (local.get $v01))))
            (local.set $c23 (f64x2.add (local.get $c23) (f64x2.mul (v128.load offset=16 (i32.add (local.get $r2) (local.get $g))) (local.get $v23))))
            (local.set $d01 (f64x2.add (local.get $d01) (f64x2.mul (v128.load (i32.add (local.get $r3) (local.get $g))) (local.get $v01))))
            (local.set $d23 (f64x2.add (local.get $d23) (f64x2.mul (v128.load offset=16 (i32.add (local.get $r3) (local.get $g))) (local.get $v23))))
            (local.set $g (i32.add (local.get $g) (i32.const 32)))
            (br $cols)))
        (local.set $o (i32.shl (local.get $f) (i32.const 3)))
        (local.set $t (f64.add (call $sum4 (local.get $a01) (local.get $a23)) (f64.mul (local.get $lam) (f64.load (i32.add (local.get $v) (local.get $o))))))
        (f64.store (i32.add (local.get $out) (local.get $o)) (select (f64.neg (local.get $t)) (local.get $t) (local.get $neg)))
        (local.set $t (f64.add (call $sum4 (local.get $b01) (local.get $b23)) (f64.mul (local.get $lam) (f64.load offset=8 (i32.add (local.get $v) (local.get $o))))))
        (f64.store offset=8 (i32.add (local.get $out) (local.get $o)) (select (f64.neg (local.get $t)) (local.get $t) (local.get $neg)))
        (local.set $t (f64.add (call $sum4 (local.get $c01) (local.get $c23)) (f64.mul (local.get $lam) (f64.load offset=16 (i32.add (local.get $v) (local.get $o))))))
        (f64.store offset=16 (i32.add (local.get $out) (local.get $o)) (select (f64.neg (local.get $t)) (local.get $t) (local.get $neg)))
        (local.set $t (f64.add (call $sum4 (local.get $d01) (local.get $d23)) (f64.mul (local.get $lam) (f64.load offset=24 (i32.add (local.get $v) (local.get $o))))))
        (f64.store offset=24 (i32.add (local.get $out) (local.get $o)) (select (f64.neg (local.get $t)) (local.get $t) (local.get $neg)))
        (local.set $f (i32.add (local.get $f) (i32.const 4)))
        (br $rows))))

  ;; ((s0 + s1) + s2) + s3 with (s0, s1) and (s2, s3) the lanes of two vectors.
  (func $sum4 (param $s01 v128) (param $s23 v128) (result f64)
    (f64.add
      (f64.add
        (f64.add (f64x2.extract_lane 0 (local.get $s01)) (f64x2.extract_lane 1 (local.get $s01)))
        (f64x2.extract_lane 0 (local.get $s23)))
      (f64x2.extract_lane 1 (local.get $s23))))

  ;; y = the float32 row yr widened to float64, and returns y·v (four strided partial sums).
  (func $load_dot (param $yr i32) (param $y i32) (param $v i32) (param $k i32) (result f64)
    (local $f i32) (local $q v128) (local $lo v128) (local $hi v128) (local $d01 v128) (local $d23 v128) (local $o i32)
    (block $done
      (loop $fs
        (br_if $done (i32.ge_u (local.get $f) (local.get $k)))
        (local.set $q (v128.load (i32.add (local.get $yr) (i32.shl (local.get $f) (i32.const 2)))))
        (local.set $lo (f64x2.promote_low_f32x4 (local.get $q)))
        (local.set $hi (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $q) (local.get $q))))
        (local.set $o (i32.shl (local.get $f) (i32.const 3)))
        (v128.store (i32.add (local.get $y) (local.get $o)) (local.get $lo))
        (v128.store offset=16 (i32.add (local.get $y) (local.get $o)) (local.get $hi))
        (local.set $d01 (f64x2.add (local.get $d01) (f64x2.mul (local.get $lo) (v128.load (i32.add (local.get $v) (local.get $o))))))
        (local.set $d23 (f64x2.add (local.get $d23) (f64x2.mul (local.get $hi) (v128.load offset=16 (i32.add (local.get $v) (local.get $o))))))
        (local.set $f (i32.add (local.get $f) (i32.const 4)))
        (br $fs)))
    (call $sum4 (local.get $d01) (local.get $d23)))

  ;; out[f] += c·y[f]
  (func $axpy (param $out i32) (param $y i32) (param $c f64) (param $k i32)
    (local $o i32) (local $end i32) (local $cv v128)
    (local.set $cv (f64x2.splat (local.get $c)))
    (local.set $end (i32.shl (local.get $k) (i32.const 3)))
    (block $done
      (loop $fs
        (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
        (v128.store (i32.add (local.get $out) (local.get $o))
          (f64x2.add (v128.load (i32.add (local.get $out) (local.get $o))) (f64x2.mul (local.get $cv) (v128.load (i32.add (local.get $y) (local.get $o))))))
        (v128.store offset=16 (i32.add (local.get $out) (local.get $o))
          (f64x2.add (v128.load offset=16 (i32.add (local.get $out) (local.get $o))) (f64x2.mul (local.get $cv) (v128.load offset=16 (i32.add (local.get $y) (local.get $o))))))
        (local.set $o (i32.add (local.get $o) (i32.const 32)))
        (br $fs))))

;; Σ_e conf[e]·(bias − y_e·v)·y_e added into out, over the row's observed pairs e ∈ [a, b)
  ;; (bias 1 for the residual b − A·x, where the sign of the dot flips; 0 for A·p). Two pairs per
  ;; step: their rows load and their dot products run side by side (v is fixed during the loop,
  ;; so the dots are independent), and out gets e's term, then e+1's, per element, as one at a
  ;; time would. y holds 2k float64 values.
  (func $observed (param $a i32) (param $b i32) (param $indices i32) (param $conf i32) (param $Y i32) (param $k i32)
      (param $y i32) (param $v i32) (param $out i32) (param $residual i32)
    (local $e i32) (local $d f64) (local $c f64) (local $c1 f64) (local $kb i32) (local $rowb i32)
    (local $yr0 i32) (local $yr1 i32) (local $y1 i32) (local $f i32) (local $o i32)
    (local $q v128) (local $lo0 v128) (local $hi0 v128) (local $lo1 v128) (local $hi1 v128) (local $v01 v128) (local $v23 v128)
    (local $d001 v128) (local $d023 v128) (local $d101 v128) (local $d123 v128) (local $cv0 v128) (local $cv1 v128)
    (local.set $kb (i32.shl (local.get $k) (i32.const 3)))
    (local.set $rowb (i32.shl (local.get $k) (i32.const 2)))
    (local.set $y1 (i32.add (local.get $y) (local.get $kb)))
    (local.set $e (local.get $a))
    (block $pairsdone
      (loop $pairs
        (br_if $pairsdone (i32.ge_s (i32.add (local.get $e) (i32.const 1)) (local.get $b)))
        (local.set $yr0 (i32.add (local.get $Y) (i32.mul (i32.load (i32.add (local.get $indices) (i32.shl (local.get $e) (i32.const 2)))) (local.get $rowb))))
        (local.set $yr1 (i32.add (local.get $Y) (i32.mul (i32.load offset=4 (i32.add (local.get $indices) (i32.shl (local.get $e) (i32.const 2)))) (local.get $rowb))))
        (local.set $d001 (v128.const i64x2 0 0)) (local.set $d023 (v128.const i64x2 0 0))
        (local.set $d101 (v128.const i64x2 0 0)) (local.set $d123 (v128.const i64x2 0 0))
        (local.set $f (i32.const 0))
        (block $fdone
          (loop $fs
            (br_if $fdone (i32.ge_u (local.get $f) (local.get $k)))
            (local.set $o (i32.shl (local.get $f) (i32.const 3)))
            (local.set $q (v128.load (i32.add (local.get $yr0) (i32.shl (local.get $f) (i32.const 2)))))
            (local.set $lo0 (f64x2.promote_low_f32x4 (local.get $q)))
            (local.set $hi0 (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $q) (local.get $q))))
            (local.set $q (v128.load (i32.add (local.get $yr1) (i32.shl (local.get $f) (i32.const 2)))))
            (local.set $lo1 (f64x2.promote_low_f32x4 (local.get $q)))
            (local.set $hi1 (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $q) (local.get $q))))
            (v128.store (i32.add (local.get $y) (local.get $o)) (local.get $lo0))
            (v128.store offset=16 (i32.add (local.get $y) (local.get $o)) (local.get $hi0))
            (v128.store (i32.add (local.get $y1) (local.get $o)) (local.get $lo1))
            (v128.store offset=16 (i32.add (local.get $y1) (local.get $o)) (local.get $hi1))
            (local.set $v01 (v128.load (i32.add (local.get $v) (local.get $o))))
            (local.set $v23 (v128.load offset=16 (i32.add (local.get $v) (local.get $o))))
            (local.set $d001 (f64x2.add (local.get $d001) (f64x2.mul (local.get $lo0) (local.get $v01))))
            (local.set $d023 (f64x2.add (local.get $d023) (f64x2.mul (local.get $hi0) (local.get $v23))))
            (local.set $d101 (f64x2.add (local.get $d101) (f64x2.mul (local.get $lo1) (local.get $v01))))
            (local.set $d123 (f64x2.add (local.get $d123) (f64x2.mul (local.get $hi1) (local.get $v23))))
            (local.set $f (i32.add (local.get $f) (i32.const 4)))
            (br $fs)))
        (local.set $d
          (f64.add (f64.add (f64.add (f64x2.extract_lane 0 (local.get $d001)) (f64x2.extract_lane 1 (local.get $d001)))
            (f64x2.extract_lane 0 (local.get $d023))) (f64x2.extract_lane 1 (local.get $d023))))
        (local.set $c (f64.promote_f32 (f32.load (i32.add (local.get $conf) (i32.shl (local.get $e) (i32.const 2))))))
        (local.set $c (select (f64.mul (local.get $c) (f64.sub (f64.const 1) (local.get $d))) (f64.mul (local.get $c) (local.get $d)) (local.get $residual)))
        (local.set $d
          (f64.add (f64.add (f64.add (f64x2.extract_lane 0 (local.get $d101)) (f64x2.extract_lane 1 (local.get $d101)))
            (f64x2.extract_lane 0 (local.get $d123))) (f64x2.extract_lane 1 (local.get $d123))))
        (local.set $c1 (f64.promote_f32 (f32.load offset=4 (i32.add (local.get $conf) (i32.shl (local.get $e) (i32.const 2))))))
        (local.set $c1 (select (f64.mul (local.get $c1) (f64.sub (f64.const 1) (local.get $d))) (f64.mul (local.get $c1) (local.get $d)) (local.get $residual)))
        (local.set $cv0 (f64x2.splat (local.get $c)))
        (local.set $cv1 (f64x2.splat (local.get $c1)))
        (local.set $o (i32.const 0))
        (block $adone
          (loop $as
            (br_if $adone (i32.ge_u (local.get $o) (local.get $kb)))
            (v128.store (i32.add (local.get $out) (local.get $o))
              (f64x2.add
                (f64x2.add (v128.load (i32.add (local.get $out) (local.get $o))) (f64x2.mul (local.get $cv0) (v128.load (i32.add (local.get $y) (local.get $o)))))
                (f64x2.mul (local.get $cv1) (v128.load (i32.add (local.get $y1) (local.get $o))))))
            (v128.store offset=16 (i32.add (local.get $out) (local.get $o))
              (f64x2.add
                (f64x2.add (v128.load offset=16 (i32.add (local.get $out) (local.get $o))) (f64x2.mul (local.get $cv0) (v128.load offset=16 (i32.add (local.get $y) (local.get $o)))))
                (f64x2.mul (local.get $cv1) (v128.load offset=16 (i32.add (local.get $y1) (local.get $o))))))
            (local.set $o (i32.add (local.get $o) (i32.const 32)))
            (br $as)))
        (local.set $e (i32.add (local.get $e) (i32.const 2)))
        (br $pairs)))
    (if (i32.lt_s (local.get $e) (local.get $b))
      (then
        (local.set $d (call $load_dot
          (i32.add (local.get $Y) (i32.mul (i32.load (i32.add (local.get $indices) (i32.shl (local.get $e) (i32.const 2)))) (local.get $rowb)))
          (local.get $y) (local.get $v) (local.get $k)))
        (local.set $c (f64.promote_f32 (f32.load (i32.add (local.get $conf) (i32.shl (local.get $e) (i32.const 2))))))
        (local.set $c (select (f64.mul (local.get $c) (f64.sub (f64.const 1) (local.get $d))) (f64.mul (local.get $c) (local.get $d)) (local.get $residual)))
        (call $axpy (local.get $out) (local.get $y) (local.get $c) (local.get $k)))))

  ;; Rows [start, end) of X solved against Y with cgSteps conjugate-gradient steps warm-started
  ;; from X (ialsSolveRows in ../recipes/ials/kernel.ts, which documents the system). scratch holds
  ;; (k² + 6k) float64 values for this thread.
  (func (export "ials_solve") (param $start i32) (param $end i32) (param $indptr i32) (param $indices i32) (param $conf i32)
      (param $X i32) (param $Y i32) (param $G i32) (param $k i32) (param $nY f64) (param $alpha0 f64) (param $lambda f64)
      (param $cgSteps i32) (param $scratch i32)
    (local $aG i32) (local $x i32) (local $r i32) (local $p i32) (local $ap i32) (local $y i32) (local $kb i32)
    (local $row i32) (local $a i32) (local $b i32) (local $lam f64) (local $xo i32) (local $j i32) (local $q v128)
    (local $rsold f64) (local $rsnew f64) (local $pap f64) (local $alpha f64) (local $beta f64) (local $v f64) (local $step i32) (local $o i32)
    (local.set $kb (i32.shl (local.get $k) (i32.const 3)))
    (local.set $aG (local.get $scratch))
    (local.set $x (i32.add (local.get $aG) (i32.mul (local.get $k) (local.get $kb))))
    (local.set $r (i32.add (local.get $x) (local.get $kb)))
    (local.set $p (i32.add (local.get $r) (local.get $kb)))
    (local.set $ap (i32.add (local.get $p) (local.get $kb)))
    (local.set $y (i32.add (local.get $ap) (local.get $kb)))
    (block $done
      (loop $scale
        (br_if $done (i32.ge_u (local.get $j) (i32.mul (local.get $k) (local.get $k))))
        (f64.store (i32.add (local.get $aG) (i32.shl (local.get $j) (i32.const 3)))
          (f64.mul (local.get $alpha0) (f64.load (i32.add (local.get $G) (i32.shl (local.get $j) (i32.const 3))))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $scale)))
    (local.set $row (local.get $start))
    (block $rowsdone
      (loop $rows
        (br_if $rowsdone (i32.ge_u (local.get $row) (local.get $end)))
        (local.set $a (i32.load (i32.add (local.get $indptr) (i32.shl (local.get $row) (i32.const 2)))))
        (local.set $b (i32.load offset=4 (i32.add (local.get $indptr) (i32.shl (local.get $row) (i32.const 2)))))
        (local.set $lam (f64.mul (local.get $lambda) (f64.add (f64.convert_i32_s (i32.sub (local.get $b) (local.get $a))) (f64.mul (local.get $alpha0) (local.get $nY)))))
        (local.set $xo (i32.add (local.get $X) (i32.mul (local.get $row) (i32.shl (local.get $k) (i32.const 2)))))
        ;; x = the row, widened
        (local.set $j (i32.const 0))
        (block $xdone
          (loop $xs
            (br_if $xdone (i32.ge_u (local.get $j) (local.get $k)))
            (local.set $q (v128.load (i32.add (local.get $xo) (i32.shl (local.get $j) (i32.const 2)))))
            (v128.store (i32.add (local.get $x) (i32.shl (local.get $j) (i32.const 3))) (f64x2.promote_low_f32x4 (local.get $q)))
            (v128.store offset=16 (i32.add (local.get $x) (i32.shl (local.get $j) (i32.const 3)))
              (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $q) (local.get $q))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $xs)))
        ;; r = b − A·x
        (call $matvec (local.get $aG) (local.get $x) (local.get $r) (local.get $k) (local.get $lam) (i32.const 1))
        (call $observed (local.get $a) (local.get $b) (local.get $indices) (local.get $conf) (local.get $Y) (local.get $k)
          (local.get $y) (local.get $x) (local.get $r) (i32.const 1))
        ;; p = r; rsold = r·r (in order)
        (local.set $rsold (f64.const 0))
        (local.set $o (i32.const 0))
        (block $pdone
          (loop $ps
            (br_if $pdone (i32.ge_u (local.get $o) (local.get $kb)))
            (local.set $v (f64.load (i32.add (local.get $r) (local.get $o))))
            (f64.store (i32.add (local.get $p) (local.get $o)) (local.get $v))
            (local.set $rsold (f64.add (local.get $rsold) (f64.mul (local.get $v) (local.get $v))))
            (local.set $o (i32.add (local.get $o) (i32.const 8)))
            (br $ps)))
        (if (f64.gt (local.get $rsold) (f64.const 1e-20))
          (then
            (local.set $step (i32.const 0))
            (block $cgdone
              (loop $cg
                (br_if $cgdone (i32.ge_s (local.get $step) (local.get $cgSteps)))
                ;; ap = A·p
                (call $matvec (local.get $aG) (local.get $p) (local.get $ap) (local.get $k) (local.get $lam) (i32.const 0))
                (call $observed (local.get $a) (local.get $b) (local.get $indices) (local.get $conf) (local.get $Y) (local.get $k)
                  (local.get $y) (local.get $p) (local.get $ap) (i32.const 0))
                (local.set $pap (f64.const 0))
                (local.set $o (i32.const 0))
                (block $papdone
                  (loop $paps
                    (br_if $papdone (i32.ge_u (local.get $o) (local.get $kb)))
                    (local.set $pap (f64.add (local.get $pap)
                      (f64.mul (f64.load (i32.add (local.get $p) (local.get $o))) (f64.load (i32.add (local.get $ap) (local.get $o))))))
                    (local.set $o (i32.add (local.get $o) (i32.const 8)))
                    (br $paps)))
                (br_if $cgdone (i32.eqz (f64.gt (local.get $pap) (f64.const 0))))
                (local.set $alpha (f64.div (local.get $rsold) (local.get $pap)))
                (local.set $rsnew (f64.const 0))
                (local.set $o (i32.const 0))
                (block $updone
                  (loop $ups
                    (br_if $updone (i32.ge_u (local.get $o) (local.get $kb)))
                    (f64.store (i32.add (local.get $x) (local.get $o))
                      (f64.add (f64.load (i32.add (local.get $x) (local.get $o))) (f64.mul (local.get $alpha) (f64.load (i32.add (local.get $p) (local.get $o))))))
                    (local.set $v (f64.sub (f64.load (i32.add (local.get $r) (local.get $o))) (f64.mul (local.get $alpha) (f64.load (i32.add (local.get $ap) (local.get $o))))))
                    (f64.store (i32.add (local.get $r) (local.get $o)) (local.get $v))
                    (local.set $rsnew (f64.add (local.get $rsnew) (f64.mul (local.get $v) (local.get $v))))
                    (local.set $o (i32.add (local.get $o) (i32.const 8)))
                    (br $ups)))
                (br_if $cgdone (f64.lt (local.get $rsnew) (f64.const 1e-20)))
                (local.set $beta (f64.div (local.get $rsnew) (local.get $rsold)))
                (local.set $o (i32.const 0))
                (block $newpdone
                  (loop $newps
                    (br_if $newpdone (i32.ge_u (local.get $o) (local.get $kb)))
                    (f64.store (i32.add (local.get $p) (local.get $o))
                      (f64.add (f64.load (i32.add (local.get $r) (local.get $o))) (f64.mul (local.get $beta) (f64.load (i32.add (local.get $p) (local.get $o))))))
                    (local.set $o (i32.add (local.get $o) (i32.const 8)))
                    (br $newps)))
                (local.set $rsold (local.get $rsnew))
                (local.set $step (i32.add (local.get $step) (i32.const 1)))
                (br $cg)))))
        ;; the row = x, narrowed
        (local.set $j (i32.const 0))
        (block $outdone
          (loop $outs
            (br_if $outdone (i32.ge_u (local.get $j) (local.get $k)))
            (f32.store (i32.add (local.get $xo) (i32.shl (local.get $j) (i32.const 2)))
              (f32.demote_f64 (f64.load (i32.add (local.get $x) (i32.shl (local.get $j) (i32.const 3))))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $outs)))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $rows))))

  ;; Rows [a0, a1) of the upper triangle of G += MᵀM (M: nRows × k float32; G: k × k float64,
  ;; zeroed by the caller), summed over M's rows in order (gramRows in ../recipes/ials/kernel.ts). Two columns
  ;; per step from the even column at or below the diagonal: the one below is overwritten when
  ;; the caller mirrors the triangle.
  (func (export "ials_gram") (param $a0 i32) (param $a1 i32) (param $M i32) (param $nRows i32) (param $k i32) (param $G i32)
    (local $r i32) (local $a i32) (local $b i32) (local $mo i32) (local $go i32) (local $va f32) (local $vs v128) (local $kb i32)
    (local.set $kb (i32.shl (local.get $k) (i32.const 3)))
    (block $rowsdone
      (loop $rows
        (br_if $rowsdone (i32.ge_u (local.get $r) (local.get $nRows)))
        (local.set $mo (i32.add (local.get $M) (i32.mul (local.get $r) (i32.shl (local.get $k) (i32.const 2)))))
        (local.set $a (local.get $a0))
        (block $adone
          (loop $as
            (br_if $adone (i32.ge_u (local.get $a) (local.get $a1)))
            (local.set $va (f32.load (i32.add (local.get $mo) (i32.shl (local.get $a) (i32.const 2)))))
            (if (f32.ne (local.get $va) (f32.const 0))
              (then
                (local.set $vs (f64x2.splat (f64.promote_f32 (local.get $va))))
                (local.set $go (i32.add (local.get $G) (i32.mul (local.get $a) (local.get $kb))))
                (local.set $b (i32.and (local.get $a) (i32.const -2)))
                (block $bdone
                  (loop $bs
                    (br_if $bdone (i32.ge_u (local.get $b) (local.get $k)))
                    (v128.store (i32.add (local.get $go) (i32.shl (local.get $b) (i32.const 3)))
                      (f64x2.add (v128.load (i32.add (local.get $go) (i32.shl (local.get $b) (i32.const 3))))
                        (f64x2.mul (local.get $vs)
                          (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $mo) (i32.shl (local.get $b) (i32.const 2))))))))
                    (local.set $b (i32.add (local.get $b) (i32.const 2)))
                    (br $bs)))))
            (local.set $a (i32.add (local.get $a) (i32.const 1)))
            (br $as)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rows))))
)
