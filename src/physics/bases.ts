/**
 * Measurement bases and the unitaries that rotate a Z-basis state vector into them.
 *
 * A shot measured in basis b = (b_0 … b_{N−1}), b_i ∈ {X, Y, Z}, with outcome σ has probability
 * |ψ_b(σ)|², where
 *
 *     ψ_b(σ) = ⟨σ_b|ψ⟩ = Σ_σ′ U_b(σ, σ′) ψ(σ′),     U_b = ⊗_i u_{b_i},
 *
 * and u_P(s, s′) = ⟨s_P|s′⟩ for the single-qubit eigenbasis of P, outcome s = 0 being the +1
 * eigenvector (shared convention of qst: bit 0 = +1 eigenvalue of the measured Pauli):
 *
 *     X: |+⟩  = (|0⟩ + |1⟩)/√2,   |−⟩  = (|0⟩ − |1⟩)/√2    ⇒  u_X = [[1,  1], [1, −1]] / √2
 *     Y: |+i⟩ = (|0⟩ + i|1⟩)/√2,  |−i⟩ = (|0⟩ − i|1⟩)/√2   ⇒  u_Y = [[1, −i], [1,  i]] / √2
 *     Z: identity.
 *
 * (Rows are ⟨outcome|, so the Y row carries the complex conjugate of the eigenvector. These are
 * QuCumber's unitaries too.) U_b(σ, σ′) vanishes unless σ′ agrees with σ on every Z qubit, so a
 * shot with t non-Z qubits sums over 2^t configurations σ′.
 *
 * Basis index of a configuration: Σ_i v_i 2^(N−1−i), qubit 0 the most significant bit.
 */
import { QstError, ensure } from "../core/errors.js";
import type { Wavefunction } from "../io/measurement-file.js";

export const BASIS_X = 88;
export const BASIS_Y = 89;
export const BASIS_Z = 90;

const S = Math.SQRT1_2;

/** u_P as [u00, u01, u10, u11] real and imaginary parts (rows: outcome, columns: Z-basis bit). */
export interface SingleQubitUnitary {
  re: readonly [number, number, number, number];
  im: readonly [number, number, number, number];
}

const U_X: SingleQubitUnitary = { re: [S, S, S, -S], im: [0, 0, 0, 0] };
const U_Y: SingleQubitUnitary = { re: [S, 0, S, 0], im: [0, -S, 0, S] };
const U_Z: SingleQubitUnitary = { re: [1, 0, 0, 1], im: [0, 0, 0, 0] };

/** The single-qubit unitary of a basis letter ('X', 'Y', 'Z' or their ASCII codes). */
export function singleQubitUnitary(letter: string | number): SingleQubitUnitary {
  const c = typeof letter === "number" ? letter : letter.toUpperCase().charCodeAt(0);
  if (c === BASIS_X) return U_X;
  if (c === BASIS_Y) return U_Y;
  if (c === BASIS_Z) return U_Z;
  throw new QstError(`basis letters must be X, Y or Z, found '${typeof letter === "number" ? String.fromCharCode(letter) : letter}'`);
}

/** Checks a basis string (letters X/Y/Z, length N) and returns it in upper case. */
export function checkBasisString(basis: string, nQubits: number, where = "basis"): string {
  const b = String(basis).toUpperCase();
  ensure(b.length === nQubits, () => `${where} '${basis}' has ${b.length} letters, expected ${nQubits} (one per qubit)`);
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    ensure(c === "X" || c === "Y" || c === "Z", () => `${where} '${basis}': basis letters must be X, Y or Z, found '${c}' at qubit ${i}`);
  }
  return b;
}

/** The basis of shot m as a string, from ASCII codes laid out like the samples (null = all Z). */
export function basisOfShot(bases: Uint8Array | null, m: number, nQubits: number): string {
  if (!bases) return "Z".repeat(nQubits);
  let s = "";
  for (let i = 0; i < nQubits; i++) s += String.fromCharCode(bases[m * nQubits + i]);
  return s;
}

