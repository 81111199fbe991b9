/** Model-to-model fidelity by Monte Carlo against exact enumeration. */
import { describe, expect, it } from "vitest";
import { Rng } from "../src/core/rng.js";
import { fidelityEstimate } from "../src/estimate/fidelity.js";
import { stateVector } from "../src/nn/enumeration.js";
import { RBM } from "../src/nn/rbm.js";
import { RbmWaveFunction } from "../src/nn/wavefunction.js";
import { generateDataset } from "../src/physics/generate.js";
import { driverFor } from "../src/train/driver.js";

function exactFidelity(a: RbmWaveFunction, b: RbmWaveFunction): number {
  const x = stateVector(a),
    y = stateVector(b);
  let re = 0,
    im = 0;
  for (let k = 0; k < x.re.length; k++) {
    re += x.re[k] * y.re[k] + x.im[k] * y.im[k];
    im += x.re[k] * y.im[k] - x.im[k] * y.re[k];
  }
  return re * re + im * im;
}

function trained(N: number, seed: number, epochs: number): RbmWaveFunction {
  const d = generateDataset({ model: "tfim", N, h: 1, shots: 3000, seed: 11 });
  const driver = driverFor({ samples: d.samples, bases: null, nQubits: N }, { epochs, seed });
  for (let e = 0; e < epochs; e++) driver.runEpoch();
  return driver.model;
}

describe("fidelity between two models by Monte Carlo", () => {
  it("two models trained from different seeds (N = 10): within 3 stated errors of exact", () => {
    const a = trained(10, 1, 20),
      b = trained(10, 2, 20);
    const exact = exactFidelity(a, b);
    const est = fidelityEstimate(a, b, { seed: 3 });
    expect(exact).toBeGreaterThan(0.9);
    expect(est.stderr).toBeGreaterThan(0);
    expect(est.stderr).toBeLessThan(0.01);
    expect(Math.abs(est.fidelity - exact)).toBeLessThan(3 * est.stderr);
  });

  it("a model against a different one and against itself (exact log Z)", () => {
    const a = RbmWaveFunction.positive(RBM.random(8, 6, new Rng(1), 1.2));
    const b = RbmWaveFunction.positive(RBM.random(8, 6, new Rng(2), 1.2));
    const exact = exactFidelity(a, b);
    const est = fidelityEstimate(a, b, { seed: 4, chains: 20, samplesPerChain: 2000 });
    expect(Math.abs(est.fidelity - exact)).toBeLessThan(3 * est.stderr);
    const self = fidelityEstimate(a, a, { seed: 4 });
    expect(self.fidelity).toBeCloseTo(1, 12);
  });

  it("complex models: the phases enter through the complex mean", () => {
    const rng = new Rng(5);
    const amp = RBM.random(6, 5, rng, 0.8),
      p1 = RBM.random(6, 4, rng, 1.0),
      p2 = RBM.random(6, 4, rng, 1.0);
    const a = RbmWaveFunction.complex(amp, p1),
      b = RbmWaveFunction.complex(amp, p2);
    const exact = exactFidelity(a, b);
    expect(exact).toBeLessThan(0.9); // the phases differ
    const est = fidelityEstimate(a, b, { seed: 6, chains: 20, samplesPerChain: 2000 });
    expect(Math.abs(est.fidelity - exact)).toBeLessThan(3 * est.stderr);
  });

  it("past enumeration's default: log Z by AIS (N = 16), error included", () => {
    const a = trained(16, 1, 8),
      b = trained(16, 2, 8);
    const exact = exactFidelity(a, b);
    const est = fidelityEstimate(a, b, { seed: 7, logZ: "ais", ais: { runs: 100, temperatures: 1000 } });
    expect(Math.abs(est.fidelity - exact)).toBeLessThan(3 * est.stderr);
    expect(est.stderr / est.fidelity).toBeLessThan(0.1);
  });
});
