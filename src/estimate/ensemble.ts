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
 * The coverage table of docs/trust.md measures how often the exact value lies within 2 total σ.
 * `combineMembers` is the plain ensemble summary (mean, between-member spread, within-member error),
 * used for members that are exchangeable (e.g. bootstrap resamples).
 */
import { QstError } from "../core/errors.js";
import { mean, variance } from "./statistics.js";

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
