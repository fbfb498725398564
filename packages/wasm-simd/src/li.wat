;; leaky's LI layer in WebAssembly SIMD128: the fused update over time and x·Wᵀ.
;;
;; The update is Norse's forward Euler step in Norse's order, one IEEE float32 operation at a time
;; (f32x4 add/sub/mul, never a fused multiply-add), so every lane rounds exactly as the js backend's
;; Math.fround chain does and the results are bit-identical:
;;
;;     j = i + x;  v = v + a·((vLeak − v) + j);  i = j − b·j;  out = v
;;
;; Time-blocked: a chunk of 16 neurons (four vectors) keeps v and i in registers for TILE time steps,
;; so a neuron-step moves only the 8 bytes it must (read x, write v). x and out are [steps, ·] with rows
;; `stride` floats apart, so a caller can hand in a tile of a larger sequence. The state is read from
;; vIn/iIn and the final state written to vOut/iOut (they may be the same arrays).
;;
;; build-wasm.mjs compiles this file twice: with a shared memory (threads: Node, cross-origin-isolated
;; pages) and with a plain one; the line marked MEMORY is the only difference.
(module
  (import "env" "memory" (memory 1 65536)) ;; MEMORY

  ;; Time steps a chunk walks with its state in registers.
  (global $TILE i32 (i32.const 8))

  ;; Scalar parameters (a = dt·tauMemInv, b = dt·tauSynInv, vl = vLeak), `count` neurons.
  (func (export "li_scalar")
    (param $x i32) (param $out i32) (param $stride i32)
    (param $vIn i32) (param $iIn i32) (param $vOut i32) (param $iOut i32)
    (param $count i32) (param $steps i32)
    (param $a f32) (param $b f32) (param $vl f32)
    (local $A v128) (local $B v128) (local $VL v128)
    (local $t0 i32) (local $tb i32) (local $n i32) (local $s i32)
    (local $px i32) (local $po i32) (local $row i32)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)
    (local $i0 v128) (local $i1 v128) (local $i2 v128) (local $i3 v128)
    (local $j v128) (local $vs f32) (local $is f32) (local $js f32) (local $noleak i32)
    (local.set $noleak (f32.eq (local.get $vl) (f32.const 0)))
    (local.set $A (f32x4.splat (local.get $a)))
    (local.set $B (f32x4.splat (local.get $b)))
    (local.set $VL (f32x4.splat (local.get $vl)))
    (local.set $row (i32.shl (local.get $stride) (i32.const 2)))
    (block $done
      (loop $tiles
        (br_if $done (i32.ge_u (local.get $t0) (local.get $steps)))
        (local.set $tb (i32.sub (local.get $steps) (local.get $t0)))
        (if (i32.gt_u (local.get $tb) (global.get $TILE)) (then (local.set $tb (global.get $TILE))))
        ;; chunks of 16 neurons
        (local.set $n (i32.const 0))
        (block $end16
          (loop $chunks16
            (br_if $end16 (i32.gt_u (i32.add (local.get $n) (i32.const 16)) (local.get $count)))
            (local.set $px (i32.add (local.get $vIn) (i32.shl (local.get $n) (i32.const 2))))
            (local.set $v0 (v128.load offset=0 (local.get $px)))
            (local.set $v1 (v128.load offset=16 (local.get $px)))
            (local.set $v2 (v128.load offset=32 (local.get $px)))
            (local.set $v3 (v128.load offset=48 (local.get $px)))
            (local.set $px (i32.add (local.get $iIn) (i32.shl (local.get $n) (i32.const 2))))
            (local.set $i0 (v128.load offset=0 (local.get $px)))
            (local.set $i1 (v128.load offset=16 (local.get $px)))
            (local.set $i2 (v128.load offset=32 (local.get $px)))
            (local.set $i3 (v128.load offset=48 (local.get $px)))
            (local.set $px (i32.add (local.get $x)
              (i32.shl (i32.add (i32.mul (local.get $t0) (local.get $stride)) (local.get $n)) (i32.const 2))))
            (local.set $po (i32.add (local.get $out)
              (i32.shl (i32.add (i32.mul (local.get $t0) (local.get $stride)) (local.get $n)) (i32.const 2))))
            (local.set $s (local.get $tb))
            ;; vLeak = ±0 (Norse's default): (vLeak − v) + j is j − v, the same bits for every v and j
            ;; (0 − v is −v exactly; signed zeros checked case by case), one add of five fewer: the
            ;; loop is bound by the two f32x4 add pipes.
            (if (local.get $noleak)
              (then
                (loop $walk16z
                  (local.set $j (f32x4.add (local.get $i0) (v128.load offset=0 (local.get $px))))
                  (local.set $v0 (f32x4.add (local.get $v0) (f32x4.mul (local.get $A)
                    (f32x4.sub (local.get $j) (local.get $v0)))))
                  (local.set $i0 (f32x4.sub (local.get $j) (f32x4.mul (local.get $B) (local.get $j))))
                  (v128.store offset=0 (local.get $po) (local.get $v0))
                  (local.set $j (f32x4.add (local.get $i1) (v128.load offset=16 (local.get $px))))
                  (local.set $v1 (f32x4.add (local.get $v1) (f32x4.mul (local.get $A)
                    (f32x4.sub (local.get $j) (local.get $v1)))))
                  (local.set $i1 (f32x4.sub (local.get $j) (f32x4.mul (local.get $B) (local.get $j))))
                  (v128.store offset=16 (local.get $po) (local.get $v1))
                  (local.set $j (f32x4.add (local.get $i2) (v128.load offset=32 (local.get $px))))
                  (local.set $v2 (f32x4.add (local.get $v2) (f32x4.mul (local.get $A)
                    (f32x4.sub (local.get $j) (local.get $v2)))))
                  (local.set $i2 (f32x4.sub (local.get $j) (f32x4.mul (local.get $B) (local.get $j))))
                  (v128.store offset=32 (local.get $po) (local.get $v2))
                  (local.set $j (f32x4.add (local.get $i3) (v128.load offset=48 (local.get $px))))
                  (local.set $v3 (f32x4.add (local.get $v3) (f32x4.mul (local.get $A)
                    (f32x4.sub (local.get $j) (local.get $v3)))))
                  (local.set $i3 (f32x4.sub (local.get $j) (f32x4.mul (local.get $B) (local.get $j))))
                  (v128.store offset=48 (local.get $po) (local.get $v3))
                  (local.set $px (i32.add (local.get $px) (local.get $row)))
                  (local.set $po (i32.add (local.get $po) (local.get $row)))
                  (local.set $s (i32.sub (local.get $s) (i32.const 1)))
                  (br_if $walk16z (local.get $s)))
              )
              (else
                (loop $walk16
                  (local.set $j (f32x4.add (local.get $i0) (v128.load offset=0 (local.get $px))))
                  (local.set $v0 (f32x4.add (local.get $v0) (f32x4.mul (local.get $A)
                    (f32x4.add (f32x4.sub (local.get $VL) (local.get $v0)) (local.get $j)))))
                  (local.set $i0 (f32x4.sub (local.get $j) (f32x4.mul (local.get $B) (local.get $j))))
                  (v128.store offset=0 (local.get $po) (local.get $v0))
                  (local.set $j (f32x4.add (local.get $i1) (v128.load offset=16 (local.get $px))))
                  (local.set $v1 (f32x4.add (local.get $v1) (f32x4.mul (local.get $A)
                    (f32x4.add (f32x4.sub (local.get $VL) (local.get $v1)) (local.get $j)))))
                  (local.set $i1 (f32x4.sub (local.get $j) (f32x4.mul (local.get $B) (local.get $j))))
                  (v128.store offset=16 (local.get $po) (local.get $v1))
                  (local.set $j (f32x4.add (local.get $i2) (v128.load offset=32 (local.get $px))))
                  (local.set $v2 (f32x4.add (local.get $v2) (f32x4.mul (local.get $A)
                    (f32x4.add (f32x4.sub (local.get $VL) (local.get $v2)) (local.get $j)))))
                  (local.set $i2 (f32x4.sub (local.get $j) (f32x4.mul (local.get $B) (local.get $j))))
                  (v128.store offset=32 (local.get $po) (local.get $v2))
                  (local.set $j (f32x4.add (local.get $i3) (v128.load offset=48 (local.get $px))))
                  (local.set $v3 (f32x4.add (local.get $v3) (f32x4.mul (local.get $A)
                    (f32x4.add (f32x4.sub (local.get $VL) (local.get $v3)) (local.get $j)))))
                  (local.set $i3 (f32x4.sub (local.get $j) (f32x4.mul (local.get $B) (local.get $j))))
                  (v128.store offset=48 (local.get $po) (local.get $v3))
                  (local.set $px (i32.add (local.get $px) (local.get $row)))
                  (local.set $po (i32.add (local.get $po) (local.get $row)))
                  (local.set $s (i32.sub (local.get $s) (i32.const 1)))
                  (br_if $walk16 (local.get $s)))
              ))
            (local.set $px (i32.add (local.get $vOut) (i32.shl (local.get $n) (i32.const 2))))
            (v128.store offset=0 (local.get $px) (local.get $v0))
            (v128.store offset=16 (local.get $px) (local.get $v1))
            (v128.store offset=32 (local.get $px) (local.get $v2))
            (v128.store offset=48 (local.get $px) (local.get $v3))
            (local.set $px (i32.add (local.get $iOut) (i32.shl (local.get $n) (i32.const 2))))
            (v128.store offset=0 (local.get $px) (local.get $i0))
            (v128.store offset=16 (local.get $px) (local.get $i1))
            (v128.store offset=32 (local.get $px) (local.get $i2))
            (v128.store offset=48 (local.get $px) (local.get $i3))
            (local.set $n (i32.add (local.get $n) (i32.const 16)))
            (br $chunks16)))
        ;; chunks of 4
        (block $end4
          (loop $chunks4
            (br_if $end4 (i32.gt_u (i32.add (local.get $n) (i32.const 4)) (local.get $count)))
            (local.set $v0 (v128.load (i32.add (local.get $vIn) (i32.shl (local.get $n) (i32.const 2)))))
            (local.set $i0 (v128.load (i32.add (local.get $iIn) (i32.shl (local.get $n) (i32.const 2)))))
            (local.set $px (i32.add (local.get $x)
              (i32.shl (i32.add (i32.mul (local.get $t0) (local.get $stride)) (local.get $n)) (i32.const 2))))
            (local.set $po (i32.add (local.get $out)
              (i32.shl (i32.add (i32.mul (local.get $t0) (local.get $stride)) (local.get $n)) (i32.const 2))))
            (local.set $s (local.get $tb))
            (loop $walk4
              (local.set $j (f32x4.add (local.get $i0) (v128.load (local.get $px))))
              (local.set $v0 (f32x4.add (local.get $v0) (f32x4.mul (local.get $A)
                (f32x4.add (f32x4.sub (local.get $VL) (local.get $v0)) (local.get $j)))))
              (local.set $i0 (f32x4.sub (local.get $j) (f32x4.mul (local.get $B) (local.get $j))))
              (v128.store (local.get $po) (local.get $v0))
              (local.set $px (i32.add (local.get $px) (local.get $row)))
              (local.set $po (i32.add (local.get $po) (local.get $row)))
              (local.set $s (i32.sub (local.get $s) (i32.const 1)))
              (br_if $walk4 (local.get $s)))
            (v128.store (i32.add (local.get $vOut) (i32.shl (local.get $n) (i32.const 2))) (local.get $v0))
            (v128.store (i32.add (local.get $iOut) (i32.shl (local.get $n) (i32.const 2))) (local.get $i0))
            (local.set $n (i32.add (local.get $n) (i32.const 4)))
            (br $chunks4)))
        ;; the last 0–3 neurons, one at a time
        (block $end1
          (loop $chunks1
            (br_if $end1 (i32.ge_u (local.get $n) (local.get $count)))
            (local.set $vs (f32.load (i32.add (local.get $vIn) (i32.shl (local.get $n) (i32.const 2)))))
            (local.set $is (f32.load (i32.add (local.get $iIn) (i32.shl (local.get $n) (i32.const 2)))))
            (local.set $px (i32.add (local.get $x)
              (i32.shl (i32.add (i32.mul (local.get $t0) (local.get $stride)) (local.get $n)) (i32.const 2))))
            (local.set $po (i32.add (local.get $out)
              (i32.shl (i32.add (i32.mul (local.get $t0) (local.get $stride)) (local.get $n)) (i32.const 2))))
            (local.set $s (local.get $tb))
            (loop $walk1
              (local.set $js (f32.add (local.get $is) (f32.load (local.get $px))))
              (local.set $vs (f32.add (local.get $vs) (f32.mul (local.get $a)
                (f32.add (f32.sub (local.get $vl) (local.get $vs)) (local.get $js)))))
              (local.set $is (f32.sub (local.get $js) (f32.mul (local.get $b) (local.get $js))))
              (f32.store (local.get $po) (local.get $vs))
              (local.set $px (i32.add (local.get $px) (local.get $row)))
              (local.set $po (i32.add (local.get $po) (local.get $row)))
              (local.set $s (i32.sub (local.get $s) (i32.const 1)))
              (br_if $walk1 (local.get $s)))
            (f32.store (i32.add (local.get $vOut) (i32.shl (local.get $n) (i32.const 2))) (local.get $vs))
            (f32.store (i32.add (local.get $iOut) (i32.shl (local.get $n) (i32.const 2))) (local.get $is))
            (local.set $n (i32.add (local.get $n) (i32.const 1)))
            (br $chunks1)))
        ;; the next tile starts from the state this one left
        (local.set $vIn (local.get $vOut))
        (local.set $iIn (local.get $iOut))
        (local.set $t0 (i32.add (local.get $t0) (global.get $TILE)))
        (br $tiles))))

  ;; Per-neuron parameters: a, b, vl are arrays of `count` floats at pa, pb, pvl. `rows` rows of
  ;; `count` neurons lie one after another in x, out and the state (batch dims); every row uses the
  ;; same parameters.
  (func (export "li_vector")
    (param $x i32) (param $out i32) (param $stride i32)
    (param $vIn i32) (param $iIn i32) (param $vOut i32) (param $iOut i32)
    (param $count i32) (param $rows i32) (param $steps i32)
    (param $pa i32) (param $pb i32) (param $pvl i32)
    (local $r i32) (local $bytes i32)
    (local.set $bytes (i32.shl (local.get $count) (i32.const 2)))
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
        (call $li_row (local.get $x) (local.get $out) (local.get $stride)
          (local.get $vIn) (local.get $iIn) (local.get $vOut) (local.get $iOut)
          (local.get $count) (local.get $steps) (local.get $pa) (local.get $pb) (local.get $pvl))
        (local.set $x (i32.add (local.get $x) (local.get $bytes)))
        (local.set $out (i32.add (local.get $out) (local.get $bytes)))
        (local.set $vIn (i32.add (local.get $vIn) (local.get $bytes)))
        (local.set $iIn (i32.add (local.get $iIn) (local.get $bytes)))
        (local.set $vOut (i32.add (local.get $vOut) (local.get $bytes)))
        (local.set $iOut (i32.add (local.get $iOut) (local.get $bytes)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $each))))

  ;; li_scalar with the parameters read per neuron (from L1: they are reloaded each step to leave the
  ;; registers to the state).
  (func $li_row
    (param $x i32) (param $out i32) (param $stride i32)
    (param $vIn i32) (param $iIn i32) (param $vOut i32) (param $iOut i32)
    (param $count i32) (param $steps i32)
    (param $pa i32) (param $pb i32) (param $pvl i32)
    (local $t0 i32) (local $tb i32) (local $n i32) (local $s i32)
    (local $px i32) (local $po i32) (local $row i32) (local $c i32)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)
    (local $i0 v128) (local $i1 v128) (local $i2 v128) (local $i3 v128)
    (local $j v128) (local $vs f32) (local $is f32) (local $js f32)
    (local $as f32) (local $bs f32) (local $vls f32)
    (local.set $row (i32.shl (local.get $stride) (i32.const 2)))
    (block $done
      (loop $tiles
        (br_if $done (i32.ge_u (local.get $t0) (local.get $steps)))
        (local.set $tb (i32.sub (local.get $steps) (local.get $t0)))
        (if (i32.gt_u (local.get $tb) (global.get $TILE)) (then (local.set $tb (global.get $TILE))))
        (local.set $n (i32.const 0))
        (block $end16
          (loop $chunks16
            (br_if $end16 (i32.gt_u (i32.add (local.get $n) (i32.const 16)) (local.get $count)))
            (local.set $c (i32.shl (local.get $n) (i32.const 2)))
            (local.set $px (i32.add (local.get $vIn) (local.get $c)))
            (local.set $v0 (v128.load offset=0 (local.get $px)))
            (local.set $v1 (v128.load offset=16 (local.get $px)))
            (local.set $v2 (v128.load offset=32 (local.get $px)))
            (local.set $v3 (v128.load offset=48 (local.get $px)))
            (local.set $px (i32.add (local.get $iIn) (local.get $c)))
            (local.set $i0 (v128.load offset=0 (local.get $px)))
            (local.set $i1 (v128.load offset=16 (local.get $px)))
            (local.set $i2 (v128.load offset=32 (local.get $px)))
            (local.set $i3 (v128.load offset=48 (local.get $px)))
            (local.set $px (i32.add (local.get $x)
              (i32.shl (i32.add (i32.mul (local.get $t0) (local.get $stride)) (local.get $n)) (i32.const 2))))
            (local.set $po (i32.add (local.get $out)
              (i32.shl (i32.add (i32.mul (local.get $t0) (local.get $stride)) (local.get $n)) (i32.const 2))))
            (local.set $s (local.get $tb))
            (loop $walk16
              (local.set $j (f32x4.add (local.get $i0) (v128.load offset=0 (local.get $px))))
              (local.set $v0 (f32x4.add (local.get $v0)
                (f32x4.mul (v128.load offset=0 (i32.add (local.get $pa) (local.get $c)))
                  (f32x4.add (f32x4.sub (v128.load offset=0 (i32.add (local.get $pvl) (local.get $c)))
                    (local.get $v0)) (local.get $j)))))
              (local.set $i0 (f32x4.sub (local.get $j)
                (f32x4.mul (v128.load offset=0 (i32.add (local.get $pb) (local.get $c))) (local.get $j))))
              (v128.store offset=0 (local.get $po) (local.get $v0))
              (local.set $j (f32x4.add (local.get $i1) (v128.load offset=16 (local.get $px))))
              (local.set $v1 (f32x4.add (local.get $v1)
                (f32x4.mul (v128.load offset=16 (i32.add (local.get $pa) (local.get $c)))
                  (f32x4.add (f32x4.sub (v128.load offset=16 (i32.add (local.get $pvl) (local.get $c)))
                    (local.get $v1)) (local.get $j)))))
              (local.set $i1 (f32x4.sub (local.get $j)
                (f32x4.mul (v128.load offset=16 (i32.add (local.get $pb) (local.get $c))) (local.get $j))))
              (v128.store offset=16 (local.get $po) (local.get $v1))
              (local.set $j (f32x4.add (local.get $i2) (v128.load offset=32 (local.get $px))))
              (local.set $v2 (f32x4.add (local.get $v2)
                (f32x4.mul (v128.load offset=32 (i32.add (local.get $pa) (local.get $c)))
                  (f32x4.add (f32x4.sub (v128.load offset=32 (i32.add (local.get $pvl) (local.get $c)))
                    (local.get $v2)) (local.get $j)))))
              (local.set $i2 (f32x4.sub (local.get $j)
                (f32x4.mul (v128.load offset=32 (i32.add (local.get $pb) (local.get $c))) (local.get $j))))
              (v128.store offset=32 (local.get $po) (local.get $v2))
              (local.set $j (f32x4.add (local.get $i3) (v128.load offset=48 (local.get $px))))
              (local.set $v3 (f32x4.add (local.get $v3)
                (f32x4.mul (v128.load offset=48 (i32.add (local.get $pa) (local.get $c)))
                  (f32x4.add (f32x4.sub (v128.load offset=48 (i32.add (local.get $pvl) (local.get $c)))
                    (local.get $v3)) (local.get $j)))))
              (local.set $i3 (f32x4.sub (local.get $j)
                (f32x4.mul (v128.load offset=48 (i32.add (local.get $pb) (local.get $c))) (local.get $j))))
              (v128.store offset=48 (local.get $po) (local.get $v3))
              (local.set $px (i32.add (local.get $px) (local.get $row)))
              (local.set $po (i32.add (local.get $po) (local.get $row)))
              (local.set $s (i32.sub (local.get $s) (i32.const 1)))
              (br_if $walk16 (local.get $s)))
            (local.set $px (i32.add (local.get $vOut) (local.get $c)))
            (v128.store offset=0 (local.get $px) (local.get $v0))
            (v128.store offset=16 (local.get $px) (local.get $v1))
            (v128.store offset=32 (local.get $px) (local.get $v2))
            (v128.store offset=48 (local.get $px) (local.get $v3))
            (local.set $px (i32.add (local.get $iOut) (local.get $c)))
            (v128.store offset=0 (local.get $px) (local.get $i0))
            (v128.store offset=16 (local.get $px) (local.get $i1))
            (v128.store offset=32 (local.get $px) (local.get $i2))
            (v128.store offset=48 (local.get $px) (local.get $i3))
            (local.set $n (i32.add (local.get $n) (i32.const 16)))
            (br $chunks16)))
        (block $end1
          (loop $chunks1
            (br_if $end1 (i32.ge_u (local.get $n) (local.get $count)))
            (local.set $c (i32.shl (local.get $n) (i32.const 2)))
            (local.set $vs (f32.load (i32.add (local.get $vIn) (local.get $c))))
            (local.set $is (f32.load (i32.add (local.get $iIn) (local.get $c))))
            (local.set $as (f32.load (i32.add (local.get $pa) (local.get $c))))
            (local.set $bs (f32.load (i32.add (local.get $pb) (local.get $c))))
            (local.set $vls (f32.load (i32.add (local.get $pvl) (local.get $c))))
            (local.set $px (i32.add (local.get $x)
              (i32.shl (i32.add (i32.mul (local.get $t0) (local.get $stride)) (local.get $n)) (i32.const 2))))
            (local.set $po (i32.add (local.get $out)
              (i32.shl (i32.add (i32.mul (local.get $t0) (local.get $stride)) (local.get $n)) (i32.const 2))))
            (local.set $s (local.get $tb))
            (loop $walk1
              (local.set $js (f32.add (local.get $is) (f32.load (local.get $px))))
              (local.set $vs (f32.add (local.get $vs) (f32.mul (local.get $as)
                (f32.add (f32.sub (local.get $vls) (local.get $vs)) (local.get $js)))))
              (local.set $is (f32.sub (local.get $js) (f32.mul (local.get $bs) (local.get $js))))
              (f32.store (local.get $po) (local.get $vs))
              (local.set $px (i32.add (local.get $px) (local.get $row)))
              (local.set $po (i32.add (local.get $po) (local.get $row)))
              (local.set $s (i32.sub (local.get $s) (i32.const 1)))
              (br_if $walk1 (local.get $s)))
            (f32.store (i32.add (local.get $vOut) (local.get $c)) (local.get $vs))
            (f32.store (i32.add (local.get $iOut) (local.get $c)) (local.get $is))
            (local.set $n (i32.add (local.get $n) (i32.const 1)))
            (br $chunks1)))
        (local.set $vIn (local.get $vOut))
        (local.set $iIn (local.get $iOut))
        (local.set $t0 (i32.add (local.get $t0) (global.get $TILE)))
        (br $tiles))))

  ;; out[m, :] = x[m, :]·Wᵀ for `rows` rows of K inputs and N outputs. wt is Wᵀ packed in panels of
  ;; 32 outputs (packWeights in layer.ts): panel p, at wt + p·K·128 bytes, holds outputs 32p..32p+31
  ;; as K rows of 128 bytes (row k: W[32p.., k]), zero past N. Every load of wt below is contiguous or
  ;; 128 bytes after the last one; W's own rows (N·4 bytes apart: 4 KiB at N = 1024) would all fall
  ;; in one L1 set.
  ;; Every sum runs over k in increasing order in float32 from +0 (as a plain loop would).
  ;; Spikes as events: a row whose input has at most `sparseLimit` non-zeros accumulates only the rows
  ;; of wt for its active inputs (the event-driven update); a zero input adds ±0, which changes no sum,
  ;; so both paths give the same bits (unless W holds ±Inf or NaN, where 0·Inf would be NaN).
  ;; Dense rows go in blocks of 32: for each 8 outputs, four rows at a time walk k with 8 accumulators
  ;; in registers, so each 32-byte load of wt serves four rows.
  ;; `idx` is scratch for 2·K + 32 int32: a row's active inputs (their byte offsets in a panel), their
  ;; values, then the block's dense rows.
  (func (export "project")
    (param $x i32) (param $rows i32) (param $K i32) (param $wt i32) (param $N i32) (param $out i32)
    (param $idx i32) (param $sparseLimit i32)
    (local $vals i32) (local $dense i32) (local $xBytes i32) (local $rowBytes i32) (local $panelBytes i32)
    (local $m0 i32) (local $mb i32) (local $m i32) (local $kb i32) (local $nnz i32) (local $xr i32)
    (local $v f32) (local $nd i32) (local $last i32) (local $n i32) (local $q i32) (local $stripe i32)
    (local $ra i32) (local $rb i32) (local $rc i32) (local $rd i32) (local $on i32) (local $bits i32)
    (local $ones i32)
    (local.set $xBytes (i32.shl (local.get $K) (i32.const 2)))
    (local.set $vals (i32.add (local.get $idx) (local.get $xBytes)))
    (local.set $dense (i32.add (local.get $vals) (local.get $xBytes)))
    (local.set $rowBytes (i32.shl (local.get $N) (i32.const 2)))
    (local.set $panelBytes (i32.shl (local.get $K) (i32.const 7)))
    (block $done
      (loop $blocks
        (br_if $done (i32.ge_u (local.get $m0) (local.get $rows)))
        (local.set $mb (i32.sub (local.get $rows) (local.get $m0)))
        (if (i32.gt_u (local.get $mb) (i32.const 32)) (then (local.set $mb (i32.const 32))))
        ;; sparse rows now, dense rows listed
        (local.set $nd (i32.const 0))
        (local.set $m (local.get $m0))
        (block $listed
          (loop $each
            (br_if $listed (i32.ge_u (local.get $m) (i32.add (local.get $m0) (local.get $mb))))
            (local.set $xr (i32.add (local.get $x) (i32.mul (local.get $m) (local.get $xBytes))))
            ;; the active inputs: a bitmask of 16 inputs at a time, then one store per set bit, so the
            ;; branches are per group and per active input, not per input (spikes would mispredict)
            (local.set $nnz (i32.const 0))
            (local.set $kb (i32.const 0))
            (local.set $ones (i32.const 1))
            (block $grouped
              (loop $group
                (br_if $grouped (i32.gt_u (i32.add (local.get $kb) (i32.const 64)) (local.get $xBytes)))
                (local.set $q (i32.add (local.get $xr) (local.get $kb)))
                (local.set $bits (i32.or
                  (i32.or
                    (i32x4.bitmask (f32x4.ne (v128.load offset=0 (local.get $q)) (v128.const f32x4 0 0 0 0)))
                    (i32.shl (i32x4.bitmask (f32x4.ne (v128.load offset=16 (local.get $q)) (v128.const f32x4 0 0 0 0)))
                      (i32.const 4)))
                  (i32.or
                    (i32.shl (i32x4.bitmask (f32x4.ne (v128.load offset=32 (local.get $q)) (v128.const f32x4 0 0 0 0)))
                      (i32.const 8))
                    (i32.shl (i32x4.bitmask (f32x4.ne (v128.load offset=48 (local.get $q)) (v128.const f32x4 0 0 0 0)))
                      (i32.const 12)))))
                (block $noneLeft
                  (loop $set
                    (br_if $noneLeft (i32.eqz (local.get $bits)))
                    (local.set $q (i32.add (local.get $kb) (i32.shl (i32.ctz (local.get $bits)) (i32.const 2))))
                    (local.set $on (i32.shl (local.get $nnz) (i32.const 2)))
                    (i32.store (i32.add (local.get $idx) (local.get $on)) (i32.shl (local.get $q) (i32.const 5)))
                    (local.set $v (f32.load (i32.add (local.get $xr) (local.get $q))))
                    (f32.store (i32.add (local.get $vals) (local.get $on)) (local.get $v))
                    (local.set $ones (i32.and (local.get $ones) (f32.eq (local.get $v) (f32.const 1))))
                    (local.set $nnz (i32.add (local.get $nnz) (i32.const 1)))
                    (local.set $bits (i32.and (local.get $bits) (i32.sub (local.get $bits) (i32.const 1))))
                    (br $set)))
                (local.set $kb (i32.add (local.get $kb) (i32.const 64)))
                (br $group)))
            ;; the last K mod 16, one at a time
            (block $gathered
              (loop $gather
                (br_if $gathered (i32.ge_u (local.get $kb) (local.get $xBytes)))
                (local.set $v (f32.load (i32.add (local.get $xr) (local.get $kb))))
                (call $note (local.get $idx) (local.get $vals) (local.get $nnz) (local.get $kb) (local.get $v))
                (local.set $nnz (i32.add (local.get $nnz) (f32.ne (local.get $v) (f32.const 0))))
                (local.set $ones (i32.and (local.get $ones)
                  (i32.or (f32.eq (local.get $v) (f32.const 0)) (f32.eq (local.get $v) (f32.const 1)))))
                (local.set $kb (i32.add (local.get $kb) (i32.const 4)))
                (br $gather)))
            (if (i32.le_u (local.get $nnz) (local.get $sparseLimit))
              (then
                (call $row_sparse (local.get $idx) (local.get $vals) (local.get $nnz) (local.get $ones) (local.get $wt)
                  (local.get $panelBytes) (local.get $N)
                  (i32.add (local.get $out) (i32.mul (local.get $m) (local.get $rowBytes)))))
              (else
                (i32.store (i32.add (local.get $dense) (i32.shl (local.get $nd) (i32.const 2))) (local.get $m))
                (local.set $nd (i32.add (local.get $nd) (i32.const 1)))))
            (local.set $m (i32.add (local.get $m) (i32.const 1)))
            (br $each)))
        (if (local.get $nd)
          (then
            (local.set $last (i32.sub (local.get $nd) (i32.const 1)))
            ;; stripes of 8 outputs: outputs n.. are in panel n/32, 4·(n mod 32) bytes into its rows
            (local.set $n (i32.const 0))
            (block $cols
              (loop $stripes
                (br_if $cols (i32.ge_u (local.get $n) (local.get $N)))
                (local.set $stripe (i32.add (local.get $wt)
                  (i32.add (i32.mul (i32.shr_u (local.get $n) (i32.const 5)) (local.get $panelBytes))
                    (i32.shl (i32.and (local.get $n) (i32.const 31)) (i32.const 2)))))
                (local.set $on (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 2))))
                (local.set $q (i32.const 0))
                (block $quads
                  (loop $quad
                    (br_if $quads (i32.ge_u (local.get $q) (local.get $nd)))
                    ;; four rows; past the end, the last row again (same values to the same place)
                    (local.set $ra (call $listed_row (local.get $dense) (local.get $q) (local.get $last)))
                    (local.set $rb (call $listed_row (local.get $dense) (i32.add (local.get $q) (i32.const 1)) (local.get $last)))
                    (local.set $rc (call $listed_row (local.get $dense) (i32.add (local.get $q) (i32.const 2)) (local.get $last)))
                    (local.set $rd (call $listed_row (local.get $dense) (i32.add (local.get $q) (i32.const 3)) (local.get $last)))
                    (call $quad8
                      (i32.add (local.get $x) (i32.mul (local.get $ra) (local.get $xBytes)))
                      (i32.add (local.get $x) (i32.mul (local.get $rb) (local.get $xBytes)))
                      (i32.add (local.get $x) (i32.mul (local.get $rc) (local.get $xBytes)))
                      (i32.add (local.get $x) (i32.mul (local.get $rd) (local.get $xBytes)))
                      (local.get $K) (local.get $stripe)
                      (i32.add (local.get $on) (i32.mul (local.get $ra) (local.get $rowBytes)))
                      (i32.add (local.get $on) (i32.mul (local.get $rb) (local.get $rowBytes)))
                      (i32.add (local.get $on) (i32.mul (local.get $rc) (local.get $rowBytes)))
                      (i32.add (local.get $on) (i32.mul (local.get $rd) (local.get $rowBytes)))
                      (i32.sub (local.get $N) (local.get $n)))
                    (local.set $q (i32.add (local.get $q) (i32.const 4)))
                    (br $quad)))
                (local.set $n (i32.add (local.get $n) (i32.const 8)))
                (br $stripes)))))
        (local.set $m0 (i32.add (local.get $m0) (i32.const 32)))
        (br $blocks))))

