/**
 * Exact metrics of a trained wavefunction, by enumerating all 2^N configurations: log Z, the
 * negative log-likelihood of the shots (each in its own basis), and, against a ground truth ψ,
 * the fidelity |⟨ψ|ψ_λμ⟩|² and the KL divergence of the Born distributions (averaged over the
 * measured bases, weighted by their share of the shots).
 */
import { ensure } from "../core/errors.js";
import type { MeasurementData } from "../physics/measurements.js";
import { parts, type StateVector } from "../core/state-vector.js";
import { checkExactSize, indexOf, logSumExp, stateVector, unnormalisedLogProbabilities } from "../nn/enumeration.js";
import type { Model } from "../nn/model.js";
import type { RbmWaveFunction } from "../nn/wavefunction.js";
import { rotateToBasis } from "../physics/bases.js";
import type { DensityMatrix } from "../physics/density-matrix.js";
import { densityMetrics, pureModelAgainstDensity } from "./density-metrics.js";
import { forEachBlock, groupShotsByBasis, hasBases, type Shots, shotCount } from "./shot-groups.js";
import { overlapSquared } from "../physics/states.js";
import type { LogZEstimate } from "./ais.js";

export interface Metrics {
  logZ: number;
  /** −(1/M) Σ_m log |ψ_{b_m}(σ_m)|² over the shots, each in its own basis (NaN without shots). */
  nll: number;
  /** |⟨ψ_true|ψ⟩|², with ground truth. */
  fidelity?: number;
  /** Σ_b f_b KL(|ψ_true,b|² ‖ |ψ_b|²), f_b the share of the shots measured in basis b, with ground truth. */
  kl?: number;
  [extra: string]: number | undefined;
}

export { forEachBlock, groupShotsByBasis, type Shots, shotCount };

/**
 * log Z, NLL of the shots and, with ground truth, fidelity and KL, from one enumeration per RBM. A
 * density model, or a ground truth that is a density matrix `rho`, gets the density-matrix metrics
 * (src/estimate/density-metrics.ts: Uhlmann fidelity, trace distance, purities).
 */
export function exactMetrics(
  model: Model,
  shots: Shots | null,
  psi: StateVector | null,
  rho: DensityMatrix | null = null,
): Metrics {
  checkExactSize(model.nVisible, "an exact evaluation");
  if (model.kind === "density") return densityMetrics(model, shots, { rho, psi });
  if (rho && !psi) return pureModelAgainstDensity(model, shots, rho);
  const wf = model;
  return !wf.phase && !(shots && hasBases(shots)) ? positiveMetrics(wf, shots, psi) : rotatedMetrics(wf, shots, psi);
}

/** Z-basis shots of a positive model: everything from log p_λ. */
function positiveMetrics(wf: RbmWaveFunction, shots: Shots | null, psi: StateVector | null): Metrics {
  const N = wf.nVisible;
  const logp = unnormalisedLogProbabilities(wf.amplitude);
  const logZ = logSumExp(logp);
  for (let k = 0; k < logp.length; k++) logp[k] -= logZ;
  const out: Metrics = { logZ, nll: NaN };
  if (shots && shotCount(shots) > 0) {
    let sum = 0;
    forEachBlock(shots, (samples, _bases, rows) => (sum += rows * negativeLogLikelihood(logp, samples, N)));
    out.nll = sum / shotCount(shots);
  }
  if (psi) {
    out.fidelity = fidelityWithPositive(psi, logp);
    out.kl = klDivergence(psi, logp);
  }
  return out;
}

/** Any model, shots in any bases: one state vector, then one O(t·2^N) rotation per distinct basis. */
function rotatedMetrics(wf: RbmWaveFunction, shots: Shots | null, psi: StateVector | null): Metrics {
  const N = wf.nVisible;
  const model = stateVector(wf);
  const out: Metrics = { logZ: model.logZ, nll: NaN };
  if (psi) {
    const truth = parts(psi);
    ensure(
      truth.re.length === model.re.length,
      `the ground truth has ${truth.re.length} amplitudes but the model needs 2^${N}`,
    );
    out.fidelity = overlapSquared(psi, model);
  }
  const M = shots ? shotCount(shots) : 0;
  // Shots per basis over all blocks (in order of first appearance), for the KL's weights.
  const count = new Map<string, number>();
  let nll = 0;
  if (shots && M > 0) {
    forEachBlock(shots, (samples, bases, rows) => {
      for (const { basis, shots: members } of groupShotsByBasis(bases, rows, N)) {
        count.set(basis, (count.get(basis) ?? 0) + members.length);
        const rotated = rotateToBasis(model, basis);
        for (const m of members) {
          const k = indexOf(samples, N, m * N);
          nll -= Math.log(rotated.re[k] * rotated.re[k] + rotated.im[k] * rotated.im[k]);
        }
      }
    });
    out.nll = nll / M;
  }
  if (psi) {
    let kl = 0;
    for (const [basis, n] of M > 0 ? count : new Map([["Z".repeat(N), 1]])) {
      kl += (M > 0 ? n / M : 1) * basisKl(rotateToBasis(psi, basis), rotateToBasis(model, basis));
    }
    out.kl = kl;
  }
  return out;
}

