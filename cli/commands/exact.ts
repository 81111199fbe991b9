/**
 * qst exact FILE: exact observables of a measurement file's ground-truth state, /psi or, for a mixed
 * state, /rho (then tr(ρO), the purity and the entropy of ρ in place of the block entropies).
 * The Hamiltonian for the energy and the lattice of the bond averages come from the options or
 * the file's attributes (as qst generate writes them): cli/system.ts.
 */
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import {
  ensure,
  exact,
  hermitianEigenvalues,
  type Lattice,
  mixtureAverage,
  purity,
  type StateVector,
} from "../../src/index.js";
import { readMeasurements } from "../../src/io/measurement-file.js";
import { fmt, handler, parseSites, printJson } from "../common.js";
import { resolveHamiltonian, resolveLattice } from "../system.js";
import { dataOptions, readOptionsFrom } from "./shared-options.js";

interface ExactArgs {
  data: string;
  hamiltonian?: string;
  h?: number;
  J?: number;
  delta?: number;
  lattice?: "chain" | "square";
  boundary?: "open" | "periodic";
  Lx?: number;
  Ly?: number;
  block?: string;
  json: boolean;
}

export const exactCommand: CommandModule<object, ExactArgs> = {
  command: "exact <data>",
  describe:
    "Exact observables of a file's ground-truth state (/psi, or /rho for a mixed state): energy, magnetisation, ⟨X⟩, correlations, entanglement",
  builder: (y: Argv) =>
    dataOptions(y)
      .positional("data", { type: "string", demandOption: true, describe: "measurement file with /psi or /rho" })
      .option("hamiltonian", {
        choices: ["tfim", "xxz", "heisenberg"] as const,
        describe: "Hamiltonian for the energy (default: the file's 'model' attribute)",
      })
      .option("h", { type: "number", describe: "transverse field (default: the file's attribute)" })
      .option("J", { type: "number", describe: "coupling (default: the file's attribute, else 1)" })
      .option("delta", { type: "number", describe: "XXZ anisotropy (default: the file's attribute)" })
      .option("lattice", {
        choices: ["chain", "square"] as const,
        describe: "lattice of the Hamiltonian and the bond averages (default: the file's attribute)",
      })
      .option("boundary", {
        choices: ["open", "periodic"] as const,
        describe: "boundary (default: the file's attribute, else open)",
      })
      .option("Lx", { type: "number", describe: "square lattice width (default: the file's attribute, else √N)" })
      .option("Ly", { type: "number", describe: "square lattice height (default: the file's attribute, else N/Lx)" })
      .option("block", {
        type: "string",
        describe: "block for the entanglement entropies, e.g. 0-4 (default: the first half)",
      })
      .option("json", {
        type: "boolean",
        default: false,
        describe: "print the values as one JSON object on the last stdout line",
      }) as unknown as Argv<ExactArgs>,
  handler: handler(async (args: ArgumentsCamelCase<ExactArgs>) => {
    // The ground truth and the attributes are all qst exact needs: the shots are left unread.
    const data = await readMeasurements(args.data, { ...readOptionsFrom(args), skipShots: true });
    ensure(data.psi || data.rho, `${args.data}: has no ground truth (dataset 'psi' or 'rho')`);
    const N = data.nQubits;
    // A mixed /rho is the state that was measured: linear observables are tr(ρO), the eigenstates'
    // expectations weighted by the eigenvalues. A pure one beside /psi is the same state, and /psi
    // gives the block entropies too.
    const rho = data.rho && (!data.psi || purity(data.rho) < 1 - PURE) ? data.rho : null;
    const value = (f: (psi: StateVector) => number) => (rho ? mixtureAverage(rho, f) : f(data.psi!));
    const described = { file: args.data, attributes: data.attributes };
    const system = resolveHamiltonian(args.data, N, args, described);
    const lattice: Lattice | undefined = system?.lattice ?? resolveLattice(args.data, N, args, described);
    const block = parseSites(args.block, "--block") ?? Array.from({ length: Math.floor(N / 2) }, (_, i) => i);
    for (const i of block) ensure(i < N, `--block: site ${i} is outside the system (N = ${N})`);
    const out: Record<string, number | string> = { N };
    if (system) {
      out.hamiltonian = system.hamiltonian.name;
      out.energy = value((psi) => exact.energy(system.hamiltonian, psi));
      out.energy_per_site = (out.energy as number) / N;
    }
    out.magnetization = value((psi) => exact.magnetization(psi));
    out.abs_magnetization = value((psi) => exact.absMagnetization(psi));
    out.sx = value((psi) => avg(N, (i) => exact.expectationX(psi, i)));
    // Nearest neighbours are the lattice's bonds; without a lattice, the pairs (i, i+1), said so.
    const bonds = lattice?.edges ?? Array.from({ length: N - 1 }, (_, i) => [i, i + 1] as [number, number]);
    out.bonds = lattice ? `bonds of ${lattice.name}` : `pairs (i, i+1): ${args.data} names no lattice`;
    out.zz_nn = value((psi) => avg(bonds.length, (b) => exact.correlationZZ(psi, bonds[b][0], bonds[b][1])));
    out.xx_nn = value((psi) => avg(bonds.length, (b) => exact.correlationXX(psi, bonds[b][0], bonds[b][1])));
    if (rho) {
      // Block entropies of a mixed state mix entanglement with the noise: the state's own instead.
      out.purity = purity(rho);
      out.entropy = exact.entropyOfSpectrum(hermitianEigenvalues(rho));
    } else {
      out.block = `${block[0]}-${block[block.length - 1]}`;
      out.renyi2 = exact.renyi2(data.psi!, block);
      out.von_neumann = exact.vonNeumann(data.psi!, block);
    }
    if (args.json) printJson(out);
    else {
      const rows: [string, string][] = [
        ...(out.energy !== undefined
          ? ([
              ["energy", fmt(out.energy as number, 10)],
              ["energy per site", fmt(out.energy_per_site as number, 10)],
            ] as [string, string][])
          : []),
        ["⟨Σ Z_i⟩/N", fmt(out.magnetization as number, 8)],
        ["⟨|Σ Z_i|⟩/N", fmt(out.abs_magnetization as number, 8)],
        ["⟨X_i⟩ (site average)", fmt(out.sx as number, 8)],
        ["⟨Z_i Z_j⟩ (bond average)", fmt(out.zz_nn as number, 8)],
        ["⟨X_i X_j⟩ (bond average)", fmt(out.xx_nn as number, 8)],
        ...((rho
          ? [
              ["purity tr ρ²", fmt(out.purity as number, 8)],
              ["entropy −tr ρ log ρ", fmt(out.entropy as number, 8)],
            ]
          : [
              [`S₂ of sites ${out.block}`, fmt(out.renyi2 as number, 8)],
              [`S_vN of sites ${out.block}`, fmt(out.von_neumann as number, 8)],
            ]) as [string, string][]),
      ];
      if (rho) process.stdout.write(`mixed state (/rho)\n`);
      if (out.hamiltonian) process.stdout.write(`${out.hamiltonian}\n`);
      for (const [k, v] of rows) process.stdout.write(`${k.padEnd(26)} ${v}\n`);
      process.stdout.write(`(bond averages over the ${out.bonds})\n`);
    }
  }),
};

/** tr ρ² above 1 − PURE counts as a pure state. */
const PURE = 1e-9;

function avg(n: number, f: (i: number) => number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += f(i);
  return s / n;
}