;; Active input number `nnz`, at byte `kb` of its row, with value v: its row's offset in a panel
  ;; (k·128 bytes) and v.
  (func $note (param $idx i32) (param $vals i32) (param $nnz i32) (param $kb i32) (param $v f32)
    (i32.store (i32.add (local.get $idx) (i32.shl (local.get $nnz) (i32.const 2))) (i32.shl (local.get $kb) (i32.const 5)))
    (f32.store (i32.add (local.get $vals) (i32.shl (local.get $nnz) (i32.const 2))) (local.get $v)))

  ;; The q-th listed row, or the last one past the end.
  (func $listed_row (param $dense i32) (param $q i32) (param $last i32) (result i32)
    (i32.load (i32.add (local.get $dense)
      (i32.shl (select (local.get $q) (local.get $last) (i32.le_u (local.get $q) (local.get $last))) (i32.const 2)))))

  ;; The 8 outputs of stripe pw (rows 128 bytes apart) for four rows xa..xd into oa..od, of which
  ;; the first `valid` are stored: 8 accumulators.
  (func $quad8
    (param $xa i32) (param $xb i32) (param $xc i32) (param $xd i32) (param $K i32) (param $pw i32)
    (param $oa i32) (param $ob i32) (param $oc i32) (param $od i32) (param $valid i32)
    (local $o i32) (local $end i32) (local $w0 v128) (local $w1 v128) (local $s v128)
    (local $a0 v128) (local $a1 v128) (local $b0 v128) (local $b1 v128)
    (local $c0 v128) (local $c1 v128) (local $d0 v128) (local $d1 v128)
    (local.set $end (i32.shl (local.get $K) (i32.const 2)))
    (block $endk
      (loop $ks
        (br_if $endk (i32.ge_u (local.get $o) (local.get $end)))
        (local.set $w0 (v128.load offset=0 (local.get $pw)))
        (local.set $w1 (v128.load offset=16 (local.get $pw)))
        (local.set $s (v128.load32_splat (i32.add (local.get $xa) (local.get $o))))
        (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $s) (local.get $w0))))
        (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $s) (local.get $w1))))
        (local.set $s (v128.load32_splat (i32.add (local.get $xb) (local.get $o))))
        (local.set $b0 (f32x4.add (local.get $b0) (f32x4.mul (local.get $s) (local.get $w0))))
        (local.set $b1 (f32x4.add (local.get $b1) (f32x4.mul (local.get $s) (local.get $w1))))
        (local.set $s (v128.load32_splat (i32.add (local.get $xc) (local.get $o))))
        (local.set $c0 (f32x4.add (local.get $c0) (f32x4.mul (local.get $s) (local.get $w0))))
        (local.set $c1 (f32x4.add (local.get $c1) (f32x4.mul (local.get $s) (local.get $w1))))
        (local.set $s (v128.load32_splat (i32.add (local.get $xd) (local.get $o))))
        (local.set $d0 (f32x4.add (local.get $d0) (f32x4.mul (local.get $s) (local.get $w0))))
        (local.set $d1 (f32x4.add (local.get $d1) (f32x4.mul (local.get $s) (local.get $w1))))
        (local.set $pw (i32.add (local.get $pw) (i32.const 128)))
        (local.set $o (i32.add (local.get $o) (i32.const 4)))
        (br $ks)))
    (if (i32.ge_u (local.get $valid) (i32.const 8))
      (then
        (v128.store offset=0 (local.get $oa) (local.get $a0))
        (v128.store offset=16 (local.get $oa) (local.get $a1))
        (v128.store offset=0 (local.get $ob) (local.get $b0))
        (v128.store offset=16 (local.get $ob) (local.get $b1))
        (v128.store offset=0 (local.get $oc) (local.get $c0))
        (v128.store offset=16 (local.get $oc) (local.get $c1))
        (v128.store offset=0 (local.get $od) (local.get $d0))
        (v128.store offset=16 (local.get $od) (local.get $d1))
        (return)))
    (call $store8 (local.get $oa) (local.get $valid) (local.get $a0) (local.get $a1))
    (call $store8 (local.get $ob) (local.get $valid) (local.get $b0) (local.get $b1))
    (call $store8 (local.get $oc) (local.get $valid) (local.get $c0) (local.get $c1))
    (call $store8 (local.get $od) (local.get $valid) (local.get $d0) (local.get $d1)))

  ;; The first `count` of the 8 floats lo|hi to p (all 8 from 8 up, none below 1): outputs past N
  ;; are never written, since they would land on the next row's.
  (func $store8 (param $p i32) (param $count i32) (param $lo v128) (param $hi v128)
    (if (i32.ge_s (local.get $count) (i32.const 8))
      (then
        (v128.store offset=0 (local.get $p) (local.get $lo))
        (v128.store offset=16 (local.get $p) (local.get $hi))
        (return)))
    (if (i32.le_s (local.get $count) (i32.const 0)) (then (return)))
    (if (i32.ge_s (local.get $count) (i32.const 4))
      (then
        (v128.store (local.get $p) (local.get $lo))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (local.set $count (i32.sub (local.get $count) (i32.const 4)))
        (local.set $lo (local.get $hi))))
    (if (i32.gt_s (local.get $count) (i32.const 0))
      (then (f32.store offset=0 (local.get $p) (f32x4.extract_lane 0 (local.get $lo)))))
    (if (i32.gt_s (local.get $count) (i32.const 1))
      (then (f32.store offset=4 (local.get $p) (f32x4.extract_lane 1 (local.get $lo)))))
    (if (i32.gt_s (local.get $count) (i32.const 2))
      (then (f32.store offset=8 (local.get $p) (f32x4.extract_lane 2 (local.get $lo))))))

