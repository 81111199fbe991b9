/** Bootstrap ensembles: resampling, member seeds, the manifest, and how member estimates combine. */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  combineMembers,
  finiteShotEstimate,
  zeroVarianceEnergy,
  type VariancePoint,
} from "../src/estimate/ensemble.js";
import { energy, estimateObservables, stateExpectation } from "../src/estimate/observables.js";
import { generateDataset } from "../src/physics/generate.js";
import { buildModel } from "../src/physics/generate.js";
import { driverFor } from "../src/train/driver.js";
import { holdOut } from "../src/train/shots.js";
import { studentTQuantile } from "../src/estimate/statistics.js";
import { loadEnsemble, memberFileName, readManifest, writeManifest } from "../src/io/ensemble.js";
import { modelFile, saveModelFile } from "../src/io/model-file.js";
import { Rng } from "../src/core/rng.js";
import { RBM } from "../src/nn/rbm.js";
import { RbmWaveFunction } from "../src/nn/wavefunction.js";
import { bootstrapShots, halfSampleMember, memberSeeds } from "../src/train/shots.js";
import { tempDir } from "./helpers/files.js";

describe("bootstrap resampling", () => {
  it("draws M shots with replacement, each with its basis, reproducibly", () => {
    const M = 2000,
      N = 2;
    const samples = Uint8Array.from({ length: M * N }, (_, k) => (Math.floor(k / N) < 500 ? 1 : 0));
    const bases = Uint8Array.from({ length: M * N }, (_, k) => (Math.floor(k / N) < 500 ? 88 : 90));
    const b = bootstrapShots({ nShots: M, nQubits: N, samples, bases }, 3);
    expect(b.nShots).toBe(M);
    let ones = 0;
    for (let m = 0; m < M; m++) {
      expect(b.bases![m * N]).toBe(b.samples[m * N] ? 88 : 90);
      ones += b.samples[m * N];
    }
    // Binomial(2000, 1/4): mean 500, sd 19.4.
    expect(Math.abs(ones - 500)).toBeLessThan(4 * 19.4);
    expect(ones).not.toBe(500); // a resample, not a copy
    expect(Array.from(bootstrapShots({ nShots: M, nQubits: N, samples, bases }, 3).samples)).toEqual(
      Array.from(b.samples),
    );
  });

  it("member seeds are deterministic and distinct across members and roles", () => {
    const seen = new Set<number>();
    for (let i = 0; i < 64; i++) {
      const s = memberSeeds(1234, i);
      expect(memberSeeds(1234, i)).toEqual(s);
      for (const x of [s.resample, s.train]) {
        expect(Number.isSafeInteger(x) && x >= 0).toBe(true);
        seen.add(x);
      }
    }
    expect(seen.size).toBe(128);
    expect(memberSeeds(1235, 0)).not.toEqual(memberSeeds(1234, 0));
  });
});

describe("half-sample members", () => {
  it("take half the shots without replacement, with their bases, differently for each member", () => {
    const M = 1001,
      N = 2;
    const samples = Uint8Array.from({ length: M * N }, (_, k) => Math.floor(k / N) % 2);
    const bases = Uint8Array.from({ length: M * N }, (_, k) => (Math.floor(k / N) % 2 ? 88 : 90));
    const shots = { nShots: M, nQubits: N, samples, bases };
    const a = halfSampleMember(shots, 9, 0),
      b = halfSampleMember(shots, 9, 1);
    expect(a.shots.nShots).toBe(501);
    for (let m = 0; m < a.shots.nShots; m++) expect(a.shots.bases![m * N]).toBe(a.shots.samples[m * N] ? 88 : 90);
    expect(Array.from(a.shots.samples)).not.toEqual(Array.from(b.shots.samples));
    expect(a.trainSeed).not.toBe(b.trainSeed);
    expect(halfSampleMember(shots, 9, 0)).toEqual(a);
  });
});

