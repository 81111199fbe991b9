import { describe, it, expect } from "vitest";
import { EigenvalueDecomposition, Matrix } from "ml-matrix";
import { QstError } from "../src/core/errors.js";
import {
  denseGroundState,
  ensureGroundStateFits,
  groundState,
  groundStateMemoryBytes,
  MEMORY_BUDGET_BYTES,
} from "../src/physics/groundstate.js";
import {
  applyHamiltonian,
  chain,
  hamiltonianMatrix,
  heisenberg,
  square,
  tfim,
  xxz,
  type Boundary,
  type Hamiltonian,
} from "../src/physics/hamiltonians.js";
import { symmetricEigenvalues } from "../src/physics/states.js";

// ---- Free-fermion (Jordan–Wigner) ground-state energies of the TFIM chain --------------------
//
// H = −J Σ Z_i Z_{i+1} − h Σ X_i is unitarily equivalent (Hadamard on every site) to
// H' = −J Σ σˣ_i σˣ_{i+1} − h Σ σᶻ_i. With σᶻ_i = 1 − 2c†_i c_i and
// σˣ_i σˣ_{i+1} = (c†_i − c_i)(c†_{i+1} + c_{i+1}), H' = Σ_ij [c†_i A_ij c_j + ½(c†_i B_ij c†_j + h.c.)] − Nh
// with A = 2h·1 − J(δ_{j,i+1} + δ_{j,i−1}) and B_{i,i+1} = −J = −B_{i+1,i}. Lieb–Schultz–Mattis:
// H' = Σ_k Λ_k (η†_k η_k − ½) + ½ Tr A − Nh = Σ_k Λ_k η†_k η_k − ½ Σ_k Λ_k, where Λ_k are the
// singular values of A − B = 2L, L lower bidiagonal with L_ii = h, L_{i+1,i} = −J. So
//     E0(open) = −Σ_k s_k(L) = −½ Σ |eigenvalues of [[0, L], [Lᵀ, 0]]|
// (the symmetric 2N×2N "BdG" form; its eigenvalues are ±s_k, accurate to ε‖L‖ in absolute terms,
// unlike square roots of the eigenvalues of LLᵀ, whose tiny edge mode for h < J would lose digits).
//
// Periodic chain: the boundary term picks up the fermion parity, and for J, h > 0 the ground
// state lies in the even-parity sector, where the fermions are antiperiodic:
// k = π(2n+1)/N, n = 0…N−1, single-particle energies 2√(J² + h² − 2Jh cos k), and
//     E0(periodic) = −Σ_k √(J² + h² − 2Jh cos k).
// Both formulas are checked against dense diagonalisation for small N below. (For J < 0 and odd
// N the chain is frustrated and the formula does not hold; we only use J > 0.)

function tfimOpenExact(N: number, J: number, h: number): number {
  const n = 2 * N;
  const M = new Matrix(n, n);
  for (let i = 0; i < N; i++) {
    // L_ii = h, L_{i+1,i} = −J; M = [[0, L], [Lᵀ, 0]]
    M.set(i, N + i, h);
    M.set(N + i, i, h);
    if (i + 1 < N) {
      M.set(i + 1, N + i, -J);
      M.set(N + i, i + 1, -J);
    }
  }
  const ev = new EigenvalueDecomposition(M, { assumeSymmetric: true }).realEigenvalues;
  return -0.5 * ev.reduce((s, x) => s + Math.abs(x), 0);
}

function tfimPeriodicExact(N: number, J: number, h: number): number {
  let e = 0;
  for (let n = 0; n < N; n++) {
    const k = (Math.PI * (2 * n + 1)) / N;
    e -= Math.sqrt(J * J + h * h - 2 * J * h * Math.cos(k));
  }
  return e;
}

const tfimExact = (N: number, bc: Boundary, J: number, h: number) =>
  bc === "open" ? tfimOpenExact(N, J, h) : tfimPeriodicExact(N, J, h);

function relErr(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(1, Math.abs(b));
}

function checkGroundState(H: Hamiltonian, gs: { energy: number; psi: Float64Array; residual: number }, tol: number) {
  // Normalised, sign convention, and the stated residual is the true one.
  let n2 = 0;
  let maxIdx = 0;
  for (let i = 0; i < gs.psi.length; i++) {
    n2 += gs.psi[i] * gs.psi[i];
    if (Math.abs(gs.psi[i]) > Math.abs(gs.psi[maxIdx]) * (1 + 1e-9)) maxIdx = i;
  }
  expect(Math.abs(n2 - 1)).toBeLessThan(1e-12);
  expect(gs.psi[maxIdx]).toBeGreaterThan(0);
  const w = new Float64Array(gs.psi.length);
  applyHamiltonian(H, gs.psi, w);
  let r2 = 0;
  for (let i = 0; i < w.length; i++) r2 += (w[i] - gs.energy * gs.psi[i]) ** 2;
  expect(Math.sqrt(r2)).toBeCloseTo(gs.residual, 12);
  expect(gs.residual).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(gs.energy)));
}

