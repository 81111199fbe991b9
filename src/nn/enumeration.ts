/**
 * Exact enumeration of all 2^N visible configurations of an RBM (small systems only): log Z,
 * p_λ, the exact state vector, and the exact model average of the gradient.
 *
 * log Z = log Σ_v e^{−F(v)} is accumulated with log-sum-exp so that no e^{−F} overflows.
 * The enumeration walks the configurations in Gray-code order: consecutive configurations
 * differ by one spin, so θ = c + Wᵀv is updated in O(nHidden) instead of recomputed in
 * O(nVisible·nHidden). Results are stored at the natural basis index Σ_i v_i 2^(N−1−i).
 */
import { QstError } from "../core/errors.js";
import type { RBM } from "./rbm.js";
import { confineToSector } from "./sector.js";
import { MAX_KERNEL_HIDDEN, exactFreeEnergies } from "../kernels/exact.js";
import { rotateToBasis } from "../physics/bases.js";
import type { RbmWaveFunction } from "./wavefunction.js";

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
 * −F(v) for every configuration v, at its basis index (−∞ outside the RBM's sector, src/nn/sector.ts).
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
  const n = rbm.nVisible,
    nH = rbm.nHidden;
  checkExactSize(n);
  const { weights: W, visibleBias: b, hiddenBias: c } = rbm;
  const dim = 2 ** n;
  const out = new Float64Array(dim);
  if (nH <= MAX_KERNEL_HIDDEN) return confineToSector(rbm, exactFreeEnergies(rbm, out));
  const theta = Float64Array.from(c); // v = 0
  const v = new Uint8Array(n);
  let visibleTerm = 0; // b·v
  let index = 0;
  for (let k = 0; ; ) {
    let f = visibleTerm;
    for (let j0 = 0; j0 < nH; j0 += 1000) {
      // blocks of ≤ 1000 factors keep each product below 2^1000
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
  return confineToSector(rbm, out);
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

/**
 * The normalised ψ_λμ over all 2^N configurations (basis index Σ v_i 2^(N−1−i)), and log Z_λ:
 * |ψ|² = e^{−F_λ}/Z_λ, arg ψ = −F_μ/2 (0 without a phase RBM).
 */
export function stateVector(wf: RbmWaveFunction): { re: Float64Array; im: Float64Array; logZ: number } {
  checkExactSize(wf.nVisible, "an exact state vector");
  const logp = unnormalisedLogProbabilities(wf.amplitude); // −F_λ
  const minusFmu = wf.phase ? unnormalisedLogProbabilities(wf.phase) : null; // −F_μ
  const logZ = logSumExp(logp);
  const re = new Float64Array(logp.length),
    im = new Float64Array(logp.length);
  for (let k = 0; k < logp.length; k++) {
    const a = Math.exp(0.5 * (logp[k] - logZ));
    if (!minusFmu) {
      re[k] = a;
      continue;
    }
    const phi = 0.5 * minusFmu[k];
    re[k] = a * Math.cos(phi);
    im[k] = a * Math.sin(phi);
  }
  return { re, im, logZ };
}

/** The model's exact amplitudes ψ_b(σ) = ⟨σ_b|ψ⟩ in a measurement basis (e.g. "XXZZ"), normalised. */
export function rotatedAmplitudes(wf: RbmWaveFunction, basis: string): { re: Float64Array; im: Float64Array } {
  return rotateToBasis(stateVector(wf), basis);
}

/**
 * Adds weight · ⟨∂F/∂λ⟩_{p_λ} to grad (layout of rbm.params) by enumerating all 2^N
 * configurations; weight = −1 gives the exact negative phase −⟨∂F⟩_model of the NLL gradient.
 *
 * p(v) comes from unnormalisedLogProbabilities (WebAssembly); the sums Σ_v p(v) σ(θ_j(v)),
 * Σ_v p(v) v_i and Σ_v p(v) v_i σ(θ_j(v)) from addEnumeratedGradient below (Gray-code θ, no
 * per-configuration θ = c + Wᵀv and no per-configuration row updates of the gradient).
 */
export function addExactModelAverage(rbm: RBM, weight: number, grad: Float64Array): void {
  const coef = unnormalisedLogProbabilities(rbm);
  const logZ = logSumExp(coef);
  for (let k = 0; k < coef.length; k++) coef[k] = weight * Math.exp(coef[k] - logZ);
  addEnumeratedGradient(rbm, coef, grad);
}

/** Low qubits walked per block of addEnumeratedGradient (2^8 rows of scratch). */
const ENUMERATION_BLOCK_BITS = 8;
/** Blocks whose |θ| may exceed this use Math.exp per entry instead of the multiplicative update. */
const MULTIPLICATIVE_THETA_BOUND = 600;
/** Scratch of addEnumeratedGradient, kept for the last (nVisible, nHidden). */
let enumerationScratch: { n: number; nH: number; parts: Float64Array[] } | null = null;

/**
 * grad += Σ_v coef[v] · ∂F(v)/∂λ over all 2^N configurations v (coef at the basis index), i.e.
 * ∂W_ij −= Σ_v coef v_i σ(θ_j),  ∂b_i −= Σ_v coef v_i,  ∂c_j −= Σ_v coef σ(θ_j).
 *
 * The configurations are taken in blocks of 2^L that share their N − L high qubits. In a block,
 * θ and e_j = e^{−θ_j} are computed exactly once and then updated in Gray-code order: a flip of
 * qubit i multiplies e_j by e^{∓W_ij} (tabulated per call), so σ(θ_j) = 1/(1 + e_j) costs no
 * exponential (rounding: ≲ 2^L ulps relative on e_j, ~1e-14; blocks where |θ| could approach the
 * float range fall back to e^{−θ_j} from θ). Row r of the scratch X receives
 * [coef, coef·σ(θ_1), …, coef·σ(θ_nH)] at the block's low index r. The per-qubit sums are then
 * read off by folding X in half L times: at bit t the upper half holds exactly the configurations
 * with that bit set (summed over the bits above it), and is added to qubit N−1−t's accumulator
 * and onto the lower half. What remains in row 0 is the block total, which goes to the bias c
 * and to every high qubit set in the block. Cost ≈ 2^N·nH divisions and 3·2^N·(nH+1) additions,
 * instead of 2^N·nH exponentials and (N/2)·2^N·nH additions per configuration-wise update.
 * Blocks whose coefficients are all zero are skipped.
 */
export function addEnumeratedGradient(rbm: RBM, coef: Float64Array, grad: Float64Array): void {
  const n = rbm.nVisible,
    nH = rbm.nHidden,
    w = nH + 1;
  const { weights: W, hiddenBias: c } = rbm;
  const L = Math.min(n, ENUMERATION_BLOCK_BITS),
    rows = 1 << L,
    high = n - L;
  if (!enumerationScratch || enumerationScratch.n !== n || enumerationScratch.nH !== nH) {
    const sizes = [rows * w, n * w, w, nH, nH, L * nH, L * nH];
    const all = new Float64Array(sizes.reduce((a, b) => a + b, 0));
    const parts: Float64Array[] = [];
    for (let k = 0, o = 0; k < sizes.length; o += sizes[k++]) parts.push(all.subarray(o, o + sizes[k]));
    enumerationScratch = { n, nH, parts };
  }
  // acc, qubit i: [Σ coef v_i, Σ coef v_i σ_j]; tot: [Σ coef, Σ coef σ_j]; up/down: e^{−W_ij}, e^{+W_ij} of the low qubits.
  const [X, acc, tot, theta, e, up, down] = enumerationScratch.parts;
  acc.fill(0);
  tot.fill(0);
  let lowBound = 0; // Σ over the low qubits of max_j |W_ij|: how far θ can move within a block
  for (let l = 0; l < L; l++) {
    const row = (high + l) * nH;
    let m = 0;
    for (let j = 0; j < nH; j++) {
      const x = W[row + j];
      const y = Math.exp(-x);
      up[l * nH + j] = y;
      down[l * nH + j] = 1 / y;
      if (Math.abs(x) > m) m = Math.abs(x);
    }
    lowBound += m;
  }
  const nBlocks = 2 ** high;
  for (let block = 0; block < nBlocks; block++) {
    const start = block * rows;
    let any = false;
    for (let r = 0; r < rows; r++) {
      if (coef[start + r] !== 0) {
        any = true;
        break;
      }
    }
    if (!any) continue;
    // θ of the block's first configuration (low qubits 0): c + Σ over the set high qubits of W_i·.
    theta.set(c);
    for (let i = 0; i < high; i++) {
      if (((block >>> (high - 1 - i)) & 1) === 0) continue;
      const row = i * nH;
      for (let j = 0; j < nH; j++) theta[j] += W[row + j];
    }
    let maxTheta = 0;
    for (let j = 0; j < nH; j++) {
      e[j] = Math.exp(-theta[j]);
      if (Math.abs(theta[j]) > maxTheta) maxTheta = Math.abs(theta[j]);
    }
    if (maxTheta + lowBound < MULTIPLICATIVE_THETA_BOUND) {
      for (let s = 0, r = 0; ; ) {
        const cf = coef[start + r];
        const o = r * w;
        X[o] = cf;
        if (cf === 0) X.fill(0, o + 1, o + w);
        else for (let j = 0; j < nH; j++) X[o + 1 + j] = cf / (1 + e[j]);
        if (++s === rows) break;
        // Gray code: step s flips bit t = number of trailing zeros of s, i.e. qubit n−1−t (low qubit L−1−t).
        const t = 31 - Math.clz32(s & -s);
        const f = (r >>> t) & 1 ? down : up,
          row = (L - 1 - t) * nH;
        for (let j = 0; j < nH; j++) e[j] *= f[row + j];
        r ^= 1 << t;
      }
    } else {
      for (let s = 0, r = 0; ; ) {
        const cf = coef[start + r];
        const o = r * w;
        X[o] = cf;
        if (cf === 0) X.fill(0, o + 1, o + w);
        else for (let j = 0; j < nH; j++) X[o + 1 + j] = cf / (1 + Math.exp(-theta[j]));
        if (++s === rows) break;
        const t = 31 - Math.clz32(s & -s);
        const row = (n - 1 - t) * nH;
        if ((r >>> t) & 1) for (let j = 0; j < nH; j++) theta[j] -= W[row + j];
        else for (let j = 0; j < nH; j++) theta[j] += W[row + j];
        r ^= 1 << t;
      }
    }
    for (let t = L - 1; t >= 0; t--) {
      const half = 1 << t,
        a = (n - 1 - t) * w;
      for (let r = half; r < 2 * half; r++) {
        const o = r * w,
          o2 = (r - half) * w;
        for (let q = 0; q < w; q++) {
          const x = X[o + q];
          acc[a + q] += x;
          X[o2 + q] += x;
        }
      }
    }
    for (let q = 0; q < w; q++) tot[q] += X[q];
    for (let i = 0; i < high; i++) {
      if (((block >>> (high - 1 - i)) & 1) === 0) continue;
      const a = i * w;
      for (let q = 0; q < w; q++) acc[a + q] += X[q];
    }
  }
  const bOff = n * nH,
    cOff = bOff + n;
  for (let i = 0; i < n; i++) {
    const a = i * w,
      row = i * nH;
    grad[bOff + i] -= acc[a];
    for (let j = 0; j < nH; j++) grad[row + j] -= acc[a + 1 + j];
  }
  for (let j = 0; j < nH; j++) grad[cOff + j] -= tot[1 + j];
}
