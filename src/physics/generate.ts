/**
 * Synthetic tomography data sets: exact ground state of a spin model plus projective
 * measurement shots drawn from it. Pure computation: writing files is io's job (the HDF5
 * writer), and the CLI calls `generateDataset`.
 */
import { ensure } from "../core/errors.js";
import { ensureGroundStateFits, groundState, type GroundStateOptions } from "./groundstate.js";
import { chain, heisenberg, square, tfim, xxz, type Boundary, type Hamiltonian, type Lattice } from "./hamiltonians.js";
import { Rng } from "../core/rng.js";
import { torlaiBases } from "./bases.js";
import {
  type DensityMatrix,
  MAX_DENSITY_QUBITS,
  depolarise,
  depolariseEachQubit,
  pureDensityMatrix,
  purity,
} from "./density-matrix.js";
import { type BasisSet, type Shots, sampleDensityMeasurements, sampleMeasurements } from "./measurements.js";
import { absMagnetization, magnetization } from "./states.js";

export type ModelName = "tfim" | "xxz" | "heisenberg";
export type LatticeName = "chain" | "square";

export interface ModelOptions {
  model: ModelName;
  /** Number of sites (qubits). */
  N: number;
  /** Coupling J (default 1). */
  J?: number;
  /** TFIM transverse field (default 1, the critical point of the chain). Only for model "tfim". */
  h?: number;
  /** XXZ anisotropy Δ (default 1). Only for "xxz"; "heisenberg" is Δ = 1 (giving another value is an error). */
  delta?: number;
  /** Default "chain". */
  lattice?: LatticeName;
  /** Default "open". */
  boundary?: Boundary;
  /** Square lattice width; default √N (N must then be a perfect square). Ly = N / Lx. */
  Lx?: number;
}

export interface GenerateOptions extends ModelOptions {
  /** Number of measurement shots. */
  shots: number;
  /** Measurement basis set (see sampleMeasurements); default "Z". */
  bases?: BasisSet;
  /** Seeds both the Lanczos start vector and the sampling. Default 0. */
  seed?: number;
  /** Lanczos controls (defaults of groundState). */
  tol?: number;
  maxIter?: number;
  krylovSize?: number;
}

/** Simulated shots of a ground state, with the state and the attributes of a measurement file. */
export interface Dataset extends Shots {
  /** Exact ground state (normalised, largest amplitude positive; TFIM and XXZ ground states are real). */
  psi: Float64Array;
  /** Scalar metadata, meant to become HDF5 attributes. */
  attributes: Record<string, string | number>;
}

const MODELS: readonly ModelName[] = ["tfim", "xxz", "heisenberg"];

function finiteParam(value: unknown, name: string): number {
  ensure(
    typeof value === "number" && Number.isFinite(value),
    () => `generateDataset: ${name} must be a finite number, got ${String(value)}`,
  );
  return value;
}

/** Validates the model options and builds the lattice and Hamiltonian they describe. */
export function buildModel(options: ModelOptions & { krylovSize?: number }): {
  lattice: Lattice;
  hamiltonian: Hamiltonian;
  params: Record<string, string | number>;
} {
  const where = "generateDataset";
  ensure(options !== null && typeof options === "object", `${where}: options must be an object`);
  const { model } = options;
  ensure(
    MODELS.includes(model),
    () => `${where}: unknown model ${JSON.stringify(model)}; use one of ${MODELS.join(", ")}`,
  );
  const N = options.N;
  ensure(
    typeof N === "number" && Number.isInteger(N) && N >= 2,
    () => `${where}: N must be an integer ≥ 2, got ${String(N)}`,
  );
  ensureGroundStateFits(N, options.krylovSize, where);

  const J = finiteParam(options.J ?? 1, "J");
  if (model !== "tfim") {
    ensure(options.h === undefined, () => `${where}: h applies only to model "tfim", not "${model}"`);
  }
  if (model === "tfim") {
    ensure(options.delta === undefined, `${where}: delta applies only to models "xxz" and "heisenberg", not "tfim"`);
  }
  if (model === "heisenberg" && options.delta !== undefined) {
    finiteParam(options.delta, "delta");
    ensure(
      options.delta === 1,
      () => `${where}: model "heisenberg" has delta = 1; got delta = ${options.delta} (use model "xxz")`,
    );
  }

  const latticeName = options.lattice ?? "chain";
  ensure(
    latticeName === "chain" || latticeName === "square",
    () => `${where}: lattice must be "chain" or "square", got ${JSON.stringify(latticeName)}`,
  );
  const boundary = options.boundary ?? "open";
  ensure(
    boundary === "open" || boundary === "periodic",
    () => `${where}: boundary must be "open" or "periodic", got ${JSON.stringify(boundary)}`,
  );
  const params: Record<string, string | number> = { model, N, J };
  let lattice: Lattice;
  if (latticeName === "chain") {
    ensure(options.Lx === undefined, `${where}: Lx applies only to lattice "square"`);
    lattice = chain(N, boundary);
  } else {
    let Lx = options.Lx;
    if (Lx === undefined) {
      Lx = Math.round(Math.sqrt(N));
      ensure(
        Lx * Lx === N,
        () => `${where}: lattice "square" needs N to be a perfect square, or Lx to be given; N = ${N}`,
      );
    }
    ensure(
      Number.isInteger(Lx) && Lx >= 2 && N % Lx === 0 && N / Lx >= 2,
      () => `${where}: Lx = ${String(Lx)} must be an integer ≥ 2 dividing N = ${N} with N / Lx ≥ 2`,
    );
    lattice = square(Lx, N / Lx, boundary);
    params.Lx = Lx;
    params.Ly = N / Lx;
  }

  let hamiltonian: Hamiltonian;
  if (model === "tfim") {
    const h = finiteParam(options.h ?? 1, "h");
    params.h = h;
    hamiltonian = tfim(lattice, { J, h });
  } else if (model === "xxz") {
    const delta = finiteParam(options.delta ?? 1, "delta");
    params.delta = delta;
    hamiltonian = xxz(lattice, { J, delta });
  } else {
    params.delta = 1;
    hamiltonian = heisenberg(lattice, { J });
  }
  params.lattice = latticeName;
  params.boundary = boundary;
  return { lattice, hamiltonian, params };
}

