/**
 * Training until converged (src/train/cycles.ts): the rule that adds a cycle, the schedule's warm
 * restart, the options' defaults, a state one cycle does not fit (W, N = 8) against one it does (TFIM),
 * and a resume across a cycle's end that is bit for bit the whole run.
 */
import { describe, expect, it } from "vitest";
import { Rng } from "../src/core/rng.js";
import { exactMetrics } from "../src/estimate/metrics.js";
import { logPartitionFunction } from "../src/nn/enumeration.js";
import { generateDataset, wState } from "../src/physics/generate.js";
import { sampleMeasurements } from "../src/physics/measurements.js";
import { StopAfter } from "../src/train/callbacks.js";
import {
  anotherCycle,
  CYCLE_NLL_TOLERANCE,
  cyclesConverged,
  MAX_CYCLES,
  MIN_CYCLES,
  ZBasisShots,
} from "../src/train/cycles.js";
import { driverFor, type EpochRecord } from "../src/train/driver.js";
import { DEFAULTS, MIN_CYCLE_UPDATES, resolveOptions } from "../src/train/options.js";

describe("the rule that adds a cycle", () => {
  it("always a second cycle; then another while the NLL fell by more than the tolerance; never past the cap", () => {
    expect(MIN_CYCLES).toBe(2);
    expect(anotherCycle([2.5])).toBe(true);
    expect(anotherCycle([2.5, 2.5])).toBe(false);
    expect(anotherCycle([2.5, 2.5 - 1.5 * CYCLE_NLL_TOLERANCE])).toBe(true);
    expect(anotherCycle([2.5, 2.5 - 0.5 * CYCLE_NLL_TOLERANCE])).toBe(false);
    expect(anotherCycle([2.5, 2.6])).toBe(false); // a rise is no reason to go on
    const falling = Array.from({ length: MAX_CYCLES }, (_, c) => 3 - 0.1 * c);
    expect(anotherCycle(falling.slice(0, MAX_CYCLES - 1))).toBe(true);
    expect(anotherCycle(falling)).toBe(false);
    expect(cyclesConverged(falling)).toBe(false);
    expect(cyclesConverged([2.5, 2.5 - 0.5 * CYCLE_NLL_TOLERANCE])).toBe(true);
    expect(cyclesConverged([2.5])).toBe(false);
  });

  it("the Z-basis NLL: rotated rows left out, log Z by enumeration", () => {
    const data = generateDataset({ model: "tfim", N: 4, shots: 300, seed: 3 });
    const d = driverFor(data, { epochs: 1, seed: 1 });
    const rbm = d.model.amplitude;
    // the same shots with rows measured in X appended (all ones, far from the data): they must not count
    const bases = new Uint8Array(600 * 4).fill(90);
    bases.fill(88, 300 * 4);
    const samples = new Uint8Array(600 * 4);
    samples.set(data.samples);
    samples.fill(1, 300 * 4);
    const z = new ZBasisShots(samples, bases, 4);
    expect(z.count).toBe(300);
    let direct = 0;
    const s = new Float64Array(rbm.nHidden);
    for (let m = 0; m < 300; m++) direct += rbm.freeEnergy(data.samples, m * 4, s);
    expect(z.nll(rbm)).toBeCloseTo(direct / 300 + logPartitionFunction(rbm), 12);
    expect(new ZBasisShots(data.samples, null, 4).nll(rbm)).toBeCloseTo(exactMetrics(d.model, data, data.psi).nll, 10);
  });
});

describe("the options", () => {
  it("until converged is the positive model's default when no epochs are given and N ≤ 20", () => {
    expect(resolveOptions("positive", 10, {}).untilConverged).toBe(true);
    expect(resolveOptions("positive", 10, { epochs: 50 }).untilConverged).toBe(false);
    expect(resolveOptions("positive", 21, {}).untilConverged).toBe(false);
    expect(resolveOptions("complex", 8, {}).untilConverged).toBe(false);
    expect(() => resolveOptions("complex", 8, { untilConverged: true })).toThrow(/positive model/);
  });

  it("a small file gets longer cycles, so that each has MIN_CYCLE_UPDATES steps", () => {
    expect(resolveOptions("positive", 10, {}, 10_000).epochs).toBe(DEFAULTS.epochs);
    expect(resolveOptions("positive", 10, {}, 100_000).epochs).toBe(DEFAULTS.epochs);
    expect(resolveOptions("positive", 10, {}, 4000).epochs).toBe(Math.ceil(MIN_CYCLE_UPDATES / 40));
    expect(resolveOptions("positive", 10, { epochs: 7 }, 4000).epochs).toBe(7);
  });
});

