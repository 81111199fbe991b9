/**
 * Exact ground states: thick-restart Lanczos with full reorthogonalisation (any N that fits in
 * memory) and dense diagonalisation (N ≤ 12) for cross-checks.
 *
 * Why thick restart: full reorthogonalisation costs O(k·2^N) per step against k stored vectors,
 * so an unrestarted Lanczos run of ~150 steps at N = 20 would spend most of its time (and
 * 1.2 GB) on Gram–Schmidt. Restarting every `krylovSize` steps while keeping the lowest Ritz
 * vectors (Wu & Simon, SIAM J. Matrix Anal. Appl. 22, 602 (2000)) bounds both, and converges
 * about as fast per matrix-vector product because the kept Ritz vectors carry the spectral
 * information of the discarded basis. Keeping several Ritz vectors also lets the method resolve
 * nearly degenerate ground states (e.g. the two Z2 sectors of the ordered TFIM), which a
 * single-vector restart could not.
 */
import { EigenvalueDecomposition, Matrix } from "ml-matrix";
import { ensure, QstError } from "../core/errors.js";
import {
  applyHamiltonian,
  applyHamiltonianStats,
  compileHamiltonian,
  hamiltonianMatrix,
  MAX_DENSE_SITES,
  MAX_SITES,
  type Hamiltonian,
} from "./hamiltonians.js";
import { Rng } from "../core/rng.js";

/** The machine's memory limit, in bytes (24 GB). */
export const MEMORY_LIMIT_BYTES = 24e9;
/**
 * What the exact solver allows itself: 80 % of the limit, leaving room for Node/V8 itself and
 * for the data set that is sampled from the state afterwards.
 */
export const MEMORY_BUDGET_BYTES = 0.8 * MEMORY_LIMIT_BYTES;

/**
 * Default Krylov size. The number of H applications to converge hardly depends on it (106–149
 * for the critical TFIM chain at N = 18–20 with sizes 12–60), while every Lanczos step
 * reorthogonalises against the whole basis, so a modest basis is fastest: 20 vectors, keeping 6.
 */
export const DEFAULT_KRYLOV_SIZE = 20;

/**
 * Bytes held at the peak of `groundState`: the Krylov basis plus the next Lanczos vector
 * (krylovSize + 1), the work vector, the cached diagonal of H and the returned state, each
 * 2^N doubles. At N = 20 that is 24 × 8 MB ≈ 0.2 GB; N = 26 needs 12.9 GB, N = 27 25.8 GB.
 */
export function groundStateMemoryBytes(N: number, krylovSize = DEFAULT_KRYLOV_SIZE): number {
  const dim = 2 ** N;
  return (Math.min(krylovSize, dim) + 4) * 8 * dim;
}

const GB = (bytes: number) => (bytes / 1e9).toFixed(bytes < 1e8 ? 3 : 1);

/** Throws a QstError, with the arithmetic, if an exact ground state of N sites would not fit in memory. */
export function ensureGroundStateFits(N: number, krylovSize = DEFAULT_KRYLOV_SIZE, where = "groundState"): void {
  ensure(
    typeof N === "number" && Number.isInteger(N) && N >= 1,
    () => `${where}: N must be a positive integer, got ${String(N)}`,
  );
  const need = groundStateMemoryBytes(N, krylovSize);
  if (need > MEMORY_BUDGET_BYTES) {
    let nMax = Math.min(N, MAX_SITES);
    while (nMax > 1 && groundStateMemoryBytes(nMax, krylovSize) > MEMORY_BUDGET_BYTES) nMax--;
    const vectors = Math.min(krylovSize, 2 ** N) + 4;
    throw new QstError(
      `${where}: N = ${N} needs about ${GB(need)} GB for the exact ground state ` +
        `(${vectors} vectors of 2^${N} doubles, ${GB(8 * 2 ** N)} GB each), more than the ` +
        `${GB(MEMORY_BUDGET_BYTES)} GB budget within the ${GB(MEMORY_LIMIT_BYTES)} GB memory limit; use N ≤ ${nMax}`,
    );
  }
  // Unreachable with the 24 GB limit (N = 30 needs ~300 GB), but the bit tricks need it.
  ensure(N <= MAX_SITES, () => `${where}: N = ${N} exceeds the maximum of ${MAX_SITES} sites`);
}

