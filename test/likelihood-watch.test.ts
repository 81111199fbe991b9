/**
 * The likelihood watch (src/train/callbacks.ts): the exact Z-basis NLL it records against the
 * independent exact metrics, and what it does when the model's mass leaves the data: one warning, and
 * under auto the switch to parallel tempering.
 */
import { describe, expect, it } from "vitest";
import { exactMetrics } from "../src/estimate/metrics.js";
import { generateDataset } from "../src/physics/generate.js";
import { LikelihoodWatch, NLL_ESCAPE } from "../src/train/callbacks.js";
import type { Callback, DriverState, EpochRecord } from "../src/train/driver.js";
import { driverFor } from "../src/train/driver.js";

const data = generateDataset({ model: "tfim", N: 8, h: 1, boundary: "open", shots: 2000, seed: 4 });

function run(negativePhase: "auto" | "pcd", corruptAt: number | null) {
  const d = driverFor(data, { seed: 2, epochs: 6, negativePhase, evalEvery: 1 });
  const lines: string[] = [];
  const records: EpochRecord[] = [];
  const watch = new LikelihoodWatch(data.samples, data.bases, 8, 1, (l) => lines.push(l));
  // a mode the chains never saw: all the mass pushed onto the all-ones configuration, at once
  const corrupt: Callback = {
    onEpochEnd: (driver, record) => {
      if (record.epoch === corruptAt) driver.model.amplitude.visibleBias.fill(4);
    },
  };
  const keep: Callback = { onEpochEnd: (_d, r) => void records.push({ ...r }) };
  return { d, watch, lines, records, done: d.run([corrupt, watch, keep]) };
}

describe("the likelihood watch", () => {
  it("records the exact Z-basis NLL (against exactMetrics) and stays silent while it falls", async () => {
    const r = run("auto", null);
    await r.done;
    const last = r.records.at(-1)!;
    expect(last.nll_z).toBeCloseTo(exactMetrics(r.d.model, data, data.psi).nll, 9);
    expect(r.lines).toEqual([]);
    expect(r.watch.alarm).toBeNull();
  });

  it("mass leaving the data: one warning; under auto the chains switch to tempering", async () => {
    const r = run("auto", 3);
    await r.done;
    expect(r.records[2].nll_z! - Math.min(r.records[0].nll_z!, r.records[1].nll_z!)).toBeGreaterThan(NLL_ESCAPE);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toMatch(/epoch 3: the Z-basis shots' NLL rose from .* switching to parallel tempering/);
    expect(r.d.average.report()).toMatchObject({ negativePhase: "pt", switchedAtEpoch: 3 });
  });

  it("a run resumed before the rise switches at the same epoch, bit for bit (the lowest NLL is checkpointed)", async () => {
    const whole = run("auto", 3);
    await whole.done;
    // the same run split after epoch 2: a fresh watch in the resumed run sees the rise all the same
    const first = driverFor(data, { seed: 2, epochs: 6, negativePhase: "auto", evalEvery: 1 });
    const firstWatch = new LikelihoodWatch(data.samples, data.bases, 8, 1, () => {});
    for (let e = 0; e < 2; e++) {
      const record = await first.runEpoch();
      firstWatch.onEpochEnd(first, record);
    }
    const state = JSON.parse(JSON.stringify(first.getState())) as DriverState;
    const resumed = driverFor(data, { seed: 2, epochs: 6, negativePhase: "auto", evalEvery: 1 }, state);
    const lines: string[] = [];
    const corrupt: Callback = {
      onEpochEnd: (driver, record) => {
        if (record.epoch === 3) driver.model.amplitude.visibleBias.fill(4);
      },
    };
    await resumed.run([corrupt, new LikelihoodWatch(data.samples, data.bases, 8, 1, (l) => lines.push(l))]);
    expect(lines).toHaveLength(1);
    expect(resumed.average.report()).toMatchObject({ negativePhase: "pt", switchedAtEpoch: 3 });
    expect(Array.from(resumed.model.params)).toEqual(Array.from(whole.d.model.params));
  });

  it("with an explicit negative phase it only warns, with a hint", async () => {
    const r = run("pcd", 3);
    await r.done;
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toMatch(/try --negative-phase pt/);
    expect(r.d.average.report().negativePhase).toBe("pcd");
  });
});