/** Every epoch's record and the exact fidelity at each cycle's end. */
async function train(
  shots: Parameters<typeof driverFor>[0],
  psi: Float64Array,
  input: Parameters<typeof driverFor>[1],
) {
  const d = driverFor(shots, input);
  const records: EpochRecord[] = [];
  const fidelity: number[] = [];
  await d.run([
    {
      onEpochEnd: (driver, r) => {
        records.push({ ...r });
        if (r.cycle_nll_z !== undefined) fidelity.push(exactMetrics(driver.model, shots as never, psi).fidelity!);
      },
    },
  ]);
  return { d, records, fidelity };
}

describe("training until converged", () => {
  it("W, N = 8, 4000 shots: one cycle does not fit it; the rule goes on and each cycle gains fidelity", async () => {
    const N = 8,
      psi = wState(N);
    const shots = { ...sampleMeasurements(psi, { shots: 4000, bases: "Z", rng: new Rng(5) }), nQubits: N };
    // unconfined: in its sector (the default) one cycle fits W (test/sector.test.ts)
    const { d, records, fidelity } = await train(shots, psi, { seed: 1, sector: "off" });
    expect(d.options.epochs).toBe(125); // 5000 updates of 40 batches
    // measured: F = 0.984, 0.993, 0.995, 0.996 at the ends of four cycles; converged at the fourth
    expect(d.cycleNll.length).toBeGreaterThanOrEqual(3);
    expect(d.epoch).toBe(d.cycleNll.length * 125);
    expect(fidelity.at(-1)!).toBeGreaterThan(0.99);
    expect(fidelity.at(-1)! - fidelity[0]).toBeGreaterThan(0.005);
    for (let c = 1; c < d.cycleNll.length; c++) expect(d.cycleNll[c]).toBeLessThan(d.cycleNll[c - 1]);
    // the schedule restarts from its top at every cycle
    const lr = (e: number) => records[e - 1].lr;
    expect(lr(126)).toBeCloseTo(lr(1), 12);
    expect(lr(125)).toBeLessThan(0.1 * lr(1));
    expect(d.converged).toBe(cyclesConverged(d.cycleNll));
  }, 60_000);

  it("TFIM N = 8 at h = 1: the second cycle changes nothing, so it stops there", async () => {
    const data = generateDataset({ model: "tfim", N: 8, h: 1, shots: 10_000, seed: 7 });
    const { d, fidelity } = await train(data, data.psi, { seed: 3 });
    expect(d.epoch).toBe(2 * DEFAULTS.epochs);
    expect(d.converged).toBe(true);
    expect(Math.abs(d.cycleNll[1] - d.cycleNll[0])).toBeLessThan(CYCLE_NLL_TOLERANCE);
    expect(fidelity[1]).toBeGreaterThan(0.99);
  }, 60_000);

  it("a run stopped inside the second cycle and resumed ends bit for bit equal to the whole run", async () => {
    const data = generateDataset({ model: "tfim", N: 6, h: 0.8, shots: 600, seed: 2 });
    const input = { seed: 5, epochs: 4, untilConverged: true, chains: 20, batchSize: 50 };
    const whole = driverFor(data, input);
    await whole.run();
    const first = driverFor(data, input);
    await first.run([new StopAfter(6)]);
    expect(first.epoch).toBe(6);
    const state = JSON.parse(JSON.stringify(first.getState()));
    const resumed = driverFor(data, input, state);
    expect(resumed.plannedEpochs).toBe(8);
    await resumed.run();
    expect(resumed.epoch).toBe(whole.epoch);
    expect(resumed.cycleNll).toEqual(whole.cycleNll);
    expect(Array.from(resumed.model.params)).toEqual(Array.from(whole.model.params));
  }, 60_000);
});
