/**
 * log Z of an RBM past enumeration: annealed importance sampling (Neal, Statistics and Computing 11,
 * 125 (2001); Salakhutdinov & Murray, ICML 2008).
 *
 * A chain of distributions p_0 … p_K runs from a base-rate RBM A (W = 0, visible biases b_A, as many
 * hidden units as the model, with zero biases) to the model B. With the hidden units summed out,
 *
 *   log p*_k(v) = (1 − β_k) b_A·v + β_k b_B·v + Σ_j softplus(β_k θ_j(v)),   θ(v) = c + Wᵀv,
 *
 * 0 = β_0 < β_1 < … < β_K = 1, so p*_0 has Z_0 = 2^{n_h} Π_i (1 + e^{b_A,i}) and p*_K = e^{−F_B}. One run
 * draws v_0 from p_0 (independent bits), then moves v by one block-Gibbs sweep that leaves p_k
 * invariant at each k (h_j ~ σ(β_k θ_j(v)); v_i ~ σ((1 − β_k) b_A,i + β_k (b_B,i + Σ_j W_ij h_j))),
 * and collects the importance weight log w = Σ_k [log p*_k(v_{k−1}) − log p*_{k−1}(v_{k−1})]. Then
 * E[w] = Z_B/Z_0, and over M independent runs
 *
 *   log Ẑ_B = log Z_0 + log mean(w),    stderr ≈ sd(w) / (√M mean(w))     (delta method).
 *
 * log Ẑ is biased low by about stderr²/2 (Jensen), far inside the stated error when that error is
 * small; a large error, or few effective runs (M_eff = (Σw)²/Σw²), says the schedule is too short.
 */
import { QstError } from "../core/errors.js";
import { Rng } from "../core/rng.js";
import { MAX_EXACT_QUBITS, logPartitionFunction } from "../nn/enumeration.js";
import { type RBM, softplus } from "../nn/rbm.js";

export interface AisOptions {
  /** Independent annealing runs M (importance weights); the error comes from their spread. */
  runs?: number;
  /** Intermediate distributions K. */
  temperatures?: number;
  /** Visible biases b_A of the base-rate RBM (default: the model's own visible biases). */
  baseVisibleBias?: Float64Array;
  seed?: number;
}

export const AIS_DEFAULTS = { runs: 100, temperatures: 2000, seed: 1 };

export interface LogZEstimate {
  logZ: number;
  /** Standard error of logZ (0 when exact). */
  stderr: number;
  method: "exact" | "ais";
  /** AIS only: runs, temperatures, and the effective number of runs (Σw)²/Σw². */
  runs?: number;
  temperatures?: number;
  effectiveRuns?: number;
  /** What makes the estimate doubtful (empty when none): AIS weights carried by a few runs. */
  warnings: string[];
}

/**
 * Below this fraction of effective runs the importance weights are carried by a handful of runs: the
 * weights' sample variance then understates their true spread, and so does the error bar of log Z.
 */
export const AIS_MIN_EFFECTIVE_FRACTION = 0.1;

/**
 * The β schedule of Salakhutdinov & Murray (uniform steps, denser towards β = 1): 500/14500 of the
 * temperatures in [0, 0.5), 4000/14500 in [0.5, 0.9), the rest in [0.9, 1].
 */
export function annealingSchedule(temperatures: number): Float64Array {
  if (!Number.isInteger(temperatures) || temperatures < 3)
    throw new QstError(`AIS needs at least 3 temperatures, got ${temperatures}`);
  const n1 = Math.max(1, Math.round((temperatures * 500) / 14500));
  const n2 = Math.max(1, Math.round((temperatures * 4000) / 14500));
  const n3 = temperatures - n1 - n2;
  const betas = new Float64Array(temperatures + 1);
  let k = 0;
  for (let i = 0; i < n1; i++) betas[k++] = (0.5 * i) / n1;
  for (let i = 0; i < n2; i++) betas[k++] = 0.5 + (0.4 * i) / n2;
  for (let i = 0; i < n3; i++) betas[k++] = 0.9 + (0.1 * i) / n3;
  betas[k] = 1;
  return betas;
}

/** Base rates from shots: b_i = log((n1 + ½)/(n0 + ½)) of each qubit's outcomes (Z-basis shots). */
export function baseRatesFromShots(samples: Uint8Array, nQubits: number): Float64Array {
  const M = samples.length / nQubits,
    b = new Float64Array(nQubits);
  for (let i = 0; i < nQubits; i++) {
    let ones = 0;
    for (let m = 0; m < M; m++) ones += samples[m * nQubits + i];
    b[i] = Math.log((ones + 0.5) / (M - ones + 0.5));
  }
  return b;
}

