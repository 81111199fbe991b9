/**
 * Error bars that include the reconstruction's own error.
 *
 * A model trained on M shots differs from the state by a random part (another M shots would give
 * another model) and a systematic part: the finite-shot bias, which on TFIM chains raises the energy
 * by 0.2–1 % of |E| at M = 10⁴ and shrinks roughly like M^(−α), α ≈ 0.5–1 (docs/trust.md). Neither
 * shows in the Gibbs error bar, and a bootstrap resample of all M shots reproduces only part of the
 * bias (it never contains a configuration the data lack). Half-samples do better: K models trained on
 * M/2 shots each (drawn without replacement) against the model trained on all M give
 *
 *   value     = the full model's estimate v_M (with its Gibbs error σ_MC)
 *   random    = sd(v_{M/2}) / √2              (the spread at M/2, scaled to M shots)
 *   bias      = |mean(v_{M/2}) − v_M| / (√2 − 1)
 *               (if the bias goes like M^(−α), b(M/2) − b(M) = (2^α − 1) b(M); α = ½ bounds it for α ≥ ½)
 *   total     = sqrt(σ_MC² + random² + bias²).
 *
 * That bound is wide (it assumes the slowest decay) and blind to what the half-samples do not change.
 * For the energy of an eigenstate there is a sharper tool, the zero-variance principle of variational
 * Monte Carlo: a state with small error ε has E − E₀ ∝ ε² and energy variance σ²_H ∝ ε², so the
 * models' (σ²_H, E) lie on a line through (0, E₀). `zeroVarianceEnergy` fits that line through the
 * full and half-sample models and extrapolates to σ²_H = 0 (as is done for VMC and DMRG energies).
 * It assumes that the measured state is an eigenstate of H, typically the ground state.
 *
 * The coverage table of docs/trust.md measures how often the exact value lies within 2 total σ.
 * `combineMembers` is the plain ensemble summary (mean, between-member spread, within-member error),
 * used for members that are exchangeable (e.g. bootstrap resamples).
 */
import { QstError } from "../core/errors.js";
import { inverseNormalCdf, mean, studentTQuantile, variance } from "./statistics.js";

export interface EnsembleEstimate {
  mean: number;
  total: number;
  between: number;
  within: number;
  members: number;
  /** Each member's value and sampling error. */
  values: number[];
  errors: number[];
}

export function combineMembers(values: readonly number[], errors: readonly number[]): EnsembleEstimate {
  const K = values.length;
  if (K < 2) throw new QstError(`an ensemble needs at least 2 members to measure its spread, got ${K}`);
  if (errors.length !== K) throw new QstError(`${K} values but ${errors.length} errors`);
  const m = mean(values);
  const between = Math.sqrt(variance(values, m));
  const within = Math.sqrt(errors.reduce((s, e) => s + e * e, 0) / K);
  return {
    mean: m,
    total: Math.hypot(between, within),
    between,
    within,
    members: K,
    values: [...values],
    errors: [...errors],
  };
}

export interface FiniteShotEstimate {
  /** The full-data model's estimate. */
  value: number;
  total: number;
  /** The full model's Gibbs sampling error. */
  sampling: number;
  /** The random part of the reconstruction error at M shots. */
  random: number;
  /** The bound on the finite-shot bias. */
  bias: number;
  /** mean(v_{M/2}) − v_M: the direction of the bias is the sign of this shift. */
  shift: number;
  halfSamples: number;
}

/** The full model's value with an error bar for sampling, the reconstruction's spread and its bias. */
export function finiteShotEstimate(
  full: { value: number; error: number },
  halves: readonly number[],
): FiniteShotEstimate {
  const K = halves.length;
  if (K < 2) throw new QstError(`the finite-shot error needs at least 2 half-sample models, got ${K}`);
  const m = mean(halves);
  const random = Math.sqrt(variance(halves, m)) / Math.SQRT2,
    shift = m - full.value,
    bias = Math.abs(shift) / (Math.SQRT2 - 1);
  return {
    value: full.value,
    total: Math.hypot(full.error, random, bias),
    sampling: full.error,
    random,
    bias,
    shift,
    halfSamples: K,
  };
}

