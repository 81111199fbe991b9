/**
 * Exact metrics by enumerating all 2^N visible configurations (small systems only).
 *
 * log Z = log Σ_v e^{−F(v)} is accumulated with log-sum-exp so that no e^{−F} overflows.
 * The enumeration walks the configurations in Gray-code order: consecutive configurations
 * differ by one spin, so θ = c + Wᵀv is updated in O(nHidden) instead of recomputed in
 * O(nVisible·nHidden). Results are stored at the natural basis index Σ_i v_i 2^(N−1−i).
 */
import { QstError } from "./errors.js";
import { RBM, addGradientFromProbabilities, freeEnergyAndProbabilities, softplus } from "./rbm.js";
import { MAX_KERNEL_HIDDEN, exactFreeEnergies } from "./kernels/exact.js";
import type { Wavefunction } from "./io.js";

/** Exact enumeration is refused above this size (2^24 configurations, ~130 MB per table). */
export const MAX_EXACT_QUBITS = 24;

export function checkExactSize(n: number, what = "exact enumeration"): void {
  if (n > MAX_EXACT_QUBITS) {
    throw new QstError(
      `N = ${n} qubits is too large for ${what}: it needs all 2^${n} configurations; qst enumerates up to N = ${MAX_EXACT_QUBITS}`,
    );
  }
}

/** The visible configuration with basis index `index` (qubit 0 is the most significant bit). */
export function configurationOf(index: number, n: number, out = new Uint8Array(n)): Uint8Array {
  for (let i = 0; i < n; i++) out[i] = (index >>> (n - 1 - i)) & 1;
  return out;
}

/** Basis index of the configuration v[offset .. offset+n). */
export function indexOf(v: ArrayLike<number>, n: number, offset = 0): number {
  let k = 0;
  for (let i = 0; i < n; i++) k = k * 2 + (v[offset + i] ? 1 : 0);
  return k;
}

/**
 * −F(v) for every configuration v, at its basis index.
 *
 * Σ_j softplus(θ_j) is evaluated as Σ_j max(θ_j, 0) + log Π_j (1 + e^{−|θ_j|}): one exp per hidden
 * unit and a single log per configuration (instead of an exp and a log1p per unit). Every factor
 * lies in (1, 2], so the product cannot overflow for nHidden ≤ 1023 and its rounding error is at
 * most nHidden half-ulps relative, i.e. ≲ nHidden·1.1e−16 absolute on −F(v); the same order as the
 * rounding of the sum of softplus terms it replaces (the Gray-code update of θ dominates both).
 * The enumeration runs in WebAssembly SIMD, split over threads for N ≥ 14 (src/kernels/exact.ts,
 * where θ is also recomputed exactly every 4096 configurations); the loop below is the same
 * computation in plain JS, used for more than MAX_KERNEL_HIDDEN hidden units.
 */
export function unnormalisedLogProbabilities(rbm: RBM): Float64Array {
  const n = rbm.nVisible, nH = rbm.nHidden;
  checkExactSize(n);
  const { weights: W, visibleBias: b, hiddenBias: c } = rbm;
  const dim = 2 ** n;
  const out = new Float64Array(dim);
  if (nH <= MAX_KERNEL_HIDDEN) return exactFreeEnergies(rbm, out);
  const theta = Float64Array.from(c); // v = 0
  const v = new Uint8Array(n);
  let visibleTerm = 0; // b·v
  let index = 0;
  for (let k = 0; ; ) {
    let f = visibleTerm;
    for (let j0 = 0; j0 < nH; j0 += 1000) { // blocks of ≤ 1000 factors keep each product below 2^1000
      let prod = 1;
      const j1 = Math.min(nH, j0 + 1000);
      for (let j = j0; j < j1; j++) {
        const t = theta[j];
        const a = Math.abs(t);
        f += 0.5 * (t + a); // max(t, 0), exactly
        prod *= 1 + Math.exp(-a);
      }
      f += Math.log(prod);
    }
    out[index] = f;
    if (++k === dim) break;
    // Gray code: step k flips bit t = number of trailing zeros of k, i.e. qubit n−1−t.
    const t = 31 - Math.clz32(k & -k);
    const i = n - 1 - t;
    const d = v[i] === 0 ? 1 : -1;
    v[i] ^= 1;
    index ^= 1 << t;
    visibleTerm += d * b[i];
    const row = i * nH;
    for (let j = 0; j < nH; j++) theta[j] += d * W[row + j];
  }
  return out;
}