/**
 * ψ_b = U_b ψ for a whole state vector (any normalisation), applying u_{b_i} qubit by qubit in
 * O(t · 2^N) for t rotated qubits. Returns a new vector; the input is not modified.
 */
export function rotateStateToBasis(psi: Wavefunction | { re: Float64Array; im: Float64Array | null }, basis: string): { re: Float64Array; im: Float64Array } {
  const dim = psi.re.length;
  const n = Math.round(Math.log2(dim));
  ensure(2 ** n === dim && n >= 1, () => `a state vector must have 2^N amplitudes, got ${dim}`);
  const b = checkBasisString(basis, n);
  const re = Float64Array.from(psi.re);
  const im = psi.im ? Float64Array.from(psi.im) : new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    if (b[i] === "Z") continue;
    const u = singleQubitUnitary(b[i]);
    const [a0, a1, a2, a3] = u.re, [c0, c1, c2, c3] = u.im;
    const mask = 1 << (n - 1 - i);
    for (let k = 0; k < dim; k++) {
      if (k & mask) continue;
      const l = k | mask;
      const xr = re[k], xi = im[k], yr = re[l], yi = im[l];
      re[k] = a0 * xr - c0 * xi + a1 * yr - c1 * yi;
      im[k] = a0 * xi + c0 * xr + a1 * yi + c1 * yr;
      re[l] = a2 * xr - c2 * xi + a3 * yr - c3 * yi;
      im[l] = a2 * xi + c2 * xr + a3 * yi + c3 * yr;
    }
  }
  return { re, im };
}

/**
 * Above this many non-Z qubits in one shot the 2^t-term sum per shot (and per gradient step) is
 * refused: 2^16 = 65 536 configurations of every such shot at every update is already slow.
 */
export const MAX_ROTATED_QUBITS = 16;

/**
 * Every distinct (basis, outcome) pair of a data set, with the configurations σ′ and coefficients
 * U_b(σ, σ′) of its rotated amplitude ψ_b(σ) = Σ_σ′ U_b(σ, σ′) ψ(σ′). Many shots repeat a pair,
 * so the table is built once and indexed per shot.
 *
 * Pair p owns terms [termStart[p], termStart[p+1]); term k has the configuration
 * configs[k·N .. (k+1)·N), whose basis index is termIndex[k], and the coefficient (uRe[k], uIm[k]).
 */
export interface RotatedShotTable {
  nQubits: number;
  nShots: number;
  /** Pair index of every shot. */
  pairOfShot: Uint32Array;
  nPairs: number;
  termStart: Uint32Array;
  configs: Uint8Array;
  /** Basis index Σ_i σ′_i 2^(N−1−i) of every term's configuration (for lookups in 2^N tables). */
  termIndex: Uint32Array;
  uRe: Float64Array;
  uIm: Float64Array;
  /** Distinct bases, in order of first appearance, and the basis index of every pair and shot. */
  bases: string[];
  basisOfPair: Uint32Array;
  basisOfShot: Uint32Array;
  /** Shots per distinct basis. */
  shotsPerBasis: number[];
}

/**
 * Builds the table for shots `samples` (M × N, 0/1) measured in `bases` (M × N ASCII codes, or
 * null for all Z). Letters are assumed validated (io.validateBases); anything else is refused.
 */
