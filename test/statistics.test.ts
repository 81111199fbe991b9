import { describe, expect, it } from "vitest";
import { Rng } from "../src/core/rng.js";
import {
  autocovariance,
  blockingAnalysis,
  chiSquareQuantile,
  integratedAutocorrelationTime,
  inverseNormalCdf,
  mean,
  rankNormalizedSplitRhat,
  splitRhat,
  stderrFromChainMeans,
  summarize,
  variance,
} from "../src/estimate/statistics.js";

/** Stationary AR(1): x_t = ρ x_{t−1} + sqrt(1 − ρ²) ε_t, unit variance, τ = (1 + ρ)/(1 − ρ). */
function ar1(n: number, rho: number, rng: Rng, offset = 0): Float64Array {
  const x = new Float64Array(n);
  const s = Math.sqrt(1 - rho * rho);
  let v = rng.normal();
  for (let t = 0; t < n; t++) {
    x[t] = v + offset;
    v = rho * v + s * rng.normal();
  }
  return x;
}

/** Exact variance of the mean of n consecutive stationary AR(1) values (unit variance). */
function ar1VarianceOfMean(n: number, rho: number): number {
  let s = 1;
  let rk = 1;
  for (let k = 1; k < n; k++) {
    rk *= rho;
    if (rk < 1e-300) break;
    s += 2 * (1 - k / n) * rk;
  }
  return s / n;
}

function iid(n: number, rng: Rng, offset = 0): Float64Array {
  return Float64Array.from({ length: n }, () => offset + rng.normal());
}

describe("elementary statistics", () => {
  it("mean and variance", () => {
    const x = Float64Array.from([1, 2, 3, 4]);
    expect(mean(x)).toBe(2.5);
    expect(variance(x)).toBeCloseTo(5 / 3, 14);
  });

  it("autocovariance by FFT equals the direct sum (1/n normalisation)", () => {
    const rng = new Rng(1);
    const x = ar1(257, 0.7, rng);
    const g = autocovariance(x);
    const m = mean(x);
    for (const t of [0, 1, 2, 5, 100, 256]) {
      let s = 0;
      for (let i = 0; i + t < x.length; i++) s += (x[i] - m) * (x[i + t] - m);
      expect(g[t]).toBeCloseTo(s / x.length, 12);
    }
  });

  it("inverse normal CDF and χ² quantiles", () => {
    expect(inverseNormalCdf(0.5)).toBeCloseTo(0, 12);
    expect(inverseNormalCdf(0.975)).toBeCloseTo(1.959964, 5);
    expect(inverseNormalCdf(0.001)).toBeCloseTo(-3.090232, 5);
    // Wilson–Hilferty vs tabulated χ² quantiles (within 1.5%).
    expect(chiSquareQuantile(1, 0.99) / 6.635).toBeCloseTo(1, 1);
    expect(chiSquareQuantile(9, 0.999) / 27.877).toBeCloseTo(1, 1);
    expect(Math.abs(chiSquareQuantile(20, 0.99) / 37.566 - 1)).toBeLessThan(0.015);
  });
});

describe("error bars of correlated chains (AR(1))", () => {
  // 10 series of 1e5: the relative s.d. of one τ estimate with window M ≈ 5τ is ≈ sqrt(2(2M+1)/n)
  // (Sokal) ≈ 6% at τ = 19, so the average over 10 is good to ~2% and 10% is a 5σ tolerance.
  for (const rho of [0.5, 0.9]) {
    it(`ρ = ${rho}: τ = (1+ρ)/(1−ρ) and the error of the mean to 10%`, () => {
      const tauExact = (1 + rho) / (1 - rho);
      const n = 100_000,
        reps = 10;
      const sdExact = Math.sqrt(ar1VarianceOfMean(n, rho));
      const rng = new Rng(42 + rho * 10);
      let tauSum = 0,
        se2Sum = 0,
        bin2Sum = 0,
        z2Sum = 0;
      for (let r = 0; r < reps; r++) {
        const x = ar1(n, rho, rng);
        const s = summarize([x]);
        tauSum += s.tau;
        se2Sum += s.stderr ** 2;
        bin2Sum += s.stderrBinning ** 2;
        z2Sum += (s.mean / s.stderr) ** 2;
        expect(s.warnings).toEqual([]);
        expect(s.rhat).toBeLessThan(1.01);
        expect(s.nEffective).toBeCloseTo(n / s.tau, 6);
      }
      expect(Math.abs(tauSum / reps / tauExact - 1)).toBeLessThan(0.1);
      expect(Math.abs(Math.sqrt(se2Sum / reps) / sdExact - 1)).toBeLessThan(0.1);
      // Blocking agrees too (noisier: its plateau bins are fewer).
      expect(Math.abs(Math.sqrt(bin2Sum / reps) / sdExact - 1)).toBeLessThan(0.15);
      // And the z-scores of the true mean 0 have unit variance: Σz² ~ χ²₁₀, 0.999 quantile 29.6.
      expect(z2Sum).toBeLessThan(29.6);
    });
  }

  it("many chains: summarize's error of the grand mean matches the exact one", () => {
    const rho = 0.8,
      n = 20_000,
      m = 16;
    const sdExact = Math.sqrt(ar1VarianceOfMean(n, rho) / m);
    const rng = new Rng(7);
    let se2 = 0,
      tau = 0;
    const reps = 5;
    for (let r = 0; r < reps; r++) {
      const chains = Array.from({ length: m }, () => ar1(n, rho, rng));
      const s = summarize(chains);
      se2 += s.stderr ** 2;
      tau += s.tau;
      expect(s.nChains).toBe(m);
      expect(s.nSamples).toBe(n * m);
    }
    expect(Math.abs(Math.sqrt(se2 / reps) / sdExact - 1)).toBeLessThan(0.1);
    expect(Math.abs(tau / reps / 9 - 1)).toBeLessThan(0.1);
  });

  it("iid data: τ ≈ 1, R̂ ≈ 1, between-chain and τ errors agree", () => {
    const rng = new Rng(3);
    const chains = Array.from({ length: 8 }, () => iid(5000, rng));
    const s = summarize(chains);
    expect(s.tau).toBeGreaterThan(0.85);
    expect(s.tau).toBeLessThan(1.15);
    expect(s.rhat).toBeLessThan(1.01);
    expect(s.warnings).toEqual([]);
    expect(s.stderr).toBeCloseTo(1 / Math.sqrt(40000), 3);
    expect(stderrFromChainMeans(chains) / s.stderr).toBeGreaterThan(0.4);
    expect(stderrFromChainMeans(chains) / s.stderr).toBeLessThan(1.8);
  });

  it("blocking analysis finds the plateau of a correlated series", () => {
    const rng = new Rng(11);
    const x = ar1(1 << 17, 0.95, rng); // τ = 39
    const b = blockingAnalysis([x]);
    expect(b.converged).toBe(true);
    // The naive (bin size 1) error underestimates by sqrt(τ) ≈ 6.2.
    expect(b.stderr / b.levels[0].stderr).toBeGreaterThan(4.5);
    expect(b.stderr / b.levels[0].stderr).toBeLessThan(8);
    expect(b.levels[b.plateau].binSize).toBeGreaterThanOrEqual(32);
  });
});

