import { describe, it, expect } from "vitest";
import { EigenvalueDecomposition, Matrix } from "ml-matrix";
import { groundState } from "../src/physics/groundstate.js";
import { chain, heisenberg, tfim, xxz, type Hamiltonian, type Pauli } from "../src/physics/hamiltonians.js";
import type { ComplexVector, StateVector } from "../src/core/state-vector.js";
import { basisOfShot, rotateToBasis, torlaiBases } from "../src/physics/bases.js";
import { sampleInBases, sampleMeasurements } from "../src/physics/measurements.js";
import { Rng } from "../src/core/rng.js";
import {
  absMagnetization,
  correlationXX,
  correlationZZ,
  energy,
  entanglementSpectrum,
  expectationPauli,
  expectationX,
  expectationZ,
  magnetization,
  overlapSquared,
  probabilities,
  renyi2,
  symmetricEigenvalues,
  vonNeumann,
} from "../src/physics/states.js";
import { expectQstError } from "./helpers/errors.js";

// ---- Explicit complex matrices and Kronecker products (independent of src/) ------------------
// Qubit 0 is the most significant bit: operator = A_0 ⊗ A_1 ⊗ … ⊗ A_{N−1}.

interface CMat {
  n: number;
  re: Float64Array;
  im: Float64Array;
}
const mat2 = (re: number[], im: number[]): CMat => ({ n: 2, re: Float64Array.from(re), im: Float64Array.from(im) });
const S = Math.SQRT1_2;
const ONE_QUBIT: Record<string, CMat> = {
  I: mat2([1, 0, 0, 1], [0, 0, 0, 0]),
  X: mat2([0, 1, 1, 0], [0, 0, 0, 0]),
  Y: mat2([0, 0, 0, 0], [0, -1, 1, 0]),
  Z: mat2([1, 0, 0, -1], [0, 0, 0, 0]),
  // Measurement-basis rotations: row o = ⟨outcome o| written in the Z basis.
  UX: mat2([S, S, S, -S], [0, 0, 0, 0]), // ⟨+| = (1, 1)/√2, ⟨−| = (1, −1)/√2
  UY: mat2([S, 0, S, 0], [0, -S, 0, S]), // ⟨+i| = (1, −i)/√2, ⟨−i| = (1, i)/√2
  UZ: mat2([1, 0, 0, 1], [0, 0, 0, 0]),
};

function kron(a: CMat, b: CMat): CMat {
  const n = a.n * b.n;
  const re = new Float64Array(n * n);
  const im = new Float64Array(n * n);
  for (let i = 0; i < a.n; i++)
    for (let j = 0; j < a.n; j++)
      for (let k = 0; k < b.n; k++)
        for (let l = 0; l < b.n; l++) {
          const ar = a.re[i * a.n + j],
            ai = a.im[i * a.n + j],
            br = b.re[k * b.n + l],
            bi = b.im[k * b.n + l];
          const idx = (i * b.n + k) * n + (j * b.n + l);
          re[idx] = ar * br - ai * bi;
          im[idx] = ar * bi + ai * br;
        }
  return { n, re, im };
}

const kronAll = (ms: CMat[]) =>
  ms.reduce((acc, m) => kron(acc, m), { n: 1, re: Float64Array.of(1), im: Float64Array.of(0) } as CMat);

function pauliOp(N: number, sites: number[], paulis: Pauli[]): CMat {
  return kronAll(Array.from({ length: N }, (_, q) => ONE_QUBIT[sites.includes(q) ? paulis[sites.indexOf(q)] : "I"]));
}

function apply(M: CMat, x: ComplexVector): ComplexVector {
  const n = M.n;
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      const mr = M.re[i * n + j],
        mi = M.im[i * n + j];
      re[i] += mr * x.re[j] - mi * x.im[j];
      im[i] += mr * x.im[j] + mi * x.re[j];
    }
  return { re, im };
}

