/**
 * Error bars for Markov-chain averages that can be trusted.
 *
 * Every function takes one Float64Array per chain (the per-sample values of an estimator, in
 * chain order). Keeping the chains apart is what lets us see autocorrelation (within a chain),
 * non-convergence (between chains) and drift (first half vs second half of a chain).
 *
 * Conventions (see docs/observables.md for the derivations):
 *
 *  - Integrated autocorrelation time, "τ = 1 for iid" convention:
 *        τ = 1 + 2 Σ_{t≥1} ρ(t),     var(x̄) = σ² τ / n,     n_eff = n / τ.
 *    (Sokal's τ_int = 1/2 + Σ ρ(t) is half of ours.) For an AR(1) series with lag-1 correlation
 *    ρ, τ = (1 + ρ)/(1 − ρ).
 *  - ρ(t) is estimated from all chains at once as in Vehtari et al. (2021, "Rank-normalization,
 *    folding, and localization", §3.2): ρ̂_t = 1 − (W − γ̄_t)/var⁺, where γ̄_t is the average
 *    within-chain autocovariance, W the average within-chain variance and var⁺ the pooled variance
 *    including the between-chain part. When the chains disagree, var⁺ ≫ W and ρ̂_t stays near 1,
 *    so τ grows: disagreement between chains is counted as slow mixing, as it should be.
 *  - The sum is cut by Sokal's automatic window: the smallest M with M ≥ c·τ(M), c = 5.
 *  - R̂ is the rank-normalised split-R̂ of Vehtari et al. (2021): the larger of the bulk R̂ (on
 *    normal scores of the ranks) and the tail R̂ (same, on |x − median|). Threshold 1.01, their
 *    recommendation; plain split-R̂ (Gelman et al., BDA3) is exported too.
 */
import { QstError } from "../core/errors.js";

/** R̂ above this flags chains that have not mixed (Vehtari et al. 2021 recommend 1.01). */
export const RHAT_THRESHOLD = 1.01;
/** Chains shorter than this many autocorrelation times give unreliable τ (emcee's rule of thumb). */
export const MIN_CHAIN_LENGTH_IN_TAU = 50;
/** Fewer effective samples than this make the error bar itself uncertain (Vehtari et al. 2021). */
export const MIN_EFFECTIVE_SAMPLES = 400;
/** Sokal's window constant c: the autocorrelation sum is cut at the smallest M ≥ c·τ(M). */
export const SOKAL_WINDOW_C = 5;
/** Fewest samples per chain that the split-chain diagnostics can work with. */
export const MIN_SAMPLES_PER_CHAIN = 4;

// ---------------------------------------------------------------------------------------------
// Elementary moments
// ---------------------------------------------------------------------------------------------

/** Arithmetic mean of one series. */
export function mean(x: ArrayLike<number>): number {
  const n = x.length;
  if (n === 0) return NaN;
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i];
  return s / n;
}

/** Unbiased sample variance (divisor n − 1); two-pass, so large offsets do not cancel badly. */
export function variance(x: ArrayLike<number>, m: number = mean(x)): number {
  const n = x.length;
  if (n < 2) return NaN;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const d = x[i] - m;
    s += d * d;
  }
  return s / (n - 1);
}

/** Mean of all samples of all chains, each sample weighted equally. */
export function grandMean(chains: readonly Float64Array[]): number {
  let s = 0,
    n = 0;
  for (const c of chains) {
    for (let i = 0; i < c.length; i++) s += c[i];
    n += c.length;
  }
  return n === 0 ? NaN : s / n;
}

/** Per-chain means. */
export function chainMeans(chains: readonly Float64Array[]): Float64Array {
  return Float64Array.from(chains, (c) => mean(c));
}

/**
 * Standard error of the grand mean from the scatter of the per-chain means:
 * sqrt(Σ_c (x̄_c − x̄)² / (m (m − 1))). It needs no model of the autocorrelation, only that the
 * chains are independent and long enough to have forgotten their start; but with m chains it is
 * itself uncertain by a factor ~1/sqrt(2(m − 1)), so it is noisy for few chains.
 */
export function stderrFromChainMeans(chains: readonly Float64Array[]): number {
  const m = chains.length;
  if (m < 2) return NaN;
  const means = chainMeans(chains);
  return Math.sqrt(variance(means) / m);
}

// ---------------------------------------------------------------------------------------------
// Autocovariance by FFT
// ---------------------------------------------------------------------------------------------

