/**
 * Observables of a trained wavefunction, estimated from its Born samples with honest error bars,
 * and the same expectations computed exactly by enumeration for small systems.
 *
 * Estimation. Samples σ ~ |ψ(σ)|² come from Gibbs chains of wf.amplitude. For an operator O,
 *     ⟨O⟩ = Σ_σ |ψ(σ)|² O_loc(σ),    O_loc(σ) = Σ_σ′ ⟨σ|O|σ′⟩ ψ(σ′)/ψ(σ),
 * so the sample mean of O_loc estimates ⟨O⟩. For a Pauli string only one σ′ contributes, σ with
 * the X and Y sites flipped, and (Y|0⟩ = i|1⟩, Y|1⟩ = −i|0⟩, Z|b⟩ = (1 − 2b)|b⟩)
 *     ⟨σ|P|σ′⟩ = (−i)^{n_Y} · Π_{k ∈ Y ∪ Z} (1 − 2σ_k).
 * The ratio ψ(σ′)/ψ(σ) = exp(logRatio) comes from the wavefunction's local evaluator in
 * O(nHidden · flips). O_loc is complex in general; for Hermitian O the mean of its imaginary part
 * is zero in expectation, so we report the real part as the estimate and the imaginary part's mean
 * as a check.
 *
 * Every estimator returns one series per chain (chain-major, as sampleChains lays them out) so
 * that statistics.summarize can measure autocorrelation and R̂.
 *
 * Conventions: bit 0 = spin up = Z eigenvalue +1; basis index Σ_i v_i 2^(N−1−i).
 */
import { QstError, ensure } from "../core/errors.js";
import { stateVector } from "../nn/enumeration.js";
import type { Hamiltonian, Lattice, Pauli, PauliTerm } from "../physics/hamiltonians.js";
import { type DensityMatrix, mixtureAverage } from "../physics/density-matrix.js";
import { parts, type StateVector } from "../core/state-vector.js";
import { Rng } from "../core/rng.js";
import * as states from "../physics/states.js";
import { sampleChains, type ChainSamples } from "../sample/gibbs.js";
import type { BurnInReport } from "../sample/burn-in.js";
import { sampleTempered } from "../sample/tempering.js";
import { fmtAbove, MIN_CHAIN_LENGTH_IN_TAU, MIN_SAMPLES_PER_CHAIN, summarize, type Summary } from "./statistics.js";
import { AUTO_BURN_IN_DEFAULTS, autoBurnIn, MODE_RHAT_THRESHOLD } from "./convergence.js";
import type { Complex, LocalEvaluator, RbmWaveFunction, WaveFunction } from "../nn/wavefunction.js";

// ---------------------------------------------------------------------------------------------
// Observables
// ---------------------------------------------------------------------------------------------

/** A Hermitian sum of Pauli strings Σ_t c_t P_t (energy, magnetisations, correlations). */
export interface PauliSumObservable {
  kind: "pauli-sum";
  name: string;
  terms: PauliTerm[];
  /** When set (a Hamiltonian's N), the model must have exactly this many sites. */
  nSites?: number;
}

/** ⟨|Σ_i Z_i|⟩ / N: diagonal but not a Pauli sum. */
export interface AbsMagnetizationObservable {
  kind: "abs-magnetization";
  name: string;
}

/** Rényi-2 entropy S₂(A) = −log Tr ρ_A² of a block of sites. */
export interface Renyi2Observable {
  kind: "renyi2";
  name: string;
  block: number[];
}

export type Observable = PauliSumObservable | AbsMagnetizationObservable | Renyi2Observable;

/** ⟨Σ_i Z_i⟩ / N. */
export function magnetization(nSites: number): PauliSumObservable {
  const terms: PauliTerm[] = [];
  for (let i = 0; i < nSites; i++) terms.push({ coefficient: 1 / nSites, sites: [i], paulis: ["Z"] });
  return { kind: "pauli-sum", name: "magnetization", terms };
}

/** ⟨|Σ_i Z_i|⟩ / N: the order parameter of a finite ferromagnet, whose ⟨Σ Z_i⟩ vanishes by symmetry. */
export function absMagnetization(): AbsMagnetizationObservable {
  return { kind: "abs-magnetization", name: "abs_magnetization" };
}

/** (1/|S|) Σ_{i∈S} ⟨P_i⟩ for one Pauli P over a set of sites (one site: ⟨P_i⟩). */
export function siteAverage(pauli: Pauli, sites: readonly number[], name?: string): PauliSumObservable {
  ensure(sites.length > 0, `${name ?? pauli}: no sites given`);
  const terms = sites.map((s) => ({ coefficient: 1 / sites.length, sites: [s], paulis: [pauli] }));
  return { kind: "pauli-sum", name: name ?? (sites.length === 1 ? `${pauli}_${sites[0]}` : `${pauli}_avg`), terms };
}

/** ⟨X_i⟩. */
export function sigmaX(site: number): PauliSumObservable {
  return siteAverage("X", [site], `X_${site}`);
}

/** ⟨Y_i⟩. */
export function sigmaY(site: number): PauliSumObservable {
  return siteAverage("Y", [site], `Y_${site}`);
}