/** ⟨x|M|x⟩/⟨x|x⟩ (real part). */
function expect_(M: CMat, x: ComplexVector): number {
  const y = apply(M, x);
  let s = 0,
    n2 = 0;
  for (let i = 0; i < M.n; i++) {
    s += x.re[i] * y.re[i] + x.im[i] * y.im[i];
    n2 += x.re[i] ** 2 + x.im[i] ** 2;
  }
  return s / n2;
}

function denseH(H: Hamiltonian): CMat {
  const n = 2 ** H.nSites;
  const out: CMat = { n, re: new Float64Array(n * n), im: new Float64Array(n * n) };
  for (const t of H.terms) {
    const P = pauliOp(H.nSites, t.sites, t.paulis);
    for (let i = 0; i < n * n; i++) {
      out.re[i] += t.coefficient * P.re[i];
      out.im[i] += t.coefficient * P.im[i];
    }
  }
  return out;
}

function randomComplex(N: number, rng: Rng): ComplexVector {
  const n = 2 ** N;
  return {
    re: Float64Array.from({ length: n }, () => rng.normal()),
    im: Float64Array.from({ length: n }, () => rng.normal()),
  };
}

const asComplex = (psi: StateVector): ComplexVector =>
  psi instanceof Float64Array ? { re: psi, im: new Float64Array(psi.length) } : psi;

// ---- Chi-square goodness of fit ---------------------------------------------------------------
//
// Every goodness-of-fit test below rejects at the upper-tail probability p = 1e-4: under the
// null hypothesis (the sampler draws from the stated distribution) a test fails with
// probability 1e-4 for a random seed. The seeds are fixed, so the outcome is reproducible; the
// whole file makes fewer than 20 such tests, a family-wise false-alarm rate below 2e-3.
// Critical values from the Wilson–Hilferty approximation (χ²/k)^(1/3) ≈ Normal(1 − 2/(9k), 2/(9k)),
// accurate to well under 1 % at these quantiles for k ≥ 3.

const Z_UPPER_1E4 = 3.719016485455709; // Φ⁻¹(1 − 1e-4)

function chiSquareCritical(dof: number, z = Z_UPPER_1E4): number {
  const a = 2 / (9 * dof);
  return dof * (1 - a + z * Math.sqrt(a)) ** 3;
}

interface ChiSquare {
  stat: number;
  dof: number;
}

/**
 * Pearson statistic of observed counts against probabilities (normalised here). Bins with
 * expected count below 5 are pooled into one bin so the χ² approximation holds; bins with
 * probability 0 must be empty.
 */
function chiSquare(counts: ArrayLike<number>, probs: ArrayLike<number>): ChiSquare {
  let total = 0;
  let ptot = 0;
  for (let i = 0; i < counts.length; i++) {
    total += counts[i];
    ptot += probs[i];
  }
  let stat = 0;
  let bins = 0;
  let poolE = 0;
  let poolO = 0;
  for (let i = 0; i < counts.length; i++) {
    const e = (total * probs[i]) / ptot;
    if (probs[i] / ptot < 1e-14) {
      expect(counts[i]).toBe(0); // impossible outcomes never occur
      continue;
    }
    if (e < 5) {
      poolE += e;
      poolO += counts[i];
      continue;
    }
    stat += (counts[i] - e) ** 2 / e;
    bins++;
  }
  if (poolE > 0) {
    stat += (poolO - poolE) ** 2 / poolE;
    bins++;
  }
  return { stat, dof: bins - 1 };
}

function combine(tests: ChiSquare[]): ChiSquare {
  return tests.reduce((a, b) => ({ stat: a.stat + b.stat, dof: a.dof + b.dof }), { stat: 0, dof: 0 });
}

function expectFits(t: ChiSquare): void {
  expect(t.dof).toBeGreaterThan(0);
  expect(t.stat).toBeLessThan(chiSquareCritical(t.dof));
}

/** Histogram of outcome strings (as integers, qubit 0 most significant) of the given rows. */
function histogram(samples: Uint8Array, N: number, rows: number[]): Float64Array {
  const h = new Float64Array(2 ** N);
  for (const m of rows) {
    let b = 0;
    for (let i = 0; i < N; i++) b = (b << 1) | samples[m * N + i];
    h[b]++;
  }
  return h;
}

