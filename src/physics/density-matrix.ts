/**
 * Density matrices of N qubits (2^N × 2^N complex, row-major, basis index Σ_i v_i 2^(N−1−i)) and
 * the distances between them: the Uhlmann fidelity F(ρ, σ) = (tr √(√ρ σ √ρ))², the trace distance
 * ½ tr|ρ − σ| and the purity tr ρ². Meant for the small systems whose ρ can be written down (N ≤ 10).
 *
 * Hermitian matrices H = A + iB are diagonalised through their real symmetric embedding
 * M = [[A, −B], [B, A]]: M has the eigenvalues of H, each twice, and any function of M keeps the
 * block form, so √H is read off √M. (ml-matrix, the project's dense algebra, is real.)
 */
import { EigenvalueDecomposition, Matrix } from "ml-matrix";
import { ensure } from "../core/errors.js";
import { parts, type StateVector } from "../core/state-vector.js";
import { rotateToBasis } from "./bases.js";
import { symmetricEigenvalues } from "./states.js";

export interface DensityMatrix {
  /** 2^N. */
  dim: number;
  re: Float64Array;
  im: Float64Array;
}

/** Largest N for which density matrices are formed here (2^10 × 2^10 complex: 16 MB). */
export const MAX_DENSITY_QUBITS = 10;

/** |ψ⟩⟨ψ| of a normalised state vector. */
export function pureDensityMatrix(psi: StateVector): DensityMatrix {
  const { re, im } = parts(psi);
  const dim = re.length;
  ensure(
    dim <= 2 ** MAX_DENSITY_QUBITS,
    () => `a density matrix of ${Math.log2(dim)} qubits is larger than qst forms (N ≤ ${MAX_DENSITY_QUBITS})`,
  );
  const out = { dim, re: new Float64Array(dim * dim), im: new Float64Array(dim * dim) };
  for (let a = 0; a < dim; a++) {
    const ar = re[a],
      ai = im ? im[a] : 0;
    for (let b = 0; b < dim; b++) {
      const br = re[b],
        bi = im ? im[b] : 0;
      out.re[a * dim + b] = ar * br + ai * bi; // ψ_a ψ_b*
      out.im[a * dim + b] = ai * br - ar * bi;
    }
  }
  return out;
}

/** (1 − p) ρ + p I/d: global depolarising noise of strength p. */
export function depolarise(rho: DensityMatrix, p: number): DensityMatrix {
  ensure(p >= 0 && p <= 1, `the depolarising strength must be in [0, 1], got ${p}`);
  const { dim } = rho;
  const out = { dim, re: rho.re.map((x) => (1 - p) * x), im: rho.im.map((x) => (1 - p) * x) };
  for (let a = 0; a < dim; a++) out.re[a * dim + a] += p / dim;
  return out;
}

export function trace(rho: DensityMatrix): number {
  let t = 0;
  for (let a = 0; a < rho.dim; a++) t += rho.re[a * rho.dim + a];
  return t;
}

/** tr ρ² (= Σ_ab |ρ_ab|² for Hermitian ρ). */
export function purity(rho: DensityMatrix): number {
  let s = 0;
  for (let k = 0; k < rho.re.length; k++) s += rho.re[k] * rho.re[k] + rho.im[k] * rho.im[k];
  return s;
}

/** The real symmetric embedding [[Re H, −Im H], [Im H, Re H]] of a Hermitian H, row-major. */
function embeddingArray(h: DensityMatrix): Float64Array {
  const n = h.dim,
    w = 2 * n,
    m = new Float64Array(w * w);
  for (let a = 0; a < n; a++) {
    for (let b = 0; b < n; b++) {
      const r = h.re[a * n + b],
        i = h.im[a * n + b];
      m[a * w + b] = r;
      m[(a + n) * w + b + n] = r;
      m[a * w + b + n] = -i;
      m[(a + n) * w + b] = i;
    }
  }
  return m;
}

function embedding(h: DensityMatrix): Matrix {
  return Matrix.from1DArray(2 * h.dim, 2 * h.dim, embeddingArray(h));
}

/**
 * The eigenvalues of a Hermitian matrix, ascending: those of its real embedding, each twice, by the
 * eigenvalue-only solver of src/physics/states.ts (no eigenvectors: several times faster than a full
 * decomposition, which is what makes the trace distance at N = 10 take seconds, not a minute).
 */
