/**
 * State vectors: the amplitudes of an N-qubit state in the Z basis, configuration v at index
 * Σ_i v_i 2^(N−1−i) (qubit 0 the most significant bit; bit 0 = Z eigenvalue +1). A real state is a
 * Float64Array of length 2^N, a complex one { re, im }. Exact states from Lanczos, a file's ground
 * truth, an enumerated model and a rotated state are all of this one type.
 */

/** Amplitudes with an imaginary part. */
export interface ComplexVector {
  re: Float64Array;
  im: Float64Array;
}

export type StateVector = Float64Array | ComplexVector;

export function isComplexVector(psi: StateVector): psi is ComplexVector {
  return !(psi instanceof Float64Array);
}

/** The real and imaginary parts of a state (im null when the state is real). */
export function parts(psi: StateVector): { re: Float64Array; im: Float64Array | null } {
  return isComplexVector(psi) ? psi : { re: psi, im: null };
}