/** In-place iterative radix-2 FFT (sign −1 forward, +1 inverse, no 1/n scaling); length 2^k. */
function fft(re: Float64Array, im: Float64Array, sign: 1 | -1): void {
  const n = re.length;
  // Bit-reversal permutation.
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      let t = re[i];
      re[i] = re[j];
      re[j] = t;
      t = im[i];
      im[i] = im[j];
      im[j] = t;
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = (sign * 2 * Math.PI) / len;
    const wr = Math.cos(ang),
      wi = Math.sin(ang);
    const half = len >> 1;
    for (let start = 0; start < n; start += len) {
      let cr = 1,
        ci = 0;
      for (let k = 0; k < half; k++) {
        const a = start + k,
          b = a + half;
        const xr = re[b] * cr - im[b] * ci;
        const xi = re[b] * ci + im[b] * cr;
        re[b] = re[a] - xr;
        im[b] = im[a] - xi;
        re[a] += xr;
        im[a] += xi;
        const ncr = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = ncr;
      }
    }
  }
}

/**
 * Autocovariance γ(t) = (1/n) Σ_{i<n−t} (x_i − x̄)(x_{i+t} − x̄), t = 0 … n−1, by FFT in O(n log n).
 * The 1/n (not 1/(n − t)) normalisation is deliberate: it keeps the estimate positive
 * semi-definite and damps the noisy large-t tail, as Sokal and emcee do.
 */