describe("TFIM chain: Lanczos vs free fermions", () => {
  it("the closed forms agree with dense diagonalisation (checks the formulas themselves)", () => {
    for (const N of [2, 3, 4, 5, 6, 7, 8]) {
      for (const h of [0.3, 1, 2.5]) {
        for (const bc of ["open", "periodic"] as Boundary[]) {
          if (bc === "periodic" && N < 3) continue; // a 2-site ring has one bond in qst, two in the formula
          const d = denseGroundState(tfim(chain(N, bc), { J: 1, h }));
          expect(relErr(d.energy, tfimExact(N, bc, 1, h))).toBeLessThan(1e-12);
        }
      }
    }
    // J ≠ 1 and h > J, open chain.
    expect(
      relErr(denseGroundState(tfim(chain(6, "open"), { J: 0.7, h: 1.9 })).energy, tfimOpenExact(6, 0.7, 1.9)),
    ).toBeLessThan(1e-12);
  });

  for (const bc of ["open", "periodic"] as Boundary[]) {
    it(`matches to 1e-9 relative for the ${bc} chain, N = 4…16, h ∈ {0.5, 1, 2}`, () => {
      for (const N of [4, 6, 9, 12, 16]) {
        for (const h of [0.5, 1, 2]) {
          const H = tfim(chain(N, bc), { J: 1, h });
          const gs = groundState(H, { seed: N });
          expect(gs.converged).toBe(true);
          expect(relErr(gs.energy, tfimExact(N, bc, 1, h))).toBeLessThan(1e-9);
          if (N <= 12) checkGroundState(H, gs, 1e-10);
        }
      }
    });
  }

  // N = 20 is the expensive case (2^20 amplitudes, ~100 applications of H, ~10 s here), so only
  // the critical open chain; the periodic chain is covered up to N = 16 above.
  // tol = 1e-8 on the residual leaves an energy error ~ residual²/gap ≈ 1e-15, far below 1e-9.
  it("matches for the open chain at N = 20, h = 1 (critical)", () => {
    const gs = groundState(tfim(chain(20, "open"), { h: 1 }), { tol: 1e-8 });
    expect(relErr(gs.energy, tfimOpenExact(20, 1, 1))).toBeLessThan(1e-9);
  });
});

describe("Lanczos vs dense diagonalisation", () => {
  it("agrees on energies and states for N ≤ 8 (TFIM, XXZ, Heisenberg, square lattices)", () => {
    const models: Hamiltonian[] = [
      tfim(chain(1, "open"), { h: 0.7 }),
      tfim(chain(2, "periodic"), { h: 0.7 }),
      tfim(chain(5, "open"), { J: -1, h: 0.8 }),
      xxz(chain(6, "open"), { J: 1, delta: 0.3 }),
      xxz(chain(7, "periodic"), { J: 0.5, delta: -2 }),
      heisenberg(chain(8, "periodic")),
      heisenberg(square(2, 3, "periodic")),
      tfim(square(2, 4, "open"), { h: 3 }),
    ];
    for (const H of models) {
      const d = denseGroundState(H);
      const g = groundState(H, { seed: 5 });
      expect(relErr(g.energy, d.energy)).toBeLessThan(1e-12);
      checkGroundState(H, g, 1e-10);
      checkGroundState(H, d, 1e-10);
    }
    // Non-degenerate ground states: the two vectors coincide (same sign convention).
    const H = tfim(chain(8, "open"), { h: 1.3 });
    const d = denseGroundState(H);
    const g = groundState(H);
    let diff = 0;
    for (let i = 0; i < d.psi.length; i++) diff = Math.max(diff, Math.abs(d.psi[i] - g.psi[i]));
    expect(diff).toBeLessThan(1e-9);
  });

  it("agrees with the full dense spectrum at N = 10 (Heisenberg chain)", () => {
    // Eigenvalues only (Householder + bisection): the full ml-matrix decomposition of a
    // 1024×1024 matrix takes ~10 s.
    const H = heisenberg(chain(10, "open"));
    const M = hamiltonianMatrix(H);
    const lowest = symmetricEigenvalues(Float64Array.from(M.to1DArray()), M.rows)[0];
    expect(relErr(groundState(H).energy, lowest)).toBeLessThan(1e-11);
  });
});

