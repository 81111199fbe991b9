/**
 * Measured data: shots (outcome bits, each qubit measured in its own Pauli basis), the form every
 * layer shares, and projective measurements of a state vector, simulated as an experiment would
 * record them.
 *
 * Measurement outcomes: in the X basis outcome 0 ↔ |+⟩ and 1 ↔ |−⟩; in the Y basis outcome
 * 0 ↔ |+i⟩ and 1 ↔ |−i⟩; in the Z basis the bit itself (physics/bases.ts).
 */
import { ensure } from "../core/errors.js";
import { Rng } from "../core/rng.js";
import { isComplexVector, type StateVector } from "../core/state-vector.js";
import { BASIS_X, BASIS_Y, BASIS_Z, allPauliBases, checkBasis, rotateToBasis, torlaiBases } from "./bases.js";
import type { DensityMatrix } from "./density-matrix.js";
import { checkedNorm2, normSquared, numQubits, probabilities } from "./states.js";

const SQRT1_2 = Math.SQRT1_2;

/** M shots of N qubits. */
export interface Shots {
  nShots: number;
  nQubits: number;
  /** Outcome bits, M × N row-major: shot m, qubit i at m·N + i; values 0 or 1. */
  samples: Uint8Array;
  /** ASCII codes of 'X', 'Y', 'Z' per shot and qubit (same layout); null when every basis is Z. */
  bases: Uint8Array | null;
}

/** A measurement file's content: the shots, the ground truth if any, and the system's description. */
export interface MeasurementData extends Shots {
  /** Where the data came from, for messages. */
  source: string;
  /** Exact amplitudes in the Z basis, normalised, or null when the file has none. */
  psi: StateVector | null;
  /**
   * The exact density matrix (Hermitian, trace 1, positive semidefinite), or null/absent when the file has
   * none (or it was skipped: above MAX_DENSITY_QUBITS, or not asked for). A file may hold psi and rho.
   */
  rho?: DensityMatrix | null;
  attributes: Record<string, string | number | boolean>;
  /** Doubts about the data that are not errors (e.g. fewer shots than qubits), for the user to see. */
  warnings?: string[];
}

/**
 * Shots read block by block, for files too large to hold in memory: a reader asks for rows
 * [start, start + count) and the source reads just those.
 */
export interface ShotSource {
  readonly source: string;
  readonly nShots: number;
  readonly nQubits: number;
  /** True when some shots were measured in X or Y: then readBases is there (false when all are Z). */
  readonly hasBases: boolean;
  /** Copies rows [start, start + count) into out[0 .. count·nQubits). */
  read(start: number, count: number, out: Uint8Array): void;
  /** Copies the bases (ASCII X/Y/Z codes) of rows [start, start + count) into out, like read(). */
  readBases?(start: number, count: number, out: Uint8Array): void;
  close(): void;
}

/** Shots already in memory, as a ShotSource. */
export function memoryShotSource(
  source: string,
  samples: Uint8Array,
  nQubits: number,
  bases: Uint8Array | null = null,
): ShotSource {
  const rows = (data: Uint8Array) => (start: number, count: number, out: Uint8Array) =>
    out.set(data.subarray(start * nQubits, (start + count) * nQubits));
  return {
    source,
    nQubits,
    nShots: samples.length / nQubits,
    hasBases: bases !== null,
    read: rows(samples),
    ...(bases ? { readBases: rows(bases) } : {}),
    close: () => {},
  };
}

export type BasisSet = "Z" | "torlai" | "all" | "random" | string[];

export interface MeasurementOptions {
  /** Number of shots M. */
  shots: number;
  /**
   * "Z": all shots in the Z basis. "torlai": the 2N − 1 bases of `torlaiBases(N)`. A string[]:
   * those bases. For these fixed sets the shots are split equally: basis k gets
   * ⌊M/B⌋ shots, plus one for the first M mod B bases, and the rows are then shuffled so that
   * any prefix of the data is a fair subsample. "random": every qubit of every shot in an
   * independent uniformly random basis X, Y or Z.
   */
  bases: BasisSet;
  rng: Rng;
}

