/**
 * Plain-TypeScript references for the WebAssembly kernels: the same computations written as the
 * formulas read, in float64, without WebAssembly, tables or threads. test/kernels.test.ts holds the
 * kernels to them. Slow: for tests only.
 */
import type { Rng } from "../core/rng.js";
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
