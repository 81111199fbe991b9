/**
 * Have Gibbs chains of |ψ|² converged? The magnetisation M = Σ_i (2v_i − 1) of every chain over its
 * samples: chains stuck in different modes (a collapsed GHZ or ordered-TFIM model: M = ±N for ever)
 * disagree on its mean, which rank-normalised split-R̂ shows (∞ when each chain is constant).
 * Used by qst sample and qst observe to temper or warn.
 */
import type { ChainSamples } from "../sample/gibbs.js";
import { rankNormalizedSplitRhat } from "./statistics.js";

/** R̂ of M above this: the chains sample different parts of |ψ|² (looser than RHAT_THRESHOLD: a gross check). */
export const MODE_RHAT_THRESHOLD = 1.05;

export interface ChainConvergence {
  /** Rank-normalised split-R̂ of the chains' magnetisation series. */
  rhat: number;
  converged: boolean;
}

export function magnetizationConvergence(s: ChainSamples): ChainConvergence {
  const N = s.nVisible,
    T = s.samplesPerChain;
  if (s.nChains < 2 || T < 4) return { rhat: NaN, converged: true };
  const series = Array.from({ length: s.nChains }, (_, c) => {
    const m = new Float64Array(T);
    for (let t = 0; t < T; t++) {
      let up = 0;
      const at = (c * T + t) * N;
      for (let i = 0; i < N; i++) up += s.samples[at + i];
      m[t] = 2 * up - N;
    }
    return m;
  });
  const rhat = rankNormalizedSplitRhat(series);
  // all chains constant and equal (a product state) gives 1; NaN means nothing moves anywhere
  return { rhat, converged: !(rhat > MODE_RHAT_THRESHOLD) };
}
