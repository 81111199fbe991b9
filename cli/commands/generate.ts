/**
 * qst generate STATE: simulated projective measurements of a known state, written in the measurement format
 * with the state as ground truth. The state is the exact ground state (Lanczos) of tfim / xxz / heisenberg
 * (/psi), or a GHZ or W state; with --global-noise / --local-noise (depolarising) it is mixed and the file
 * holds its density matrix /rho instead (docs/exact.md).
 */
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import {
  buildModel,
  generateDataset,
  generateMixedDataset,
  ghzState,
  type ModelName,
  QstError,
  Rng,
  sampleMeasurements,
  wState,
} from "../../src/index.js";
import {
  type DensityMatrix,
  MAX_DENSITY_QUBITS,
  MAX_PSI_QUBITS,
  writeMeasurements,
} from "../../src/io/measurement-file.js";
import { handler, printJson } from "../common.js";
import { checkDrawn } from "../limits.js";
import { checkOutputs } from "../outputs.js";

/** A model's ground state, or a prepared GHZ / W state. */
type StateName = ModelName | "ghz" | "w";

interface GenerateArgs {
  hamiltonian: StateName;
  N: number;
  h?: number;
  J?: number;
  delta?: number;
  lattice: "chain" | "square";
  boundary: "open" | "periodic";
  Lx?: number;
  samples: number;
  bases?: string;
  globalNoise?: number;
  localNoise?: number;
  seed: number;
  out: string;
  json: boolean;
  force: boolean;
  quiet: boolean;
}

type BasisSpec = "Z" | "torlai" | "all" | "random" | string[];

/** "Z", "torlai", "all", "random", or a comma list of basis strings such as "ZZZZ,XXZZ". */
function parseBasisSet(spec: string): BasisSpec {
  if (spec === "Z" || spec === "torlai" || spec === "all" || spec === "random") return spec;
  const list = spec
    .split(",")
    .map((s) => s.trim().toUpperCase())
    .filter(Boolean);
  if (list.length === 0)
    throw new QstError(`--bases: expected Z, torlai, all, random or a comma list of basis strings, got '${spec}'`);
  return list;
}

const CONVENTION =
  "basis index = sum_i bit_i 2^(N-1-i) (qubit 0 most significant); bit 0 = Z eigenvalue +1; " +
  "X outcome 0 = |+>, Y outcome 0 = |+i>";

/** What is written and printed: the shots, the ground truth and the attributes. */
interface Generated {
  nShots: number;
  nQubits: number;
  samples: Uint8Array;
  bases: Uint8Array | null;
  psi: Float64Array | null;
  rho: DensityMatrix | null;
  attributes: Record<string, string | number>;
}

