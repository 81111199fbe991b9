/**
 * qst generate HAMILTONIAN: exact ground state (Lanczos) of a spin model and simulated projective
 * measurements of it, written in the measurement format with the exact state as /psi.
 */
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import { buildModel, generateDataset, type ModelName, QstError } from "../../src/index.js";
import { writeMeasurements } from "../../src/io/measurement-file.js";
import { handler, printJson } from "../common.js";
import { checkDrawn } from "../limits.js";
import { checkOutputs } from "../outputs.js";

interface GenerateArgs {
  hamiltonian: ModelName;
  N: number;
  h?: number;
  J?: number;
  delta?: number;
  lattice: "chain" | "square";
  boundary: "open" | "periodic";
  Lx?: number;
  samples: number;
  bases: string;
  seed: number;
  out: string;
  json: boolean;
  force: boolean;
  quiet: boolean;
}

/** "Z", "torlai", "random", or a comma list of basis strings such as "ZZZZ,XXZZ". */
function parseBasisSet(spec: string): "Z" | "torlai" | "random" | string[] {
  if (spec === "Z" || spec === "torlai" || spec === "random") return spec;
  const list = spec
    .split(",")
    .map((s) => s.trim().toUpperCase())
    .filter(Boolean);
  if (list.length === 0)
    throw new QstError(`--bases: expected Z, torlai, random or a comma list of basis strings, got '${spec}'`);
  return list;
}

export const generateCommand: CommandModule<object, GenerateArgs> = {
  command: "generate <hamiltonian>",
  describe: "Exact ground state of tfim / xxz / heisenberg by Lanczos, and simulated measurement shots of it",
  builder: (y: Argv) =>
    y
      .positional("hamiltonian", {
        choices: ["tfim", "xxz", "heisenberg"] as const,
        demandOption: true,
        describe: "H = −J Σ ZZ − h Σ X (tfim); J Σ (XX + YY + Δ ZZ) (xxz; heisenberg is Δ = 1)",
      })
      .option("N", { type: "number", demandOption: true, describe: "number of qubits (sites)" })
      .option("h", { type: "number", describe: "transverse field (tfim; default 1)" })
      .option("J", { type: "number", describe: "coupling (default 1)" })
      .option("delta", { type: "number", describe: "anisotropy Δ (xxz; default 1)" })
      .option("lattice", { choices: ["chain", "square"] as const, default: "chain" as const, describe: "lattice" })
      .option("boundary", {
        choices: ["open", "periodic"] as const,
        default: "open" as const,
        describe: "boundary conditions",
      })
      .option("Lx", { type: "number", describe: "square lattice width (default √N)" })
      .option("samples", { type: "number", demandOption: true, describe: "number of shots M" })
      .option("bases", {
        type: "string",
        default: "Z",
        describe:
          "measurement bases: Z, torlai (Z plus XX/XY on each neighbouring pair), random (random local Paulis), or a comma list like ZZZZ,XXZZ",
      })
      .option("seed", { type: "number", default: 0, describe: "random seed (Lanczos start vector and shots)" })
      .option("out", { type: "string", demandOption: true, describe: "HDF5 file to write" })
      .option("force", { type: "boolean", default: false, describe: "replace an existing --out file" })
      .option("json", {
        type: "boolean",
        default: false,
        describe: "print the file's attributes as one JSON object on the last stdout line",
      })
      .option("quiet", {
        type: "boolean",
        default: false,
        describe: "no progress output",
      }) as unknown as Argv<GenerateArgs>,
  handler: handler(async (args: ArgumentsCamelCase<GenerateArgs>) => {
    for (const k of ["N", "h", "J", "delta", "Lx", "samples", "seed"] as const) {
      const v = args[k];
      if (v !== undefined && !Number.isFinite(v)) throw new QstError(`--${k} must be a number`);
    }
    const options = {
      model: args.hamiltonian,
      N: args.N,
      h: args.h,
      J: args.J,
      delta: args.delta,
      lattice: args.lattice,
      boundary: args.boundary,
      Lx: args.Lx,
    };
    buildModel(options); // validates every parameter before any work or output
    checkDrawn(args.samples, args.N, "--samples");
    checkOutputs([{ path: args.out, flag: "--out" }], [], {
      refuseExisting: !args.force,
      existingHint: "qst generate replaces a file only with --force",
    });
    if (!args.quiet && args.N >= 16)
      process.stderr.write(
        `qst: ground state of ${args.hamiltonian}, N = ${args.N} (${args.lattice}, ${args.boundary}) by Lanczos…\n`,
      );
    const t0 = performance.now();
    const d = generateDataset({ ...options, shots: args.samples, bases: parseBasisSet(args.bases), seed: args.seed });
    await writeMeasurements(args.out, {
      nShots: d.nShots,
      nQubits: d.nQubits,
      samples: d.samples,
      bases: d.bases,
      psi: d.psi,
      attributes: d.attributes,
    });
    const seconds = (performance.now() - t0) / 1000;
    if (args.json) printJson({ out: args.out, seconds, ...d.attributes });
    else {
      process.stdout.write(`${d.nShots} shots of N = ${d.nQubits} written to ${args.out} (${seconds.toFixed(2)} s)\n`);
      process.stdout.write(
        `E0 = ${Number(d.attributes.energy).toFixed(10)}  (E0/N = ${Number(d.attributes.energy_per_site).toFixed(10)}),  ⟨|M|⟩/N = ${Number(d.attributes.abs_magnetization).toFixed(6)}\n`,
      );
    }
  }),
};
