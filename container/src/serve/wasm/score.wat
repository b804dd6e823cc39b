;; Scores every item for one user: out[i] = bias[i] + dot(user, items[i]), f32x4 SIMD.
;; Item rows and the user vector are zero-padded to a multiple of 16 floats; $blocks = padded / 16.
;; Four accumulators keep four independent add chains in flight. Built by build.mjs into ../score-wasm.generated.ts.
(module
  (import "env" "memory" (memory 1))
  (func (export "score") (param $items i32) (param $bias i32) (param $user i32) (param $out i32) (param $n i32) (param $blocks i32)
    (local $i i32) (local $b i32) (local $u i32) (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (block $done
      (loop $item
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $a0 (v128.const i32x4 0 0 0 0))
        (local.set $a1 (v128.const i32x4 0 0 0 0))
        (local.set $a2 (v128.const i32x4 0 0 0 0))
        (local.set $a3 (v128.const i32x4 0 0 0 0))
        (local.set $u (local.get $user))
        (local.set $b (local.get $blocks))
        (loop $block
          (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (v128.load offset=0 align=4 (local.get $items)) (v128.load offset=0 align=4 (local.get $u)))))
          (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (v128.load offset=16 align=4 (local.get $items)) (v128.load offset=16 align=4 (local.get $u)))))
          (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (v128.load offset=32 align=4 (local.get $items)) (v128.load offset=32 align=4 (local.get $u)))))
          (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (v128.load offset=48 align=4 (local.get $items)) (v128.load offset=48 align=4 (local.get $u)))))
          (local.set $items (i32.add (local.get $items) (i32.const 64)))
          (local.set $u (i32.add (local.get $u) (i32.const 64)))
          (br_if $block (local.tee $b (i32.sub (local.get $b) (i32.const 1)))))
        (local.set $a0 (f32x4.add (f32x4.add (local.get $a0) (local.get $a1)) (f32x4.add (local.get $a2) (local.get $a3))))
        (f32.store align=4 (local.get $out)
          (f32.add
            (f32.load align=4 (local.get $bias))
            (f32.add
              (f32.add (f32x4.extract_lane 0 (local.get $a0)) (f32x4.extract_lane 1 (local.get $a0)))
              (f32.add (f32x4.extract_lane 2 (local.get $a0)) (f32x4.extract_lane 3 (local.get $a0))))))
        (local.set $bias (i32.add (local.get $bias) (i32.const 4)))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $item)))))
