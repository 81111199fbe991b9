;; qst compute kernels: block Gibbs sampling of an RBM, the exact float64 PCD gradient, and exact
;; enumeration of the free energies.
;;
;; Assembled by `node src/kernels/assemble.mjs` (wabt) into src/kernels/kernels-wasm.ts, which the
;; loader (src/kernels/wasm.ts) compiles once per process. Only WebAssembly SIMD (f32x4/f64x2) and
;; shared memory (threads) are used, both on by default in Node ≥ 20; nothing here calls back into JS.
;;
;; The central trick ("method of four Russians"). Units are 0/1, so a layer's activations are sums of
;; rows of W selected by the 1s. Group the input units in fours; for every group g precompute its 16
;; subset sums  T[g][m] = Σ_{b ∈ m} W[4g+b, :]  (the bias is folded into group 0). An activation
;; vector is then Σ_g T[g][m_g] where m_g is the 4-bit pattern of group g: nIn/4 row additions
;; instead of nIn multiply-adds, with no data-dependent branches. A sampled 4-lane f32x4 comparison
;; yields that 4-bit pattern directly (i32x4.bitmask), so chain states are kept as per-group byte
;; offsets into the next half-step's table.
;;
;; Context structs (ctx, gctx, ectx) are laid out in src/kernels/abi.mjs, the one place that fixes
;; them: a field is read as `offset={ctx.vOff} (local.get $ctx)`, which assemble.mjs turns into the
;; byte offset.
;;
;; Conventions: every "offs" array holds, per group g, the byte offset g*16*rowBytes + m*rowBytes of
;; the selected row in its table; rows are padded to a multiple of 4 units with zeros.
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; ------------------------------------------------------------------------------------------
  ;; Peak arithmetic throughput for reference: 12 independent f32x4 mul+add chains (no FMA).
  ;; n iterations = n * 12 * 8 flops.
  (func (export "peak_f32") (param $n i32) (result f32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $a4 v128) (local $a5 v128)
    (local $a6 v128) (local $a7 v128) (local $a8 v128) (local $a9 v128) (local $a10 v128) (local $a11 v128)
    (local $m v128) (local $c v128)
    (local.set $m (f32x4.splat (f32.const 0.999999)))
    (local.set $c (f32x4.splat (f32.const 0.000001)))
    (loop $L
      (local.set $a0 (f32x4.add (f32x4.mul (local.get $a0) (local.get $m)) (local.get $c)))
      (local.set $a1 (f32x4.add (f32x4.mul (local.get $a1) (local.get $m)) (local.get $c)))
      (local.set $a2 (f32x4.add (f32x4.mul (local.get $a2) (local.get $m)) (local.get $c)))
      (local.set $a3 (f32x4.add (f32x4.mul (local.get $a3) (local.get $m)) (local.get $c)))
      (local.set $a4 (f32x4.add (f32x4.mul (local.get $a4) (local.get $m)) (local.get $c)))
      (local.set $a5 (f32x4.add (f32x4.mul (local.get $a5) (local.get $m)) (local.get $c)))
      (local.set $a6 (f32x4.add (f32x4.mul (local.get $a6) (local.get $m)) (local.get $c)))
      (local.set $a7 (f32x4.add (f32x4.mul (local.get $a7) (local.get $m)) (local.get $c)))
      (local.set $a8 (f32x4.add (f32x4.mul (local.get $a8) (local.get $m)) (local.get $c)))
      (local.set $a9 (f32x4.add (f32x4.mul (local.get $a9) (local.get $m)) (local.get $c)))
      (local.set $a10 (f32x4.add (f32x4.mul (local.get $a10) (local.get $m)) (local.get $c)))
      (local.set $a11 (f32x4.add (f32x4.mul (local.get $a11) (local.get $m)) (local.get $c)))
      (br_if $L (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (f32x4.extract_lane 0
      (f32x4.add
        (f32x4.add (f32x4.add (f32x4.add (local.get $a0) (local.get $a1)) (f32x4.add (local.get $a2) (local.get $a3)))
                   (f32x4.add (f32x4.add (local.get $a4) (local.get $a5)) (f32x4.add (local.get $a6) (local.get $a7))))
        (f32x4.add (f32x4.add (local.get $a8) (local.get $a9)) (f32x4.add (local.get $a10) (local.get $a11))))))

  ;; Peak for the table-lookup shape: the same load+add inner loop as the sweep (8 accumulators), on a
  ;; table slice that stays in L1 (all offsets 0). n iterations = n * 8 * 4 adds.
  (func (export "peak_lut") (param $T i32) (param $n i32) (result f32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (loop $L
      (local.set $a0 (f32x4.add (local.get $a0) (v128.load offset=0 (local.get $T))))
      (local.set $a1 (f32x4.add (local.get $a1) (v128.load offset=16 (local.get $T))))
      (local.set $a2 (f32x4.add (local.get $a2) (v128.load offset=32 (local.get $T))))
      (local.set $a3 (f32x4.add (local.get $a3) (v128.load offset=48 (local.get $T))))
      (local.set $a4 (f32x4.add (local.get $a4) (v128.load offset=64 (local.get $T))))
      (local.set $a5 (f32x4.add (local.get $a5) (v128.load offset=80 (local.get $T))))
      (local.set $a6 (f32x4.add (local.get $a6) (v128.load offset=96 (local.get $T))))
      (local.set $a7 (f32x4.add (local.get $a7) (v128.load offset=112 (local.get $T))))
      (br_if $L (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (f32x4.extract_lane 0
      (f32x4.add (f32x4.add (f32x4.add (local.get $a0) (local.get $a1)) (f32x4.add (local.get $a2) (local.get $a3)))
                 (f32x4.add (f32x4.add (local.get $a4) (local.get $a5)) (f32x4.add (local.get $a6) (local.get $a7))))))

  ;; ------------------------------------------------------------------------------------------
  ;; Sampler: context ctx (src/kernels/abi.mjs). Padding units have bias −1e30 in bf/cf, weights 0.

  ;; k sweeps v → h → v of chains [c0, c1); A is this thread's scratch (8 × 4·max(gV,gH) floats).
  ;; Each half-step of a chain:
  ;;   A = Σ_g T[in[g]]  (subset-sum rows; blocks of 8, 4, 2 and 1 vectors of accumulators), then
  ;;   for every vector of 4 units: r = s0 + s3 (xoshiro128+, top 23 bits used),
  ;;   u = (2 floor(r/2^9) + 1)·2^−24 ∈ (0, 1), e = 2^t ≈ e^{−a} with t = clamp(−a log2 e, ±126)
  ;;   (t = n + f, |f| ≤ 1/2, 2^f = 1 + f·Q(f) with Q of degree 4: relative error ≤ 2e−7 in float32;
  ;;   computed as (1/2 + f·Q(f)/2)·2^(n+1), which is exactly the same number),
  ;;   on ⇔ u·(1 + e) < 1, and the 4-bit outcome m gives out[q] = q·16·rowOut + m·rowOut.
  ;; Padding units have bias −1e30 (t clamps to 126, so u·(1 + e) > 1): they are never on.
  (func $sweep (export "sweep") (param $ctx i32) (param $c0 i32) (param $c1 i32) (param $k i32) (param $A i32)
    (local $gV i32) (local $gH i32) (local $Th i32) (local $Tv i32) (local $rowH i32) (local $rowV i32)
    (local $c i32) (local $s i32) (local $phase i32)
    (local $vo i32) (local $ho i32) (local $ro i32)
    (local $T i32) (local $in i32) (local $nG i32) (local $nVec i32) (local $out i32)
    (local $rowOut i32) (local $gStrideOut i32)
    (local $jb i32) (local $end i32) (local $p i32) (local $pend i32) (local $base i32) (local $addr i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128) (local $t v128) (local $u v128)
    (local $x v128) (local $y v128) (local $f v128) (local $e v128)
    (local $q i32) (local $m i32) (local $goff i32) (local $ap i32)
    (local $cb i32) (local $ce i32) (local $Ac i32) (local $astride i32) (local $apEnd i32)
    (local.set $gV (i32.load offset={ctx.gV} (local.get $ctx)))
    (local.set $gH (i32.load offset={ctx.gH} (local.get $ctx)))
    (local.set $Th (i32.load offset={ctx.Th} (local.get $ctx)))
    (local.set $Tv (i32.load offset={ctx.Tv} (local.get $ctx)))
    (local.set $rowH (i32.shl (local.get $gH) (i32.const 4)))   ;; bytes per Th row: 4gH floats
    (local.set $rowV (i32.shl (local.get $gV) (i32.const 4)))   ;; bytes per Tv row
    (local.set $astride (i32.shl (select (local.get $gV) (local.get $gH) (i32.gt_u (local.get $gV) (local.get $gH))) (i32.const 4)))
    ;; Chains go in batches of 8, interleaved half-step by half-step: one chain's half-step is a
    ;; serial chain of dependent operations, and interleaving lets independent chains overlap.
    (local.set $cb (local.get $c0))
    (block $cbdone
      (loop $CB
        (br_if $cbdone (i32.ge_u (local.get $cb) (local.get $c1)))
        (local.set $ce (select (i32.add (local.get $cb) (i32.const 8)) (local.get $c1)
                               (i32.lt_u (i32.add (local.get $cb) (i32.const 8)) (local.get $c1))))
        (local.set $s (i32.const 0))
        (block $sdone
          (loop $S
            (br_if $sdone (i32.ge_u (local.get $s) (local.get $k)))
            (local.set $phase (i32.const 0))
            (loop $PH
              (local.set $c (local.get $cb))
              (loop $C
              (local.set $vo (i32.add (i32.load offset={ctx.vOff} (local.get $ctx))
                (i32.mul (local.get $c) (i32.shl (local.get $gV) (i32.const 2)))))
              (local.set $ho (i32.add (i32.load offset={ctx.hOff} (local.get $ctx))
                (i32.mul (local.get $c) (i32.shl (local.get $gH) (i32.const 2)))))
              (local.set $ro (i32.add (i32.load offset={ctx.rng} (local.get $ctx))
                (i32.shl (local.get $c) (i32.const 6))))
              (local.set $Ac (i32.add (local.get $A) (i32.mul (i32.sub (local.get $c) (local.get $cb)) (local.get $astride))))
              (if (i32.eqz (local.get $phase))
                (then
                  (local.set $T (local.get $Th)) (local.set $in (local.get $vo)) (local.set $nG (local.get $gV))
                  (local.set $nVec (local.get $gH)) (local.set $out (local.get $ho))
                  (local.set $rowOut (local.get $rowV)))
                (else
                  (local.set $T (local.get $Tv)) (local.set $in (local.get $ho)) (local.set $nG (local.get $gH))
                  (local.set $nVec (local.get $gV)) (local.set $out (local.get $vo))
                  (local.set $rowOut (local.get $rowH))))
              (local.set $gStrideOut (i32.shl (local.get $rowOut) (i32.const 4)))
              ;; ---------------- activations: A[0 .. nVec) = Σ_g T[in[g]]
              (local.set $end (i32.shl (local.get $nVec) (i32.const 4)))
              (local.set $pend (i32.add (local.get $in) (i32.shl (local.get $nG) (i32.const 2))))
              (local.set $jb (i32.const 0))
              (block $done8
                (loop $B8
                  (br_if $done8 (i32.gt_u (i32.add (local.get $jb) (i32.const 128)) (local.get $end)))
                  (local.set $base (i32.add (local.get $T) (local.get $jb)))
                  (local.set $p (local.get $in))
                  (local.set $addr (i32.add (local.get $base) (i32.load (local.get $p))))
                  (local.set $a0 (v128.load offset=0 (local.get $addr)))
                  (local.set $a1 (v128.load offset=16 (local.get $addr)))
                  (local.set $a2 (v128.load offset=32 (local.get $addr)))
                  (local.set $a3 (v128.load offset=48 (local.get $addr)))
                  (local.set $a4 (v128.load offset=64 (local.get $addr)))
                  (local.set $a5 (v128.load offset=80 (local.get $addr)))
                  (local.set $a6 (v128.load offset=96 (local.get $addr)))
                  (local.set $a7 (v128.load offset=112 (local.get $addr)))
                  (block $g8done
                    (loop $G8
                      (br_if $g8done (i32.ge_u (local.tee $p (i32.add (local.get $p) (i32.const 4))) (local.get $pend)))
                      (local.set $addr (i32.add (local.get $base) (i32.load (local.get $p))))
                      (local.set $a0 (f32x4.add (local.get $a0) (v128.load offset=0 (local.get $addr))))
                      (local.set $a1 (f32x4.add (local.get $a1) (v128.load offset=16 (local.get $addr))))
                      (local.set $a2 (f32x4.add (local.get $a2) (v128.load offset=32 (local.get $addr))))
                      (local.set $a3 (f32x4.add (local.get $a3) (v128.load offset=48 (local.get $addr))))
                      (local.set $a4 (f32x4.add (local.get $a4) (v128.load offset=64 (local.get $addr))))
                      (local.set $a5 (f32x4.add (local.get $a5) (v128.load offset=80 (local.get $addr))))
                      (local.set $a6 (f32x4.add (local.get $a6) (v128.load offset=96 (local.get $addr))))
                      (local.set $a7 (f32x4.add (local.get $a7) (v128.load offset=112 (local.get $addr))))
                      (br $G8)))
                  (local.set $addr (i32.add (local.get $Ac) (local.get $jb)))
                  (v128.store offset=0 (local.get $addr) (local.get $a0))
                  (v128.store offset=16 (local.get $addr) (local.get $a1))
                  (v128.store offset=32 (local.get $addr) (local.get $a2))
                  (v128.store offset=48 (local.get $addr) (local.get $a3))
                  (v128.store offset=64 (local.get $addr) (local.get $a4))
                  (v128.store offset=80 (local.get $addr) (local.get $a5))
                  (v128.store offset=96 (local.get $addr) (local.get $a6))
                  (v128.store offset=112 (local.get $addr) (local.get $a7))
                  (local.set $jb (i32.add (local.get $jb) (i32.const 128)))
                  (br $B8)))
              (if (i32.le_u (i32.add (local.get $jb) (i32.const 64)) (local.get $end))
                (then
                  (local.set $base (i32.add (local.get $T) (local.get $jb)))
                  (local.set $p (local.get $in))
                  (local.set $addr (i32.add (local.get $base) (i32.load (local.get $p))))
                  (local.set $a0 (v128.load offset=0 (local.get $addr)))
                  (local.set $a1 (v128.load offset=16 (local.get $addr)))
                  (local.set $a2 (v128.load offset=32 (local.get $addr)))
                  (local.set $a3 (v128.load offset=48 (local.get $addr)))
                  (block $g4done
                    (loop $G4
                      (br_if $g4done (i32.ge_u (local.tee $p (i32.add (local.get $p) (i32.const 4))) (local.get $pend)))
                      (local.set $addr (i32.add (local.get $base) (i32.load (local.get $p))))
                      (local.set $a0 (f32x4.add (local.get $a0) (v128.load offset=0 (local.get $addr))))
                      (local.set $a1 (f32x4.add (local.get $a1) (v128.load offset=16 (local.get $addr))))
                      (local.set $a2 (f32x4.add (local.get $a2) (v128.load offset=32 (local.get $addr))))
                      (local.set $a3 (f32x4.add (local.get $a3) (v128.load offset=48 (local.get $addr))))
                      (br $G4)))
                  (local.set $addr (i32.add (local.get $Ac) (local.get $jb)))
                  (v128.store offset=0 (local.get $addr) (local.get $a0))
                  (v128.store offset=16 (local.get $addr) (local.get $a1))
                  (v128.store offset=32 (local.get $addr) (local.get $a2))
                  (v128.store offset=48 (local.get $addr) (local.get $a3))
                  (local.set $jb (i32.add (local.get $jb) (i32.const 64)))))
              (if (i32.le_u (i32.add (local.get $jb) (i32.const 32)) (local.get $end))
                (then
                  (local.set $base (i32.add (local.get $T) (local.get $jb)))
                  (local.set $p (local.get $in))
                  (local.set $addr (i32.add (local.get $base) (i32.load (local.get $p))))
                  (local.set $a0 (v128.load offset=0 (local.get $addr)))
                  (local.set $a1 (v128.load offset=16 (local.get $addr)))
                  (block $g2done
                    (loop $G2
                      (br_if $g2done (i32.ge_u (local.tee $p (i32.add (local.get $p) (i32.const 4))) (local.get $pend)))
                      (local.set $addr (i32.add (local.get $base) (i32.load (local.get $p))))
                      (local.set $a0 (f32x4.add (local.get $a0) (v128.load offset=0 (local.get $addr))))
                      (local.set $a1 (f32x4.add (local.get $a1) (v128.load offset=16 (local.get $addr))))
                      (br $G2)))
                  (local.set $addr (i32.add (local.get $Ac) (local.get $jb)))
                  (v128.store offset=0 (local.get $addr) (local.get $a0))
                  (v128.store offset=16 (local.get $addr) (local.get $a1))
                  (local.set $jb (i32.add (local.get $jb) (i32.const 32)))))
              (if (i32.lt_u (local.get $jb) (local.get $end))
                (then
                  (local.set $base (i32.add (local.get $T) (local.get $jb)))
                  (local.set $p (local.get $in))
                  (local.set $a0 (v128.load (i32.add (local.get $base) (i32.load (local.get $p)))))
                  (block $g1done
                    (loop $G1
                      (br_if $g1done (i32.ge_u (local.tee $p (i32.add (local.get $p) (i32.const 4))) (local.get $pend)))
                      (local.set $a0 (f32x4.add (local.get $a0) (v128.load (i32.add (local.get $base) (i32.load (local.get $p))))))
                      (br $G1)))
                  (v128.store (i32.add (local.get $Ac) (local.get $jb)) (local.get $a0))))
              ;; ---------------- sampling, four units at a time
              (local.set $q (local.get $out))   ;; q: where this vector's offset goes
              (local.set $goff (i32.const 0))
              (local.set $ap (local.get $Ac))
              (local.set $apEnd (i32.add (local.get $Ac) (i32.shl (local.get $nVec) (i32.const 4))))
              (local.set $s0 (v128.load offset=0 (local.get $ro)))
              (local.set $s1 (v128.load offset=16 (local.get $ro)))
              (local.set $s2 (v128.load offset=32 (local.get $ro)))
              (local.set $s3 (v128.load offset=48 (local.get $ro)))
              (loop $Q
                ;; xoshiro128+: output s0 + s3, then the state transition
                (local.set $u (i32x4.add (local.get $s0) (local.get $s3)))
                (local.set $t (i32x4.shl (local.get $s1) (i32.const 9)))
                (local.set $s2 (v128.xor (local.get $s2) (local.get $s0)))
                (local.set $s3 (v128.xor (local.get $s3) (local.get $s1)))
                (local.set $s1 (v128.xor (local.get $s1) (local.get $s2)))
                (local.set $s0 (v128.xor (local.get $s0) (local.get $s3)))
                (local.set $s2 (v128.xor (local.get $s2) (local.get $t)))
                (local.set $s3 (v128.or (i32x4.shl (local.get $s3) (i32.const 11)) (i32x4.shr_u (local.get $s3) (i32.const 21))))
                ;; u = 1.(top 23 bits) − (1 − 2^−24) = (2k + 1)·2^−24
                (local.set $u
                  (f32x4.sub
                    (v128.or (i32x4.shr_u (local.get $u) (i32.const 9)) (v128.const i32x4 0x3f800000 0x3f800000 0x3f800000 0x3f800000))
                    (v128.const i32x4 0x3f7fffff 0x3f7fffff 0x3f7fffff 0x3f7fffff)))
                ;; x = clamp(−a·log2 e, ±126); y = x + 1.5·2^23 + 128 holds n + 128, n = round(x), in its
                ;; low bits, so bits(y) << 23 is 2^(n+1); the polynomial is halved to match (exactly)
                (local.set $x
                  (f32x4.pmax
                    (f32x4.pmin
                      (f32x4.mul (v128.load (local.get $ap)) (v128.const f32x4 -1.44269504 -1.44269504 -1.44269504 -1.44269504))
                      (v128.const f32x4 126 126 126 126))
                    (v128.const f32x4 -126 -126 -126 -126)))
                (local.set $y (f32x4.add (local.get $x) (v128.const f32x4 12583040 12583040 12583040 12583040)))
                (local.set $f (f32x4.sub (local.get $x) (f32x4.sub (local.get $y) (v128.const f32x4 12583040 12583040 12583040 12583040))))
                (local.set $e (f32x4.add (f32x4.mul (v128.const f32x4 0.0006632363449505099 0.0006632363449505099 0.0006632363449505099 0.0006632363449505099) (local.get $f))
                                         (v128.const f32x4 0.0048357563302807395 0.0048357563302807395 0.0048357563302807395 0.0048357563302807395)))
                (local.set $e (f32x4.add (f32x4.mul (local.get $e) (local.get $f)) (v128.const f32x4 0.027753668721223153 0.027753668721223153 0.027753668721223153 0.027753668721223153)))
                (local.set $e (f32x4.add (f32x4.mul (local.get $e) (local.get $f)) (v128.const f32x4 0.12011121042459625 0.12011121042459625 0.12011121042459625 0.12011121042459625)))
                (local.set $e (f32x4.add (f32x4.mul (local.get $e) (local.get $f)) (v128.const f32x4 0.3465734887992356 0.3465734887992356 0.3465734887992356 0.3465734887992356)))
                (local.set $e (f32x4.add (f32x4.mul (local.get $e) (local.get $f)) (v128.const f32x4 0.5 0.5 0.5 0.5)))
                (local.set $e (f32x4.mul (local.get $e) (i32x4.shl (local.get $y) (i32.const 23))))
                (local.set $m
                  (i32x4.bitmask
                    (f32x4.lt (f32x4.mul (local.get $u) (f32x4.add (local.get $e) (v128.const f32x4 1 1 1 1)))
                              (v128.const f32x4 1 1 1 1))))
                (i32.store (local.get $q) (i32.add (local.get $goff) (i32.mul (local.get $m) (local.get $rowOut))))
                (local.set $goff (i32.add (local.get $goff) (local.get $gStrideOut)))
                (local.set $q (i32.add (local.get $q) (i32.const 4)))
                (br_if $Q (i32.lt_u (local.tee $ap (i32.add (local.get $ap) (i32.const 16))) (local.get $apEnd))))
              (v128.store offset=0 (local.get $ro) (local.get $s0))
              (v128.store offset=16 (local.get $ro) (local.get $s1))
              (v128.store offset=32 (local.get $ro) (local.get $s2))
              (v128.store offset=48 (local.get $ro) (local.get $s3))
              (br_if $C (i32.lt_u (local.tee $c (i32.add (local.get $c) (i32.const 1))) (local.get $ce))))
              (br_if $PH (i32.lt_u (local.tee $phase (i32.add (local.get $phase) (i32.const 1))) (i32.const 2))))
            (local.set $s (i32.add (local.get $s) (i32.const 1)))
            (br $S)))
        (local.set $cb (local.get $ce))
        (br $CB))))


  ;; The same sweeps for layers of at most 16 units on each side (nG, nVec ≤ 4): every output vector
  ;; is the sum of exactly R table loads, groups beyond nG reading a zero row placed just after each
  ;; table (adding +0 changes nothing, so the result is bit-identical to $sweep), and it is sampled
  ;; straight from the register. This drops the block bookkeeping that dominates tiny layers.
  ;; Two copies from one template (assemble.mjs expands it): $sweep_small4 (R = 4) for nG ≤ 4, and
  ;; $sweep_small3 (R = 3) for layers of at most 12 units on each side (nG, nVec ≤ 3), where the
  ;; fourth load would read the zero row. Dropping that +0 changes nothing that follows (a −0 sum
  ;; would become +0, and the sign of a zero is lost at the first addition of a nonzero constant,
  ;; y = x + 1.5·2^23 + 128 and e = c₅f + c₄), so the chains are bit-identical to $sweep_small4's and
  ;; $sweep's. Copies rather than a branch on nG: with the branch (or the fourth offset kept live)
  ;; V8's register allocation lost the gain, about 5 % of a sweep at N = n_h = 10 (the W1 benchmark).
  ;; @template R=4,3
  (func $sweep_small{R} (param $ctx i32) (param $c0 i32) (param $c1 i32) (param $k i32)
    (local $gV i32) (local $gH i32) (local $Th i32) (local $Tv i32) (local $rowH i32) (local $rowV i32)
    (local $c i32) (local $s i32) (local $phase i32) (local $vo i32) (local $ho i32) (local $ro i32)
    (local $T i32) (local $in i32) (local $nG i32) (local $nVec i32) (local $out i32)
    (local $rowOut i32) (local $gStrideOut i32) (local $zero i32)
    (local $o0 i32) (local $o1 i32) (local $o2 i32)
    (local $o3 i32)   ;; @if R=4
    (local $acc v128)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128) (local $t v128) (local $u v128)
    (local $x v128) (local $y v128) (local $f v128) (local $e v128)
    (local $q i32) (local $qEnd i32) (local $m i32) (local $goff i32) (local $col i32)
    (local $cb i32) (local $ce i32) (local $vOffB i32) (local $hOffB i32) (local $rngB i32)
    (local $nV i32) (local $nH i32) (local $vis i32) (local $hid i32) (local $M i32) (local $g i32)
    (local $bytes i32) (local $n i32) (local $recip i32) (local $recipV i32) (local $recipH i32)
    (local.set $gV (i32.load offset={ctx.gV} (local.get $ctx)))
    (local.set $gH (i32.load offset={ctx.gH} (local.get $ctx)))
    (local.set $Th (i32.load offset={ctx.Th} (local.get $ctx)))
    (local.set $Tv (i32.load offset={ctx.Tv} (local.get $ctx)))
    (local.set $vOffB (i32.load offset={ctx.vOff} (local.get $ctx)))
    (local.set $hOffB (i32.load offset={ctx.hOff} (local.get $ctx)))
    (local.set $rngB (i32.load offset={ctx.rng} (local.get $ctx)))
    (local.set $nV (i32.load offset={ctx.nV} (local.get $ctx)))
    (local.set $nH (i32.load offset={ctx.nH} (local.get $ctx)))
    (local.set $vis (i32.load offset={ctx.vis} (local.get $ctx)))
    (local.set $hid (i32.load offset={ctx.hid} (local.get $ctx)))
    (local.set $rowH (i32.shl (local.get $gH) (i32.const 4)))
    (local.set $rowV (i32.shl (local.get $gV) (i32.const 4)))
    (local.set $recipV (i32.div_u (i32.add (i32.const 65535) (local.get $gV)) (local.get $gV)))   ;; ceil(2^16/gV)
    (local.set $recipH (i32.div_u (i32.add (i32.const 65535) (local.get $gH)) (local.get $gH)))
    ;; visible bytes → vOff for all chains first ($encode inline: nV ≤ 16 is one vector; the bytes
    ;; past the row, read but masked off, may be another thread's)
    (local.set $c (local.get $c0))
    (block $edone
      (loop $E
        (br_if $edone (i32.ge_u (local.get $c) (local.get $c1)))
        (local.set $M
          (i32.and
            (i8x16.bitmask (i8x16.ne (v128.load (i32.add (local.get $vis) (i32.mul (local.get $c) (local.get $nV))))
                                     (v128.const i32x4 0 0 0 0)))
            (i32.sub (i32.shl (i32.const 1) (local.get $nV)) (i32.const 1))))
        (local.set $vo (i32.add (local.get $vOffB) (i32.mul (local.get $c) (i32.shl (local.get $gV) (i32.const 2)))))
        (local.set $goff (i32.const 0))
        (local.set $g (i32.const 0))
        (loop $G
          ;; (16g + m_g)·rowH
          (i32.store (i32.add (local.get $vo) (i32.shl (local.get $g) (i32.const 2)))
            (i32.add (local.get $goff)
              (i32.mul (i32.and (i32.shr_u (local.get $M) (i32.shl (local.get $g) (i32.const 2))) (i32.const 15))
                       (local.get $rowH))))
          (local.set $goff (i32.add (local.get $goff) (i32.shl (local.get $rowH) (i32.const 4))))
          (br_if $G (i32.lt_u (local.tee $g (i32.add (local.get $g) (i32.const 1))) (local.get $gV))))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $E)))
    (local.set $cb (local.get $c0))
    (block $cbdone
      (loop $CB
        (br_if $cbdone (i32.ge_u (local.get $cb) (local.get $c1)))
        (local.set $ce (select (i32.add (local.get $cb) (i32.const 8)) (local.get $c1)
                               (i32.lt_u (i32.add (local.get $cb) (i32.const 8)) (local.get $c1))))
        (local.set $s (i32.const 0))
        (block $sdone
          (loop $S
            (br_if $sdone (i32.ge_u (local.get $s) (local.get $k)))
            (local.set $phase (i32.const 0))
            (loop $PH
              (if (i32.eqz (local.get $phase))
                (then
                  (local.set $T (local.get $Th)) (local.set $nG (local.get $gV)) (local.set $nVec (local.get $gH))
                  (local.set $rowOut (local.get $rowV)))
                (else
                  (local.set $T (local.get $Tv)) (local.set $nG (local.get $gH)) (local.set $nVec (local.get $gV))
                  (local.set $rowOut (local.get $rowH))))
              (local.set $gStrideOut (i32.shl (local.get $rowOut) (i32.const 4)))
              ;; the zero row right after this table: groups·16 rows of nVec vectors
              (local.set $zero (i32.mul (i32.shl (local.get $nG) (i32.const 4)) (i32.shl (local.get $nVec) (i32.const 4))))
              (local.set $c (local.get $cb))
              (loop $C
                (local.set $vo (i32.add (local.get $vOffB) (i32.mul (local.get $c) (i32.shl (local.get $gV) (i32.const 2)))))
                (local.set $ho (i32.add (local.get $hOffB) (i32.mul (local.get $c) (i32.shl (local.get $gH) (i32.const 2)))))
                (local.set $ro (i32.add (local.get $rngB) (i32.shl (local.get $c) (i32.const 6))))
                (if (i32.eqz (local.get $phase))
                  (then (local.set $in (local.get $vo)) (local.set $out (local.get $ho)))
                  (else (local.set $in (local.get $ho)) (local.set $out (local.get $vo))))
                (local.set $o0 (i32.add (local.get $T) (i32.load offset=0 (local.get $in))))
                (local.set $o1 (i32.add (local.get $T) (select (i32.load offset=4 (local.get $in)) (local.get $zero) (i32.gt_u (local.get $nG) (i32.const 1)))))
                (local.set $o2 (i32.add (local.get $T) (select (i32.load offset=8 (local.get $in)) (local.get $zero) (i32.gt_u (local.get $nG) (i32.const 2)))))
                (local.set $o3 (i32.add (local.get $T) (select (i32.load offset=12 (local.get $in)) (local.get $zero) (i32.gt_u (local.get $nG) (i32.const 3)))))   ;; @if R=4
                (local.set $s0 (v128.load offset=0 (local.get $ro)))
                (local.set $s1 (v128.load offset=16 (local.get $ro)))
                (local.set $s2 (v128.load offset=32 (local.get $ro)))
                (local.set $s3 (v128.load offset=48 (local.get $ro)))
                (local.set $q (local.get $out))
                (local.set $qEnd (i32.add (local.get $out) (i32.shl (local.get $nVec) (i32.const 2))))
                (local.set $goff (i32.const 0))
                (local.set $col (i32.const 0))
                (loop $Q
                  ;; acc = ((T[o0] + T[o1]) + T[o2]) + T[o3], in stack form (the same code as folded)
                  (v128.load (i32.add (local.get $o0) (local.get $col)))
                  (v128.load (i32.add (local.get $o1) (local.get $col)))
                  (f32x4.add)
                  (v128.load (i32.add (local.get $o2) (local.get $col)))
                  (f32x4.add)
                  (v128.load (i32.add (local.get $o3) (local.get $col)))   ;; @if R=4
                  (f32x4.add)                                              ;; @if R=4
                  (local.set $acc)
                ;; xoshiro128+: output s0 + s3, then the state transition
                (local.set $u (i32x4.add (local.get $s0) (local.get $s3)))
                (local.set $t (i32x4.shl (local.get $s1) (i32.const 9)))
                (local.set $s2 (v128.xor (local.get $s2) (local.get $s0)))
                (local.set $s3 (v128.xor (local.get $s3) (local.get $s1)))
                (local.set $s1 (v128.xor (local.get $s1) (local.get $s2)))
                (local.set $s0 (v128.xor (local.get $s0) (local.get $s3)))
                (local.set $s2 (v128.xor (local.get $s2) (local.get $t)))
                (local.set $s3 (v128.or (i32x4.shl (local.get $s3) (i32.const 11)) (i32x4.shr_u (local.get $s3) (i32.const 21))))
                ;; u = 1.(top 23 bits) − (1 − 2^−24) = (2k + 1)·2^−24
                (local.set $u
                  (f32x4.sub
                    (v128.or (i32x4.shr_u (local.get $u) (i32.const 9)) (v128.const i32x4 0x3f800000 0x3f800000 0x3f800000 0x3f800000))
                    (v128.const i32x4 0x3f7fffff 0x3f7fffff 0x3f7fffff 0x3f7fffff)))
                ;; x = clamp(−a·log2 e, ±126); y = x + 1.5·2^23 + 128 holds n + 128, n = round(x), in its
                ;; low bits, so bits(y) << 23 is 2^(n+1); the polynomial is halved to match (exactly)
                (local.set $x
                  (f32x4.pmax
                    (f32x4.pmin
                      (f32x4.mul (local.get $acc) (v128.const f32x4 -1.44269504 -1.44269504 -1.44269504 -1.44269504))
                      (v128.const f32x4 126 126 126 126))
                    (v128.const f32x4 -126 -126 -126 -126)))
                (local.set $y (f32x4.add (local.get $x) (v128.const f32x4 12583040 12583040 12583040 12583040)))
                (local.set $f (f32x4.sub (local.get $x) (f32x4.sub (local.get $y) (v128.const f32x4 12583040 12583040 12583040 12583040))))
                (local.set $e (f32x4.add (f32x4.mul (v128.const f32x4 0.0006632363449505099 0.0006632363449505099 0.0006632363449505099 0.0006632363449505099) (local.get $f))
                                         (v128.const f32x4 0.0048357563302807395 0.0048357563302807395 0.0048357563302807395 0.0048357563302807395)))
                (local.set $e (f32x4.add (f32x4.mul (local.get $e) (local.get $f)) (v128.const f32x4 0.027753668721223153 0.027753668721223153 0.027753668721223153 0.027753668721223153)))
                (local.set $e (f32x4.add (f32x4.mul (local.get $e) (local.get $f)) (v128.const f32x4 0.12011121042459625 0.12011121042459625 0.12011121042459625 0.12011121042459625)))
                (local.set $e (f32x4.add (f32x4.mul (local.get $e) (local.get $f)) (v128.const f32x4 0.3465734887992356 0.3465734887992356 0.3465734887992356 0.3465734887992356)))
                (local.set $e (f32x4.add (f32x4.mul (local.get $e) (local.get $f)) (v128.const f32x4 0.5 0.5 0.5 0.5)))
                (local.set $e (f32x4.mul (local.get $e) (i32x4.shl (local.get $y) (i32.const 23))))
                (local.set $m
                  (i32x4.bitmask
                    (f32x4.lt (f32x4.mul (local.get $u) (f32x4.add (local.get $e) (v128.const f32x4 1 1 1 1)))
                              (v128.const f32x4 1 1 1 1))))
                (i32.store (local.get $q) (i32.add (local.get $goff) (i32.mul (local.get $m) (local.get $rowOut))))
                  (local.set $goff (i32.add (local.get $goff) (local.get $gStrideOut)))
                  (local.set $col (i32.add (local.get $col) (i32.const 16)))
                  (br_if $Q (i32.lt_u (local.tee $q (i32.add (local.get $q) (i32.const 4))) (local.get $qEnd))))
                (v128.store offset=0 (local.get $ro) (local.get $s0))
                (v128.store offset=16 (local.get $ro) (local.get $s1))
                (v128.store offset=32 (local.get $ro) (local.get $s2))
                (v128.store offset=48 (local.get $ro) (local.get $s3))
                (br_if $C (i32.lt_u (local.tee $c (i32.add (local.get $c) (i32.const 1))) (local.get $ce))))
              (br_if $PH (i32.lt_u (local.tee $phase (i32.add (local.get $phase) (i32.const 1))) (i32.const 2))))
            (local.set $s (i32.add (local.get $s) (i32.const 1)))
            (br $S)))
        ;; the batch's states as unit bytes ($unpack inline): hOff → hid, vOff → vis. The offset of
        ;; group g is (16g + m)·16·gIn bytes (gIn the input groups of that table), and m is recovered
        ;; exactly by a multiply: x = off/16 = gIn (16g + m) < 2^8, and for such multiples
        ;; floor(x·ceil(2^16/gIn)/2^16) = x/gIn. A row is stored as one vector when it stays within
        ;; this call's rows (it spills into later chains', which are written afterwards; their visible
        ;; bytes were all encoded above), else byte by byte.
        (if (local.get $k)
          (then
            (local.set $c (local.get $cb))
            (loop $D
              (local.set $phase (i32.const 0))
              (loop $DP
                (if (i32.eqz (local.get $phase))
                  (then
                    (local.set $in (i32.add (local.get $hOffB) (i32.mul (local.get $c) (i32.shl (local.get $gH) (i32.const 2)))))
                    (local.set $nG (local.get $gH))
                    (local.set $recip (local.get $recipV))
                    (local.set $bytes (i32.add (local.get $hid) (i32.mul (local.get $c) (local.get $nH))))
                    (local.set $n (local.get $nH)))
                  (else
                    (local.set $in (i32.add (local.get $vOffB) (i32.mul (local.get $c) (i32.shl (local.get $gV) (i32.const 2)))))
                    (local.set $nG (local.get $gV))
                    (local.set $recip (local.get $recipH))
                    (local.set $bytes (i32.add (local.get $vis) (i32.mul (local.get $c) (local.get $nV))))
                    (local.set $n (local.get $nV))))
                (local.set $M (i32.const 0))
                (local.set $g (i32.const 0))
                (loop $DG
                  (local.set $M
                    (i32.or (local.get $M)
                      (i32.shl
                        (i32.and
                          (i32.shr_u
                            (i32.mul (i32.shr_u (i32.load (i32.add (local.get $in) (i32.shl (local.get $g) (i32.const 2)))) (i32.const 4))
                                     (local.get $recip))
                            (i32.const 16))
                          (i32.const 15))
                        (i32.shl (local.get $g) (i32.const 2)))))
                  (br_if $DG (i32.lt_u (local.tee $g (i32.add (local.get $g) (i32.const 1))) (local.get $nG))))
                (if (i32.ge_u (i32.mul (i32.sub (local.get $c1) (local.get $c)) (local.get $n)) (i32.const 16))
                  (then
                    (v128.store (local.get $bytes)
                      (i8x16.min_u
                        (v128.and
                          (i8x16.swizzle (i16x8.splat (local.get $M)) (v128.const i8x16 0 0 0 0 0 0 0 0 1 1 1 1 1 1 1 1))
                          (v128.const i8x16 1 2 4 8 16 32 64 128 1 2 4 8 16 32 64 128))
                        (v128.const i8x16 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1))))
                  (else
                    (local.set $g (i32.const 0))
                    (loop $B
                      (i32.store8 (i32.add (local.get $bytes) (local.get $g))
                        (i32.and (i32.shr_u (local.get $M) (local.get $g)) (i32.const 1)))
                      (br_if $B (i32.lt_u (local.tee $g (i32.add (local.get $g) (i32.const 1))) (local.get $n))))))
                (br_if $DP (i32.lt_u (local.tee $phase (i32.add (local.get $phase) (i32.const 1))) (i32.const 2))))
              (br_if $D (i32.lt_u (local.tee $c (i32.add (local.get $c) (i32.const 1))) (local.get $ce))))))
        (local.set $cb (local.get $ce))
        (br $CB))))

  ;; @end template


  ;; Encodes n unit bytes (nonzero = on) as group offsets offs[g] = (16g + m_g)·rowBytes and, if
  ;; nib ≠ 0, patterns nib[g] = m_g. Reads up to 15 bytes past the end (buffers have slack).
  (func $encode (param $bytes i32) (param $n i32) (param $offs i32) (param $nib i32) (param $rowBytes i32)
    (local $i i32) (local $M i32) (local $g i32) (local $gend i32) (local $nG i32) (local $m i32)
    (local.set $nG (i32.shr_u (i32.add (local.get $n) (i32.const 3)) (i32.const 2)))
    (loop $L
      (local.set $M (i8x16.bitmask (i8x16.ne (v128.load (i32.add (local.get $bytes) (local.get $i))) (v128.const i32x4 0 0 0 0))))
      (if (i32.lt_u (i32.sub (local.get $n) (local.get $i)) (i32.const 16))
        (then (local.set $M (i32.and (local.get $M)
                (i32.sub (i32.shl (i32.const 1) (i32.sub (local.get $n) (local.get $i))) (i32.const 1))))))
      (local.set $g (i32.shr_u (local.get $i) (i32.const 2)))
      (local.set $gend (select (i32.add (local.get $g) (i32.const 4)) (local.get $nG)
                               (i32.lt_u (i32.add (local.get $g) (i32.const 4)) (local.get $nG))))
      (loop $G
        (local.set $m (i32.and (local.get $M) (i32.const 15)))
        (local.set $M (i32.shr_u (local.get $M) (i32.const 4)))
        (i32.store (i32.add (local.get $offs) (i32.shl (local.get $g) (i32.const 2)))
          (i32.mul (i32.add (i32.shl (local.get $g) (i32.const 4)) (local.get $m)) (local.get $rowBytes)))
        (if (local.get $nib) (then (i32.store8 (i32.add (local.get $nib) (local.get $g)) (local.get $m))))
        (br_if $G (i32.lt_u (local.tee $g (i32.add (local.get $g) (i32.const 1))) (local.get $gend))))
      (br_if $L (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 16))) (local.get $n)))))

  ;; Group offsets offs[g] = (16g + m_g)·rowBytes → n unit bytes (0/1). Reads up to 3 offsets past
  ;; the end (buffers have slack). With $over ≠ 0 it may also write up to 15 bytes past the end
  ;; (whole vectors), for callers that decode rows in increasing order and own the next row.
  (func $decode (param $offs i32) (param $n i32) (param $rowBytes i32) (param $bytes i32) (param $over i32)
    (local $i i32) (local $M i32) (local $b i32) (local $rem i32) (local $o i32) (local $inv f64)
    (local.set $inv (f64.div (f64.const 1) (f64.convert_i32_u (local.get $rowBytes))))
    (loop $L
      (local.set $o (i32.add (local.get $offs) (local.get $i)))   ;; 4 groups = 16 units = 16 bytes of offsets
      ;; m = (off / rowBytes) mod 16; the quotient is an exact integer < 2^22, so a float64
      ;; multiply by the reciprocal and rounding to nearest recover it exactly (cheaper than div).
      (local.set $M
        (i32.or
          (i32.or (i32.and (i32.trunc_f64_u (f64.nearest (f64.mul (f64.convert_i32_u (i32.load offset=0 (local.get $o))) (local.get $inv)))) (i32.const 15))
                  (i32.shl (i32.and (i32.trunc_f64_u (f64.nearest (f64.mul (f64.convert_i32_u (i32.load offset=4 (local.get $o))) (local.get $inv)))) (i32.const 15)) (i32.const 4)))
          (i32.or (i32.shl (i32.and (i32.trunc_f64_u (f64.nearest (f64.mul (f64.convert_i32_u (i32.load offset=8 (local.get $o))) (local.get $inv)))) (i32.const 15)) (i32.const 8))
                  (i32.shl (i32.and (i32.trunc_f64_u (f64.nearest (f64.mul (f64.convert_i32_u (i32.load offset=12 (local.get $o))) (local.get $inv)))) (i32.const 15)) (i32.const 12)))))
      (local.set $rem (i32.sub (local.get $n) (local.get $i)))
      (if (i32.or (local.get $over) (i32.ge_u (local.get $rem) (i32.const 16)))
        (then
          (v128.store (i32.add (local.get $bytes) (local.get $i))
            (i8x16.min_u
              (v128.and
                (i8x16.swizzle (i16x8.splat (local.get $M)) (v128.const i8x16 0 0 0 0 0 0 0 0 1 1 1 1 1 1 1 1))
                (v128.const i8x16 1 2 4 8 16 32 64 128 1 2 4 8 16 32 64 128))
              (v128.const i8x16 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1))))
        (else
          (local.set $b (i32.const 0))
          (loop $B
            (i32.store8 (i32.add (i32.add (local.get $bytes) (local.get $i)) (local.get $b))
              (i32.and (i32.shr_u (local.get $M) (local.get $b)) (i32.const 1)))
            (br_if $B (i32.lt_u (local.tee $b (i32.add (local.get $b) (i32.const 1))) (local.get $rem))))))
      (br_if $L (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 16))) (local.get $n)))))

  ;; visible bytes → vOff for chains [c0, c1)
  (func $pack (export "pack") (param $ctx i32) (param $c0 i32) (param $c1 i32)
    (local $nV i32) (local $gV i32) (local $c i32)
    (local.set $nV (i32.load offset={ctx.nV} (local.get $ctx)))
    (local.set $gV (i32.load offset={ctx.gV} (local.get $ctx)))
    (local.set $c (local.get $c0))
    (block $done
      (loop $C
        (br_if $done (i32.ge_u (local.get $c) (local.get $c1)))
        (call $encode
          (i32.add (i32.load offset={ctx.vis} (local.get $ctx)) (i32.mul (local.get $c) (local.get $nV)))
          (local.get $nV)
          (i32.add (i32.load offset={ctx.vOff} (local.get $ctx))
            (i32.mul (local.get $c) (i32.shl (local.get $gV) (i32.const 2))))
          (i32.const 0)
          (i32.shl (i32.load offset={ctx.gH} (local.get $ctx)) (i32.const 4)))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $C))))

  ;; vOff → visible bytes and hOff → hidden bytes for chains [c0, c1)
  (func $unpack (export "unpack") (param $ctx i32) (param $c0 i32) (param $c1 i32)
    (local $nV i32) (local $nH i32) (local $gV i32) (local $gH i32) (local $c i32) (local $over i32)
    (local.set $nV (i32.load offset={ctx.nV} (local.get $ctx)))
    (local.set $nH (i32.load offset={ctx.nH} (local.get $ctx)))
    (local.set $gV (i32.load offset={ctx.gV} (local.get $ctx)))
    (local.set $gH (i32.load offset={ctx.gH} (local.get $ctx)))
    (local.set $c (local.get $c0))
    (block $done
      (loop $C
        (br_if $done (i32.ge_u (local.get $c) (local.get $c1)))
        ;; whole-vector stores may spill up to 15 bytes into the next chains' rows, which are decoded
        ;; next, but not past the range's last row (the next ones may belong to another thread)
        (local.set $over (i32.sub (local.get $c1) (i32.add (local.get $c) (i32.const 1))))   ;; rows after c
        (call $decode (i32.add (i32.load offset={ctx.vOff} (local.get $ctx))
                        (i32.mul (local.get $c) (i32.shl (local.get $gV) (i32.const 2))))
          (local.get $nV) (i32.shl (local.get $gH) (i32.const 4))
          (i32.add (i32.load offset={ctx.vis} (local.get $ctx)) (i32.mul (local.get $c) (local.get $nV)))
          (i32.ge_u (i32.mul (local.get $over) (local.get $nV)) (i32.const 15)))
        (call $decode (i32.add (i32.load offset={ctx.hOff} (local.get $ctx))
                        (i32.mul (local.get $c) (i32.shl (local.get $gH) (i32.const 2))))
          (local.get $nH) (i32.shl (local.get $gV) (i32.const 4))
          (i32.add (i32.load offset={ctx.hid} (local.get $ctx)) (i32.mul (local.get $c) (local.get $nH)))
          (i32.ge_u (i32.mul (local.get $over) (local.get $nH)) (i32.const 15)))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $C))))

  ;; One call for a whole PCD step of chains [c0, c1): visible bytes → patterns, k sweeps, → bytes.
  ;; (The small-layer kernels pack and unpack inline.)
  (func (export "step") (param $ctx i32) (param $c0 i32) (param $c1 i32) (param $k i32) (param $A i32)
    (if (i32.and (i32.eqz (i32.load offset={ctx.noSmall} (local.get $ctx)))
          (i32.and (i32.le_u (i32.load offset={ctx.gV} (local.get $ctx)) (i32.const 4))
            (i32.le_u (i32.load offset={ctx.gH} (local.get $ctx)) (i32.const 4))))
      (then
        (if (i32.and (i32.le_u (i32.load offset={ctx.gV} (local.get $ctx)) (i32.const 3))
              (i32.le_u (i32.load offset={ctx.gH} (local.get $ctx)) (i32.const 3)))
          (then (call $sweep_small3 (local.get $ctx) (local.get $c0) (local.get $c1) (local.get $k)))
          (else (call $sweep_small4 (local.get $ctx) (local.get $c0) (local.get $c1) (local.get $k)))))
      (else
        (call $pack (local.get $ctx) (local.get $c0) (local.get $c1))
        (call $sweep (local.get $ctx) (local.get $c0) (local.get $c1) (local.get $k) (local.get $A))
        (call $unpack (local.get $ctx) (local.get $c0) (local.get $c1)))))

  ;; Th groups [g0, g1) from Wf (rows: visible units) and c;  Tv groups from WfT (rows: hidden) and b.
  (func (export "build_h") (param $ctx i32) (param $g0 i32) (param $g1 i32)
    (call $build_f32 (i32.load offset={ctx.Wf} (local.get $ctx)) (i32.load offset={ctx.cf} (local.get $ctx))
                      (i32.load offset={ctx.Th} (local.get $ctx))
      (local.get $g0) (local.get $g1) (i32.load offset={ctx.gH} (local.get $ctx))))
  (func (export "build_v") (param $ctx i32) (param $g0 i32) (param $g1 i32)
    (call $build_f32 (i32.load offset={ctx.WfT} (local.get $ctx)) (i32.load offset={ctx.bf} (local.get $ctx))
                      (i32.load offset={ctx.Tv} (local.get $ctx))
      (local.get $g0) (local.get $g1) (i32.load offset={ctx.gV} (local.get $ctx))))

  ;; raw f64 parameters [W | b | c] → Wf (f32 [4gV][4gH], zero padding), bf, cf (real entries
  ;; only: padding biases stay at their −1e30), then WfT = Wfᵀ by 4×4 blocks.
  (func (export "load_params") (param $ctx i32)
    (local $nV i32) (local $nH i32) (local $gV i32) (local $gH i32) (local $raw i32) (local $Wf i32) (local $WfT i32)
    (local $i i32) (local $j i32) (local $src i32) (local $dst i32) (local $rowH i32) (local $rowV i32) (local $tail v128)
    (local $a v128) (local $b v128) (local $c v128) (local $d v128) (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $nV (i32.load offset={ctx.nV} (local.get $ctx)))
    (local.set $nH (i32.load offset={ctx.nH} (local.get $ctx)))
    (local.set $gV (i32.load offset={ctx.gV} (local.get $ctx)))
    (local.set $gH (i32.load offset={ctx.gH} (local.get $ctx)))
    (local.set $Wf (i32.load offset={ctx.Wf} (local.get $ctx)))
    (local.set $WfT (i32.load offset={ctx.WfT} (local.get $ctx)))
    (local.set $raw (i32.load offset={ctx.raw} (local.get $ctx)))
    (local.set $rowH (i32.shl (local.get $gH) (i32.const 4)))
    (local.set $rowV (i32.shl (local.get $gV) (i32.const 4)))
    ;; lanes of the last vector of a row that hold real units (nH mod 4 of them, or all)
    (local.set $tail (i32x4.gt_s
      (i32x4.splat (i32.sub (local.get $nH) (i32.shl (i32.sub (local.get $gH) (i32.const 1)) (i32.const 2))))
      (v128.const i32x4 0 1 2 3)))
    (local.set $src (local.get $raw))
    (block $idone
      (loop $I
        (br_if $idone (i32.ge_u (local.get $i) (local.get $nV)))
        (local.set $dst (i32.add (local.get $Wf) (i32.mul (local.get $i) (local.get $rowH))))
        (local.set $j (i32.const 0))
        (loop $J
          (local.set $a
            (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
              (f32x4.demote_f64x2_zero (v128.load offset=0 (i32.add (local.get $src) (i32.shl (local.get $j) (i32.const 3)))))
              (f32x4.demote_f64x2_zero (v128.load offset=16 (i32.add (local.get $src) (i32.shl (local.get $j) (i32.const 3)))))))
          (if (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $nH))
            (then (local.set $a (v128.and (local.get $a) (local.get $tail)))))
          (v128.store (i32.add (local.get $dst) (i32.shl (local.get $j) (i32.const 2))) (local.get $a))
          (br_if $J (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 4))) (local.get $nH))))
        (local.set $src (i32.add (local.get $src) (i32.shl (local.get $nH) (i32.const 3))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $I)))
    ;; biases: b follows W in raw, c follows b
    (local.set $i (i32.const 0))
    (block $bdone (loop $B
      (br_if $bdone (i32.ge_u (local.get $i) (local.get $nV)))
      (f32.store (i32.add (i32.load offset={ctx.bf} (local.get $ctx)) (i32.shl (local.get $i) (i32.const 2)))
        (f32.demote_f64 (f64.load (i32.add (local.get $src) (i32.shl (local.get $i) (i32.const 3))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $B)))
    (local.set $src (i32.add (local.get $src) (i32.shl (local.get $nV) (i32.const 3))))
    (local.set $i (i32.const 0))
    (block $cdone (loop $Cl
      (br_if $cdone (i32.ge_u (local.get $i) (local.get $nH)))
      (f32.store (i32.add (i32.load offset={ctx.cf} (local.get $ctx)) (i32.shl (local.get $i) (i32.const 2)))
        (f32.demote_f64 (f64.load (i32.add (local.get $src) (i32.shl (local.get $i) (i32.const 3))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $Cl)))
    ;; WfT by 4×4 blocks: block (I, J) of Wf (rows 4I.., cols 4J..) → block (J, I) of WfT
    (local.set $i (i32.const 0))
    (block $tidone (loop $TI
      (br_if $tidone (i32.ge_u (local.get $i) (local.get $gV)))
      (local.set $j (i32.const 0))
      (loop $TJ
        (local.set $src (i32.add (i32.add (local.get $Wf) (i32.mul (i32.shl (local.get $i) (i32.const 2)) (local.get $rowH))) (i32.shl (local.get $j) (i32.const 4))))
        (local.set $a (v128.load (local.get $src)))
        (local.set $b (v128.load (i32.add (local.get $src) (local.get $rowH))))
        (local.set $c (v128.load (i32.add (local.get $src) (i32.shl (local.get $rowH) (i32.const 1)))))
        (local.set $d (v128.load (i32.add (local.get $src) (i32.mul (local.get $rowH) (i32.const 3)))))
        (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $a) (local.get $b)))
        (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $a) (local.get $b)))
        (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $c) (local.get $d)))
        (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $c) (local.get $d)))
        (local.set $dst (i32.add (i32.add (local.get $WfT) (i32.mul (i32.shl (local.get $j) (i32.const 2)) (local.get $rowV))) (i32.shl (local.get $i) (i32.const 4))))
        (v128.store (local.get $dst) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
        (v128.store (i32.add (local.get $dst) (local.get $rowV)) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
        (v128.store (i32.add (local.get $dst) (i32.shl (local.get $rowV) (i32.const 1))) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
        (v128.store (i32.add (local.get $dst) (i32.mul (local.get $rowV) (i32.const 3))) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3)))
        (br_if $TJ (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 1))) (local.get $gH))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $TI))))

  ;; Subset-sum tables, float32: for groups g in [g0, g1),
  ;;   T[g][m][·] = (g = 0 ? bias : 0) + Σ_{b ∈ m} W[4g+b][·]   (rows of nVec vectors).
  ;; bias = 0 means no bias.
  (func $build_f32 (export "build_f32") (param $W i32) (param $bias i32) (param $T i32) (param $g0 i32) (param $g1 i32) (param $nVec i32)
    (local $row i32) (local $g i32) (local $jb i32) (local $w i32) (local $t i32)
    (local $w0 v128) (local $w1 v128) (local $w2 v128) (local $w3 v128)
    (local $e0 v128) (local $e1 v128) (local $e2 v128) (local $e3 v128)
    (local $e4 v128) (local $e5 v128) (local $e6 v128) (local $e7 v128)
    (local.set $row (i32.shl (local.get $nVec) (i32.const 4)))
    (local.set $g (local.get $g0))
    (block $gdone
      (loop $G
        (br_if $gdone (i32.ge_u (local.get $g) (local.get $g1)))
        (local.set $jb (i32.const 0))
        (block $jdone
          (loop $J
            (br_if $jdone (i32.ge_u (local.get $jb) (local.get $row)))
            (local.set $w (i32.add (i32.add (local.get $W) (i32.mul (i32.shl (local.get $g) (i32.const 2)) (local.get $row))) (local.get $jb)))
            (local.set $w0 (v128.load (local.get $w)))
            (local.set $w1 (v128.load (i32.add (local.get $w) (local.get $row))))
            (local.set $w2 (v128.load (i32.add (local.get $w) (i32.shl (local.get $row) (i32.const 1)))))
            (local.set $w3 (v128.load (i32.add (local.get $w) (i32.mul (local.get $row) (i32.const 3)))))
            (local.set $e0 (v128.const i32x4 0 0 0 0))
            (if (i32.and (i32.eqz (local.get $g)) (i32.ne (local.get $bias) (i32.const 0)))
              (then (local.set $e0 (v128.load (i32.add (local.get $bias) (local.get $jb))))))
            (local.set $e1 (f32x4.add (local.get $e0) (local.get $w0)))
            (local.set $e2 (f32x4.add (local.get $e0) (local.get $w1)))
            (local.set $e3 (f32x4.add (local.get $e1) (local.get $w1)))
            (local.set $e4 (f32x4.add (local.get $e0) (local.get $w2)))
            (local.set $e5 (f32x4.add (local.get $e1) (local.get $w2)))
            (local.set $e6 (f32x4.add (local.get $e2) (local.get $w2)))
            (local.set $e7 (f32x4.add (local.get $e3) (local.get $w2)))
            (local.set $t (i32.add (i32.add (local.get $T) (i32.mul (i32.shl (local.get $g) (i32.const 4)) (local.get $row))) (local.get $jb)))
            (v128.store (local.get $t) (local.get $e0))
            (v128.store (local.tee $t (i32.add (local.get $t) (local.get $row))) (local.get $e1))
            (v128.store (local.tee $t (i32.add (local.get $t) (local.get $row))) (local.get $e2))
            (v128.store (local.tee $t (i32.add (local.get $t) (local.get $row))) (local.get $e3))
            (v128.store (local.tee $t (i32.add (local.get $t) (local.get $row))) (local.get $e4))
            (v128.store (local.tee $t (i32.add (local.get $t) (local.get $row))) (local.get $e5))
            (v128.store (local.tee $t (i32.add (local.get $t) (local.get $row))) (local.get $e6))
            (v128.store (local.tee $t (i32.add (local.get $t) (local.get $row))) (local.get $e7))
            (v128.store (local.tee $t (i32.add (local.get $t) (local.get $row))) (f32x4.add (local.get $e0) (local.get $w3)))
            (v128.store (local.tee $t (i32.add (local.get $t) (local.get $row))) (f32x4.add (local.get $e1) (local.get $w3)))
            (v128.store (local.tee $t (i32.add (local.get $t) (local.get $row))) (f32x4.add (local.get $e2) (local.get $w3)))
            (v128.store (local.tee $t (i32.add (local.get $t) (local.get $row))) (f32x4.add (local.get $e3) (local.get $w3)))
            (v128.store (local.tee $t (i32.add (local.get $t) (local.get $row))) (f32x4.add (local.get $e4) (local.get $w3)))
            (v128.store (local.tee $t (i32.add (local.get $t) (local.get $row))) (f32x4.add (local.get $e5) (local.get $w3)))
            (v128.store (local.tee $t (i32.add (local.get $t) (local.get $row))) (f32x4.add (local.get $e6) (local.get $w3)))
            (v128.store (local.tee $t (i32.add (local.get $t) (local.get $row))) (f32x4.add (local.get $e7) (local.get $w3)))
            (local.set $jb (i32.add (local.get $jb) (i32.const 16)))
            (br $J)))
        (local.set $g (i32.add (local.get $g) (i32.const 1)))
        (br $G))))

  ;; ------------------------------------------------------------------------------------------
  ;; Float64 versions for the gradient (same algorithms; vectors are f64x2).
  ;; out[0 .. nVec*2) = Σ_{g<nG} T[offs[g] + ·]   (float64)
  (func $lut_f64 (param $T i32) (param $offs i32) (param $nG i32) (param $nVec i32) (param $out i32)
    (local $jb i32) (local $end i32) (local $p i32) (local $pend i32) (local $base i32) (local $addr i32)
    (local $last i32) (local $c1 i32) (local $c2 i32) (local $c3 i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (local.set $end (i32.shl (local.get $nVec) (i32.const 4)))
    (local.set $pend (i32.add (local.get $offs) (i32.shl (local.get $nG) (i32.const 2))))
    ;; blocks of 8 vectors (32 units)
    (block $done8
      (loop $B8
        (br_if $done8 (i32.gt_u (i32.add (local.get $jb) (i32.const 128)) (local.get $end)))
        (local.set $base (i32.add (local.get $T) (local.get $jb)))
        (local.set $p (local.get $offs))
        (local.set $addr (i32.add (local.get $base) (i32.load (local.get $p))))
        (local.set $a0 (v128.load offset=0 (local.get $addr)))
        (local.set $a1 (v128.load offset=16 (local.get $addr)))
        (local.set $a2 (v128.load offset=32 (local.get $addr)))
        (local.set $a3 (v128.load offset=48 (local.get $addr)))
        (local.set $a4 (v128.load offset=64 (local.get $addr)))
        (local.set $a5 (v128.load offset=80 (local.get $addr)))
        (local.set $a6 (v128.load offset=96 (local.get $addr)))
        (local.set $a7 (v128.load offset=112 (local.get $addr)))
        (block $g8done
          (loop $G8
            (br_if $g8done (i32.ge_u (local.tee $p (i32.add (local.get $p) (i32.const 4))) (local.get $pend)))
            (local.set $addr (i32.add (local.get $base) (i32.load (local.get $p))))
            (local.set $a0 (f64x2.add (local.get $a0) (v128.load offset=0 (local.get $addr))))
            (local.set $a1 (f64x2.add (local.get $a1) (v128.load offset=16 (local.get $addr))))
            (local.set $a2 (f64x2.add (local.get $a2) (v128.load offset=32 (local.get $addr))))
            (local.set $a3 (f64x2.add (local.get $a3) (v128.load offset=48 (local.get $addr))))
            (local.set $a4 (f64x2.add (local.get $a4) (v128.load offset=64 (local.get $addr))))
            (local.set $a5 (f64x2.add (local.get $a5) (v128.load offset=80 (local.get $addr))))
            (local.set $a6 (f64x2.add (local.get $a6) (v128.load offset=96 (local.get $addr))))
            (local.set $a7 (f64x2.add (local.get $a7) (v128.load offset=112 (local.get $addr))))
            (br $G8)))
        (local.set $addr (i32.add (local.get $out) (local.get $jb)))
        (v128.store offset=0 (local.get $addr) (local.get $a0))
        (v128.store offset=16 (local.get $addr) (local.get $a1))
        (v128.store offset=32 (local.get $addr) (local.get $a2))
        (v128.store offset=48 (local.get $addr) (local.get $a3))
        (v128.store offset=64 (local.get $addr) (local.get $a4))
        (v128.store offset=80 (local.get $addr) (local.get $a5))
        (v128.store offset=96 (local.get $addr) (local.get $a6))
        (v128.store offset=112 (local.get $addr) (local.get $a7))
        (local.set $jb (i32.add (local.get $jb) (i32.const 128)))
        (br $B8)))
    ;; the remaining 1–7 vectors in blocks of 4, the last one with its columns clamped to the last
    ;; vector: a duplicated column sums the same loads in the same order, so it stores the same value
    ;; to the same place. (One column at a time instead made a serial chain of nG additions per
    ;; column: grad_outer, with nG = samples/4 and 2gH + 1 columns, waited mostly on those.)
    (local.set $last (i32.sub (local.get $end) (i32.const 16)))
    (block $done4
      (loop $B4
        (br_if $done4 (i32.ge_u (local.get $jb) (local.get $end)))
        (local.set $base (i32.add (local.get $T) (local.get $jb)))
        (local.set $c1 (i32.sub (select (i32.add (local.get $jb) (i32.const 16)) (local.get $last)
                                        (i32.lt_u (i32.add (local.get $jb) (i32.const 16)) (local.get $last)))
                                (local.get $jb)))
        (local.set $c2 (i32.sub (select (i32.add (local.get $jb) (i32.const 32)) (local.get $last)
                                        (i32.lt_u (i32.add (local.get $jb) (i32.const 32)) (local.get $last)))
                                (local.get $jb)))
        (local.set $c3 (i32.sub (select (i32.add (local.get $jb) (i32.const 48)) (local.get $last)
                                        (i32.lt_u (i32.add (local.get $jb) (i32.const 48)) (local.get $last)))
                                (local.get $jb)))
        (local.set $p (local.get $offs))
        (local.set $addr (i32.add (local.get $base) (i32.load (local.get $p))))
        (local.set $a0 (v128.load (local.get $addr)))
        (local.set $a1 (v128.load (i32.add (local.get $addr) (local.get $c1))))
        (local.set $a2 (v128.load (i32.add (local.get $addr) (local.get $c2))))
        (local.set $a3 (v128.load (i32.add (local.get $addr) (local.get $c3))))
        (block $g4done
          (loop $G4
            (br_if $g4done (i32.ge_u (local.tee $p (i32.add (local.get $p) (i32.const 4))) (local.get $pend)))
            (local.set $addr (i32.add (local.get $base) (i32.load (local.get $p))))
            (local.set $a0 (f64x2.add (local.get $a0) (v128.load (local.get $addr))))
            (local.set $a1 (f64x2.add (local.get $a1) (v128.load (i32.add (local.get $addr) (local.get $c1)))))
            (local.set $a2 (f64x2.add (local.get $a2) (v128.load (i32.add (local.get $addr) (local.get $c2)))))
            (local.set $a3 (f64x2.add (local.get $a3) (v128.load (i32.add (local.get $addr) (local.get $c3)))))
            (br $G4)))
        (local.set $addr (i32.add (local.get $out) (local.get $jb)))
        (v128.store (local.get $addr) (local.get $a0))
        (v128.store (i32.add (local.get $addr) (local.get $c1)) (local.get $a1))
        (v128.store (i32.add (local.get $addr) (local.get $c2)) (local.get $a2))
        (v128.store (i32.add (local.get $addr) (local.get $c3)) (local.get $a3))
        (local.set $jb (i32.add (local.get $jb) (i32.const 64)))
        (br $B4))))

  ;; Subset-sum tables, float64 (see build_f32).
  (func $build_f64_i (param $W i32) (param $bias i32) (param $T i32) (param $g0 i32) (param $g1 i32) (param $nVec i32)
    (local $row i32) (local $g i32) (local $jb i32) (local $w i32) (local $t i32)
    (local $w0 v128) (local $w1 v128) (local $w2 v128) (local $w3 v128)
    (local $e0 v128) (local $e1 v128) (local $e2 v128) (local $e3 v128)
    (local $e4 v128) (local $e5 v128) (local $e6 v128) (local $e7 v128)
    (local.set $row (i32.shl (local.get $nVec) (i32.const 4)))
    (local.set $g (local.get $g0))
    (block $gdone
      (loop $G
        (br_if $gdone (i32.ge_u (local.get $g) (local.get $g1)))
        (local.set $jb (i32.const 0))
        (block $jdone
          (loop $J
            (br_if $jdone (i32.ge_u (local.get $jb) (local.get $row)))
            (local.set $w (i32.add (i32.add (local.get $W) (i32.mul (i32.shl (local.get $g) (i32.const 2)) (local.get $row))) (local.get $jb)))
            (local.set $w0 (v128.load (local.get $w)))
            (local.set $w1 (v128.load (i32.add (local.get $w) (local.get $row))))
            (local.set $w2 (v128.load (i32.add (local.get $w) (i32.shl (local.get $row) (i32.const 1)))))
            (local.set $w3 (v128.load (i32.add (local.get $w) (i32.mul (local.get $row) (i32.const 3)))))
            (local.set $e0 (v128.const i32x4 0 0 0 0))
            (if (i32.and (i32.eqz (local.get $g)) (i32.ne (local.get $bias) (i32.const 0)))
              (then (local.set $e0 (v128.load (i32.add (local.get $bias) (local.get $jb))))))
            (local.set $e1 (f64x2.add (local.get $e0) (local.get $w0)))
            (local.set $e2 (f64x2.add (local.get $e0) (local.get $w1)))
            (local.set $e3 (f64x2.add (local.get $e1) (local.get $w1)))
            (local.set $e4 (f64x2.add (local.get $e0) (local.get $w2)))
            (local.set $e5 (f64x2.add (local.get $e1) (local.get $w2)))
            (local.set $e6 (f64x2.add (local.get $e2) (local.get $w2)))
            (local.set $e7 (f64x2.add (local.get $e3) (local.get $w2)))
            (local.set $t (i32.add (i32.add (local.get $T) (i32.mul (i32.shl (local.get $g) (i32.const 4)) (local.get $row))) (local.get $jb)))
            (v128.store (local.get $t) (local.get $e0))
            (v128.store (local.tee $t (i32.add (local.get $t) (local.get $row))) (local.get $e1))
            (v128.store (local.tee $t (i32.add (local.get $t) (local.get $row))) (local.get $e2))
            (v128.store (local.tee $t (i32.add (local.get $t) (local.get $row))) (local.get $e3))
            (v128.store (local.tee $t (i32.add (local.get $t) (local.get $row))) (local.get $e4))
            (v128.store (local.tee $t (i32.add (local.get $t) (local.get $row))) (local.get $e5))
            (v128.store (local.tee $t (i32.add (local.get $t) (local.get $row))) (local.get $e6))
            (v128.store (local.tee $t (i32.add (local.get $t) (local.get $row))) (local.get $e7))
            (v128.store (local.tee $t (i32.add (local.get $t) (local.get $row))) (f64x2.add (local.get $e0) (local.get $w3)))
            (v128.store (local.tee $t (i32.add (local.get $t) (local.get $row))) (f64x2.add (local.get $e1) (local.get $w3)))
            (v128.store (local.tee $t (i32.add (local.get $t) (local.get $row))) (f64x2.add (local.get $e2) (local.get $w3)))
            (v128.store (local.tee $t (i32.add (local.get $t) (local.get $row))) (f64x2.add (local.get $e3) (local.get $w3)))
            (v128.store (local.tee $t (i32.add (local.get $t) (local.get $row))) (f64x2.add (local.get $e4) (local.get $w3)))
            (v128.store (local.tee $t (i32.add (local.get $t) (local.get $row))) (f64x2.add (local.get $e5) (local.get $w3)))
            (v128.store (local.tee $t (i32.add (local.get $t) (local.get $row))) (f64x2.add (local.get $e6) (local.get $w3)))
            (v128.store (local.tee $t (i32.add (local.get $t) (local.get $row))) (f64x2.add (local.get $e7) (local.get $w3)))
            (local.set $jb (i32.add (local.get $jb) (i32.const 16)))
            (br $J)))
        (local.set $g (i32.add (local.get $g) (i32.const 1)))
        (br $G))))

  ;; ------------------------------------------------------------------------------------------
  ;; Gradient: context gctx (src/kernels/abi.mjs).
  ;; P[s] = w_s σ(θ_s) with θ_s = c + Wᵀ v_s, and P[s][4gH] = w_s; then G = Σ_s v_s P[s]ᵀ by
  ;; subset-sum tables over groups of four samples (U), and the gradient is −G (W, b), −Σ_s P[s] (c).

  ;; raw f64 parameters [W | b | c] (gctx.raw) → Wp (f64 [4gV][4gH], zero padding) and cp.
  (func (export "grad_load") (param $gctx i32)
    (local $nV i32) (local $nH i32) (local $gH i32) (local $src i32) (local $dst i32) (local $i i32) (local $j i32)
    (local.set $nV (i32.load offset={gctx.nV} (local.get $gctx)))
    (local.set $nH (i32.load offset={gctx.nH} (local.get $gctx)))
    (local.set $gH (i32.load offset={gctx.gH} (local.get $gctx)))
    (local.set $src (i32.load offset={gctx.raw} (local.get $gctx)))
    (block $idone (loop $I
      (br_if $idone (i32.ge_u (local.get $i) (local.get $nV)))
      (local.set $dst (i32.add (i32.load offset={gctx.Wp} (local.get $gctx))
        (i32.mul (local.get $i) (i32.shl (local.get $gH) (i32.const 5)))))
      (local.set $j (i32.const 0))
      (block $jdone (loop $J
        (br_if $jdone (i32.gt_u (i32.add (local.get $j) (i32.const 2)) (local.get $nH)))
        (v128.store (i32.add (local.get $dst) (i32.shl (local.get $j) (i32.const 3))) (v128.load (i32.add (local.get $src) (i32.shl (local.get $j) (i32.const 3)))))
        (local.set $j (i32.add (local.get $j) (i32.const 2)))
        (br $J)))
      (if (i32.lt_u (local.get $j) (local.get $nH))
        (then (f64.store (i32.add (local.get $dst) (i32.shl (local.get $j) (i32.const 3))) (f64.load (i32.add (local.get $src) (i32.shl (local.get $j) (i32.const 3)))))))
      (local.set $src (i32.add (local.get $src) (i32.shl (local.get $nH) (i32.const 3))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $I)))
    ;; skip b; copy c
    (local.set $src (i32.add (local.get $src) (i32.shl (local.get $nV) (i32.const 3))))
    (local.set $j (i32.const 0))
    (block $cdone (loop $Cl
      (br_if $cdone (i32.ge_u (local.get $j) (local.get $nH)))
      (f64.store (i32.add (i32.load offset={gctx.cp} (local.get $gctx)) (i32.shl (local.get $j) (i32.const 3)))
        (f64.load (i32.add (local.get $src) (i32.shl (local.get $j) (i32.const 3)))))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $Cl))))

  ;; TH for groups [g0, g1)
  (func (export "grad_tables") (param $gctx i32) (param $g0 i32) (param $g1 i32)
    (call $build_f64_i (i32.load offset={gctx.Wp} (local.get $gctx)) (i32.load offset={gctx.cp} (local.get $gctx))
                        (i32.load offset={gctx.TH} (local.get $gctx))
      (local.get $g0) (local.get $g1) (i32.shl (i32.load offset={gctx.gH} (local.get $gctx)) (i32.const 1))))

  ;; For samples [s0, s1): encode, θ = c + Wᵀv (float64 subset sums), P row = w σ(θ) and w.
  ;; σ(θ) = 1/(1 + e^{−θ}) with e^x inline: |x| ≤ 708, x = n ln2 + r (Cody–Waite), e^r by the
  ;; degree-11 polynomial interpolating it at Chebyshev nodes of |r| ≤ ln2/2 (max error 2.2e-16 in
  ;; float64 Horner), 2^n from the bits; about 1 ulp overall (see exp_f64 and its test).
  (func (export "grad_act") (param $gctx i32) (param $s0 i32) (param $s1 i32)
    (local $nV i32) (local $gV i32) (local $gH i32) (local $s i32) (local $pr i32) (local $pend i32)
    (local $wv v128) (local $offs i32) (local $rowBytesP i32) (local $sigBytes i32)
    (local $x v128) (local $y v128) (local $n v128) (local $r v128) (local $p v128)
    (local $M i32) (local $g i32) (local $TH i32) (local $rowT i32) (local $addr i32) (local $last i32)
    (local $c1 i32) (local $c2 i32) (local $c3 i32) (local $c4 i32) (local $c5 i32) (local $c6 i32) (local $c7 i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (local.set $nV (i32.load offset={gctx.nV} (local.get $gctx)))
    (local.set $gV (i32.load offset={gctx.gV} (local.get $gctx)))
    (local.set $gH (i32.load offset={gctx.gH} (local.get $gctx)))
    (local.set $rowBytesP (i32.shl (i32.add (i32.shl (local.get $gH) (i32.const 1)) (i32.const 1)) (i32.const 4)))
    ;; Two passes over the samples: θ (and the weight) of every sample first, then every σ. The σ
    ;; loop then contains no call, so V8 materialises its ~20 vector constants once per call instead
    ;; of once per sample (each call of encode/lut_f64 clobbers the vector registers): at small nH
    ;; (W1: 5 vectors per sample) this made grad_act 10–13 % faster. Every value is computed by the
    ;; same operations from the same inputs as in one pass, so P is bit-identical.
    (if (i32.and (i32.le_u (local.get $gV) (i32.const 4)) (i32.le_u (local.get $gH) (i32.const 4)))
      (then
        ;; At most 16 units a side: $encode and $lut_f64 inline, θ as 8 columns of accumulators, those
        ;; beyond the row's 2gH vectors clamped to its last (as in $lut_f64: a duplicated column sums
        ;; the same loads in the same order and stores the same value to the same place). Each column
        ;; is T[g = 0] + T[1] + … in group order, as $lut_f64 sums it: bit-identical.
        (local.set $TH (i32.load offset={gctx.TH} (local.get $gctx)))
        (local.set $rowT (i32.shl (local.get $gH) (i32.const 5)))
        (local.set $last (i32.sub (i32.shl (local.get $gH) (i32.const 5)) (i32.const 16)))
        (local.set $c1 (select (i32.const 16) (local.get $last) (i32.lt_u (i32.const 16) (local.get $last))))
        (local.set $c2 (select (i32.const 32) (local.get $last) (i32.lt_u (i32.const 32) (local.get $last))))
        (local.set $c3 (select (i32.const 48) (local.get $last) (i32.lt_u (i32.const 48) (local.get $last))))
        (local.set $c4 (select (i32.const 64) (local.get $last) (i32.lt_u (i32.const 64) (local.get $last))))
        (local.set $c5 (select (i32.const 80) (local.get $last) (i32.lt_u (i32.const 80) (local.get $last))))
        (local.set $c6 (select (i32.const 96) (local.get $last) (i32.lt_u (i32.const 96) (local.get $last))))
        (local.set $c7 (select (i32.const 112) (local.get $last) (i32.lt_u (i32.const 112) (local.get $last))))
        (local.set $s (local.get $s0))
        (block $sdone
          (loop $S
            (br_if $sdone (i32.ge_u (local.get $s) (local.get $s1)))
            (local.set $M
              (i32.and
                (i8x16.bitmask
                  (i8x16.ne (v128.load (i32.add (i32.load offset={gctx.S} (local.get $gctx)) (i32.mul (local.get $s) (local.get $nV))))
                            (v128.const i32x4 0 0 0 0)))
                (i32.sub (i32.shl (i32.const 1) (local.get $nV)) (i32.const 1))))
            (local.set $addr (i32.add (local.get $TH) (i32.mul (i32.and (local.get $M) (i32.const 15)) (local.get $rowT))))
            (local.set $a0 (v128.load (local.get $addr)))
            (local.set $a1 (v128.load (i32.add (local.get $addr) (local.get $c1))))
            (local.set $a2 (v128.load (i32.add (local.get $addr) (local.get $c2))))
            (local.set $a3 (v128.load (i32.add (local.get $addr) (local.get $c3))))
            (local.set $a4 (v128.load (i32.add (local.get $addr) (local.get $c4))))
            (local.set $a5 (v128.load (i32.add (local.get $addr) (local.get $c5))))
            (local.set $a6 (v128.load (i32.add (local.get $addr) (local.get $c6))))
            (local.set $a7 (v128.load (i32.add (local.get $addr) (local.get $c7))))
            (local.set $g (i32.const 1))
            (block $gdone
              (loop $G
                (br_if $gdone (i32.ge_u (local.get $g) (local.get $gV)))
                ;; row (16g + m_g) of TH
                (local.set $addr
                  (i32.add (local.get $TH)
                    (i32.mul (i32.add (i32.shl (local.get $g) (i32.const 4))
                                      (i32.and (i32.shr_u (local.get $M) (i32.shl (local.get $g) (i32.const 2))) (i32.const 15)))
                             (local.get $rowT))))
                (local.set $a0 (f64x2.add (local.get $a0) (v128.load (local.get $addr))))
                (local.set $a1 (f64x2.add (local.get $a1) (v128.load (i32.add (local.get $addr) (local.get $c1)))))
                (local.set $a2 (f64x2.add (local.get $a2) (v128.load (i32.add (local.get $addr) (local.get $c2)))))
                (local.set $a3 (f64x2.add (local.get $a3) (v128.load (i32.add (local.get $addr) (local.get $c3)))))
                (local.set $a4 (f64x2.add (local.get $a4) (v128.load (i32.add (local.get $addr) (local.get $c4)))))
                (local.set $a5 (f64x2.add (local.get $a5) (v128.load (i32.add (local.get $addr) (local.get $c5)))))
                (local.set $a6 (f64x2.add (local.get $a6) (v128.load (i32.add (local.get $addr) (local.get $c6)))))
                (local.set $a7 (f64x2.add (local.get $a7) (v128.load (i32.add (local.get $addr) (local.get $c7)))))
                (local.set $g (i32.add (local.get $g) (i32.const 1)))
                (br $G)))
            (local.set $pr (i32.add (i32.load offset={gctx.P} (local.get $gctx))
              (i32.mul (local.get $s) (local.get $rowBytesP))))
            (v128.store (local.get $pr) (local.get $a0))
            (v128.store (i32.add (local.get $pr) (local.get $c1)) (local.get $a1))
            (v128.store (i32.add (local.get $pr) (local.get $c2)) (local.get $a2))
            (v128.store (i32.add (local.get $pr) (local.get $c3)) (local.get $a3))
            (v128.store (i32.add (local.get $pr) (local.get $c4)) (local.get $a4))
            (v128.store (i32.add (local.get $pr) (local.get $c5)) (local.get $a5))
            (v128.store (i32.add (local.get $pr) (local.get $c6)) (local.get $a6))
            (v128.store (i32.add (local.get $pr) (local.get $c7)) (local.get $a7))
            (v128.store (i32.add (local.get $pr) (i32.shl (local.get $gH) (i32.const 5)))
              (f64x2.replace_lane 0 (v128.const f64x2 0 0)
                (f64.load (i32.add (i32.load offset={gctx.w} (local.get $gctx)) (i32.shl (local.get $s) (i32.const 3))))))
            (local.set $s (i32.add (local.get $s) (i32.const 1)))
            (br $S))))
      (else
        (local.set $s (local.get $s0))
        (block $done
          (loop $S
            (br_if $done (i32.ge_u (local.get $s) (local.get $s1)))
            (local.set $offs (i32.add (i32.load offset={gctx.sOff} (local.get $gctx))
              (i32.mul (local.get $s) (i32.shl (local.get $gV) (i32.const 2)))))
            (call $encode (i32.add (i32.load offset={gctx.S} (local.get $gctx)) (i32.mul (local.get $s) (local.get $nV)))
              (local.get $nV)
              (local.get $offs) (i32.const 0) (i32.shl (local.get $gH) (i32.const 5)))
            (local.set $pr (i32.add (i32.load offset={gctx.P} (local.get $gctx))
              (i32.mul (local.get $s) (local.get $rowBytesP))))
            (call $lut_f64 (i32.load offset={gctx.TH} (local.get $gctx))
              (local.get $offs) (local.get $gV) (i32.shl (local.get $gH) (i32.const 1)) (local.get $pr))
            ;; P[s][4gH] = w_s (after the 2gH vectors of θ, which the σ pass does not reach)
            (v128.store (i32.add (local.get $pr) (i32.shl (local.get $gH) (i32.const 5)))
              (f64x2.replace_lane 0 (v128.const f64x2 0 0)
                (f64.load (i32.add (i32.load offset={gctx.w} (local.get $gctx)) (i32.shl (local.get $s) (i32.const 3))))))
            (local.set $s (i32.add (local.get $s) (i32.const 1)))
            (br $S)))))
    ;; σ only where there are hidden units (padding columns keep θ = 0 and are never read)
    (local.set $sigBytes
      (i32.shl (i32.shr_u (i32.add (i32.load offset={gctx.nH} (local.get $gctx)) (i32.const 1)) (i32.const 1))
               (i32.const 4)))
    (local.set $s (local.get $s0))
    (block $sdone
      (loop $S2
        (br_if $sdone (i32.ge_u (local.get $s) (local.get $s1)))
        (local.set $pr (i32.add (i32.load offset={gctx.P} (local.get $gctx))
          (i32.mul (local.get $s) (local.get $rowBytesP))))
        (local.set $wv (v128.load64_splat (i32.add (local.get $pr) (i32.shl (local.get $gH) (i32.const 5)))))
        (local.set $pend (i32.add (local.get $pr) (local.get $sigBytes)))
        (loop $Q
          (local.set $x (f64x2.pmax (f64x2.pmin (f64x2.neg (v128.load (local.get $pr))) (v128.const f64x2 708 708)) (v128.const f64x2 -708 -708)))
          (local.set $y (f64x2.add (f64x2.mul (local.get $x) (v128.const f64x2 1.4426950408889634 1.4426950408889634))
                                   (v128.const f64x2 6755399441055744 6755399441055744)))
          (local.set $n (f64x2.sub (local.get $y) (v128.const f64x2 6755399441055744 6755399441055744)))
          (local.set $r (f64x2.sub (f64x2.sub (local.get $x) (f64x2.mul (local.get $n) (v128.const f64x2 6.93147180369123816490e-01 6.93147180369123816490e-01)))
                                   (f64x2.mul (local.get $n) (v128.const f64x2 1.90821492927058770002e-10 1.90821492927058770002e-10))))
          (local.set $p (f64x2.add (f64x2.mul (v128.const f64x2 2.5110037605963777e-08 2.5110037605963777e-08) (local.get $r))
                                   (v128.const f64x2 2.763263963904103e-07 2.763263963904103e-07)))
          (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 2.755724091857897e-06 2.755724091857897e-06)))
          (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 2.4801485482328494e-05 2.4801485482328494e-05)))
          (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 0.00019841269890047113 0.00019841269890047113)))
          (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 0.0013888888952314775 0.0013888888952314775)))
          (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 0.008333333333319601 0.008333333333319601)))
          (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 0.0416666666664881 0.0416666666664881)))
          (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 0.1666666666666668 0.1666666666666668)))
          (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 0.5000000000000019 0.5000000000000019)))
          (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 1 1)))
          (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 1 1)))
          (local.set $p (f64x2.mul (local.get $p) (i64x2.shl (i64x2.add (local.get $y) (v128.const i64x2 1023 1023)) (i32.const 52))))
          (v128.store (local.get $pr) (f64x2.div (local.get $wv) (f64x2.add (v128.const f64x2 1 1) (local.get $p))))
          (br_if $Q (i32.lt_u (local.tee $pr (i32.add (local.get $pr) (i32.const 16))) (local.get $pend))))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (br $S2))))

  ;; e^x for one float64 (|x| ≤ 708), by exactly the code that grad_act inlines: for the tests.
  (func (export "exp_f64") (param $xin f64) (result f64)
    (local $x v128) (local $y v128) (local $n v128) (local $r v128) (local $p v128)
    (local.set $x (f64x2.pmax (f64x2.pmin (f64x2.splat (local.get $xin)) (v128.const f64x2 708 708)) (v128.const f64x2 -708 -708)))
          (local.set $y (f64x2.add (f64x2.mul (local.get $x) (v128.const f64x2 1.4426950408889634 1.4426950408889634))
                                   (v128.const f64x2 6755399441055744 6755399441055744)))
          (local.set $n (f64x2.sub (local.get $y) (v128.const f64x2 6755399441055744 6755399441055744)))
          (local.set $r (f64x2.sub (f64x2.sub (local.get $x) (f64x2.mul (local.get $n) (v128.const f64x2 6.93147180369123816490e-01 6.93147180369123816490e-01)))
                                   (f64x2.mul (local.get $n) (v128.const f64x2 1.90821492927058770002e-10 1.90821492927058770002e-10))))
          (local.set $p (f64x2.add (f64x2.mul (v128.const f64x2 2.5110037605963777e-08 2.5110037605963777e-08) (local.get $r))
                                   (v128.const f64x2 2.763263963904103e-07 2.763263963904103e-07)))
          (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 2.755724091857897e-06 2.755724091857897e-06)))
          (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 2.4801485482328494e-05 2.4801485482328494e-05)))
          (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 0.00019841269890047113 0.00019841269890047113)))
          (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 0.0013888888952314775 0.0013888888952314775)))
          (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 0.008333333333319601 0.008333333333319601)))
          (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 0.0416666666664881 0.0416666666664881)))
          (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 0.1666666666666668 0.1666666666666668)))
          (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 0.5000000000000019 0.5000000000000019)))
          (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 1 1)))
          (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 1 1)))
          (local.set $p (f64x2.mul (local.get $p) (i64x2.shl (i64x2.add (local.get $y) (v128.const i64x2 1023 1023)) (i32.const 52))))
    (f64x2.extract_lane 0 (local.get $p)))

  ;; U tables for sample groups [q0, q1)
  (func (export "grad_utab") (param $gctx i32) (param $q0 i32) (param $q1 i32)
    (call $build_f64_i (i32.load offset={gctx.P} (local.get $gctx)) (i32.const 0)
                        (i32.load offset={gctx.U} (local.get $gctx))
      (local.get $q0) (local.get $q1)
      (i32.add (i32.shl (i32.load offset={gctx.gH} (local.get $gctx)) (i32.const 1)) (i32.const 1))))

  ;; For visible units [i0, i1): Q offsets (pattern of v_i over each group of 4 samples) and G rows.
  (func (export "grad_outer") (param $gctx i32) (param $i0 i32) (param $i1 i32)
    (local $nV i32) (local $nQ i32) (local $nQmax i32) (local $S i32) (local $i i32) (local $q i32) (local $sp i32)
    (local $rowBytesP i32) (local $qo i32) (local $m i32)
    (local.set $nV (i32.load offset={gctx.nV} (local.get $gctx)))
    (local.set $nQ (i32.load offset={gctx.nQ} (local.get $gctx)))
    (local.set $nQmax (i32.load offset={gctx.nQmax} (local.get $gctx)))
    (local.set $S (i32.load offset={gctx.S} (local.get $gctx)))
    (local.set $rowBytesP
      (i32.shl (i32.add (i32.shl (i32.load offset={gctx.gH} (local.get $gctx)) (i32.const 1)) (i32.const 1))
               (i32.const 4)))
    (local.set $i (local.get $i0))
    (block $done
      (loop $I
        (br_if $done (i32.ge_u (local.get $i) (local.get $i1)))
        (local.set $qo (i32.add (i32.load offset={gctx.Q} (local.get $gctx))
          (i32.shl (i32.mul (local.get $i) (local.get $nQmax)) (i32.const 2))))
        (local.set $q (i32.const 0))
        (local.set $sp (i32.add (local.get $S) (local.get $i)))
        (block $qdone
          (loop $Q
            (br_if $qdone (i32.ge_u (local.get $q) (local.get $nQ)))
            (local.set $m
              (i32.or
                (i32.or (i32.load8_u (local.get $sp))
                        (i32.shl (i32.load8_u (i32.add (local.get $sp) (local.get $nV))) (i32.const 1)))
                (i32.or (i32.shl (i32.load8_u (i32.add (local.get $sp) (i32.shl (local.get $nV) (i32.const 1)))) (i32.const 2))
                        (i32.shl (i32.load8_u (i32.add (local.get $sp) (i32.mul (local.get $nV) (i32.const 3)))) (i32.const 3)))))
            (i32.store (i32.add (local.get $qo) (i32.shl (local.get $q) (i32.const 2)))
              (i32.mul (i32.add (i32.shl (local.get $q) (i32.const 4)) (i32.and (local.get $m) (i32.const 15))) (local.get $rowBytesP)))
            (local.set $sp (i32.add (local.get $sp) (i32.shl (local.get $nV) (i32.const 2))))
            (local.set $q (i32.add (local.get $q) (i32.const 1)))
            (br $Q)))
        (call $lut_f64 (i32.load offset={gctx.U} (local.get $gctx)) (local.get $qo) (local.get $nQ)
          (i32.shr_u (local.get $rowBytesP) (i32.const 4))
          (i32.add (i32.load offset={gctx.G} (local.get $gctx)) (i32.mul (local.get $i) (local.get $rowBytesP))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $I))))

  ;; gc = Σ_q U[q][15] (fixed order), then grad = [−G_W | −G_b | −gc] in the RBM's parameter layout.
  (func (export "grad_finish") (param $gctx i32)
    (local $nV i32) (local $nH i32) (local $nQ i32) (local $gH i32) (local $rowBytesP i32) (local $U i32) (local $acc i32)
    (local $q i32) (local $j i32) (local $i i32) (local $G i32) (local $out i32) (local $src i32) (local $nvec i32)
    (local $last i32) (local $j2 i32) (local $s0 v128) (local $s1 v128)
    (local.set $nV (i32.load offset={gctx.nV} (local.get $gctx)))
    (local.set $nH (i32.load offset={gctx.nH} (local.get $gctx)))
    (local.set $gH (i32.load offset={gctx.gH} (local.get $gctx)))
    (local.set $nQ (i32.load offset={gctx.nQ} (local.get $gctx)))
    (local.set $U (i32.load offset={gctx.U} (local.get $gctx)))
    (local.set $G (i32.load offset={gctx.G} (local.get $gctx)))
    (local.set $out (i32.load offset={gctx.grad} (local.get $gctx)))
    (local.set $acc (i32.load offset={gctx.gc} (local.get $gctx)))
    (local.set $nvec (i32.add (i32.shl (local.get $gH) (i32.const 1)) (i32.const 1)))
    (local.set $rowBytesP (i32.shl (local.get $nvec) (i32.const 4)))
    ;; gc = ((0 + U[0][15]) + U[1][15]) + ..., two columns at a time (the second clamped to the last
    ;; one, where a duplicate stores the same value), each sum in a register: through memory, every
    ;; addition waited for the store before it.
    (local.set $last (i32.sub (local.get $rowBytesP) (i32.const 16)))
    (local.set $j (i32.const 0))
    (block $jd (loop $J
      (br_if $jd (i32.ge_u (local.get $j) (local.get $rowBytesP)))
      (local.set $j2 (select (i32.add (local.get $j) (i32.const 16)) (local.get $last)
                             (i32.lt_u (local.get $j) (local.get $last))))
      (local.set $s0 (v128.const f64x2 0 0))
      (local.set $s1 (v128.const f64x2 0 0))
      (local.set $src (i32.add (local.get $U) (i32.mul (i32.const 15) (local.get $rowBytesP))))
      (local.set $q (i32.const 0))
      (block $qd (loop $Q
        (br_if $qd (i32.ge_u (local.get $q) (local.get $nQ)))
        (local.set $s0 (f64x2.add (local.get $s0) (v128.load (i32.add (local.get $src) (local.get $j)))))
        (local.set $s1 (f64x2.add (local.get $s1) (v128.load (i32.add (local.get $src) (local.get $j2)))))
        (local.set $src (i32.add (local.get $src) (i32.shl (local.get $rowBytesP) (i32.const 4))))
        (local.set $q (i32.add (local.get $q) (i32.const 1)))
        (br $Q)))
      (v128.store (i32.add (local.get $acc) (local.get $j)) (local.get $s0))
      (v128.store (i32.add (local.get $acc) (local.get $j2)) (local.get $s1))
      (local.set $j (i32.add (local.get $j) (i32.const 32)))
      (br $J)))
    ;; W part: grad[i nH + j] = −G[i][j]
    (local.set $i (i32.const 0))
    (block $id (loop $I
      (br_if $id (i32.ge_u (local.get $i) (local.get $nV)))
      (local.set $src (i32.add (local.get $G) (i32.mul (local.get $i) (local.get $rowBytesP))))
      (local.set $j (i32.const 0))
      (block $jd2 (loop $J2
        (br_if $jd2 (i32.ge_u (local.get $j) (local.get $nH)))
        (f64.store (local.get $out) (f64.neg (f64.load (i32.add (local.get $src) (i32.shl (local.get $j) (i32.const 3))))))
        (local.set $out (i32.add (local.get $out) (i32.const 8)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $J2)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $I)))
    ;; b part: grad[nV nH + i] = −G[i][4gH]
    (local.set $i (i32.const 0))
    (block $bd (loop $B
      (br_if $bd (i32.ge_u (local.get $i) (local.get $nV)))
      (f64.store (local.get $out)
        (f64.neg (f64.load (i32.add (i32.add (local.get $G) (i32.mul (local.get $i) (local.get $rowBytesP))) (i32.shl (local.get $gH) (i32.const 5))))))
      (local.set $out (i32.add (local.get $out) (i32.const 8)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $B)))
    ;; c part
    (local.set $j (i32.const 0))
    (block $cd (loop $Cl
      (br_if $cd (i32.ge_u (local.get $j) (local.get $nH)))
      (f64.store (local.get $out) (f64.neg (f64.load (i32.add (local.get $acc) (i32.shl (local.get $j) (i32.const 3))))))
      (local.set $out (i32.add (local.get $out) (i32.const 8)))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $Cl))))

  ;; ------------------------------------------------------------------------------------------
  ;; Exact enumeration (src/kernels/exact.ts): context ectx (src/kernels/abi.mjs). Chunk indices
  ;; ch0, ch1 count from the block's start kBlock; W and c have zero padding.
  ;; For every configuration k of the chunks [ch0, ch1) (in Gray-code order, k ↦ index k ^ (k >> 1)),
  ;; outF[k − kBlock] = b·v + Σ_j max(θ_j, 0) and outP[k − kBlock] = Π_j (1 + e^{−|θ_j|}), so that
  ;; −F(v) = outF + log outP. θ is computed afresh at the start of every chunk, so each value depends
  ;; only on its chunk (not on which thread ran it), and the Gray-code updates never run longer
  ;; than one chunk.
  (func (export "exact_chunks") (param $ectx i32) (param $ch0 i32) (param $ch1 i32) (param $theta i32)
    (local $n i32) (local $nVec i32) (local $W i32) (local $b i32) (local $row i32) (local $L i32)
    (local $ch i32) (local $k i32) (local $k1 i32) (local $g i32) (local $i i32) (local $q i32) (local $t i32)
    (local $vis f64) (local $d v128) (local $x v128) (local $a v128) (local $y v128) (local $nn v128) (local $r v128)
    (local $p v128) (local $sm v128) (local $pr v128) (local $mask v128) (local $tp i32) (local $tend i32)
    (local $outF i32) (local $outP i32) (local $kb i32) (local $wr i32)
    (local.set $n (i32.load offset={ectx.n} (local.get $ectx)))
    (local.set $nVec (i32.load offset={ectx.nVec} (local.get $ectx)))
    (local.set $W (i32.load offset={ectx.W} (local.get $ectx)))
    (local.set $b (i32.load offset={ectx.b} (local.get $ectx)))
    (local.set $outF (i32.load offset={ectx.outF} (local.get $ectx)))
    (local.set $outP (i32.load offset={ectx.outP} (local.get $ectx)))
    (local.set $L (i32.load offset={ectx.chunkLog2} (local.get $ectx)))
    (local.set $kb (i32.load offset={ectx.kBlock} (local.get $ectx)))
    (local.set $mask (v128.load offset={ectx.mask} (local.get $ectx)))
    (local.set $row (i32.shl (local.get $nVec) (i32.const 4)))
    (local.set $tend (i32.add (local.get $theta) (local.get $row)))
    (local.set $ch (local.get $ch0))
    (block $chdone
      (loop $CH
        (br_if $chdone (i32.ge_u (local.get $ch) (local.get $ch1)))
        (local.set $k (i32.shl (i32.add (local.get $ch) (i32.shr_u (local.get $kb) (local.get $L))) (local.get $L)))
        (local.set $k1 (i32.add (local.get $k) (i32.shl (i32.const 1) (local.get $L))))
        ;; θ = c + Σ_{i: v_i = 1} W_i and b·v for the configuration g = k ^ (k >> 1) (qubit i = bit n−1−i)
        (local.set $g (i32.xor (local.get $k) (i32.shr_u (local.get $k) (i32.const 1))))
        (local.set $tp (local.get $theta))
        (local.set $q (i32.load offset={ectx.c} (local.get $ectx)))
        (loop $C0
          (v128.store (local.get $tp) (v128.load (local.get $q)))
          (local.set $q (i32.add (local.get $q) (i32.const 16)))
          (br_if $C0 (i32.lt_u (local.tee $tp (i32.add (local.get $tp) (i32.const 16))) (local.get $tend))))
        (local.set $vis (f64.const 0))
        (local.set $i (i32.const 0))
        (loop $I0
          (if (i32.and (i32.shr_u (local.get $g) (i32.sub (i32.sub (local.get $n) (i32.const 1)) (local.get $i))) (i32.const 1))
            (then
              (local.set $vis (f64.add (local.get $vis) (f64.load (i32.add (local.get $b) (i32.shl (local.get $i) (i32.const 3))))))
              (local.set $tp (local.get $theta))
              (local.set $q (i32.add (local.get $W) (i32.mul (local.get $i) (local.get $row))))
              (loop $R0
                (v128.store (local.get $tp) (f64x2.add (v128.load (local.get $tp)) (v128.load (local.get $q))))
                (local.set $q (i32.add (local.get $q) (i32.const 16)))
                (br_if $R0 (i32.lt_u (local.tee $tp (i32.add (local.get $tp) (i32.const 16))) (local.get $tend))))))
          (br_if $I0 (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
        (local.set $wr (i32.shl (i32.sub (local.get $k) (local.get $kb)) (i32.const 3)))
        (loop $K
          ;; Σ max(θ, 0) and Π (1 + e^{−|θ|}), two lanes at a time
          (local.set $sm (v128.const f64x2 0 0))
          (local.set $pr (v128.const f64x2 1 1))
          (local.set $tp (local.get $theta))
          (loop $V
            (local.set $x (v128.load (local.get $tp)))
            (local.set $a (f64x2.abs (local.get $x)))
            ;; e^{−a}: −a ∈ [−708, 0] after the clamp (below, 1 + e^{−a} is 1 anyway)
            (local.set $nn (f64x2.pmax (f64x2.neg (local.get $a)) (v128.const f64x2 -708 -708)))
            (local.set $y (f64x2.add (f64x2.mul (local.get $nn) (v128.const f64x2 1.4426950408889634 1.4426950408889634))
                                     (v128.const f64x2 6755399441055744 6755399441055744)))
            (local.set $r (f64x2.sub (local.get $y) (v128.const f64x2 6755399441055744 6755399441055744)))
            (local.set $r (f64x2.sub (f64x2.sub (local.get $nn) (f64x2.mul (local.get $r) (v128.const f64x2 6.93147180369123816490e-01 6.93147180369123816490e-01)))
                                     (f64x2.mul (local.get $r) (v128.const f64x2 1.90821492927058770002e-10 1.90821492927058770002e-10))))
            (local.set $p (f64x2.add (f64x2.mul (v128.const f64x2 2.5110037605963777e-08 2.5110037605963777e-08) (local.get $r))
                                     (v128.const f64x2 2.763263963904103e-07 2.763263963904103e-07)))
            (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 2.755724091857897e-06 2.755724091857897e-06)))
            (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 2.4801485482328494e-05 2.4801485482328494e-05)))
            (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 0.00019841269890047113 0.00019841269890047113)))
            (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 0.0013888888952314775 0.0013888888952314775)))
            (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 0.008333333333319601 0.008333333333319601)))
            (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 0.0416666666664881 0.0416666666664881)))
            (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 0.1666666666666668 0.1666666666666668)))
            (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 0.5000000000000019 0.5000000000000019)))
            (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 1 1)))
            (local.set $p (f64x2.add (f64x2.mul (local.get $p) (local.get $r)) (v128.const f64x2 1 1)))
            (local.set $p (f64x2.mul (local.get $p) (i64x2.shl (i64x2.add (local.get $y) (v128.const i64x2 1023 1023)) (i32.const 52))))
            (local.set $tp (i32.add (local.get $tp) (i32.const 16)))
            ;; the last vector may hold a padding lane: it contributes max = 0 and a factor 1
            (if (i32.eq (local.get $tp) (local.get $tend))
              (then
                (local.set $p (v128.and (local.get $p) (local.get $mask)))
                (local.set $x (v128.and (local.get $x) (local.get $mask)))
                (local.set $a (v128.and (local.get $a) (local.get $mask)))))
            (local.set $sm (f64x2.add (local.get $sm) (f64x2.mul (f64x2.add (local.get $x) (local.get $a)) (v128.const f64x2 0.5 0.5))))
            (local.set $pr (f64x2.mul (local.get $pr) (f64x2.add (v128.const f64x2 1 1) (local.get $p))))
            (br_if $V (i32.lt_u (local.get $tp) (local.get $tend))))
          (f64.store (i32.add (local.get $outF) (local.get $wr))
            (f64.add (local.get $vis) (f64.add (f64x2.extract_lane 0 (local.get $sm)) (f64x2.extract_lane 1 (local.get $sm)))))
          (f64.store (i32.add (local.get $outP) (local.get $wr))
            (f64.mul (f64x2.extract_lane 0 (local.get $pr)) (f64x2.extract_lane 1 (local.get $pr))))
          (local.set $wr (i32.add (local.get $wr) (i32.const 8)))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (if (i32.lt_u (local.get $k) (local.get $k1))
            (then
              ;; step k flips bit t = ctz(k), qubit n−1−t; + if it was 0 in the previous configuration
              (local.set $t (i32.ctz (local.get $k)))
              (local.set $i (i32.sub (i32.sub (local.get $n) (i32.const 1)) (local.get $t)))
              (local.set $g (i32.xor (i32.sub (local.get $k) (i32.const 1)) (i32.shr_u (i32.sub (local.get $k) (i32.const 1)) (i32.const 1))))
              (local.set $q (i32.add (local.get $W) (i32.mul (local.get $i) (local.get $row))))
              (local.set $tp (local.get $theta))
              (if (i32.and (i32.shr_u (local.get $g) (local.get $t)) (i32.const 1))
                (then
                  (local.set $vis (f64.sub (local.get $vis) (f64.load (i32.add (local.get $b) (i32.shl (local.get $i) (i32.const 3))))))
                  (loop $RM
                    (v128.store (local.get $tp) (f64x2.sub (v128.load (local.get $tp)) (v128.load (local.get $q))))
                    (local.set $q (i32.add (local.get $q) (i32.const 16)))
                    (br_if $RM (i32.lt_u (local.tee $tp (i32.add (local.get $tp) (i32.const 16))) (local.get $tend)))))
                (else
                  (local.set $vis (f64.add (local.get $vis) (f64.load (i32.add (local.get $b) (i32.shl (local.get $i) (i32.const 3))))))
                  (loop $RP
                    (v128.store (local.get $tp) (f64x2.add (v128.load (local.get $tp)) (v128.load (local.get $q))))
                    (local.set $q (i32.add (local.get $q) (i32.const 16)))
                    (br_if $RP (i32.lt_u (local.tee $tp (i32.add (local.get $tp) (i32.const 16))) (local.get $tend))))))
              (br $K))))
        (local.set $ch (i32.add (local.get $ch) (i32.const 1)))
        (br $CH))))

  ;; ------------------------------------------------------------------------------------------
  ;; Exchange moves: context xctx (src/kernels/abi.mjs); the caller is src/sample/exchange.ts, the
  ;; plain-TypeScript twin exchangeReference in src/kernels/reference.ts (same f64 operations in the
  ;; same order: the two agree bit for bit, test/kernels.test.ts).
  ;;
  ;; Each chain draws from its own xoshiro128** stream (the generator of src/core/rng.ts: the same
  ;; 32-bit outputs as Rng.uint32), so a chain's moves do not depend on which thread runs it or on the
  ;; other chains. The stream is held in four locals while its chain is moved, the generator written
  ;; out inline at each draw (a function call per draw with the state in globals, and a division per
  ;; integer, took about a third of the time of a step).
  ;;
  ;; `moves` Metropolis exchange proposals on each of the chains [c0, c1). A proposal takes one of the
  ;; chain's w ones (site d, 1 → 0) and one of its N − w zeros (site u, 0 → 1) uniformly: a, b, then
  ;; the acceptance uniform, from the chain's stream. With Δθ_j = W_uj − W_dj,
  ;;   p(v′)/p(v) = e^{−ΔF} = e^{b_u} e^{−b_d} Π_j f_j,   f_j = q_j + p_j t_j,   t_j = e^{W_uj} e^{−W_dj},
  ;; p_j = σ(θ_j), q_j = σ(−θ_j) (set by the caller from θ = c + Wᵀv), and the move is accepted iff
  ;; u < p(v′)/p(v): the linear form of min(1, e^{−ΔF}), with no log or exp (WebAssembly has neither).
  ;; t_j is clamped to [2^−200, 2^200] (exact unless |Δθ_j| > 138), so every f_j lies in [2^−201, 2^201];
  ;; the running product takes them two at a time (f64x2 for everything elementwise) and is brought
  ;; back by 2^∓500 (exactly) whenever it leaves [2^−500, 2^500], and
  ;; the count s of those rescalings applied at the end: no overflow or underflow on the way, whatever
  ;; n_hidden. An accepted swap updates p_j ← p_j t_j / f_j, q_j ← q_j / f_j: O(n_hidden), no exp.
  (func (export "exchange") (param $xctx i32) (param $c0 i32) (param $c1 i32) (param $moves i32)
    (local $nV i32) (local $nH8 i32) (local $c i32) (local $w i32) (local $m i32)
    (local $a i32) (local $b i32) (local $u f64) (local $up i32) (local $down i32)
    (local $cnt i32) (local $pos i32) (local $rg i32) (local $vis i32) (local $acc i32)
    (local $p i32) (local $q i32) (local $t i32) (local $f i32) (local $eu i32) (local $ed i32)
    (local $j i32) (local $P f64) (local $s i32) (local $r f64) (local $tv v128) (local $fv v128) (local $rv v128)
    (local $z i32) (local $thrA i32) (local $thrB i32) (local $mx i64) (local $eW i32) (local $emW i32) (local $eb i32) (local $emb i32)
    (local $s0 i32) (local $s1 i32) (local $s2 i32) (local $s3 i32) (local $n2 i32) (local $n3 i32) (local $x i32)
    (local.set $eW (i32.load offset={xctx.eW} (local.get $xctx)))
    (local.set $emW (i32.load offset={xctx.emW} (local.get $xctx)))
    (local.set $eb (i32.load offset={xctx.eb} (local.get $xctx)))
    (local.set $emb (i32.load offset={xctx.emb} (local.get $xctx)))
    (local.set $nV (i32.load offset={xctx.nV} (local.get $xctx)))
    (local.set $nH8 (i32.shl (i32.load offset={xctx.nH2} (local.get $xctx)) (i32.const 3)))
    (local.set $c (local.get $c0))
    (block $cdone
      (loop $C
        (br_if $cdone (i32.ge_u (local.get $c) (local.get $c1)))
        (local.set $cnt (i32.add (i32.load offset={xctx.cnt} (local.get $xctx)) (i32.shl (local.get $c) (i32.const 3))))
        (local.set $w (i32.load (local.get $cnt)))
        ;; no ones or no zeros: one configuration in the sector, nothing to exchange
        (if (i32.and (i32.gt_s (local.get $w) (i32.const 0)) (i32.lt_s (local.get $w) (local.get $nV)))
          (then
            (local.set $acc (i32.load offset=4 (local.get $cnt)))
            (local.set $pos (i32.add (i32.load offset={xctx.pos} (local.get $xctx)) (i32.shl (i32.mul (local.get $c) (local.get $nV)) (i32.const 2))))
            (local.set $vis (i32.add (i32.load offset={xctx.vis} (local.get $xctx)) (i32.mul (local.get $c) (local.get $nV))))
            (local.set $p (i32.add (i32.load offset={xctx.p} (local.get $xctx)) (i32.mul (local.get $c) (local.get $nH8))))
            (local.set $q (i32.add (i32.load offset={xctx.q} (local.get $xctx)) (i32.mul (local.get $c) (local.get $nH8))))
            (local.set $t (i32.add (i32.load offset={xctx.t} (local.get $xctx)) (i32.mul (local.get $c) (local.get $nH8))))
            (local.set $f (i32.add (i32.load offset={xctx.f} (local.get $xctx)) (i32.mul (local.get $c) (local.get $nH8))))
            (local.set $rg (i32.add (i32.load offset={xctx.rng} (local.get $xctx)) (i32.shl (local.get $c) (i32.const 4))))
            (local.set $s0 (i32.load offset=0 (local.get $rg)))
            (local.set $s1 (i32.load offset=4 (local.get $rg)))
            (local.set $s2 (i32.load offset=8 (local.get $rg)))
            (local.set $s3 (i32.load offset=12 (local.get $rg)))
            (local.set $z (i32.sub (local.get $nV) (local.get $w)))
            ;; Lemire's rejection thresholds 2^32 mod n for n = w and n = N − w (fixed for the chain)
            (local.set $thrA (i32.wrap_i64 (i64.rem_u (i64.const 4294967296) (i64.extend_i32_u (local.get $w)))))
            (local.set $thrB (i32.wrap_i64 (i64.rem_u (i64.const 4294967296) (i64.extend_i32_u (local.get $z)))))
            (local.set $m (i32.const 0))
            (block $mdone
              (loop $M
                (br_if $mdone (i32.ge_u (local.get $m) (local.get $moves)))
                ;; a uniform in [0, w), b in [0, N − w), by Lemire's method: the high word of x·n, x rejected
                ;; when the low word is below 2^32 mod n (rarely: n/2^32); a multiplication, no division
                (loop $RA
                  ;; $x = next 32 bits of xoshiro128** (Rng.uint32)
                  (local.set $x (i32.mul (i32.rotl (i32.mul (local.get $s1) (i32.const 5)) (i32.const 7)) (i32.const 9)))
                  (local.set $n2 (i32.xor (local.get $s2) (local.get $s0)))
                  (local.set $n3 (i32.xor (local.get $s3) (local.get $s1)))
                  (local.set $s2 (i32.xor (local.get $n2) (i32.shl (local.get $s1) (i32.const 9))))
                  (local.set $s1 (i32.xor (local.get $s1) (local.get $n2)))
                  (local.set $s0 (i32.xor (local.get $s0) (local.get $n3)))
                  (local.set $s3 (i32.rotl (local.get $n3) (i32.const 11)))
                  (local.set $mx (i64.mul (i64.extend_i32_u (local.get $x)) (i64.extend_i32_u (local.get $w))))
                  (br_if $RA (i32.lt_u (i32.wrap_i64 (local.get $mx)) (local.get $thrA))))
                (local.set $a (i32.wrap_i64 (i64.shr_u (local.get $mx) (i64.const 32))))
                (loop $RB
                  ;; $x = next 32 bits of xoshiro128** (Rng.uint32)
                  (local.set $x (i32.mul (i32.rotl (i32.mul (local.get $s1) (i32.const 5)) (i32.const 7)) (i32.const 9)))
                  (local.set $n2 (i32.xor (local.get $s2) (local.get $s0)))
                  (local.set $n3 (i32.xor (local.get $s3) (local.get $s1)))
                  (local.set $s2 (i32.xor (local.get $n2) (i32.shl (local.get $s1) (i32.const 9))))
                  (local.set $s1 (i32.xor (local.get $s1) (local.get $n2)))
                  (local.set $s0 (i32.xor (local.get $s0) (local.get $n3)))
                  (local.set $s3 (i32.rotl (local.get $n3) (i32.const 11)))
                  (local.set $mx (i64.mul (i64.extend_i32_u (local.get $x)) (i64.extend_i32_u (local.get $z))))
                  (br_if $RB (i32.lt_u (i32.wrap_i64 (local.get $mx)) (local.get $thrB))))
                (local.set $b (i32.wrap_i64 (i64.shr_u (local.get $mx) (i64.const 32))))
                ;; u uniform in [0, 1) from 27 + 26 bits (Rng.uniform53; every operation exact)
                ;; $x = next 32 bits of xoshiro128** (Rng.uint32)
                (local.set $x (i32.mul (i32.rotl (i32.mul (local.get $s1) (i32.const 5)) (i32.const 7)) (i32.const 9)))
                (local.set $n2 (i32.xor (local.get $s2) (local.get $s0)))
                (local.set $n3 (i32.xor (local.get $s3) (local.get $s1)))
                (local.set $s2 (i32.xor (local.get $n2) (i32.shl (local.get $s1) (i32.const 9))))
                (local.set $s1 (i32.xor (local.get $s1) (local.get $n2)))
                (local.set $s0 (i32.xor (local.get $s0) (local.get $n3)))
                (local.set $s3 (i32.rotl (local.get $n3) (i32.const 11)))
                (local.set $u (f64.mul (f64.convert_i32_u (i32.shr_u (local.get $x) (i32.const 5))) (f64.const 67108864)))
                ;; $x = next 32 bits of xoshiro128** (Rng.uint32)
                (local.set $x (i32.mul (i32.rotl (i32.mul (local.get $s1) (i32.const 5)) (i32.const 7)) (i32.const 9)))
                (local.set $n2 (i32.xor (local.get $s2) (local.get $s0)))
                (local.set $n3 (i32.xor (local.get $s3) (local.get $s1)))
                (local.set $s2 (i32.xor (local.get $n2) (i32.shl (local.get $s1) (i32.const 9))))
                (local.set $s1 (i32.xor (local.get $s1) (local.get $n2)))
                (local.set $s0 (i32.xor (local.get $s0) (local.get $n3)))
                (local.set $s3 (i32.rotl (local.get $n3) (i32.const 11)))
                (local.set $u (f64.mul (f64.add (local.get $u) (f64.convert_i32_u (i32.shr_u (local.get $x) (i32.const 6))))
                                       (f64.const 0x1p-53)))
                (local.set $down (i32.load (i32.add (local.get $pos) (i32.shl (local.get $a) (i32.const 2)))))
                (local.set $up (i32.load (i32.add (local.get $pos) (i32.shl (i32.add (local.get $w) (local.get $b)) (i32.const 2)))))
                (local.set $eu (i32.add (local.get $eW) (i32.mul (local.get $up) (local.get $nH8))))
                (local.set $ed (i32.add (local.get $emW) (i32.mul (local.get $down) (local.get $nH8))))
                (local.set $P (f64.const 1))
                (local.set $s (i32.const 0))
                (local.set $j (i32.const 0))
                ;; two hidden units at a time (nH2 is even; a padding unit has f = 1 exactly); the factors
                ;; enter the product a pair at a time, f_j·f_{j+1} ∈ [2^−402, 2^402]
                (block $jdone
                  (loop $J
                    (br_if $jdone (i32.ge_u (local.get $j) (local.get $nH8)))
                    (local.set $tv (f64x2.min (f64x2.max (f64x2.mul (v128.load (i32.add (local.get $eu) (local.get $j)))
                                                                    (v128.load (i32.add (local.get $ed) (local.get $j))))
                                                         (v128.const f64x2 0x1p-200 0x1p-200))
                                              (v128.const f64x2 0x1p200 0x1p200)))
                    (local.set $fv (f64x2.add (v128.load (i32.add (local.get $q) (local.get $j)))
                                              (f64x2.mul (v128.load (i32.add (local.get $p) (local.get $j))) (local.get $tv))))
                    (v128.store (i32.add (local.get $t) (local.get $j)) (local.get $tv))
                    (v128.store (i32.add (local.get $f) (local.get $j)) (local.get $fv))
                    (local.set $P (f64.mul (local.get $P) (f64.mul (f64x2.extract_lane 0 (local.get $fv)) (f64x2.extract_lane 1 (local.get $fv)))))
                    (if (f64.gt (local.get $P) (f64.const 0x1p500))
                      (then (local.set $P (f64.mul (local.get $P) (f64.const 0x1p-500)))
                            (local.set $s (i32.add (local.get $s) (i32.const 1))))
                      (else (if (f64.lt (local.get $P) (f64.const 0x1p-500))
                        (then (local.set $P (f64.mul (local.get $P) (f64.const 0x1p500)))
                              (local.set $s (i32.sub (local.get $s) (i32.const 1)))))))
                    (local.set $j (i32.add (local.get $j) (i32.const 16)))
                    (br $J)))
                ;; the visible biases' factor, clamped to [2^−400, 2^400]; then the rescalings
                (local.set $r (f64.mul (local.get $P)
                  (f64.min (f64.max (f64.mul (f64.load (i32.add (local.get $eb) (i32.shl (local.get $up) (i32.const 3))))
                                             (f64.load (i32.add (local.get $emb) (i32.shl (local.get $down) (i32.const 3)))))
                                    (f64.const 0x1p-400))
                           (f64.const 0x1p400))))
                (block $sdone
                  (loop $S
                    (br_if $sdone (i32.le_s (local.get $s) (i32.const 0)))
                    (local.set $r (f64.mul (local.get $r) (f64.const 0x1p500)))
                    (local.set $s (i32.sub (local.get $s) (i32.const 1)))
                    (br $S)))
                (block $sdone2
                  (loop $S2
                    (br_if $sdone2 (i32.ge_s (local.get $s) (i32.const 0)))
                    (local.set $r (f64.mul (local.get $r) (f64.const 0x1p-500)))
                    (local.set $s (i32.add (local.get $s) (i32.const 1)))
                    (br $S2)))
                (if (f64.lt (local.get $u) (local.get $r))
                  (then
                    (i32.store8 (i32.add (local.get $vis) (local.get $up)) (i32.const 1))
                    (i32.store8 (i32.add (local.get $vis) (local.get $down)) (i32.const 0))
                    (i32.store (i32.add (local.get $pos) (i32.shl (local.get $a) (i32.const 2))) (local.get $up))
                    (i32.store (i32.add (local.get $pos) (i32.shl (i32.add (local.get $w) (local.get $b)) (i32.const 2))) (local.get $down))
                    (local.set $acc (i32.add (local.get $acc) (i32.const 1)))
                    (local.set $j (i32.const 0))
                    (block $udone
                      (loop $U
                        (br_if $udone (i32.ge_u (local.get $j) (local.get $nH8)))
                        (local.set $rv (f64x2.div (v128.const f64x2 1 1) (v128.load (i32.add (local.get $f) (local.get $j)))))
                        (v128.store (i32.add (local.get $p) (local.get $j))
                          (f64x2.mul (v128.load (i32.add (local.get $p) (local.get $j)))
                                     (f64x2.mul (v128.load (i32.add (local.get $t) (local.get $j))) (local.get $rv))))
                        (v128.store (i32.add (local.get $q) (local.get $j))
                          (f64x2.mul (v128.load (i32.add (local.get $q) (local.get $j))) (local.get $rv)))
                        (local.set $j (i32.add (local.get $j) (i32.const 16)))
                        (br $U)))))
                (local.set $m (i32.add (local.get $m) (i32.const 1)))
                (br $M)))
            (i32.store offset=4 (local.get $cnt) (local.get $acc))
            (i32.store offset=0 (local.get $rg) (local.get $s0))
            (i32.store offset=4 (local.get $rg) (local.get $s1))
            (i32.store offset=8 (local.get $rg) (local.get $s2))
            (i32.store offset=12 (local.get $rg) (local.get $s3))))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $C))))
)