/** ⟨Z_i⟩. */
export function sigmaZ(site: number): PauliSumObservable {
  return siteAverage("Z", [site], `Z_${site}`);
}

/** ⟨P_i P_j⟩ for P = X, Y or Z. */
export function correlation(pauli: Pauli, i: number, j: number): PauliSumObservable {
  return {
    kind: "pauli-sum",
    name: `${pauli}${pauli}_${i},${j}`,
    terms: [{ coefficient: 1, sites: [i, j], paulis: [pauli, pauli] }],
  };
}

/** (1/|bonds|) Σ_{⟨ij⟩} ⟨P_i P_j⟩ over the bonds of a lattice. */
export function bondAverage(pauli: Pauli, lattice: Lattice, name?: string): PauliSumObservable {
  ensure(lattice.edges.length > 0, `${lattice.name} has no bonds to average ${pauli}${pauli} over`);
  const c = 1 / lattice.edges.length;
  const terms = lattice.edges.map(([i, j]) => ({ coefficient: c, sites: [i, j], paulis: [pauli, pauli] as Pauli[] }));
  return { kind: "pauli-sum", name: name ?? `${pauli}${pauli}_bonds`, terms, nSites: lattice.nSites };
}

/** coefficient · ⟨P_{s0} P_{s1} …⟩ for an arbitrary Pauli string on distinct sites. */
export function pauliString(sites: number[], paulis: Pauli[], coefficient = 1): PauliSumObservable {
  const name = sites.map((s, k) => `${paulis[k]}_${s}`).join(" ");
  return { kind: "pauli-sum", name, terms: [{ coefficient, sites, paulis }] };
}

/** ⟨H⟩ for a Hamiltonian written as Pauli strings. */
export function energy(H: Hamiltonian): PauliSumObservable {
  return { kind: "pauli-sum", name: "energy", terms: H.terms, nSites: H.nSites };
}

/** S₂(A) = −log Tr ρ_A². */
export function renyi2(block: number[]): Renyi2Observable {
  return { kind: "renyi2", name: "renyi2", block };
}

/** Names accepted by `parseObservable` (and the CLI's --observable). */
export const OBSERVABLE_NAMES = [
  "energy",
  "magnetization",
  "abs_magnetization",
  "sx",
  "sy",
  "sz",
  "zz",
  "xx",
  "yy",
  "renyi2",
] as const;

export interface ObservableContext {
  nSites: number;
  /** Needed by "energy". */
  hamiltonian?: Hamiltonian;
  /** Bonds for zz/xx/yy when no sites are given (default: the open chain). */
  lattice?: Lattice;
  /** sx/sy/sz: the sites to average over (default all); zz/xx/yy: exactly two sites. */
  sites?: number[];
  /** renyi2: the block A (default the first half, sites 0 … ⌊N/2⌋ − 1). */
  block?: number[];
}

/**
 * Builds an observable from its CLI name:
 *   energy            ⟨H⟩ (needs a Hamiltonian)
 *   magnetization     ⟨Σ Z_i⟩/N;  abs_magnetization ⟨|Σ Z_i|⟩/N
 *   sx, sy, sz        ⟨P_i⟩ at one site, or averaged over the given sites (default all)
 *   zz, xx, yy        ⟨P_i P_j⟩ at two given sites, or averaged over the lattice's bonds
 *   renyi2            S₂ of a block (default the first half of the sites)
 */
export function parseObservable(name: string, ctx: ObservableContext): Observable {
  const key = name.trim().toLowerCase();
  const N = ctx.nSites;
  const allSites = Array.from({ length: N }, (_, i) => i);
  let obs: Observable;
  switch (key) {
    case "energy":
      ensure(ctx.hamiltonian, "observable 'energy' needs a Hamiltonian (--hamiltonian tfim|xxz)");
      obs = energy(ctx.hamiltonian);
      break;
    case "magnetization":
    case "magnetisation":
      obs = magnetization(N);
      break;
    case "abs_magnetization":
    case "abs_magnetisation":
      obs = absMagnetization();
      break;
    case "sx":
    case "sy":
    case "sz": {
      const p = key[1].toUpperCase() as Pauli;
      const sites = ctx.sites ?? allSites;
      obs = siteAverage(
        p,
        sites,
        ctx.sites ? (sites.length === 1 ? `${key}_${sites[0]}` : `${key}_avg(${sites.join(",")})`) : key,
      );
      break;
    }
    case "zz":
    case "xx":
    case "yy": {
      const p = key[0].toUpperCase() as Pauli;
      if (ctx.sites) {
        ensure(
          ctx.sites.length === 2,
          () => `observable '${key}' needs exactly two sites (--sites i,j), got ${ctx.sites!.length}`,
        );
        obs = correlation(p, ctx.sites[0], ctx.sites[1]);
        obs.name = `${key}_${ctx.sites[0]},${ctx.sites[1]}`;
      } else {
        const lattice = ctx.lattice ?? chainLattice(N);
        ensure(
          lattice.nSites === N,
          () => `the lattice ${lattice.name} has ${lattice.nSites} sites but the model has ${N}`,
        );
        obs = bondAverage(p, lattice, `${key}_bonds`);
      }
      break;
    }
    case "renyi2":
    case "renyi":
    case "s2":
      obs = renyi2(ctx.block ?? allSites.slice(0, Math.max(1, Math.floor(N / 2))));
      break;
    default:
      throw new QstError(`unknown observable '${name}' (known: ${OBSERVABLE_NAMES.join(", ")})`);
  }
  validateObservable(obs, N);
  return obs;
}