export function buildRotatedShotTable(samples: Uint8Array, bases: Uint8Array | null, nQubits: number): RotatedShotTable {
  const N = nQubits;
  ensure(Number.isInteger(N) && N >= 1, `the number of qubits must be a positive integer, got ${N}`);
  ensure(samples.length % N === 0, `the shots must be M × ${N} values, got ${samples.length}`);
  const M = samples.length / N;
  ensure(!bases || bases.length === samples.length, `the bases must be laid out like the shots (${samples.length} letters), got ${bases?.length}`);
  const pairIndex = new Map<string, number>();
  const basisIndex = new Map<string, number>();
  const basisList: string[] = [];
  const shotsPerBasis: number[] = [];
  const pairOfShot = new Uint32Array(M);
  const basisOfShotArr = new Uint32Array(M);
  const termStart: number[] = [0];
  const basisOfPair: number[] = [];
  let configs = new Uint8Array(Math.max(16, N * 64));
  let uRe = new Float64Array(64);
  let uIm = new Float64Array(64);
  let termIndex = new Uint32Array(64);
  let nTerms = 0;
  const rotated: number[] = [];
  const v = new Uint8Array(N);
  for (let m = 0; m < M; m++) {
    let basis = "";
    if (bases) for (let i = 0; i < N; i++) basis += String.fromCharCode(bases[m * N + i]);
    else basis = "Z".repeat(N);
    let bi = basisIndex.get(basis);
    if (bi === undefined) {
      checkBasisString(basis, N, `shot ${m}: basis`);
      bi = basisList.length;
      basisIndex.set(basis, bi);
      basisList.push(basis);
      shotsPerBasis.push(0);
    }
    shotsPerBasis[bi]++;
    basisOfShotArr[m] = bi;
    let outcome = "";
    for (let i = 0; i < N; i++) {
      const x = samples[m * N + i];
      ensure(x === 0 || x === 1, () => `shot ${m}, qubit ${i}: outcomes must be 0 or 1, found ${x}`);
      outcome += x;
    }
    const key = basis + ":" + outcome;
    let p = pairIndex.get(key);
    if (p === undefined) {
      p = basisOfPair.length;
      pairIndex.set(key, p);
      basisOfPair.push(bi);
      rotated.length = 0;
      for (let i = 0; i < N; i++) if (basis.charCodeAt(i) !== BASIS_Z) rotated.push(i);
      const t = rotated.length;
      ensure(t <= MAX_ROTATED_QUBITS, () =>
        `shot ${m} was measured in basis ${basis} with ${t} non-Z qubits; its probability is a sum over 2^${t} configurations, ` +
        `and qst allows at most ${MAX_ROTATED_QUBITS} non-Z qubits per shot`);
      if (uRe.length < nTerms + (1 << t)) {
        const size = Math.max(2 * uRe.length, nTerms + (1 << t));
        const c2 = new Uint8Array(size * N), r2 = new Float64Array(size), i2 = new Float64Array(size), x2 = new Uint32Array(size);
        c2.set(configs);
        r2.set(uRe);
        i2.set(uIm);
        x2.set(termIndex);
        configs = c2;
        uRe = r2;
        uIm = i2;
        termIndex = x2;
      }
      for (let x = 0; x < 1 << t; x++) {
        for (let i = 0; i < N; i++) v[i] = samples[m * N + i];
        let cr = 1, ci = 0;
        for (let r = 0; r < t; r++) {
          const i = rotated[r];
          const s = (x >>> (t - 1 - r)) & 1; // σ′_i
          const u = singleQubitUnitary(basis.charCodeAt(i));
          const e = 2 * samples[m * N + i] + s; // row: outcome σ_i, column: σ′_i
          const ur = u.re[e], ui = u.im[e];
          const nr = cr * ur - ci * ui;
          ci = cr * ui + ci * ur;
          cr = nr;
          v[i] = s;
        }
        configs.set(v, nTerms * N);
        let index = 0;
        for (let i = 0; i < N; i++) index = 2 * index + v[i];
        termIndex[nTerms] = index; // meaningful for N ≤ 32 (its users enumerate 2^N, N ≤ 24)
        uRe[nTerms] = cr;
        uIm[nTerms] = ci;
        nTerms++;
      }
      termStart.push(nTerms);
    }
    pairOfShot[m] = p;
  }
  return {
    nQubits: N,
    nShots: M,
    pairOfShot,
    nPairs: basisOfPair.length,
    termStart: Uint32Array.from(termStart),
    configs: configs.slice(0, nTerms * N),
    termIndex: termIndex.slice(0, nTerms),
    uRe: uRe.slice(0, nTerms),
    uIm: uIm.slice(0, nTerms),
    bases: basisList,
    basisOfPair: Uint32Array.from(basisOfPair),
    basisOfShot: basisOfShotArr,
    shotsPerBasis,
  };
}