/** Shots grouped by their basis string. */
function rowsByBasis(bases: Uint8Array | null, M: number, N: number): Map<string, number[]> {
  const map = new Map<string, number[]>();
  for (let m = 0; m < M; m++) {
    const b = basisOfShot(bases, m, N);
    if (!map.has(b)) map.set(b, []);
    map.get(b)!.push(m);
  }
  return map;
}

function fitAllBases(psi: StateVector, samples: Uint8Array, bases: Uint8Array | null, M: number, N: number): ChiSquare {
  const tests: ChiSquare[] = [];
  for (const [basis, rows] of rowsByBasis(bases, M, N)) {
    tests.push(chiSquare(histogram(samples, N, rows), probabilities(rotateToBasis(psi, basis))));
  }
  return combine(tests);
}

const tfimGround = (N: number, h: number) => groundState(tfim(chain(N, "open"), { h })).psi;

// ---------------------------------------------------------------------------------------------

describe("rotateToBasis", () => {
  it("equals the explicit tensor-product unitary for random complex N = 3 states, all 27 bases", () => {
    const rng = new Rng(42);
    const letters = ["X", "Y", "Z"];
    for (let trial = 0; trial < 3; trial++) {
      const psi = randomComplex(3, rng);
      for (let b = 0; b < 27; b++) {
        const basis = letters[Math.floor(b / 9)] + letters[Math.floor(b / 3) % 3] + letters[b % 3];
        const U = kronAll(basis.split("").map((l) => ONE_QUBIT["U" + l]));
        const want = apply(U, psi);
        const got = rotateToBasis(psi, basis);
        for (let i = 0; i < 8; i++) {
          expect(got.re[i]).toBeCloseTo(want.re[i], 13);
          expect(got.im[i]).toBeCloseTo(want.im[i], 13);
        }
      }
    }
  });

  it("maps |+⟩ to outcome 0 in X and |+i⟩ to outcome 0 in Y, and accepts real states", () => {
    const plus = Float64Array.of(S, S);
    expect(Array.from(probabilities(rotateToBasis(plus, "X")))).toEqual([expect.closeTo(1, 14), expect.closeTo(0, 14)]);
    const plusI = { re: Float64Array.of(S, 0), im: Float64Array.of(0, S) };
    const p = probabilities(rotateToBasis(plusI, "Y"));
    expect(p[0]).toBeCloseTo(1, 14);
    expect(p[1]).toBeCloseTo(0, 14);
    const minusI = { re: Float64Array.of(S, 0), im: Float64Array.of(0, -S) };
    expect(probabilities(rotateToBasis(minusI, "Y"))[1]).toBeCloseTo(1, 14);
    // Z is the identity; the input is not modified.
    const psi = Float64Array.of(0.6, 0, 0, 0.8);
    const r = rotateToBasis(psi, "ZZ");
    expect(Array.from(r.re)).toEqual([0.6, 0, 0, 0.8]);
    rotateToBasis(psi, "XY");
    expect(Array.from(psi)).toEqual([0.6, 0, 0, 0.8]);
  });

  it("validates the basis string", () => {
    const psi = new Float64Array(8).fill(1);
    expectQstError(() => rotateToBasis(psi, "XY"), 'basis "XY" has 2 letters, expected one per qubit (N = 3)');
    expectQstError(
      () => rotateToBasis(psi, "XQZ"),
      `basis "XQZ": basis letters must be X, Y or Z, found 'Q' at qubit 1`,
    );
    expect(rotateToBasis(psi, "xyz")).toEqual(rotateToBasis(psi, "XYZ")); // lower case is read as upper case
    expectQstError(() => rotateToBasis(new Float64Array(6), "ZZZ"), "length 6, which is not 2^N");
  });
});

