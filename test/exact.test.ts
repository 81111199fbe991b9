import { describe, expect, it } from "vitest";
import { QstError } from "../src/core/errors.js";
import {
  MAX_EXACT_QUBITS,
  checkExactSize,
  configurationOf,
  indexOf,
  logPartitionFunction,
  logSumExp,
  unnormalisedLogProbabilities,
} from "../src/nn/enumeration.js";
import { exactMetrics } from "../src/estimate/metrics.js";
import { RbmWaveFunction } from "../src/nn/wavefunction.js";
import { RBM } from "../src/nn/rbm.js";
import { Rng } from "../src/core/rng.js";

describe("exact enumeration", () => {
  it("log Z of a one-visible, one-hidden RBM matches the hand-computed value", () => {
    // Z = Σ_{v,h} e^{b v + c h + W v h} = 1 + e^c + e^b + e^{b + c + W}
    const rbm = new RBM(1, 1);
    rbm.weights[0] = 0.7;
    rbm.visibleBias[0] = -0.3;
    rbm.hiddenBias[0] = 0.2;
    const z = 1 + Math.exp(0.2) + Math.exp(-0.3) + Math.exp(-0.3 + 0.2 + 0.7);
    expect(logPartitionFunction(rbm)).toBeCloseTo(Math.log(z), 14);
  });

  it("a zero-parameter RBM is uniform: log Z = (N + M) log 2", () => {
    expect(logPartitionFunction(new RBM(7, 3))).toBeCloseTo(10 * Math.LN2, 12);
  });

  it("Gray-code enumeration equals direct free energies at every index", () => {
    const rng = new Rng(3);
    const rbm = RBM.random(9, 5, rng, 1.0);
    for (let i = 0; i < rbm.nVisible; i++) rbm.visibleBias[i] = rng.normal();
    const table = unnormalisedLogProbabilities(rbm);
    for (let k = 0; k < 512; k++) expect(table[k]).toBeCloseTo(-rbm.freeEnergy(configurationOf(k, 9)), 10);
  });

  it("basis index puts qubit 0 in the most significant bit", () => {
    expect(indexOf([1, 0, 0], 3)).toBe(4);
    expect(indexOf([0, 0, 1], 3)).toBe(1);
    expect(Array.from(configurationOf(6, 3))).toEqual([1, 1, 0]);
  });

  it("log-sum-exp does not overflow", () => {
    expect(logSumExp([1000, 1000])).toBeCloseTo(1000 + Math.LN2, 12);
    expect(logSumExp([-1000, -1000])).toBeCloseTo(-1000 + Math.LN2, 12);
  });

  it("fidelity, KL and NLL equal hand-computed values for a one-qubit model", () => {
    // With W = 0 the model is a product: p(v=1) = σ(b). Take b = log 3 ⇒ p = (1/4, 3/4).
    const rbm = new RBM(1, 1);
    rbm.visibleBias[0] = Math.log(3);
    const psi = Float64Array.from([Math.sqrt(0.5), -Math.sqrt(0.5)]);
    const shots = Uint8Array.from([0, 1, 1, 1]);
    const m = exactMetrics(RbmWaveFunction.positive(rbm), { samples: shots, bases: null, nQubits: 1 }, psi);
    // ⟨ψ|ψ_λ⟩ = sqrt(.5)(1/2) − sqrt(.5)(sqrt 3/2)
    expect(m.fidelity!).toBeCloseTo(0.5 * ((1 - Math.sqrt(3)) / 2) ** 2, 14);
    expect(m.kl!).toBeCloseTo(0.5 * Math.log(0.5 / 0.25) + 0.5 * Math.log(0.5 / 0.75), 14);
    expect(m.nll).toBeCloseTo(-(Math.log(0.25) + 3 * Math.log(0.75)) / 4, 14);
  });

  it("fidelity of the model with its own amplitudes is 1 and KL is 0", () => {
    const rng = new Rng(11);
    const rbm = RBM.random(6, 4, rng, 1.0);
    const table = unnormalisedLogProbabilities(rbm);
    const logZ = logSumExp(table);
    const re = table.map((f) => Math.exp(0.5 * (f - logZ)));
    const m = exactMetrics(RbmWaveFunction.positive(rbm), null, re);
    expect(m.fidelity!).toBeCloseTo(1, 12);
    expect(Math.abs(m.kl!)).toBeLessThan(1e-12);
  });

  it("refuses systems too large to enumerate, with a message saying why", () => {
    expect(() => checkExactSize(MAX_EXACT_QUBITS + 1)).toThrow(QstError);
    expect(() => checkExactSize(30)).toThrow(/N = 30 qubits is too large for exact enumeration/);
  });
});