export interface GroundStateOptions {
  /** Converged when ‖Hψ − Eψ‖ ≤ tol · max(1, |E|) (ψ normalised). Default 1e-10. */
  tol?: number;
  /** Maximum number of applications of H. Default 3000. */
  maxIter?: number;
  /** Seed of the random start vector. Default 0. */
  seed?: number;
  /** Krylov basis size between restarts (memory: krylovSize + 4 vectors of 2^N doubles). Default 20. */
  krylovSize?: number;
  /** Ritz vectors kept at each restart. Default ≈ 0.3 · krylovSize. */
  keep?: number;
  /** Throw a QstError when not converged within maxIter (default true); otherwise return converged: false. */
  requireConvergence?: boolean;
}

export interface GroundState {
  /** Rayleigh quotient ⟨ψ|H|ψ⟩ of the returned state. */
  energy: number;
  /** Normalised, sign fixed so that the largest-magnitude amplitude is positive. */
  psi: Float64Array;
  /** ‖Hψ − Eψ‖, computed explicitly from ψ. */
  residual: number;
  /** Number of applications of H. */
  iterations: number;
  converged: boolean;
}

// ---------------------------------------------------------------------------------------------
// Vector kernels. At N = 20 a vector is 8 MB and every Gram–Schmidt sweep is bound by memory
// bandwidth, not arithmetic: the kernels work chunk by chunk (the chunk of w stays in L1/L2
// while the basis vectors stream past) and fuse four basis vectors per loop, which measured
// about twice as fast as one vector at a time on the development machine.
// ---------------------------------------------------------------------------------------------

const CHUNK = 2048;

function dot(a: Float64Array, b: Float64Array): number {
  const n = a.length;
  let s0 = 0,
    s1 = 0,
    s2 = 0,
    s3 = 0;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    s0 += a[i] * b[i];
    s1 += a[i + 1] * b[i + 1];
    s2 += a[i + 2] * b[i + 2];
    s3 += a[i + 3] * b[i + 3];
  }
  for (; i < n; i++) s0 += a[i] * b[i];
  return s0 + s1 + s2 + s3;
}

function norm(a: Float64Array): number {
  return Math.sqrt(dot(a, a));
}

function scale(a: Float64Array, s: number): void {
  for (let i = 0; i < a.length; i++) a[i] *= s;
}

/** c[l] += V[l][s..e) · w[s..e) for l < count. */
function dotsChunk(V: Float64Array[], count: number, w: Float64Array, c: Float64Array, s: number, e: number): void {
  let l = 0;
  for (; l + 3 < count; l += 4) {
    const v0 = V[l],
      v1 = V[l + 1],
      v2 = V[l + 2],
      v3 = V[l + 3];
    let a0 = 0,
      a1 = 0,
      a2 = 0,
      a3 = 0;
    for (let i = s; i < e; i++) {
      const x = w[i];
      a0 += v0[i] * x;
      a1 += v1[i] * x;
      a2 += v2[i] * x;
      a3 += v3[i] * x;
    }
    c[l] += a0;
    c[l + 1] += a1;
    c[l + 2] += a2;
    c[l + 3] += a3;
  }
  for (; l < count; l++) {
    const v = V[l];
    let acc = 0;
    for (let i = s; i < e; i++) acc += v[i] * w[i];
    c[l] += acc;
  }
}