const FORMULAS: Record<ModelName, string> = {
  tfim: "H = -J sum_<ij> Z_i Z_j - h sum_i X_i (Pauli matrices)",
  xxz: "H = J sum_<ij> (X_i X_j + Y_i Y_j + delta Z_i Z_j) (Pauli matrices)",
  heisenberg: "H = J sum_<ij> (X_i X_j + Y_i Y_j + Z_i Z_j) (Pauli matrices; = 4J sum S_i.S_j)",
};

const CONVENTION =
  "basis index = sum_i bit_i 2^(N-1-i) (qubit 0 most significant); bit 0 = Z eigenvalue +1; " +
  "X outcome 0 = |+>, Y outcome 0 = |+i>";

/** Describes the basis set for the attributes. */
function basisSetName(bases: BasisSet): string {
  if (bases === "Z" || bases === "torlai" || bases === "all" || bases === "random") return bases;
  return "custom";
}

/**
 * Exact ground state of the model and `shots` projective measurements of it.
 * Every parameter is validated with a QstError naming it; N is refused (with the memory it
 * would need) when the exact ground state would not fit in memory.
 */
export function generateDataset(options: GenerateOptions): Dataset {
  const where = "generateDataset";
  const { hamiltonian, lattice, params } = buildModel(options);
  const N = lattice.nSites;
  const shots = options.shots;
  ensure(
    typeof shots === "number" && Number.isInteger(shots) && shots >= 1,
    () => `${where}: shots must be a positive integer, got ${String(shots)}`,
  );
  const bases: BasisSet = options.bases ?? "Z";
  ensure(
    bases === "Z" || bases === "torlai" || bases === "all" || bases === "random" || Array.isArray(bases),
    () =>
      `${where}: bases must be "Z", "torlai", "all", "random" or an array of basis strings, got ${JSON.stringify(bases)}`,
  );
  if (bases === "torlai") {
    ensure(
      lattice.Lx === undefined,
      `${where}: the "torlai" basis set is defined for chains (neighbouring pairs i, i+1), not for lattice "square"`,
    );
  }
  const seed = options.seed ?? 0;
  ensure(
    typeof seed === "number" && Number.isInteger(seed) && seed >= 0 && seed <= Number.MAX_SAFE_INTEGER,
    () => `${where}: seed must be a non-negative integer, got ${String(seed)}`,
  );

  const gsOptions: GroundStateOptions = {
    seed,
    tol: options.tol,
    maxIter: options.maxIter,
    krylovSize: options.krylovSize,
  };
  const gs = groundState(hamiltonian, gsOptions);
  // The solver and the sampler each get their own Rng seeded with `seed`, so the shots do not
  // depend on how many random numbers the solver happened to draw.
  const rng = new Rng(seed);
  const data = sampleMeasurements(gs.psi, { shots, bases, rng });

  const attributes: Record<string, string | number> = {
    ...params,
    hamiltonian: FORMULAS[options.model],
    lattice_name: lattice.name,
    n_bonds: lattice.edges.length,
    energy: gs.energy,
    energy_per_site: gs.energy / N,
    abs_magnetization: absMagnetization(gs.psi),
    magnetization: magnetization(gs.psi),
    residual: gs.residual,
    lanczos_iterations: gs.iterations,
    lanczos_tol: options.tol ?? 1e-10,
    seed,
    shots,
    basis_set: basisSetName(bases),
    n_bases:
      bases === "random" ? 3 ** N : bases === "torlai" ? torlaiBases(N).length : bases === "Z" ? 1 : bases.length,
    convention: CONVENTION,
  };
  if (Array.isArray(bases)) attributes.bases_list = bases.join(",");
  return { samples: data.samples, bases: data.bases, psi: gs.psi, attributes, nShots: shots, nQubits: N };
}

/** The states `generateMixedDataset` prepares before the noise: GHZ, W, or a model's ground state. */
export type PreparedState = { kind: "ghz"; N: number } | { kind: "w"; N: number } | ({ kind: "ground" } & ModelOptions);