describe("convergence diagnostics", () => {
  it("R̂ flags chains stuck in different modes", () => {
    const rng = new Rng(5);
    // Four chains near +1, four near −1: each mixes well locally but never crosses.
    const chains = Array.from({ length: 8 }, (_, k) => ar1(2000, 0.5, rng, k < 4 ? 1 : -1));
    const s = summarize(chains);
    expect(splitRhat(chains)).toBeGreaterThan(1.3);
    expect(s.rhat).toBeGreaterThan(1.3);
    expect(s.warnings.some((w) => w.includes("R̂"))).toBe(true);
    // The error bar reflects the disagreement (~1/sqrt(8) from the two clusters), not the local noise.
    expect(s.stderr).toBeGreaterThan(0.2);
  });

  it("R̂ flags chains that agree in location but not in spread (tail R̂)", () => {
    const rng = new Rng(6);
    const chains = Array.from({ length: 4 }, (_, k) => {
      const x = iid(4000, rng);
      if (k === 0) for (let i = 0; i < x.length; i++) x[i] *= 3;
      return x;
    });
    expect(rankNormalizedSplitRhat(chains)).toBeGreaterThan(1.01);
  });

  it("split-R̂ sees drift inside a single chain", () => {
    const rng = new Rng(8);
    const x = Float64Array.from({ length: 4000 }, (_, t) => rng.normal() + (t < 2000 ? 0 : 1));
    expect(splitRhat([x])).toBeGreaterThan(1.05);
    expect(summarize([x]).warnings.some((w) => w.includes("R̂"))).toBe(true);
  });

  it("chain means scattering more than τ explains switch to the between-chain error bar", () => {
    const rng = new Rng(9);
    const chains = Array.from({ length: 10 }, () => iid(1000, rng, 0.3 * rng.normal()));
    const s = summarize(chains);
    expect(s.stderr).toBe(s.stderrBetween);
    expect(s.stderr).toBeGreaterThan(2 * s.stderrTau);
    expect(s.warnings.some((w) => w.includes("between-chain"))).toBe(true);
  });

  it("warns when the chains are short compared with τ", () => {
    const rng = new Rng(10);
    const chains = Array.from({ length: 4 }, () => ar1(500, 0.95, rng)); // τ = 39, n/τ ≈ 13
    const s = summarize(chains);
    expect(s.warnings.some((w) => w.includes("n/τ") || w.includes("window"))).toBe(true);
    expect(s.warnings.some((w) => w.includes("effective samples"))).toBe(true);
  });

  it("constant data: zero error, τ = 1, R̂ = 1, no warnings", () => {
    for (const value of [0.5, 0.1, -1 / 3]) {
      const chains = [new Float64Array(100).fill(value), new Float64Array(100).fill(value)];
      const s = summarize(chains);
      expect(s.mean).toBeCloseTo(value, 13);
      expect(s).toMatchObject({ stderr: 0, tau: 1, rhat: 1, warnings: [] });
    }
  });

  it("each chain constant at a different value: infinite R̂, non-zero error", () => {
    const chains = [new Float64Array(100).fill(1), new Float64Array(100).fill(-1)];
    const s = summarize(chains);
    expect(s.rhat).toBe(Infinity);
    expect(s.stderr).toBeGreaterThan(0.5);
    expect(s.warnings.length).toBeGreaterThan(0);
  });

  it("refuses too-short chains and non-finite values with a QstError", () => {
    expect(() => summarize([new Float64Array(3)])).toThrow(/at least 4 samples/);
    expect(() => summarize([Float64Array.from([1, 2, NaN, 4])])).toThrow(/non-finite/);
    expect(() => summarize([])).toThrow(/no chains/);
  });

  it("integratedAutocorrelationTime reports a window that obeys M ≥ 5τ", () => {
    const rng = new Rng(12);
    const a = integratedAutocorrelationTime([ar1(50_000, 0.7, rng)]);
    expect(a.converged).toBe(true);
    expect(a.window).toBeGreaterThanOrEqual(5 * a.tau);
    expect(a.window).toBeLessThan(5 * a.tau + 2);
  });
});