/** Index of the first entry of the increasing array cdf that exceeds u. */
function searchCdf(cdf: Float64Array, u: number): number {
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cdf[mid] > u) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Draws projective measurement shots of ψ (need not be normalised).
 * Fixed basis sets use the cumulative distribution of |⟨o_B|ψ⟩|² and a binary search per shot,
 * one distribution per distinct basis. "random" bases are sampled qubit by qubit instead (see
 * sampleInBases), since every shot has its own basis. Same rng state ⇒ identical output.
 */
export function sampleMeasurements(psi: StateVector, options: MeasurementOptions): Shots {
  const N = numQubits(psi, "sampleMeasurements");
  checkedNorm2(psi, "sampleMeasurements");
  const { shots, bases, rng } = options;
  ensure(
    Number.isInteger(shots) && shots >= 1,
    () => `sampleMeasurements: shots must be a positive integer, got ${String(shots)}`,
  );
  ensure(rng instanceof Rng, "sampleMeasurements: rng must be an Rng (from src/rng.ts)");
  ensure(
    shots * N <= 2 ** 32 - 1,
    () => `sampleMeasurements: shots × N = ${shots * N} exceeds the largest array qst allocates (2^32 − 1 bytes)`,
  );

  if (bases === "random") {
    const codes = new Uint8Array(shots * N);
    const letters = [BASIS_X, BASIS_Y, BASIS_Z];
    for (let i = 0; i < codes.length; i++) codes[i] = letters[rng.int(3)];
    const samples = sampleInBases(psi, codes, rng);
    return { samples, bases: codes, nShots: shots, nQubits: N };
  }

  const list = basisList(N, bases, shots, "sampleMeasurements");
  return sampleFixedBases(N, shots, list, rng, (basis, out) =>
    probabilities(/[XY]/.test(basis) ? rotateToBasis(psi, basis) : psi, out),
  );
}

/** The bases of a fixed basis set, checked, with at least one shot for each. */
function basisList(N: number, bases: BasisSet, shots: number, where: string): string[] {
  let list: string[];
  if (bases === "Z") list = ["Z".repeat(N)];
  else if (bases === "torlai") list = torlaiBases(N);
  else if (bases === "all") list = allPauliBases(N);
  else {
    ensure(
      Array.isArray(bases) && bases.length >= 1,
      () =>
        `${where}: bases must be "Z", "torlai", "all", "random" or a non-empty array of basis strings, got ${JSON.stringify(bases)}`,
    );
    list = bases.map((b, k) => checkBasis(b, N, `${where}: bases[${k}]`));
  }
  const B = list.length;
  ensure(
    shots >= B,
    () => `${where}: shots = ${shots} is fewer than the ${B} bases of the basis set, so some bases would get no shots`,
  );
  return list;
}

/**
 * Projective measurements of a density matrix (a mixed state, N ≤ 10), as sampleMeasurements does for a
 * pure one: fixed basis sets split equally and shuffled, or "random" bases drawn per shot and qubit.
 */
export function sampleDensityMeasurements(rho: DensityMatrix, options: MeasurementOptions): Shots {
  const { shots, bases, rng } = options;
  const N = Math.round(Math.log2(rho.dim));
  ensure(
    2 ** N === rho.dim && N >= 1,
    () => `sampleDensityMeasurements: the density matrix is ${rho.dim} × ${rho.dim}, not 2^N`,
  );
  ensure(
    Number.isInteger(shots) && shots >= 1,
    () => `sampleDensityMeasurements: shots must be a positive integer, got ${String(shots)}`,
  );
  const probabilitiesIn = densityProbabilities(rho);
  if (bases !== "random") {
    const list = basisList(N, bases, shots, "sampleDensityMeasurements");
    return sampleFixedBases(N, shots, list, rng, probabilitiesIn);
  }
  const codes = new Uint8Array(shots * N),
    samples = new Uint8Array(shots * N);
  const letters = [BASIS_X, BASIS_Y, BASIS_Z];
  for (let i = 0; i < codes.length; i++) codes[i] = letters[rng.int(3)];
  const cdfs = new Map<string, Float64Array>();
  for (let m = 0; m < shots; m++) {
    const basis = String.fromCharCode(...codes.subarray(m * N, (m + 1) * N));
    let cdf = cdfs.get(basis);
    if (!cdf) {
      cdf = new Float64Array(rho.dim);
      probabilitiesIn(basis, cdf);
      for (let b = 1; b < cdf.length; b++) cdf[b] += cdf[b - 1];
      cdfs.set(basis, cdf);
    }
    const o = searchCdf(cdf, rng.uniform53() * cdf[cdf.length - 1]);
    for (let i = 0; i < N; i++) samples[m * N + i] = (o >>> (N - 1 - i)) & 1;
  }
  return { samples, bases: codes, nShots: shots, nQubits: N };
}

