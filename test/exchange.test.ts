/**
 * Exchange moves (src/sample/exchange.ts) and their use in training: the stationary distribution
 * against exact p(v) (alone: restricted to the sector they keep; with Gibbs sweeps: all of it), the
 * acceptance rate against the exact Metropolis average, auto's decision from the data, and a
 * bit-identical resume through the moves.
 */
import { describe, expect, it } from "vitest";
import { Rng } from "../src/core/rng.js";
import { configurationOf, indexOf, logProbabilities } from "../src/nn/enumeration.js";
import { generateDataset } from "../src/physics/generate.js";
import { ExchangeMoves } from "../src/sample/exchange.js";
import { GibbsSampler } from "../src/sample/gibbs.js";
import { driverFor } from "../src/train/driver.js";
import { dataSector, MixingMonitor } from "../src/train/mixing.js";
import { chiSquare, randomRbm } from "./helpers/chi-square.js";

const N = 6;
const weightOf = (x: number) => configurationOf(x, N).reduce((a, b) => a + b, 0);

/** Chains started at random configurations of Hamming weight 3. */
function sectorStarts(chains: number, rng: Rng): Uint8Array {
  const v = new Uint8Array(chains * N);
  const order = [0, 1, 2, 3, 4, 5];
  for (let c = 0; c < chains; c++) {
    rng.shuffle(order);
    for (let k = 0; k < 3; k++) v[c * N + order[k]] = 1;
  }
  return v;
}

describe("exchange moves", () => {
  const rbm = randomRbm(N, 4, 3, 1.2, 0.8);
  const p = logProbabilities(rbm).map(Math.exp);

  it("alone keep the Hamming weight and sample p(v) restricted to the sector (χ²)", () => {
    const chains = 4000,
      rng = new Rng(8);
    const v = sectorStarts(chains, rng);
    new ExchangeMoves(rbm, new Rng(9)).step(v, chains, 60);
    const sector = p.map((x, k) => (weightOf(k) === 3 ? x : 0));
    const z = sector.reduce((a, b) => a + b, 0);
    const counts = new Float64Array(p.length);
    for (let c = 0; c < chains; c++) counts[indexOf(v, N, c * N)]++;
    for (let k = 0; k < p.length; k++) if (weightOf(k) !== 3) expect(counts[k]).toBe(0);
    const { chi2, critical } = chiSquare(
      counts,
      sector.map((x) => x / z),
      chains,
    );
    expect(chi2).toBeLessThan(critical);
  });

  it("between Gibbs sweeps leave p(v) stationary (χ² over all 2^N configurations)", () => {
    const chains = 4000,
      s = new GibbsSampler(rbm, chains, new Rng(3)),
      moves = new ExchangeMoves(rbm, new Rng(4));
    for (let t = 0; t < 20; t++) {
      s.step(1);
      moves.step(s.visible, chains, N);
    }
    const counts = new Float64Array(p.length);
    for (let c = 0; c < chains; c++) counts[indexOf(s.visible, N, c * N)]++;
    const { chi2, critical } = chiSquare(counts, p, chains);
    expect(chi2).toBeLessThan(critical);
  });

  it("accept at the exact Metropolis rate Σ_v p(v|sector) · mean over (one, zero) pairs of min(1, p(v′)/p(v))", () => {
    const sector = [...p.keys()].filter((k) => weightOf(k) === 3);
    const z = sector.reduce((a, k) => a + p[k], 0);
    let rate = 0;
    for (const k of sector) {
      const v = configurationOf(k, N);
      let sum = 0;
      for (let s = 0; s < N; s++) {
        for (let t = 0; t < N; t++) {
          if (s === t || v[s] === v[t]) continue;
          const w = v.slice();
          [w[s], w[t]] = [w[t], w[s]];
          sum += Math.min(1, p[indexOf(w, N, 0)] / p[k]);
        }
      }
      rate += (p[k] / z) * (sum / (2 * 3 * (N - 3))); // ordered unlike pairs: 2w(N − w)
    }
    const chains = 4000,
      v = sectorStarts(chains, new Rng(5)),
      moves = new ExchangeMoves(rbm, new Rng(6));
    moves.step(v, chains, 40); // to stationarity
    moves.takeAcceptance();
    moves.step(v, chains, 1); // one proposal per chain: independent across chains
    const measured = moves.takeAcceptance();
    expect(Math.abs(measured - rate)).toBeLessThan(5 * Math.sqrt((rate * (1 - rate)) / chains));
  });
});

