/**
 * Exact observables of a state vector (src/core/state-vector.ts): energy, magnetisation, Pauli
 * strings, correlations, Rényi and von Neumann entropies. States need not be normalised: every
 * expectation value is divided by ⟨ψ|ψ⟩. Conventions as in hamiltonians.ts: qubit 0 is the most
 * significant bit of a basis index, bit 0 is spin up (Z = +1).
 */
import { ensure } from "../core/errors.js";
import {
  applyHamiltonianComplex,
  applyHamiltonianStats,
  compileHamiltonian,
  MAX_SITES,
  parity32,
  termMasks,
  type Hamiltonian,
  type Pauli,
} from "./hamiltonians.js";
import { isComplexVector, parts, type StateVector } from "../core/state-vector.js";

export type { StateVector };

const isComplex = isComplexVector;

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

/** |⟨a|b⟩|², the fidelity of two normalised pure states (real or complex, the same length). */
export function overlapSquared(a: StateVector, b: StateVector): number {
  const x = parts(a),
    y = parts(b);
  ensure(x.re.length === y.re.length, () => `overlap of states with ${x.re.length} and ${y.re.length} amplitudes`);
  let re = 0,
    im = 0;
  for (let k = 0; k < x.re.length; k++) {
    const ar = x.re[k],
      ai = x.im ? x.im[k] : 0,
      br = y.re[k],
      bi = y.im ? y.im[k] : 0;
    re += ar * br + ai * bi; // conj(a)·b
    im += ar * bi - ai * br;
  }
  return re * re + im * im;
}

export function checkedNorm2(psi: StateVector, where: string): number {
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
          const ar = Mre[oi + c],
            ai = Mim[oi + c],
            br = Mre[oj + c],
            bi = Mim[oj + c];
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
  return entropyOfSpectrum(spectrumOf(psi, blockSites, "vonNeumann"));
}

/** −Σ λ ln λ of the eigenvalues of a density matrix (a reduced one, or a mixed state's own). */
export function entropyOfSpectrum(lam: ArrayLike<number>): number {
  let s = 0;
  // Eigenvalues below ~1e-15 are round-off (they may even be slightly negative); their
  // contribution λ ln λ is below 1e-13 anyway. λ within round-off of 1 is a pure state.
  for (let k = 0; k < lam.length; k++) {
    const l = lam[k];
    if (l > 1e-15 && l < 1 - 1e-15) s -= l * Math.log(l);
  }
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
