import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readMeasurements } from "../src/io/measurement-file.js";
import { DATASETS, makeDatasets } from "../scripts/make-datasets.js";
import { tempDir } from "./helpers/files.js";

describe("shipped datasets", () => {
  it("npm run datasets regenerates every file in datasets/ bit for bit", async () => {
    const dir = tempDir("qst-datasets-");
    const written = await makeDatasets(dir, () => {});
    expect(written).toHaveLength(DATASETS.length);
    for (const file of written) {
      const shipped = path.resolve("datasets", path.basename(file));
      expect(fs.readFileSync(file).equals(fs.readFileSync(shipped)), path.basename(file)).toBe(true);
    }
  });

  it("carry the system description and exact ground truth", async () => {
    const d = await readMeasurements("datasets/tfim_chain_N10_h1.h5");
    expect(d.nShots).toBe(10_000);
    expect(d.nQubits).toBe(10);
    expect(d.attributes.model).toBe("tfim");
    expect(d.attributes.h).toBe(1);
    // QuCumber's tutorial quotes the exact E/N = −1.2381 and ⟨|M|⟩/N = 0.5610 for this system.
    expect(Number(d.attributes.energy_per_site)).toBeCloseTo(-1.2381, 4);
    expect(Number(d.attributes.abs_magnetization)).toBeCloseTo(0.561, 3);
    const h = await readMeasurements("datasets/heisenberg_chain_N8_torlai.h5");
    expect(h.bases).not.toBeNull();
  });
});
