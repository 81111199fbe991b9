/**
 * Density matrices: the purification RBM's ρ against an explicit purification summed by brute force,
 * its Hermiticity, positivity and trace, and the fidelity, trace distance and purity against cases
 * with closed forms.
 */
import { describe, expect, it } from "vitest";
import { Rng } from "../src/core/rng.js";
import { type DensityRbm, densityMatrixOf } from "../src/nn/density.js";
import { allPauliBases, rotateToBasis } from "../src/physics/bases.js";
import { generateMixedDataset, wState } from "../src/physics/generate.js";
import { densityDataGradient } from "../src/train/density-gradient.js";
import { addExactModelAverage, logPartitionFunction } from "../src/nn/enumeration.js";
import { buildRotatedShotTable } from "../src/train/rotated-gradient.js";
import {
  basisProbabilities,
  type DensityMatrix,
  depolarise,
  depolariseEachQubit,
  hermitianEigenvalues,
  pureDensityMatrix,
  purity,
  trace,
  traceDistance,
  uhlmannFidelity,
} from "../src/physics/density-matrix.js";
import { sampleDensityMeasurements } from "../src/physics/measurements.js";
import { chiSquare } from "./helpers/chi-square.js";
import { randomDensityModel } from "./helpers/density.js";
import { finiteDifferenceError } from "./helpers/finite-differences.js";

function randomModel(nV: number, nH: number, nA: number, seed: number, scale = 0.7): DensityRbm {
  return randomDensityModel(nV, nH, nA, seed, scale);
}

function randomState(dim: number, seed: number): { re: Float64Array; im: Float64Array } {
  const rng = new Rng(seed);
  const re = Float64Array.from({ length: dim }, () => rng.normal()),
    im = Float64Array.from({ length: dim }, () => rng.normal());
  const n = Math.sqrt(re.reduce((s, x, k) => s + x * x + im[k] * im[k], 0));
  return { re: re.map((x) => x / n), im: im.map((x) => x / n) };
}

const sp = (x: number) => Math.log1p(Math.exp(x));

/** ρ from ψ(σ, a) = sqrt(p̃(σ, a)) e^{iφ(σ, a)/2}, summed over a by brute force (written from the paper). */
function bruteForce(m: DensityRbm): DensityMatrix {
  const N = m.nVisible,
    nH = m.nHidden,
    nA = m.nAux,
    dim = 2 ** N;
  const bit = (x: number, i: number, n: number) => (x >>> (n - 1 - i)) & 1;
  const g = (r: DensityRbm["amplitude"], s: number) => {
    let t = 0;
    for (let i = 0; i < N; i++) t += bit(s, i, N) * r.visibleBias[i];
    for (let j = 0; j < nH; j++) {
      let x = r.hiddenBias[j];
      for (let i = 0; i < N; i++) x += bit(s, i, N) * r.weights[i * (nH + nA) + j];
      t += sp(x);
    }
    return t;
  };
  const psi = (s: number, a: number) => {
    let logP = g(m.amplitude, s),
      phi = g(m.phase, s);
    for (let k = 0; k < nA; k++) {
      if (!bit(a, k, nA)) continue;
      logP += m.amplitude.hiddenBias[nH + k];
      for (let i = 0; i < N; i++) {
        logP += bit(s, i, N) * m.amplitude.weights[i * (nH + nA) + nH + k];
        phi += bit(s, i, N) * m.phase.weights[i * (nH + nA) + nH + k];
      }
    }
    const amp = Math.exp(0.5 * logP);
    return { re: amp * Math.cos(phi / 2), im: amp * Math.sin(phi / 2) };
  };
  const re = new Float64Array(dim * dim),
    im = new Float64Array(dim * dim);
  for (let a = 0; a < 2 ** nA; a++) {
    for (let s = 0; s < dim; s++) {
      const x = psi(s, a);
      for (let t = 0; t < dim; t++) {
        const y = psi(t, a);
        re[s * dim + t] += x.re * y.re + x.im * y.im;
        im[s * dim + t] += x.im * y.re - x.re * y.im;
      }
    }
  }
  const tr = Array.from({ length: dim }, (_, s) => re[s * dim + s]).reduce((u, v) => u + v, 0);
  return { dim, re: re.map((x) => x / tr), im: im.map((x) => x / tr) };
}