/**
 * The outcome probabilities ⟨o_b|ρ|o_b⟩ of ρ in basis after basis (the values of basisProbabilities), sharing
 * the work of the bases' common prefixes. Qubit by qubit, ρ is rotated on qubit k and cut down to its blocks
 * diagonal in k (the later rotations act on other qubits and only the final diagonal is wanted): level k holds,
 * for each outcome string of qubits 0…k−1, a 2^(N−k) × 2^(N−k) block. The levels of the previous basis are
 * kept and reused up to the first letter where the bases differ, so the 3^N bases of "all", in their order,
 * cost about 9 · 6^N operations instead of 2N · 12^N for rotating ρ whole in each basis.
 */
export function densityProbabilities(rho: DensityMatrix): (basis: string, out: Float64Array) => void {
  const dim = rho.dim;
  const N = Math.round(Math.log2(dim));
  // levels[k]: 2^k blocks of m × m, m = 2^(N−k), block after block, row-major; levels[0] is ρ.
  const levels: { re: Float64Array; im: Float64Array }[] = [{ re: rho.re, im: rho.im }];
  for (let k = 1; k <= N; k++) {
    const size = 2 ** k * 4 ** (N - k);
    levels.push({ re: new Float64Array(size), im: new Float64Array(size) });
  }
  let previous = "";
  return (basis: string, out: Float64Array) => {
    let k = 0;
    while (k < N && k < previous.length && basis[k] === previous[k]) k++;
    for (; k < N; k++) {
      const src = levels[k],
        dst = levels[k + 1];
      const m = 2 ** (N - k),
        h = m / 2;
      const letter = basis.charCodeAt(k);
      for (let blk = 0; blk < 2 ** k; blk++) {
        const base = blk * m * m;
        for (let o = 0; o < 2; o++) {
          const target = (2 * blk + o) * h * h;
          const sign = o === 0 ? 1 : -1;
          for (let r = 0; r < h; r++) {
            for (let c = 0; c < h; c++) {
              // The four h × h blocks of this block: s, t = value of qubit k in row, column.
              const i00 = base + r * m + c,
                i01 = i00 + h,
                i10 = i00 + h * m,
                i11 = i10 + h;
              const t = target + r * h + c;
              if (letter === BASIS_Z) {
                const i = o === 0 ? i00 : i11;
                dst.re[t] = src.re[i];
                dst.im[t] = src.im[i];
              } else if (letter === BASIS_X) {
                // ½ (B00 + B11 ± (B01 + B10)), outcome 0 ↔ |+⟩
                dst.re[t] = 0.5 * (src.re[i00] + src.re[i11] + sign * (src.re[i01] + src.re[i10]));
                dst.im[t] = 0.5 * (src.im[i00] + src.im[i11] + sign * (src.im[i01] + src.im[i10]));
              } else {
                // ½ (B00 + B11 ± i (B01 − B10)), outcome 0 ↔ |+i⟩ = (|0⟩ + i|1⟩)/√2
                dst.re[t] = 0.5 * (src.re[i00] + src.re[i11] - sign * (src.im[i01] - src.im[i10]));
                dst.im[t] = 0.5 * (src.im[i00] + src.im[i11] + sign * (src.re[i01] - src.re[i10]));
              }
            }
          }
        }
      }
    }
    previous = basis;
    const last = levels[N].re;
    for (let o = 0; o < dim; o++) out[o] = Math.max(0, last[o]);
  };
}

