/**
 * The WebAssembly kernels (src/kernels/kernels.wat) against plain float64 references:
 * activations, the distribution of the Gibbs sampler (χ² against exact p_λ), the PCD gradient,
 * exact enumeration; and reproducibility: the same seed gives bit-identical chains and gradients
 * whatever the number of threads, and sampler state round-trips through getState/setState.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { configurationOf, indexOf, logProbabilities, unnormalisedLogProbabilities } from "../src/nn/enumeration.js";
import { KERNELS_SOURCE_SHA256, KERNELS_WASM_BASE64 } from "../src/kernels/kernels-wasm.js";
import { setAdaptiveThreads, setKernelThreads } from "../src/kernels/pool.js";
import type { Arena } from "../src/kernels/wasm.js";
import { RBM, accumulateFreeEnergyGradient, softplus } from "../src/nn/rbm.js";
import { Rng } from "../src/core/rng.js";
import { GibbsSampler, sampleChains } from "../src/sample/gibbs.js";
import { gradientWorkspace } from "../src/kernels/gradient.js";
import { driverFor } from "../src/train/driver.js";
import { chiSquare, randomRbm } from "./helpers/chi-square.js";

const here = path.dirname(fileURLToPath(import.meta.url));

afterEach(() => {
  setKernelThreads(null);
  setAdaptiveThreads(true);
});

describe("kernel binary", () => {
  it("the embedded WebAssembly and context table are the assembled kernels.wat and abi.mjs", async () => {
    const wat = fs.readFileSync(path.join(here, "../src/kernels/kernels.wat"), "utf8");
    const abi = fs.readFileSync(path.join(here, "../src/kernels/abi.mjs"), "utf8");
    const { createHash } = await import("node:crypto");
    const sha = createHash("sha256").update(wat).update(abi).digest("hex");
    expect(sha, "kernels.wat or abi.mjs changed: run node src/kernels/assemble.mjs").toBe(KERNELS_SOURCE_SHA256);
    let assemble: ((w: string) => Promise<Buffer>) | null = null;
    try {
      await import("wabt");
      // (a plain .mjs helper, not type-checked)
      assemble = (await import("../src/kernels/assemble.mjs")).assemble;
    } catch {
      /* wabt not installed: the hash check above still guards the .wat */
    }
    if (assemble) expect((await assemble(wat)).toString("base64")).toBe(KERNELS_WASM_BASE64);
  });
});

