/** Goodness-of-fit helpers shared by the sampler tests (kernels, sampling, tempering). */
import { chiSquareQuantile } from "../../src/estimate/statistics.js";
import { Rng } from "../../src/core/rng.js";
import { RBM } from "../../src/nn/rbm.js";

/**
 * χ² of observed counts against expected probabilities, cells with expected count below 5 pooled
 * into one (the χ² approximation needs it), and the critical value at a false-alarm rate of 1e-3.
 */
export function chiSquare(
  counts: ArrayLike<number>,
  p: ArrayLike<number>,
  n: number,
): { chi2: number; df: number; critical: number } {
  let chi2 = 0,
    bins = 0,
    pooledCount = 0,
    pooledP = 0;
  for (let k = 0; k < p.length; k++) {
    if (n * p[k] >= 5) {
      chi2 += (counts[k] - n * p[k]) ** 2 / (n * p[k]);
      bins++;
    } else {
      pooledCount += counts[k];
      pooledP += p[k];
    }
  }
  if (pooledP > 0) {
    chi2 += (pooledCount - n * pooledP) ** 2 / (n * pooledP);
    bins++;
  }
  const df = bins - 1;
  return { chi2, df, critical: chiSquareQuantile(df, 1 - 1e-3) };
}

/** An RBM with W ~ N(0, scale²) and biases ~ N(0, biasScale²). */
export function randomRbm(nV: number, nH: number, seed: number, scale: number, biasScale: number): RBM {
  const rng = new Rng(seed);
  const rbm = RBM.random(nV, nH, rng, scale);
  for (let i = 0; i < nV; i++) rbm.visibleBias[i] = biasScale * rng.normal();
  for (let j = 0; j < nH; j++) rbm.hiddenBias[j] = biasScale * rng.normal();
  return rbm;
}
