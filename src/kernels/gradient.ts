/**
 * The PCD gradient of a mini-batch in float64 WebAssembly SIMD (kernels.wat, grad_*).
 *
 *   ∂NLL/∂W_ij = −Σ_s w_s v_si σ(θ_sj),  ∂/∂b_i = −Σ_s w_s v_si,  ∂/∂c_j = −Σ_s w_s σ(θ_sj),
 *
 * over the batch (w_s = 1/B) and the chains (w_s = −1/C), θ_s = c + Wᵀ v_s. Both products with the
 * 0/1 matrix V use subset-sum tables over groups of four: θ over groups of four visible units, and
 * Vᵀ P over groups of four samples. Everything is float64 (σ via an exp accurate to a few ulp), so
 * the result agrees with the plain loops of accumulateFreeEnergyGradient to ~1e-15 relative.
 */
import { kernelThreads, parallelFor } from "./pool.js";
import { Arena, type RbmParameters, KERNEL_ABI, Layout, writeContext } from "./wasm.js";

/** Below this much work (samples·nV·nH) the gradient runs on one thread (above it, see pool.ts). */
export const GRAD_THREAD_WORK = 2e5;

export class GradientWorkspace {
  readonly nV: number;
  readonly nH: number;
  /** Samples (batch + chains) it can take. */
  readonly capacity: number;
  private readonly arena: Arena;
  private readonly gctx: number;
  private readonly gV: number;
  private readonly S: Uint8Array;
  private readonly w: Float64Array;
  private readonly raw: Float64Array;
  private readonly grad: Float64Array;
  /** gctx.nQ, the one context field set per call: a view made once (setContextField makes one per call). */
  private readonly nQField: Int32Array;
  /** The weights w are set for this many batch rows and chains (they change only with the counts). */
  private wFor = { count: -1, nChains: -1, slots: -1 };
  /** Wider views of the last `samples` and of S, for copying short rows 2 or 4 bytes at a time. */
  private wide: { of: Uint8Array; unit: 1 | 2 | 4; from: Uint16Array | Uint32Array | null } | null = null;
  private readonly S16: Uint16Array;
  private readonly S32: Uint32Array;

  constructor(nV: number, nH: number, capacity: number) {
    this.nV = nV;
    this.nH = nH;
    const gV = Math.ceil(nV / 4),
      gH = Math.ceil(nH / 4);
    this.gV = gV;
    const nQmax = Math.ceil(capacity / 4);
    this.capacity = 4 * nQmax;
    const rowP = (4 * gH + 2) * 8;
    const L = new Layout();
    const gctx = L.alloc(KERNEL_ABI.gctx.bytes, 64);
    const TH = L.alloc(gV * 16 * 4 * gH * 8, 64);
    const S = L.alloc(this.capacity * nV + 16); // + slack: encode reads whole 16-byte vectors
    const w = L.alloc(this.capacity * 8);
    const sOff = L.alloc(this.capacity * gV * 4);
    const P = L.alloc(this.capacity * rowP, 64);
    const U = L.alloc(nQmax * 16 * rowP, 64);
    const Q = L.alloc(nV * nQmax * 4);
    const G = L.alloc(nV * rowP, 64);
    const Wp = L.alloc(4 * gV * 4 * gH * 8, 64);
    const cp = L.alloc(4 * gH * 8);
    const grad = L.alloc((nV * nH + nV + nH) * 8);
    const gc = L.alloc(rowP);
    const raw = L.alloc((nV * nH + nV + nH) * 8);
    this.arena = new Arena(L);
    this.gctx = gctx;
    writeContext(this.arena, gctx, "gctx", {
      nV,
      nH,
      gV,
      gH,
      nQ: 0,
      nQmax,
      TH,
      S,
      w,
      sOff,
      P,
      U,
      Q,
      G,
      Wp,
      cp,
      grad,
      gc,
      raw,
    });
    this.S = this.arena.u8(S, this.capacity * nV);
    this.S16 = new Uint16Array(this.arena.buffer, S, (this.capacity * nV) >> 1);
    this.S32 = new Uint32Array(this.arena.buffer, S, (this.capacity * nV) >> 2);
    this.w = this.arena.f64(w, this.capacity);
    this.raw = this.arena.f64(raw, nV * nH + nV + nH);
    this.grad = this.arena.f64(grad, nV * nH + nV + nH);
    this.nQField = this.arena.i32(gctx + 4 * KERNEL_ABI.gctx.fields.nQ.index, 1);
  }