/**
 * Shots of a fixed basis set, split equally (basis k gets ⌊M/B⌋, plus one for the first M mod B), then
 * shuffled: `fill(basis, out)` writes the outcome probabilities of a basis (any normalisation).
 */
function sampleFixedBases(
  N: number,
  shots: number,
  list: string[],
  rng: Rng,
  fill: (basis: string, out: Float64Array) => void,
): Shots {
  const B = list.length;
  const samples = new Uint8Array(shots * N);
  const allZ = list.every((b) => !/[XY]/.test(b));
  const codes = allZ ? null : new Uint8Array(shots * N);
  const dim = 2 ** N;
  const cdf = new Float64Array(dim);
  const perBasis = Math.floor(shots / B);
  const extra = shots % B;
  let row = 0;
  for (let k = 0; k < B; k++) {
    const count = perBasis + (k < extra ? 1 : 0);
    const basis = list[k];
    // Cumulative distribution of the outcome strings in this basis.
    fill(basis, cdf);
    for (let b = 1; b < dim; b++) cdf[b] += cdf[b - 1];
    const total = cdf[dim - 1];
    for (let s = 0; s < count; s++, row++) {
      const o = searchCdf(cdf, rng.uniform53() * total);
      const off = row * N;
      for (let i = 0; i < N; i++) samples[off + i] = (o >>> (N - 1 - i)) & 1;
      if (codes) for (let i = 0; i < N; i++) codes[off + i] = basis.charCodeAt(i);
    }
  }
  if (B > 1) shuffleRows(samples, codes, shots, N, rng);
  return { samples, bases: codes, nShots: shots, nQubits: N };
}

/** Fisher–Yates shuffle of the rows of samples (and of codes, in step). */
function shuffleRows(samples: Uint8Array, codes: Uint8Array | null, M: number, N: number, rng: Rng): void {
  const tmp = new Uint8Array(N);
  const swap = (arr: Uint8Array, a: number, b: number) => {
    tmp.set(arr.subarray(a * N, a * N + N));
    arr.copyWithin(a * N, b * N, b * N + N);
    arr.set(tmp, b * N);
  };
  for (let i = M - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    if (j === i) continue;
    swap(samples, i, j);
    if (codes) swap(codes, i, j);
  }
}

/**
 * Samples one outcome string per shot, each shot in its own basis (codes: M × N ASCII letters),
 * qubit by qubit: the outcome of qubit d is drawn from its marginal given the outcomes already
 * drawn for qubits 0..d−1, and the state is then projected onto it,
 *     φ ← ⟨o_d|φ⟩ = u_{o0} φ_top + u_{o1} φ_bottom   (length halves),
 * where φ_top/φ_bottom are the halves with qubit d = 0/1 (it is the leading bit of what remains).
 * Shots that share their bases and outcomes so far share the work: the recursion visits each
 * distinct (basis prefix, outcome prefix) once, so the cost is about
 * Σ_d min(6^d, M) · 2^(N−d) instead of M · N · 2^N for rotating ψ per shot.
 */