export function autocovariance(x: ArrayLike<number>): Float64Array {
  const n = x.length;
  const out = new Float64Array(n);
  if (n === 0 || isConstant(x)) return out; // exactly 0, not rounding noise around the mean
  let size = 1;
  while (size < 2 * n) size <<= 1; // zero padding to ≥ 2n turns the circular correlation linear
  const re = new Float64Array(size),
    im = new Float64Array(size);
  const m = mean(x);
  for (let i = 0; i < n; i++) re[i] = x[i] - m;
  fft(re, im, -1);
  for (let k = 0; k < size; k++) {
    re[k] = re[k] * re[k] + im[k] * im[k];
    im[k] = 0;
  }
  fft(re, im, 1);
  for (let t = 0; t < n; t++) out[t] = re[t] / size / n;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Integrated autocorrelation time
// ---------------------------------------------------------------------------------------------

export interface AutocorrelationTime {
  /** τ = 1 + 2 Σ_{t=1}^{M} ρ̂(t) (τ = 1 for independent samples), in units of kept samples. */
  tau: number;
  /** Window M chosen by Sokal's rule M ≥ c·τ(M). */
  window: number;
  /** False when no M < n satisfied the rule: the chains are too short to measure τ. */
  converged: boolean;
  /** Pooled variance var⁺ = (n−1)/n·W + B/n (within- plus between-chain), the σ² of var(x̄) = σ²τ/n. */
  pooledVariance: number;
  /** Average within-chain variance W. */
  withinVariance: number;
}

/**
 * Integrated autocorrelation time of equal-length chains with Sokal's automatic window.
 *
 * ρ̂_t = 1 − (W − γ̄_t)/var⁺ combines the chains (Vehtari et al. 2021): with one chain it reduces
 * to the usual γ(t)/γ(0) (up to O(1/n)), and with chains stuck in different places it stays near 1.
 * τ is clamped below at 1/log10(N_total) (Stan's cap n_eff ≤ N·log10 N): antithetic chains can
 * have τ < 1, but an estimate far below 1 is far more likely noise than real.
 */
export function integratedAutocorrelationTime(
  chains: readonly Float64Array[],
  c: number = SOKAL_WINDOW_C,
): AutocorrelationTime {
  const { m, n } = checkChains(chains);
  const acov = chains.map((x) => autocovariance(x));
  const means = chainMeans(chains);
  let W = 0;
  for (let k = 0; k < m; k++) W += (acov[k][0] * n) / (n - 1);
  W /= m;
  const betweenOverN = m > 1 ? variance(means) : 0; // B/n
  const varPlus = ((n - 1) / n) * W + betweenOverN;
  const nTotal = n * m;
  if (!(varPlus > 0)) {
    // Every sample identical: there is nothing to correlate, and the error bar is zero.
    return { tau: 1, window: 0, converged: true, pooledVariance: 0, withinVariance: W };
  }
  let tau = 1;
  let window = n - 1;
  let converged = false;
  for (let t = 1; t < n; t++) {
    let g = 0;
    for (let k = 0; k < m; k++) g += acov[k][t];
    g = (g / m) * (n / (n - 1)); // s²_m ρ̂_{t,m} in Vehtari et al.'s notation, so that ρ̂_0 = 1
    const rho = 1 - (W - g) / varPlus;
    tau += 2 * rho;
    if (t >= c * tau) {
      window = t;
      converged = true;
      break;
    }
  }
  tau = Math.max(tau, 1 / Math.log10(Math.max(nTotal, 10)));
  return { tau, window, converged, pooledVariance: varPlus, withinVariance: W };
}

// ---------------------------------------------------------------------------------------------
// R̂
// ---------------------------------------------------------------------------------------------

/**
 * Split-R̂ (Gelman et al., BDA3 §11.4): each chain is cut in two halves (an odd middle sample is
 * dropped), so drift within a chain shows up as disagreement between its halves.
 *   R̂ = sqrt(var⁺ / W),  var⁺ = (n−1)/n·W + B/n.
 * Returns 1 when every sample is equal and +Infinity when the halves are each constant but differ.
 */
export function splitRhat(chains: readonly Float64Array[]): number {
  const { n } = checkChains(chains);
  const half = Math.floor(n / 2);
  const halves: Float64Array[] = [];
  for (const x of chains) {
    halves.push(x.subarray(0, half));
    halves.push(x.subarray(n - half, n));
  }
  return rhatOfEqualChains(halves);
}

function rhatOfEqualChains(chains: readonly Float64Array[]): number {
  const m = chains.length,
    n = chains[0].length;
  // Decide constancy exactly: a variance of values that are all equal can come out as 1e-33
  // from rounding in the mean, which would turn "no information" into a huge or tiny R̂.
  const constant = chains.map(isConstant);
  if (constant.every(Boolean)) return chains.every((c) => c[0] === chains[0][0]) ? 1 : Infinity;
  const means = chainMeans(chains);
  let W = 0;
  for (let k = 0; k < m; k++) W += constant[k] ? 0 : variance(chains[k], means[k]);
  W /= m;
  const betweenOverN = variance(means); // B/n
  const varPlus = ((n - 1) / n) * W + betweenOverN;
  return Math.sqrt(varPlus / W);
}

/**
 * Rank-normalised split-R̂ (Vehtari et al. 2021): max(bulk, tail), where bulk is split-R̂ of the
 * normal scores of the pooled ranks and tail is the same after folding, |x − median|. Ranks make
 * it insensitive to heavy tails (the swap estimator of the Rényi entropy has them); folding makes
 * it see chains that agree in location but not in spread.
 */
export function rankNormalizedSplitRhat(chains: readonly Float64Array[]): number {
  checkChains(chains);
  const bulk = splitRhat(normalScores(chains));
  const all = concat(chains);
  const med = median(all);
  const folded = chains.map((x) => x.map((v) => Math.abs(v - med)));
  const tail = splitRhat(normalScores(folded));
  return Math.max(bulk, tail);
}

/** Normal scores z = Φ⁻¹((r − 3/8)/(S + 1/4)) of the pooled ranks r (ties get their average rank). */
function normalScores(chains: readonly Float64Array[]): Float64Array[] {
  const all = concat(chains);
  const S = all.length;
  const order = new Uint32Array(S);
  for (let i = 0; i < S; i++) order[i] = i;
  order.sort((a, b) => all[a] - all[b]);
  const ranks = new Float64Array(S);
  for (let i = 0; i < S; ) {
    let j = i + 1;
    while (j < S && all[order[j]] === all[order[i]]) j++;
    const r = (i + 1 + j) / 2; // average of ranks i+1 … j
    for (let k = i; k < j; k++) ranks[order[k]] = r;
    i = j;
  }
  const out: Float64Array[] = [];
  let offset = 0;
  for (const c of chains) {
    const z = new Float64Array(c.length);
    for (let i = 0; i < c.length; i++) z[i] = inverseNormalCdf((ranks[offset + i] - 0.375) / (S + 0.25));
    offset += c.length;
    out.push(z);
  }
  return out;
}

function isConstant(x: ArrayLike<number>): boolean {
  for (let i = 1; i < x.length; i++) if (x[i] !== x[0]) return false;
  return true;
}

function concat(chains: readonly Float64Array[]): Float64Array {
  let total = 0;
  for (const c of chains) total += c.length;
  const all = new Float64Array(total);
  let offset = 0;
  for (const c of chains) {
    all.set(c, offset);
    offset += c.length;
  }
  return all;
}

function median(x: Float64Array): number {
  const s = Float64Array.from(x).sort();
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
}

/** Φ⁻¹(p) by Acklam's rational approximation (relative error < 1.2e-9), enough for ranks. */
export function inverseNormalCdf(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const a = [
    -3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1,
    2.506628277459239,
  ];
  const b = [
    -5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1,
  ];
  const c = [
    -7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const pLow = 0.02425;
  if (p < pLow) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    );
  }
  if (p > 1 - pLow) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return (
      -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    );
  }
  const q = p - 0.5,
    r = q * q;
  return (
    ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) /
    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
  );
}

