/**
 * Regenerates every file in datasets/ bit for bit (npm run datasets).
 * Each is an exact ground state (Lanczos) with simulated projective shots, seeded.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { generateDataset, type GenerateOptions } from "../src/index.js";
import { writeMeasurements } from "../src/io/measurement-file.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const outDir = path.join(root, "datasets");
/** Object-header timestamp written into every file (2026-01-01T00:00:00Z), for bit-identical output. */
const FIXED_TIME = 1767225600;

export const DATASETS: { file: string; options: GenerateOptions; what: string }[] = [
  {
    file: "tfim_chain_N10_h0.5.h5",
    what: "TFIM chain, ordered side",
    options: { model: "tfim", N: 10, h: 0.5, shots: 10_000, seed: 101 },
  },
  {
    file: "tfim_chain_N10_h1.h5",
    what: "TFIM chain at the critical field (QuCumber tutorial 1's system)",
    options: { model: "tfim", N: 10, h: 1, shots: 10_000, seed: 102 },
  },
  {
    file: "tfim_chain_N10_h2.h5",
    what: "TFIM chain, paramagnetic side",
    options: { model: "tfim", N: 10, h: 2, shots: 10_000, seed: 103 },
  },
  {
    file: "tfim_square_3x3_h3.h5",
    what: "TFIM 3 × 3 square lattice, open, near the 2D critical field",
    options: { model: "tfim", N: 9, lattice: "square", h: 3, shots: 10_000, seed: 104 },
  },
  {
    file: "heisenberg_chain_N8_torlai.h5",
    what: "Heisenberg chain (Marshall signs), Z plus XX/XY on each neighbouring pair, 10^4 shots per basis",
    options: { model: "heisenberg", N: 8, shots: 15 * 10_000, bases: "torlai", seed: 105 },
  },
];

/** Writes every dataset into `dir` (datasets/ by default); returns the paths written. */
export async function makeDatasets(dir = outDir, log: (line: string) => void = console.log): Promise<string[]> {
  fs.mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const { file, options, what } of DATASETS) {
    const t0 = performance.now();
    const d = generateDataset(options);
    await writeMeasurements(
      path.join(dir, file),
      {
        nShots: d.nShots,
        nQubits: d.nQubits,
        samples: d.samples,
        bases: d.bases,
        psi: d.psi,
        attributes: { ...d.attributes, description: what },
      },
      { fixedTime: FIXED_TIME },
    );
    written.push(path.join(dir, file));
    const kb = fs.statSync(path.join(dir, file)).size / 1024;
    log(
      `${file.padEnd(32)} N = ${d.nQubits}, ${d.nShots} shots, E0/N = ${Number(d.attributes.energy_per_site).toFixed(8)}, ${kb.toFixed(0)} KB, ${((performance.now() - t0) / 1000).toFixed(2)} s`,
    );
  }
  return written;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) await makeDatasets();