describe("sampleMeasurements", () => {
  it("Z-basis histogram fits |ψ|² (chi-square, p < 1e-4)", () => {
    const N = 6;
    const psi = tfimGround(N, 1);
    const M = 20000;
    const d = sampleMeasurements(psi, { shots: M, bases: "Z", rng: new Rng(1) });
    expect(d.bases).toBeNull();
    expect(d.samples).toHaveLength(M * N);
    expect(d.samples.every((v) => v === 0 || v === 1)).toBe(true);
    expectFits(chiSquare(histogram(d.samples, N, [...Array(M).keys()]), probabilities(psi)));
  });

  it("X- and Y-basis histograms fit |rotated ψ|², and the test has power against the wrong basis", () => {
    const N = 5;
    const rng = new Rng(2);
    const psi = randomComplex(N, rng);
    for (const basis of ["XXXXX", "YYYYY", "XYZYX"]) {
      const M = 16000;
      const d = sampleMeasurements(psi, { shots: M, bases: [basis], rng });
      expect(basisOfShot(d.bases, 0, N)).toBe(basis);
      const rows = [...Array(M).keys()];
      expectFits(chiSquare(histogram(d.samples, N, rows), probabilities(rotateToBasis(psi, basis))));
      // Against the Z-basis distribution the same data must be rejected.
      const wrong = chiSquare(histogram(d.samples, N, rows), probabilities(psi));
      expect(wrong.stat).toBeGreaterThan(chiSquareCritical(wrong.dof));
    }
  });

  it("torlai bases: 2N − 1 bases, equal split, shuffled rows, each basis fits", () => {
    const N = 4;
    expect(torlaiBases(N)).toEqual(["ZZZZ", "XXZZ", "XYZZ", "ZXXZ", "ZXYZ", "ZZXX", "ZZXY"]);
    const psi = groundState(xxz(chain(N, "open"), { delta: 0.5 })).psi;
    const M = 14003; // 7 bases: 2000 each, the first three get one more
    const d = sampleMeasurements(psi, { shots: M, bases: "torlai", rng: new Rng(3) });
    expect(d.bases).not.toBeNull();
    const groups = rowsByBasis(d.bases, M, N);
    expect([...groups.keys()].sort()).toEqual([...torlaiBases(N)].sort());
    for (const [k, b] of torlaiBases(N).entries()) expect(groups.get(b)!.length).toBe(k < 3 ? 2001 : 2000);
    // Shuffled: the first 100 rows are not all from the first basis.
    expect(new Set(Array.from({ length: 100 }, (_, m) => basisOfShot(d.bases, m, N))).size).toBeGreaterThan(3);
    expectFits(fitAllBases(psi, d.samples, d.bases, M, N));
  });

  it("random bases: uniform letters, and each basis fits (qubit-by-qubit sampler)", () => {
    const N = 3;
    const rng = new Rng(4);
    const psi = randomComplex(N, rng);
    const M = 54000; // 27 bases × ~2000 shots
    const d = sampleMeasurements(psi, { shots: M, bases: "random", rng });
    const letters = { X: 0, Y: 0, Z: 0 } as Record<string, number>;
    for (const c of d.bases!) letters[String.fromCharCode(c)]++;
    // Each letter is Binomial(M·N, 1/3): mean 54000, s.d. ≈ 164; allow 4 s.d. (p ≈ 6e-5).
    for (const l of ["X", "Y", "Z"])
      expect(Math.abs(letters[l] - (M * N) / 3)).toBeLessThan(4 * Math.sqrt((M * N * 2) / 9));
    expect(rowsByBasis(d.bases, M, N).size).toBe(27);
    expectFits(fitAllBases(psi, d.samples, d.bases, M, N));
  });

  it("the qubit-by-qubit sampler agrees with |ψ|² for a larger real state in fixed bases", () => {
    const N = 8;
    const psi = tfimGround(N, 0.8);
    const M = 20000;
    for (const basis of ["ZZZZZZZZ", "XXXXXXXX", "XYZXYZXY"]) {
      const codes = new Uint8Array(M * N);
      for (let m = 0; m < M; m++) for (let i = 0; i < N; i++) codes[m * N + i] = basis.charCodeAt(i);
      const samples = sampleInBases(psi, codes, new Rng(5));
      expectFits(chiSquare(histogram(samples, N, [...Array(M).keys()]), probabilities(rotateToBasis(psi, basis))));
    }
  });

  it("is deterministic for a seed and differs between seeds", () => {
    const psi = tfimGround(6, 1);
    for (const bases of ["Z", "torlai", "random"] as const) {
      const a = sampleMeasurements(psi, { shots: 500, bases, rng: new Rng(9) });
      const b = sampleMeasurements(psi, { shots: 500, bases, rng: new Rng(9) });
      const c = sampleMeasurements(psi, { shots: 500, bases, rng: new Rng(10) });
      expect(Array.from(a.samples)).toEqual(Array.from(b.samples));
      expect(a.bases === null ? null : Array.from(a.bases)).toEqual(b.bases === null ? null : Array.from(b.bases));
      expect(Array.from(a.samples)).not.toEqual(Array.from(c.samples));
    }
  });

  it("handles states that are not normalised and impossible outcomes", () => {
    // 3·|01⟩: every shot is 0,1.
    const psi = Float64Array.of(0, 3, 0, 0);
    const d = sampleMeasurements(psi, { shots: 100, bases: "Z", rng: new Rng(1) });
    for (let m = 0; m < 100; m++) expect([d.samples[2 * m], d.samples[2 * m + 1]]).toEqual([0, 1]);
    // |+⟩|0⟩ measured in XZ: always 0,0.
    const e = sampleMeasurements(Float64Array.of(S, 0, S, 0), { shots: 50, bases: ["XZ"], rng: new Rng(1) });
    expect(e.samples.every((v) => v === 0)).toBe(true);
  });

  it("validates its options", () => {
    const psi = tfimGround(3, 1);
    const rng = new Rng(0);
    expectQstError(
      () => sampleMeasurements(psi, { shots: 0, bases: "Z", rng }),
      "shots must be a positive integer, got 0",
    );
    expectQstError(() => sampleMeasurements(psi, { shots: 2.5, bases: "Z", rng }), "got 2.5");
    expectQstError(
      () => sampleMeasurements(psi, { shots: 3, bases: "torlai", rng }),
      "shots = 3 is fewer than the 5 bases",
    );
    expectQstError(
      () => sampleMeasurements(psi, { shots: 10, bases: ["XXZ", "XZ"], rng }),
      'bases[1] "XZ" has 2 letters',
    );
    expectQstError(
      () => sampleMeasurements(psi, { shots: 10, bases: "W" as never, rng }),
      'bases must be "Z", "torlai", "all", "random"',
    );
    expectQstError(() => sampleMeasurements(psi, { shots: 10, bases: "Z", rng: {} as Rng }), "rng must be an Rng");
    expectQstError(
      () => sampleMeasurements(new Float64Array(8), { shots: 10, bases: "Z", rng }),
      "zero or non-finite norm",
    );
  });
});

