/**
 * The spin system a command reports on (qst exact, qst observe): Hamiltonian, parameters and
 * lattice from the command-line options, else from a measurement file's root attributes (as qst
 * generate writes them). What neither gives is an error naming what is missing, never a default,
 * except J = 1 and open boundaries, which every label prints.
 */
import fs from "node:fs";
import {
  type Boundary,
  chain,
  type Hamiltonian,
  heisenberg,
  type Lattice,
  type ModelName,
  QstError,
  square,
  tfim,
  xxz,
} from "../src/index.js";
import { readFileAttributes } from "../src/io/measurement-file.js";
import { type ModelFile, sha256OfFile } from "../src/io/model-file.js";

export interface SystemOptions {
  hamiltonian?: string;
  J?: number;
  h?: number;
  delta?: number;
  lattice?: string;
  boundary?: string;
  Lx?: number;
  Ly?: number;
}

/** Root attributes of a measurement file and the file they came from, or why there are none (for messages). */
export interface Description {
  file: string;
  attributes: Record<string, unknown>;
  absent?: string;
}

/**
 * What describes a model's system: the --exact file's attributes, else those of the data file the
 * model was trained on (its provenance), when that file is still there and unchanged.
 */
export async function describeModelSystem(model: ModelFile, exact?: Description): Promise<Description> {
  if (exact) return exact;
  const data = model.provenance?.data;
  const none = (absent: string): Description => ({ file: data ?? "", attributes: {}, absent });
  if (!data) return none("the model names no data file, and no --exact file was given");
  if (!fs.existsSync(data)) return none(`the model's data file ${data} is gone, and no --exact file was given`);
  if (model.provenance.dataSha256 && sha256OfFile(data) !== model.provenance.dataSha256) {
    return none(`the model's data file ${data} has changed since training, and no --exact file was given`);
  }
  return { file: data, attributes: await readFileAttributes(data) };
}

/** Spellings of the `model` attribute qst accepts (QuCumber writes "tfim1d"), with the lattice they imply. */
const SPELLINGS: Record<string, { model: ModelName; lattice?: "chain" | "square" }> = {
  tfim: { model: "tfim" },
  tfim1d: { model: "tfim", lattice: "chain" },
  tfim2d: { model: "tfim", lattice: "square" },
  xxz: { model: "xxz" },
  xxz1d: { model: "xxz", lattice: "chain" },
  xxz2d: { model: "xxz", lattice: "square" },
  heisenberg: { model: "heisenberg" },
  heisenberg1d: { model: "heisenberg", lattice: "chain" },
  heisenberg2d: { model: "heisenberg", lattice: "square" },
  xxx: { model: "heisenberg" },
};
export const MODEL_SPELLINGS = Object.keys(SPELLINGS);

/** A model name as written in an option or an attribute ("TFIM_1d" is tfim1d); unknown ones are refused. */
function spelling(name: string, where: string): { model: ModelName; lattice?: "chain" | "square" } {
  const s = SPELLINGS[name.toLowerCase().replace(/[-_ ]/g, "")];
  if (!s) throw new QstError(`${where}: unknown model '${name}' (known: ${MODEL_SPELLINGS.join(", ")})`);
  return s;
}

function attribute(d: Description | undefined, key: string): unknown {
  return d?.attributes[key];
}

function numberAttribute(d: Description | undefined, key: string): number | undefined {
  const v = attribute(d, key);
  if (v === undefined) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v))
    throw new QstError(`${d!.file}: attribute '${key}' must be a number, got ${JSON.stringify(v)}`);
  return v;
}

function choice<T extends string>(d: Description | undefined, key: string, allowed: readonly T[]): T | undefined {
  const v = attribute(d, key);
  if (v === undefined) return undefined;
  if (!allowed.includes(v as T))
    throw new QstError(`${d!.file}: attribute '${key}' is ${JSON.stringify(v)}, not one of ${allowed.join(", ")}`);
  return v as T;
}

/** Where a missing value could come from, for messages. */
function hint(d: Description | undefined, key: string, flag: string): string {
  if (!d) return `give ${flag}`;
  return `give ${flag} (${d.absent ?? `${d.file} has no '${key}' attribute`})`;
}

/** The lattice of N sites from the options, else the attributes (or a spelling like tfim1d); undefined if none says. */
export function resolveLattice(
  where: string,
  N: number,
  o: SystemOptions,
  d?: Description,
  implied?: "chain" | "square",
): Lattice | undefined {
  const name =
    (o.lattice as "chain" | "square" | undefined) ?? choice(d, "lattice", ["chain", "square"] as const) ?? implied;
  if (name === undefined) return undefined;
  const boundary: Boundary =
    (o.boundary as Boundary | undefined) ?? choice(d, "boundary", ["open", "periodic"] as const) ?? "open";
  if (name === "chain") return chain(N, boundary);
  let Lx = o.Lx ?? numberAttribute(d, "Lx");
  let Ly = o.Ly ?? numberAttribute(d, "Ly");
  if (Lx === undefined && Ly === undefined) {
    const L = Math.round(Math.sqrt(N));
    if (L * L !== N)
      throw new QstError(`${where}: a square lattice of N = ${N} sites needs its width: ${hint(d, "Lx", "--Lx")}`);
    Lx = Ly = L;
  }
  Lx ??= N / Ly!;
  Ly ??= N / Lx;
  if (!Number.isInteger(Lx) || !Number.isInteger(Ly) || Lx * Ly !== N)
    throw new QstError(`${where}: a square lattice Lx ${Lx} × Ly ${Ly} does not have N = ${N} sites`);
  return square(Lx, Ly, boundary);
}

/**
 * The Hamiltonian named by --hamiltonian, else by the `model` attribute; undefined when neither
 * names one; `where` (the file the command is about) prefixes the messages. Its lattice and
 * parameters must be given or described: nothing else is assumed.
 */
export function resolveHamiltonian(
  where: string,
  N: number,
  o: SystemOptions,
  d?: Description,
): { hamiltonian: Hamiltonian; lattice: Lattice } | undefined {
  const named = o.hamiltonian ?? attribute(d, "model");
  if (named === undefined) return undefined;
  const { model, lattice: implied } = spelling(
    String(named),
    o.hamiltonian !== undefined ? "--hamiltonian" : `${d!.file}: attribute 'model'`,
  );
  const lattice = resolveLattice(where, N, o, d, implied);
  if (!lattice)
    throw new QstError(
      `${where}: the ${model} Hamiltonian needs a lattice: ${hint(d, "lattice", "--lattice chain|square")}`,
    );
  const J = o.J ?? numberAttribute(d, "J") ?? 1;
  const need = (key: "h" | "delta", what: string): number => {
    const v = o[key] ?? numberAttribute(d, key);
    if (v === undefined)
      throw new QstError(`${where}: the ${model} Hamiltonian needs ${what}: ${hint(d, key, `--${key}`)}`);
    return v;
  };
  const hamiltonian =
    model === "tfim"
      ? tfim(lattice, { J, h: need("h", "the transverse field h") })
      : model === "xxz"
        ? xxz(lattice, { J, delta: need("delta", "the anisotropy delta") })
        : heisenberg(lattice, { J });
  return { hamiltonian, lattice };
}