/** Open chain 0–1–…–(N−1), built here so the default needs no lattice argument. */
function chainLattice(N: number): Lattice {
  const edges: [number, number][] = [];
  for (let i = 0; i + 1 < N; i++) edges.push([i, i + 1]);
  return { nSites: N, edges, name: `chain(N=${N}, open)`, boundary: "open" };
}

/**
 * Checks an observable against a system of nSites qubits, with messages that name the problem:
 * a Hamiltonian for another N, sites outside 0…N−1, repeated sites, unknown Pauli letters,
 * non-finite coefficients, an empty or out-of-range block.
 */
export function validateObservable(obs: Observable, nSites: number): void {
  const where = `observable '${obs?.name ?? "?"}'`;
  ensure(obs && typeof obs === "object", "an observable must be an object");
  const checkSite = (s: unknown, what: string) =>
    ensure(
      typeof s === "number" && Number.isInteger(s) && s >= 0 && s < nSites,
      () => `${where}: ${what} ${String(s)} is outside the system (sites 0…${nSites - 1})`,
    );
  switch (obs.kind) {
    case "pauli-sum": {
      if (obs.nSites !== undefined) {
        ensure(
          obs.nSites === nSites,
          () => `${where}: the Hamiltonian/lattice is for N = ${obs.nSites} sites but the model has N = ${nSites}`,
        );
      }
      ensure(Array.isArray(obs.terms), `${where}: terms must be an array`);
      obs.terms.forEach((t, k) => {
        ensure(
          Number.isFinite(t.coefficient),
          () => `${where}: term ${k} has a non-finite coefficient ${t.coefficient}`,
        );
        ensure(
          Array.isArray(t.sites) && Array.isArray(t.paulis) && t.sites.length === t.paulis.length,
          () => `${where}: term ${k} must list as many sites as Pauli letters`,
        );
        const seen = new Set<number>();
        t.sites.forEach((s, q) => {
          checkSite(s, "site");
          ensure(!seen.has(s), () => `${where}: term ${k} acts twice on site ${s}`);
          seen.add(s);
          const p = t.paulis[q];
          ensure(
            p === "X" || p === "Y" || p === "Z",
            () => `${where}: term ${k} has Pauli '${String(p)}' (must be X, Y or Z)`,
          );
        });
      });
      break;
    }
    case "abs-magnetization":
      break;
    case "renyi2": {
      ensure(Array.isArray(obs.block) && obs.block.length > 0, `${where}: the block must contain at least one site`);
      const seen = new Set<number>();
      for (const s of obs.block) {
        checkSite(s, "block site");
        ensure(!seen.has(s), () => `${where}: block site ${s} is listed twice`);
        seen.add(s);
      }
      break;
    }
    default:
      throw new QstError(`unknown observable kind '${(obs as { kind: unknown }).kind}'`);
  }
}

// ---------------------------------------------------------------------------------------------
// Sampling
// ---------------------------------------------------------------------------------------------

export interface EstimationOptions {
  /** Independent Gibbs chains (≥ 2 recommended, so that R̂ and between-chain errors exist). */
  chains: number;
  /** Samples kept per chain. */
  samplesPerChain: number;
  /**
   * Sweeps discarded at the start of every chain, or "auto": as many as the chains' free-energy trace
   * shows are needed (`autoBurnIn`, src/estimate/convergence.ts), reported in `Estimate.burnIn`.
   */
  burnIn: number | "auto";
  /** Sweeps between kept samples. */
  thin: number;
  seed: number;
  /**
   * Parallel tempering of the chains (src/sample/tempering.ts), for multimodal |ψ|²: on, off
   * (default), or "auto" (estimateObservables only): plain Gibbs chains first, drawn again with
   * tempering when an estimate shows that they do not mix (`mixesPoorly`).
   */
  tempering?: boolean | "auto";
}

function checkEstimationOptions(o: EstimationOptions): void {
  const int = (x: unknown, min: number, name: string) =>
    ensure(
      typeof x === "number" && Number.isInteger(x) && x >= min,
      () => `${name} must be an integer ≥ ${min}, got ${String(x)}`,
    );
  int(o.chains, 1, "the number of chains");
  int(o.samplesPerChain, MIN_SAMPLES_PER_CHAIN, "samples per chain");
  if (o.burnIn !== "auto") int(o.burnIn, 0, "burn-in");
  int(o.thin, 1, "thin");
  ensure(Number.isFinite(o.seed), () => `seed must be a finite number, got ${o.seed}`);
}