/**
 * P(|T| ≤ t) for Student's t with an integer number ν ≥ 1 of degrees of freedom, in closed form
 * (Abramowitz & Stegun 26.7.3–4): with θ = atan(t/√ν), for odd ν
 *   (2/π)(θ + sin θ cos θ [1 + (2/3)cos²θ + … + (2·4⋯(ν−3))/(1·3⋯(ν−2)) cos^{ν−3}θ])   (ν > 1; 2θ/π for ν = 1),
 * and for even ν  sin θ [1 + (1/2)cos²θ + (1·3)/(2·4)cos⁴θ + … + (1·3⋯(ν−3))/(2·4⋯(ν−2)) cos^{ν−2}θ].
 */
export function studentTCentralProbability(t: number, nu: number): number {
  if (!Number.isInteger(nu) || nu < 1) throw new QstError(`Student's t needs an integer ν ≥ 1, got ${nu}`);
  const theta = Math.atan(Math.abs(t) / Math.sqrt(nu)),
    c2 = Math.cos(theta) ** 2,
    sin = Math.sin(theta);
  if (nu % 2 === 1) {
    if (nu === 1) return (2 / Math.PI) * theta;
    let term = 1,
      sum = 1;
    for (let k = 3; k <= nu - 2; k += 2) {
      term *= ((k - 1) / k) * c2;
      sum += term;
    }
    return (2 / Math.PI) * (theta + sin * Math.cos(theta) * sum);
  }
  let term = 1,
    sum = 1;
  for (let k = 2; k <= nu - 2; k += 2) {
    term *= ((k - 1) / k) * c2;
    sum += term;
  }
  return sin * sum;
}

