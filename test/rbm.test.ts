import { describe, expect, it } from "vitest";
import { configurationOf, logPartitionFunction, logProbabilities } from "../src/nn/enumeration.js";
import { RBM, accumulateFreeEnergyGradient, sigmoid, softplus } from "../src/nn/rbm.js";
import { Rng } from "../src/core/rng.js";
import { gradientWorkspace } from "../src/kernels/gradient.js";

/** E(v,h) = −b·v − c·h − vᵀWh, straight from the definition. */
function energy(rbm: RBM, v: Uint8Array, h: Uint8Array): number {
  let e = 0;
  for (let i = 0; i < rbm.nVisible; i++) e -= rbm.visibleBias[i] * v[i];
  for (let j = 0; j < rbm.nHidden; j++) e -= rbm.hiddenBias[j] * h[j];
  for (let i = 0; i < rbm.nVisible; i++)
    for (let j = 0; j < rbm.nHidden; j++) e -= v[i] * rbm.weights[i * rbm.nHidden + j] * h[j];
  return e;
}

function randomRbm(nV: number, nH: number, seed: number, scale = 0.8): RBM {
  const rng = new Rng(seed);
  const rbm = RBM.random(nV, nH, rng, scale);
  for (let i = 0; i < nV; i++) rbm.visibleBias[i] = 0.5 * rng.normal();
  for (let j = 0; j < nH; j++) rbm.hiddenBias[j] = 0.5 * rng.normal();
  return rbm;
}

describe("RBM", () => {
  it("free energy equals −log Σ_h e^{−E(v,h)} by brute force", () => {
    const rbm = randomRbm(4, 3, 1);
    for (let k = 0; k < 16; k++) {
      const v = configurationOf(k, 4);
      let s = 0;
      for (let hk = 0; hk < 8; hk++) s += Math.exp(-energy(rbm, v, configurationOf(hk, 3)));
      expect(rbm.freeEnergy(v)).toBeCloseTo(-Math.log(s), 12);
    }
  });

  it("log Z by enumeration equals the brute-force double sum over v and h", () => {
    const rbm = randomRbm(5, 4, 2);
    let z = 0;
    for (let k = 0; k < 32; k++)
      for (let hk = 0; hk < 16; hk++) z += Math.exp(-energy(rbm, configurationOf(k, 5), configurationOf(hk, 4)));
    expect(logPartitionFunction(rbm)).toBeCloseTo(Math.log(z), 11);
  });

  it("softplus and sigmoid are stable at extreme arguments", () => {
    expect(softplus(800)).toBe(800);
    expect(softplus(-800)).toBe(0);
    expect(softplus(0)).toBeCloseTo(Math.LN2, 15);
    expect(softplus(-40)).toBeCloseTo(Math.exp(-40), 25);
    expect(sigmoid(0)).toBe(0.5);
  });

  it("the NLL gradient (data phase minus exact model phase) equals central finite differences", () => {
    const nV = 4,
      nH = 3;
    const rbm = randomRbm(nV, nH, 3);
    const rng = new Rng(9);
    const M = 7;
    const data = new Uint8Array(M * nV).map(() => rng.uint32() >>> 31);
    const nll = (r: RBM) => {
      let s = 0;
      for (let m = 0; m < M; m++) s += r.freeEnergy(data, m * nV);
      return s / M + logPartitionFunction(r);
    };
    const grad = new Float64Array(rbm.params.length);
    const scratch = new Float64Array(nH);
    for (let m = 0; m < M; m++) accumulateFreeEnergyGradient(rbm, data, m * nV, 1 / M, grad, scratch);
    const logp = logProbabilities(rbm);
    for (let k = 0; k < 2 ** nV; k++)
      accumulateFreeEnergyGradient(rbm, configurationOf(k, nV), 0, -Math.exp(logp[k]), grad, scratch);
    const eps = 1e-5;
    for (let p = 0; p < rbm.params.length; p++) {
      const plus = rbm.clone(),
        minus = rbm.clone();
      plus.params[p] += eps;
      minus.params[p] -= eps;
      const fd = (nll(plus) - nll(minus)) / (2 * eps);
      expect(Math.abs(grad[p] - fd)).toBeLessThan(1e-8);
    }
  });

  it("batchGradient is the data average minus the chain average of ∂F", () => {
    const nV = 5,
      nH = 4;
    const rbm = randomRbm(nV, nH, 4);
    const rng = new Rng(5);
    const data = new Uint8Array(6 * nV).map(() => rng.uint32() >>> 31);
    const chains = new Uint8Array(3 * nV).map(() => rng.uint32() >>> 31);
    const batch = Uint32Array.from([4, 0, 2]);
    const grad = new Float64Array(rbm.params.length);
    gradientWorkspace(rbm, 6).compute(rbm, data, batch, 3, chains, 3, grad);
    // Reference: ∂F/∂W_ij = −v_i σ(θ_j), ∂F/∂b_i = −v_i, ∂F/∂c_j = −σ(θ_j), written out directly.
    const ref = new Float64Array(rbm.params.length);
    const add = (v: Uint8Array, off: number, w: number) => {
      for (let j = 0; j < nH; j++) {
        let theta = rbm.hiddenBias[j];
        for (let i = 0; i < nV; i++) theta += v[off + i] * rbm.weights[i * nH + j];
        const p = 1 / (1 + Math.exp(-theta));
        ref[nV * nH + nV + j] -= w * p;
        for (let i = 0; i < nV; i++) ref[i * nH + j] -= w * v[off + i] * p;
      }
      for (let i = 0; i < nV; i++) ref[nV * nH + i] -= w * v[off + i];
    };
    for (const r of batch) add(data, r * nV, 1 / 3);
    for (let c = 0; c < 3; c++) add(chains, c * nV, -1 / 3);
    for (let p = 0; p < ref.length; p++) expect(grad[p]).toBeCloseTo(ref[p], 12);
  });
});

describe("free-energy differences (amplitude ratios)", () => {
  it("equal direct differences of F, single and multiple flips, also with huge weights that overflow e^θ", async () => {
    const { FreeEnergyDifference } = await import("../src/nn/wavefunction.js");
    for (const scale of [0.5, 8, 400]) {
      const rbm = randomRbm(7, 9, 21, scale);
      const diff = new FreeEnergyDifference(rbm);
      const rng = new Rng(4);
      for (let t = 0; t < 50; t++) {
        const v = new Uint8Array(7).map(() => rng.uint32() >>> 31);
        diff.setState(v);
        const sites = [rng.int(7), (rng.int(6) + 1 + t) % 7].filter((x, k, a) => a.indexOf(x) === k);
        const count = 1 + (t % sites.length);
        const w = Uint8Array.from(v);
        for (let s = 0; s < count; s++) w[sites[s]] ^= 1;
        const direct = -rbm.freeEnergy(w) + rbm.freeEnergy(v);
        expect(Math.abs(diff.minusDeltaF(sites, count) - direct)).toBeLessThan(1e-9 * Math.max(1, Math.abs(direct)));
      }
    }
  });
});
