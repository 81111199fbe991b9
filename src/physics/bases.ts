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