/** log Σ exp(x_k), stable for any range of x. */
export function logSumExp(x: ArrayLike<number>): number {
  let max = -Infinity;
  for (let k = 0; k < x.length; k++) if (x[k] > max) max = x[k];
  if (max === -Infinity) return -Infinity;
  let s = 0;
  for (let k = 0; k < x.length; k++) s += Math.exp(x[k] - max);
  return max + Math.log(s);
}

/** log Z of the RBM's marginal p(v) = e^{−F(v)}/Z. */
export function logPartitionFunction(rbm: RBM): number {
  return logSumExp(unnormalisedLogProbabilities(rbm));
}

/** log p_λ(v) for every v (normalised). */
export function logProbabilities(rbm: RBM): Float64Array {
  const logp = unnormalisedLogProbabilities(rbm);
  const logZ = logSumExp(logp);
  for (let k = 0; k < logp.length; k++) logp[k] -= logZ;
  return logp;
}

/** |⟨ψ|φ⟩|² for normalised ψ (complex) and a positive φ given by log φ² = logp. */
export function fidelityWithPositive(psi: Wavefunction, logp: Float64Array): number {
  let re = 0, im = 0;
  for (let k = 0; k < logp.length; k++) {
    const amp = Math.exp(0.5 * logp[k]);
    re += psi.re[k] * amp;
    if (psi.im) im += psi.im[k] * amp;
  }
  return re * re + im * im;
}

/** KL(q ‖ p) = Σ q (log q − log p) for q = |ψ|², with 0·log 0 = 0. */
export function klDivergence(psi: Wavefunction, logp: Float64Array): number {
  let kl = 0;
  for (let k = 0; k < logp.length; k++) {
    const q = psi.re[k] * psi.re[k] + (psi.im ? psi.im[k] * psi.im[k] : 0);
    if (q > 0) kl += q * (Math.log(q) - logp[k]);
  }
  return kl;
}

/** Negative log-likelihood per shot, −(1/M) Σ_m log p(v_m), of Z-basis shots. */
export function negativeLogLikelihood(logp: Float64Array, samples: Uint8Array, nQubits: number): number {
  const m = samples.length / nQubits;
  let s = 0;
  for (let r = 0; r < m; r++) s -= logp[indexOf(samples, nQubits, r * nQubits)];
  return s / m;
}

export interface ExactMetrics {
  logZ: number;
  nll: number;
  fidelity?: number;
  kl?: number;
}

/**
 * log Z, NLL of the shots and, where ground truth exists, fidelity |⟨ψ|ψ_λ⟩|² and KL(|ψ|² ‖ p_λ),
 * all from one enumeration.
 */
export function exactMetrics(rbm: RBM, samples: Uint8Array | null, psi: Wavefunction | null): ExactMetrics {
  const logpUnnormalised = unnormalisedLogProbabilities(rbm);
  const logZ = logSumExp(logpUnnormalised);
  const logp = logpUnnormalised;
  for (let k = 0; k < logp.length; k++) logp[k] -= logZ;
  const out: ExactMetrics = { logZ, nll: samples ? negativeLogLikelihood(logp, samples, rbm.nVisible) : NaN };
  if (psi) {
    out.fidelity = fidelityWithPositive(psi, logp);
    out.kl = klDivergence(psi, logp);
  }
  return out;
}

/**
 * Adds weight · ⟨∂F/∂λ⟩_{p_λ} to grad (layout of rbm.params) by enumerating all 2^N
 * configurations; weight = −1 gives the exact negative phase −⟨∂F⟩_model of the NLL gradient.
 */
export function addExactModelAverage(rbm: RBM, weight: number, grad: Float64Array): void {
  const logp = unnormalisedLogProbabilities(rbm);
  const logZ = logSumExp(logp);
  const N = rbm.nVisible, v = new Uint8Array(N), prob = new Float64Array(rbm.nHidden);
  for (let k = 0; k < logp.length; k++) {
    for (let i = 0; i < N; i++) v[i] = (k >>> (N - 1 - i)) & 1;
    freeEnergyAndProbabilities(rbm, v, 0, prob);
    addGradientFromProbabilities(rbm, v, 0, weight * Math.exp(logp[k] - logZ), prob, grad, 0);
  }
}
