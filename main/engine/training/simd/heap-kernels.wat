;; SIMD kernels that work on TensorFlow.js's wasm heap: instantiated with the backend's own
;; memory, so they read and write tensors in place. Arguments are byte offsets into that memory.
;; Built into heap-kernels.ts by scripts/build-wasm-kernels.mjs (npm run build:kernels).
(module
  (import "env" "memory" (memory 0))

  ;; MaxPoolGrad for 2×2 windows, stride 2, no padding, NHWC float32 with C % 4 == 0.
  ;; Every window's gradient goes to its first maximum in row-major order (as the cpu backend);
  ;; all four window positions are written, so dx needs zeroing only where windows do not reach
  ;; (an odd last row or column), which the caller does.
  (func (export "maxpool_grad_2x2")
    (param $x i32) (param $g i32) (param $dx i32)
    (param $B i32) (param $H i32) (param $W i32) (param $C i32) (param $OH i32) (param $OW i32)
    (local $cb i32) (local $row i32) (local $dxoff i32)
    (local $n i32) (local $oh i32) (local $ow i32) (local $c i32)
    (local $r0 i32) (local $a i32) (local $p i32) (local $q i32) (local $gi i32)
    (local $v00 v128) (local $v01 v128) (local $v10 v128) (local $v11 v128)
    (local $m1 v128) (local $m2 v128) (local $m3 v128) (local $best v128) (local $gv v128)
    (local.set $cb (i32.shl (local.get $C) (i32.const 2)))
    (local.set $row (i32.mul (local.get $W) (local.get $cb)))
    (local.set $dxoff (i32.sub (local.get $dx) (local.get $x)))
    (local.set $gi (local.get $g))
    (local.set $n (i32.const 0))
    (block $n_end (loop $n_loop
      (br_if $n_end (i32.ge_u (local.get $n) (local.get $B)))
      (local.set $oh (i32.const 0))
      (block $oh_end (loop $oh_loop
        (br_if $oh_end (i32.ge_u (local.get $oh) (local.get $OH)))
        ;; r0 = x + (n·H + 2·oh)·row
        (local.set $r0 (i32.add (local.get $x)
          (i32.mul (i32.add (i32.mul (local.get $n) (local.get $H)) (i32.shl (local.get $oh) (i32.const 1))) (local.get $row))))
        (local.set $ow (i32.const 0))
        (block $ow_end (loop $ow_loop
          (br_if $ow_end (i32.ge_u (local.get $ow) (local.get $OW)))
          (local.set $a (i32.add (local.get $r0) (i32.mul (i32.shl (local.get $ow) (i32.const 1)) (local.get $cb))))
          (local.set $c (i32.const 0))
          (block $c_end (loop $c_loop
            (br_if $c_end (i32.ge_u (local.get $c) (local.get $cb)))
            (local.set $p (i32.add (local.get $a) (local.get $c)))
            (local.set $v00 (v128.load (local.get $p)))
            (local.set $v01 (v128.load (i32.add (local.get $p) (local.get $cb))))
            (local.set $v10 (v128.load (i32.add (local.get $p) (local.get $row))))
            (local.set $v11 (v128.load (i32.add (i32.add (local.get $p) (local.get $row)) (local.get $cb))))
            ;; m_k: position k beats every earlier one (strictly greater keeps the first of ties)
            (local.set $m1 (f32x4.gt (local.get $v01) (local.get $v00)))
            (local.set $best (v128.bitselect (local.get $v01) (local.get $v00) (local.get $m1)))
            (local.set $m2 (f32x4.gt (local.get $v10) (local.get $best)))
            (local.set $best (v128.bitselect (local.get $v10) (local.get $best) (local.get $m2)))
            (local.set $m3 (f32x4.gt (local.get $v11) (local.get $best)))
            (local.set $gv (v128.load (local.get $gi)))
            (local.set $q (i32.add (local.get $p) (local.get $dxoff)))
            ;; the winner is the last k whose m_k is set, else position 0
            (v128.store (i32.add (i32.add (local.get $q) (local.get $row)) (local.get $cb))
              (v128.and (local.get $gv) (local.get $m3)))
            (v128.store (i32.add (local.get $q) (local.get $row))
              (v128.andnot (v128.and (local.get $gv) (local.get $m2)) (local.get $m3)))
            (local.set $m2 (v128.or (local.get $m2) (local.get $m3)))
            (v128.store (i32.add (local.get $q) (local.get $cb))
              (v128.andnot (v128.and (local.get $gv) (local.get $m1)) (local.get $m2)))
            (v128.store (local.get $q)
              (v128.andnot (local.get $gv) (v128.or (local.get $m1) (local.get $m2))))
            (local.set $gi (i32.add (local.get $gi) (i32.const 16)))
            (local.set $c (i32.add (local.get $c) (i32.const 16)))
            (br $c_loop)))
          (local.set $ow (i32.add (local.get $ow) (i32.const 1)))
          (br $ow_loop)))
        (local.set $oh (i32.add (local.get $oh) (i32.const 1)))
        (br $oh_loop)))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $n_loop)))
  )

  ;; out[c] = Σ_r x[r·C + c] for a float32 [rows, C] block with C % 4 == 0 (a bias gradient: the
  ;; sum over batch and space). Partial sums over blocks of 64 rows keep float32 rounding small.
  (func (export "sum_rows")
    (param $x i32) (param $out i32) (param $rows i32) (param $C i32) (param $tmp i32)
    (local $cb i32) (local $p i32) (local $end i32) (local $blockEnd i32) (local $c i32)
    (local.set $cb (i32.shl (local.get $C) (i32.const 2)))
    (memory.fill (local.get $out) (i32.const 0) (local.get $cb))
    (local.set $p (local.get $x))
    (local.set $end (i32.add (local.get $x) (i32.mul (local.get $rows) (local.get $cb))))
    (block $done (loop $blocks
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      ;; tmp = Σ of up to 64 rows, then out += tmp
      (memory.fill (local.get $tmp) (i32.const 0) (local.get $cb))
      (local.set $blockEnd (i32.add (local.get $p) (i32.shl (local.get $cb) (i32.const 6))))
      (if (i32.gt_u (local.get $blockEnd) (local.get $end)) (then (local.set $blockEnd (local.get $end))))
      (block $rows_done (loop $rows_loop
        (br_if $rows_done (i32.ge_u (local.get $p) (local.get $blockEnd)))
        (local.set $c (i32.const 0))
        (block $c_end (loop $c_loop
          (br_if $c_end (i32.ge_u (local.get $c) (local.get $cb)))
          (v128.store (i32.add (local.get $tmp) (local.get $c))
            (f32x4.add (v128.load (i32.add (local.get $tmp) (local.get $c))) (v128.load (i32.add (local.get $p) (local.get $c)))))
          (local.set $c (i32.add (local.get $c) (i32.const 16)))
          (br $c_loop)))
        (local.set $p (i32.add (local.get $p) (local.get $cb)))
        (br $rows_loop)))
      (local.set $c (i32.const 0))
      (block $c2_end (loop $c2_loop
        (br_if $c2_end (i32.ge_u (local.get $c) (local.get $cb)))
        (v128.store (i32.add (local.get $out) (local.get $c))
          (f32x4.add (v128.load (i32.add (local.get $out) (local.get $c))) (v128.load (i32.add (local.get $tmp) (local.get $c)))))
        (local.set $c (i32.add (local.get $c) (i32.const 16)))
        (br $c2_loop)))
      (br $blocks)))
  )
)