describe("Gibbs sampler kernel", () => {
  it("float32 activations b + W h equal a float64 reference within float32 rounding", () => {
    setKernelThreads(1);
    // shapes exercising every accumulator block (8, 4, 2, 1 vectors) and partial groups of 4
    for (const [nV, nH] of [
      [3, 5],
      [10, 10],
      [13, 7],
      [37, 50],
      [70, 9],
      [131, 66],
    ] as const) {
      const rbm = randomRbm(nV, nH, nV * 100 + nH, 0.7, 0.5);
      const chains = 11;
      const s = new GibbsSampler(rbm, chains, new Rng(nV + nH));
      s.useSmallLayerKernel(false);
      s.step(2);
      for (let c = 8; c < chains; c++) {
        const a = s.lastVisibleActivations(c)!;
        expect(a).not.toBeNull();
        for (let i = 0; i < nV; i++) {
          let ref = rbm.visibleBias[i],
            mag = Math.abs(ref);
          for (let j = 0; j < nH; j++) {
            const t = s.hidden[c * nH + j] * rbm.weights[i * nH + j];
            ref += t;
            mag += Math.abs(t);
          }
          // float32 weights (relative 6e-8 each) and float32 sums of up to nH/4 + 1 table rows
          expect(Math.abs(a[i] - ref)).toBeLessThanOrEqual(2e-7 * mag * (4 + nH / 4));
        }
      }
    }
  });

  it("the small-layer kernel (≤ 16 units a side) gives bit-identical chains to the general one", () => {
    for (const [nV, nH] of [
      [10, 10],
      [3, 16],
      [16, 5],
      [1, 1],
    ] as const) {
      const rbm = randomRbm(nV, nH, nV * 7 + nH, 1.2, 0.5);
      const run = (small: boolean) => {
        const s = new GibbsSampler(rbm, 21, new Rng(5));
        s.useSmallLayerKernel(small);
        s.step(7);
        return { v: Array.from(s.visible), h: Array.from(s.hidden), r: s.getRngState() };
      };
      expect(run(true)).toEqual(run(false));
    }
  });

  // 20000 independent chains, one sample each after burn-in: a multinomial sample of p_λ.
  for (const [nV, nH, scale, sweeps, label] of [
    [4, 3, 1.0, 60, "moderate weights"],
    [5, 7, 3.0, 600, "strong weights (saturated sigmoids, slow mixing)"],
    [3, 6, 0.3, 30, "weak weights"],
    [8, 9, 1.0, 100, "two partial groups of 4"],
  ] as const) {
    it(`histogram matches exact p_λ (χ², false-alarm rate 1e-3): N = ${nV}, ${nH} hidden, ${label}`, () => {
      const rbm = randomRbm(nV, nH, 17 + nV, scale, 0.8);
      const p = logProbabilities(rbm).map(Math.exp);
      const chains = 20000;
      const s = new GibbsSampler(rbm, chains, new Rng(99));
      s.step(sweeps);
      const counts = new Float64Array(2 ** nV);
      for (let c = 0; c < chains; c++) counts[indexOf(s.visible, nV, c * nV)]++;
      const { chi2, df, critical } = chiSquare(counts, p, chains);
      expect(df).toBeGreaterThanOrEqual(2);
      expect(chi2).toBeLessThan(critical);
    });
  }

  it("padding units never switch on, and states are 0/1 bytes", () => {
    const rbm = randomRbm(6, 5, 1, 1, 5); // large biases: many units near-certainly on
    const s = new GibbsSampler(rbm, 9, new Rng(2));
    s.step(5);
    expect(s.visible.every((x) => x === 0 || x === 1)).toBe(true);
    expect(s.hidden.every((x) => x === 0 || x === 1)).toBe(true);
    expect(s.visible.length).toBe(9 * 6);
  });

  it("huge activations: units follow the sign (clamped exponent, no NaN)", () => {
    const rbm = new RBM(5, 6);
    rbm.visibleBias.set([500, -500, 1e6, -1e6, 90]);
    rbm.hiddenBias.fill(-300);
    const s = new GibbsSampler(rbm, 16, new Rng(3));
    s.step(3);
    for (let c = 0; c < 16; c++) {
      expect(Array.from(s.visible.subarray(c * 5, c * 5 + 5))).toEqual([1, 0, 1, 0, 1]);
      expect(Array.from(s.hidden.subarray(c * 6, c * 6 + 6))).toEqual([0, 0, 0, 0, 0, 0]);
    }
  });

  it("setVisible and direct writes to .visible are what the next step starts from", () => {
    // W = 60·I, biases −30: h_j = v_j and then v_i = h_i with probability 1 − 1e-13
    const rbm = new RBM(6, 6);
    for (let i = 0; i < 6; i++) rbm.weights[i * 6 + i] = 60;
    rbm.visibleBias.fill(-30);
    rbm.hiddenBias.fill(-30);
    const s = new GibbsSampler(rbm, 3, new Rng(8));
    const start = Uint8Array.from([1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 0]);
    s.setVisible(start);
    s.step(1);
    expect(Array.from(s.hidden)).toEqual(Array.from(start));
    expect(Array.from(s.visible)).toEqual(Array.from(start));
    s.visible.set(start.map((x) => 1 - x));
    s.step(2);
    expect(Array.from(s.visible)).toEqual(Array.from(start.map((x) => 1 - x)));
  });

  it("the same seed gives bit-identical chains, for 1 and 2 threads", () => {
    setAdaptiveThreads(false); // always split when allowed, so that the threaded path really runs
    const run = (threads: number, nV: number, nH: number) => {
      setKernelThreads(threads);
      const rbm = randomRbm(nV, nH, 4, 0.3, 0.2);
      const s = new GibbsSampler(rbm, 100, new Rng(11));
      for (let u = 0; u < 5; u++) {
        s.step(10);
        rbm.weights[u] += 0.01; // parameters change between steps, as in training
        s.syncWeights();
      }
      return { v: Array.from(s.visible), h: Array.from(s.hidden), rng: s.getRngState() };
    };
    // (150, 143): large enough that the table builds are split too
    for (const [nV, nH] of [
      [50, 50],
      [150, 143],
    ]) {
      const one = run(1, nV, nH),
        two = run(2, nV, nH),
        again = run(1, nV, nH);
      expect(two).toEqual(one);
      expect(again).toEqual(one);
    }
  });

  it("the small-layer kernels give the same chains for 1 and 2 threads (rows at the threads' boundary)", () => {
    setAdaptiveThreads(false);
    // they write whole 16-byte rows of unit bytes only within their own chains' range: with 5 or 4
    // units a row spills over several chains'. 501 chains (enough work to split): the two ranges
    // meet inside a batch of 8.
    for (const [nV, nH] of [
      [10, 10],
      [5, 16],
      [4, 12],
    ] as const) {
      const run = (threads: number, small: boolean) => {
        setKernelThreads(threads);
        const rbm = randomRbm(nV, nH, nV + nH, 1, 0.3);
        const s = new GibbsSampler(rbm, 501, new Rng(13));
        s.useSmallLayerKernel(small);
        for (let u = 0; u < 3; u++) {
          s.step(10);
          rbm.weights[u] += 0.01;
          s.syncWeights();
        }
        return { v: Array.from(s.visible), h: Array.from(s.hidden), rng: s.getRngState() };
      };
      const one = run(1, true);
      expect(run(2, true)).toEqual(one);
      expect(run(1, false)).toEqual(one);
    }
  });

  it("a step of chains [c0, c1) writes no unit byte outside their rows (what lets threads share the arrays)", () => {
    // rows of 3–10 units: whole-vector stores of 16 bytes would spill over several chains' rows
    for (const [nV, nH, small] of [
      [10, 10, true],
      [3, 16, true],
      [5, 4, true],
      [4, 20, false],
      [7, 3, false],
    ] as const) {
      const s = new GibbsSampler(randomRbm(nV, nH, nV * nH, 1, 0.3), 40, new Rng(2));
      s.useSmallLayerKernel(small);
      const inside = s as unknown as { arena: Arena; ctx: number; scratch: number };
      const [c0, c1] = [5, 22];
      s.visible.fill(9, 0, c0 * nV);
      s.visible.fill(9, c1 * nV);
      s.hidden.fill(9);
      inside.arena.exports.step(inside.ctx, c0, c1, 3, inside.scratch);
      // rows outside [c0, c1) keep their 9s; rows inside hold 0/1 units
      const kept = (a: Uint8Array, n: number) =>
        [...a.subarray(0, c0 * n), ...a.subarray(c1 * n)].every((x) => x === 9);
      const units = (a: Uint8Array, n: number) => a.subarray(c0 * n, c1 * n).every((x) => x <= 1);
      expect(
        [kept(s.visible, nV), kept(s.hidden, nH), units(s.visible, nV), units(s.hidden, nH)],
        `N = ${nV}, ${nH} hidden`,
      ).toEqual([true, true, true, true]);
    }
  });

  it("getState/setState continue a run bit for bit", () => {
    const rbm = randomRbm(9, 6, 21, 1, 0.3);
    const a = new GibbsSampler(rbm, 12, new Rng(4));
    a.step(7);
    const saved = a.getState();
    a.step(5);
    const b = new GibbsSampler(rbm, 12, new Rng(12345));
    b.setState(saved);
    b.step(5);
    expect(Array.from(b.visible)).toEqual(Array.from(a.visible));
    expect(b.getRngState()).toEqual(a.getRngState());
    expect(() => b.setRngState(new Array(12 * 16).fill(0))).toThrow(/all zero/);
  });

  it("sampleChains is chain-major, deterministic, and thinning skips sweeps", () => {
    const rbm = randomRbm(6, 4, 2, 1, 0.3);
    const o = { chains: 3, samplesPerChain: 4, burnIn: 5, thin: 2 };
    const x = sampleChains(rbm, o, new Rng(6)),
      y = sampleChains(rbm, o, new Rng(6));
    expect(x.samples).toEqual(y.samples);
    expect(x.samples.length).toBe(3 * 4 * 6);
    // chain c's sample t is the sampler's state after burnIn + (t+1)·thin sweeps
    const s = new GibbsSampler(rbm, 3, new Rng(6));
    s.step(5);
    for (let t = 0; t < 4; t++) {
      s.step(2);
      for (let c = 0; c < 3; c++) {
        expect(Array.from(x.samples.subarray((c * 4 + t) * 6, (c * 4 + t + 1) * 6))).toEqual(
          Array.from(s.visible.subarray(c * 6, c * 6 + 6)),
        );
      }
    }
  });
});

