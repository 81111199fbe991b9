/**
 * The restricted Boltzmann machine, as the lecture derives it.
 *
 *   E(v,h) = −b·v − c·h − vᵀWh,     p(v,h) = e^{−E(v,h)} / Z
 *
 * Summing out the hidden layer gives the free energy
 *
 *   F(v) = −b·v − Σ_j softplus(c_j + Σ_i v_i W_ij),   p(v) = e^{−F(v)} / Z,
 *
 * and for a positive wavefunction ψ_λ(v) = sqrt(p_λ(v)), so log ψ_λ(v) = −F(v)/2 − log Z / 2.
 *
 * All parameters live in one flat Float64Array, laid out [W (row-major, W[i*nHidden + j]) | b | c],
 * so that optimisers, checkpoints and finite-difference tests treat them as one vector.
 * `weights`, `visibleBias` and `hiddenBias` are views into it.
 */
import type { Rng } from "../core/rng.js";

/** log(1 + e^x) without overflow for large x or loss of precision for very negative x. */
export function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/** Logistic function σ(x) = 1 / (1 + e^{−x}). */
export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

export class RBM {
  readonly nVisible: number;
  readonly nHidden: number;
  /** All parameters: [W | b | c]. */
  readonly params: Float64Array;
  /** W[i * nHidden + j]: coupling of visible unit i and hidden unit j (a view into params). */
  readonly weights: Float64Array;
  /** b: visible biases (a view into params). */
  readonly visibleBias: Float64Array;
  /** c: hidden biases (a view into params). */
  readonly hiddenBias: Float64Array;
  /**
   * The magnetisation sector the RBM's marginal is confined to: p(v) = e^{−F(v)} 1[|v| = sector] / Z,
   * |v| the number of visible units on (null: every configuration). A conserved total S^z (the
   * Heisenberg chain's ground state lies in S^z = 0) written into the model, as NetKet's
   * `Spin(..., total_sz=...)` writes it into the Hilbert space: src/nn/sector.ts.
   */
  sector: number | null = null;

  constructor(nVisible: number, nHidden: number, params?: Float64Array) {
    if (!Number.isInteger(nVisible) || nVisible < 1)
      throw new Error(`nVisible must be a positive integer, got ${nVisible}`);
    if (!Number.isInteger(nHidden) || nHidden < 1)
      throw new Error(`nHidden must be a positive integer, got ${nHidden}`);
    this.nVisible = nVisible;
    this.nHidden = nHidden;
    const size = RBM.parameterCount(nVisible, nHidden);
    if (params && params.length !== size) {
      throw new Error(
        `an RBM with ${nVisible} visible and ${nHidden} hidden units has ${size} parameters, got ${params.length}`,
      );
    }
    this.params = params ?? new Float64Array(size);
    const nW = nVisible * nHidden;
    this.weights = this.params.subarray(0, nW);
    this.visibleBias = this.params.subarray(nW, nW + nVisible);
    this.hiddenBias = this.params.subarray(nW + nVisible, size);
  }

  static parameterCount(nVisible: number, nHidden: number): number {
    return nVisible * nHidden + nVisible + nHidden;
  }

  /**
   * Small random weights, zero biases: W_ij ~ N(0, scale²). A scale of order 1/sqrt(nVisible + nHidden)
   * (Glorot) keeps the initial hidden activations O(1) whatever the size, so the sigmoid is not
   * saturated and the initial p_λ is close to uniform, a neutral starting point for tomography.
   */
  static random(nVisible: number, nHidden: number, rng: Rng, scale?: number): RBM {
    const rbm = new RBM(nVisible, nHidden);
    const s = scale ?? 1 / Math.sqrt(nVisible + nHidden);
    for (let k = 0; k < rbm.weights.length; k++) rbm.weights[k] = s * rng.normal();
    return rbm;
  }

  clone(): RBM {
    return new RBM(this.nVisible, this.nHidden, this.params.slice());
  }

  /** θ_j = c_j + Σ_i v_i W_ij for one visible configuration (v at v[offset..offset+nVisible)). */
  hiddenActivation(v: ArrayLike<number>, out: Float64Array, offset = 0): Float64Array {
    const nH = this.nHidden,
      W = this.weights;
    out.set(this.hiddenBias);
    for (let i = 0; i < this.nVisible; i++) {
      if (v[offset + i] === 0) continue; // binary units: add the rows of W where v_i = 1
      const row = i * nH;
      for (let j = 0; j < nH; j++) out[j] += W[row + j];
    }
    return out;
  }

  /** F(v) = −b·v − Σ_j softplus(θ_j). `scratch` (length nHidden) avoids allocation in loops. */
  freeEnergy(v: ArrayLike<number>, offset = 0, scratch?: Float64Array): number {
    const theta = this.hiddenActivation(v, scratch ?? new Float64Array(this.nHidden), offset);
    return freeEnergyFromActivation(this.visibleBias, v, offset, theta);
  }