export function hermitianEigenvalues(h: DensityMatrix): Float64Array {
  const n = 2 * h.dim;
  const all = symmetricEigenvalues(embeddingArray(h), n);
  return Float64Array.from({ length: h.dim }, (_, k) => 0.5 * (all[2 * k] + all[2 * k + 1]));
}

/**
 * tr(ρA) for an observable A given by its pure-state expectation f(ψ) = ⟨ψ|A|ψ⟩: Σ_k λ_k f(w_k) over
 * the eigenpairs of ρ. The real embedding [[Re ρ, −Im ρ], [Im ρ, Re ρ]] has each eigenvalue twice,
 * with unit eigenvectors [u; v] that are w = u + iv and iw, which have the same f, hence the ½.
 * Eigenvalues below 1e-14 (rounding) are skipped.
 */
export function mixtureAverage(rho: DensityMatrix, f: (psi: { re: Float64Array; im: Float64Array }) => number): number {
  const n = rho.dim;
  const e = new EigenvalueDecomposition(embedding(rho), { assumeSymmetric: true });
  const V = e.eigenvectorMatrix,
    lambda = e.realEigenvalues;
  let sum = 0;
  for (let k = 0; k < 2 * n; k++) {
    if (lambda[k] < 1e-14) continue;
    const w = { re: new Float64Array(n), im: new Float64Array(n) };
    for (let a = 0; a < n; a++) {
      w.re[a] = V.get(a, k);
      w.im[a] = V.get(a + n, k);
    }
    sum += 0.5 * lambda[k] * f(w);
  }
  return sum;
}

/** √H of a Hermitian positive semidefinite matrix (eigenvalues below 0 from rounding are taken as 0). */
export function sqrtPsd(h: DensityMatrix): DensityMatrix {
  const n = h.dim;
  const e = new EigenvalueDecomposition(embedding(h), { assumeSymmetric: true });
  const V = e.eigenvectorMatrix,
    lambda = e.realEigenvalues;
  const scaled = V.clone();
  for (let k = 0; k < 2 * n; k++) {
    const s = Math.sqrt(Math.max(lambda[k], 0));
    for (let r = 0; r < 2 * n; r++) scaled.set(r, k, scaled.get(r, k) * s);
  }
  const m = scaled.mmul(V.transpose());
  const out = { dim: n, re: new Float64Array(n * n), im: new Float64Array(n * n) };
  for (let a = 0; a < n; a++) {
    for (let b = 0; b < n; b++) {
      out.re[a * n + b] = 0.5 * (m.get(a, b) + m.get(a + n, b + n));
      out.im[a * n + b] = 0.5 * (m.get(a + n, b) - m.get(a, b + n));
    }
  }
  return out;
}

function multiply(x: DensityMatrix, y: DensityMatrix): DensityMatrix {
  const n = x.dim,
    re = new Float64Array(n * n),
    im = new Float64Array(n * n);
  for (let a = 0; a < n; a++) {
    for (let k = 0; k < n; k++) {
      const xr = x.re[a * n + k],
        xi = x.im[a * n + k];
      if (xr === 0 && xi === 0) continue;
      for (let b = 0; b < n; b++) {
        const yr = y.re[k * n + b],
          yi = y.im[k * n + b];
        re[a * n + b] += xr * yr - xi * yi;
        im[a * n + b] += xr * yi + xi * yr;
      }
    }
  }
  return { dim: n, re, im };
}

/**
 * Uhlmann fidelity (tr √(√ρ σ √ρ))², 1 for equal states, |⟨ψ|φ⟩|² for pure ones. For rank-deficient
 * states the eigenvalues that should vanish come out at rounding level (~1e-16); those below
 * ROUNDING_EIGENVALUE of the largest are dropped, so a dropped true eigenvalue changes F by at most
 * ~1e-7 per eigenvalue: the result is good to about 1e-7.
 */
const ROUNDING_EIGENVALUE = 1e-14;

