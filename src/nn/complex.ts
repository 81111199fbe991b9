/**
 * Complex wavefunctions learnt from measurements in rotated bases (Torlai et al., Nature Physics
 * 14, 447 (2018); QuCumber's ComplexWaveFunction).
 *
 * Model. Two RBMs over the same N visible units, an amplitude RBM λ and a phase RBM μ:
 *
 *     ψ_λμ(σ) = e^{−F_λ(σ)/2} · e^{−i F_μ(σ)/2} / sqrt(Z_λ),      Z_λ = Σ_σ e^{−F_λ(σ)},
 *
 * so |ψ(σ)|² = p_λ(σ) and the phase is φ(σ) = −F_μ(σ)/2 (QuCumber: amplitude e^{−ℰ_λ/2}, phase
 * −ℰ_μ/2, its "effective energy" ℰ being our free energy F). log ψ = {re: −F_λ/2, im: −F_μ/2}
 * up to the constant −log Z_λ/2.
 *
 * Data. Shot m was measured in basis b_m (one Pauli letter per qubit) with outcome σ_m. Its
 * probability is |ψ_b(σ)|² with ψ_b(σ) = Σ_σ′ U_b(σ, σ′) ψ(σ′), a sum over the 2^t
 * configurations σ′ that agree with σ on the Z qubits (src/rotations.ts).
 *
 * Cost and gradients. With the unnormalised ψ̃ = e^{−F_λ/2 − iF_μ/2}, |ψ_b|² = |ψ̃_b|²/Z_λ and
 *
 *     NLL = −(1/M) Σ_m log |ψ̃_{b_m}(σ_m)|² + log Z_λ.
 *
 * Writing the complex weights w_σ′ = U_b(σ, σ′) ψ̃(σ′) / ψ̃_b(σ) (Σ_σ′ w_σ′ = 1),
 * ∂ log ψ̃_b = Σ_σ′ w_σ′ ∂ log ψ̃(σ′), with ∂_λ log ψ̃ = −∂_λF_λ/2 and ∂_μ log ψ̃ = −i ∂_μF_μ/2, so
 *
 *     ∂_λ [−log|ψ̃_b(σ)|²] = −2 Re Σ w (−∂_λF_λ/2) =  Re Σ_σ′ w_σ′ ∂_λF_λ(σ′)
 *     ∂_μ [−log|ψ̃_b(σ)|²] = −2 Re Σ w (−i∂_μF_μ/2) = −Im Σ_σ′ w_σ′ ∂_μF_μ(σ′)
 *     ∂_λ log Z_λ = −⟨∂_λF_λ⟩_{p_λ},     ∂_μ log Z_λ = 0.
 *
 * (QuCumber's rotated_gradient: the real part for the amplitude, minus the imaginary part for the
 * phase.) For an all-Z shot w = 1 and the λ term is the positive trainer's ⟨∂F⟩_data while the
 * μ term vanishes. The negative phase −⟨∂F_λ⟩ comes from persistent Gibbs chains of the
 * amplitude RBM, exactly as in the positive Trainer (or, for N ≤ 16, exactly by enumeration:
 * ComplexTrainOptions.negativePhase); μ has none. Derivation, tests and the N = 8 Heisenberg
 * end-to-end numbers: docs/complex.md.
 */
import { QstError, ensure } from "../core/errors.js";
import { registerEvaluator, type Evaluation } from "../estimate/metrics.js";
import { addEnumeratedGradient, checkExactSize, logSumExp, unnormalisedLogProbabilities } from "./enumeration.js";
import type { MeasurementData, Wavefunction } from "../io/measurement-file.js";
import { rbmFromJson, rbmToJson, registerModelKind, type ModelFile } from "../io/model-file.js";
import { makeOptimizer, type Optimizer } from "../train/optimizers.js";
import { RBM, accumulateFreeEnergyGradient, addGradientFromProbabilities, freeEnergyAndProbabilities } from "./rbm.js";
import { Rng } from "../core/rng.js";
import { basisOfShot, buildRotatedShotTable, rotateStateToBasis, type RotatedShotTable } from "../physics/bases.js";
import { GibbsSampler } from "../sample/gibbs.js";
import {
  TrainingDivergedError,
  learningRateAt,
  type EpochRecord,
  type TomographyTrainer,
  type TrainOptions,
  type TrainerState,
  MAX_EXACT_NEGATIVE_PHASE_QUBITS,
  runShuffledBatches,
} from "../train/trainer.js";
import { FreeEnergyDifference, type Complex, type LocalEvaluator, type WaveFunction } from "./wavefunction.js";