describe("the purification RBM's density matrix", () => {
  for (const [nV, nH, nA, seed] of [
    [2, 2, 1, 1],
    [3, 2, 3, 2],
    [4, 3, 2, 3],
  ] as const) {
    it(`equals the explicit purification traced over a (N = ${nV}, n_h = ${nH}, n_a = ${nA}), Hermitian, PSD, trace 1`, () => {
      const m = randomModel(nV, nH, nA, seed);
      const rho = densityMatrixOf(m),
        ref = bruteForce(m);
      const d = rho.dim;
      for (let k = 0; k < d * d; k++) {
        expect(rho.re[k]).toBeCloseTo(ref.re[k], 12);
        expect(rho.im[k]).toBeCloseTo(ref.im[k], 12);
      }
      for (let a = 0; a < d; a++) {
        for (let b = 0; b < d; b++) {
          expect(Math.abs(rho.re[a * d + b] - rho.re[b * d + a])).toBeLessThan(1e-12);
          expect(Math.abs(rho.im[a * d + b] + rho.im[b * d + a])).toBeLessThan(1e-12);
        }
      }
      expect(Math.abs(trace(rho) - 1)).toBeLessThan(1e-12);
      expect(Math.min(...hermitianEigenvalues(rho))).toBeGreaterThan(-1e-12);
      expect(purity(rho)).toBeLessThan(1 - 1e-3); // mixed: the auxiliary units are entangled with σ
    });
  }

  it("is pure when the auxiliary units do not couple to σ (U = 0)", () => {
    const m = randomModel(3, 3, 2, 7);
    for (const rbm of m.rbms) for (let i = 0; i < 3; i++) for (let k = 0; k < 2; k++) rbm.weights[m.u(i, k)] = 0;
    expect(purity(densityMatrixOf(m))).toBeCloseTo(1, 12);
  });
});

describe("fidelity, trace distance and purity", () => {
  it("pure states: F = |⟨ψ|φ⟩|², D = sqrt(1 − F), purity 1", () => {
    const psi = randomState(8, 1),
      phi = randomState(8, 2);
    let re = 0,
      im = 0;
    for (let k = 0; k < 8; k++) {
      re += psi.re[k] * phi.re[k] + psi.im[k] * phi.im[k];
      im += psi.re[k] * phi.im[k] - psi.im[k] * phi.re[k];
    }
    const overlap = re * re + im * im;
    const a = pureDensityMatrix(psi),
      b = pureDensityMatrix(phi);
    // √ of a rank-deficient matrix turns eigenvalues at rounding level (1e-16) into 1e-8: the fidelity of
    // (nearly) pure states is good to ~1e-7, the trace distance to rounding.
    expect(Math.abs(uhlmannFidelity(a, b) - overlap)).toBeLessThan(1e-7);
    expect(traceDistance(a, b)).toBeCloseTo(Math.sqrt(1 - overlap), 12);
    expect(purity(a)).toBeCloseTo(1, 12);
    expect(Math.abs(uhlmannFidelity(a, a) - 1)).toBeLessThan(1e-7);
  });

  it("depolarised states: F(ψ, (1 − p)ψ + p I/d) = 1 − p + p/d, purity of I/d is 1/d, F symmetric", () => {
    const psi = pureDensityMatrix(randomState(4, 3));
    for (const p of [0.1, 0.5, 1])
      expect(Math.abs(uhlmannFidelity(psi, depolarise(psi, p)) - (1 - p + p / 4))).toBeLessThan(1e-7);
    expect(purity(depolarise(psi, 1))).toBeCloseTo(0.25, 14);
    const x = densityMatrixOf(randomModel(2, 2, 2, 4)),
      y = densityMatrixOf(randomModel(2, 2, 2, 5));
    expect(uhlmannFidelity(x, y)).toBeCloseTo(uhlmannFidelity(y, x), 10);
    expect(uhlmannFidelity(x, y)).toBeLessThan(1);
    // Fuchs–van de Graaf: 1 − √F ≤ D ≤ √(1 − F)
    const F = uhlmannFidelity(x, y),
      D = traceDistance(x, y);
    expect(D).toBeGreaterThanOrEqual(1 - Math.sqrt(F) - 1e-12);
    expect(D).toBeLessThanOrEqual(Math.sqrt(1 - F) + 1e-12);
  });
});

