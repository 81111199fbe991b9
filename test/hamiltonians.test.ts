import { describe, it, expect } from "vitest";
import {
  applyHamiltonian,
  applyHamiltonianComplex,
  applyHamiltonianStats,
  chain,
  fromEdges,
  hamiltonianMatrix,
  hamiltonianMatrixComplex,
  heisenberg,
  square,
  tfim,
  xxz,
  type Hamiltonian,
  type Pauli,
  type PauliTerm,
} from "../src/physics/hamiltonians.js";
import { Rng } from "../src/core/rng.js";
import { expectQstError } from "./helpers/errors.js";

// ---- Independent dense reference: explicit 2×2 Pauli matrices and Kronecker products. -------
// Qubit 0 is the most significant bit, so the operator on N qubits is P_0 ⊗ P_1 ⊗ … ⊗ P_{N−1}.

interface CMat {
  n: number;
  re: Float64Array;
  im: Float64Array;
}
const mat2 = (re: number[], im: number[]): CMat => ({ n: 2, re: Float64Array.from(re), im: Float64Array.from(im) });
const PAULI: Record<Pauli | "I", CMat> = {
  I: mat2([1, 0, 0, 1], [0, 0, 0, 0]),
  X: mat2([0, 1, 1, 0], [0, 0, 0, 0]),
  Y: mat2([0, 0, 0, 0], [0, -1, 1, 0]), // [[0, −i], [i, 0]]
  Z: mat2([1, 0, 0, -1], [0, 0, 0, 0]),
};

function kron(a: CMat, b: CMat): CMat {
  const n = a.n * b.n;
  const re = new Float64Array(n * n);
  const im = new Float64Array(n * n);
  for (let i = 0; i < a.n; i++)
    for (let j = 0; j < a.n; j++) {
      const ar = a.re[i * a.n + j],
        ai = a.im[i * a.n + j];
      if (ar === 0 && ai === 0) continue;
      for (let k = 0; k < b.n; k++)
        for (let l = 0; l < b.n; l++) {
          const br = b.re[k * b.n + l],
            bi = b.im[k * b.n + l];
          const idx = (i * b.n + k) * n + (j * b.n + l);
          re[idx] = ar * br - ai * bi;
          im[idx] = ar * bi + ai * br;
        }
    }
  return { n, re, im };
}

function pauliStringMatrix(N: number, sites: number[], paulis: Pauli[]): CMat {
  let m: CMat = { n: 1, re: Float64Array.of(1), im: Float64Array.of(0) };
  for (let q = 0; q < N; q++) {
    const k = sites.indexOf(q);
    m = kron(m, PAULI[k >= 0 ? paulis[k] : "I"]);
  }
  return m;
}

function denseReference(H: Hamiltonian): CMat {
  const n = 2 ** H.nSites;
  const out: CMat = { n, re: new Float64Array(n * n), im: new Float64Array(n * n) };
  for (const t of H.terms) {
    const P = pauliStringMatrix(H.nSites, t.sites, t.paulis);
    for (let i = 0; i < n * n; i++) {
      out.re[i] += t.coefficient * P.re[i];
      out.im[i] += t.coefficient * P.im[i];
    }
  }
  return out;
}

function matVec(M: CMat, xr: Float64Array, xi: Float64Array): { re: Float64Array; im: Float64Array } {
  const n = M.n;
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sr = 0,
      si = 0;
    for (let j = 0; j < n; j++) {
      const mr = M.re[i * n + j],
        mi = M.im[i * n + j];
      sr += mr * xr[j] - mi * xi[j];
      si += mr * xi[j] + mi * xr[j];
    }
    re[i] = sr;
    im[i] = si;
  }
  return { re, im };
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
};

function randomVector(n: number, rng: Rng): Float64Array {
  return Float64Array.from({ length: n }, () => rng.normal());
}

// ---------------------------------------------------------------------------------------------

