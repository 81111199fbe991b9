import { describe, expect, it } from "vitest";
import { QstError } from "../src/core/errors.js";
import { generateDataset } from "../src/physics/generate.js";
import { exactMetrics } from "../src/estimate/metrics.js";
import { driverFor } from "../src/train/driver.js";
import { learningRateAt, resolveOptions } from "../src/train/options.js";

describe("training options", () => {
  it("the cosine schedule starts at η and ends at the floor", () => {
    const o = resolveOptions("positive", 4, { learningRate: 0.1, finalLearningRateFraction: 0.05 });
    expect(learningRateAt(o, 0, 100)).toBeCloseTo(0.1, 15);
    expect(learningRateAt(o, 50, 100)).toBeCloseTo(0.0525, 15);
    expect(learningRateAt(o, 100, 100)).toBeCloseTo(0.005, 15);
  });

  it("rejects bad values with the flag's name", () => {
    expect(() => resolveOptions("positive", 4, { k: 0 })).toThrow(/--k must be a positive integer/);
    expect(() => resolveOptions("positive", 4, { batchSize: 1.5 })).toThrow(/--batch must be a positive integer/);
    expect(() => resolveOptions("positive", 20, { negativePhase: "exact" })).toThrow(QstError);
  });
});

describe("the exact negative phase", () => {
  it("learns both halves of a cat-like ordered state, where PCD's chains collapse onto one", () => {
    // TFIM deep in the ordered phase: the ground state is ≈ (|↑…↑⟩ + |↓…↓⟩)/√2.
    const d = generateDataset({ model: "tfim", N: 8, h: 0.2, shots: 10_000, seed: 3 });
    const psi = d.psi;
    const exact = driverFor({ samples: d.samples, bases: null, nQubits: 8 }, { negativePhase: "exact" });
    while (exact.epoch < exact.options.epochs) exact.runEpoch();
    expect(exactMetrics(exact.model, null, psi).fidelity).toBeGreaterThan(0.99);
  });
});