describe("entanglement entropies", () => {
  it("vanish for product states", () => {
    const rng = new Rng(6);
    // ⊗ of random single-qubit complex states
    let psi: CMat = { n: 1, re: Float64Array.of(1), im: Float64Array.of(0) };
    for (let q = 0; q < 5; q++) {
      const v: CMat = {
        n: 2,
        re: Float64Array.of(rng.normal(), 0, rng.normal(), 0),
        im: Float64Array.of(rng.normal(), 0, rng.normal(), 0),
      };
      psi = kron(psi, v); // column vectors as 2×2 with a zero second column
    }
    // Extract the first column: the Kronecker product of the vectors.
    const n = 32;
    const state = { re: new Float64Array(n), im: new Float64Array(n) };
    for (let i = 0; i < n; i++) {
      state.re[i] = psi.re[i * psi.n];
      state.im[i] = psi.im[i * psi.n];
    }
    for (const block of [[0], [1, 3], [0, 1, 2], [4, 2]]) {
      expect(vonNeumann(state, block)).toBeLessThan(1e-10);
      expect(renyi2(state, block)).toBeLessThan(1e-12);
    }
    expect(vonNeumann(state, [])).toBe(0);
  });

  it("give ln 2 for a Bell pair and for any cut of a GHZ state", () => {
    const bell = Float64Array.of(S, 0, 0, S);
    expect(vonNeumann(bell, [0])).toBeCloseTo(Math.LN2, 14);
    expect(renyi2(bell, [1])).toBeCloseTo(Math.LN2, 14);
    const bellC = { re: Float64Array.of(S, 0, 0, 0), im: Float64Array.of(0, 0, 0, S) }; // (|00⟩ + i|11⟩)/√2
    expect(vonNeumann(bellC, [0])).toBeCloseTo(Math.LN2, 14);
    expect(renyi2(bellC, [0])).toBeCloseTo(Math.LN2, 14);
    const ghz = new Float64Array(64);
    ghz[0] = ghz[63] = 5; // not normalised on purpose
    for (const block of [[0], [2, 5], [0, 1, 2], [1, 2, 3, 4, 5]]) {
      expect(vonNeumann(ghz, block)).toBeCloseTo(Math.LN2, 13);
      expect(renyi2(ghz, block)).toBeCloseTo(Math.LN2, 13);
    }
    // Two Bell pairs (0,2) and (1,3): the block {0, 1} carries 2 ln 2.
    const two = new Float64Array(16);
    for (const b of [0b0000, 0b0101, 0b1010, 0b1111]) two[b] = 0.5;
    expect(vonNeumann(two, [0, 1])).toBeCloseTo(2 * Math.LN2, 13);
    expect(vonNeumann(two, [0, 2])).toBeLessThan(1e-12);
  });

  it("match a brute-force partial trace for random real and complex states", () => {
    const rng = new Rng(8);
    const N = 6;
    for (const complex of [false, true]) {
      const c = randomComplex(N, rng);
      const psi: StateVector = complex ? c : c.re;
      const cc = asComplex(psi);
      let n2 = 0;
      for (let i = 0; i < 64; i++) n2 += cc.re[i] ** 2 + cc.im[i] ** 2;
      for (const block of [[0], [1, 4], [5, 0, 2], [1, 2, 3, 4]]) {
        const rest = [...Array(N).keys()].filter((s) => !block.includes(s));
        const dA = 2 ** block.length;
        // ρ_A[a][a'] = Σ_rest ψ(a, r) conj(ψ(a', r)), indices assembled bit by bit.
        const idx = (a: number, r: number) => {
          let b = 0;
          for (const [k, s] of block.entries()) b |= ((a >> (block.length - 1 - k)) & 1) << (N - 1 - s);
          for (const [k, s] of rest.entries()) b |= ((r >> (rest.length - 1 - k)) & 1) << (N - 1 - s);
          return b;
        };
        // Real embedding [[A, −B], [B, A]] of the Hermitian ρ = A + iB for ml-matrix.
        const big = new Matrix(2 * dA, 2 * dA);
        let purity = 0;
        for (let a = 0; a < dA; a++)
          for (let a2 = 0; a2 < dA; a2++) {
            let sr = 0,
              si = 0;
            for (let r = 0; r < 2 ** rest.length; r++) {
              const i = idx(a, r),
                j = idx(a2, r);
              sr += cc.re[i] * cc.re[j] + cc.im[i] * cc.im[j];
              si += cc.im[i] * cc.re[j] - cc.re[i] * cc.im[j];
            }
            sr /= n2;
            si /= n2;
            purity += sr * sr + si * si;
            big.set(a, a2, sr);
            big.set(a + dA, a2 + dA, sr);
            big.set(a, a2 + dA, -si);
            big.set(a + dA, a2, si);
          }
        const ev = new EigenvalueDecomposition(big, { assumeSymmetric: true }).realEigenvalues;
        let svn = 0;
        for (const l of ev) if (l > 1e-15) svn -= 0.5 * l * Math.log(l); // each eigenvalue twice
        expect(vonNeumann(psi, block)).toBeCloseTo(svn, 11);
        expect(renyi2(psi, block)).toBeCloseTo(-Math.log(purity), 12);
        // Complementary blocks carry the same entropy (pure state).
        expect(vonNeumann(psi, rest)).toBeCloseTo(svn, 11);
        const spec = entanglementSpectrum(psi, block);
        expect(spec.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 12);
      }
    }
  });

  it("validate the block", () => {
    const psi = tfimGround(4, 1);
    expectQstError(() => vonNeumann(psi, [4]), "vonNeumann: block site 4 is outside 0..3");
    expectQstError(() => renyi2(psi, [1, 1]), "renyi2: block site 1 is listed twice");
  });
});