/** One model's energy and energy variance σ²_H = ⟨H²⟩ − ⟨H⟩², each with its sampling error. */
export interface VariancePoint {
  energy: number;
  energyError: number;
  variance: number;
  varianceError: number;
}

export interface ZeroVarianceEstimate {
  /** The energy extrapolated to σ²_H = 0: E₀ if the models approach an eigenstate of H. */
  value: number;
  /**
   * Its error: the fit's, scaled up when the points scatter more than their errors by the Birge ratio
   * √(χ²/dof) and by t_{0.975,dof}/z_{0.975} (so that ±2σ stays a 95 % interval with few points).
   */
  total: number;
  /** dE/dσ²_H, positive when the models approach a ground state from above. */
  slope: number;
  chi2: number;
  dof: number;
  points: number;
  /** Reasons to doubt the extrapolation; empty when its checks pass. */
  warnings: string[];
}

/**
 * E at zero energy variance from models of different quality (the full-data model and half-sample
 * models): a straight-line fit E = E₀ + c σ²_H with errors in both coordinates (the effective-variance
 * method: weights 1/(σ_E² + c² σ_V²), iterated), E₀'s error from the fit's covariance, inflated by
 * √(χ²/dof) · t_{0.975,dof}/z_{0.975} when χ²/dof exceeds 1. Needs 3 points or more (one degree of
 * freedom to judge the scatter).
 */
export function zeroVarianceEnergy(points: readonly VariancePoint[]): ZeroVarianceEstimate {
  const n = points.length;
  if (n < 3) throw new QstError(`the zero-variance extrapolation needs at least 3 models, got ${n}`);
  for (const p of points) {
    if (![p.energy, p.energyError, p.variance, p.varianceError].every(Number.isFinite))
      throw new QstError("the zero-variance extrapolation got a non-finite energy, variance or error");
  }
  let slope = 0,
    intercept = 0,
    varIntercept = Number.NaN,
    chi2 = 0;
  for (let iteration = 0; iteration < 50; iteration++) {
    const w = points.map((p) => 1 / Math.max(p.energyError ** 2 + slope ** 2 * p.varianceError ** 2, Number.MIN_VALUE));
    let S = 0,
      Sx = 0,
      Sy = 0,
      Sxx = 0,
      Sxy = 0;
    points.forEach((p, i) => {
      S += w[i];
      Sx += w[i] * p.variance;
      Sy += w[i] * p.energy;
      Sxx += w[i] * p.variance ** 2;
      Sxy += w[i] * p.variance * p.energy;
    });
    const D = S * Sxx - Sx * Sx;
    if (!(D > 1e-12 * S * Sxx))
      throw new QstError(
        "the models' energy variances do not differ: there is no line to extrapolate to zero variance",
      );
    const previous = slope;
    slope = (S * Sxy - Sx * Sy) / D;
    intercept = (Sxx * Sy - Sx * Sxy) / D;
    varIntercept = Sxx / D;
    chi2 = points.reduce((c, p, i) => c + w[i] * (p.energy - intercept - slope * p.variance) ** 2, 0);
    if (Math.abs(slope - previous) <= 1e-12 * Math.abs(slope)) break;
  }
  const dof = n - 2;
  // When the points scatter more than their errors allow, the error is estimated from that scatter
  // (Birge ratio √(χ²/dof)) with only dof = n − 2 degrees of freedom: E₀ then follows Student's t,
  // whose tails are heavy for few points (P(|t₃| > 3) ≈ 6 %). The error is widened further by
  // t_{0.975, dof}/z_{0.975} (1.62 for the default 5 models), so that ±2σ remains a 95 % interval.
  const scatterLimited = chi2 / dof > 1;
  const birge = scatterLimited ? Math.sqrt(chi2 / dof) * (studentTQuantile(0.975, dof) / inverseNormalCdf(0.975)) : 1;
  const warnings: string[] = [];
  if (!(slope > 0))
    warnings.push(
      `the energy does not fall as the variance falls (dE/dσ² = ${slope.toPrecision(3)}): the models do not approach a ground state of H from above, so the extrapolation to zero variance is not reliable`,
    );
  return { value: intercept, total: Math.sqrt(varIntercept) * birge, slope, chi2, dof, points: n, warnings };
}
