/**
 * Centring of the amplitude RBM (src/train/centering.ts): the centred gradient against finite
 * differences of a loss in centred coordinates; a step in centred coordinates against the explicit
 * change of coordinates and back; and what it is for: a GHZ state trained with the defaults.
 */
import { describe, expect, it } from "vitest";
import { Rng } from "../src/core/rng.js";
import { accumulateFreeEnergyGradient, RBM } from "../src/nn/rbm.js";
import { exactMetrics } from "../src/estimate/metrics.js";
import { ghzState } from "../src/physics/generate.js";
import { sampleMeasurements } from "../src/physics/measurements.js";
import { Centering } from "../src/train/centering.js";
import { driverFor } from "../src/train/driver.js";
import { randomRbm } from "./helpers/chi-square.js";

const N = 5,
  H = 3;
/** A few fixed configurations with weights: L(λ) = Σ_k w_k F_λ(v_k), a smooth loss of the parameters. */
const configs = Uint8Array.from([1, 0, 1, 1, 0, 0, 0, 1, 0, 1, 1, 1, 1, 1, 1, 0, 1, 0, 0, 0]);
const weights = [0.4, -0.3, 0.2, 0.7];

function loss(rbm: RBM): number {
  return weights.reduce((s, w, k) => s + w * rbm.freeEnergy(configs, k * N), 0);
}

function lossGradient(rbm: RBM): Float64Array {
  const g = new Float64Array(rbm.params.length),
    theta = new Float64Array(H);
  weights.forEach((w, k) => {
    accumulateFreeEnergyGradient(rbm, configs, k * N, w, g, theta);
  });
  return g;
}

/** The plain RBM of centred coordinates (W, b′, c′) about (μ, λ): b = b′ − Wλ, c = c′ − Wᵀμ. */
function fromCentred(q: Float64Array, mu: Float64Array, lambda: Float64Array): RBM {
  const r = new RBM(N, H, Float64Array.from(q));
  for (let i = 0; i < N; i++)
    for (let j = 0; j < H; j++) {
      r.visibleBias[i] -= r.weights[i * H + j] * lambda[j];
      r.hiddenBias[j] -= r.weights[i * H + j] * mu[i];
    }
  return r;
}

function toCentred(rbm: RBM, mu: Float64Array, lambda: Float64Array): Float64Array {
  const q = Float64Array.from(rbm.params),
    nW = N * H;
  for (let i = 0; i < N; i++)
    for (let j = 0; j < H; j++) {
      q[nW + i] += rbm.weights[i * H + j] * lambda[j];
      q[nW + N + j] += rbm.weights[i * H + j] * mu[i];
    }
  return q;
}

function centringOf(rbm: RBM): Centering {
  const c = new Centering(rbm);
  c.setState({ mu: [0.3, 0.8, 0.5, 0.1, 0.65], lambda: [0.2, 0.55, 0.9] });
  return c;
}

describe("centring is a change of coordinates", () => {
  it("the centred gradient is the gradient of the loss in centred coordinates (finite differences)", () => {
    const rbm = randomRbm(N, H, 3, 0.8, 0.5);
    const c = centringOf(rbm);
    const g = lossGradient(rbm);
    // λ stays fixed here: the batch has no rows (count 0), so only the gradient is transformed
    c.centre(g, new Uint8Array(0), null, new Uint32Array(0), 0);
    const q = toCentred(rbm, c.mu, c.lambda);
    const eps = 1e-6;
    for (let p = 0; p < q.length; p++) {
      const up = Float64Array.from(q),
        down = Float64Array.from(q);
      up[p] += eps;
      down[p] -= eps;
      const fd = (loss(fromCentred(up, c.mu, c.lambda)) - loss(fromCentred(down, c.mu, c.lambda))) / (2 * eps);
      expect(Math.abs(g[p] - fd), `parameter ${p}: ${g[p]} against ${fd}`).toBeLessThan(1e-7);
    }
  });

  it("a step in centred coordinates moves the stored RBM to the step's image", () => {
    const rbm = randomRbm(N, H, 4, 0.8, 0.5);
    const c = centringOf(rbm);
    const q = toCentred(rbm, c.mu, c.lambda);
    const rng = new Rng(9),
      step = Float64Array.from({ length: q.length }, () => 0.1 * rng.normal());
    c.centre(new Float64Array(q.length), new Uint8Array(0), null, new Uint32Array(0), 0);
    for (let p = 0; p < step.length; p++) rbm.params[p] += step[p]; // what the optimiser does
    c.afterStep();
    const expected = fromCentred(
      q.map((x, p) => x + step[p]),
      c.mu,
      c.lambda,
    );
    for (let p = 0; p < q.length; p++) expect(rbm.params[p]).toBeCloseTo(expected.params[p], 12);
  });

  it("the offsets are the data's: μ the mean of the Z-basis shots, λ follows the hidden means", () => {
    const rbm = randomRbm(3, 2, 5, 0.8, 0.5);
    const c = new Centering(rbm);
    const samples = Uint8Array.from([1, 0, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1]);
    const Z = 90,
      X = 88;
    const bases = Uint8Array.from([Z, Z, Z, X, X, X, Z, Z, Z, Z, Z, Z]);
    c.setVisibleOffsets(samples, bases, 4);
    expect(Array.from(c.mu)).toEqual([2 / 3, 1 / 3, 1]);
    // λ relaxes towards σ(θ) of the first Z-basis shot of each batch (shot 1 is in X and skipped):
    // with the parameters fixed and the batches alternating, to the mean over shots 0 and 2
    const batches = [Uint32Array.from([1, 0, 2]), Uint32Array.from([1, 2, 0])];
    for (let t = 0; t < 4000; t++) c.centre(new Float64Array(rbm.params.length), samples, bases, batches[t % 2], 3);
    const theta = new Float64Array(2);
    const target = [0, 0];
    for (const m of [0, 2]) {
      rbm.hiddenActivation(samples, theta, m * 3);
      for (let j = 0; j < 2; j++) target[j] += 1 / (1 + Math.exp(-theta[j])) / 2;
    }
    // the moving average (rate 0.01) of two alternating values wobbles by about 0.005 of their difference
    for (let j = 0; j < 2; j++) expect(c.lambda[j]).toBeCloseTo(target[j], 3);
  });
});

describe("what centring is for", () => {
  it("GHZ N = 8 in one default cycle of 50 epochs: F ≥ 0.99 centred; uncentred training stalls below it", async () => {
    const psi = ghzState(8);
    const shots = sampleMeasurements(psi, { shots: 4000, bases: "Z", rng: new Rng(5) });
    const fidelity = async (centering: boolean) => {
      const d = driverFor(shots, { seed: 1, centering, evalEvery: 0, epochs: 50 });
      await d.run();
      return exactMetrics(d.model, null, psi).fidelity;
    };
    const on = await fidelity(true),
      off = await fidelity(false);
    expect(on).toBeGreaterThan(0.99);
    expect(off).toBeLessThan(0.98);
  });
});