describe("symmetricEigenvalues", () => {
  it("matches ml-matrix on random and degenerate symmetric matrices", () => {
    const rng = new Rng(12);
    for (const n of [1, 2, 3, 7, 40]) {
      const A = new Matrix(n, n);
      for (let i = 0; i < n; i++)
        for (let j = 0; j <= i; j++) {
          const v = rng.normal();
          A.set(i, j, v);
          A.set(j, i, v);
        }
      const want = new EigenvalueDecomposition(A, { assumeSymmetric: true }).realEigenvalues.sort((a, b) => a - b);
      const got = symmetricEigenvalues(Float64Array.from(A.to1DArray()), n);
      for (let i = 0; i < n; i++) expect(got[i]).toBeCloseTo(want[i], 12);
    }
    // Degenerate spectrum and an already-diagonal matrix.
    const D = Float64Array.from([2, 0, 0, 0, 2, 0, 0, 0, -1]);
    expect(Array.from(symmetricEigenvalues(D, 3))).toEqual([
      expect.closeTo(-1, 14),
      expect.closeTo(2, 14),
      expect.closeTo(2, 14),
    ]);
  });
});

describe("exact observables", () => {
  it("match dense matrices for real ground states and random complex states", () => {
    const rng = new Rng(13);
    const N = 5;
    const H = heisenberg(chain(N, "periodic"), { J: 0.8 });
    const Hd = denseH(H);
    const states: StateVector[] = [
      groundState(tfim(chain(N, "open"), { h: 0.6 })).psi,
      randomComplex(N, rng),
      randomComplex(N, rng).re,
    ];
    for (const psi of states) {
      const c = asComplex(psi);
      expect(energy(H, psi)).toBeCloseTo(expect_(Hd, c), 12);
      for (let i = 0; i < N; i++) {
        expect(expectationX(psi, i)).toBeCloseTo(expect_(pauliOp(N, [i], ["X"]), c), 13);
        expect(expectationZ(psi, i)).toBeCloseTo(expect_(pauliOp(N, [i], ["Z"]), c), 13);
        for (let j = 0; j < N; j++) {
          if (i === j) {
            expect(correlationZZ(psi, i, j)).toBe(1);
            continue;
          }
          expect(correlationZZ(psi, i, j)).toBeCloseTo(expect_(pauliOp(N, [i, j], ["Z", "Z"]), c), 13);
          expect(correlationXX(psi, i, j)).toBeCloseTo(expect_(pauliOp(N, [i, j], ["X", "X"]), c), 13);
        }
      }
      // General strings, including odd numbers of Y (zero on real states) and coefficients.
      const letters: Pauli[] = ["X", "Y", "Z"];
      for (let t = 0; t < 30; t++) {
        const sites = [0, 1, 2, 3, 4].filter(() => rng.uniform() < 0.5);
        const paulis = sites.map(() => letters[rng.int(3)]);
        const coefficient = rng.normal();
        expect(expectationPauli(psi, { coefficient, sites, paulis })).toBeCloseTo(
          coefficient * expect_(pauliOp(N, sites, paulis), c),
          12,
        );
      }
      // Magnetisations from the diagonal of Σ Z_i.
      const p = probabilities(psi);
      let m = 0,
        am = 0,
        tot = 0;
      for (let b = 0; b < 32; b++) {
        let sz = 0;
        for (let i = 0; i < N; i++) sz += (b >> (N - 1 - i)) & 1 ? -1 : 1;
        m += (p[b] * sz) / N;
        am += (p[b] * Math.abs(sz)) / N;
        tot += p[b];
      }
      expect(magnetization(psi)).toBeCloseTo(m / tot, 13);
      expect(absMagnetization(psi)).toBeCloseTo(am / tot, 13);
    }
  });

  it("energy of complex states under a complex Hamiltonian", () => {
    const rng = new Rng(14);
    const H: Hamiltonian = {
      nSites: 3,
      terms: [
        { coefficient: 0.7, sites: [0, 2], paulis: ["X", "Y"] },
        { coefficient: -1.1, sites: [1], paulis: ["Y"] },
        { coefficient: 0.4, sites: [0, 1, 2], paulis: ["Z", "Z", "X"] },
      ],
      name: "complex",
      params: {},
    };
    const psi = randomComplex(3, rng);
    expect(energy(H, psi)).toBeCloseTo(expect_(denseH(H), psi), 13);
    const real = randomComplex(3, rng).re;
    expect(energy(H, real)).toBeCloseTo(expect_(denseH(H), asComplex(real)), 13);
  });

  it("give the expected values on simple states", () => {
    const up = new Float64Array(8);
    up[0] = 1; // |000⟩: all spins up
    expect(magnetization(up)).toBe(1);
    expect(absMagnetization(up)).toBe(1);
    const ghz = new Float64Array(8);
    ghz[0] = ghz[7] = S;
    expect(magnetization(ghz)).toBeCloseTo(0, 15);
    expect(absMagnetization(ghz)).toBeCloseTo(1, 15);
    expect(correlationZZ(ghz, 0, 2)).toBeCloseTo(1, 15);
    const plus = new Float64Array(8).fill(Math.sqrt(1 / 8));
    expect(expectationX(plus, 1)).toBeCloseTo(1, 14);
    expect(correlationXX(plus, 0, 2)).toBeCloseTo(1, 14);
    expect(energy(tfim(chain(3, "open"), { h: 2 }), plus)).toBeCloseTo(-6, 13);
  });

  it("validate sites and sizes", () => {
    const psi = tfimGround(3, 1);
    expectQstError(() => expectationX(psi, 3), "site 3 is outside 0..2");
    expectQstError(() => correlationZZ(psi, -1, 0), "correlationZZ: site -1 is outside 0..2");
    expectQstError(
      () => energy(tfim(chain(4), { h: 1 }), psi),
      "energy: the state has 3 qubits but the Hamiltonian has 4 sites",
    );
    expectQstError(
      () => magnetization({ re: new Float64Array(4), im: new Float64Array(2) }),
      "re and im have different lengths",
    );
  });
});