describe("the NLL gradient of the purification RBM", () => {
  it("equals central finite differences of the exact NLL (N = 3, shots in mixed bases)", () => {
    const N = 3;
    const model = randomModel(N, 2, 2, 11, 0.6);
    const bases = ["ZZZ", "XXZ", "XYZ", "YZX", "XXX", "ZYY"];
    const rng = new Rng(12);
    const M = 60;
    const samples = Uint8Array.from({ length: M * N }, () => rng.uint32() >>> 31);
    const codes = Uint8Array.from({ length: M * N }, (_, k) =>
      bases[Math.floor(k / N) % bases.length].charCodeAt(k % N),
    );
    const table = buildRotatedShotTable(samples, codes, N);
    const all = Uint32Array.from({ length: M }, (_, m) => m);

    // The exact NLL from the full ρ and the explicit unitaries (independent of the table and weights).
    const unitary = (basis: string) => {
      const dim = 2 ** N,
        re = new Float64Array(dim * dim),
        im = new Float64Array(dim * dim);
      for (let a = 0; a < dim; a++) {
        const e = new Float64Array(dim);
        e[a] = 1;
        const col = rotateToBasis(e, basis);
        for (let s = 0; s < dim; s++) {
          re[s * dim + a] = col.re[s];
          im[s * dim + a] = col.im[s];
        }
      }
      return { re, im };
    };
    const U = new Map(bases.map((b) => [b, unitary(b)]));
    const nll = () => {
      const rho = densityMatrixOf(model),
        dim = rho.dim;
      let s = 0;
      for (let m = 0; m < M; m++) {
        const u = U.get(bases[m % bases.length])!;
        let o = 0;
        for (let i = 0; i < N; i++) o = 2 * o + samples[m * N + i];
        let p = 0;
        for (let a = 0; a < dim; a++) {
          for (let b = 0; b < dim; b++) {
            // Re[U(o,a) ρ(a,b) U(o,b)*]
            const xr = u.re[o * dim + a] * rho.re[a * dim + b] - u.im[o * dim + a] * rho.im[a * dim + b];
            const xi = u.re[o * dim + a] * rho.im[a * dim + b] + u.im[o * dim + a] * rho.re[a * dim + b];
            p += xr * u.re[o * dim + b] + xi * u.im[o * dim + b];
          }
        }
        s -= Math.log(p);
      }
      return s / M;
    };

    const grad = new Float64Array(model.params.length);
    const data = densityDataGradient(model, table, all, M, 1 / M, grad);
    // ∂ log tr ρ̃ = −⟨∂F_λ⟩ of the amplitude RBM, whose parameters lead the vector
    addExactModelAverage(model.amplitude, -1, grad.subarray(0, model.amplitude.params.length));
    const logZ = logPartitionFunction(model.amplitude);
    expect(data + logZ).toBeCloseTo(nll(), 10);
    const { maxErr, maxGrad } = finiteDifferenceError(model.params, grad, nll);
    expect(maxGrad).toBeGreaterThan(0.05);
    expect(maxErr).toBeLessThan(1e-7);
  });
});