describe("combining the members' estimates", () => {
  it("the finite-shot estimate: full value, spread scaled to M, bias bound from the half-sample shift", () => {
    const e = finiteShotEstimate({ value: -10, error: 0.01 }, [-9.9, -9.94, -9.96, -9.92]);
    expect(e.value).toBe(-10);
    expect(e.shift).toBeCloseTo(0.07, 12);
    const sd = Math.sqrt([0.03, -0.01, -0.03, 0.01].reduce((s, x) => s + x * x, 0) / 3);
    expect(e.random).toBeCloseTo(sd / Math.SQRT2, 12);
    expect(e.bias).toBeCloseTo(0.07 / (Math.SQRT2 - 1), 12);
    expect(e.total).toBeCloseTo(Math.sqrt(0.01 ** 2 + e.random ** 2 + e.bias ** 2), 12);
    expect(() => finiteShotEstimate({ value: 1, error: 0 }, [1])).toThrow(/at least 2/);
  });

  it("mean, between-member spread, within-member error and their quadrature sum", () => {
    const e = combineMembers([1, 2, 3, 6], [0.3, 0.4, 0.3, 0.4]);
    expect(e.mean).toBe(3);
    expect(e.between).toBeCloseTo(Math.sqrt((4 + 1 + 0 + 9) / 3), 14);
    expect(e.within).toBeCloseTo(Math.sqrt((0.09 + 0.16 + 0.09 + 0.16) / 4), 14);
    expect(e.total).toBeCloseTo(Math.hypot(e.between, e.within), 14);
    expect(() => combineMembers([1], [0.1])).toThrow(/at least 2 members/);
  });
});

describe("the energy extrapolated to zero variance", () => {
  it("recovers a known line's intercept, and its stated error covers it at the nominal rate", () => {
    // Points E = E0 + c σ² with Gaussian noise of the stated sizes in both coordinates, as from
    // one full model (smallest σ²) and four half-sample models.
    const E0 = -12.38,
      c = 0.15;
    const rng = new Rng(11);
    const z: number[] = [];
    for (let trial = 0; trial < 400; trial++) {
      const points: VariancePoint[] = [0.1, 0.2, 0.22, 0.25, 0.21].map((v, i) => {
        const energyError = i === 0 ? 0.003 : 0.004,
          varianceError = 0.004;
        return {
          energy: E0 + c * v + energyError * rng.normal(),
          energyError,
          variance: v + varianceError * rng.normal(),
          varianceError,
        };
      });
      const e = zeroVarianceEnergy(points);
      z.push((e.value - E0) / e.total);
    }
    const within2 = z.filter((x) => Math.abs(x) <= 2).length / z.length;
    const sd = Math.sqrt(z.reduce((s, x) => s + x * x, 0) / z.length);
    // the Birge factor only widens the error, so the z-scores have sd ≤ 1 and cover ≥ 95 %
    expect(within2).toBeGreaterThan(0.93);
    expect(sd).toBeGreaterThan(0.6);
    expect(sd).toBeLessThan(1.1);
  });

  it("covers at the nominal rate when the models scatter more than their errors say (Birge and Student's t)", () => {
    // The same line, but each model is off by 5× its stated error (model-to-model variation the
    // sampling errors do not know of): the error must come from the scatter, with 3 degrees of freedom.
    const E0 = -12.38,
      c = 0.15;
    const rng = new Rng(12);
    let within2 = 0;
    const trials = 1000;
    for (let trial = 0; trial < trials; trial++) {
      const points: VariancePoint[] = [0.1, 0.2, 0.22, 0.25, 0.21].map((v) => ({
        energy: E0 + c * v + 5 * 0.003 * rng.normal(),
        energyError: 0.003,
        variance: v,
        varianceError: 0.001,
      }));
      const e = zeroVarianceEnergy(points);
      if (Math.abs(e.value - E0) <= 2 * e.total) within2++;
    }
    // with the Birge ratio alone (a Gaussian ±2σ) this is P(|t₃| ≤ 2) ≈ 0.86
    expect(within2 / trials).toBeGreaterThan(0.93);
    expect(within2 / trials).toBeLessThan(0.98);
  });

  it("Student's t quantiles (against tables)", () => {
    for (const [nu, t] of [
      [1, 12.7062047],
      [2, 4.30265273],
      [3, 3.18244631],
      [4, 2.77644511],
      [10, 2.22813885],
      [30, 2.04227246],
    ])
      expect(studentTQuantile(0.975, nu)).toBeCloseTo(t, 6);
    expect(studentTQuantile(0.975, 1000)).toBeCloseTo(1.962339, 5);
  });

  it("widens its error when the points scatter more than their errors (Birge ratio), and warns on a falling line", () => {
    const on = [0.1, 0.2, 0.3, 0.4].map((v) => ({
      energy: -5 + 0.2 * v,
      energyError: 0.001,
      variance: v,
      varianceError: 0,
    }));
    const exact = zeroVarianceEnergy(on);
    expect(exact.value).toBeCloseTo(-5, 10);
    expect(exact.slope).toBeCloseTo(0.2, 10);
    expect(exact.warnings).toEqual([]);
    const scattered = on.map((p, i) => ({ ...p, energy: p.energy + (i % 2 ? 0.01 : -0.01) }));
    const e = zeroVarianceEnergy(scattered);
    expect(e.chi2 / e.dof).toBeGreaterThan(10);
    expect(e.total).toBeGreaterThan(3 * exact.total);
    const falling = on.map((p) => ({ ...p, energy: -5 - 0.2 * p.variance }));
    expect(zeroVarianceEnergy(falling).warnings[0]).toMatch(/does not fall as the variance falls/);
    expect(() => zeroVarianceEnergy(on.slice(0, 2))).toThrow(/at least 3/);
    expect(() => zeroVarianceEnergy(on.map((p) => ({ ...p, variance: 0.2 })))).toThrow(/do not differ/);
  });

  it("TFIM chain N = 8: trained models extrapolate to the exact ground-state energy, past the full model's bias", async () => {
    const data = generateDataset({ model: "tfim", N: 8, h: 1, boundary: "open", shots: 4000, seed: 17 });
    const { hamiltonian } = buildModel({ model: "tfim", N: 8, h: 1, lattice: "chain", boundary: "open" });
    const H = energy(hamiltonian);
    const E0 = stateExpectation(data.psi, 8, H);
    const point = async (shots: typeof data | ReturnType<typeof holdOut>["heldOut"], seed: number) => {
      // uncentred training leaves the full model a bias well above its Gibbs error, which is what the
      // extrapolation must get past (centred models are closer: 0.005 here, too close to test it on)
      const driver = driverFor(shots, { seed, centering: false, epochs: 50 });
      await driver.run();
      const [e] = estimateObservables(driver.model, [H], {
        chains: 10,
        samplesPerChain: 1000,
        burnIn: 100,
        thin: 1,
        seed,
      });
      return {
        energy: e.mean,
        energyError: e.stderr,
        variance: e.localVariance!.mean,
        varianceError: e.localVariance!.stderr,
      };
    };
    const points = [await point(data, 1)];
    for (let i = 0; i < 4; i++) {
      const s = memberSeeds(1, i);
      points.push(await point(holdOut(data, 0.5, s.resample).heldOut, s.train));
    }
    const zv = zeroVarianceEnergy(points);
    const fullBias = points[0].energy - E0;
    expect(fullBias).toBeGreaterThan(5 * points[0].energyError); // the bias the Gibbs error bar misses
    expect(Math.abs(zv.value - E0)).toBeLessThan(fullBias); // closer than the full model
    expect(Math.abs(zv.value - E0)).toBeLessThan(2.5 * zv.total);
    expect(zv.total).toBeLessThan(0.003 * Math.abs(E0));
    expect(zv.slope).toBeGreaterThan(0);
  });
});