describe("lattices", () => {
  it("builds open and periodic chains", () => {
    expect(chain(4, "open").edges).toEqual([
      [0, 1],
      [1, 2],
      [2, 3],
    ]);
    expect(chain(4, "periodic").edges).toEqual([
      [0, 1],
      [1, 2],
      [2, 3],
      [0, 3],
    ]);
    expect(chain(4).name).toBe("chain(N=4, open)");
  });

  it("does not double the bond of a periodic 2-site chain", () => {
    expect(chain(2, "periodic").edges).toEqual([[0, 1]]);
  });

  it("builds square lattices with the right bond counts", () => {
    expect(square(3, 3, "open").edges).toHaveLength(12);
    expect(square(3, 3, "periodic").edges).toHaveLength(18);
    expect(square(4, 2, "open").edges).toHaveLength(10);
    // A side of length 2 must not double its wrap bonds: 2×2 periodic is the 4-cycle.
    expect(square(2, 2, "periodic").edges).toHaveLength(4);
    expect(square(3, 2, "periodic").edges).toHaveLength(9); // 2 rings of 3 + 3 vertical bonds (not doubled)
    const sq = square(3, 2, "open");
    expect(sq.edges).toContainEqual([0, 1]);
    expect(sq.edges).toContainEqual([0, 3]); // (x=0,y=0)–(x=0,y=1): index y·Lx + x
    expect(sq.Lx).toBe(3);
    expect(sq.Ly).toBe(2);
  });

  it("validates explicit edges", () => {
    const g = fromEdges(3, [
      [2, 0],
      [1, 2],
    ]);
    expect(g.edges).toEqual([
      [0, 2],
      [1, 2],
    ]);
    expectQstError(() => fromEdges(3, [[0, 3]]), "edge 0 [0, 3] has site 3 outside 0..2");
    expectQstError(
      () =>
        fromEdges(3, [
          [0, 1],
          [1, 0],
        ]),
      "edge 1 [1, 0] is a duplicate",
    );
    expectQstError(() => fromEdges(3, [[1, 1]]), "edge 0 [1, 1] joins a site to itself");
    expectQstError(() => fromEdges(3, [[0, -1]]), "site -1 outside");
    expectQstError(() => chain(0), "chain: N must be an integer ≥ 1, got 0");
    expectQstError(() => chain(4, "closed" as never), 'chain: boundary must be "open" or "periodic"');
    expectQstError(() => square(1, 4), "square: Lx must be an integer ≥ 2, got 1");
  });
});

