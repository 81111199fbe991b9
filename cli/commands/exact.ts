/**
 * qst exact FILE: exact observables of a measurement file's ground-truth state /psi.
 * The Hamiltonian for the energy comes from the file's attributes (as qst generate writes them)
 * or from --hamiltonian and its parameters.
 */
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import { buildModel, ensure, exact, type ModelName } from "../../src/index.js";
import { readMeasurements } from "../../src/io/measurement-file.js";
import { fmt, handler, parseSites, printJson } from "../common.js";
import { dataOptions, readOptionsFrom } from "./shared-options.js";

interface ExactArgs {
  data: string;
  hamiltonian?: ModelName;
  h?: number;
  J?: number;
  delta?: number;
  lattice?: "chain" | "square";
  boundary?: "open" | "periodic";
  block?: string;
  json: boolean;
}

export const exactCommand: CommandModule<object, ExactArgs> = {
  command: "exact <data>",
  describe: "Exact observables of a file's ground-truth state (/psi): energy, magnetisation, ⟨X⟩, correlations, entanglement",
  builder: (y: Argv) =>
    dataOptions(y)
      .positional("data", { type: "string", demandOption: true, describe: "measurement file with /psi" })
      .option("hamiltonian", { choices: ["tfim", "xxz", "heisenberg"] as const, describe: "Hamiltonian for the energy (default: from the file's attributes)" })
      .option("h", { type: "number", describe: "transverse field (default: the file's attribute)" })
      .option("J", { type: "number", describe: "coupling (default: the file's attribute, else 1)" })
      .option("delta", { type: "number", describe: "XXZ anisotropy (default: the file's attribute, else 1)" })
      .option("lattice", { choices: ["chain", "square"] as const, describe: "lattice (default: the file's attribute, else chain)" })
      .option("boundary", { choices: ["open", "periodic"] as const, describe: "boundary (default: the file's attribute, else open)" })
      .option("block", { type: "string", describe: "block for the entanglement entropies, e.g. 0-4 (default: the first half)" })
      .option("json", { type: "boolean", default: false, describe: "print the values as one JSON object on the last stdout line" }) as unknown as Argv<ExactArgs>,
  handler: handler(async (args: ArgumentsCamelCase<ExactArgs>) => {
    const data = await readMeasurements(args.data, readOptionsFrom(args));
    ensure(data.psi, `${args.data}: has no ground-truth dataset 'psi'`);
    const N = data.nQubits;
    const psi = data.psi;
    const a = data.attributes;
    const model = (args.hamiltonian ?? (typeof a.model === "string" ? a.model : undefined)) as ModelName | undefined;
    const block = parseSites(args.block, "--block") ?? Array.from({ length: Math.floor(N / 2) }, (_, i) => i);
    for (const i of block) ensure(i < N, `--block: site ${i} is outside the system (N = ${N})`);
    const num = (v: unknown) => (typeof v === "number" ? v : undefined);
    const out: Record<string, number | string> = { N };
    if (model === "tfim" || model === "xxz" || model === "heisenberg") {
      const lattice = args.lattice ?? (a.lattice === "square" ? "square" : "chain");
      const { hamiltonian } = buildModel({
        model, N, J: args.J ?? num(a.J),
        h: model === "tfim" ? (args.h ?? num(a.h)) : undefined,
        delta: model === "xxz" ? (args.delta ?? num(a.delta)) : undefined,
        lattice, boundary: args.boundary ?? (a.boundary === "periodic" ? "periodic" : "open"),
        Lx: lattice === "square" ? num(a.Lx) : undefined,
      });
      out.hamiltonian = hamiltonian.name;
      out.energy = exact.energy(hamiltonian, psi);
      out.energy_per_site = (out.energy as number) / N;
    }
    out.magnetization = exact.magnetization(psi);
    out.abs_magnetization = exact.absMagnetization(psi);
    let sx = 0;
    for (let i = 0; i < N; i++) sx += exact.expectationX(psi, i);
    out.sx = sx / N;
    out.zz_nn = avg(N - 1, (i) => exact.correlationZZ(psi, i, i + 1));
    out.xx_nn = avg(N - 1, (i) => exact.correlationXX(psi, i, i + 1));
    out.block = `${block[0]}-${block[block.length - 1]}`;
    out.renyi2 = exact.renyi2(psi, block);
    out.von_neumann = exact.vonNeumann(psi, block);
    if (args.json) printJson(out);
    else {
      const rows: [string, string][] = [
        ...(out.energy !== undefined ? [["energy", fmt(out.energy as number, 10)], ["energy per site", fmt(out.energy_per_site as number, 10)]] as [string, string][] : []),
        ["⟨Σ Z_i⟩/N", fmt(out.magnetization as number, 8)],
        ["⟨|Σ Z_i|⟩/N", fmt(out.abs_magnetization as number, 8)],
        ["⟨X_i⟩ (site average)", fmt(out.sx as number, 8)],
        ["⟨Z_i Z_i+1⟩ (average)", fmt(out.zz_nn as number, 8)],
        ["⟨X_i X_i+1⟩ (average)", fmt(out.xx_nn as number, 8)],
        [`S₂ of sites ${out.block}`, fmt(out.renyi2 as number, 8)],
        [`S_vN of sites ${out.block}`, fmt(out.von_neumann as number, 8)],
      ];
      if (out.hamiltonian) process.stdout.write(`${out.hamiltonian}\n`);
      for (const [k, v] of rows) process.stdout.write(`${k.padEnd(24)} ${v}\n`);
    }
  }),
};

function avg(n: number, f: (i: number) => number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += f(i);
  return s / n;
}
