;; scores[i] = dot(Y[i, 0:k], x) for every item i, with 128-bit SIMD.
;; This is the hot loop of every iALS recommend(): 10k items x 64 factors per request.
;; Four independent accumulators hide the add latency; k must be a multiple of 16.
;;
;; "scores_t" and "scores_batch_t" work on the item factors transposed in groups of four items
;; (for each group, for each factor f, the four items' values: one v128), so one vector holds four
;; items' scores and needs no horizontal sum. "scores_batch_t" scores four users against eight items
;; per step: each item load serves four users and each user load eight items, and a block of
;; item rows stays in L1 while all users of the batch pass over it. Both add x[f]·y[i,f] for
;; f = 0..k-1 in order into one accumulator per (user, item), so a batch gives bit for bit the
;; scores of single calls. The item count is padded to a multiple of sixteen with zero rows.
;; Build: npm run build:wasm (writes score-wasm.ts, the binary as base64).
(module
  (memory (export "memory") 1)
  (func (export "scores") (param $y i32) (param $x i32) (param $out i32) (param $n i32) (param $k i32)
    (local $i i32) (local $f i32) (local $row i32) (local $kb i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $s v128)
    (local.set $kb (i32.shl (local.get $k) (i32.const 2)))
    (local.set $row (local.get $y))
    (block $done
      (loop $items
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $a0 (v128.const f32x4 0 0 0 0))
        (local.set $a1 (v128.const f32x4 0 0 0 0))
        (local.set $a2 (v128.const f32x4 0 0 0 0))
        (local.set $a3 (v128.const f32x4 0 0 0 0))
        (local.set $f (i32.const 0))
        (block $fdone
          (loop $factors
            (br_if $fdone (i32.ge_u (local.get $f) (local.get $kb)))
            (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul
              (v128.load (i32.add (local.get $row) (local.get $f)))
              (v128.load (i32.add (local.get $x) (local.get $f))))))
            (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul
              (v128.load offset=16 (i32.add (local.get $row) (local.get $f)))
              (v128.load offset=16 (i32.add (local.get $x) (local.get $f))))))
            (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul
              (v128.load offset=32 (i32.add (local.get $row) (local.get $f)))
              (v128.load offset=32 (i32.add (local.get $x) (local.get $f))))))
            (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul
              (v128.load offset=48 (i32.add (local.get $row) (local.get $f)))
              (v128.load offset=48 (i32.add (local.get $x) (local.get $f))))))
            (local.set $f (i32.add (local.get $f) (i32.const 64)))
            (br $factors)))
        (local.set $s (f32x4.add (f32x4.add (local.get $a0) (local.get $a1)) (f32x4.add (local.get $a2) (local.get $a3))))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2)))
          (f32.add
            (f32.add (f32x4.extract_lane 0 (local.get $s)) (f32x4.extract_lane 1 (local.get $s)))
            (f32.add (f32x4.extract_lane 2 (local.get $s)) (f32x4.extract_lane 3 (local.get $s)))))
        (local.set $row (i32.add (local.get $row) (local.get $kb)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $items))))
;; out[u*n + i] for u < b (a multiple of 4), i < n (a multiple of 8); vt transposed as above.
  (func (export "scores_batch_t") (param $vt i32) (param $xs i32) (param $out i32) (param $n i32) (param $k i32) (param $b i32)
    (local $p i32) (local $u i32) (local $f i32) (local $fx i32) (local $kb i32) (local $gb i32) (local $rowb i32)
    (local $g i32) (local $g2 i32) (local $o i32) (local $x0 i32) (local $x1 i32) (local $x2 i32) (local $x3 i32)
    (local $va v128) (local $vb v128) (local $x v128)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128) (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local.set $kb (i32.shl (local.get $k) (i32.const 2)))
    (local.set $gb (i32.shl (local.get $k) (i32.const 4)))
    (local.set $rowb (i32.shl (local.get $n) (i32.const 2)))
    (block $pairsdone
      (loop $pairs
        (br_if $pairsdone (i32.ge_u (i32.shl (local.get $p) (i32.const 3)) (local.get $n)))
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
            (local.set $o (i32.add (local.get $out)
              (i32.shl (i32.add (i32.mul (local.get $u) (local.get $n)) (i32.shl (local.get $p) (i32.const 3))) (i32.const 2))))
        (v128.store offset=0 (i32.add (local.get $o) (i32.mul (i32.const 0) (local.get $rowb))) (local.get $c00))
        (v128.store offset=16 (i32.add (local.get $o) (i32.mul (i32.const 0) (local.get $rowb))) (local.get $c01))
        (v128.store offset=0 (i32.add (local.get $o) (i32.mul (i32.const 1) (local.get $rowb))) (local.get $c10))
        (v128.store offset=16 (i32.add (local.get $o) (i32.mul (i32.const 1) (local.get $rowb))) (local.get $c11))
        (v128.store offset=0 (i32.add (local.get $o) (i32.mul (i32.const 2) (local.get $rowb))) (local.get $c20))
        (v128.store offset=16 (i32.add (local.get $o) (i32.mul (i32.const 2) (local.get $rowb))) (local.get $c21))
        (v128.store offset=0 (i32.add (local.get $o) (i32.mul (i32.const 3) (local.get $rowb))) (local.get $c30))
        (v128.store offset=16 (i32.add (local.get $o) (i32.mul (i32.const 3) (local.get $rowb))) (local.get $c31))
            (local.set $u (i32.add (local.get $u) (i32.const 4)))
            (br $users)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $pairs))))
  ;; out[i] for one user: the same arithmetic as one row of scores_batch_t, sixteen items per step
  ;; (four independent accumulators hide the add latency).
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
)