/** w[s..e) −= Σ_{l<count} c[l] V[l][s..e); returns ‖w[s..e)‖² afterwards. */
function subtractChunk(
  V: Float64Array[],
  count: number,
  w: Float64Array,
  c: Float64Array,
  s: number,
  e: number,
): number {
  let l = 0;
  for (; l + 3 < count; l += 4) {
    const v0 = V[l],
      v1 = V[l + 1],
      v2 = V[l + 2],
      v3 = V[l + 3];
    const c0 = c[l],
      c1 = c[l + 1],
      c2 = c[l + 2],
      c3 = c[l + 3];
    for (let i = s; i < e; i++) w[i] -= c0 * v0[i] + c1 * v1[i] + c2 * v2[i] + c3 * v3[i];
  }
  for (; l < count; l++) {
    const v = V[l];
    const cl = c[l];
    for (let i = s; i < e; i++) w[i] -= cl * v[i];
  }
  let nn = 0;
  for (let i = s; i < e; i++) nn += w[i] * w[i];
  return nn;
}

/**
 * Orthogonalises w against V[0..count) by classical Gram–Schmidt, with the known Lanczos
 * couplings `known` (coefficients along V[l], zero where unknown) removed first in the same sweep.
 *
 * Sweep 1 subtracts the known part and takes all dot products; sweep 2 subtracts the
 * projections. The known couplings carry almost all of w's component in the basis, so this one
 * pass acts as the second ("twice is enough") pass for them and the first for the round-off
 * components along the rest; a further full pass runs only if it removed a large fraction of
 * the norm (the DGKS criterion with η = 1/√2). Adds the coefficients removed along V[l] to
 * `removed[l]` and returns ‖w‖.
 */
function orthogonalise(
  V: Float64Array[],
  count: number,
  w: Float64Array,
  known: Float64Array | null,
  removed: Float64Array,
  c: Float64Array,
): number {
  const n = w.length;
  let before = 0;
  let after = 0;
  for (let pass = 0; pass < 3; pass++) {
    c.fill(0, 0, count);
    before = 0;
    for (let s = 0; s < n; s += CHUNK) {
      const e = Math.min(n, s + CHUNK);
      if (pass === 0 && known) {
        for (let l = 0; l < count; l++) {
          const k = known[l];
          if (k === 0) continue;
          const v = V[l];
          for (let i = s; i < e; i++) w[i] -= k * v[i];
        }
      }
      for (let i = s; i < e; i++) before += w[i] * w[i];
      dotsChunk(V, count, w, c, s, e);
    }
    after = 0;
    for (let s = 0; s < n; s += CHUNK) after += subtractChunk(V, count, w, c, s, Math.min(n, s + CHUNK));
    for (let l = 0; l < count; l++) removed[l] += c[l];
    if (after >= 0.5 * before) break; // ‖w‖ kept more than 1/√2 of itself: orthogonal to working precision
  }
  if (known) for (let l = 0; l < count; l++) removed[l] += known[l];
  return Math.sqrt(after);
}

function randomUnitVector(dim: number, rng: Rng): Float64Array {
  const v = new Float64Array(dim);
  for (let i = 0; i < dim; i++) v[i] = rng.normal();
  scale(v, 1 / norm(v));
  return v;
}

/** Flip the global sign so the largest-magnitude amplitude is positive (first one among near-ties, for determinism). */
export function fixSign(psi: Float64Array): Float64Array {
  let maxAbs = 0;
  for (let i = 0; i < psi.length; i++) maxAbs = Math.max(maxAbs, Math.abs(psi[i]));
  const threshold = maxAbs * (1 - 1e-9);
  for (let i = 0; i < psi.length; i++) {
    if (Math.abs(psi[i]) >= threshold) {
      if (psi[i] < 0) scale(psi, -1);
      break;
    }
  }
  return psi;
}

