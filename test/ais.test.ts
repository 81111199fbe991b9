/**
 * log Z past enumeration (annealed importance sampling) against exact enumeration, the honesty of
 * its stated error over many seeds, the held-out NLL built on it, the held-out split, and the
 * callbacks that select a model by a held-out metric.
 */
import { describe, expect, it } from "vitest";
import { Rng } from "../src/core/rng.js";
import { aisLogPartitionFunction, annealingSchedule, baseRatesFromShots, logZEstimate } from "../src/estimate/ais.js";
import { exactMetrics, heldOutNll } from "../src/estimate/metrics.js";
import { logPartitionFunction } from "../src/nn/enumeration.js";
import { RBM } from "../src/nn/rbm.js";
import { RbmWaveFunction } from "../src/nn/wavefunction.js";
import { generateDataset } from "../src/physics/generate.js";
import { EarlyStopping, EvaluateEvery, KeepBest } from "../src/train/callbacks.js";
import { driverFor } from "../src/train/driver.js";
import { holdOut } from "../src/train/shots.js";

function randomRbm(nV: number, nH: number, scale: number, seed: number): RBM {
  const rbm = RBM.random(nV, nH, new Rng(seed), scale);
  const rng = new Rng(seed + 1);
  for (let i = 0; i < nV; i++) rbm.visibleBias[i] = 0.5 * rng.normal();
  for (let j = 0; j < nH; j++) rbm.hiddenBias[j] = 0.5 * rng.normal();
  return rbm;
}

describe("annealed importance sampling of log Z", () => {
  it("the schedule rises from 0 to 1, densest near 1", () => {
    const b = annealingSchedule(1450);
    expect(b[0]).toBe(0);
    expect(b[1450]).toBe(1);
    for (let k = 1; k < b.length; k++) expect(b[k]).toBeGreaterThan(b[k - 1]);
    expect(b.filter((x) => x >= 0.9).length).toBeGreaterThan(900);
  });

  for (const [nV, nH, scale] of [
    [16, 16, 0.8],
    [18, 10, 1.2],
    [20, 20, 0.5],
  ] as const) {
    it(`random RBM, N = ${nV}, n_h = ${nH}, weights ~${scale}: within 3 stated errors of exact`, () => {
      const rbm = randomRbm(nV, nH, scale, nV * 7 + nH);
      const exact = logPartitionFunction(rbm);
      const ais = aisLogPartitionFunction(rbm, { runs: 100, temperatures: 1000, seed: 5 });
      expect(ais.stderr).toBeGreaterThan(0);
      expect(ais.stderr).toBeLessThan(0.2);
      expect(Math.abs(ais.logZ - exact)).toBeLessThan(3 * ais.stderr);
    });
  }

  it("warns when a few runs carry the weights: too fast an anneal, where the error bar is too small", () => {
    const rbm = RBM.random(16, 16, new Rng(5), 2);
    const exact = logPartitionFunction(rbm);
    const fast = aisLogPartitionFunction(rbm, { runs: 100, temperatures: 30 });
    expect(fast.effectiveRuns).toBeLessThan(10);
    expect(fast.warnings).toHaveLength(1);
    expect(fast.warnings[0]).toMatch(/rests on \d+\.\d effective runs of 100/);
    // What the warning is for: the stated error no longer covers the truth.
    expect(Math.abs(fast.logZ - exact)).toBeGreaterThan(3 * fast.stderr);
    const slow = aisLogPartitionFunction(rbm, { runs: 100, temperatures: 2000 });
    expect(slow.effectiveRuns).toBeGreaterThan(50);
    expect(slow.warnings).toEqual([]);
    expect(Math.abs(slow.logZ - exact)).toBeLessThan(3 * slow.stderr);
    expect(logZEstimate(RBM.random(8, 4, new Rng(1), 1), "exact").warnings).toEqual([]);
  });

  it("a trained RBM (TFIM chain N = 16): within 3 stated errors, with data base rates", () => {
    const d = generateDataset({ model: "tfim", N: 16, h: 1, shots: 2000, seed: 8 });
    const driver = driverFor({ samples: d.samples, bases: null, nQubits: 16 }, { epochs: 15, seed: 2 });
    for (let e = 0; e < 15; e++) driver.runEpoch();
    const rbm = driver.model.amplitude;
    const exact = logPartitionFunction(rbm);
    const ais = aisLogPartitionFunction(rbm, {
      runs: 100,
      temperatures: 2000,
      baseVisibleBias: baseRatesFromShots(d.samples, 16),
    });
    expect(Math.abs(ais.logZ - exact)).toBeLessThan(3 * ais.stderr);
    expect(ais.stderr).toBeLessThan(0.1);
  });

  it("the stated error is honest: over 24 seeds the z-scores scatter like a unit normal", () => {
    const rbm = randomRbm(12, 8, 1.0, 3);
    const exact = logPartitionFunction(rbm);
    const z = Array.from({ length: 24 }, (_, s) => {
      const a = aisLogPartitionFunction(rbm, { runs: 40, temperatures: 200, seed: 100 + s });
      return (a.logZ - exact) / a.stderr;
    });
    const rms = Math.sqrt(z.reduce((t, x) => t + x * x, 0) / z.length);
    // For 24 unit normals the RMS lies in [0.67, 1.30] with probability > 0.99; allow for the bias
    // of log-mean-exp, which is of order stderr²/2 and pulls z slightly negative.
    expect(rms).toBeGreaterThan(0.6);
    expect(rms).toBeLessThan(1.5);
    expect(Math.max(...z.map(Math.abs))).toBeLessThan(4.5);
  });

  it("logZEstimate: exact up to N = 20 in auto mode, AIS above; exact refused past enumeration", () => {
    expect(logZEstimate(randomRbm(10, 4, 1, 1)).method).toBe("exact");
    const big = randomRbm(30, 5, 0.3, 2);
    const est = logZEstimate(big, "auto", { runs: 20, temperatures: 100 });
    expect(est.method).toBe("ais");
    expect(Number.isFinite(est.logZ)).toBe(true);
    expect(() => logZEstimate(big, "exact")).toThrow(/above 24/);
  });
});