/** Born samples of |ψ|²: Gibbs chains of wf.amplitude, chain-major. */
export function sampleWaveFunction(wf: WaveFunction, options: EstimationOptions, rng?: Rng): ChainSamples {
  checkEstimationOptions(options);
  ensure(options.tempering !== "auto", "tempering 'auto' decides from the estimates: use estimateObservables");
  const { chains, samplesPerChain, thin } = options;
  const burnIn = options.burnIn === "auto" ? autoBurnIn() : options.burnIn;
  return (options.tempering ? sampleTempered : sampleChains)(
    wf.amplitude,
    { chains, samplesPerChain, burnIn, thin },
    rng ?? new Rng(options.seed),
  );
}

// ---------------------------------------------------------------------------------------------
// Local estimators
// ---------------------------------------------------------------------------------------------

/** Per-chain series of a complex local estimator: real parts (the estimate) and imaginary parts (a check). */
export interface ComplexSeries {
  re: Float64Array[];
  im: Float64Array[];
}

function allocSeries(s: ChainSamples): Float64Array[] {
  return Array.from({ length: s.nChains }, () => new Float64Array(s.samplesPerChain));
}

function checkSamples(samples: ChainSamples, nSites: number): void {
  ensure(
    samples.nVisible === nSites,
    () => `the samples have ${samples.nVisible} sites but the wavefunction has ${nSites}`,
  );
}

/**
 * A Pauli sum compiled for local estimation. Terms are grouped by the set of sites they flip
 * (X and Y sites): all terms of a group share the one amplitude ratio ψ(σ′)/ψ(σ), so XX + YY on a
 * bond costs one evaluation, and a group whose summed matrix element vanishes on σ (XX + YY on a
 * parallel pair) costs none. Z-only terms need no ratio at all. Everything is flattened into
 * typed arrays so the per-sample loop allocates nothing.
 */
export class CompiledPauliSum {
  readonly nSites: number;
  // Diagonal (Z-only) terms: coefficient and sign sites, flattened with offsets.
  private readonly diagCoef: Float64Array;
  private readonly diagStart: Int32Array;
  private readonly diagSites: Int32Array;
  // Off-diagonal groups: flip sites (flattened), then each group's terms.
  private readonly groupFlipStart: Int32Array;
  /** Views of each group's flip sites, made once so that evaluate() creates no typed-array views. */
  private readonly groupFlips: Int32Array[];
  private readonly groupTermStart: Int32Array;
  /** Real and imaginary parts of coefficient · (−i)^{n_Y}. */
  private readonly termRe: Float64Array;
  private readonly termIm: Float64Array;
  private readonly termSignStart: Int32Array;
  private readonly termSignSites: Int32Array;
  private readonly spin: Float64Array;
  private readonly ratio: Complex = { re: 0, im: 0 };
  readonly nGroups: number;

  constructor(terms: readonly PauliTerm[], nSites: number) {
    this.nSites = nSites;
    const diag: { c: number; sites: number[] }[] = [];
    const groups = new Map<string, { flips: number[]; terms: { re: number; im: number; signs: number[] }[] }>();
    for (const t of terms) {
      if (t.coefficient === 0) continue;
      const flips: number[] = [];
      const signs: number[] = [];
      let nY = 0;
      t.sites.forEach((s, k) => {
        const p = t.paulis[k];
        if (p === "X") flips.push(s);
        else if (p === "Z") signs.push(s);
        else {
          flips.push(s);
          signs.push(s);
          nY++;
        }
      });
      if (flips.length === 0) {
        diag.push({ c: t.coefficient, sites: signs });
        continue;
      }
      flips.sort((a, b) => a - b);
      const key = flips.join(",");
      let g = groups.get(key);
      if (!g) {
        g = { flips, terms: [] };
        groups.set(key, g);
      }
      // (−i)^{n_Y}: 1, −i, −1, i.
      const phase = [
        [1, 0],
        [0, -1],
        [-1, 0],
        [0, 1],
      ][nY & 3];
      g.terms.push({ re: t.coefficient * phase[0], im: t.coefficient * phase[1], signs });
    }
    this.diagCoef = Float64Array.from(diag, (d) => d.c);
    this.diagStart = new Int32Array(diag.length + 1);
    const ds: number[] = [];
    diag.forEach((d, k) => {
      ds.push(...d.sites);
      this.diagStart[k + 1] = ds.length;
    });
    this.diagSites = Int32Array.from(ds);

    const gl = [...groups.values()];
    this.nGroups = gl.length;
    this.groupFlipStart = new Int32Array(gl.length + 1);
    this.groupTermStart = new Int32Array(gl.length + 1);
    const flat: number[] = [],
      tre: number[] = [],
      tim: number[] = [],
      tss: number[] = [0],
      tsites: number[] = [];
    gl.forEach((g, k) => {
      flat.push(...g.flips);
      this.groupFlipStart[k + 1] = flat.length;
      for (const t of g.terms) {
        tre.push(t.re);
        tim.push(t.im);
        tsites.push(...t.signs);
        tss.push(tsites.length);
      }
      this.groupTermStart[k + 1] = tre.length;
    });
    const flipSites = Int32Array.from(flat);
    this.groupFlips = gl.map((_, k) => flipSites.subarray(this.groupFlipStart[k], this.groupFlipStart[k + 1]));
    this.termRe = Float64Array.from(tre);
    this.termIm = Float64Array.from(tim);
    this.termSignStart = Int32Array.from(tss);
    this.termSignSites = Int32Array.from(tsites);
    this.spin = new Float64Array(nSites);
  }