  /**
   * grad ← gradient of the NLL for the batch rows batch[0..count) of `samples` (weight 1/count each)
   * and the chains negative[0..nChains) (weight −1/nChains each), in the RbmParameters's parameter layout.
   */
  compute(
    rbm: RbmParameters,
    samples: Uint8Array,
    batch: Uint32Array,
    count: number,
    negative: Uint8Array,
    nChains: number,
    grad: Float64Array,
  ): void {
    const { nV, nH } = this;
    const n = count + nChains;
    if (n > this.capacity) throw new Error(`gradient workspace holds ${this.capacity} samples, asked for ${n}`);
    const nQ = Math.ceil(n / 4);
    const S = this.S,
      w = this.w;
    if (nV >= 32) {
      for (let r = 0; r < count; r++) S.set(samples.subarray(batch[r] * nV, batch[r] * nV + nV), r * nV);
    } else {
      // short rows: a plain loop beats creating a subarray per row, and 2 or 4 bytes at a time
      // (when the rows and `samples` are aligned to that) beat 1 (W1, N = 10: 1.0 µs per batch, was 1.5)
      const wide = this.wideView(samples);
      if (wide.unit === 4) copyRows32(this.S32, wide.from as Uint32Array, batch, count, nV >> 2);
      else if (wide.unit === 2) copyRows16(this.S16, wide.from as Uint16Array, batch, count, nV >> 1);
      else copyRows8(S, samples, batch, count, nV);
    }
    S.set(negative.subarray(0, nChains * nV), count * nV);
    S.fill(0, n * nV, 4 * nQ * nV);
    const wf = this.wFor;
    if (wf.count !== count || wf.nChains !== nChains || wf.slots !== 4 * nQ) {
      w.fill(1 / count, 0, count);
      w.fill(-1 / nChains, count, n);
      w.fill(0, n, 4 * nQ);
      this.wFor = { count, nChains, slots: 4 * nQ };
    }
    this.raw.set(rbm.params);
    this.nQField[0] = nQ; // an integer ≤ nQmax, checked above through the capacity

    const threads = n * nV * nH >= GRAD_THREAD_WORK ? kernelThreads() : 1;
    const a = this.arena,
      g = this.gctx,
      ex = a.exports;
    ex.grad_load(g);
    if (threads > 1) {
      parallelFor(a, "grad_tables", g, this.gV, [], threads);
      parallelFor(a, "grad_act", g, 4 * nQ, [], threads);
      parallelFor(a, "grad_utab", g, nQ, [], threads);
      parallelFor(a, "grad_outer", g, nV, [], threads);
    } else {
      ex.grad_tables(g, 0, this.gV);
      ex.grad_act(g, 0, 4 * nQ);
      ex.grad_utab(g, 0, nQ);
      ex.grad_outer(g, 0, nV);
    }
    ex.grad_finish(g);
    grad.set(this.grad);
  }

  /** `samples` as 4- or 2-byte units when its rows and offset allow (else unit 1), remembered for the next call. */
  private wideView(samples: Uint8Array): { unit: 1 | 2 | 4; from: Uint16Array | Uint32Array | null } {
    if (this.wide?.of === samples) return this.wide;
    const nV = this.nV,
      at = samples.byteOffset;
    let wide: NonNullable<GradientWorkspace["wide"]>;
    if (nV % 4 === 0 && at % 4 === 0)
      wide = { of: samples, unit: 4, from: new Uint32Array(samples.buffer, at, samples.length >> 2) };
    else if (nV % 2 === 0 && at % 2 === 0)
      wide = { of: samples, unit: 2, from: new Uint16Array(samples.buffer, at, samples.length >> 1) };
    else wide = { of: samples, unit: 1, from: null };
    this.wide = wide;
    return wide;
  }
}

/**
 * to[r·len + i] = from[batch[r]·len + i] for rows r < count: one function per element type, so that
 * each loop stays monomorphic.
 */
function copyRows8(to: Uint8Array, from: Uint8Array, batch: Uint32Array, count: number, len: number): void {
  for (let r = 0, o = 0; r < count; r++) for (let i = 0, f = batch[r] * len; i < len; i++) to[o++] = from[f + i];
}
function copyRows16(to: Uint16Array, from: Uint16Array, batch: Uint32Array, count: number, len: number): void {
  for (let r = 0, o = 0; r < count; r++) for (let i = 0, f = batch[r] * len; i < len; i++) to[o++] = from[f + i];
}
function copyRows32(to: Uint32Array, from: Uint32Array, batch: Uint32Array, count: number, len: number): void {
  for (let r = 0, o = 0; r < count; r++) for (let i = 0, f = batch[r] * len; i < len; i++) to[o++] = from[f + i];
}

const workspaces = new WeakMap<RbmParameters, GradientWorkspace>();

/** A workspace for this RbmParameters with room for `samples` samples, reused across calls. */
export function gradientWorkspace(rbm: RbmParameters, samples: number): GradientWorkspace {
  let ws = workspaces.get(rbm);
  if (!ws || ws.nV !== rbm.nVisible || ws.nH !== rbm.nHidden || ws.capacity < samples) {
    ws = new GradientWorkspace(rbm.nVisible, rbm.nHidden, samples);
    workspaces.set(rbm, ws);
  }
  return ws;
}