export function sampleInBases(psi: StateVector, codes: Uint8Array, rng: Rng): Uint8Array {
  const N = numQubits(psi, "sampleInBases");
  ensure(
    codes instanceof Uint8Array && codes.length % N === 0,
    "sampleInBases: codes must be a Uint8Array of M × N letters",
  );
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i];
    ensure(
      c === BASIS_X || c === BASIS_Y || c === BASIS_Z,
      () => `sampleInBases: basis code ${c} at shot ${Math.floor(i / N)}, qubit ${i % N} is not 'X', 'Y' or 'Z'`,
    );
  }
  const M = codes.length / N;
  const samples = new Uint8Array(M * N);
  const order = new Int32Array(M);
  for (let m = 0; m < M; m++) order[m] = m;
  const rootRe = isComplexVector(psi) ? psi.re : psi;
  const rootIm = isComplexVector(psi) ? psi.im : new Float64Array(rootRe.length);
  // Two complex buffers (outcome 0 and 1) per depth d = 1..N, of length 2^(N−d); deeper
  // recursion only touches deeper buffers, so a node's children stay valid while it recurses.
  const buf: { re: Float64Array; im: Float64Array }[][] = [];
  for (let d = 1; d <= N; d++) {
    const len = 2 ** (N - d);
    buf[d] = [
      { re: new Float64Array(len), im: new Float64Array(len) },
      { re: new Float64Array(len), im: new Float64Array(len) },
    ];
  }

  // Projects (re, im) onto outcome o of `letter` on its leading qubit, into `out`; returns ‖out‖².
  const project = (
    re: Float64Array,
    im: Float64Array,
    letter: number,
    o: number,
    out: { re: Float64Array; im: Float64Array },
  ): number => {
    const half = re.length >>> 1;
    const ore = out.re;
    const oim = out.im;
    let n2 = 0;
    if (letter === BASIS_Z) {
      const off = o * half;
      for (let i = 0; i < half; i++) {
        const r = re[off + i],
          m = im[off + i];
        ore[i] = r;
        oim[i] = m;
        n2 += r * r + m * m;
      }
    } else if (letter === BASIS_X) {
      const s = o === 0 ? SQRT1_2 : -SQRT1_2;
      for (let i = 0; i < half; i++) {
        const r = SQRT1_2 * re[i] + s * re[half + i];
        const m = SQRT1_2 * im[i] + s * im[half + i];
        ore[i] = r;
        oim[i] = m;
        n2 += r * r + m * m;
      }
    } else {
      // o = 0: (φ0 − i φ1)/√2; o = 1: (φ0 + i φ1)/√2
      const s = o === 0 ? SQRT1_2 : -SQRT1_2;
      for (let i = 0; i < half; i++) {
        const r = SQRT1_2 * re[i] + s * im[half + i];
        const m = SQRT1_2 * im[i] - s * re[half + i];
        ore[i] = r;
        oim[i] = m;
        n2 += r * r + m * m;
      }
    }
    return n2;
  };

  const recurse = (d: number, re: Float64Array, im: Float64Array, total: number, lo: number, hi: number): void => {
    if (d === N) return;
    // Group the shots of this node by their basis letter on qubit d (three-way partition).
    let x = lo;
    let z = hi;
    for (let i = lo; i < z; ) {
      const c = codes[order[i] * N + d];
      if (c === BASIS_X) {
        const t = order[i];
        order[i] = order[x];
        order[x] = t;
        x++;
        i++;
      } else if (c === BASIS_Z) {
        z--;
        const t = order[i];
        order[i] = order[z];
        order[z] = t;
      } else i++;
    }
    const groups: [number, number, number][] = [
      [BASIS_X, lo, x],
      [BASIS_Y, x, z],
      [BASIS_Z, z, hi],
    ];
    for (const [letter, a, b] of groups) {
      if (a === b) continue;
      const [out0, out1] = buf[d + 1];
      const p0 = project(re, im, letter, 0, out0);
      const q0 = p0 / total;
      // Draw outcomes and partition the group: outcome 0 first.
      let mid = a;
      for (let i = a; i < b; i++) {
        const m = order[i];
        const o = rng.uniform53() < q0 ? 0 : 1;
        samples[m * N + d] = o;
        if (o === 0) {
          order[i] = order[mid];
          order[mid] = m;
          mid++;
        }
      }
      if (mid > a) recurse(d + 1, out0.re, out0.im, p0, a, mid);
      if (mid < b) {
        const p1 = project(re, im, letter, 1, out1);
        recurse(d + 1, out1.re, out1.im, p1, mid, b);
      }
    }
  };
  recurse(0, rootRe, rootIm, normSquared(psi), 0, M);
  return samples;
}