  /** True when every term is Z-only: no amplitude ratios are needed. */
  get isDiagonal(): boolean {
    return this.nGroups === 0;
  }

  /**
   * O_loc(σ) for σ = v[offset … offset+N). The evaluator must already be set to σ (setState) unless
   * the sum is diagonal; the result is written to `out`.
   */
  evaluate(evaluator: LocalEvaluator | null, v: ArrayLike<number>, offset: number, out: Complex): Complex {
    const N = this.nSites,
      spin = this.spin;
    for (let i = 0; i < N; i++) spin[i] = v[offset + i] ? -1 : 1; // Z eigenvalue 1 − 2v_i
    let re = 0,
      im = 0;
    const dc = this.diagCoef,
      dst = this.diagStart,
      dsi = this.diagSites;
    for (let k = 0; k < dc.length; k++) {
      let s = dc[k];
      for (let q = dst[k]; q < dst[k + 1]; q++) s *= spin[dsi[q]];
      re += s;
    }
    const gfs = this.groupFlipStart,
      gfl = this.groupFlips,
      gts = this.groupTermStart;
    const tre = this.termRe,
      tim = this.termIm,
      tss = this.termSignStart,
      tsi = this.termSignSites;
    for (let g = 0; g < this.nGroups; g++) {
      // Σ_t c_t (−i)^{n_Y} Π_{Y∪Z} (1 − 2σ_k): the matrix element ⟨σ|Σ_t P_t|σ′⟩ of the group.
      let ar = 0,
        ai = 0;
      for (let t = gts[g]; t < gts[g + 1]; t++) {
        let s = 1;
        for (let q = tss[t]; q < tss[t + 1]; q++) s *= spin[tsi[q]];
        ar += s * tre[t];
        ai += s * tim[t];
      }
      if (ar === 0 && ai === 0) continue; // e.g. XX + YY on a parallel pair: no ratio needed
      const r = evaluator!.logRatio(gfl[g], gfs[g + 1] - gfs[g], this.ratio);
      const mag = Math.exp(r.re);
      if (r.im === 0) {
        re += ar * mag;
        im += ai * mag;
      } else {
        const cr = mag * Math.cos(r.im),
          ci = mag * Math.sin(r.im);
        re += ar * cr - ai * ci;
        im += ar * ci + ai * cr;
      }
    }
    out.re = re;
    out.im = im;
    return out;
  }
}

/** Per-chain series of the local estimator of Σ_t c_t P_t. */
export function pauliSumSeries(wf: WaveFunction, terms: readonly PauliTerm[], samples: ChainSamples): ComplexSeries {
  const N = wf.nVisible;
  checkSamples(samples, N);
  validateObservable({ kind: "pauli-sum", name: "Pauli sum", terms: terms as PauliTerm[] }, N);
  const compiled = new CompiledPauliSum(terms, N);
  const evaluator = compiled.isDiagonal ? null : wf.localEvaluator();
  const re = allocSeries(samples),
    im = allocSeries(samples);
  const out: Complex = { re: 0, im: 0 };
  const v = samples.samples,
    T = samples.samplesPerChain;
  for (let c = 0; c < samples.nChains; c++) {
    const rc = re[c],
      ic = im[c];
    for (let t = 0; t < T; t++) {
      const offset = (c * T + t) * N;
      evaluator?.setState(v, offset);
      compiled.evaluate(evaluator, v, offset, out);
      rc[t] = out.re;
      ic[t] = out.im;
    }
  }
  return { re, im };
}

/** ⟨Σ_i Z_i⟩/N per sample: (N − 2·#ones)/N. */
export function magnetizationSeries(samples: ChainSamples): Float64Array[] {
  return diagonalSeries(samples, (m, N) => m / N);
}

/** |Σ_i Z_i|/N per sample. */
export function absMagnetizationSeries(samples: ChainSamples): Float64Array[] {
  return diagonalSeries(samples, (m, N) => Math.abs(m) / N);
}

/** Z_i Z_j per sample. */
export function zzSeries(samples: ChainSamples, i: number, j: number): Float64Array[] {
  const N = samples.nVisible;
  validateObservable(correlation("Z", i, j), N);
  const out = allocSeries(samples),
    v = samples.samples,
    T = samples.samplesPerChain;
  for (let c = 0; c < samples.nChains; c++) {
    for (let t = 0; t < T; t++) {
      const o = (c * T + t) * N;
      out[c][t] = v[o + i] === v[o + j] ? 1 : -1;
    }
  }
  return out;
}

function diagonalSeries(samples: ChainSamples, f: (totalZ: number, N: number) => number): Float64Array[] {
  const N = samples.nVisible;
  const out = allocSeries(samples),
    v = samples.samples,
    T = samples.samplesPerChain;
  for (let c = 0; c < samples.nChains; c++) {
    for (let t = 0; t < T; t++) {
      const o = (c * T + t) * N;
      let ones = 0;
      for (let i = 0; i < N; i++) ones += v[o + i];
      out[c][t] = f(N - 2 * ones, N);
    }
  }
  return out;
}

