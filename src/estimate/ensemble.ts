/**
 * Error bars that include the reconstruction's own error, from a bootstrap ensemble: K models, each
 * trained on the shots resampled with replacement. For one observable, member k gives m_k ± σ_k
 * (Gibbs sampling error). The spread of the m_k estimates how much the reconstruction itself varies
 * with the finite set of shots; the σ_k are the sampling errors within each member. Reported:
 *
 *   mean     = (1/K) Σ m_k
 *   between  = sd(m_k)                       (sample standard deviation over the members)
 *   within   = sqrt((1/K) Σ σ_k²)
 *   total    = sqrt(between² + within²)
 *
 * `total` is the error bar of one reconstruction's estimate, sampling and finite-shot error together
 * (the bootstrap spread is the error of an estimator trained on M shots, not of the mean of K
 * replicas, which are not independent data sets). It does not see a bias that every member
 * shares (a model too small for the state, training stopped too early): the coverage table in
 * docs/observables.md measures how often it holds.
 */
import { QstError } from "../core/errors.js";

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
  const mean = values.reduce((s, x) => s + x, 0) / K;
  const between = Math.sqrt(values.reduce((s, x) => s + (x - mean) ** 2, 0) / (K - 1));
  const within = Math.sqrt(errors.reduce((s, e) => s + e * e, 0) / K);
  return { mean, total: Math.hypot(between, within), between, within, members: K, values: [...values], errors: [...errors] };
}