describe("Pauli-string Hamiltonians", () => {
  it("builds TFIM and XXZ terms with the documented signs", () => {
    const H = tfim(chain(3, "open"), { J: 2, h: 0.5 });
    expect(H.terms).toContainEqual({ coefficient: -2, sites: [0, 1], paulis: ["Z", "Z"] });
    expect(H.terms).toContainEqual({ coefficient: -0.5, sites: [2], paulis: ["X"] });
    expect(H.terms).toHaveLength(5);
    const K = xxz(chain(2, "open"), { J: 1.5, delta: 0.25 });
    expect(K.terms).toEqual([
      { coefficient: 1.5, sites: [0, 1], paulis: ["X", "X"] },
      { coefficient: 1.5, sites: [0, 1], paulis: ["Y", "Y"] },
      { coefficient: 0.375, sites: [0, 1], paulis: ["Z", "Z"] },
    ]);
    expect(heisenberg(chain(3)).params).toEqual({ model: "heisenberg", J: 1, delta: 1 });
  });

  it("follows the bit conventions: qubit 0 is the most significant bit, bit 0 is Z = +1", () => {
    // H = Z_0 on 3 qubits: diagonal (+1 for b < 4, −1 for b ≥ 4).
    const H: Hamiltonian = {
      nSites: 3,
      terms: [{ coefficient: 1, sites: [0], paulis: ["Z"] }],
      name: "Z0",
      params: {},
    };
    const M = hamiltonianMatrix(H);
    for (let b = 0; b < 8; b++) expect(M.get(b, b)).toBe(b < 4 ? 1 : -1);
    // X_2 flips the least significant bit.
    const X2: Hamiltonian = {
      nSites: 3,
      terms: [{ coefficient: 1, sites: [2], paulis: ["X"] }],
      name: "X2",
      params: {},
    };
    expect(hamiltonianMatrix(X2).get(0, 1)).toBe(1);
    // Y_0 Y_1 |00⟩ = (i)(i)|11⟩ = −|11⟩, and Y_0 Y_1 |01⟩ = (i)(−i)|10⟩ = +|10⟩.
    const YY: Hamiltonian = {
      nSites: 2,
      terms: [{ coefficient: 1, sites: [0, 1], paulis: ["Y", "Y"] }],
      name: "YY",
      params: {},
    };
    const yy = hamiltonianMatrix(YY);
    expect(yy.get(3, 0)).toBe(-1);
    expect(yy.get(2, 1)).toBe(1);
  });

  it("matches Kronecker-product matrices for TFIM, XXZ and Heisenberg models", () => {
    const rng = new Rng(1);
    const models: Hamiltonian[] = [
      tfim(chain(4, "open"), { J: 0.7, h: 1.3 }),
      tfim(chain(5, "periodic"), { J: -1.1, h: 0.4 }),
      xxz(chain(5, "periodic"), { J: 0.9, delta: -0.6 }),
      heisenberg(square(2, 3, "periodic"), { J: 1.2 }),
      tfim(square(3, 2, "open"), { h: 2 }),
      xxz(
        fromEdges(4, [
          [0, 2],
          [1, 3],
          [0, 3],
        ]),
        { J: 1, delta: 2.5 },
      ),
    ];
    for (const H of models) {
      const ref = denseReference(H);
      const M = hamiltonianMatrixComplex(H);
      const n = ref.n;
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) {
          expect(M.re.get(i, j)).toBeCloseTo(ref.re[i * n + j], 13);
          expect(M.im.get(i, j)).toBe(0);
          expect(Math.abs(ref.im[i * n + j])).toBeLessThan(1e-14); // both models are real
        }
      const x = randomVector(n, rng);
      const y = new Float64Array(n);
      const [xy, yy] = applyHamiltonianStats(H, x, y);
      const want = matVec(ref, x, new Float64Array(n));
      expect(maxAbsDiff(y, want.re)).toBeLessThan(1e-12);
      let xyRef = 0,
        yyRef = 0;
      for (let i = 0; i < n; i++) {
        xyRef += x[i] * want.re[i];
        yyRef += want.re[i] * want.re[i];
      }
      expect(xy).toBeCloseTo(xyRef, 10);
      expect(yy).toBeCloseTo(yyRef, 9);
    }
  });

  it("applies general (complex) Pauli strings like the Kronecker matrices", () => {
    const rng = new Rng(7);
    const N = 4;
    const letters: Pauli[] = ["X", "Y", "Z"];
    const terms: PauliTerm[] = [];
    for (let t = 0; t < 12; t++) {
      const k = 1 + rng.int(3);
      const sites: number[] = [];
      while (sites.length < k) {
        const s = rng.int(N);
        if (!sites.includes(s)) sites.push(s);
      }
      terms.push({ coefficient: rng.normal(), sites, paulis: sites.map(() => letters[rng.int(3)]) });
    }
    terms.push({ coefficient: 0.3, sites: [1], paulis: ["Y"] }); // odd number of Y: imaginary elements
    const H: Hamiltonian = { nSites: N, terms, name: "random strings", params: {} };
    const ref = denseReference(H);
    const M = hamiltonianMatrixComplex(H);
    for (let i = 0; i < ref.n * ref.n; i++) {
      expect(M.re.get(Math.floor(i / ref.n), i % ref.n)).toBeCloseTo(ref.re[i], 13);
      expect(M.im.get(Math.floor(i / ref.n), i % ref.n)).toBeCloseTo(ref.im[i], 13);
    }
    const x = { re: randomVector(16, rng), im: randomVector(16, rng) };
    const y = { re: new Float64Array(16), im: new Float64Array(16) };
    applyHamiltonianComplex(H, x, y);
    const want = matVec(ref, x.re, x.im);
    expect(maxAbsDiff(y.re, want.re)).toBeLessThan(1e-12);
    expect(maxAbsDiff(y.im, want.im)).toBeLessThan(1e-12);
    // The real product and the real dense matrix refuse complex Hamiltonians.
    expectQstError(() => applyHamiltonian(H, x.re, y.re), "complex matrix elements");
    expectQstError(() => hamiltonianMatrix(H), "hamiltonianMatrixComplex");
  });

  it("agrees between the real and complex products on real Hamiltonians at larger N", () => {
    const rng = new Rng(3);
    const H = xxz(chain(12, "periodic"), { J: 1, delta: 0.5 });
    const n = 2 ** 12;
    const x = { re: randomVector(n, rng), im: randomVector(n, rng) };
    const y = { re: new Float64Array(n), im: new Float64Array(n) };
    applyHamiltonianComplex(H, x, y);
    const yr = new Float64Array(n);
    const yi = new Float64Array(n);
    applyHamiltonian(H, x.re, yr);
    applyHamiltonian(H, x.im, yi);
    expect(maxAbsDiff(y.re, yr)).toBeLessThan(1e-12);
    expect(maxAbsDiff(y.im, yi)).toBeLessThan(1e-12);
  });

  it("validates parameters and terms with QstErrors", () => {
    expectQstError(() => tfim(chain(3), { h: NaN }), "tfim: h must be a finite number, got NaN");
    expectQstError(() => tfim(chain(3), { J: Infinity, h: 1 }), "tfim: J must be a finite number, got Infinity");
    expectQstError(() => xxz(chain(3), { delta: Number.NaN }), "xxz: delta must be a finite number");
    const bad = (terms: PauliTerm[]): Hamiltonian => ({ nSites: 3, terms, name: "bad", params: {} });
    const x = new Float64Array(8);
    const y = new Float64Array(8);
    expectQstError(
      () => applyHamiltonian(bad([{ coefficient: 1, sites: [3], paulis: ["X"] }]), x, y),
      "term 0: site 3 is outside 0..2",
    );
    expectQstError(
      () => applyHamiltonian(bad([{ coefficient: 1, sites: [1, 1], paulis: ["X", "Z"] }]), x, y),
      "site 1 appears twice",
    );
    expectQstError(
      () => applyHamiltonian(bad([{ coefficient: 1, sites: [0], paulis: ["W" as Pauli] }]), x, y),
      'Pauli "W"',
    );
    expectQstError(
      () => applyHamiltonian(bad([{ coefficient: NaN, sites: [0], paulis: ["X"] }]), x, y),
      "coefficient must be a finite number",
    );
    expectQstError(
      () => applyHamiltonian(tfim(chain(3), { h: 1 }), new Float64Array(4), y),
      "x has length 4, expected 2^N = 8",
    );
    expectQstError(() => hamiltonianMatrix(tfim(chain(13), { h: 1 })), "too large for a dense matrix");
  });
});
