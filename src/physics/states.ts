/**
 * Exact observables of a state vector, basis rotations and projective measurements.
 *
 * Conventions as in hamiltonians.ts: qubit 0 is the most significant bit of a basis index, bit 0
 * is spin up (Z = +1). A state is either real (Float64Array of length 2^N) or complex
 * ({ re, im }). States need not be normalised: every expectation value is divided by ⟨ψ|ψ⟩.
 *
 * Measurement outcomes: in the X basis outcome 0 ↔ |+⟩ and 1 ↔ |−⟩; in the Y basis outcome
 * 0 ↔ |+i⟩ and 1 ↔ |−i⟩; in the Z basis the bit itself. The amplitude of outcome string o in
 * basis B is ⟨o_B|ψ⟩ = (⊗_i U_i ψ)_o with the rows of U_i the bras of the outcomes:
 *   X: ⟨+| = (1, 1)/√2,  ⟨−| = (1, −1)/√2;   Y: ⟨+i| = (1, −i)/√2,  ⟨−i| = (1, i)/√2;   Z: identity.
 */
import { ensure } from "../core/errors.js";
import {
  applyHamiltonianComplex,
  applyHamiltonianStats,
  compileHamiltonian,
  MAX_SITES,
  parity32,
  termMasks,
  type ComplexVector,
  type Hamiltonian,
  type Pauli,
} from "./hamiltonians.js";
import { Rng } from "../core/rng.js";

export type StateVector = Float64Array | ComplexVector;

const SQRT1_2 = Math.SQRT1_2;

function isComplex(psi: StateVector): psi is ComplexVector {
  return !(psi instanceof Float64Array);
}

/** Number of qubits of a state vector, validating its shape. */
export function numQubits(psi: StateVector, where = "state"): number {
  ensure(
    psi instanceof Float64Array ||
      (psi !== null && typeof psi === "object" && psi.re instanceof Float64Array && psi.im instanceof Float64Array),
    `${where}: the state must be a Float64Array or { re: Float64Array, im: Float64Array }`,
  );
  const len = isComplex(psi) ? psi.re.length : psi.length;
  if (isComplex(psi)) {
    ensure(psi.im.length === len, () => `${where}: re and im have different lengths (${len} and ${psi.im.length})`);
  }
  const N = Math.round(Math.log2(len));
  ensure(
    len >= 2 && 2 ** N === len && N <= MAX_SITES,
    () => `${where}: the state has length ${len}, which is not 2^N for N between 1 and ${MAX_SITES}`,
  );
  return N;
}

/** ⟨ψ|ψ⟩. */
export function normSquared(psi: StateVector): number {
  let s = 0;
  if (isComplex(psi)) {
    const { re, im } = psi;
    for (let i = 0; i < re.length; i++) s += re[i] * re[i] + im[i] * im[i];
  } else {
    for (let i = 0; i < psi.length; i++) s += psi[i] * psi[i];
  }
  return s;
}

function checkedNorm2(psi: StateVector, where: string): number {
  const n2 = normSquared(psi);
  ensure(n2 > 0 && Number.isFinite(n2), () => `${where}: the state has zero or non-finite norm`);
  return n2;
}

/** |ψ_b|² for every basis state (not normalised). */
export function probabilities(psi: StateVector, out?: Float64Array): Float64Array {
  const dim = isComplex(psi) ? psi.re.length : psi.length;
  const p = out ?? new Float64Array(dim);
  if (isComplex(psi)) {
    const { re, im } = psi;
    for (let i = 0; i < dim; i++) p[i] = re[i] * re[i] + im[i] * im[i];
  } else {
    for (let i = 0; i < dim; i++) p[i] = psi[i] * psi[i];
  }
  return p;
}

// ---------------------------------------------------------------------------------------------
// Observables
// ---------------------------------------------------------------------------------------------

/** ⟨ψ|H|ψ⟩ / ⟨ψ|ψ⟩. */
export function energy(H: Hamiltonian, psi: StateVector): number {
  const N = numQubits(psi, "energy");
  ensure(N === H.nSites, () => `energy: the state has ${N} qubits but the Hamiltonian has ${H.nSites} sites`);
  const n2 = checkedNorm2(psi, "energy");
  const C = compileHamiltonian(H);
  if (!isComplex(psi) && C.isReal) {
    const [xy] = applyHamiltonianStats(C, psi, new Float64Array(C.dim));
    return xy / n2;
  }
  const x = isComplex(psi) ? psi : { re: psi, im: new Float64Array(C.dim) };
  const y = { re: new Float64Array(C.dim), im: new Float64Array(C.dim) };
  applyHamiltonianComplex(C, x, y);
  let s = 0;
  for (let i = 0; i < C.dim; i++) s += x.re[i] * y.re[i] + x.im[i] * y.im[i]; // Re⟨x|y⟩
  return s / n2;
}

