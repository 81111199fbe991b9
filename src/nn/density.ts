/**
 * The latent-space purification RBM of Torlai & Melko, PRL 120, 240503 (2018) (QuCumber's
 * DensityMatrix): a mixed state as the partial trace of a purification ψ(σ, a) over auxiliary units a.
 *
 * Two RBMs over visible σ (N), hidden h (n_h) and auxiliary a (n_a) units: the amplitude λ with
 * weights W (σ–h), U (σ–a) and biases b, c, d, and the phase μ with W, U, b, c. With the hidden units
 * summed out and the auxiliary ones traced,
 *
 *   ρ̃(σ, σ′) = exp[Γ⁺_λ(σ, σ′) + Re Π(σ, σ′)] · exp i[Γ⁻_μ(σ, σ′) + Im Π(σ, σ′)],
 *   Γ^±(σ, σ′) = ½ [g(σ) ± g(σ′)],   g(σ) = b·σ + Σ_j softplus(c_j + Σ_i W_ij σ_i),
 *   Π(σ, σ′) = Σ_k log(1 + exp[½ Σ_i U^λ_ik (σ_i + σ′_i) + d_k + (i/2) Σ_i U^μ_ik (σ_i − σ′_i)]),
 *
 * Hermitian and positive semidefinite by construction; ρ = ρ̃ / tr ρ̃.
 *
 * Each of λ and μ is stored as an ordinary RBM (src/nn/rbm.ts) whose hidden layer is h followed by a:
 * weights [W_i· | U_i·] in each visible row, hidden biases [c | d]. On the diagonal Π(σ, σ) is real
 * and ρ̃(σ, σ) = e^{−F_λ(σ)} with F_λ that RBM's free energy, so the measured Z-basis distribution
 * ρ(σ, σ) is the RBM's marginal: the Gibbs samplers, tempering, enumeration and AIS of the pure
 * models serve the density model unchanged. The phase RBM's auxiliary biases cancel from ρ̃
 * ((i/2)(d − d) = 0); their gradient is zero and they stay 0 (QuCumber has no such parameters).
 *
 * Parameters are one vector [λ | μ], each in the RBM layout [W′ (N × (n_h + n_a)) | b | c′].
 */
import type { Rng } from "../core/rng.js";
import type { DensityMatrix } from "../physics/density-matrix.js";
import { MAX_DENSITY_QUBITS } from "../physics/density-matrix.js";
import { QstError } from "../core/errors.js";
import { RBM, softplus } from "./rbm.js";
import type { Complex, LocalEvaluator, WaveFunction } from "./wavefunction.js";

export class DensityRbm {
  readonly kind = "density" as const;
  readonly params: Float64Array;
  /** λ over (σ; h, a): its free energy is −log ρ̃(σ, σ). */
  readonly amplitude: RBM;
  /** μ over (σ; h, a), the auxiliary biases unused (see above). */
  readonly phase: RBM;

  constructor(
    readonly nVisible: number,
    readonly nHidden: number,
    readonly nAux: number,
    params?: Float64Array,
  ) {
    for (const [name, n] of [
      ["visible", nVisible],
      ["hidden", nHidden],
      ["auxiliary", nAux],
    ] as const) {
      if (!Number.isInteger(n) || n < 1)
        throw new QstError(`the number of ${name} units must be a positive integer, got ${n}`);
    }
    const nA = RBM.parameterCount(nVisible, nHidden + nAux);
    if (params && params.length !== 2 * nA)
      throw new QstError(`this density RBM has ${2 * nA} parameters, got ${params.length}`);
    this.params = params ?? new Float64Array(2 * nA);
    this.amplitude = new RBM(nVisible, nHidden + nAux, this.params.subarray(0, nA));
    this.phase = new RBM(nVisible, nHidden + nAux, this.params.subarray(nA));
  }

  /** The RBMs in parameter order. */
  get rbms(): RBM[] {
    return [this.amplitude, this.phase];
  }

  /** Index of W_ij (j < n_h) in an RBM's weights. */
  w(i: number, j: number): number {
    return i * (this.nHidden + this.nAux) + j;
  }

  /** Index of U_ik (k < n_a) in an RBM's weights. */
  u(i: number, k: number): number {
    return i * (this.nHidden + this.nAux) + this.nHidden + k;
  }

  /** Weights ~ N(0, s²) with Glorot's s per block (W: 1/sqrt(N + n_h), U: 1/sqrt(N + n_a)), zero biases. */
  randomise(rng: Rng): this {
    this.params.fill(0);
    const N = this.nVisible,
      sW = 1 / Math.sqrt(N + this.nHidden),
      sU = 1 / Math.sqrt(N + this.nAux);
    for (const rbm of this.rbms) {
      for (let i = 0; i < N; i++) for (let j = 0; j < this.nHidden; j++) rbm.weights[this.w(i, j)] = sW * rng.normal();
      for (let i = 0; i < N; i++) for (let k = 0; k < this.nAux; k++) rbm.weights[this.u(i, k)] = sU * rng.normal();
    }
    return this;
  }