export interface MixedGenerateOptions {
  state: PreparedState;
  /** Global depolarising strength p: ρ → (1 − p)ρ + p I/2^N. */
  globalNoise?: number;
  /** Local depolarising strength on every qubit (applied after the global noise). */
  localNoise?: number;
  shots: number;
  /** Default "all": every one of the 3^N Pauli bases. */
  bases?: BasisSet;
  seed?: number;
}

/** Simulated shots of a noisy state, with its density matrix and the pure state it came from. */
export interface MixedDataset extends Shots {
  rho: DensityMatrix;
  /** The prepared pure state, before the noise. */
  psi: Float64Array;
  attributes: Record<string, string | number>;
}

/** (|0…0⟩ + |1…1⟩)/√2 and the W state (|10…0⟩ + |010…0⟩ + … + |0…01⟩)/√N. */
export function ghzState(N: number): Float64Array {
  ensure(Number.isInteger(N) && N >= 1, () => `ghzState: N must be a positive integer, got ${String(N)}`);
  const v = new Float64Array(2 ** N);
  v[0] = v[2 ** N - 1] = Math.SQRT1_2;
  return v;
}

export function wState(N: number): Float64Array {
  ensure(Number.isInteger(N) && N >= 1, () => `wState: N must be a positive integer, got ${String(N)}`);
  const v = new Float64Array(2 ** N);
  for (let i = 0; i < N; i++) v[1 << i] = 1 / Math.sqrt(N);
  return v;
}

/** A noisy state (GHZ, W or a ground state under global and/or local depolarising noise) and shots of it. */
export function generateMixedDataset(options: MixedGenerateOptions): MixedDataset {
  const where = "generateMixedDataset";
  const { state } = options;
  const seed = options.seed ?? 0;
  ensure(
    Number.isSafeInteger(seed) && seed >= 0,
    () => `${where}: seed must be a non-negative integer, got ${String(seed)}`,
  );
  const globalNoise = options.globalNoise ?? 0,
    localNoise = options.localNoise ?? 0;
  for (const [name, p] of [
    ["globalNoise", globalNoise],
    ["localNoise", localNoise],
  ] as const) {
    ensure(
      typeof p === "number" && p >= 0 && p <= 1,
      () => `${where}: ${name} must be a depolarising strength in [0, 1], got ${String(p)}`,
    );
  }
  let psi: Float64Array, label: string;
  const attributes: Record<string, string | number> = {};
  if (state.kind === "ghz" || state.kind === "w") {
    ensure(
      state.N <= MAX_DENSITY_QUBITS,
      () => `${where}: N = ${state.N} is above ${MAX_DENSITY_QUBITS}, the largest density matrix qst forms`,
    );
    psi = state.kind === "ghz" ? ghzState(state.N) : wState(state.N);
    label = state.kind;
  } else {
    ensure(
      state.N <= MAX_DENSITY_QUBITS,
      () => `${where}: N = ${state.N} is above ${MAX_DENSITY_QUBITS}, the largest density matrix qst forms`,
    );
    const { hamiltonian, lattice, params } = buildModel(state);
    ensure(
      options.bases !== "torlai" || lattice.Lx === undefined,
      `${where}: the "torlai" basis set is defined for chains (neighbouring pairs i, i+1), not for lattice "square"`,
    );
    psi = groundState(hamiltonian, { seed }).psi;
    Object.assign(attributes, params);
    label = `${state.model} ground state`;
  }
  let rho = pureDensityMatrix(psi);
  if (globalNoise > 0) rho = depolarise(rho, globalNoise);
  if (localNoise > 0) rho = depolariseEachQubit(rho, localNoise);
  const bases = options.bases ?? "all";
  const data = sampleDensityMeasurements(rho, { shots: options.shots, bases, rng: new Rng(seed) });
  Object.assign(attributes, {
    state: label,
    N: data.nQubits,
    global_depolarising: globalNoise,
    local_depolarising: localNoise,
    purity: purity(rho),
    fidelity_with_prepared: pureFidelity(psi, rho),
    basis_set: basisSetName(bases),
    n_bases:
      bases === "random" || bases === "all"
        ? 3 ** data.nQubits
        : bases === "torlai"
          ? torlaiBases(data.nQubits).length
          : bases === "Z"
            ? 1
            : bases.length,
    shots: options.shots,
    seed,
    convention: CONVENTION,
  });
  if (Array.isArray(bases)) attributes.bases_list = bases.join(",");
  return { ...data, rho, psi, attributes };
}

/** ⟨ψ|ρ|ψ⟩ for a real ψ: the Uhlmann fidelity of ρ with the pure state ψ (exact, O(4^N)). */
function pureFidelity(psi: Float64Array, rho: DensityMatrix): number {
  const n = rho.dim;
  let f = 0;
  for (let a = 0; a < n; a++) {
    if (psi[a] === 0) continue;
    let row = 0;
    for (let b = 0; b < n; b++) row += rho.re[a * n + b] * psi[b];
    f += psi[a] * row;
  }
  return f;
}
