/**
 * Have Gibbs chains of |ψ|² converged, and how long must they burn in?
 *
 * - Modes: the magnetisation M = Σ_i (2v_i − 1) of every chain over its samples. Chains stuck in
 *   different modes (a collapsed GHZ or ordered-TFIM model: M = ±N for ever) disagree on its mean,
 *   which rank-normalised split-R̂ shows (∞ when each chain is constant). Used by qst sample and
 *   qst observe to temper or warn.
 * - Burn-in: `autoBurnIn` extends the burn-in until the chains' free-energy trace is stationary and
 *   at least 20 autocorrelation times long (the rule behind `burnIn: "auto"`).
 */
import type { AdaptiveBurnIn, BurnInDecision } from "../sample/burn-in.js";
import type { ChainSamples } from "../sample/gibbs.js";
import { integratedAutocorrelationTime, rankNormalizedSplitRhat } from "./statistics.js";

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

/** The adaptive burn-in's settings (`autoBurnIn`). */
export interface AutoBurnInOptions {
  /** Sweeps before the first look. */
  minSweeps: number;
  /** The burn-in gives up (converged: false) after this many sweeps. */
  maxSweeps: number;
  /** The burn-in must be at least this many autocorrelation times τ of the free energy. */
  tauMultiple: number;
  /** R̂ of the free energy over the chains, last half of the burn-in, must be at most this. */
  rhat: number;
}

export const AUTO_BURN_IN_DEFAULTS: AutoBurnInOptions = {
  minSweeps: 100,
  maxSweeps: 100 * 2 ** 9,
  tauMultiple: 20,
  rhat: MODE_RHAT_THRESHOLD,
};

/** Fewer records than this in the half looked at: too few to judge, keep sweeping. */
const MIN_RECORDS = 16;

/**
 * The burn-in chosen from the chains themselves (for `burnIn: "auto"`): after `minSweeps`, and then
 * after every doubling of the sweeps, the last half of every chain's free-energy trace is examined.
 * The burn-in ends when
 *  - the chains agree on F there: rank-normalised split-R̂ ≤ `rhat` (split, so a trend that is still
 *    going, i.e. a chain still relaxing from its start, counts as disagreement), and
 *  - the sweeps so far are at least `tauMultiple` integrated autocorrelation times of F (measured
 *    with Sokal's window over the same half; a τ the half is too short to measure does not count).
 * At `maxSweeps` it ends unconverged, and the caller warns (or tempers). Doubling keeps the total
 * cost within twice the burn-in needed.
 */
export function autoBurnIn(options: Partial<AutoBurnInOptions> = {}): AdaptiveBurnIn {
  const o = { ...AUTO_BURN_IN_DEFAULTS, ...options };
  return {
    firstSweeps: o.minSweeps,
    decide(trace, stride, sweeps): BurnInDecision {
      const n = trace[0]?.length ?? 0;
      const half = trace.map((t) => t.subarray(Math.floor(n / 2)));
      let rhat = Number.NaN,
        tauSweeps = Number.NaN,
        converged = false;
      if (n - Math.floor(n / 2) >= MIN_RECORDS) {
        rhat = trace.length >= 2 ? rankNormalizedSplitRhat(half) : 1;
        const ac = integratedAutocorrelationTime(half);
        tauSweeps = ac.tau * stride;
        // NaN R̂: nothing moves anywhere (every chain frozen in one configuration) — nothing to wait for
        converged = !(rhat > o.rhat) && ac.converged && sweeps >= o.tauMultiple * tauSweeps;
      }
      const more = converged || sweeps >= o.maxSweeps ? 0 : Math.min(sweeps, o.maxSweeps - sweeps);
      return { more, converged, rhat, tauSweeps };
    },
  };
}
