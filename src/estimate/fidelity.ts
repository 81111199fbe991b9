/**
 * The fidelity between two RBM wavefunctions past enumeration, by Monte Carlo:
 *
 *   ⟨ψ_a|ψ_b⟩ = Σ_v ψ_a*(v) ψ_b(v) = E_{v ~ |ψ_a|²}[ψ_b(v)/ψ_a(v)],
 *   ψ_b(v)/ψ_a(v) = e^{log ψ̃_b(v) − log ψ̃_a(v)} · sqrt(Z_a/Z_b),
 *
 * with ψ̃ the unnormalised amplitudes (log ψ̃ = −F_λ/2 − iF_μ/2). So F = |E_a[r]|² · Z_a/Z_b with
 * r = e^{log ψ̃_b − log ψ̃_a}: Gibbs samples of |ψ_a|² for the mean of r (with an error bar that
 * accounts for autocorrelation, src/estimate/statistics.ts) and log Z_a − log Z_b exactly or by AIS.
 * The relative error of F adds in quadrature twice that of |E[r]| and the errors of both log Z.
 */
import { ensure } from "../core/errors.js";
import { Rng } from "../core/rng.js";
import type { RbmWaveFunction } from "../nn/wavefunction.js";
import { sampleChains } from "../sample/gibbs.js";
import { type AisOptions, logZEstimate } from "./ais.js";
import { summarize } from "./statistics.js";

export interface FidelityOptions {
  chains: number;
  samplesPerChain: number;
  burnIn: number;
  thin: number;
  seed: number;
  logZ?: "exact" | "ais" | "auto";
  ais?: AisOptions;
}

export const FIDELITY_DEFAULTS: FidelityOptions = { chains: 20, samplesPerChain: 1000, burnIn: 200, thin: 1, seed: 1 };

export interface FidelityEstimate {
  fidelity: number;
  stderr: number;
  /** Doubts from the sampling diagnostics (τ, R̂) of the ratio, for the user to see. */
  warnings: string[];
}

export function fidelityEstimate(
  a: RbmWaveFunction,
  b: RbmWaveFunction,
  options: Partial<FidelityOptions> = {},
): FidelityEstimate {
  ensure(a.nVisible === b.nVisible, `the two models have ${a.nVisible} and ${b.nVisible} visible units`);
  const o = { ...FIDELITY_DEFAULTS, ...options };
  const N = a.nVisible;
  const samples = sampleChains(a.amplitude, o, new Rng(o.seed));
  const re: Float64Array[] = [],
    im: Float64Array[] = [];
  let shift = -Infinity; // the largest log|r|, factored out so that no e^x overflows
  const logR: { re: Float64Array; im: Float64Array }[] = [];
  for (let c = 0; c < samples.nChains; c++) {
    const lr = { re: new Float64Array(o.samplesPerChain), im: new Float64Array(o.samplesPerChain) };
    for (let t = 0; t < o.samplesPerChain; t++) {
      const off = (c * o.samplesPerChain + t) * N;
      const la = a.logPsi(samples.samples, off),
        lb = b.logPsi(samples.samples, off);
      lr.re[t] = lb.re - la.re;
      lr.im[t] = lb.im - la.im;
      shift = Math.max(shift, lr.re[t]);
    }
    logR.push(lr);
  }
  for (const lr of logR) {
    const r = new Float64Array(lr.re.length),
      s = new Float64Array(lr.re.length);
    for (let t = 0; t < r.length; t++) {
      const m = Math.exp(lr.re[t] - shift);
      r[t] = m * Math.cos(lr.im[t]);
      s[t] = m * Math.sin(lr.im[t]);
    }
    re.push(r);
    im.push(s);
  }
  const sr = summarize(re),
    si = a.phase || b.phase ? summarize(im) : null;
  const mean2 = sr.mean * sr.mean + (si ? si.mean * si.mean : 0);
  // |E r|² error by the delta method: ∂|m|²/∂m_re = 2 m_re, ∂/∂m_im = 2 m_im.
  const varMean2 = (2 * sr.mean * sr.stderr) ** 2 + (si ? (2 * si.mean * si.stderr) ** 2 : 0);
  const za = logZEstimate(a.amplitude, o.logZ ?? "auto", o.ais),
    zb = logZEstimate(b.amplitude, o.logZ ?? "auto", o.ais);
  const fidelity = mean2 * Math.exp(2 * shift + za.logZ - zb.logZ);
  const relative = Math.sqrt(varMean2 / (mean2 * mean2) + za.stderr ** 2 + zb.stderr ** 2);
  return {
    fidelity,
    stderr: fidelity * relative,
    warnings: [...sr.warnings, ...(si?.warnings ?? []), ...za.warnings, ...zb.warnings],
  };
}