export const generateCommand: CommandModule<object, GenerateArgs> = {
  command: "generate <hamiltonian>",
  describe:
    "Simulated measurement shots of a known state: the exact ground state of tfim / xxz / heisenberg (Lanczos), or a GHZ or W state, optionally under depolarising noise (a mixed state, written with its density matrix)",
  builder: (y: Argv) =>
    y
      .positional("hamiltonian", {
        choices: ["tfim", "xxz", "heisenberg", "ghz", "w"] as const,
        demandOption: true,
        describe:
          "H = −J Σ ZZ − h Σ X (tfim); J Σ (XX + YY + Δ ZZ) (xxz; heisenberg is Δ = 1): the ground state; " +
          "ghz = (|0…0⟩ + |1…1⟩)/√2; w = (|10…0⟩ + … + |0…01⟩)/√N",
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
        describe:
          "measurement bases: Z, torlai (Z plus XX/XY on each neighbouring pair), all (the 3^N Pauli bases), " +
          "random (random local Paulis), or a comma list like ZZZZ,XXZZ " +
          "(default: Z for a ground state, all for ghz, w and noisy states)",
      })
      .option("global-noise", {
        type: "number",
        describe:
          "global depolarising strength p in [0, 1]: ρ → (1 − p) ρ + p I/2^N; the file holds /rho, not /psi (N ≤ 10)",
      })
      .option("local-noise", {
        type: "number",
        describe:
          "depolarising strength p in [0, 1] on every qubit (after the global noise): ρ → (1 − 3p/4) ρ + (p/4) Σ_{P = X,Y,Z} P ρ P; the file holds /rho, not /psi (N ≤ 10)",
      })
      .option("seed", { type: "number", default: 0, describe: "random seed (Lanczos start vector and shots)" })
      .option("out", { type: "string", demandOption: true, describe: "HDF5 file to write" })
      .option("force", { type: "boolean", default: false, describe: "replace an existing --out file" })
      .option("json", {
        type: "boolean",
        default: false,
        describe: "print the file's attributes (with the purity) as one JSON object on the last stdout line",
      })
      .option("quiet", {
        type: "boolean",
        default: false,
        describe: "no progress output",
      })
      .epilog(
        "Without noise a ground state is written as /psi. ghz and w are written with their density matrix /rho " +
          "(and /psi) in the bases all by default; with --bases Z and no noise as a pure state (/psi only). With " +
          "--global-noise or --local-noise the state is mixed: /rho holds its density matrix, /psi is left out " +
          "(the prepared state's fidelity is the attribute fidelity_with_prepared), and N ≤ 10.",
      ) as unknown as Argv<GenerateArgs>,
  handler: handler(async (args: ArgumentsCamelCase<GenerateArgs>) => {
    for (const k of ["N", "h", "J", "delta", "Lx", "samples", "seed"] as const) {
      const v = args[k];
      if (v !== undefined && !Number.isFinite(v)) throw new QstError(`--${k} must be a number`);
    }
    for (const [flag, p] of [
      ["--global-noise", args.globalNoise],
      ["--local-noise", args.localNoise],
    ] as const) {
      if (p !== undefined && !(Number.isFinite(p) && p >= 0 && p <= 1))
        throw new QstError(`${flag} must be a depolarising strength in [0, 1], got ${String(p)}`);
    }
    const state = args.hamiltonian;
    const prepared = state === "ghz" || state === "w";
    const noisy = args.globalNoise !== undefined || args.localNoise !== undefined;
    const bases = parseBasisSet(args.bases ?? (prepared || noisy ? "all" : "Z"));
    // ghz and w always come with /rho, except a noiseless Z-basis file, which is a pure-state file (/psi).
    const mixed = noisy || (prepared && bases !== "Z");
    const N = args.N;
    const model = {
      model: state as ModelName,
      N,
      h: args.h,
      J: args.J,
      delta: args.delta,
      lattice: args.lattice,
      boundary: args.boundary,
      Lx: args.Lx,
    };
    if (prepared) {
      const given: string[] = (["h", "J", "delta", "Lx"] as const).filter((k) => args[k] !== undefined);
      if (args.lattice !== "chain") given.push("lattice");
      if (args.boundary !== "open") given.push("boundary");
      if (given.length > 0)
        throw new QstError(
          `--${given[0]} describes a Hamiltonian; ${state} is a prepared state and takes none (only tfim, xxz and heisenberg do)`,
        );
      if (!(Number.isInteger(N) && N >= 1)) throw new QstError(`--N must be a positive integer, got ${N}`);
    } else {
      buildModel(model); // validates every parameter before any work or output
    }
    if (mixed && N > MAX_DENSITY_QUBITS)
      throw new QstError(
        `--N ${N}: ${noisy ? "a noisy state" : `${state} in the bases ${args.bases ?? "all"}`} is simulated as its ` +
          `2^N × 2^N density matrix, which qst forms only up to N = ${MAX_DENSITY_QUBITS}` +
          (noisy ? "" : "; without noise, --bases Z writes the pure state (/psi) for larger N"),
      );
    if (prepared && !mixed && N > MAX_PSI_QUBITS)
      throw new QstError(`--N ${N}: qst reads exact states only up to N = ${MAX_PSI_QUBITS}`);
    checkDrawn(args.samples, N, "--samples");
    checkOutputs([{ path: args.out, flag: "--out" }], [], {
      refuseExisting: !args.force,
      existingHint: "qst generate replaces a file only with --force",
    });
    if (!args.quiet && ((!prepared && N >= 16) || (mixed && N >= 9)))
      process.stderr.write(
        prepared
          ? `qst: density matrix of ${state}, N = ${N}, in ${bases === "all" ? `3^${N} bases` : "its bases"}…\n`
          : `qst: ground state of ${state}, N = ${N} (${args.lattice}, ${args.boundary}) by Lanczos${mixed ? ", then its density matrix" : ""}…\n`,
      );
    const t0 = performance.now();
    let g: Generated;
    if (mixed) {
      const d = generateMixedDataset({
        state: prepared ? { kind: state, N } : { kind: "ground", ...model },
        globalNoise: args.globalNoise,
        localNoise: args.localNoise,
        shots: args.samples,
        bases,
        seed: args.seed,
      });
      // A noisy state has no pure ground truth: /psi only when the density matrix is the prepared state's.
      const pure = (args.globalNoise ?? 0) === 0 && (args.localNoise ?? 0) === 0;
      g = { ...d, psi: pure ? d.psi : null, rho: d.rho };
    } else if (prepared) {
      const psi = state === "ghz" ? ghzState(N) : wState(N);
      const shots = sampleMeasurements(psi, { shots: args.samples, bases: "Z", rng: new Rng(args.seed) });
      g = {
        ...shots,
        psi,
        rho: null,
        attributes: {
          state,
          N,
          global_depolarising: 0,
          local_depolarising: 0,
          purity: 1,
          fidelity_with_prepared: 1,
          basis_set: "Z",
          n_bases: 1,
          shots: args.samples,
          seed: args.seed,
          convention: CONVENTION,
        },
      };
    } else {
      const d = generateDataset({ ...model, shots: args.samples, bases, seed: args.seed });
      g = { ...d, rho: null };
    }
    await writeMeasurements(args.out, {
      nShots: g.nShots,
      nQubits: g.nQubits,
      samples: g.samples,
      bases: g.bases,
      psi: g.psi,
      rho: g.rho,
      attributes: g.attributes,
    });
    const seconds = (performance.now() - t0) / 1000;
    const a = g.attributes;
    if (args.json) printJson({ out: args.out, seconds, purity: 1, ...a });
    else {
      const holds = [g.psi ? "/psi" : "", g.rho ? "/rho" : ""].filter(Boolean).join(" and ");
      process.stdout.write(
        `${g.nShots} shots of N = ${g.nQubits} written to ${args.out} with ${holds} (${seconds.toFixed(2)} s)\n`,
      );
      if (a.energy !== undefined)
        process.stdout.write(
          `E0 = ${Number(a.energy).toFixed(10)}  (E0/N = ${Number(a.energy_per_site).toFixed(10)}),  ⟨|M|⟩/N = ${Number(a.abs_magnetization).toFixed(6)}\n`,
        );
      if (a.state !== undefined)
        process.stdout.write(
          `${a.state}: global depolarising ${a.global_depolarising}, local ${a.local_depolarising};  ` +
            `purity tr ρ² = ${Number(a.purity).toFixed(6)},  fidelity with the prepared state ${Number(a.fidelity_with_prepared).toFixed(6)}\n`,
        );
    }
  }),
};