describe("PCD gradient kernel", () => {
  it("its float64 exp is within 3 ulp of Math.exp on [−708, 708]", async () => {
    const { Arena, Layout } = await import("../src/kernels/wasm.js");
    const ex = new Arena(new Layout()).exports;
    let worst = 0;
    for (let k = 0; k <= 100000; k++) {
      const x = (-708 + (1416 * k) / 100000) * (1 - 1e-6 * Math.abs(Math.sin(k)));
      worst = Math.max(worst, Math.abs(ex.exp_f64(x) / Math.exp(x) - 1));
    }
    expect(worst).toBeLessThan(3 * 2 ** -52);
  });

  function reference(
    rbm: RBM,
    data: Uint8Array,
    batch: Uint32Array,
    count: number,
    chains: Uint8Array,
    nChains: number,
  ): Float64Array {
    const nV = rbm.nVisible,
      g = new Float64Array(rbm.params.length),
      theta = new Float64Array(rbm.nHidden);
    for (let r = 0; r < count; r++) accumulateFreeEnergyGradient(rbm, data, batch[r] * nV, 1 / count, g, theta);
    for (let c = 0; c < nChains; c++) accumulateFreeEnergyGradient(rbm, chains, c * nV, -1 / nChains, g, theta);
    return g;
  }

  for (const [nV, nH, count, nChains, scale] of [
    [5, 4, 3, 3, 1],
    [13, 7, 37, 29, 2],
    [50, 50, 100, 100, 0.3],
    [31, 66, 10, 7, 8],
  ] as const) {
    it(`equals the float64 reference to 1e-13: N = ${nV}, ${nH} hidden, batch ${count}, ${nChains} chains, weights ~${scale}`, () => {
      const rbm = randomRbm(nV, nH, nV + nH, scale, 1);
      const rng = new Rng(3);
      const data = new Uint8Array(200 * nV).map(() => rng.uint32() >>> 31);
      const chains = new Uint8Array(nChains * nV).map(() => rng.uint32() >>> 31);
      const batch = Uint32Array.from({ length: count }, () => rng.int(200));
      const g = new Float64Array(rbm.params.length).fill(NaN);
      gradientWorkspace(rbm, count + nChains).compute(rbm, data, batch, count, chains, nChains, g);
      const ref = reference(rbm, data, batch, count, chains, nChains);
      let maxErr = 0,
        maxRef = 0;
      for (let p = 0; p < ref.length; p++) {
        maxErr = Math.max(maxErr, Math.abs(g[p] - ref[p]));
        maxRef = Math.max(maxRef, Math.abs(ref[p]));
      }
      expect(maxErr).toBeLessThanOrEqual(1e-13 * Math.max(1, maxRef));
    });
  }

  it("is bit-identical for 1 and 2 threads", () => {
    setAdaptiveThreads(false);
    const rbm = randomRbm(100, 100, 8, 0.3, 0.2);
    const rng = new Rng(9);
    const data = new Uint8Array(300 * 100).map(() => rng.uint32() >>> 31);
    const chains = new Uint8Array(100 * 100).map(() => rng.uint32() >>> 31);
    const batch = Uint32Array.from({ length: 100 }, (_, k) => (k * 7) % 300);
    const grads = [1, 2].map((t) => {
      setKernelThreads(t);
      const g = new Float64Array(rbm.params.length);
      gradientWorkspace(rbm, 200).compute(rbm, data, batch, 100, chains, 100, g);
      return Array.from(g);
    });
    expect(grads[1]).toEqual(grads[0]);
  });
});