/** Σ_b |ψ_b|² g(N − 2·popcount(b)) / ⟨ψ|ψ⟩, i.e. the expectation of g(Σ_i Z_i). */
function magnetizationMoment(psi: StateVector, g: (m: number) => number, where: string): number {
  const N = numQubits(psi, where);
  const n2 = checkedNorm2(psi, where);
  const dim = 2 ** N;
  // Tabulate g over the N + 1 possible values of Σ Z, then a popcount per amplitude.
  const table = new Float64Array(N + 1);
  for (let k = 0; k <= N; k++) table[k] = g(N - 2 * k);
  let s = 0;
  const re = isComplex(psi) ? psi.re : psi;
  const im = isComplex(psi) ? psi.im : null;
  for (let b = 0; b < dim; b++) {
    let v = b;
    v = v - ((v >>> 1) & 0x55555555);
    v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
    const k = (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
    const p = im ? re[b] * re[b] + im[b] * im[b] : re[b] * re[b];
    s += p * table[k];
  }
  return s / n2;
}

/** ⟨Σ_i Z_i⟩ / N. */
export function magnetization(psi: StateVector): number {
  const N = numQubits(psi, "magnetization");
  return magnetizationMoment(psi, (m) => m / N, "magnetization");
}

/** ⟨|Σ_i Z_i|⟩ / N (the order parameter of the finite Ising chain, where ⟨Σ Z⟩ vanishes by symmetry). */
export function absMagnetization(psi: StateVector): number {
  const N = numQubits(psi, "absMagnetization");
  return magnetizationMoment(psi, (m) => Math.abs(m) / N, "absMagnetization");
}

/** A Pauli string with an optional coefficient (default 1). */
export interface PauliString {
  coefficient?: number;
  sites: number[];
  paulis: Pauli[];
}

/**
 * coefficient · ⟨ψ|P|ψ⟩ / ⟨ψ|ψ⟩ for a Pauli string P (Hermitian, so the value is real).
 * Uses P|b⟩ = i^nY (−1)^popcount(b & z) |b ⊕ f⟩ (see hamiltonians.ts).
 */
export function expectationPauli(psi: StateVector, term: PauliString): number {
  const N = numQubits(psi, "expectationPauli");
  const coefficient = term.coefficient ?? 1;
  ensure(Number.isFinite(coefficient), "expectationPauli: coefficient must be a finite number");
  const { flip, zmask, nY } = termMasks({ coefficient, sites: term.sites, paulis: term.paulis }, N, "expectationPauli");
  const n2 = checkedNorm2(psi, "expectationPauli");
  const dim = 2 ** N;
  // Σ_b conj(ψ_{b⊕f}) ψ_b (−1)^popcount(b & z), then multiply by i^nY and keep the real part.
  let sr = 0;
  let si = 0;
  if (isComplex(psi)) {
    const { re, im } = psi;
    for (let b = 0; b < dim; b++) {
      const a = b ^ flip;
      const s = parity32(b & zmask) ? -1 : 1;
      sr += s * (re[a] * re[b] + im[a] * im[b]);
      si += s * (re[a] * im[b] - im[a] * re[b]);
    }
  } else {
    for (let b = 0; b < dim; b++) sr += (parity32(b & zmask) ? -psi[b] : psi[b]) * psi[b ^ flip];
  }
  // Re(i^nY (sr + i si))
  let value: number;
  switch (nY & 3) {
    case 0:
      value = sr;
      break;
    case 1:
      value = -si;
      break;
    case 2:
      value = -sr;
      break;
    default:
      value = si;
  }
  return (coefficient * value) / n2 + 0; // + 0 turns −0 into 0
}

/** ⟨X_i⟩. */
export function expectationX(psi: StateVector, i: number): number {
  return expectationPauli(psi, { sites: [i], paulis: ["X"] });
}

/** ⟨Z_i⟩. */
export function expectationZ(psi: StateVector, i: number): number {
  return expectationPauli(psi, { sites: [i], paulis: ["Z"] });
}

/** ⟨Z_i Z_j⟩ (1 when i = j, since Z² = 1). */
export function correlationZZ(psi: StateVector, i: number, j: number): number {
  return twoSite(psi, i, j, "Z", "correlationZZ");
}

/** ⟨X_i X_j⟩ (1 when i = j). */
export function correlationXX(psi: StateVector, i: number, j: number): number {
  return twoSite(psi, i, j, "X", "correlationXX");
}

function twoSite(psi: StateVector, i: number, j: number, p: Pauli, where: string): number {
  const N = numQubits(psi, where);
  for (const s of [i, j]) {
    ensure(Number.isInteger(s) && s >= 0 && s < N, () => `${where}: site ${String(s)} is outside 0..${N - 1}`);
  }
  if (i === j) return 1;
  return expectationPauli(psi, { sites: [i, j], paulis: [p, p] });
}

// ---------------------------------------------------------------------------------------------
// Entanglement entropies
// ---------------------------------------------------------------------------------------------

/**
 * Reduced density matrix of the smaller of (block, complement): for a pure state both have the
 * same non-zero spectrum, and the smaller one is cheaper. Returns ρ (row-major, n×n) with
 * real part `re` and imaginary part `im` (null for real states), normalised to trace 1.
 */
function reducedDensityMatrix(psi: StateVector, blockSites: readonly number[], where: string) {
  const N = numQubits(psi, where);
  ensure(Array.isArray(blockSites), `${where}: blockSites must be an array of site indices`);
  const inBlock = new Uint8Array(N);
  for (const s of blockSites) {
    ensure(Number.isInteger(s) && s >= 0 && s < N, () => `${where}: block site ${String(s)} is outside 0..${N - 1}`);
    ensure(!inBlock[s], () => `${where}: block site ${s} is listed twice`);
    inBlock[s] = 1;
  }
  const n2 = checkedNorm2(psi, where);
  const block = blockSites.length;
  // Rows: the smaller subsystem S; columns: the rest.
  const rowsAreBlock = block <= N - block;
  const rowSites: number[] = [];
  const colSites: number[] = [];
  for (let s = 0; s < N; s++) ((inBlock[s] === 1) === rowsAreBlock ? rowSites : colSites).push(s);
  const nr = 2 ** rowSites.length;
  const nc = 2 ** colSites.length;
  // Scatter ψ into M (nr × nc, row-major): row/column indices are the bits of the row/column
  // sites, in site order. Row and column contributions of each bit are tabulated once.
  const dim = 2 ** N;
  const Mre = new Float64Array(dim);
  const Mim = isComplex(psi) ? new Float64Array(dim) : null;
  const re = isComplex(psi) ? psi.re : psi;
  const im = isComplex(psi) ? psi.im : null;
  const rowOf = new Int32Array(N);
  const colOf = new Int32Array(N);
  for (const [k, s] of rowSites.entries()) rowOf[s] = 1 << (rowSites.length - 1 - k);
  for (const [k, s] of colSites.entries()) colOf[s] = 1 << (colSites.length - 1 - k);
  for (let b = 0; b < dim; b++) {
    let r = 0;
    let c = 0;
    for (let s = 0; s < N; s++) {
      if ((b >>> (N - 1 - s)) & 1) {
        r |= rowOf[s];
        c |= colOf[s];
      }
    }
    Mre[r * nc + c] = re[b];
    if (Mim && im) Mim[r * nc + c] = im[b];
  }
  // ρ = M M† / ⟨ψ|ψ⟩: ρ_ij = Σ_c M_ic conj(M_jc).
  const rhoRe = new Float64Array(nr * nr);
  const rhoIm = Mim ? new Float64Array(nr * nr) : null;
  for (let i = 0; i < nr; i++) {
    const oi = i * nc;
    for (let j = 0; j <= i; j++) {
      const oj = j * nc;
      let sr = 0;
      let si = 0;
      if (Mim) {
        for (let c = 0; c < nc; c++) {
          const ar = Mre[oi + c], ai = Mim[oi + c], br = Mre[oj + c], bi = Mim[oj + c];
          sr += ar * br + ai * bi;
          si += ai * br - ar * bi;
        }
      } else {
        for (let c = 0; c < nc; c++) sr += Mre[oi + c] * Mre[oj + c];
      }
      rhoRe[i * nr + j] = rhoRe[j * nr + i] = sr / n2;
      if (rhoIm) {
        rhoIm[i * nr + j] = si / n2;
        rhoIm[j * nr + i] = -si / n2;
      }
    }
  }
  return { n: nr, re: rhoRe, im: rhoIm };
}

/** S₂ = −ln Tr ρ_A² of the block (natural log). Tr ρ² = Σ_ij |ρ_ij|² needs no diagonalisation. */
export function renyi2(psi: StateVector, blockSites: readonly number[]): number {
  const rho = reducedDensityMatrix(psi, blockSites, "renyi2");
  if (rho.n === 1) return 0;
  let purity = 0;
  for (let i = 0; i < rho.re.length; i++) purity += rho.re[i] * rho.re[i];
  if (rho.im) for (let i = 0; i < rho.im.length; i++) purity += rho.im[i] * rho.im[i];
  return Math.max(0, -Math.log(purity));
}

/** Eigenvalues of the reduced density matrix of the block (the squared Schmidt coefficients), descending. */
export function entanglementSpectrum(psi: StateVector, blockSites: readonly number[]): Float64Array {
  return spectrumOf(psi, blockSites, "entanglementSpectrum");
}

function spectrumOf(psi: StateVector, blockSites: readonly number[], where: string): Float64Array {
  const rho = reducedDensityMatrix(psi, blockSites, where);
  const n = rho.n;
  // An empty block (or the whole system): ρ is the 1×1 matrix [1] up to round-off.
  if (n === 1) return Float64Array.of(1);
  let lam: Float64Array;
  if (!rho.im) lam = symmetricEigenvalues(rho.re, n);
  else {
    // Hermitian ρ = A + iB has the spectrum of the real symmetric [[A, −B], [B, A]], each
    // eigenvalue twice: average the sorted pairs.
    const big = new Float64Array(4 * n * n);
    const n2 = 2 * n;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const a = rho.re[i * n + j];
        const b = rho.im[i * n + j];
        big[i * n2 + j] = a;
        big[(i + n) * n2 + j + n] = a;
        big[i * n2 + j + n] = -b;
        big[(i + n) * n2 + j] = b;
      }
    }
    const all = symmetricEigenvalues(big, n2);
    lam = new Float64Array(n);
    for (let i = 0; i < n; i++) lam[i] = 0.5 * (all[2 * i] + all[2 * i + 1]);
  }
  return lam.sort().reverse();
}

