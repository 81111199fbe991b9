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
import { isComplexVector, type ComplexVector, type StateVector } from "../core/state-vector.js";
import { numQubits } from "./states.js";

export const BASIS_X = 88;
export const BASIS_Y = 89;
export const BASIS_Z = 90;

const S = Math.SQRT1_2;

/** ASCII code of each basis letter, as bases are stored in shots and files. */
export const BASIS_CODES = { X: BASIS_X, Y: BASIS_Y, Z: BASIS_Z } as const;

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
  throw new QstError(
    `basis letters must be X, Y or Z, found '${typeof letter === "number" ? String.fromCharCode(letter) : letter}'`,
  );
}

/** Checks a basis (letters X/Y/Z, lower case accepted, one per qubit) and returns it in upper case. */
export function checkBasis(basis: unknown, nQubits: number, where = "basis"): string {
  ensure(
    typeof basis === "string",
    () => `${where}: a basis must be a string of X, Y and Z, got ${JSON.stringify(basis)}`,
  );
  const b = basis.toUpperCase();
  ensure(
    b.length === nQubits,
    () => `${where} "${basis}" has ${b.length} letters, expected one per qubit (N = ${nQubits})`,
  );
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    ensure(
      c === "X" || c === "Y" || c === "Z",
      () => `${where} "${basis}": basis letters must be X, Y or Z, found '${c}' at qubit ${i}`,
    );
  }
  return b;
}

/** The basis of shot m as a string, from ASCII codes laid out like the samples (null = all Z). */
export function basisOfShot(bases: Uint8Array | null, m: number, nQubits: number): string {
  if (!bases) return "Z".repeat(nQubits);
  return String.fromCharCode(...bases.subarray(m * nQubits, (m + 1) * nQubits));
}

/**
 * Applies the single-qubit rotation of qubit q (mask = 1 << (N−1−q)) in place: each pair
 * (φ0, φ1) = (amplitude with bit 0, with bit 1) becomes (⟨0_B|·, ⟨1_B|·) of the basis letter.
 */
function rotateQubit(re: Float64Array, im: Float64Array, mask: number, letter: string): void {
  const dim = re.length;
  // Pairs (a, a | mask) with the bit clear in a: blocks of `mask` consecutive indices.
  for (let base = 0; base < dim; base += 2 * mask) {
    for (let a = base; a < base + mask; a++) {
      const b = a + mask;
      const r0 = re[a],
        i0 = im[a],
        r1 = re[b],
        i1 = im[b];
      if (letter === "X") {
        re[a] = (r0 + r1) * S;
        im[a] = (i0 + i1) * S;
        re[b] = (r0 - r1) * S;
        im[b] = (i0 - i1) * S;
      } else {
        // ⟨+i|φ⟩ = (φ0 − i φ1)/√2, ⟨−i|φ⟩ = (φ0 + i φ1)/√2
        re[a] = (r0 + i1) * S;
        im[a] = (i0 - r1) * S;
        re[b] = (r0 - i1) * S;
        im[b] = (i0 + r1) * S;
      }
    }
  }
}

/**
 * ψ_b = U_b ψ: the amplitudes ⟨o_b|ψ⟩ of every outcome string o in the measurement basis b (one
 * letter per qubit, qubit 0 first), for a state of any normalisation. Z qubits are left alone, so
 * the cost is (number of X/Y) · 2^N. Returns a new vector.
 */
export function rotateToBasis(psi: StateVector, basis: string): ComplexVector {
  const N = numQubits(psi, "rotateToBasis");
  const b = checkBasis(basis, N, "rotateToBasis: basis");
  const re = Float64Array.from(isComplexVector(psi) ? psi.re : psi);
  const im = isComplexVector(psi) ? Float64Array.from(psi.im) : new Float64Array(re.length);
  for (let q = 0; q < N; q++) {
    if (b[q] !== "Z") rotateQubit(re, im, 1 << (N - 1 - q), b[q]);
  }
  return { re, im };
}

/**
 * The measurement bases of Torlai et al., Nature Physics 14, 447 (2018): all-Z, plus for every
 * neighbouring pair (i, i+1) of a chain the bases with X_i X_{i+1} and X_i Y_{i+1} (Z elsewhere).
 * 2N − 1 bases in this order.
 */
export function torlaiBases(N: number): string[] {
  ensure(Number.isInteger(N) && N >= 2, () => `torlaiBases: N must be an integer ≥ 2, got ${String(N)}`);
  const out = ["Z".repeat(N)];
  for (let i = 0; i + 1 < N; i++) {
    const z = "Z".repeat(N).split("");
    z[i] = "X";
    z[i + 1] = "X";
    out.push(z.join(""));
    z[i + 1] = "Y";
    out.push(z.join(""));
  }
  return out;
}

/** All 3^N Pauli bases of N qubits, Z…Z first (the informationally complete set of QuCumber's tutorials). */
export function allPauliBases(N: number): string[] {
  ensure(
    Number.isInteger(N) && N >= 1 && N <= 10,
    () => `allPauliBases: N must be an integer from 1 to 10, got ${String(N)}`,
  );
  const letters = ["Z", "X", "Y"];
  return Array.from({ length: 3 ** N }, (_, k) => {
    let s = "";
    for (let i = N - 1, x = k; i >= 0; i--, x = Math.floor(x / 3)) s = letters[x % 3] + s;
    return s;
  });
}