/** X_i local estimator ψ(σ with i flipped)/ψ(σ). */
export function sigmaXSeries(wf: WaveFunction, samples: ChainSamples, site: number): ComplexSeries {
  return pauliSumSeries(wf, sigmaX(site).terms, samples);
}

/** Y_i local estimator −i(1 − 2σ_i) ψ(σ with i flipped)/ψ(σ) (purely imaginary for a positive ψ). */
export function sigmaYSeries(wf: WaveFunction, samples: ChainSamples, site: number): ComplexSeries {
  return pauliSumSeries(wf, sigmaY(site).terms, samples);
}

/** X_i X_j local estimator ψ(σ with i, j flipped)/ψ(σ). */
export function xxSeries(wf: WaveFunction, samples: ChainSamples, i: number, j: number): ComplexSeries {
  return pauliSumSeries(wf, correlation("X", i, j).terms, samples);
}

/** Local energy E_loc(σ) = Σ_σ′ H_σσ′ ψ(σ′)/ψ(σ). */
export function energySeries(wf: WaveFunction, H: Hamiltonian, samples: ChainSamples): ComplexSeries {
  validateObservable(energy(H), wf.nVisible);
  return pauliSumSeries(wf, H.terms, samples);
}

/**
 * The replica ("swap") estimator of Tr ρ_A² on two independent sample sets of equal shape:
 *     Swap_A(σ¹, σ²) = ψ(σ²_A σ¹_B) ψ(σ¹_A σ²_B) / (ψ(σ¹) ψ(σ²)),
 * whose mean under |ψ(σ¹)|²|ψ(σ²)|² is Σ ψ*(σ¹)ψ*(σ²)ψ(σ²_Aσ¹_B)ψ(σ¹_Aσ²_B) = Tr ρ_A².
 * Sample t of chain c of one set is paired with sample t of chain c of the other, so the series
 * keep the chains' time order (and their autocorrelation) for the statistics.
 * The swapped configurations are σ¹ and σ² with the block sites where they differ flipped, so each
 * factor is one logRatio; since swapping A is the same as swapping its complement B, we flip
 * whichever set of differing sites is smaller.
 */
export function swapSeries(
  wf: WaveFunction,
  samples: ChainSamples,
  replica: ChainSamples,
  block: readonly number[],
): ComplexSeries {
  const N = wf.nVisible;
  checkSamples(samples, N);
  checkSamples(replica, N);
  ensure(
    samples.nChains === replica.nChains && samples.samplesPerChain === replica.samplesPerChain,
    "the two replicas for the swap estimator must have the same number of chains and samples",
  );
  validateObservable(renyi2([...block]), N);
  const inA = new Uint8Array(N);
  for (const s of block) inA[s] = 1;
  const ev = wf.localEvaluator();
  const diffA = new Int32Array(N),
    diffB = new Int32Array(N);
  const out: Complex = { re: 0, im: 0 };
  const re = allocSeries(samples),
    im = allocSeries(samples);
  const v1 = samples.samples,
    v2 = replica.samples,
    T = samples.samplesPerChain;
  for (let c = 0; c < samples.nChains; c++) {
    for (let t = 0; t < T; t++) {
      const o = (c * T + t) * N;
      let nA = 0,
        nB = 0;
      for (let i = 0; i < N; i++) {
        if (v1[o + i] !== v2[o + i]) {
          if (inA[i]) diffA[nA++] = i;
          else diffB[nB++] = i;
        }
      }
      if (nA === 0 || nB === 0) {
        // Swapping identical parts (or the whole differing set) gives back {σ¹, σ²}: the ratio is 1.
        re[c][t] = 1;
        im[c][t] = 0;
        continue;
      }
      const sites = nA <= nB ? diffA : diffB;
      const count = Math.min(nA, nB);
      ev.setState(v1, o);
      ev.logRatio(sites, count, out);
      let lr = out.re,
        li = out.im;
      ev.setState(v2, o);
      ev.logRatio(sites, count, out);
      lr += out.re;
      li += out.im;
      const mag = Math.exp(lr);
      re[c][t] = li === 0 ? mag : mag * Math.cos(li);
      im[c][t] = li === 0 ? 0 : mag * Math.sin(li);
    }
  }
  return { re, im };
}

// ---------------------------------------------------------------------------------------------
// Estimates with error bars
// ---------------------------------------------------------------------------------------------

export interface Estimate extends Summary {
  name: string;
  kind: Observable["kind"];
  /** Mean and error of the imaginary part of the local estimator: should be 0 within errors. */
  imagMean?: number;
  imagStderr?: number;
  /**
   * For a sum of Pauli strings: the mean of |O_loc − ⟨O⟩|² with its error. For a pure state this is
   * exactly the quantum variance ⟨O²⟩ − ⟨O⟩² (Σ_σ |ψ(σ)|² |O_loc(σ)|² = ‖Oψ‖²), so for the energy it
   * is 0 in an eigenstate of H (the zero-variance principle; src/estimate/ensemble.ts uses it). For a
   * density model's estimator it has no such meaning.
   */
  localVariance?: { mean: number; stderr: number };
  /** For renyi2: the summary of the swap estimator, whose mean is Tr ρ_A² = e^{−S₂}. */
  swap?: Summary;
  /** The real per-chain series the summary was computed from. */
  series: Float64Array[];
  /** Whether the samples came from tempered chains (set by estimateObservables). */
  tempered?: boolean;
  /** The burn-in that was run (set by estimateObservables): sweeps, and for "auto" its diagnostics. */
  burnIn?: BurnInReport;
}

