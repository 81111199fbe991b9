/**
 * Burn-in of Gibbs chains, fixed or adaptive.
 *
 * A fixed burn-in discards a given number of sweeps. An adaptive one (`AdaptiveBurnIn`) records every
 * chain's free energy F(v) = −log Σ_h e^{−E(v,h)} (−log p_λ(v) up to log Z) as it sweeps, and asks a
 * rule (src/estimate/convergence.ts: `autoBurnIn`, which measures R̂ and the autocorrelation time of
 * that trace) whether the chains have forgotten their uniformly random starts; until it says so, the
 * burn-in is extended. F is the natural trace for this: a random start has far lower p_λ than typical
 * configurations, so its relaxation shows in F, and chains caught in a minor mode (higher F) disagree
 * with the others in it.
 *
 * This layer only runs the chains and records; the statistics belong to src/estimate, which supplies
 * the rule.
 */
import type { RBM } from "../nn/rbm.js";

/** What a burn-in rule decides after looking at the trace so far. */
export interface BurnInDecision {
  /** Sweeps to run before the next look; 0 ends the burn-in. */
  more: number;
  /** Whether the rule judged the chains to have converged (false when it gave up at its limit). */
  converged: boolean;
  /** The diagnostics behind the decision: R̂ of F over the chains, its τ in sweeps. */
  rhat: number;
  tauSweeps: number;
}

/**
 * An adaptive burn-in: `firstSweeps` before the first look, then `decide` (given every chain's
 * F trace, one value per `stride` sweeps, and the sweeps run so far) until it returns more = 0.
 */
export interface AdaptiveBurnIn {
  firstSweeps: number;
  decide(trace: readonly Float64Array[], stride: number, sweeps: number): BurnInDecision;
}

/** The burn-in that was run. */
export interface BurnInReport {
  sweeps: number;
  /** False when an adaptive burn-in ended at its limit without converging. */
  converged: boolean;
  /** Adaptive only: R̂ of the chains' free energy over the last half of the burn-in, and its τ in sweeps. */
  rhat?: number;
  tauSweeps?: number;
}

export type BurnIn = number | AdaptiveBurnIn;

/** Anything that sweeps chains of `rbm` whose states are in `visible` (a GibbsSampler, tempered chains). */
export interface SweptChains {
  readonly visible: Uint8Array;
  step(sweeps: number): void;
}

/**
 * Recording F costs O(N·n_h) per chain in TypeScript, far more than a kernel sweep for large layers:
 * above this many weights F is recorded once every few sweeps, so that recording costs about as much
 * as sweeping (τ is then measured in records and converted back to sweeps).
 */
const WEIGHTS_PER_RECORDED_SWEEP = 256;
/** …but never fewer records than one per this many sweeps, so that τ of slow chains stays measurable. */
const MAX_STRIDE = 32;

/** Sweeps between recorded free energies for this RBM. */
export function recordStride(rbm: RBM): number {
  return Math.max(1, Math.min(MAX_STRIDE, Math.round((rbm.nVisible * rbm.nHidden) / WEIGHTS_PER_RECORDED_SWEEP)));
}

/**
 * Runs the burn-in on `chains` (of `rbm`, `nChains` of them), in steps of at most `chunk` sweeps
 * between calls of `between` (tempering adapts its ladder there). Returns what was run.
 */
export function runBurnIn(
  chains: SweptChains,
  rbm: RBM,
  nChains: number,
  burnIn: BurnIn,
  chunk = Number.POSITIVE_INFINITY,
  between: () => void = () => {},
): BurnInReport {
  const sweep = (n: number) => {
    for (let done = 0; done < n; ) {
      const k = Math.min(chunk, n - done);
      chains.step(k);
      between();
      done += k;
    }
  };
  if (typeof burnIn === "number") {
    if (!(burnIn >= 0) || !Number.isInteger(burnIn)) throw new Error(`burn-in must be an integer ≥ 0, got ${burnIn}`);
    sweep(burnIn);
    return { sweeps: burnIn, converged: true };
  }
  const nV = rbm.nVisible;
  const stride = recordStride(rbm);
  const scratch = new Float64Array(rbm.nHidden);
  const trace: number[][] = Array.from({ length: nChains }, () => []);
  let sweeps = 0;
  const run = (n: number) => {
    // record after every `stride` sweeps (a tail shorter than the stride is swept, not recorded)
    for (let left = n; left > 0; ) {
      const k = Math.min(stride, left);
      sweep(k);
      sweeps += k;
      left -= k;
      if (k === stride)
        for (let c = 0; c < nChains; c++) trace[c].push(rbm.freeEnergy(chains.visible, c * nV, scratch));
    }
  };
  run(burnIn.firstSweeps);
  for (;;) {
    const d = burnIn.decide(
      trace.map((t) => Float64Array.from(t)),
      stride,
      sweeps,
    );
    if (d.more <= 0) return { sweeps, converged: d.converged, rhat: d.rhat, tauSweeps: d.tauSweeps };
    run(d.more);
  }
}