// ---------------------------------------------------------------------------------------------
// The wavefunction
// ---------------------------------------------------------------------------------------------

export class ComplexWaveFunction implements WaveFunction {
  readonly isComplex = true;
  /** λ: |ψ(σ)|² ∝ e^{−F_λ(σ)}. */
  readonly amplitude: RBM;
  /** μ: arg ψ(σ) = −F_μ(σ)/2. */
  readonly phase: RBM;
  private readonly scratchA: Float64Array;
  private readonly scratchP: Float64Array;

  constructor(amplitude: RBM, phase: RBM) {
    if (amplitude.nVisible !== phase.nVisible) {
      throw new QstError(`the amplitude RBM has ${amplitude.nVisible} visible units but the phase RBM has ${phase.nVisible}`);
    }
    this.amplitude = amplitude;
    this.phase = phase;
    this.scratchA = new Float64Array(amplitude.nHidden);
    this.scratchP = new Float64Array(phase.nHidden);
  }

  get nVisible(): number {
    return this.amplitude.nVisible;
  }

  /** Gibbs samples of the amplitude RBM are samples of |ψ|² (Z basis). */
  get samplingRbm(): RBM {
    return this.amplitude;
  }

  logPsi(v: ArrayLike<number>, offset = 0): Complex {
    return { re: -0.5 * this.amplitude.freeEnergy(v, offset, this.scratchA), im: -0.5 * this.phase.freeEnergy(v, offset, this.scratchP) };
  }

