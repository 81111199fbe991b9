/**
 * Plain-TypeScript references for the WebAssembly kernels: the same computations written as the
 * formulas read, in float64, without WebAssembly, tables or threads. test/kernels.test.ts holds the
 * kernels to them. Slow: for tests only.
 */
import { Rng } from "../core/rng.js";
import type { RbmParameters } from "./wasm.js";

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** θ_j = c_j + Σ_i v_i W_ij of the configuration v[offset .. offset + nVisible), into theta. */
function hiddenActivation(rbm: RbmParameters, v: Uint8Array, offset: number, theta: Float64Array): void {
  const nV = rbm.nVisible,
    nH = rbm.nHidden,
    W = rbm.weights;
  theta.set(rbm.hiddenBias);
  for (let i = 0; i < nV; i++) if (v[offset + i]) for (let j = 0; j < nH; j++) theta[j] += W[i * nH + j];
}

/** grad += w · ∂F(v)/∂λ: ∂F/∂W_ij = −v_i σ(θ_j), ∂F/∂b_i = −v_i, ∂F/∂c_j = −σ(θ_j). */
function addFreeEnergyGradient(
  rbm: RbmParameters,
  v: Uint8Array,
  offset: number,
  w: number,
  grad: Float64Array,
  theta: Float64Array,
) {
  const nV = rbm.nVisible,
    nH = rbm.nHidden,
    bOff = nV * nH,
    cOff = bOff + nV;
  hiddenActivation(rbm, v, offset, theta);
  for (let j = 0; j < nH; j++) grad[cOff + j] -= w * sigmoid(theta[j]);
  for (let i = 0; i < nV; i++) {
    if (!v[offset + i]) continue;
    grad[bOff + i] -= w;
    for (let j = 0; j < nH; j++) grad[i * nH + j] -= w * sigmoid(theta[j]);
  }
}

/**
 * Block Gibbs sampling v → h → v of independent chains, as GibbsSampler (src/sample/gibbs.ts):
 * p(h_j = 1 | v) = σ(c_j + Σ_i W_ij v_i), p(v_i = 1 | h) = σ(b_i + Σ_j W_ij h_j), one uniform per unit
 * from the Rng given to the constructor (which the sampler keeps drawing from).
 */
export class ReferenceGibbsSampler {
  readonly rbm: RbmParameters;
  readonly nChains: number;
  /** Visible states, chain c at [c*nVisible, (c+1)*nVisible). */
  readonly visible: Uint8Array;
  /** Hidden states from the last half-step v → h. */
  readonly hidden: Uint8Array;
  private readonly rng: Rng;
  private readonly theta: Float64Array;

  constructor(rbm: RbmParameters, nChains: number, rng: Rng) {
    if (!Number.isInteger(nChains) || nChains < 1) throw new Error(`chains must be a positive integer, got ${nChains}`);
    this.rbm = rbm;
    this.nChains = nChains;
    this.rng = rng;
    this.visible = new Uint8Array(nChains * rbm.nVisible);
    this.hidden = new Uint8Array(nChains * rbm.nHidden);
    this.theta = new Float64Array(rbm.nHidden);
    // uniform starts, as GibbsSampler
    for (let k = 0; k < this.visible.length; k++) this.visible[k] = rng.uint32() >>> 31;
  }

  setVisible(states: Uint8Array, offset = 0): void {
    this.visible.set(states.subarray(offset, offset + this.visible.length));
  }

  /** k sweeps v → h → v of every chain. */
  step(k: number): void {
    const { rbm, rng, theta, visible, hidden } = this;
    const nV = rbm.nVisible,
      nH = rbm.nHidden,
      W = rbm.weights,
      b = rbm.visibleBias;
    for (let s = 0; s < k; s++) {
      for (let c = 0; c < this.nChains; c++) {
        hiddenActivation(rbm, visible, c * nV, theta);
        for (let j = 0; j < nH; j++) hidden[c * nH + j] = rng.uniform() < sigmoid(theta[j]) ? 1 : 0;
        for (let i = 0; i < nV; i++) {
          let a = b[i];
          for (let j = 0; j < nH; j++) a += hidden[c * nH + j] * W[i * nH + j];
          visible[c * nV + i] = rng.uniform() < sigmoid(a) ? 1 : 0;
        }
      }
    }
  }
}

/**
 * What GradientWorkspace.compute (src/kernels/gradient.ts) computes: grad ← Σ_s w_s ∂F(v_s)/∂λ over
 * the batch rows samples[batch[r]] (w = 1/count) and the chains negative[0..nChains) (w = −1/nChains),
 * in the RBM's parameter layout [W | b | c].
 */
export function referenceGradient(
  rbm: RbmParameters,
  samples: Uint8Array,
  batch: Uint32Array,
  count: number,
  negative: Uint8Array,
  nChains: number,
  grad: Float64Array,
): Float64Array {
  const nV = rbm.nVisible,
    theta = new Float64Array(rbm.nHidden);
  grad.fill(0);
  for (let r = 0; r < count; r++) addFreeEnergyGradient(rbm, samples, batch[r] * nV, 1 / count, grad, theta);
  for (let c = 0; c < nChains; c++) addFreeEnergyGradient(rbm, negative, c * nV, -1 / nChains, grad, theta);
  return grad;
}

