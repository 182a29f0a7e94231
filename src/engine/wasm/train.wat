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
;; sequential by rows. Each output value is computed by one dot product with a fixed order
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

  ;; Rows [i0, i1) of the Cholesky factor, in place (rows before i0 must be done). Returns 0, or
  ;; 1 + the row whose pivot is not positive (the matrix is not positive definite).
  (func (export "chol") (param $a i32) (param $s i32) (param $i0 i32) (param $i1 i32) (param $dl i32) (result i32)
    (local $i i32) (local $j i32) (local $sb i32) (local $ri i32) (local $rj i32) (local $r v128) (local $lij f64) (local $d f64)
    (local.set $sb (i32.shl (local.get $s) (i32.const 3)))
    (local.set $i (local.get $i0))
    (block $rowsdone
      (loop $rows
        (br_if $rowsdone (i32.ge_u (local.get $i) (local.get $i1)))
        (local.set $ri (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $sb))))
        (local.set $j (i32.const 0))
        (block $pairsdone
          (loop $pairs
            (br_if $pairsdone (i32.ge_u (i32.add (local.get $j) (i32.const 1)) (local.get $i)))
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
        (if (i32.lt_u (local.get $j) (local.get $i))
          (then
            (local.set $rj (i32.add (local.get $a) (i32.mul (local.get $j) (local.get $sb))))
            (local.set $r (call $dot1x2 (local.get $ri) (local.get $rj) (local.get $rj) (local.get $j)))
            (f64.store (i32.add (local.get $ri) (i32.shl (local.get $j) (i32.const 3)))
              (f64.div
                (f64.sub (f64.load (i32.add (local.get $ri) (i32.shl (local.get $j) (i32.const 3)))) (f64x2.extract_lane 0 (local.get $r)))
                (f64.load (i32.add (local.get $dl) (i32.shl (local.get $j) (i32.const 3))))))))
        (local.set $r (call $dot1x2 (local.get $ri) (local.get $ri) (local.get $ri) (local.get $i)))
        (local.set $d (f64.sub (f64.load (i32.add (local.get $ri) (i32.shl (local.get $i) (i32.const 3)))) (f64x2.extract_lane 0 (local.get $r))))
        (if (i32.eqz (f64.gt (local.get $d) (f64.const 0)))
          (then (return (i32.add (local.get $i) (i32.const 1)))))
        (f64.store (i32.add (local.get $dl) (i32.shl (local.get $i) (i32.const 3))) (f64.sqrt (local.get $d)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows)))
    (i32.const 0))

  ;; Rows [c0, c1) of M = (L⁻¹)ᵀ (upper triangle of the matrix, with its diagonal).
  (func (export "inv_l") (param $a i32) (param $s i32) (param $n i32) (param $dl i32) (param $c0 i32) (param $c1 i32)
    (local $c i32) (local $i i32) (local $sb i32) (local $rc i32) (local $ri i32) (local $r v128) (local $mci f64) (local $co i32)
    (local.set $sb (i32.shl (local.get $s) (i32.const 3)))
    (local.set $c (local.get $c0))
    (block $colsdone
      (loop $cols
        (br_if $colsdone (i32.ge_u (local.get $c) (local.get $c1)))
        (local.set $co (i32.shl (local.get $c) (i32.const 3)))
        (local.set $rc (i32.add (local.get $a) (i32.mul (local.get $c) (local.get $sb))))
        (f64.store (i32.add (local.get $rc) (local.get $co))
          (f64.div (f64.const 1) (f64.load (i32.add (local.get $dl) (local.get $co)))))
        (local.set $i (i32.add (local.get $c) (i32.const 1)))
        (block $pairsdone
          (loop $pairs
            (br_if $pairsdone (i32.ge_u (i32.add (local.get $i) (i32.const 1)) (local.get $n)))
            (local.set $ri (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $sb))))
            (local.set $r (call $dot1x2 (i32.add (local.get $rc) (local.get $co)) (i32.add (local.get $ri) (local.get $co))
              (i32.add (i32.add (local.get $ri) (local.get $sb)) (local.get $co)) (i32.sub (local.get $i) (local.get $c))))
            (local.set $mci
              (f64.div (f64.neg (f64x2.extract_lane 0 (local.get $r)))
                (f64.load (i32.add (local.get $dl) (i32.shl (local.get $i) (i32.const 3))))))
            (f64.store (i32.add (local.get $rc) (i32.shl (local.get $i) (i32.const 3))) (local.get $mci))
            (f64.store offset=8 (i32.add (local.get $rc) (i32.shl (local.get $i) (i32.const 3)))
              (f64.div
                (f64.neg (f64.add (f64x2.extract_lane 1 (local.get $r))
                  (f64.mul (f64.load (i32.add (i32.add (local.get $ri) (local.get $sb)) (i32.shl (local.get $i) (i32.const 3)))) (local.get $mci))))
                (f64.load offset=8 (i32.add (local.get $dl) (i32.shl (local.get $i) (i32.const 3))))))
            (local.set $i (i32.add (local.get $i) (i32.const 2)))
            (br $pairs)))
        (if (i32.lt_u (local.get $i) (local.get $n))
          (then
            (local.set $ri (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $sb))))
            (local.set $r (call $dot1x2 (i32.add (local.get $rc) (local.get $co)) (i32.add (local.get $ri) (local.get $co))
              (i32.add (local.get $ri) (local.get $co)) (i32.sub (local.get $i) (local.get $c))))
            (f64.store (i32.add (local.get $rc) (i32.shl (local.get $i) (i32.const 3)))
              (f64.div (f64.neg (f64x2.extract_lane 0 (local.get $r)))
                (f64.load (i32.add (local.get $dl) (i32.shl (local.get $i) (i32.const 3))))))))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $cols)))) 

  ;; Rows [r0, r1) of P = MᵀM... as P[r][b] = M[r][b:n]·M[b][b:n] for b ≥ r (M holds (L⁻¹)ᵀ, so this
  ;; is L⁻ᵀL⁻¹ = A⁻¹): P[r][b] goes to the strict lower triangle at [b][r], P[r][r] to pd[r].
  (func (export "gram_inv") (param $a i32) (param $s i32) (param $n i32) (param $pd i32) (param $r0 i32) (param $r1 i32)
    (local $row i32) (local $b i32) (local $sb i32) (local $ra i32) (local $rb i32) (local $off i32) (local $ro i32) (local $r v128) (local $pab f64)
    (local.set $sb (i32.shl (local.get $s) (i32.const 3)))
    (local.set $row (local.get $r0))
    (block $rowsdone
      (loop $rows
        (br_if $rowsdone (i32.ge_u (local.get $row) (local.get $r1)))
        (local.set $ra (i32.add (local.get $a) (i32.mul (local.get $row) (local.get $sb))))
        (local.set $ro (i32.shl (local.get $row) (i32.const 3)))
        (local.set $b (local.get $row))
        (block $pairsdone
          (loop $pairs
            (br_if $pairsdone (i32.ge_u (i32.add (local.get $b) (i32.const 1)) (local.get $n)))
            (local.set $rb (i32.add (local.get $a) (i32.mul (local.get $b) (local.get $sb))))
            (local.set $off (i32.shl (i32.add (local.get $b) (i32.const 1)) (i32.const 3)))
            (local.set $r (call $dot1x2 (i32.add (local.get $ra) (local.get $off)) (i32.add (local.get $rb) (local.get $off))
              (i32.add (i32.add (local.get $rb) (local.get $sb)) (local.get $off)) (i32.sub (i32.sub (local.get $n) (local.get $b)) (i32.const 1))))
            (local.set $pab
              (f64.add (f64x2.extract_lane 0 (local.get $r))
                (f64.mul (f64.load (i32.add (local.get $ra) (i32.shl (local.get $b) (i32.const 3))))
                  (f64.load (i32.add (local.get $rb) (i32.shl (local.get $b) (i32.const 3)))))))
            (if (i32.eq (local.get $b) (local.get $row))
              (then (f64.store (i32.add (local.get $pd) (local.get $ro)) (local.get $pab)))
              (else (f64.store (i32.add (local.get $rb) (local.get $ro)) (local.get $pab))))
            (f64.store (i32.add (i32.add (local.get $rb) (local.get $sb)) (local.get $ro)) (f64x2.extract_lane 1 (local.get $r)))
            (local.set $b (i32.add (local.get $b) (i32.const 2)))
            (br $pairs)))
        (if (i32.lt_u (local.get $b) (local.get $n))
          (then
            (local.set $rb (i32.add (local.get $a) (i32.mul (local.get $b) (local.get $sb))))
            (local.set $pab
              (f64.mul (f64.load (i32.add (local.get $ra) (i32.shl (local.get $b) (i32.const 3))))
                (f64.load (i32.add (local.get $rb) (i32.shl (local.get $b) (i32.const 3))))))
            (if (i32.eq (local.get $b) (local.get $row))
              (then (f64.store (i32.add (local.get $pd) (local.get $ro)) (local.get $pab)))
              (else (f64.store (i32.add (local.get $rb) (local.get $ro)) (local.get $pab))))))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $rows))))
)