/** KL(|t|² ‖ |m|²) of two amplitude vectors in the same basis, with 0·log 0 = 0. */
function basisKl(truth: { re: Float64Array; im: Float64Array }, model: { re: Float64Array; im: Float64Array }): number {
  let d = 0;
  for (let k = 0; k < truth.re.length; k++) {
    const q = truth.re[k] * truth.re[k] + truth.im[k] * truth.im[k];
    if (q > TRUTH_ROUNDING) d += q * (Math.log(q) - Math.log(model.re[k] * model.re[k] + model.im[k] * model.im[k]));
  }
  return d;
}

/** The exact metrics of a model against a measurement file (its shots and its ground truth, if any). */
export function evaluateModel(model: Model, data: MeasurementData): Metrics {
  checkExactSize(model.nVisible, "an exact evaluation");
  ensure(
    data.nQubits === model.nVisible,
    `${data.source}: has N = ${data.nQubits} qubits but the model has ${model.nVisible}`,
  );
  return exactMetrics(model, data, data.psi, data.rho ?? null);
}

/** Rounding allowed below 0 (KL, NLL) and outside [0, 1] (fidelity) before a metric counts as impossible. */
const METRIC_ROUNDING = 1e-9;

/**
 * What is wrong with metrics no valid model can have (a NaN or infinite value, KL or NLL below 0,
 * fidelity outside [0, 1]), or undefined. Parameters so large that exp() overflows give them.
 */
export function impossibleMetric(m: Metrics): string | undefined {
  for (const [k, v] of Object.entries(m)) {
    if (v !== undefined && !Number.isFinite(v) && !(k === "nll" && Number.isNaN(v))) return `${k} = ${v}`;
  }
  if (m.kl !== undefined && m.kl < -METRIC_ROUNDING) return `KL = ${m.kl} < 0`;
  if (m.nll < -METRIC_ROUNDING) return `NLL = ${m.nll} < 0`;
  if (m.fidelity !== undefined && (m.fidelity < -METRIC_ROUNDING || m.fidelity > 1 + METRIC_ROUNDING))
    return `fidelity = ${m.fidelity} outside [0, 1]`;
  return undefined;
}

/** |⟨ψ|φ⟩|² for normalised ψ (complex) and a positive φ given by log φ² = logp. */
export function fidelityWithPositive(state: StateVector, logp: Float64Array): number {
  const psi = parts(state);
  let re = 0,
    im = 0;
  for (let k = 0; k < logp.length; k++) {
    const amp = Math.exp(0.5 * logp[k]);
    re += psi.re[k] * amp;
    if (psi.im) im += psi.im[k] * amp;
  }
  return re * re + im * im;
}

/**
 * Probabilities of the ground truth at or below this are rounding, not support: a normalised state in
 * double precision (ε ≈ 2.2e-16) cannot resolve them, nor can any number of shots, and a Lanczos
 * vector's amplitudes outside its symmetry sector are ~1e-11 (probabilities up to ~1e-22; the shipped
 * Heisenberg sets). A model confined to the sector (src/nn/sector.ts) has exactly 0 there, which
 * would make the KL divergence infinite over a weight no measurement could ever see. Skipped terms with
 * a nonzero model probability would have added at most ~1e-13.
 */
export const TRUTH_ROUNDING = 1e-15;

/** KL(q ‖ p) = Σ q (log q − log p) for q = |ψ|², over q > TRUTH_ROUNDING (0·log 0 = 0). */
export function klDivergence(state: StateVector, logp: Float64Array): number {
  const psi = parts(state);
  let kl = 0;
  for (let k = 0; k < logp.length; k++) {
    const q = psi.re[k] * psi.re[k] + (psi.im ? psi.im[k] * psi.im[k] : 0);
    if (q > TRUTH_ROUNDING) kl += q * (Math.log(q) - logp[k]);
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

/**
 * NLL per shot of `shots` under the model, with log Z given (exact or AIS: src/estimate/ais.ts), and
 * its standard error, which is log Z's (the shots are fixed; only Z is estimated). A positive model on
 * Z-basis shots needs only free energies, so this works at any N; shots in rotated bases, a phase, or
 * a density model need the exact state (N ≤ 24; density N ≤ 10).
 */
export function heldOutNll(wf: Model, shots: Shots, logZ: LogZEstimate): { nll: number; stderr: number } {
  const N = wf.nVisible;
  if (wf.phase || hasBases(shots)) return { nll: exactMetrics(wf, shots, null).nll, stderr: 0 };
  const scratch = new Float64Array(wf.amplitude.nHidden);
  let sum = 0;
  forEachBlock(shots, (samples, _bases, rows) => {
    for (let m = 0; m < rows; m++) sum += wf.amplitude.freeEnergy(samples, m * N, scratch);
  });
  return { nll: sum / shotCount(shots) + logZ.logZ, stderr: logZ.stderr };
}