/**
 * Mean ± error of one observable from samples (and, for renyi2, an independent replica of the
 * same shape). For renyi2 the estimate is S₂ = −log m̄ with m̄ the mean of the swap estimator and
 * error by the delta method, δS₂ = δm̄/m̄; τ, R̂ and n_eff are those of the swap series.
 */
export function estimateObservable(
  wf: WaveFunction,
  obs: Observable,
  samples: ChainSamples,
  replica?: ChainSamples,
): Estimate {
  validateObservable(obs, wf.nVisible);
  checkSamples(samples, wf.nVisible);
  switch (obs.kind) {
    case "abs-magnetization": {
      const series = absMagnetizationSeries(samples);
      return { name: obs.name, kind: obs.kind, ...summarize(series), series };
    }
    case "pauli-sum": {
      const { re, im } = pauliSumSeries(wf, obs.terms, samples);
      const s = summarize(re);
      const si = summarize(im);
      const warnings = [...s.warnings];
      // For Hermitian O, Σ_σ |ψ|² Im O_loc(σ) = Im⟨O⟩ = 0; a significant imaginary mean means a
      // non-Hermitian operator, or samples that do not follow |ψ|².
      if (si.stderr > 0 && Math.abs(si.mean) > 5 * si.stderr) {
        warnings.push(
          `the imaginary part of the local estimator averages ${si.mean.toPrecision(3)} ± ${si.stderr.toPrecision(2)}, not 0: the samples may not follow |ψ|²`,
        );
      }
      // |O_loc − ⟨O⟩|² averages to ⟨O†O⟩ − ⟨O⟩² for a pure state: Σ_σ |ψ(σ)|² |O_loc(σ)|² = ‖Oψ‖².
      const deviation = re.map((c, k) => c.map((x, t) => (x - s.mean) ** 2 + im[k][t] ** 2));
      const v = summarize(deviation);
      return {
        name: obs.name,
        kind: obs.kind,
        ...s,
        warnings,
        imagMean: si.mean,
        imagStderr: si.stderr,
        localVariance: { mean: v.mean, stderr: v.stderr },
        series: re,
      };
    }
    case "renyi2": {
      ensure(replica, "the Rényi-2 (swap) estimator needs a second, independent set of samples");
      const { re, im } = swapSeries(wf, samples, replica, obs.block);
      const s = summarize(re);
      const si = summarize(im);
      const warnings = [...s.warnings];
      let mean = NaN,
        stderr = NaN;
      if (s.mean > 0) {
        mean = -Math.log(s.mean);
        stderr = s.stderr / s.mean;
        if (stderr > 0.2) {
          warnings.push(
            `the swap estimator is noisy (relative error ${(100 * stderr).toFixed(0)}%): S₂ = −log⟨Swap⟩ is then biased and its delta-method error bar optimistic; use more samples or a smaller block`,
          );
        }
      } else {
        warnings.push(
          `the mean of the swap estimator is ${s.mean.toPrecision(3)} ≤ 0, so S₂ = −log⟨Swap⟩ is undefined: far too few samples for this block`,
        );
      }
      return {
        ...s,
        name: obs.name,
        kind: obs.kind,
        mean,
        stderr,
        warnings,
        imagMean: si.mean,
        imagStderr: si.stderr,
        swap: s,
        series: re,
      };
    }
  }
}

/**
 * Estimates several observables from one set of samples (drawn here from options.seed); a second,
 * independent set is drawn only when a renyi2 is requested.
 */
export function estimateObservables(
  wf: WaveFunction,
  observables: readonly Observable[],
  options: EstimationOptions,
): Estimate[] {
  for (const o of observables) validateObservable(o, wf.nVisible);
  const draw = (tempered: boolean): Estimate[] => {
    const o = { ...options, tempering: tempered };
    const rng = new Rng(options.seed);
    const samples = sampleWaveFunction(wf, o, rng);
    const replica = observables.some((x) => x.kind === "renyi2") ? sampleWaveFunction(wf, o, rng) : undefined;
    const burnIn = samples.burnIn;
    const unburnt = [samples, replica].find((s) => s?.burnIn && !s.burnIn.converged)?.burnIn;
    return observables.map((x) => {
      const e = estimateObservable(wf, x, samples, replica);
      if (unburnt) e.warnings.push(burnInWarning(unburnt));
      return { ...e, tempered, burnIn };
    });
  };
  if (options.tempering !== "auto") return draw(options.tempering === true);
  const plain = draw(false);
  // a sector model's exchange chains have no tempered form (src/sample/tempering.ts): their warnings stand
  if (wf.amplitude.sector !== null) return plain;
  return plain.some((e) => mixesPoorly(e) || e.burnIn?.converged === false) ? draw(true) : plain;
}