  /** log ψ_λ(v) + log Z / 2 = −F(v)/2: the unnormalised log-amplitude of the positive wavefunction. */
  logPsi(v: ArrayLike<number>, offset = 0, scratch?: Float64Array): number {
    return -0.5 * this.freeEnergy(v, offset, scratch);
  }
}

/** F(v) given θ = c + Wᵀv already computed (so callers that update θ incrementally reuse it). */
export function freeEnergyFromActivation(
  visibleBias: Float64Array,
  v: ArrayLike<number>,
  offset: number,
  theta: Float64Array,
): number {
  let f = 0;
  for (let i = 0; i < visibleBias.length; i++) if (v[offset + i] !== 0) f -= visibleBias[i];
  for (let j = 0; j < theta.length; j++) f -= softplus(theta[j]);
  return f;
}

/**
 * Adds ∂F(v)/∂λ to `grad` (same layout as params), scaled by `weight`:
 *   ∂F/∂W_ij = −v_i σ(θ_j),  ∂F/∂b_i = −v_i,  ∂F/∂c_j = −σ(θ_j).
 * Since ∂E/∂λ averaged over p(h|v) equals ∂F/∂λ, this is the exact ("Rao–Blackwellised") phase
 * term of the lecture's gradient, with h_j replaced by p(h_j = 1 | v).
 */
export function accumulateFreeEnergyGradient(
  rbm: RBM,
  v: ArrayLike<number>,
  offset: number,
  weight: number,
  grad: Float64Array,
  theta: Float64Array,
): void {
  const nV = rbm.nVisible,
    nH = rbm.nHidden;
  rbm.hiddenActivation(v, theta, offset);
  const bOffset = nV * nH,
    cOffset = bOffset + nV;
  for (let j = 0; j < nH; j++) {
    const p = sigmoid(theta[j]);
    theta[j] = p; // reuse the buffer for the probabilities
    grad[cOffset + j] -= weight * p;
  }
  for (let i = 0; i < nV; i++) {
    if (v[offset + i] === 0) continue;
    grad[bOffset + i] -= weight;
    const row = i * nH;
    for (let j = 0; j < nH; j++) grad[row + j] -= weight * theta[j];
  }
}

/**
 * F(v) for the configuration v[offset..offset+N), leaving σ(θ_j) = p(h_j = 1 | v) in `prob`
 * (length nHidden): one exponential per hidden unit serves both, since
 * softplus(x) = max(x, 0) + log(1 + e^{−|x|}) and σ(x) = 1/(1 + e^{−x}).
 */
export function freeEnergyAndProbabilities(rbm: RBM, v: ArrayLike<number>, offset: number, prob: Float64Array): number {
  rbm.hiddenActivation(v, prob, offset);
  const b = rbm.visibleBias,
    nV = rbm.nVisible,
    nH = rbm.nHidden;
  let f = 0;
  for (let i = 0; i < nV; i++) if (v[offset + i] !== 0) f -= b[i];
  // Σ_j softplus(θ_j) = Σ_j max(θ_j, 0) + log Π_j (1 + e^{−|θ_j|}): one log per configuration.
  // Every factor is in (1, 2], so a block of 512 cannot overflow.
  let prod = 1;
  for (let j = 0; j < nH; j++) {
    const x = prob[j];
    const e = Math.exp(-Math.abs(x));
    const d = 1 + e;
    if (x > 0) f -= x;
    prod *= d;
    if ((j & 511) === 511) {
      f -= Math.log(prod);
      prod = 1;
    }
    prob[j] = x >= 0 ? 1 / d : e / d;
  }
  return f - Math.log(prod);
}

/**
 * grad[base + ·] += weight · ∂F(v)/∂params given prob_j = σ(θ_j):
 * ∂F/∂W_ij = −v_i σ(θ_j), ∂F/∂b_i = −v_i, ∂F/∂c_j = −σ(θ_j).
 */
export function addGradientFromProbabilities(
  rbm: RBM,
  v: ArrayLike<number>,
  offset: number,
  weight: number,
  prob: Float64Array,
  grad: Float64Array,
  base: number,
): void {
  if (weight === 0) return;
  const nV = rbm.nVisible,
    nH = rbm.nHidden;
  const bOff = base + nV * nH,
    cOff = bOff + nV;
  for (let j = 0; j < nH; j++) grad[cOff + j] -= weight * prob[j];
  for (let i = 0; i < nV; i++) {
    if (v[offset + i] === 0) continue;
    grad[bOff + i] -= weight;
    const row = base + i * nH;
    for (let j = 0; j < nH; j++) grad[row + j] -= weight * prob[j];
  }
}