  localEvaluator(): LocalEvaluator {
    const a = new FreeEnergyDifference(this.amplitude);
    const p = new FreeEnergyDifference(this.phase);
    return {
      setState: (v, offset = 0) => {
        a.setState(v, offset);
        p.setState(v, offset);
      },
      logRatio: (sites, count, out) => {
        out.re = 0.5 * a.minusDeltaF(sites, count);
        out.im = 0.5 * p.minusDeltaF(sites, count);
        return out;
      },
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Exact quantities by enumeration (small N)
// ---------------------------------------------------------------------------------------------

/** The normalised ψ_λμ over all 2^N configurations (basis index Σ v_i 2^(N−1−i)), and log Z_λ. */
export function complexStateVector(wf: ComplexWaveFunction): { re: Float64Array; im: Float64Array; logZ: number } {
  checkExactSize(wf.nVisible, "an exact complex state vector");
  const logp = unnormalisedLogProbabilities(wf.amplitude); // −F_λ
  const minusFmu = unnormalisedLogProbabilities(wf.phase); // −F_μ
  const logZ = logSumExp(logp);
  const re = new Float64Array(logp.length), im = new Float64Array(logp.length);
  for (let k = 0; k < logp.length; k++) {
    const a = Math.exp(0.5 * (logp[k] - logZ)), phi = 0.5 * minusFmu[k];
    re[k] = a * Math.cos(phi);
    im[k] = a * Math.sin(phi);
  }
  return { re, im, logZ };
}

/** The model's exact amplitudes ψ_b(σ) = ⟨σ_b|ψ⟩ in a measurement basis (e.g. "XXZZ"), normalised. */
export function rotatedAmplitudes(wf: ComplexWaveFunction, basis: string): { re: Float64Array; im: Float64Array } {
  return rotateStateToBasis(complexStateVector(wf), basis);
}

/** Shots grouped by basis: the distinct bases in order of appearance and the shots of each. */
export function groupShotsByBasis(bases: Uint8Array | null, nShots: number, nQubits: number): { basis: string; shots: number[] }[] {
  if (!bases) return [{ basis: "Z".repeat(nQubits), shots: Array.from({ length: nShots }, (_, m) => m) }];
  const groups = new Map<string, number[]>();
  for (let m = 0; m < nShots; m++) {
    const b = basisOfShot(bases, m, nQubits);
    let g = groups.get(b);
    if (!g) groups.set(b, (g = []));
    g.push(m);
  }
  return [...groups].map(([basis, shots]) => ({ basis, shots }));
}

export interface ComplexMetrics extends Evaluation {
  logZ: number;
  /** −(1/M) Σ_m log |ψ_{b_m}(σ_m)|² over all shots, each in its own basis. */
  nll: number;
  /** |⟨ψ_true|ψ⟩|² (when the data has ground truth). */
  fidelity?: number;
  /** Σ_b f_b KL(|ψ_true,b|² ‖ |ψ_b|²), f_b = fraction of the shots measured in basis b. */
  kl?: number;
}

/**
 * Exact metrics of a complex model against shots in mixed bases (and the ground truth, if any):
 * fidelity, KL averaged over the bases present in the data (weights = fraction of shots), NLL of
 * the shots and log Z_λ. One enumeration, then one O(t·2^N) rotation per distinct basis.
 */
export function exactComplexMetrics(
  wf: ComplexWaveFunction,
  samples: Uint8Array | null,
  bases: Uint8Array | null,
  psi: Wavefunction | null,
): ComplexMetrics {
  const N = wf.nVisible;
  const model = complexStateVector(wf);
  const out: ComplexMetrics = { logZ: model.logZ, nll: NaN };
  if (psi) {
    ensure(psi.re.length === model.re.length, `the ground truth has ${psi.re.length} amplitudes but the model needs 2^${N} = ${model.re.length}`);
    let re = 0, im = 0;
    for (let k = 0; k < model.re.length; k++) {
      const tr = psi.re[k], ti = psi.im ? psi.im[k] : 0;
      re += tr * model.re[k] + ti * model.im[k]; // conj(ψ_true)·ψ
      im += tr * model.im[k] - ti * model.re[k];
    }
    out.fidelity = re * re + im * im;
  }
  const M = samples ? samples.length / N : 0;
  const groups = M > 0 ? groupShotsByBasis(bases, M, N) : [{ basis: "Z".repeat(N), shots: [] as number[] }];
  let nll = 0, kl = 0;
  for (const { basis, shots } of groups) {
    const rotated = rotateStateToBasis(model, basis);
    if (samples) {
      for (const m of shots) {
        let k = 0;
        for (let i = 0; i < N; i++) k = 2 * k + samples[m * N + i];
        nll -= Math.log(rotated.re[k] * rotated.re[k] + rotated.im[k] * rotated.im[k]);
      }
    }
    if (psi) {
      const truth = rotateStateToBasis(psi, basis);
      let d = 0;
      for (let k = 0; k < truth.re.length; k++) {
        const q = truth.re[k] * truth.re[k] + truth.im[k] * truth.im[k];
        if (q > 0) d += q * (Math.log(q) - Math.log(rotated.re[k] * rotated.re[k] + rotated.im[k] * rotated.im[k]));
      }
      kl += (M > 0 ? shots.length / M : 1) * d;
    }
  }
  if (M > 0) out.nll = nll / M;
  if (psi) out.kl = kl;
  return out;
}

/**
 * The exact NLL per shot, −(1/M) Σ log|ψ̃_b(σ)|² + log Z_λ, from full state vectors (independent of
 * the per-shot tables the trainer uses: the reference for finite-difference checks).
 */
export function exactComplexNll(wf: ComplexWaveFunction, samples: Uint8Array, bases: Uint8Array | null): number {
  return exactComplexMetrics(wf, samples, bases, null).nll;
}

// ---------------------------------------------------------------------------------------------
// The data term of the gradient
// ---------------------------------------------------------------------------------------------


/**
 * Accumulates the positive phase of the complex NLL gradient over shots, in the concatenated
 * layout [λ | μ]. Shots that share a (basis, outcome) pair within a call are evaluated once with
 * their summed weight; for each pair the 2^t configurations σ′ get θ = c + Wᵀσ′ once per RBM,
 * which serves both the free energies (for ψ̃(σ′)) and the gradients.
 */
export class RotatedDataGradient {
  readonly table: RotatedShotTable;
  readonly amplitude: RBM;
  readonly phase: RBM;
  private readonly pairWeight: Float64Array;
  private readonly touched: Uint32Array;
  /** σ(θ) of each configuration σ′ of the pair being evaluated, per RBM. */
  private readonly probA: Float64Array[];
  private readonly probP: Float64Array[];
  private readonly tRe: Float64Array;
  private readonly tIm: Float64Array;
  private readonly logAbs: Float64Array;
  private readonly phi: Float64Array;
  /** Coefficients of Σ_σ′ coef(σ′) ∂F(σ′) per RBM (accumulateByEnumeration; allocated on first use). */
  private coefA = new Float64Array(0);
  private coefP = new Float64Array(0);

  constructor(amplitude: RBM, phase: RBM, table: RotatedShotTable) {
    ensure(amplitude.nVisible === table.nQubits && phase.nVisible === table.nQubits, "the RBMs and the shots have different numbers of qubits");
    this.table = table;
    this.amplitude = amplitude;
    this.phase = phase;
    this.pairWeight = new Float64Array(table.nPairs);
    this.touched = new Uint32Array(table.nPairs);
    let maxTerms = 1;
    for (let p = 0; p < table.nPairs; p++) maxTerms = Math.max(maxTerms, table.termStart[p + 1] - table.termStart[p]);
    this.probA = Array.from({ length: maxTerms }, () => new Float64Array(amplitude.nHidden));
    this.probP = Array.from({ length: maxTerms }, () => new Float64Array(phase.nHidden));
    this.tRe = new Float64Array(maxTerms);
    this.tIm = new Float64Array(maxTerms);
    this.logAbs = new Float64Array(maxTerms);
    this.phi = new Float64Array(maxTerms);
  }

  /**
   * grad[0..nλ) += Σ_r weight · Re Σ w ∂F_λ,  grad[nλ..) += Σ_r weight · (−Im Σ w ∂F_μ) over the
   * shots shots[0..count). Returns Σ_r weight · (−log|ψ̃_b(σ_r)|²), the data term of the NLL.
   */
  accumulate(shots: ArrayLike<number>, count: number, weight: number, grad: Float64Array): number {
    return this.sumOverPairs(shots, count, weight, (p, w) => this.accumulatePair(p, w, grad));
  }

  /**
   * Groups shots[0..count) by (basis, outcome) pair, each with its summed weight, and returns
   * Σ_pairs perPair(pair, weight): shots that repeat a pair are evaluated once.
   */
  private sumOverPairs(shots: ArrayLike<number>, count: number, weight: number, perPair: (pair: number, weight: number) => number): number {
    const { pairOfShot } = this.table;
    const pw = this.pairWeight, touched = this.touched;
    let nTouched = 0;
    for (let r = 0; r < count; r++) {
      const p = pairOfShot[shots[r]];
      if (pw[p] === 0) touched[nTouched++] = p;
      pw[p] += weight;
    }
    let sum = 0;
    for (let q = 0; q < nTouched; q++) {
      const p = touched[q];
      sum += perPair(p, pw[p]);
      pw[p] = 0;
    }
    return sum;
  }

  /**
   * The same data term as accumulate() (and its return value), plus modelWeight · ⟨∂F_λ⟩_{p_λ}
   * (modelWeight = −1: the exact negative phase), by way of the full 2^N tables of −F_λ and −F_μ
   * (N ≤ MAX_EXACT_QUBITS). The pairs then need no free energies of their own: each term σ′ only
   * adds its weight Re w (λ) or −Im w (μ) to a coefficient of σ′, the model average adds p_λ(σ′)
   * to the λ coefficients, and one enumeration per RBM turns Σ_σ′ coef(σ′) ∂F(σ′) into the
   * gradient (addEnumeratedGradient). For small N this is far cheaper than per-term θ and
   * gradient rows, and the λ enumeration is shared with the negative phase.
   */
  accumulateByEnumeration(shots: ArrayLike<number>, count: number, weight: number, grad: Float64Array, modelWeight = 0): number {
    const A = this.amplitude, P = this.phase, N = this.table.nQubits;
    checkExactSize(N, "the enumerated rotated-basis gradient");
    const dim = 2 ** N;
    if (this.coefA.length !== dim) {
      this.coefA = new Float64Array(dim);
      this.coefP = new Float64Array(dim);
    }
    const coefA = this.coefA, coefP = this.coefP;
    const logpA = unnormalisedLogProbabilities(A); // −F_λ
    const logpP = unnormalisedLogProbabilities(P); // −F_μ
    const data = this.sumOverPairs(shots, count, weight, (p, w) => this.pairCoefficients(p, w, logpA, logpP));
    if (modelWeight !== 0) {
      const logZ = logSumExp(logpA);
      for (let k = 0; k < dim; k++) coefA[k] += modelWeight * Math.exp(logpA[k] - logZ);
    }
    const nA = A.params.length;
    addEnumeratedGradient(A, coefA, grad.subarray(0, nA));
    addEnumeratedGradient(P, coefP, grad.subarray(nA, nA + P.params.length));
    coefA.fill(0);
    coefP.fill(0);
    return data;
  }

  /** accumulatePair's weights w of pair p, added to coefA/coefP at the terms' basis indices. */
  private pairCoefficients(p: number, weight: number, logpA: Float64Array, logpP: Float64Array): number {
    const { termStart, termIndex, uRe, uIm } = this.table;
    const k0 = termStart[p], n = termStart[p + 1] - k0;
    const { tRe, tIm, coefA, coefP } = this;
    if (n === 1) {
      const k = termIndex[k0];
      coefA[k] += weight;
      return -weight * logpA[k];
    }
    let mx = -Infinity;
    for (let c = 0; c < n; c++) {
      const a = 0.5 * logpA[termIndex[k0 + c]];
      if (a > mx) mx = a;
    }
    let sRe = 0, sIm = 0;
    for (let c = 0; c < n; c++) {
      const k = termIndex[k0 + c];
      const a = Math.exp(0.5 * logpA[k] - mx), phi = 0.5 * logpP[k];
      const cr = a * Math.cos(phi), ci = a * Math.sin(phi);
      const ur = uRe[k0 + c], ui = uIm[k0 + c];
      tRe[c] = ur * cr - ui * ci;
      tIm[c] = ur * ci + ui * cr;
      sRe += tRe[c];
      sIm += tIm[c];
    }
    const s2 = sRe * sRe + sIm * sIm;
    if (!(s2 > 0)) return Infinity; // as in accumulatePair
    for (let c = 0; c < n; c++) {
      const k = termIndex[k0 + c];
      coefA[k] += weight * (tRe[c] * sRe + tIm[c] * sIm) / s2;
      coefP[k] -= weight * (tIm[c] * sRe - tRe[c] * sIm) / s2;
    }
    return -weight * (Math.log(s2) + 2 * mx);
  }

  private accumulatePair(p: number, weight: number, grad: Float64Array): number {
    const { termStart, configs, uRe, uIm, nQubits: N } = this.table;
    const A = this.amplitude, P = this.phase;
    const k0 = termStart[p], n = termStart[p + 1] - k0;
    const nA = A.params.length;
    const { probA, probP, tRe, tIm, logAbs, phi } = this;
    if (n === 1) {
      // All-Z shot: w = 1, so the term is the positive trainer's ∂F_λ(σ); the phase drops out.
      const f = freeEnergyAndProbabilities(A, configs, k0 * N, probA[0]);
      addGradientFromProbabilities(A, configs, k0 * N, weight, probA[0], grad, 0);
      return weight * f;
    }
    let mx = -Infinity;
    for (let c = 0; c < n; c++) {
      const off = (k0 + c) * N;
      logAbs[c] = -0.5 * freeEnergyAndProbabilities(A, configs, off, probA[c]);
      phi[c] = -0.5 * freeEnergyAndProbabilities(P, configs, off, probP[c]);
      if (logAbs[c] > mx) mx = logAbs[c];
    }
    // t_c = U(σ, σ′_c) ψ̃(σ′_c) e^{−mx} (the common factor cancels in w and is restored in log|S|²).
    let sRe = 0, sIm = 0;
    for (let c = 0; c < n; c++) {
      const a = Math.exp(logAbs[c] - mx), cr = a * Math.cos(phi[c]), ci = a * Math.sin(phi[c]);
      const ur = uRe[k0 + c], ui = uIm[k0 + c];
      tRe[c] = ur * cr - ui * ci;
      tIm[c] = ur * ci + ui * cr;
      sRe += tRe[c];
      sIm += tIm[c];
    }
    const s2 = sRe * sRe + sIm * sIm;
    // ψ̃_b(σ) = 0 exactly: the shot has zero probability under the model and log|ψ_b|² = −∞ has
    // no gradient to follow; skip it (it cannot happen for generic parameters).
    if (!(s2 > 0)) return Infinity;
    for (let c = 0; c < n; c++) {
      const off = (k0 + c) * N;
      // w = t / S = t · conj(S) / |S|²
      const wRe = (tRe[c] * sRe + tIm[c] * sIm) / s2;
      const wIm = (tIm[c] * sRe - tRe[c] * sIm) / s2;
      addGradientFromProbabilities(A, configs, off, weight * wRe, probA[c], grad, 0);
      addGradientFromProbabilities(P, configs, off, -weight * wIm, probP[c], grad, nA);
    }
    return -weight * (Math.log(s2) + 2 * mx);
  }
}

// ---------------------------------------------------------------------------------------------
// Training
// ---------------------------------------------------------------------------------------------

export interface ComplexTrainOptions extends TrainOptions {
  /** Hidden units of the phase RBM (default: nHidden, itself defaulting to N). */
  nHiddenPhase?: number;
  /**
   * Negative phase −⟨∂F_λ⟩ of the amplitude RBM: "pcd" (default) from the persistent Gibbs chains,
   * as the positive Trainer; "exact" by enumerating all 2^N configurations at every update
   * (N ≤ MAX_EXACT_NEGATIVE_PHASE_QUBITS; no sampling bias, for states whose RBM mixes too slowly
   * for PCD, such as the Heisenberg chain's Sz = 0 ground state: see docs/complex.md).
   */
  negativePhase?: "pcd" | "exact";
}

/** Largest N for the exact negative phase (2^N configurations per update). */
export { MAX_EXACT_NEGATIVE_PHASE_QUBITS };

/** The complex model's own training defaults, measured on the N = 8 Heisenberg chain (docs/complex.md). */
export const COMPLEX_DEFAULTS = { epochs: 100, learningRate: 0.05 };
/** `qst train --negative-phase auto` uses the exact model average up to this many qubits. */
export const EXACT_NEGATIVE_PHASE_AUTO_MAX = 12;

/** A checkpoint of the complex trainer: `params` is the concatenation [λ | μ]. */
export interface ComplexTrainerState extends TrainerState {
  nHiddenPhase?: number;
  /** The sampler chains' own RNG streams, when the sampler keeps them (bit-exact resume). */
  samplerRng?: number[];
}

/** The optional RNG-state methods of samplers that give every chain its own stream. */
type SamplerRngAccess = { getRngState?: () => number[]; setRngState?: (words: ArrayLike<number>) => void };

/** What the trainer needs of a measurement file. */
export type ComplexTrainingData = Pick<MeasurementData, "samples" | "bases" | "nQubits" | "psi">;

/** Initial weights N(0, s²) with Glorot's s, zero biases (as RBM.random), drawn into `rbm` in place. */
function randomise(rbm: RBM, rng: Rng): void {
  const s = 1 / Math.sqrt(rbm.nVisible + rbm.nHidden);
  for (let k = 0; k < rbm.weights.length; k++) rbm.weights[k] = s * rng.normal();
}

/**
 * Training of the amplitude and phase RBMs on shots in mixed bases, mini-batch by mini-batch:
 * the data term exactly over the batch (RotatedDataGradient), the negative phase from persistent
 * Gibbs chains of the amplitude RBM (or exactly). One optimiser runs over the concatenated
 * parameter vector [λ | μ] (the RBMs' params are views into it).
 */
export class ComplexTrainer implements TomographyTrainer {
  readonly options: ComplexTrainOptions;
  readonly nQubits: number;
  readonly samples: Uint8Array;
  readonly bases: Uint8Array | null;
  readonly psi: Wavefunction | null;
  readonly nShots: number;
  readonly table: RotatedShotTable;
  /** [λ | μ]. */
  readonly params: Float64Array;
  readonly amplitude: RBM;
  readonly phase: RBM;
  readonly wavefunction: ComplexWaveFunction;
  readonly rng: Rng;
  readonly sampler: GibbsSampler;
  readonly optimizer: Optimizer;
  epoch = 0;
  step = 0;
  /** Seconds spent in training epochs (excluding exact evaluation), carried across resumes. */
  elapsed = 0;
  private readonly gradient: RotatedDataGradient;
  private readonly order: Uint32Array;
  private readonly grad: Float64Array;
  private readonly scratch: Float64Array;

  constructor(data: ComplexTrainingData, options: ComplexTrainOptions, state?: ComplexTrainerState) {
    const N = data.nQubits;
    if (options.method === "cd") {
      throw new QstError(
        "--method cd is not available for the complex model: CD-k restarts the chains at the data, but shots in rotated bases are not samples of p_λ; use --method pcd",
      );
    }
    const nHA = options.nHidden;
    const nA = RBM.parameterCount(N, nHA);
    let nHP = state?.nHiddenPhase ?? options.nHiddenPhase ?? nHA;
    if (state && state.nHiddenPhase === undefined && state.params.length !== nA + RBM.parameterCount(N, nHP)) {
      nHP = (state.params.length - nA - N) / (N + 1); // a checkpoint without the field: infer the phase RBM's size
    }
    if (!Number.isInteger(nHP) || nHP < 1) throw new QstError(`the phase RBM's hidden units must be a positive integer, got ${nHP}`);
    const negativePhase = options.negativePhase ?? "pcd";
    if (negativePhase !== "pcd" && negativePhase !== "exact") throw new QstError(`the negative phase must be pcd or exact, got ${String(negativePhase)}`);
    if (negativePhase === "exact" && N > MAX_EXACT_NEGATIVE_PHASE_QUBITS) {
      throw new QstError(
        `the exact negative phase enumerates 2^N configurations at every update; N = ${N} is above the limit of ${MAX_EXACT_NEGATIVE_PHASE_QUBITS} (use pcd)`,
      );
    }
    this.options = { ...options, nHiddenPhase: nHP, negativePhase };
    this.nQubits = N;
    this.samples = data.samples;
    this.bases = data.bases;
    this.psi = data.psi;
    this.nShots = data.samples.length / N;
    this.table = buildRotatedShotTable(data.samples, data.bases, N);
    this.params = new Float64Array(nA + RBM.parameterCount(N, nHP));
    this.amplitude = new RBM(N, nHA, this.params.subarray(0, nA));
    this.phase = new RBM(N, nHP, this.params.subarray(nA));
    this.wavefunction = new ComplexWaveFunction(this.amplitude, this.phase);
    this.rng = new Rng(options.seed);
    randomise(this.amplitude, this.rng);
    randomise(this.phase, this.rng);
    this.sampler = new GibbsSampler(this.amplitude, options.chains, this.rng);
    this.optimizer = makeOptimizer(options.optimizer, this.params.length, options.momentum);
    this.gradient = new RotatedDataGradient(this.amplitude, this.phase, this.table);
    this.order = new Uint32Array(this.nShots);
    this.grad = new Float64Array(this.params.length);
    this.scratch = new Float64Array(Math.max(nHA, N));
    if (state) this.restore(state);
  }

  get totalSteps(): number {
    return this.options.epochs * Math.ceil(this.nShots / this.options.batchSize);
  }

  /** Distinct bases of the data and the number of shots in each. */
  shotsPerBasis(): Record<string, number> {
    return Object.fromEntries(this.table.bases.map((b, k) => [b, this.table.shotsPerBasis[k]]));
  }

  /**
   * Gradient of the NLL for shots batch[0..count) into `grad` ([λ | μ]): the data term exactly,
   * the negative phase from the sampler's current chains (or by enumeration). Returns the
   * batch's data term −(1/B) Σ log|ψ̃_b(σ)|².
   */
  batchGradient(batch: ArrayLike<number>, count: number, grad: Float64Array): number {
    const o = this.options, N = this.nQubits;
    grad.fill(0);
    let data: number;
    // Exact: data term and negative phase from one enumeration per RBM (accumulateByEnumeration).
    if (o.negativePhase === "exact") data = this.gradient.accumulateByEnumeration(batch, count, 1 / count, grad, -1);
    else {
      data = this.gradient.accumulate(batch, count, 1 / count, grad);
      const gradA = grad.subarray(0, this.amplitude.params.length);
      const chains = this.sampler.visible;
      for (let c = 0; c < o.chains; c++) accumulateFreeEnergyGradient(this.amplitude, chains, c * N, -1 / o.chains, gradA, this.scratch);
    }
    if (o.weightDecay > 0) {
      const nA = this.amplitude.params.length;
      for (let w = 0; w < this.amplitude.weights.length; w++) grad[w] += o.weightDecay * this.amplitude.weights[w];
      for (let w = 0; w < this.phase.weights.length; w++) grad[nA + w] += o.weightDecay * this.phase.weights[w];
    }
    return data;
  }

  /** One pass over the shuffled shots. */
  runEpoch(): EpochRecord {
    const t0 = performance.now();
    const o = this.options;
    const { gradNorm2, batches, lr } = runShuffledBatches(this, this.params, this.grad, this.order, (batch, count) => {
      if (o.negativePhase !== "exact") this.sampler.step(o.k, this.rng);
      this.batchGradient(batch, count, this.grad);
    }, () => this.sampler.syncWeights());
    this.epoch++;
    this.elapsed += (performance.now() - t0) / 1000;
    this.checkFinite();
    return { epoch: this.epoch, step: this.step, time_s: this.elapsed, lr, grad_norm: Math.sqrt(gradNorm2 / batches) };
  }

  /** Exact fidelity, basis-averaged KL, NLL of all shots and log Z_λ (N ≤ MAX_EXACT_QUBITS). */
  evaluate(): Record<string, number | undefined> {
    return { ...exactComplexMetrics(this.wavefunction, this.samples, this.bases, this.psi) };
  }

  modelSections(): Pick<ModelFile, "kind" | "rbm" | "rbms"> {
    return { kind: COMPLEX_MODEL_KIND, rbms: { amplitude: rbmToJson(this.amplitude), phase: rbmToJson(this.phase) } };
  }

  getState(): ComplexTrainerState {
    return {
      epoch: this.epoch,
      step: this.step,
      elapsed: this.elapsed,
      params: Array.from(this.params),
      optimizer: this.optimizer.getState(),
      chains: Array.from(this.sampler.visible),
      rng: this.rng.getState(),
      samplerRng: (this.sampler as unknown as SamplerRngAccess).getRngState?.(),
      nHiddenPhase: this.phase.nHidden,
    };
  }

  private restore(s: ComplexTrainerState): void {
    if (s.params.length !== this.params.length) {
      throw new QstError(`checkpoint has ${s.params.length} parameters, the complex model needs ${this.params.length}`);
    }
    if (s.chains.length !== this.sampler.visible.length) {
      throw new QstError(`checkpoint has ${s.chains.length / this.nQubits} chains, the options ask for ${this.options.chains}`);
    }
    this.epoch = s.epoch;
    this.step = s.step;
    this.elapsed = s.elapsed;
    this.params.set(s.params);
    this.optimizer.setState(s.optimizer);
    this.sampler.visible.set(s.chains);
    const access = this.sampler as unknown as SamplerRngAccess;
    if (s.samplerRng && access.setRngState) access.setRngState(s.samplerRng);
    this.sampler.syncWeights();
    this.rng.setState(s.rng);
  }

  private checkFinite(): void {
    for (let p = 0; p < this.params.length; p++) {
      if (!Number.isFinite(this.params[p])) {
        const which = p < this.amplitude.params.length ? "an amplitude" : "a phase";
        throw new TrainingDivergedError(`training diverged at epoch ${this.epoch}: ${which} parameter became ${this.params[p]} (try a smaller --lr)`);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Registration: model files and exact evaluation
// ---------------------------------------------------------------------------------------------

export const COMPLEX_MODEL_KIND = "complex-rbm";

/** The wavefunction of a "complex-rbm" model file (rbms: { amplitude, phase }). */
export function complexFromModelFile(m: ModelFile, file: string): ComplexWaveFunction {
  const rbms = m.rbms;
  ensure(rbms && typeof rbms === "object" && rbms.amplitude && rbms.phase,
    `${file}: a ${COMPLEX_MODEL_KIND} model needs "rbms": { "amplitude": …, "phase": … }`);
  const amplitude = rbmFromJson(rbms.amplitude, `${file}: rbms.amplitude`);
  const phase = rbmFromJson(rbms.phase, `${file}: rbms.phase`);
  ensure(amplitude.nVisible === phase.nVisible,
    `${file}: the amplitude RBM has ${amplitude.nVisible} visible units but the phase RBM has ${phase.nVisible}`);
  return new ComplexWaveFunction(amplitude, phase);
}

registerModelKind(COMPLEX_MODEL_KIND, complexFromModelFile);

registerEvaluator((wf, data) =>
  wf instanceof ComplexWaveFunction ? { ...exactComplexMetrics(wf, data.samples, data.bases, data.psi) } : null,
);