describe("ensemble folders", () => {
  const wf = (seed: number) => RbmWaveFunction.positive(RBM.random(4, 3, new Rng(seed)));
  const provenance = { qstVersion: "test", created: "now" };

  it("the manifest is written once and agreed on; members load by index, missing ones are listed", () => {
    const dir = path.join(tempDir("qst-ens-"), "ens");
    const m = writeManifest(dir, { members: 3, seed: 5, data: "d.h5", dataSha256: "abc" });
    expect(readManifest(dir)).toEqual(m);
    expect(writeManifest(dir, { members: 3, seed: 5, data: "d.h5", dataSha256: "abc" })).toEqual(m);
    expect(() => writeManifest(dir, { members: 4, seed: 5, data: "d.h5", dataSha256: "abc" })).toThrow(
      /other data or settings/,
    );
    expect(() => loadEnsemble(dir)).toThrow(/0 of 3 members/);
    saveModelFile(path.join(dir, memberFileName(0)), modelFile(wf(1), { provenance }));
    saveModelFile(path.join(dir, memberFileName(2)), modelFile(wf(2), { provenance }));
    const e = loadEnsemble(dir);
    expect(e.members.map((x) => x.index)).toEqual([0, 2]);
    expect(e.missing).toEqual([1]);
    fs.writeFileSync(path.join(dir, "ensemble.json"), JSON.stringify({ ...m, files: ["../x.json", "b", "c"] }));
    expect(() => readManifest(dir)).toThrow(/names inside the folder/);
  });
});