describe("training reproducibility", () => {
  it("the same seed gives bit-identical models for 1 and 2 threads, and a resumed run matches", () => {
    setAdaptiveThreads(false);
    const N = 48; // 100 chains · k 10 · N² > the threading threshold
    const rng = new Rng(1);
    const data = new Uint8Array(1000 * N).map(() => rng.uint32() >>> 31);
    const shots = { samples: data, bases: null, nQubits: N };
    const options = { epochs: 2, seed: 77 };
    const train = (threads: number) => {
      setKernelThreads(threads);
      const t = driverFor(shots, options);
      t.runEpoch();
      const mid = t.getState();
      t.runEpoch();
      return { params: Array.from(t.model.params), chains: Array.from(t.average.sampler.visible), mid };
    };
    const one = train(1),
      two = train(2);
    expect(two.params).toEqual(one.params);
    expect(two.chains).toEqual(one.chains);
    setKernelThreads(1);
    const resumed = driverFor(shots, options, JSON.parse(JSON.stringify(one.mid)));
    resumed.runEpoch();
    expect(Array.from(resumed.model.params)).toEqual(one.params);
  });
});

describe("exact enumeration", () => {
  it("agrees with θ recomputed directly for every configuration (no Gray-code drift), 1 or 2 threads", () => {
    setAdaptiveThreads(false);
    const n = 15,
      nH = 9; // 2^15 configurations: several chunks of 4096, split over threads
    const rbm = randomRbm(n, nH, 12, 1.5, 1);
    const tables = [1, 2].map((t) => {
      setKernelThreads(t);
      return unnormalisedLogProbabilities(rbm);
    });
    expect(Array.from(tables[1])).toEqual(Array.from(tables[0]));
    const v = new Uint8Array(n);
    for (let k = 0; k < 2 ** n; k += 97) {
      const f = -rbm.freeEnergy(configurationOf(k, n, v));
      expect(Math.abs(tables[0][k] - f)).toBeLessThanOrEqual(1e-13 * Math.max(1, Math.abs(f)));
    }
  });

  it("the plain JS path (more than 1000 hidden units) gives the same values", () => {
    const rbm = randomRbm(4, 1003, 3, 0.2, 0.5);
    const table = unnormalisedLogProbabilities(rbm);
    for (let k = 0; k < 16; k++) {
      const f = -rbm.freeEnergy(configurationOf(k, 4));
      expect(Math.abs(table[k] - f)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(f)));
    }
  });

  it("−F(v) from the product-of-factors form equals Σ softplus to 1e-13, with large activations", () => {
    const rbm = randomRbm(11, 30, 5, 4, 3); // |θ| up to ~40
    const table = unnormalisedLogProbabilities(rbm);
    const v = new Uint8Array(11);
    for (let k = 0; k < 2 ** 11; k += 7) {
      configurationOf(k, 11, v);
      let f = 0;
      for (let i = 0; i < 11; i++) f += v[i] * rbm.visibleBias[i];
      for (let j = 0; j < 30; j++) {
        let t = rbm.hiddenBias[j];
        for (let i = 0; i < 11; i++) t += v[i] * rbm.weights[i * 30 + j];
        f += softplus(t);
      }
      expect(Math.abs(table[k] - f)).toBeLessThanOrEqual(1e-13 * Math.max(1, Math.abs(f)));
    }
  });
});