describe("held-out NLL", () => {
  it("equals the enumerated NLL of the same shots when log Z is exact; carries log Z's error otherwise", () => {
    const rbm = randomRbm(10, 6, 1, 9);
    const wf = RbmWaveFunction.positive(rbm);
    const rng = new Rng(4);
    const shots = {
      nShots: 300,
      nQubits: 10,
      samples: new Uint8Array(3000).map(() => rng.uint32() >>> 31),
      bases: null,
    };
    const ref = exactMetrics(wf, shots, null).nll;
    const exact = heldOutNll(wf, shots, logZEstimate(rbm, "exact"));
    expect(exact.nll).toBeCloseTo(ref, 10);
    expect(exact.stderr).toBe(0);
    const ais = heldOutNll(wf, shots, logZEstimate(rbm, "ais", { runs: 50, temperatures: 500 }));
    expect(ais.stderr).toBeGreaterThan(0);
    expect(Math.abs(ais.nll - ref)).toBeLessThan(4 * ais.stderr);
  });
});

describe("holding out shots", () => {
  it("splits into disjoint sets of the right sizes, keeps bases with their shots, and is reproducible", () => {
    const M = 1000,
      N = 3;
    const samples = Uint8Array.from({ length: M * N }, (_, k) => Math.floor(k / N) % 2);
    const bases = Uint8Array.from({ length: M * N }, (_, k) => (Math.floor(k / N) % 2 ? 88 : 90));
    const { train, heldOut } = holdOut({ nShots: M, nQubits: N, samples, bases }, 0.2, 7);
    expect(heldOut.nShots).toBe(200);
    expect(train.nShots).toBe(800);
    for (const part of [train, heldOut]) {
      for (let m = 0; m < part.nShots; m++) expect(part.bases![m * N]).toBe(part.samples[m * N] ? 88 : 90);
    }
    const again = holdOut({ nShots: M, nQubits: N, samples, bases }, 0.2, 7);
    expect(Array.from(again.heldOut.samples)).toEqual(Array.from(heldOut.samples));
    expect(() => holdOut({ nShots: 3, nQubits: N, samples: samples.subarray(0, 9), bases: null }, 0.1, 1)).toThrow(
      /no held-out/,
    );
  });
});

describe("selecting by a held-out metric", () => {
  it("KeepBest keeps the epoch of the lowest value; EarlyStopping ends a run that stopped improving", async () => {
    const d = generateDataset({ model: "tfim", N: 6, h: 1, shots: 1000, seed: 3 });
    const { train, heldOut } = holdOut({ ...d, bases: null }, 0.3, 1);
    const driver = driverFor(train, { epochs: 40, learningRate: 0.3, seed: 1 });
    const values: number[] = [];
    const validation = new EvaluateEvery(1, (dr) => {
      const v = heldOutNll(dr.model, heldOut, logZEstimate(dr.model.amplitude, "exact")).nll;
      values.push(v);
      return { val_nll: v };
    });
    const best = new KeepBest("val_nll");
    const early = new EarlyStopping("val_nll", 3);
    const result = await driver.run([validation, best, early]);
    expect(best.best!.value).toBe(Math.min(...values));
    expect(best.best!.epoch).toBe(values.indexOf(best.best!.value) + 1);
    // The kept parameters reproduce the kept value.
    const kept = RbmWaveFunction.positive(new RBM(6, 6, best.best!.params.slice()));
    expect(heldOutNll(kept, heldOut, logZEstimate(kept.amplitude, "exact")).nll).toBeCloseTo(best.best!.value, 12);
    // At this learning rate the held-out NLL turns up within 40 epochs: the run stops 3 evaluations
    // after its best, not at the end.
    expect(result.reason).toBe("stopped");
    expect(result.stoppedBy).toMatch(/early stopping/);
    expect(values.length).toBe(best.best!.epoch + 3);
  });
});