describe("exchange moves in training", () => {
  const heisenberg = generateDataset({ model: "heisenberg", N, shots: 2000, seed: 3 });
  const tfim = generateDataset({ model: "tfim", N, h: 1, shots: 2000, seed: 3 });
  // exchange moves beside Gibbs sweeps: the plain model (a sector model moves by exchanges alone, test/sector.test.ts)
  const options = { negativePhase: "pcd" as const, epochs: 3, seed: 5, sector: "off" as const };

  it("finds the data's magnetisation sector: one Hamming weight among ≥ 100 Z-basis shots", () => {
    const { samples, nShots } = heisenberg;
    expect(dataSector(samples, null, nShots, N)).toBe(3);
    expect(dataSector(samples, null, 99, N)).toBeNull();
    expect(dataSector(tfim.samples, null, tfim.nShots, N)).toBeNull();
    // rotated rows do not count, whatever their outcomes
    const bases = new Uint8Array(samples.length).fill(90);
    const mixed = samples.slice();
    for (let i = 0; i < N; i++) {
      bases[i] = 88;
      mixed[i] = 1;
    }
    expect(dataSector(mixed, bases, nShots, N)).toBe(3);
    expect(dataSector(mixed, null, nShots, N)).toBeNull();
    // the chains' monitor, which judges streamed shots over the first epoch, agrees
    const monitor = new MixingMonitor(N);
    monitor.observeData(
      samples,
      Uint32Array.from({ length: nShots }, (_, m) => m),
      nShots,
      null,
    );
    expect(monitor.dataSector()).toBe(3);
  });

  it("auto: on from the start when every Z-basis shot lies in one sector, off otherwise", async () => {
    const d = driverFor(heisenberg, options);
    await d.run();
    const report = d.average.report();
    expect(report.exchange?.fromEpoch).toBe(0);
    expect(report.exchange!.acceptance).toBeGreaterThan(0.05);
    expect(report.exchange!.acceptance).toBeLessThan(1);
    const t = driverFor(tfim, options);
    await t.run();
    expect(t.average.report().exchange).toBeUndefined();
    const off = driverFor(heisenberg, { ...options, exchange: "off" });
    await off.run();
    expect(off.average.report().exchange).toBeUndefined();
    expect(Array.from(off.model.params)).not.toEqual(Array.from(d.model.params));
  });

  it("a run resumed from a checkpoint through the moves is bit-identical", async () => {
    const straight = driverFor(heisenberg, options);
    await straight.run();
    const first = driverFor(heisenberg, { ...options });
    first.runEpoch();
    first.runEpoch();
    const resumed = driverFor(heisenberg, options, JSON.parse(JSON.stringify(first.getState())));
    expect(resumed.getState().exchange?.fromEpoch).toBe(0);
    await resumed.run();
    expect(Array.from(resumed.model.params)).toEqual(Array.from(straight.model.params));
    // one stream per chain (4 words each) in the checkpoint; the one shared stream of before is refused
    const state = JSON.parse(JSON.stringify(first.getState()));
    expect(state.exchange.chainRng.length).toBe(4 * first.average.sampler.nChains);
    delete state.exchange.chainRng;
    state.exchange.rng = [1, 2, 3, 4];
    expect(() => driverFor(heisenberg, options, state)).toThrow(/before their chains had one stream each/);
  });
});