/** Eigen-decomposition of the leading m×m block of a symmetric matrix, eigenvalues ascending. */
function smallEigen(T: Float64Array, ld: number, m: number): { values: Float64Array; vectors: Float64Array[] } {
  const M = new Matrix(m, m);
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) M.set(i, j, T[i * ld + j]);
  const evd = new EigenvalueDecomposition(M, { assumeSymmetric: true });
  const lam = evd.realEigenvalues;
  const Y = evd.eigenvectorMatrix;
  const order = lam.map((_, i) => i).sort((a, b) => lam[a] - lam[b]);
  const values = Float64Array.from(order, (i) => lam[i]);
  // vectors[k] = k-th eigenvector (column of Y), as a flat array of length m
  const vectors = order.map((col) => Float64Array.from({ length: m }, (_, r) => Y.get(r, col)));
  return { values, vectors };
}

/** V[0..k) ← V[0..m) · Y[:, 0..k), in place, chunk by chunk so only k·CHUNK doubles of scratch are needed. */
function rotateBasis(V: Float64Array[], m: number, Y: Float64Array[], k: number): void {
  const n = V[0].length;
  const tmp = new Float64Array(k * CHUNK);
  for (let s = 0; s < n; s += CHUNK) {
    const len = Math.min(n, s + CHUNK) - s;
    tmp.fill(0);
    for (let j = 0; j < k; j++) {
      const y = Y[j];
      const t = tmp.subarray(j * CHUNK, j * CHUNK + len);
      let l = 0;
      for (; l + 3 < m; l += 4) {
        const v0 = V[l],
          v1 = V[l + 1],
          v2 = V[l + 2],
          v3 = V[l + 3];
        const c0 = y[l],
          c1 = y[l + 1],
          c2 = y[l + 2],
          c3 = y[l + 3];
        for (let i = 0; i < len; i++) {
          const a = s + i;
          t[i] += c0 * v0[a] + c1 * v1[a] + c2 * v2[a] + c3 * v3[a];
        }
      }
      for (; l < m; l++) {
        const v = V[l];
        const c = y[l];
        for (let i = 0; i < len; i++) t[i] += c * v[s + i];
      }
    }
    for (let j = 0; j < k; j++) V[j].set(tmp.subarray(j * CHUNK, j * CHUNK + len), s);
  }
}

function checkOptions(
  H: Hamiltonian,
  opts: GroundStateOptions,
): Required<Omit<GroundStateOptions, "keep">> & { keep: number } {
  const tol = opts.tol ?? 1e-10;
  ensure(Number.isFinite(tol) && tol > 0, () => `groundState: tol must be a positive number, got ${String(tol)}`);
  const maxIter = opts.maxIter ?? 3000;
  ensure(
    Number.isInteger(maxIter) && maxIter >= 1,
    () => `groundState: maxIter must be a positive integer, got ${String(maxIter)}`,
  );
  const seed = opts.seed ?? 0;
  ensure(Number.isFinite(seed), () => `groundState: seed must be a finite number, got ${String(seed)}`);
  const krylovSize = opts.krylovSize ?? DEFAULT_KRYLOV_SIZE;
  ensure(
    Number.isInteger(krylovSize) && krylovSize >= 3,
    () => `groundState: krylovSize must be an integer ≥ 3, got ${String(krylovSize)}`,
  );
  const dim = 2 ** H.nSites;
  const m = Math.min(krylovSize, dim);
  const keep = opts.keep ?? Math.max(1, Math.min(m - 2, Math.round(0.3 * m)));
  ensure(
    Number.isInteger(keep) && keep >= 1 && keep <= Math.max(1, m - 2),
    () => `groundState: keep must be an integer between 1 and krylovSize − 2, got ${String(keep)}`,
  );
  return { tol, maxIter, seed, krylovSize: m, keep, requireConvergence: opts.requireConvergence ?? true };
}