describe("mixed states: noise channels and measurements", () => {
  const ghz = (N: number) => {
    const v = new Float64Array(2 ** N);
    v[0] = v[2 ** N - 1] = Math.SQRT1_2;
    return v;
  };

  it("basis probabilities of a pure ρ equal |⟨o_b|ψ⟩|²", () => {
    const psi = randomState(8, 21),
      rho = pureDensityMatrix(psi);
    for (const basis of ["ZZZ", "XYZ", "YYX"]) {
      const want = rotateToBasis(psi, basis),
        got = basisProbabilities(rho, basis);
      for (let o = 0; o < 8; o++) expect(got[o]).toBeCloseTo(want.re[o] ** 2 + want.im[o] ** 2, 12);
    }
  });

  it("the per-qubit depolarising channel equals its Kraus sum (1 − 3p/4)ρ + (p/4)Σ_P P_q ρ P_q, qubit by qubit", () => {
    const rho = densityMatrixOf(randomModel(2, 2, 1, 31));
    const p = 0.3;
    // Kraus sum with explicit 4 × 4 Pauli matrices (qubit 0 most significant), written independently.
    const I = [
        [1, 0],
        [0, 1],
      ],
      X = [
        [0, 1],
        [1, 0],
      ],
      Z = [
        [1, 0],
        [0, -1],
      ];
    const kron = (a: number[][], b: number[][]) =>
      Array.from({ length: 4 }, (_, r) => Array.from({ length: 4 }, (_, c) => a[r >> 1][c >> 1] * b[r & 1][c & 1]));
    const Yr = [
        [0, 0],
        [0, 0],
      ],
      Yi = [
        [0, -1],
        [1, 0],
      ]; // Y = i·Yi
    const conj = (m: { re: number[][]; im: number[][] }, r: { re: Float64Array; im: Float64Array }) => {
      // m r m† for a 4 × 4 complex m
      const at = (x: { re: number[][] | Float64Array; im: number[][] | Float64Array }, i: number, j: number) =>
        Array.isArray(x.re)
          ? { re: (x.re as number[][])[i][j], im: (x.im as number[][])[i][j] }
          : { re: (x.re as Float64Array)[i * 4 + j], im: (x.im as Float64Array)[i * 4 + j] };
      const out = { re: new Float64Array(16), im: new Float64Array(16) };
      for (let i = 0; i < 4; i++)
        for (let j = 0; j < 4; j++)
          for (let a = 0; a < 4; a++)
            for (let b = 0; b < 4; b++) {
              const x = at(m, i, a),
                y = at(r, a, b),
                z = at(m, j, b); // m(i,a) r(a,b) conj(m(j,b))
              const xy = { re: x.re * y.re - x.im * y.im, im: x.re * y.im + x.im * y.re };
              out.re[i * 4 + j] += xy.re * z.re + xy.im * z.im;
              out.im[i * 4 + j] += xy.im * z.re - xy.re * z.im;
            }
      return out;
    };
    let cur = { re: rho.re, im: rho.im };
    for (const q of [0, 1]) {
      const on = (P: number[][], Pi?: number[][]) => ({
        re: q === 0 ? kron(P, I) : kron(I, P),
        im: Pi
          ? q === 0
            ? kron(Pi, I)
            : kron(I, Pi)
          : kron(
              [
                [0, 0],
                [0, 0],
              ],
              I,
            ),
      });
      const terms = [on(X), on(Yr, Yi), on(Z)].map((m) => conj(m, cur));
      const next = { re: cur.re.map((x) => (1 - 0.75 * p) * x), im: cur.im.map((x) => (1 - 0.75 * p) * x) };
      for (const t of terms)
        for (let k = 0; k < 16; k++) {
          next.re[k] += (p / 4) * t.re[k];
          next.im[k] += (p / 4) * t.im[k];
        }
      cur = next;
    }
    const got = depolariseEachQubit(rho, p);
    for (let k = 0; k < 16; k++) {
      expect(got.re[k]).toBeCloseTo(cur.re[k], 13);
      expect(got.im[k]).toBeCloseTo(cur.im[k], 13);
    }
  });

  it("shots of a depolarised GHZ state follow its basis probabilities (χ², false-alarm rate 1e-3)", () => {
    const rho = depolarise(pureDensityMatrix(ghz(3)), 0.2);
    const bases = ["ZZZ", "XXX", "XYY"];
    const d = sampleDensityMeasurements(rho, { shots: 30_000, bases, rng: new Rng(5) });
    for (const basis of bases) {
      const counts = new Float64Array(8);
      let n = 0;
      for (let m = 0; m < d.nShots; m++) {
        if (String.fromCharCode(...d.bases!.subarray(m * 3, m * 3 + 3)) !== basis) continue;
        counts[(d.samples[m * 3] << 2) | (d.samples[m * 3 + 1] << 1) | d.samples[m * 3 + 2]]++;
        n++;
      }
      expect(n).toBe(10_000);
      const { chi2, critical } = chiSquare(counts, basisProbabilities(rho, basis), n);
      expect(chi2).toBeLessThan(critical);
    }
    // Random bases: every shot its own basis, drawn uniformly.
    const r = sampleDensityMeasurements(rho, { shots: 3000, bases: "random", rng: new Rng(6) });
    const letters = new Map<number, number>();
    for (const c of r.bases!) letters.set(c, (letters.get(c) ?? 0) + 1);
    for (const code of [88, 89, 90])
      expect(Math.abs(letters.get(code)! - 3000)).toBeLessThan(4 * Math.sqrt(3000 * (2 / 9) * 3));
  });
});

describe("noisy datasets", () => {
  it("a GHZ state with 20 % global depolarising noise in all 27 bases: purity, fidelity and shots per basis", () => {
    const d = generateMixedDataset({ state: { kind: "ghz", N: 3 }, globalNoise: 0.2, shots: 2700, seed: 3 });
    // ρ = 0.8 |GHZ⟩⟨GHZ| + 0.2 I/8: tr ρ² = 0.64 + 2 · 0.8 · 0.2/8 + 0.04/8, F = 0.8 + 0.2/8.
    expect(d.attributes.purity).toBeCloseTo(0.685, 12);
    expect(Math.abs(Number(d.attributes.fidelity_with_prepared) - 0.825)).toBeLessThan(1e-7);
    expect(allPauliBases(3)).toHaveLength(27);
    const perBasis = new Map<string, number>();
    for (let m = 0; m < d.nShots; m++) {
      const b = String.fromCharCode(...d.bases!.subarray(m * 3, m * 3 + 3));
      perBasis.set(b, (perBasis.get(b) ?? 0) + 1);
    }
    expect(perBasis.size).toBe(27);
    expect([...perBasis.values()].every((n) => n === 100)).toBe(true);
    expect(Array.from(wState(3)).filter((x) => x !== 0)).toEqual([1, 1, 1].map((x) => x / Math.sqrt(3)));
  });
});