/** Von Neumann entropy S = −Tr ρ_A ln ρ_A of the block (natural log). */
export function vonNeumann(psi: StateVector, blockSites: readonly number[]): number {
  const lam = spectrumOf(psi, blockSites, "vonNeumann");
  let s = 0;
  // Eigenvalues below ~1e-15 are round-off (they may even be slightly negative); their
  // contribution λ ln λ is below 1e-13 anyway. λ within round-off of 1 is a product state.
  for (const l of lam) if (l > 1e-15 && l < 1 - 1e-15) s -= l * Math.log(l);
  return Math.max(0, s);
}

/**
 * All eigenvalues (ascending) of a real symmetric n×n matrix (row-major, not modified).
 * Householder reduction to tridiagonal form, then bisection with Sturm counts. Eigenvalues only:
 * this is O(n³) with a small constant, where a full ml-matrix decomposition also accumulates
 * eigenvectors (about 10 s for n = 1024, the half-chain block of N = 20, against ~1 s here).
 */
export function symmetricEigenvalues(matrix: Float64Array, n: number): Float64Array {
  ensure(matrix.length === n * n, "symmetricEigenvalues: matrix must have n·n entries");
  const A = Float64Array.from(matrix);
  const d = new Float64Array(n);
  const e = new Float64Array(Math.max(0, n - 1)); // e[k] couples k and k+1
  const v = new Float64Array(n);
  const p = new Float64Array(n);
  for (let k = 0; k + 2 < n; k++) {
    // Householder vector for column k below the diagonal: P x = α e₁ with P = I − β v vᵀ.
    const m0 = k + 1;
    let xnorm2 = 0;
    for (let i = m0; i < n; i++) xnorm2 += A[i * n + k] * A[i * n + k];
    d[k] = A[k * n + k];
    if (xnorm2 === 0) {
      e[k] = 0;
      continue;
    }
    const x0 = A[m0 * n + k];
    const alpha = x0 > 0 ? -Math.sqrt(xnorm2) : Math.sqrt(xnorm2);
    e[k] = alpha;
    for (let i = m0; i < n; i++) v[i] = A[i * n + k];
    v[m0] -= alpha;
    const vv = xnorm2 - 2 * alpha * x0 + alpha * alpha;
    const beta = 2 / vv;
    // p = β S v on the trailing block S = A[m0.., m0..]; K = β (vᵀp)/2; q = p − K v.
    let vp = 0;
    for (let i = m0; i < n; i++) {
      const row = i * n;
      let s = 0;
      for (let j = m0; j < n; j++) s += A[row + j] * v[j];
      p[i] = beta * s;
      vp += v[i] * p[i];
    }
    const K = 0.5 * beta * vp;
    for (let i = m0; i < n; i++) p[i] -= K * v[i];
    // S ← S − v qᵀ − q vᵀ
    for (let i = m0; i < n; i++) {
      const row = i * n;
      const vi = v[i];
      const qi = p[i];
      for (let j = m0; j < n; j++) A[row + j] -= vi * p[j] + qi * v[j];
    }
  }
  if (n >= 2) {
    d[n - 2] = A[(n - 2) * n + n - 2];
    e[n - 2] = A[(n - 1) * n + n - 2];
  }
  d[n - 1] = A[(n - 1) * n + n - 1];

  // Bisection on the tridiagonal (d, e) with Sturm counts: robust, and accurate to an absolute
  // error of a few ε·‖T‖, which is what entropies need.
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    const r = (i > 0 ? Math.abs(e[i - 1]) : 0) + (i < n - 1 ? Math.abs(e[i]) : 0);
    lo = Math.min(lo, d[i] - r);
    hi = Math.max(hi, d[i] + r);
  }
  const scaleT = Math.max(Math.abs(lo), Math.abs(hi), Number.MIN_VALUE);
  lo -= 1e-12 * scaleT;
  hi += 1e-12 * scaleT;
  const e2 = e.map((x) => x * x);
  const pivmin = Number.MIN_VALUE * 1e10 + 1e-300 * scaleT;
  const countBelow = (x: number): number => {
    let c = 0;
    let q = d[0] - x;
    if (Math.abs(q) < pivmin) q = -pivmin;
    if (q < 0) c++;
    for (let i = 1; i < n; i++) {
      q = d[i] - x - e2[i - 1] / q;
      if (Math.abs(q) < pivmin) q = -pivmin;
      if (q < 0) c++;
    }
    return c;
  };
  const out = new Float64Array(n);
  const tolAbs = 4 * Number.EPSILON * scaleT;
  for (let k = 0; k < n; k++) {
    // k-th smallest eigenvalue: the point where the count of eigenvalues below crosses k.
    let a = lo;
    let b = hi;
    while (b - a > tolAbs + 2 * Number.EPSILON * Math.abs(a + b) * 0.5) {
      const mid = 0.5 * (a + b);
      if (mid === a || mid === b) break;
      if (countBelow(mid) > k) b = mid;
      else a = mid;
    }
    out[k] = 0.5 * (a + b);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Measurement bases
// ---------------------------------------------------------------------------------------------

const CODE_X = 88; // 'X'
const CODE_Y = 89; // 'Y'
const CODE_Z = 90; // 'Z'

/** Validates a basis string of length N over {X, Y, Z} (upper case). */
export function checkBasis(bases: unknown, N: number, where = "basis"): string {
  ensure(typeof bases === "string", () => `${where}: a basis must be a string of X, Y and Z, got ${JSON.stringify(bases)}`);
  ensure(
    bases.length === N,
    () => `${where}: basis "${bases}" has length ${bases.length}, expected one letter per qubit (N = ${N})`,
  );
  for (let i = 0; i < N; i++) {
    const ch = bases[i];
    ensure(
      ch === "X" || ch === "Y" || ch === "Z",
      () => `${where}: basis "${bases}" has "${ch}" at qubit ${i}; only X, Y and Z are allowed`,
    );
  }
  return bases;
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
      const r0 = re[a], i0 = im[a], r1 = re[b], i1 = im[b];
      if (letter === "X") {
        re[a] = (r0 + r1) * SQRT1_2;
        im[a] = (i0 + i1) * SQRT1_2;
        re[b] = (r0 - r1) * SQRT1_2;
        im[b] = (i0 - i1) * SQRT1_2;
      } else {
        // ⟨+i|φ⟩ = (φ0 − i φ1)/√2, ⟨−i|φ⟩ = (φ0 + i φ1)/√2
        re[a] = (r0 + i1) * SQRT1_2;
        im[a] = (i0 - r1) * SQRT1_2;
        re[b] = (r0 - i1) * SQRT1_2;
        im[b] = (i0 + r1) * SQRT1_2;
      }
    }
  }
}