export function uhlmannFidelity(rho: DensityMatrix, sigma: DensityMatrix): number {
  ensure(rho.dim === sigma.dim, `density matrices of dimensions ${rho.dim} and ${sigma.dim}`);
  const s = sqrtPsd(rho);
  const lambda = hermitianEigenvalues(multiply(multiply(s, sigma), s));
  // Eigenvalues within rounding of 0 (below ROUNDING_EIGENVALUE of the largest) are 0: their square
  // roots would otherwise add ~1e-8 each.
  const floor = ROUNDING_EIGENVALUE * Math.max(...lambda, 0);
  let t = 0;
  for (const l of lambda) if (l > floor) t += Math.sqrt(l);
  return t * t;
}

/** Trace distance ½ tr|ρ − σ| = ½ Σ |eigenvalues of ρ − σ|. */
export function traceDistance(rho: DensityMatrix, sigma: DensityMatrix): number {
  ensure(rho.dim === sigma.dim, `density matrices of dimensions ${rho.dim} and ${sigma.dim}`);
  const d = { dim: rho.dim, re: rho.re.map((x, k) => x - sigma.re[k]), im: rho.im.map((x, k) => x - sigma.im[k]) };
  let s = 0;
  for (const l of hermitianEigenvalues(d)) s += Math.abs(l);
  return 0.5 * s;
}

/** ρ_b(o, o) = ⟨o_b|ρ|o_b⟩: the outcome probabilities of ρ measured in basis b (one letter per qubit). */
export function basisProbabilities(rho: DensityMatrix, basis: string): Float64Array {
  const n = rho.dim;
  // X = U ρ, column by column; then ρ_b(o, o) = Σ_j X(o, j) U(o, j)* = [U · conj(X(o, ·))](o)*, and it is real.
  const conjX = { re: new Float64Array(n * n), im: new Float64Array(n * n) };
  const col = { re: new Float64Array(n), im: new Float64Array(n) };
  for (let j = 0; j < n; j++) {
    for (let a = 0; a < n; a++) {
      col.re[a] = rho.re[a * n + j];
      col.im[a] = rho.im[a * n + j];
    }
    const c = rotateToBasis(col, basis);
    for (let o = 0; o < n; o++) {
      conjX.re[o * n + j] = c.re[o];
      conjX.im[o * n + j] = -c.im[o];
    }
  }
  const p = new Float64Array(n);
  for (let o = 0; o < n; o++) {
    const row = { re: conjX.re.subarray(o * n, (o + 1) * n), im: conjX.im.subarray(o * n, (o + 1) * n) };
    p[o] = Math.max(0, rotateToBasis(row, basis).re[o]);
  }
  return p;
}

/** The local depolarising channel of strength p on every qubit: ρ → (1 − 3p/4) ρ + (p/4) Σ_P P_i ρ P_i. */
export function depolariseEachQubit(rho: DensityMatrix, p: number): DensityMatrix {
  ensure(p >= 0 && p <= 1, `the depolarising strength must be in [0, 1], got ${p}`);
  const n = rho.dim,
    N = Math.round(Math.log2(n));
  let cur = rho;
  for (let q = 0; q < N; q++) {
    const mask = 1 << (N - 1 - q);
    const out = { dim: n, re: cur.re.map((x) => (1 - p / 2) * x), im: cur.im.map((x) => (1 - p / 2) * x) };
    // (X ρ X + Y ρ Y)/4 · p and (Z ρ Z)/4 · p: with Z ρ Z = ±ρ, (1 − 3p/4)ρ + p/4 ZρZ is (1 − p/2)ρ on the
    // diagonal-in-q blocks and (1 − p)ρ off them; X ρ X + Y ρ Y moves the blocks across, 2 ρ(a⊕m, b⊕m) when
    // a and b agree on q, and 0 (they cancel) when they differ.
    for (let a = 0; a < n; a++) {
      for (let b = 0; b < n; b++) {
        const k = a * n + b;
        if ((a & mask) !== (b & mask)) {
          out.re[k] = (1 - p) * cur.re[k];
          out.im[k] = (1 - p) * cur.im[k];
        } else {
          const f = (a ^ mask) * n + (b ^ mask);
          out.re[k] += (p / 2) * cur.re[f];
          out.im[k] += (p / 2) * cur.im[f];
        }
      }
    }
    cur = out;
  }
  return cur;
}