/** log Z of `rbm` by annealed importance sampling, with its standard error. */
export function aisLogPartitionFunction(rbm: RBM, options: AisOptions = {}): LogZEstimate {
  const runs = options.runs ?? AIS_DEFAULTS.runs,
    K = options.temperatures ?? AIS_DEFAULTS.temperatures;
  if (!Number.isInteger(runs) || runs < 2) throw new QstError(`AIS needs at least 2 runs, got ${runs}`);
  if (rbm.sector !== null)
    throw new QstError(
      "AIS anneals with Gibbs sweeps over every configuration; it does not cover a model confined to a magnetisation sector (log Z is exact up to N = 24: --logz exact)",
    );
  const nV = rbm.nVisible,
    nH = rbm.nHidden,
    W = rbm.weights,
    bB = rbm.visibleBias,
    c = rbm.hiddenBias;
  const bA = options.baseVisibleBias ?? rbm.visibleBias;
  if (bA.length !== nV) throw new QstError(`the base rates have ${bA.length} entries, the RBM ${nV} visible units`);
  const betas = annealingSchedule(K);
  const rng = new Rng(options.seed ?? AIS_DEFAULTS.seed);
  let logZ0 = nH * Math.LN2;
  for (let i = 0; i < nV; i++) logZ0 += softplus(bA[i]);
  const v = new Uint8Array(nV),
    h = new Uint8Array(nH),
    theta = new Float64Array(nH),
    field = new Float64Array(nV);
  const logW = new Float64Array(runs);
  for (let r = 0; r < runs; r++) {
    for (let i = 0; i < nV; i++) v[i] = rng.uniform() * (1 + Math.exp(-bA[i])) < 1 ? 1 : 0; // p(v_i = 1) = σ(b_A,i)
    let lw = 0;
    for (let k = 1; k <= K; k++) {
      const b0 = betas[k - 1],
        b1 = betas[k];
      // θ(v) and Δ log p* = log p*_k(v) − log p*_{k−1}(v) at the current v = v_{k−1}.
      theta.set(c);
      let dBias = 0;
      for (let i = 0; i < nV; i++) {
        if (!v[i]) continue;
        dBias += bB[i] - bA[i];
        const row = i * nH;
        for (let j = 0; j < nH; j++) theta[j] += W[row + j];
      }
      lw += (b1 - b0) * dBias;
      for (let j = 0; j < nH; j++) {
        // One exponential serves softplus(x) = max(x, 0) + log(1 + e^{−|x|}) and σ(x) for the draw of h_j.
        const x = b1 * theta[j],
          e = Math.exp(-Math.abs(x));
        lw += Math.max(x, 0) + Math.log1p(e) - softplus(b0 * theta[j]);
        const on = x >= 0 ? 1 / (1 + e) : e / (1 + e);
        h[j] = rng.uniform() < on ? 1 : 0; // h_j ~ σ(β_k θ_j)
      }
      if (k === K) break; // the last weight factor needs no further move
      for (let i = 0; i < nV; i++) {
        let a = 0;
        const row = i * nH;
        for (let j = 0; j < nH; j++) if (h[j]) a += W[row + j];
        field[i] = (1 - b1) * bA[i] + b1 * (bB[i] + a);
        v[i] = rng.uniform() * (1 + Math.exp(-field[i])) < 1 ? 1 : 0;
      }
    }
    logW[r] = lw;
  }
  let max = -Infinity;
  for (const x of logW) max = Math.max(max, x);
  let s1 = 0,
    s2 = 0;
  for (const x of logW) {
    const w = Math.exp(x - max);
    s1 += w;
    s2 += w * w;
  }
  const mean = s1 / runs,
    variance = Math.max(0, s2 / runs - mean * mean) * (runs / (runs - 1));
  const effectiveRuns = (s1 * s1) / s2;
  const warnings =
    effectiveRuns < AIS_MIN_EFFECTIVE_FRACTION * runs
      ? [
          `AIS: the log Z estimate rests on ${effectiveRuns.toFixed(1)} effective runs of ${runs}, so its error bar ` +
            `is too small; anneal more slowly (more temperatures than ${K}) or use more runs`,
        ]
      : [];
  return {
    logZ: logZ0 + max + Math.log(mean),
    stderr: Math.sqrt(variance / runs) / mean,
    method: "ais",
    runs,
    temperatures: K,
    effectiveRuns,
    warnings,
  };
}

/** Enumeration is used up to this many visible units by logZEstimate's "auto" (2^20 configurations). */
export const AUTO_EXACT_LOGZ_QUBITS = 20;

/**
 * log Z by the method asked for: "exact" enumerates (N ≤ MAX_EXACT_QUBITS), "ais" anneals, "auto"
 * enumerates up to AUTO_EXACT_LOGZ_QUBITS and anneals above.
 */
export function logZEstimate(
  rbm: RBM,
  method: "exact" | "ais" | "auto" = "auto",
  options: AisOptions = {},
): LogZEstimate {
  const exact = method === "exact" || (method === "auto" && rbm.nVisible <= AUTO_EXACT_LOGZ_QUBITS);
  if (exact) {
    if (rbm.nVisible > MAX_EXACT_QUBITS) {
      throw new QstError(
        `exact log Z enumerates 2^N configurations; N = ${rbm.nVisible} is above ${MAX_EXACT_QUBITS} (use AIS)`,
      );
    }
    return { logZ: logPartitionFunction(rbm), stderr: 0, method: "exact", warnings: [] };
  }
  return aisLogPartitionFunction(rbm, options);
}