/**
 * Amplitudes ⟨o_B|ψ⟩ of every outcome string o in the measurement basis B (one letter per
 * qubit, qubit 0 first). Z qubits are left alone, so the cost is (number of X/Y) · 2^N.
 */
export function rotateToBasis(psi: StateVector, bases: string): ComplexVector {
  const N = numQubits(psi, "rotateToBasis");
  checkBasis(bases, N, "rotateToBasis");
  const re = Float64Array.from(isComplex(psi) ? psi.re : psi);
  const im = isComplex(psi) ? Float64Array.from(psi.im) : new Float64Array(re.length);
  for (let q = 0; q < N; q++) {
    if (bases[q] !== "Z") rotateQubit(re, im, 1 << (N - 1 - q), bases[q]);
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

export type BasisSet = "Z" | "torlai" | "random" | string[];

export interface SampleOptions {
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

export interface MeasurementData {
  /** Outcome bits, M × N row-major: shot m, qubit i at m·N + i. */
  samples: Uint8Array;
  /** ASCII codes of 'X', 'Y', 'Z' per shot and qubit (same layout); null when every basis is Z. */
  bases: Uint8Array | null;
  nShots: number;
  nQubits: number;
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
export function sampleMeasurements(psi: StateVector, options: SampleOptions): MeasurementData {
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
    const letters = [CODE_X, CODE_Y, CODE_Z];
    for (let i = 0; i < codes.length; i++) codes[i] = letters[rng.int(3)];
    const samples = sampleInBases(psi, codes, rng);
    return { samples, bases: codes, nShots: shots, nQubits: N };
  }

  let list: string[];
  if (bases === "Z") list = ["Z".repeat(N)];
  else if (bases === "torlai") list = torlaiBases(N);
  else {
    ensure(
      Array.isArray(bases) && bases.length >= 1,
      () => `sampleMeasurements: bases must be "Z", "torlai", "random" or a non-empty array of basis strings, got ${JSON.stringify(bases)}`,
    );
    list = bases.map((b, k) => checkBasis(b, N, `sampleMeasurements: bases[${k}]`));
  }
  const B = list.length;
  ensure(
    shots >= B,
    () => `sampleMeasurements: shots = ${shots} is fewer than the ${B} bases of the basis set, so some bases would get no shots`,
  );

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
    const amps = /[XY]/.test(basis) ? rotateToBasis(psi, basis) : psi;
    probabilities(amps, cdf);
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
  ensure(codes instanceof Uint8Array && codes.length % N === 0, "sampleInBases: codes must be a Uint8Array of M × N letters");
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i];
    ensure(
      c === CODE_X || c === CODE_Y || c === CODE_Z,
      () => `sampleInBases: basis code ${c} at shot ${Math.floor(i / N)}, qubit ${i % N} is not 'X', 'Y' or 'Z'`,
    );
  }
  const M = codes.length / N;
  const samples = new Uint8Array(M * N);
  const order = new Int32Array(M);
  for (let m = 0; m < M; m++) order[m] = m;
  const rootRe = isComplex(psi) ? psi.re : psi;
  const rootIm = isComplex(psi) ? psi.im : new Float64Array(rootRe.length);
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
  const project = (re: Float64Array, im: Float64Array, letter: number, o: number, out: { re: Float64Array; im: Float64Array }): number => {
    const half = re.length >>> 1;
    const ore = out.re;
    const oim = out.im;
    let n2 = 0;
    if (letter === CODE_Z) {
      const off = o * half;
      for (let i = 0; i < half; i++) {
        const r = re[off + i], m = im[off + i];
        ore[i] = r;
        oim[i] = m;
        n2 += r * r + m * m;
      }
    } else if (letter === CODE_X) {
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
      if (c === CODE_X) {
        const t = order[i];
        order[i] = order[x];
        order[x] = t;
        x++;
        i++;
      } else if (c === CODE_Z) {
        z--;
        const t = order[i];
        order[i] = order[z];
        order[z] = t;
      } else i++;
    }
    const groups: [number, number, number][] = [
      [CODE_X, lo, x],
      [CODE_Y, x, z],
      [CODE_Z, z, hi],
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

/** Reads a basis code row back as a string (for diagnostics and tests). */
export function basisOfShot(bases: Uint8Array | null, m: number, N: number): string {
  if (!bases) return "Z".repeat(N);
  return String.fromCharCode(...bases.subarray(m * N, m * N + N));
}