describe("Heisenberg chain", () => {
  it("matches dense diagonalisation for N = 2…8 (N = 10 is checked above)", () => {
    for (const N of [2, 3, 4, 6, 8]) {
      for (const bc of ["open", "periodic"] as Boundary[]) {
        const H = heisenberg(chain(N, bc));
        expect(relErr(groundState(H).energy, denseGroundState(H).energy)).toBeLessThan(1e-12);
      }
    }
    // Known small cases (H = Σ σ·σ = 4 Σ S·S): the 2-site singlet has E = −3; the 4-site ring −8.
    expect(groundState(heisenberg(chain(2, "open"))).energy).toBeCloseTo(-3, 12);
    expect(groundState(heisenberg(chain(4, "periodic"))).energy).toBeCloseTo(-8, 12);
  });

  it("reproduces the published N = 16 periodic-chain energy", () => {
    // For H = Σ S_i·S_{i+1} (S = σ/2) on the 16-site ring, E0 = −7.142296360616777 (exact
    // diagonalisation with HPhi, ISSP, which prints −7.1422963606167773; Bethe-ansatz tables give
    // −7.142296361, E0/N = −0.44639352). qst's H uses Pauli matrices: H_pauli = 4 H_spin.
    const E0spin = -7.1422963606167773;
    const gs = groundState(heisenberg(chain(16, "periodic")));
    expect(relErr(gs.energy, 4 * E0spin)).toBeLessThan(1e-11);
    expect(gs.energy / 16 / 4).toBeCloseTo(-0.4463935225, 9);
  });
});

describe("groundState options and refusals", () => {
  it("is deterministic for a given seed", () => {
    const H = xxz(chain(10, "open"), { delta: 0.7 });
    const a = groundState(H, { seed: 11 });
    const b = groundState(H, { seed: 11 });
    expect(a.energy).toBe(b.energy);
    expect(Array.from(a.psi)).toEqual(Array.from(b.psi));
    expect(a.iterations).toBe(b.iterations);
  });

  it("reports non-convergence", () => {
    const H = tfim(chain(12, "open"), { h: 1 });
    expect(() => groundState(H, { maxIter: 5 })).toThrow(QstError);
    expect(() => groundState(H, { maxIter: 5 })).toThrow(/did not converge.*maxIter = 5/);
    const r = groundState(H, { maxIter: 5, requireConvergence: false });
    expect(r.converged).toBe(false);
    expect(r.iterations).toBeLessThanOrEqual(5);
  });

  it("refuses N whose Lanczos vectors would not fit in memory, with the arithmetic", () => {
    // (20 Krylov + 4 work vectors) × 8 bytes × 2^N: N = 26 → 12.9 GB fits the 19.2 GB budget,
    // N = 27 → 25.8 GB does not.
    expect(groundStateMemoryBytes(20)).toBe(24 * 8 * 2 ** 20);
    expect(groundStateMemoryBytes(26)).toBeLessThan(MEMORY_BUDGET_BYTES);
    expect(groundStateMemoryBytes(27)).toBeGreaterThan(MEMORY_BUDGET_BYTES);
    expect(() => ensureGroundStateFits(26)).not.toThrow();
    expect(() => ensureGroundStateFits(27)).toThrow(QstError);
    expect(() => ensureGroundStateFits(27)).toThrow(
      "groundState: N = 27 needs about 25.8 GB for the exact ground state (24 vectors of 2^27 doubles, 1.1 GB each), " +
        "more than the 19.2 GB budget within the 24.0 GB memory limit; use N ≤ 26",
    );
    expect(() => groundState(tfim(chain(28, "open"), { h: 1 }))).toThrow(/N = 28 needs about 51\.5 GB/);
    expect(() => ensureGroundStateFits(40)).toThrow(/N = 40 needs about 211106\.2 GB/);
  });

  it("validates options", () => {
    const H = tfim(chain(4), { h: 1 });
    expect(() => groundState(H, { tol: 0 })).toThrow("groundState: tol must be a positive number, got 0");
    expect(() => groundState(H, { maxIter: 0 })).toThrow("groundState: maxIter must be a positive integer, got 0");
    expect(() => groundState(H, { krylovSize: 2 })).toThrow("groundState: krylovSize must be an integer ≥ 3, got 2");
    expect(() => groundState(H, { keep: 50 })).toThrow(
      "groundState: keep must be an integer between 1 and krylovSize − 2",
    );
    const complexH: Hamiltonian = {
      nSites: 2,
      terms: [{ coefficient: 1, sites: [0], paulis: ["Y"] }],
      name: "Y",
      params: {},
    };
    expect(() => groundState(complexH)).toThrow(/complex matrix elements/);
    expect(() => denseGroundState(tfim(chain(13), { h: 1 }))).toThrow(
      "denseGroundState: N = 13 is too large for dense diagonalisation (N ≤ 12)",
    );
  });
});