/**
 * Lowest eigenpair of a real Hamiltonian by thick-restart Lanczos with full reorthogonalisation.
 * Converged when the explicitly computed residual ‖Hψ − Eψ‖ ≤ tol · max(1, |E|).
 * For an exactly degenerate ground level the state returned is one (seed-dependent) vector of it.
 */
export function groundState(H: Hamiltonian, options: GroundStateOptions = {}): GroundState {
  ensure(H !== null && typeof H === "object" && Array.isArray(H.terms), "groundState: H must be a Hamiltonian");
  const N = H.nSites;
  const { tol, maxIter, seed, krylovSize: m, keep, requireConvergence } = checkOptions(H, options);
  ensureGroundStateFits(N, m);
  const C = compileHamiltonian(H);
  ensure(
    C.isReal,
    "groundState: H has complex matrix elements (a term with an odd number of Y); only real Hamiltonians are supported",
  );
  const dim = C.dim;
  const rng = new Rng(seed);

  // V[0..m) is the Krylov basis and V[m] holds the next Lanczos vector at the end of a cycle;
  // buffers are allocated on first use and then recycled by swapping, never copied.
  const V: Float64Array[] = [randomUnitVector(dim, rng)];
  let w: Float64Array = new Float64Array(dim); // H v_j, then scratch
  let psi: Float64Array | null = null;
  // Projected matrix T = Vᵀ H V, row-major with leading dimension m. Between restarts it is
  // tridiagonal; after a thick restart its leading block is diagonal (the kept Ritz values)
  // with an arrowhead row coupling them to the next Lanczos vector.
  const T = new Float64Array(m * m);
  const known = new Float64Array(m + 1); // couplings of H v_j to earlier vectors that T already holds
  const removed = new Float64Array(m + 1);
  const scratch = new Float64Array(m + 1);
  let j = 0; // V[0..j] are valid; the next step applies H to V[j]
  let matvecs = 0;
  let lastResidual = Infinity;

  const fail = (residual: number, energy: number, why: string): never => {
    throw new QstError(
      `groundState: Lanczos did not converge for ${H.name}: residual ${residual.toExponential(2)} > ` +
        `tol·max(1,|E|) = ${(tol * Math.max(1, Math.abs(energy))).toExponential(2)} ${why}`,
    );
  };

  for (;;) {
    // ---- One Lanczos step: w = H v_j, orthogonalised against the whole basis.
    const [alpha, hh] = applyHamiltonianStats(C, V[j], w);
    matvecs++;
    known.fill(0, 0, j + 1);
    for (let l = 0; l < j; l++) known[l] = T[l * m + j];
    known[j] = alpha;
    removed.fill(0, 0, j + 1);
    let beta = orthogonalise(V, j + 1, w, known, removed, scratch);
    T[j * m + j] = removed[j];
    // Breakdown: V spans an invariant subspace (exactly, or to round-off). Continue from a fresh
    // random direction with zero coupling, so that T becomes block diagonal.
    const broke = !(beta > 1e-10 * Math.sqrt(hh));
    const spare = V[j + 1];
    if (broke) {
      beta = 0;
      const v = spare ?? new Float64Array(dim);
      if (j + 1 < dim) {
        v.set(randomUnitVector(dim, rng));
        removed.fill(0);
        scale(v, 1 / orthogonalise(V, j + 1, v, null, removed, scratch));
      } else v.fill(0); // the basis is the whole space: nothing left to explore
      V[j + 1] = v;
    } else {
      scale(w, 1 / beta);
      V[j + 1] = w;
      w = spare ?? new Float64Array(dim);
    }
    if (j + 1 < m) T[j * m + j + 1] = T[(j + 1) * m + j] = beta;
    j++;

    // ---- Rayleigh–Ritz on the j×j projected matrix, every step (it is tiny next to one H v).
    const { values, vectors } = smallEigen(T, m, j);
    const theta = values[0];
    // Residual of Ritz pair k: ‖H V y_k − θ_k V y_k‖ = β_j |y_k[j−1]| (exact for Lanczos with
    // full reorthogonalisation, up to round-off).
    const estimate = beta * Math.abs(vectors[0][j - 1]);
    const outOfBudget = matvecs + 1 >= maxIter;

    if (estimate <= tol * Math.max(1, Math.abs(theta)) || outOfBudget) {
      // Form the Ritz vector and check its residual explicitly, since round-off could make the
      // estimate optimistic. w is free here: the next Lanczos vector is already in V[j].
      psi ??= new Float64Array(dim);
      psi.fill(0);
      const y = vectors[0];
      for (let l = 0; l < j; l++) {
        const c = y[l];
        const v = V[l];
        for (let i = 0; i < dim; i++) psi[i] += c * v[i];
      }
      scale(psi, 1 / norm(psi));
      fixSign(psi);
      const [energy] = applyHamiltonianStats(C, psi, w);
      matvecs++;
      for (let i = 0; i < dim; i++) w[i] -= energy * psi[i];
      const residual = norm(w);
      const ok = residual <= tol * Math.max(1, Math.abs(energy));
      if (ok) return { energy, psi, residual, iterations: matvecs, converged: true };
      const stalled = residual >= lastResidual || beta === 0;
      if (outOfBudget || stalled) {
        if (!requireConvergence) return { energy, psi, residual, iterations: matvecs, converged: false };
        fail(
          residual,
          energy,
          outOfBudget
            ? `after ${matvecs} applications of H (maxIter = ${maxIter}); raise maxIter or loosen tol`
            : `and stopped decreasing: tol = ${tol} is below what double precision reaches here`,
        );
      }
      lastResidual = residual;
      psi = null; // the buffer may be handed out as a result later; do not reuse it
    }

    if (j < m) continue;

    // ---- Thick restart: keep the lowest `keep` Ritz vectors, then continue from v_m.
    const k = keep;
    rotateBasis(V, m, vectors, k);
    T.fill(0);
    for (let l = 0; l < k; l++) T[l * m + l] = values[l];
    // Arrowhead: H (V y_l) = θ_l V y_l + β_m y_l[m−1] v_m, and v_m becomes V[k].
    for (let l = 0; l < k; l++) T[l * m + k] = T[k * m + l] = beta * vectors[l][m - 1];
    const vm = V[m];
    V[m] = V[k];
    V[k] = vm;
    // One more projection against the rotated basis: rotateBasis carries round-off.
    removed.fill(0);
    scale(vm, 1 / orthogonalise(V, k, vm, null, removed, scratch));
    j = k;
  }
}

/** Ground state by dense diagonalisation (ml-matrix), N ≤ 12. For cross-checks; O(8^N) time. */
export function denseGroundState(H: Hamiltonian): GroundState {
  ensure(
    Number.isInteger(H.nSites) && H.nSites >= 1 && H.nSites <= MAX_DENSE_SITES,
    () => `denseGroundState: N = ${H.nSites} is too large for dense diagonalisation (N ≤ ${MAX_DENSE_SITES})`,
  );
  const M = hamiltonianMatrix(H);
  const evd = new EigenvalueDecomposition(M, { assumeSymmetric: true });
  const lam = evd.realEigenvalues;
  let k = 0;
  for (let i = 1; i < lam.length; i++) if (lam[i] < lam[k]) k = i;
  const dim = lam.length;
  const psi = new Float64Array(dim);
  for (let i = 0; i < dim; i++) psi[i] = evd.eigenvectorMatrix.get(i, k);
  scale(psi, 1 / norm(psi));
  fixSign(psi);
  const w = new Float64Array(dim);
  applyHamiltonian(H, psi, w);
  const energy = dot(psi, w);
  for (let i = 0; i < dim; i++) w[i] -= energy * psi[i];
  return { energy, psi, residual: norm(w), iterations: 0, converged: true };
}
