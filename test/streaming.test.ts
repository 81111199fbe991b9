/** Training from a file read block by block equals training in memory where it should. */
import path from "node:path";
import { describe, expect, it } from "vitest";
import { openMeasurementStream, readMeasurements } from "../src/io/measurement-file.js";
import { memoryShotSource } from "../src/physics/measurements.js";
import { exactMetrics } from "../src/estimate/metrics.js";
import { RbmWaveFunction } from "../src/nn/wavefunction.js";
import { Driver } from "../src/train/driver.js";
import { resolveOptions } from "../src/train/options.js";
import { ShotBlocks } from "../src/train/shots.js";
import { tempDir } from "./helpers/files.js";
import { writeTargetFile } from "./helpers/targets.js";

describe("streamed shots", () => {
  it("the stream reads exactly the file's shots, block by block", async () => {
    const file = path.join(tempDir(), "s.h5");
    await writeTargetFile(file, 5, 3001, 2);
    const whole = await readMeasurements(file);
    const { meta, shots } = await openMeasurementStream(file);
    expect(meta.nShots).toBe(3001);
    expect(Array.from(meta.psi as Float64Array)).toEqual(Array.from(whole.psi as Float64Array));
    const block = new Uint8Array(1000 * 5);
    for (let start = 0; start < 3001; start += 1000) {
      const n = Math.min(1000, 3001 - start);
      shots.read(start, n, block);
      expect(Array.from(block.subarray(0, n * 5))).toEqual(
        Array.from(whole.samples.subarray(start * 5, (start + n) * 5)),
      );
    }
    shots.close();
  });

  it("in blocks: trains as well, and the streamed NLL equals the in-memory NLL of the same model", async () => {
    const file = path.join(tempDir(), "b.h5");
    await writeTargetFile(file, 5, 4000, 5);
    const d = await readMeasurements(file);
    const o = resolveOptions("positive", 5, { epochs: 30 });
    const source = memoryShotSource(file, d.samples, 5);
    const streamed = new Driver("positive", new ShotBlocks(source, 5, 700), o);
    expect(streamed.totalSteps).toBe(30 * (5 * Math.ceil(700 / 100) + Math.ceil(500 / 100)));
    await streamed.run();
    const m = exactMetrics(streamed.model, source, d.psi);
    expect(m.fidelity).toBeGreaterThan(0.99);
    const ref = exactMetrics(RbmWaveFunction.positive(streamed.model.amplitude.clone()), d, d.psi);
    expect(m.nll).toBeCloseTo(ref.nll!, 12);
    expect(m.fidelity).toBe(ref.fidelity);
  });
});
