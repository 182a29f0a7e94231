;; scores[i] = dot(Y[i, 0:k], x) for every item i, with 128-bit SIMD.
;; This is the hot loop of every iALS recommend(): 10k items x 64 factors per request.
;; Four independent accumulators hide the add latency; k must be a multiple of 16.
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
        (br $items)))))