  /** g(σ) = b·σ + Σ_j softplus(c_j + Σ_i W_ij σ_i) of one RBM (its hidden units only). */
  private g(r: RBM, v: ArrayLike<number>): number {
    const nV = this.nVisible,
      nH = this.nHidden;
    let s = 0;
    for (let i = 0; i < nV; i++) if (v[i]) s += r.visibleBias[i];
    for (let j = 0; j < nH; j++) {
      let x = r.hiddenBias[j];
      for (let i = 0; i < nV; i++) if (v[i]) x += r.weights[this.w(i, j)];
      s += softplus(x);
    }
    return s;
  }

  /** The k-th auxiliary unit's complex argument z_k = x + iφ of Π (and of ∂ log ρ̃), for (σ, σ′). */
  auxArgument(k: number, v: ArrayLike<number>, vp: ArrayLike<number>): { x: number; phi: number } {
    const nV = this.nVisible,
      A = this.amplitude.weights,
      P = this.phase.weights;
    let x = this.amplitude.hiddenBias[this.nHidden + k],
      phi = 0;
    for (let i = 0; i < nV; i++) {
      const u = this.u(i, k);
      x += 0.5 * A[u] * (v[i] + vp[i]);
      phi += 0.5 * P[u] * (v[i] - vp[i]);
    }
    return { x, phi };
  }

  /** log ρ̃(σ, σ′) (unnormalised) as { re, im }. */
  logRho(v: ArrayLike<number>, vp: ArrayLike<number>): { re: number; im: number } {
    let re = 0.5 * (this.g(this.amplitude, v) + this.g(this.amplitude, vp)),
      im = 0.5 * (this.g(this.phase, v) - this.g(this.phase, vp));
    for (let k = 0; k < this.nAux; k++) {
      const { x, phi } = this.auxArgument(k, v, vp);
      // log(1 + e^{x + iφ}) = ½ log(1 + 2e^x cos φ + e^{2x}) + i atan2(e^x sin φ, 1 + e^x cos φ)
      const e = Math.exp(x);
      re +=
        x > 30
          ? x + 0.5 * Math.log1p(2 * Math.exp(-x) * Math.cos(phi) + Math.exp(-2 * x))
          : 0.5 * Math.log(1 + 2 * e * Math.cos(phi) + e * e);
      im += Math.atan2(e * Math.sin(phi), 1 + e * Math.cos(phi));
    }
    return { re, im };
  }
}

/** The model's normalised ρ over all 2^N × 2^N configurations (N ≤ MAX_DENSITY_QUBITS). */
export function densityMatrixOf(model: DensityRbm): DensityMatrix {
  const N = model.nVisible;
  if (N > MAX_DENSITY_QUBITS)
    throw new QstError(`a density matrix of N = ${N} qubits is larger than qst forms (N ≤ ${MAX_DENSITY_QUBITS})`);
  const dim = 2 ** N;
  const configs = Array.from({ length: dim }, (_, a) =>
    Uint8Array.from({ length: N }, (_, i) => (a >>> (N - 1 - i)) & 1),
  );
  const logRe = new Float64Array(dim * dim),
    phase = new Float64Array(dim * dim);
  let max = -Infinity;
  for (let a = 0; a < dim; a++) {
    for (let b = 0; b < dim; b++) {
      const l = model.logRho(configs[a], configs[b]);
      logRe[a * dim + b] = l.re;
      phase[a * dim + b] = l.im;
      if (a === b && l.re > max) max = l.re;
    }
  }
  let tr = 0;
  for (let a = 0; a < dim; a++) tr += Math.exp(logRe[a * dim + a] - max);
  const re = new Float64Array(dim * dim),
    im = new Float64Array(dim * dim);
  for (let k = 0; k < dim * dim; k++) {
    const m = Math.exp(logRe[k] - max) / tr;
    re[k] = m * Math.cos(phase[k]);
    im[k] = m * Math.sin(phase[k]);
  }
  return { dim, re, im };
}

/**
 * The WaveFunction interface over a density model, for the local estimators of
 * src/estimate/observables.ts. With logRatio(σ → σ′) = log ρ̃(σ′, σ) − log ρ̃(σ, σ), the estimators'
 * mean over σ ~ ρ(σ, σ) of Σ_σ′ O(σ, σ′) ρ̃(σ′, σ)/ρ̃(σ, σ) is Σ_σσ′ O(σ, σ′) ρ(σ′, σ) = tr(ρO); the
 * samples come from the amplitude RBM, whose marginal is ρ(σ, σ). There is no ψ: logPsi throws, and
 * the swap estimator of Rényi entropies, which assumes a pure state, must not be used on it.
 */
export function densityEstimatorView(model: DensityRbm): WaveFunction {
  const N = model.nVisible;
  return {
    nVisible: N,
    isComplex: true,
    amplitude: model.amplitude,
    logPsi(): Complex {
      throw new QstError("a density model (a mixed state) has no wavefunction ψ");
    },
    localEvaluator(): LocalEvaluator {
      const state = new Uint8Array(N),
        flipped = new Uint8Array(N);
      let diagonal = 0;
      return {
        setState(v: ArrayLike<number>, offset = 0) {
          for (let i = 0; i < N; i++) state[i] = v[offset + i];
          diagonal = model.logRho(state, state).re;
        },
        logRatio(sites: ArrayLike<number>, count: number, out: Complex): Complex {
          flipped.set(state);
          for (let k = 0; k < count; k++) flipped[sites[k]] ^= 1;
          const l = model.logRho(flipped, state);
          out.re = l.re - diagonal;
          out.im = l.im;
          return out;
        },
      };
    },
  };
}