/** The warning for an adaptive burn-in that reached its limit with the chains still disagreeing or drifting. */
export function burnInWarning(b: BurnInReport): string {
  const rhat = b.rhat ?? Number.NaN;
  const why =
    rhat > MODE_RHAT_THRESHOLD
      ? `the chains' free energies still disagree (R̂ = ${fmtAbove(rhat, MODE_RHAT_THRESHOLD)})`
      : `${b.sweeps} sweeps are not ${AUTO_BURN_IN_DEFAULTS.tauMultiple} autocorrelation times of the free energy (τ ≈ ${Math.round(b.tauSweeps ?? Number.NaN)} sweeps)`;
  return `the chains did not settle within the adaptive burn-in's limit: ${why}; the samples may still remember the random starts or sit in minor modes (try tempering)`;
}

/**
 * Whether an estimate's chains do not mix: they disagree (R̂ above MODE_RHAT_THRESHOLD, the gross
 * check of modes, e.g. a GHZ model's branches) or decorrelate too slowly (τ above 1/50 of the chain,
 * e.g. the Heisenberg amplitude, whose S^z = 0 configurations block Gibbs connects only through other
 * sectors). Chains shorter than 100 samples are judged on R̂ alone: there τ is too coarse to tell.
 */
export function mixesPoorly(e: Summary): boolean {
  const n = e.nSamples / e.nChains;
  return e.rhat > MODE_RHAT_THRESHOLD || (n >= 2 * MIN_CHAIN_LENGTH_IN_TAU && n / e.tau < MIN_CHAIN_LENGTH_IN_TAU);
}

// ---------------------------------------------------------------------------------------------
// Exact expectations by enumeration
// ---------------------------------------------------------------------------------------------

/** Largest system enumerated for exact expectations (2^20 amplitudes, 16 MB). */
export const MAX_ENUMERATION_SITES = 20;

/** The model's own normalised state as a vector over all 2^N configurations (im null when positive). */
export function enumerateWaveFunction(wf: RbmWaveFunction): StateVector {
  const N = wf.nVisible;
  ensure(
    N <= MAX_ENUMERATION_SITES,
    () =>
      `exact expectations enumerate all 2^N configurations; N = ${N} is above the limit of ${MAX_ENUMERATION_SITES}`,
  );
  const { re, im } = stateVector(wf);
  return wf.phase ? { re, im } : re;
}

/**
 * ⟨ψ|O|ψ⟩/⟨ψ|ψ⟩ (real part) for a state vector of nSites qubits, in the layout of io.ts (`im` null
 * for a real state), e.g. a data file's ground truth or the enumerated model. The exact
 * observables of src/states.ts do the work (matrix-free, an implementation independent of the
 * local estimators above), so the model's and the data's exact values come from the same code.
 */
export function stateExpectation(psi: StateVector, nSites: number, obs: Observable): number {
  validateObservable(obs, nSites);
  const dim = 2 ** nSites;
  const n = parts(psi).re.length;
  ensure(n === dim, () => `the state vector has ${n} amplitudes, expected 2^${nSites} = ${dim}`);
  const sv = psi;
  switch (obs.kind) {
    case "abs-magnetization":
      return states.absMagnetization(sv);
    case "pauli-sum":
      // A Pauli sum is a "Hamiltonian" as far as the matrix-free product is concerned.
      return states.energy({ nSites, terms: obs.terms, name: obs.name, params: {} }, sv);
    case "renyi2":
      return states.renyi2(sv, obs.block);
  }
}

/**
 * tr(ρO) for a density matrix of nSites qubits (ground truth /rho, or a density model's ρ): the
 * eigenstates' stateExpectation weighted by their eigenvalues (physics/density-matrix.ts
 * mixtureAverage), so it shares no code with the local estimators. Rényi entropies of a subsystem
 * are refused: for a mixed state they no longer measure entanglement.
 */
export function densityExpectation(rho: DensityMatrix, nSites: number, obs: Observable): number {
  validateObservable(obs, nSites);
  ensure(obs.kind !== "renyi2", () => RENYI_OF_MIXED_STATE);
  ensure(rho.dim === 2 ** nSites, () => `the density matrix is ${rho.dim} × ${rho.dim}, expected 2^${nSites}`);
  return mixtureAverage(rho, (psi) => stateExpectation(psi, nSites, obs));
}

/** Why renyi2 is refused for density models and mixed ground truths. */
export const RENYI_OF_MIXED_STATE =
  "renyi2 is the entanglement entropy of a pure state; for a mixed state (a density model or /rho) S₂ of a block mixes entanglement with the noise, and qst does not report it";

/** The model's exact ⟨O⟩ in its own normalised ψ_λ (N ≤ 20): sampling error and model bias apart. */
export function exactExpectation(wf: RbmWaveFunction, obs: Observable): number {
  validateObservable(obs, wf.nVisible);
  return stateExpectation(enumerateWaveFunction(wf), wf.nVisible, obs);
}