/** The upper p-quantile (p > ½) of Student's t with integer ν degrees of freedom, by bisection. */
export function studentTQuantile(p: number, nu: number): number {
  if (!(p > 0.5 && p < 1)) throw new QstError(`the quantile needs ½ < p < 1, got ${p}`);
  const target = 2 * p - 1; // P(|T| ≤ t)
  let lo = 0,
    hi = 1;
  while (studentTCentralProbability(hi, nu) < target) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (studentTCentralProbability(mid, nu) < target) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Upper quantile of χ²_k by the Wilson–Hilferty cube (≈1% accurate for k ≥ 1; fine for tests). */
export function chiSquareQuantile(k: number, p: number): number {
  const z = inverseNormalCdf(p);
  const a = 2 / (9 * k);
  return k * Math.pow(1 - a + z * Math.sqrt(a), 3);
}

// ---------------------------------------------------------------------------------------------
// Blocking (binning) analysis
// ---------------------------------------------------------------------------------------------

export interface BlockingLevel {
  /** Samples per bin, 2^level. */
  binSize: number;
  /** Bins over all chains. */
  nBins: number;
  /** Standard error of the grand mean estimated from these bin means as if they were independent. */
  stderr: number;
  /** Statistical uncertainty of that estimate, stderr / sqrt(2 (nBins − 1)). */
  stderrError: number;
  /** Pooled lag-1 autocorrelation of the bin means within chains. */
  lag1: number;
}

export interface BlockingResult {
  levels: BlockingLevel[];
  /** Index into `levels` of the level whose bins the test accepts as uncorrelated. */
  plateau: number;
  /** The error estimate at the plateau. */
  stderr: number;
  /** False when even the coarsest level's bins are still correlated, or when too few bins remain. */
  converged: boolean;
}

/**
 * Flyvbjerg–Petersen blocking: average neighbouring samples into bins of 2, 4, 8, … and watch the
 * naive error of the bin means grow until the bins are longer than the correlation and it
 * plateaus. The plateau is found automatically by Jonsson's test (Phys. Rev. E 98, 043304, 2018):
 * at each level the squared lag-1 autocorrelation of the bin means, n_k (r_k − E r_k)², is ~χ²₁ if
 * the bins are independent, so M_j = Σ_{k≥j} n_k (r_k − E r_k)² is compared with the 99% quantile
 * of χ²_{levels−j}; the first level that passes is the plateau. Lag-1 correlations are pooled
 * within chains; the stderr uses deviations from the grand mean, so disagreement between chains
 * raises it.
 */
export function blockingAnalysis(chains: readonly Float64Array[], minBins = 16): BlockingResult {
  const { m } = checkChains(chains);
  let series = chains.map((c) => Float64Array.from(c));
  const levels: BlockingLevel[] = [];
  let binSize = 1;
  while (series[0].length >= 2 && series[0].length * m >= minBins) {
    const nc = series[0].length,
      nBins = nc * m;
    let gm = 0;
    for (const s of series) for (let i = 0; i < nc; i++) gm += s[i];
    gm /= nBins;
    let ss = 0,
      num = 0,
      den = 0;
    for (const s of series) {
      const cm = mean(s);
      for (let i = 0; i < nc; i++) {
        const d = s[i] - gm;
        ss += d * d;
        const dc = s[i] - cm;
        den += dc * dc;
        if (i + 1 < nc) num += dc * (s[i + 1] - cm);
      }
    }
    const stderr = Math.sqrt(ss / (nBins - 1) / nBins);
    levels.push({
      binSize,
      nBins,
      stderr,
      stderrError: stderr / Math.sqrt(2 * (nBins - 1)),
      lag1: den > 0 ? num / den : 0,
    });
    // Next level: average adjacent pairs (an odd last sample is dropped).
    series = series.map((s) => {
      const h = s.length >> 1;
      const out = new Float64Array(h);
      for (let i = 0; i < h; i++) out[i] = 0.5 * (s[2 * i] + s[2 * i + 1]);
      return out;
    });
    binSize *= 2;
  }
  if (levels.length === 0) return { levels, plateau: -1, stderr: NaN, converged: false };
  // Jonsson's test, from the coarsest level down: M_j = Σ_{k ≥ j} n_k (r_k + 1/n_c)².
  // (Within a chain of n_c iid values, the lag-1 autocorrelation has mean ≈ −1/n_c.)
  const L = levels.length;
  const terms = levels.map((lv) => {
    const nc = lv.nBins / m;
    if (lv.stderr === 0) return 0;
    return lv.nBins * (lv.lag1 + 1 / nc) ** 2;
  });
  let plateau = -1;
  const M = new Float64Array(L + 1);
  for (let j = L - 1; j >= 0; j--) M[j] = M[j + 1] + terms[j];
  for (let j = 0; j < L; j++) {
    if (M[j] < chiSquareQuantile(L - j, 0.99)) {
      plateau = j;
      break;
    }
  }
  const converged = plateau >= 0 && levels[plateau].nBins >= 2 * minBins;
  if (plateau < 0) plateau = L - 1;
  return { levels, plateau, stderr: levels[plateau].stderr, converged };
}

// ---------------------------------------------------------------------------------------------
// Summary
// ---------------------------------------------------------------------------------------------

export interface Summary {
  mean: number;
  /** The error bar we stand behind (see `summarize` for which estimate it is). */
  stderr: number;
  /** Integrated autocorrelation time, τ = 1 for iid, in kept samples. */
  tau: number;
  /** Rank-normalised split-R̂ (1 is perfect; > 1.01 is flagged). */
  rhat: number;
  /** N_total / τ. */
  nEffective: number;
  nSamples: number;
  nChains: number;
  /** Human-readable reasons not to trust the numbers above; empty when all checks pass. */
  warnings: string[];
  /** The autocorrelation-corrected error sqrt(var⁺ τ / N). */
  stderrTau: number;
  /** The error from the scatter of the chain means (NaN for one chain). */
  stderrBetween: number;
  /** The blocking-analysis error at its automatically detected plateau. */
  stderrBinning: number;
  /** Pooled sample variance var⁺ of one sample. */
  variance: number;
}

/**
 * Mean, error bar and convergence diagnostics of equal-length chains.
 *
 * Which error bar. The primary one is stderr_τ = sqrt(var⁺ · τ / N): it uses every sample, and
 * because τ comes from the chain-combined autocorrelation, chains that disagree inflate it. Its
 * weakness is a slow mode no single chain's autocorrelation reveals within the window; the
 * between-chain error sqrt(var(chain means)/m) sees exactly that, but is noisy (it is a variance
 * estimate with m − 1 degrees of freedom). So we use the between-chain error instead only when,
 * with m ≥ 4 chains, it is too large to be chance under stderr_τ (its ratio² exceeds the 99.99%
 * quantile of χ²_{m−1}/(m−1): a false alarm once in 10⁴ estimates, so that a run of a dozen
 * observables does not cry wolf), and say so in the warnings. Taking the larger of the two always
 * would bias the error bar upwards by ~10% for 10 chains with nothing gained when they agree.
 * The blocking estimate is reported alongside as an independent cross-check.
 */
export function summarize(chains: readonly Float64Array[]): Summary {
  const { m, n } = checkChains(chains);
  for (const c of chains) {
    for (let i = 0; i < c.length; i++) {
      if (!Number.isFinite(c[i]))
        throw new QstError(
          `an estimator produced a non-finite value (${c[i]}); the wavefunction amplitudes may have overflowed`,
        );
    }
  }
  const nTotal = n * m;
  const mu = grandMean(chains);
  const act = integratedAutocorrelationTime(chains);
  const tau = act.tau;
  const stderrTau = Math.sqrt((act.pooledVariance * tau) / nTotal);
  const stderrBetween = stderrFromChainMeans(chains);
  const blocking = blockingAnalysis(chains);
  const rhat = rankNormalizedSplitRhat(chains);
  const nEffective = nTotal / tau;
  const warnings: string[] = [];

  let stderr = stderrTau;
  if (m >= 4 && stderrTau > 0) {
    const ratio2 = (stderrBetween / stderrTau) ** 2;
    const limit = chiSquareQuantile(m - 1, 0.9999) / (m - 1);
    if (ratio2 > limit) {
      stderr = stderrBetween;
      warnings.push(
        `the ${m} chain means scatter ${Math.sqrt(ratio2).toFixed(1)}× more than the autocorrelation time explains; ` +
          `using the between-chain error bar (a slow mode is likely: run longer chains, more burn-in)`,
      );
    }
  } else if (stderrTau === 0 && stderrBetween > 0) {
    stderr = stderrBetween;
  }
  if (rhat > RHAT_THRESHOLD) {
    warnings.push(
      `R̂ = ${fmtAbove(rhat, RHAT_THRESHOLD)} > ${RHAT_THRESHOLD}: the chains have not converged to the same distribution (increase burn-in or samples)`,
    );
  }
  if (!act.converged) {
    warnings.push(
      `the autocorrelation window did not close within ${n} samples per chain: τ (≥ ${fmt(tau)}) and the error bar are lower bounds`,
    );
  } else if (n / tau < MIN_CHAIN_LENGTH_IN_TAU) {
    warnings.push(
      `τ = ${fmt(tau)} is large for chains of ${n} samples (n/τ = ${fmt(n / tau)} < ${MIN_CHAIN_LENGTH_IN_TAU}): τ and the error bar are unreliable (longer chains or more thinning)`,
    );
  }
  if (nEffective < MIN_EFFECTIVE_SAMPLES && act.pooledVariance > 0) {
    warnings.push(
      `only ${fmt(nEffective)} effective samples (< ${MIN_EFFECTIVE_SAMPLES}): the error bar is itself uncertain by ~${Math.round(100 / Math.sqrt(2 * Math.max(nEffective, 1)))}%`,
    );
  }
  return {
    mean: mu,
    stderr,
    tau,
    rhat,
    nEffective,
    nSamples: nTotal,
    nChains: m,
    warnings,
    stderrTau,
    stderrBetween,
    stderrBinning: blocking.stderr,
    variance: act.pooledVariance,
  };
}

/** x (> limit) with as many decimals as it takes to print a number above the limit: 1.0104, not 1.01. */
export function fmtAbove(x: number, limit: number, minDecimals = 2): string {
  for (let d = minDecimals; d < 12; d++) {
    const t = x.toFixed(d);
    if (Number(t) > limit) return t;
  }
  return String(x);
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  return Math.abs(x) >= 100 ? x.toFixed(0) : x.toPrecision(3);
}

function checkChains(chains: readonly Float64Array[]): { m: number; n: number } {
  const m = chains.length;
  if (m === 0) throw new QstError("no chains to summarise");
  const n = chains[0].length;
  for (const c of chains) {
    if (c.length !== n) throw new Error(`chains must have equal lengths, got ${n} and ${c.length}`);
  }
  if (n < MIN_SAMPLES_PER_CHAIN) {
    throw new QstError(`need at least ${MIN_SAMPLES_PER_CHAIN} samples per chain for error bars and R̂, got ${n}`);
  }
  return { m, n };
}