/**
 * The exchange kernel's buffers (context xctx in src/kernels/abi.mjs), as typed arrays: chain c's
 * row of a per-chain array starts at c·(row length). src/sample/exchange.ts fills them.
 */
export interface ExchangeArrays {
  nVisible: number;
  /** Hidden units rounded up to even, the length of the rows below (padding unit: e^{±W} = 1, p = 0, q = 1, so f = 1). */
  nHidden2: number;
  /** u8 [chains][nV] visible units. */
  vis: Uint8Array;
  /** f64 [nV][nH2] e^{W} and e^{−W}; f64 [nV] e^{b} and e^{−b} (all clamped, see the kernel). */
  eW: Float64Array;
  emW: Float64Array;
  eb: Float64Array;
  emb: Float64Array;
  /** u32 [chains][4] each chain's xoshiro128** stream (s0..s3, as Rng.getState). */
  rng: Uint32Array;
  /** i32 [chains][2] ones w of the chain, proposals accepted (added to). */
  cnt: Int32Array;
  /** i32 [chains][nV] positions of the chain's ones, then of its zeros. */
  pos: Int32Array;
  /** f64 [chains][nH2] σ(θ), σ(−θ), and the last proposal's e^{Δθ} and factors. */
  p: Float64Array;
  q: Float64Array;
  t: Float64Array;
  f: Float64Array;
}

/**
 * Uniform integer in [0, n) from the stream by Lemire's method, as the kernel: the high word of x·n
 * (exact in float64 for n < 2^21), x rejected while the low word is below 2^32 mod n.
 */
function lemire(stream: Rng, n: number): number {
  const threshold = 4294967296 % n;
  for (;;) {
    const m = stream.uint32() * n,
      hi = Math.floor(m / 4294967296);
    if (m - hi * 4294967296 >= threshold) return hi;
  }
}

const TWO_200 = 2 ** 200,
  TWO_M200 = 2 ** -200,
  TWO_400 = 2 ** 400,
  TWO_M400 = 2 ** -400,
  TWO_500 = 2 ** 500,
  TWO_M500 = 2 ** -500;

/**
 * `moves` exchange proposals on chains [c0, c1): the kernel "exchange" (src/kernels/kernels.wat),
 * the same float64 operations in the same order, so that the two agree bit for bit (the kernel's
 * f64x2 operations are elementwise, each lane the scalar operation written here). Each chain draws
 * from its own stream, an Rng (xoshiro128**) loaded from and saved back to `rng`.
 */
export function exchangeReference(x: ExchangeArrays, c0: number, c1: number, moves: number): void {
  const N = x.nVisible,
    nH2 = x.nHidden2;
  const { vis, eW, emW, eb, emb, cnt, pos, p, q, t, f } = x;
  const stream = new Rng(0);
  for (let c = c0; c < c1; c++) {
    const w = cnt[2 * c];
    if (!(w > 0 && w < N)) continue;
    stream.setState(Array.from(x.rng.subarray(4 * c, 4 * c + 4)));
    const at = c * N,
      h = c * nH2;
    for (let m = 0; m < moves; m++) {
      const a = lemire(stream, w),
        b = lemire(stream, N - w),
        u = stream.uniform53();
      const down = pos[at + a],
        up = pos[at + w + b];
      // p(v′)/p(v) = e^{b_u} e^{−b_d} Π_j (q_j + p_j e^{W_uj} e^{−W_dj}), the factors a pair at a
      // time, the product rescaled by 2^∓500 on the way
      let P = 1,
        s = 0;
      for (let j = 0; j < nH2; j++) {
        const tj = Math.min(Math.max(eW[up * nH2 + j] * emW[down * nH2 + j], TWO_M200), TWO_200);
        t[h + j] = tj;
        f[h + j] = q[h + j] + p[h + j] * tj;
        if (j % 2 === 0) continue;
        P *= f[h + j - 1] * f[h + j];
        if (P > TWO_500) {
          P *= TWO_M500;
          s++;
        } else if (P < TWO_M500) {
          P *= TWO_500;
          s--;
        }
      }
      let r = P * Math.min(Math.max(eb[up] * emb[down], TWO_M400), TWO_400);
      for (; s > 0; s--) r *= TWO_500;
      for (; s < 0; s++) r *= TWO_M500;
      if (u < r) {
        vis[at + up] = 1;
        vis[at + down] = 0;
        pos[at + a] = up;
        pos[at + w + b] = down;
        cnt[2 * c + 1]++;
        for (let j = 0; j < nH2; j++) {
          const rr = 1 / f[h + j];
          p[h + j] *= t[h + j] * rr;
          q[h + j] *= rr;
        }
      }
    }
    x.rng.set(stream.getState(), 4 * c);
  }
}