;; One row from its `nnz` active inputs (byte offsets into a panel at idx, values at vals), 16
  ;; outputs (half a panel) at a time in four registers: TurboFan issues a loop's loads before its
  ;; arithmetic, so more accumulators than this would spill. Where every active input is 1 (spikes),
  ;; the rows of wt are added without the multiply: 1·w is w, so the bits are the same.
  (func $row_sparse
    (param $idx i32) (param $vals i32) (param $nnz i32) (param $ones i32) (param $wt i32) (param $panelBytes i32)
    (param $N i32) (param $or i32)
    (local $n i32) (local $q i32) (local $end i32) (local $pw i32) (local $s v128)
    (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128)
    (local.set $end (i32.shl (local.get $nnz) (i32.const 2)))
    (block $halves
      (loop $half
        (br_if $halves (i32.ge_u (local.get $n) (local.get $N)))
        (local.set $c0 (v128.const f32x4 0 0 0 0))
        (local.set $c1 (v128.const f32x4 0 0 0 0))
        (local.set $c2 (v128.const f32x4 0 0 0 0))
        (local.set $c3 (v128.const f32x4 0 0 0 0))
        (local.set $q (i32.const 0))
        (if (local.get $ones)
          (then
            (block $endSpikes
              (loop $spikes
                (br_if $endSpikes (i32.ge_u (local.get $q) (local.get $end)))
                (local.set $pw (i32.add (local.get $wt) (i32.load (i32.add (local.get $idx) (local.get $q)))))
                (local.set $c0 (f32x4.add (local.get $c0) (v128.load offset=0 (local.get $pw))))
                (local.set $c1 (f32x4.add (local.get $c1) (v128.load offset=16 (local.get $pw))))
                (local.set $c2 (f32x4.add (local.get $c2) (v128.load offset=32 (local.get $pw))))
                (local.set $c3 (f32x4.add (local.get $c3) (v128.load offset=48 (local.get $pw))))
                (local.set $q (i32.add (local.get $q) (i32.const 4)))
                (br $spikes))))
          (else
            (block $endq
              (loop $qs
                (br_if $endq (i32.ge_u (local.get $q) (local.get $end)))
                (local.set $s (v128.load32_splat (i32.add (local.get $vals) (local.get $q))))
                (local.set $pw (i32.add (local.get $wt) (i32.load (i32.add (local.get $idx) (local.get $q)))))
                (local.set $c0 (f32x4.add (local.get $c0) (f32x4.mul (local.get $s) (v128.load offset=0 (local.get $pw)))))
                (local.set $c1 (f32x4.add (local.get $c1) (f32x4.mul (local.get $s) (v128.load offset=16 (local.get $pw)))))
                (local.set $c2 (f32x4.add (local.get $c2) (f32x4.mul (local.get $s) (v128.load offset=32 (local.get $pw)))))
                (local.set $c3 (f32x4.add (local.get $c3) (f32x4.mul (local.get $s) (v128.load offset=48 (local.get $pw)))))
                (local.set $q (i32.add (local.get $q) (i32.const 4)))
                (br $qs)))))
        (if (i32.ge_u (i32.sub (local.get $N) (local.get $n)) (i32.const 16))
          (then
            (v128.store offset=0 (local.get $or) (local.get $c0))
            (v128.store offset=16 (local.get $or) (local.get $c1))
            (v128.store offset=32 (local.get $or) (local.get $c2))
            (v128.store offset=48 (local.get $or) (local.get $c3)))
          (else
            (call $store8 (local.get $or) (i32.sub (local.get $N) (local.get $n)) (local.get $c0) (local.get $c1))
            (call $store8 (i32.add (local.get $or) (i32.const 32)) (i32.sub (i32.sub (local.get $N) (local.get $n)) (i32.const 8))
              (local.get $c2) (local.get $c3))))
        (local.set $or (i32.add (local.get $or) (i32.const 64)))
        (local.set $n (i32.add (local.get $n) (i32.const 16)))
        ;; the second half is 64 bytes into the panel's rows, the next panel's first half K·128 on
        (local.set $wt (i32.add (local.get $wt)
          (select (i32.const 64) (i32.sub (local.get $panelBytes) (i32.const 64))
            (i32.and (local.get $n) (i32.const 16)))))
        (br $half))))
)