describe("overlapSquared", () => {
  it("|⟨a|b⟩|² by hand: real, complex and mixed arguments, conjugating the first", () => {
    const zero = Float64Array.from([1, 0]),
      plus = Float64Array.from([S, S]);
    const plusI: ComplexVector = { re: Float64Array.from([S, 0]), im: Float64Array.from([0, S]) }; // (|0⟩ + i|1⟩)/√2
    expect(overlapSquared(zero, plus)).toBeCloseTo(0.5, 15);
    expect(overlapSquared(plus, plus)).toBeCloseTo(1, 15);
    expect(overlapSquared(plusI, plusI)).toBeCloseTo(1, 15);
    // ⟨+i|+⟩ = (1 − i)/2, |·|² = 1/2; ⟨−i|+i⟩ = 0 (orthogonal only with the conjugate).
    expect(overlapSquared(plusI, plus)).toBeCloseTo(0.5, 15);
    const minusI: ComplexVector = { re: Float64Array.from([S, 0]), im: Float64Array.from([0, -S]) };
    expect(overlapSquared(minusI, plusI)).toBeCloseTo(0, 15);
    expect(overlapSquared(plusI, minusI)).toBeCloseTo(0, 15);
  });
  it("refuses states of different lengths", () => {
    expectQstError(() => overlapSquared(new Float64Array(2), new Float64Array(4)), /overlap of states with 2 and 4/);
  });
});
