/**
 * Every estimator against exact enumeration, on small random RBMs (positive and complex).
 *
 * The references here are built independently of src/observables.ts: the state vector straight
 * from wf.logPsi, operators as dense Kronecker products of 2×2 Pauli matrices, and the Rényi
 * entropy from an explicitly built reduced density matrix.
 *
 * Statistical tests and their false-alarm rate. Each sampled estimate must lie within 4 of its own
 * error bars of the exact value: for a correct error bar P(|z| > 4) ≈ 6.3e-5 per check. There are
 * 15 observables × 10 seeds (positive ψ) + 15 × 5 (complex ψ) = 225 checks, so P(any false
 * alarm) ≈ 225 · 6.3e-5 ≈ 1.4%. Per observable, Σ z² over the seeds must also stay below the
 * 0.9999 quantile of χ²_k (30 checks at 1e-4): a systematic bias or error bars that are too small
 * show up there before they show up in a single |z|. The estimates must also carry no warnings;
 * at these sample sizes (8 chains × 1500, τ ≈ 1–1.5) the only warning that can fire by chance is
 * the between-chain switch, at 1e-4 per estimate (≈ 2% over the 225). The seeds are fixed, so the
 * outcome is deterministic; the rates say how unlucky a given choice of seeds would have to be.
 * (Checked separately over 200 seeds: mean z² = 1.06, 1.00, 1.01 for X_1X_3, X_1 and M/N.)
 */
import { describe, expect, it } from "vitest";
import { QstError } from "../src/core/errors.js";
import {
  applyHamiltonianComplex,
  chain,
  square,
  tfim,
  xxz,
  type Hamiltonian,
  type Pauli,
} from "../src/physics/hamiltonians.js";
import {
  absMagnetization,
  correlation,
  energy,
  enumerateWaveFunction,
  estimateObservable,
  estimateObservables,
  exactExpectation,
  magnetization,
  parseObservable,
  pauliString,
  renyi2,
  sampleWaveFunction,
  sigmaX,
  sigmaY,
  sigmaZ,
  siteAverage,
  swapSeries,
  validateObservable,
  type Observable,
} from "../src/estimate/observables.js";
import { RBM } from "../src/nn/rbm.js";
import { Rng } from "../src/core/rng.js";
import { chiSquareQuantile } from "../src/estimate/statistics.js";
import { RbmWaveFunction, type Complex, type WaveFunction } from "../src/nn/wavefunction.js";

// ---------------------------------------------------------------------------------------------
// Test wavefunctions
// ---------------------------------------------------------------------------------------------

function randomRbm(nV: number, nH: number, scale: number, rng: Rng): RBM {
  const rbm = new RBM(nV, nH);
  for (let k = 0; k < rbm.params.length; k++) rbm.params[k] = scale * rng.normal();
  return rbm;
}

// ---------------------------------------------------------------------------------------------
// Dense references
// ---------------------------------------------------------------------------------------------

type CVec = { re: Float64Array; im: Float64Array };

/** Normalised ψ over all 2^N configurations, straight from logPsi (qubit 0 = most significant). */
function denseState(wf: WaveFunction): CVec {
  const N = wf.nVisible,
    dim = 2 ** N;
  const lr = new Float64Array(dim),
    li = new Float64Array(dim);
  const v = new Uint8Array(N);
  let max = -Infinity;
  for (let b = 0; b < dim; b++) {
    for (let i = 0; i < N; i++) v[i] = (b >> (N - 1 - i)) & 1;
    const l = wf.logPsi(v);
    lr[b] = l.re;
    li[b] = l.im;
    max = Math.max(max, l.re);
  }
  const re = new Float64Array(dim),
    im = new Float64Array(dim);
  let norm = 0;
  for (let b = 0; b < dim; b++) {
    const a = Math.exp(lr[b] - max);
    re[b] = a * Math.cos(li[b]);
    im[b] = a * Math.sin(li[b]);
    norm += a * a;
  }
  const s = 1 / Math.sqrt(norm);
  for (let b = 0; b < dim; b++) {
    re[b] *= s;
    im[b] *= s;
  }
  return { re, im };
}

/** A dense complex matrix as separate re/im row-major arrays. */
type CMat = { n: number; re: Float64Array; im: Float64Array };

const PAULI: Record<Pauli | "I", CMat> = {
  I: { n: 2, re: Float64Array.from([1, 0, 0, 1]), im: new Float64Array(4) },
  X: { n: 2, re: Float64Array.from([0, 1, 1, 0]), im: new Float64Array(4) },
  // Y = [[0, −i], [i, 0]]: Y|0⟩ = i|1⟩, Y|1⟩ = −i|0⟩.
  Y: { n: 2, re: new Float64Array(4), im: Float64Array.from([0, -1, 1, 0]) },
  Z: { n: 2, re: Float64Array.from([1, 0, 0, -1]), im: new Float64Array(4) },
};

function kron(a: CMat, b: CMat): CMat {
  const n = a.n * b.n;
  const re = new Float64Array(n * n),
    im = new Float64Array(n * n);
  for (let i = 0; i < a.n; i++)
    for (let j = 0; j < a.n; j++)
      for (let k = 0; k < b.n; k++)
        for (let l = 0; l < b.n; l++) {
          const ar = a.re[i * a.n + j],
            ai = a.im[i * a.n + j],
            br = b.re[k * b.n + l],
            bi = b.im[k * b.n + l];
          const r = i * b.n + k,
            c = j * b.n + l;
          re[r * n + c] = ar * br - ai * bi;
          im[r * n + c] = ar * bi + ai * br;
        }
  return { n, re, im };
}

/** Dense matrix of Σ_t c_t ⊗_i P_t,i with qubit 0 as the leftmost (most significant) factor. */
function denseOperator(N: number, terms: { coefficient: number; sites: number[]; paulis: Pauli[] }[]): CMat {
  const dim = 2 ** N;
  const out: CMat = { n: dim, re: new Float64Array(dim * dim), im: new Float64Array(dim * dim) };
  for (const t of terms) {
    let m: CMat = { n: 1, re: Float64Array.from([1]), im: Float64Array.from([0]) };
    for (let i = 0; i < N; i++) {
      const k = t.sites.indexOf(i);
      m = kron(m, PAULI[k < 0 ? "I" : t.paulis[k]]);
    }
    for (let q = 0; q < dim * dim; q++) {
      out.re[q] += t.coefficient * m.re[q];
      out.im[q] += t.coefficient * m.im[q];
    }
  }
  return out;
}

/** ⟨ψ|M|ψ⟩ as a complex number. */
function denseExpectation(psi: CVec, M: CMat): Complex {
  let re = 0,
    im = 0;
  for (let r = 0; r < M.n; r++) {
    let yr = 0,
      yi = 0;
    for (let c = 0; c < M.n; c++) {
      const mr = M.re[r * M.n + c],
        mi = M.im[r * M.n + c];
      yr += mr * psi.re[c] - mi * psi.im[c];
      yi += mr * psi.im[c] + mi * psi.re[c];
    }
    // conj(ψ_r) · y_r
    re += psi.re[r] * yr + psi.im[r] * yi;
    im += psi.re[r] * yi - psi.im[r] * yr;
  }
  return { re, im };
}

/** S₂ = −log Tr ρ_A² from the explicitly built ρ_A = Tr_B |ψ⟩⟨ψ|. */
function denseRenyi2(psi: CVec, N: number, block: number[]): number {
  const rest = [...Array(N).keys()].filter((i) => !block.includes(i));
  const dA = 2 ** block.length,
    dB = 2 ** rest.length;
  const index = (a: number, b: number) => {
    let idx = 0;
    block.forEach((s, k) => {
      if ((a >> (block.length - 1 - k)) & 1) idx |= 1 << (N - 1 - s);
    });
    rest.forEach((s, k) => {
      if ((b >> (rest.length - 1 - k)) & 1) idx |= 1 << (N - 1 - s);
    });
    return idx;
  };
  const rr = new Float64Array(dA * dA),
    ri = new Float64Array(dA * dA);
  for (let a = 0; a < dA; a++)
    for (let a2 = 0; a2 < dA; a2++)
      for (let b = 0; b < dB; b++) {
        const x = index(a, b),
          y = index(a2, b);
        // ρ[a, a2] += ψ(a b) conj(ψ(a2 b))
        rr[a * dA + a2] += psi.re[x] * psi.re[y] + psi.im[x] * psi.im[y];
        ri[a * dA + a2] += psi.im[x] * psi.re[y] - psi.re[x] * psi.im[y];
      }
  // Tr ρ² = Σ_{a,a2} ρ[a,a2] ρ[a2,a]
  let tr = 0;
  for (let a = 0; a < dA; a++)
    for (let a2 = 0; a2 < dA; a2++) tr += rr[a * dA + a2] * rr[a2 * dA + a] - ri[a * dA + a2] * ri[a2 * dA + a];
  return -Math.log(tr);
}

/** Independent exact value of any observable on a dense state. */
function denseValue(psi: CVec, N: number, obs: Observable): number {
  switch (obs.kind) {
    case "pauli-sum":
      return denseExpectation(psi, denseOperator(N, obs.terms)).re;
    case "abs-magnetization": {
      let s = 0;
      for (let b = 0; b < psi.re.length; b++) {
        let m = 0;
        for (let i = 0; i < N; i++) m += (b >> (N - 1 - i)) & 1 ? -1 : 1;
        s += (psi.re[b] ** 2 + psi.im[b] ** 2) * Math.abs(m);
      }
      return s / N;
    }
    case "renyi2":
      return denseRenyi2(psi, N, obs.block);
  }
}

// ---------------------------------------------------------------------------------------------
// The observables under test
// ---------------------------------------------------------------------------------------------

const N = 5;

function observableSet(): Observable[] {
  return [
    magnetization(N),
    absMagnetization(),
    sigmaZ(2),
    siteAverage("X", [0, 1, 2, 3, 4], "sx"),
    sigmaX(1),
    sigmaY(3),
    correlation("Z", 0, 2),
    correlation("X", 1, 3),
    correlation("Y", 0, 4),
    pauliString([0, 2, 3], ["X", "Y", "Z"]),
    pauliString([1, 4], ["Y", "X"], -0.7),
    energy(tfim(chain(N, "periodic"), { J: 1, h: 0.8 })),
    energy(xxz(chain(N, "open"), { J: 1, delta: 0.6 })),
    renyi2([0, 1]),
    renyi2([1, 3, 4]),
  ];
}

function positiveWf(seed: number, nH = 4, scale = 0.8): RbmWaveFunction {
  return RbmWaveFunction.positive(randomRbm(N, nH, scale, new Rng(seed)));
}

function complexWf(seed: number): RbmWaveFunction {
  const rng = new Rng(seed);
  return RbmWaveFunction.complex(randomRbm(N, 5, 0.7, rng), randomRbm(N, 3, 2.0, rng));
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

describe("local evaluator ratios", () => {
  for (const [label, wf] of [
    ["positive", positiveWf(1, 6, 1.0)],
    ["complex", complexWf(2)],
  ] as const) {
    it(`${label}: exp(logRatio) equals ψ(v′)/ψ(v) from logPsi to 1e-12, single and double flips`, () => {
      const ev = wf.localEvaluator();
      const v = new Uint8Array(N),
        w = new Uint8Array(N);
      const sites = new Int32Array(2);
      const out = { re: 0, im: 0 };
      let worst = 0;
      for (let b = 0; b < 2 ** N; b++) {
        for (let i = 0; i < N; i++) v[i] = (b >> (N - 1 - i)) & 1;
        ev.setState(v);
        const l0 = wf.logPsi(v);
        for (let i = 0; i < N; i++) {
          for (let j = i; j < N; j++) {
            const count = i === j ? 1 : 2;
            sites[0] = i;
            sites[1] = j;
            w.set(v);
            w[i] ^= 1;
            if (j !== i) w[j] ^= 1;
            const l1 = wf.logPsi(w);
            ev.logRatio(sites, count, out);
            // Compare the complex ratios themselves, relative to their modulus.
            const dr = l1.re - l0.re,
              di = l1.im - l0.im;
            const direct = { re: Math.exp(dr) * Math.cos(di), im: Math.exp(dr) * Math.sin(di) };
            const fast = { re: Math.exp(out.re) * Math.cos(out.im), im: Math.exp(out.re) * Math.sin(out.im) };
            const err = Math.hypot(direct.re - fast.re, direct.im - fast.im) / Math.hypot(direct.re, direct.im);
            worst = Math.max(worst, err);
          }
        }
      }
      expect(worst).toBeLessThan(1e-12);
    });
  }
});

describe("the energy variance from the local estimator", () => {
  // ⟨H²⟩ − ⟨H⟩² computed independently: H applied to the enumerated state vector.
  function exactVariance(wf: RbmWaveFunction, H: Hamiltonian): number {
    const psi = enumerateWaveFunction(wf);
    const x = typeof psi === "object" && "re" in psi ? psi : { re: psi, im: new Float64Array(psi.length) };
    const y = { re: new Float64Array(x.re.length), im: new Float64Array(x.re.length) };
    applyHamiltonianComplex(H, x, y);
    let e = 0,
      e2 = 0;
    for (let k = 0; k < x.re.length; k++) {
      e += x.re[k] * y.re[k] + x.im[k] * y.im[k];
      e2 += y.re[k] ** 2 + y.im[k] ** 2;
    }
    return e2 - e * e;
  }
  for (const [label, wf, H] of [
    ["positive, TFIM", positiveWf(7), tfim(chain(N, "open"), { h: 0.9 })],
    ["complex, XXZ", complexWf(8), xxz(chain(N, "periodic"), { delta: 0.6 })],
  ] as const) {
    it(`${label}: localVariance is ⟨H²⟩ − ⟨H⟩² within 4σ`, () => {
      const [e] = estimateObservables(wf, [energy(H)], {
        chains: 8,
        samplesPerChain: 3000,
        burnIn: 100,
        thin: 1,
        seed: 9,
      });
      const exact = exactVariance(wf, H);
      expect(exact).toBeGreaterThan(0.1);
      expect(Math.abs(e.localVariance!.mean - exact)).toBeLessThan(4 * e.localVariance!.stderr);
      expect(e.localVariance!.stderr).toBeLessThan(0.05 * exact);
    });
  }
});

describe("exact expectations by enumeration", () => {
  for (const [label, wf] of [
    ["positive", positiveWf(3)],
    ["complex", complexWf(4)],
  ] as const) {
    it(`${label} ψ: exactExpectation equals dense Kronecker / reduced-density-matrix references`, () => {
      const psi = denseState(wf);
      for (const obs of observableSet()) {
        const exact = exactExpectation(wf, obs);
        expect(exact, obs.name).toBeCloseTo(denseValue(psi, N, obs), 10);
      }
    });
  }

  it("the Y conventions: ⟨Y⟩ = 1 on (|0⟩ + i|1⟩)/√2 and ⟨Y⟩ vanishes for a positive ψ", () => {
    // One qubit with log ψ(0) = 0, log ψ(1) = iπ/2: ψ ∝ |0⟩ + i|1⟩.
    const amp = new RBM(1, 1);
    const phase = new RBM(1, 1);
    phase.visibleBias[0] = -Math.PI; // −F/2 = b·v/2 + … ; the softplus(c) term is v-independent at W = 0
    const wf = RbmWaveFunction.complex(amp, phase); // copies the parameters: change them through wf
    expect(exactExpectation(wf, sigmaY(0))).toBeCloseTo(-1, 12);
    wf.phase!.visibleBias[0] = Math.PI;
    expect(exactExpectation(wf, sigmaY(0))).toBeCloseTo(1, 12);
    expect(exactExpectation(wf, sigmaX(0))).toBeCloseTo(0, 12);
    const samples = sampleWaveFunction(wf, { chains: 2, samplesPerChain: 200, burnIn: 10, thin: 1, seed: 1 });
    const e = estimateObservable(wf, sigmaY(0), samples);
    // Each local value is exactly 1: −i(1 − 2σ)·ψ(σ̄)/ψ(σ) = −i · i = 1 for σ = 0, and i · (−i) = 1 for σ = 1.
    expect(e.series.every((s) => s.every((x) => Math.abs(x - 1) < 1e-12))).toBe(true);
    expect(e.mean).toBeCloseTo(1, 12);
    expect(exactExpectation(positiveWf(5), sigmaY(2))).toBeCloseTo(0, 14);
  });

  it("TFIM and XXZ on a square lattice and a 6-site chain match dense H", () => {
    const rng = new Rng(21);
    const wf4 = RbmWaveFunction.positive(randomRbm(4, 5, 0.9, rng));
    const wf6 = RbmWaveFunction.complex(randomRbm(6, 6, 0.6, rng), randomRbm(6, 4, 0.8, rng));
    const cases: [RbmWaveFunction, Hamiltonian][] = [
      [wf4, tfim(square(2, 2, "open"), { J: 0.7, h: 1.3 })],
      [wf4, xxz(square(2, 2, "periodic"), { J: 1, delta: -0.4 })],
      [wf6, tfim(chain(6, "periodic"), { J: 1, h: 0.5 })],
      [wf6, xxz(chain(6, "periodic"), { J: 0.5, delta: 2 })],
    ];
    for (const [wf, H] of cases) {
      const ref = denseExpectation(denseState(wf), denseOperator(H.nSites, H.terms));
      expect(Math.abs(ref.im)).toBeLessThan(1e-12); // Hermitian
      expect(exactExpectation(wf, energy(H)), H.name).toBeCloseTo(ref.re, 10);
    }
  });
});

describe("sampled estimates agree with the model's exact expectations", () => {
  const options = { chains: 8, samplesPerChain: 1500, burnIn: 200, thin: 1 };

  function check(makeWf: (seed: number) => RbmWaveFunction, seeds: number[]) {
    const observables = observableSet();
    const z2 = new Map<string, number>();
    const labels = observables.map((o, k) => `${k}:${o.name}`);
    for (const seed of seeds) {
      const wf = makeWf(seed);
      const exact = observables.map((o) => exactExpectation(wf, o));
      const estimates = estimateObservables(wf, observables, { ...options, seed: 1000 + seed });
      estimates.forEach((e, k) => {
        const diff = e.mean - exact[k];
        let z: number;
        if (e.stderr === 0) {
          // A zero error bar is only honest when every local value equals the exact answer.
          expect(Math.abs(diff), `${labels[k]} seed ${seed}: zero error bar but off by ${diff}`).toBeLessThan(1e-12);
          z = 0;
        } else z = diff / e.stderr;
        expect(Math.abs(z), `${labels[k]} seed ${seed}: ${e.mean} ± ${e.stderr} vs exact ${exact[k]}`).toBeLessThan(4);
        z2.set(labels[k], (z2.get(labels[k]) ?? 0) + z * z);
        // The error bar is a real error bar, not an inflated one: no warnings at this sample size.
        expect(e.warnings, `${labels[k]} seed ${seed}`).toEqual([]);
        if (e.imagStderr && e.imagStderr > 0 && e.kind === "pauli-sum") {
          expect(Math.abs(e.imagMean! / e.imagStderr)).toBeLessThan(5);
        }
      });
    }
    const limit = chiSquareQuantile(seeds.length, 0.9999);
    for (const [label, s] of z2) expect(s, `${label}: Σz² over ${seeds.length} seeds`).toBeLessThan(limit);
    // Across all observables and seeds the z-scores should have unit variance; error bars twice too
    // large would give a mean z² of ~0.25. (Observables share samples, so this is a loose check.)
    const all = [...z2.values()].reduce((a, b) => a + b, 0) / (seeds.length * z2.size);
    expect(all).toBeGreaterThan(0.4);
    expect(all).toBeLessThan(2);
  }

  it("positive RBM, 10 seeds (each its own random RBM), every |z| < 4", () => {
    check((seed) => positiveWf(100 + seed, 3 + (seed % 4), 0.5 + 0.05 * seed), [...Array(10).keys()]);
  });

  it("complex RBM (amplitude + phase), 5 seeds, every |z| < 4", () => {
    check((seed) => complexWf(200 + seed), [...Array(5).keys()]);
  });
});

describe("Rényi-2 entropy", () => {
  it("a product state (W = 0) has S₂ = 0: every swap value is exactly 1", () => {
    const rbm = randomRbm(N, 4, 1, new Rng(31));
    rbm.weights.fill(0);
    const wf = RbmWaveFunction.positive(rbm);
    const opts = { chains: 4, samplesPerChain: 500, burnIn: 10, thin: 1, seed: 5 };
    const rng = new Rng(5);
    const a = sampleWaveFunction(wf, opts, rng),
      b = sampleWaveFunction(wf, opts, rng);
    const { re, im } = swapSeries(wf, a, b, [0, 2]);
    for (const s of re) for (const x of s) expect(Math.abs(x - 1)).toBeLessThan(1e-12);
    for (const s of im) for (const x of s) expect(x).toBe(0);
    const e = estimateObservable(wf, renyi2([0, 2]), a, b);
    expect(Math.abs(e.mean)).toBeLessThan(1e-12);
    expect(e.stderr).toBeLessThan(1e-12);
    expect(Math.abs(exactExpectation(wf, renyi2([0, 2])))).toBeLessThan(1e-12);
  });

  // Random positive RBMs are only weakly entangled (S₂ ~ 0.01–0.05 for these sizes); a strongly
  // varying phase adds much more (S₂ ≈ 0.6–0.9 here). Both must match the reduced density matrix.
  const cases: [string, RbmWaveFunction, number][] = [
    ["positive", RbmWaveFunction.positive(RBM.random(6, 6, new Rng(32), 1.5)), 0.01],
    ["complex", RbmWaveFunction.complex(RBM.random(6, 6, new Rng(40), 0.5), RBM.random(6, 4, new Rng(41), 3)), 0.5],
  ];
  for (const [label, wf, minimum] of cases) {
    it(`a random ${label} RBM: the swap estimate matches S₂ from the reduced density matrix`, () => {
      for (const block of [[0], [0, 1, 2], [1, 4]]) {
        const exact = denseRenyi2(denseState(wf), 6, block);
        expect(exactExpectation(wf, renyi2(block))).toBeCloseTo(exact, 11);
        expect(exact).toBeGreaterThan(minimum); // entangled: the test is not trivially 0 = 0
        const [e] = estimateObservables(wf, [renyi2(block)], {
          chains: 8,
          samplesPerChain: 2000,
          burnIn: 200,
          thin: 1,
          seed: 77,
        });
        expect(Math.abs(e.mean - exact) / e.stderr, `block ${block}: ${e.mean} ± ${e.stderr} vs ${exact}`).toBeLessThan(
          4,
        );
        expect(e.swap!.mean).toBeCloseTo(Math.exp(-e.mean), 12);
        expect(e.warnings).toEqual([]);
      }
    });
  }
});

describe("convergence diagnostics on a bimodal RBM", () => {
  it("chains stuck in the all-up and all-down modes are flagged by R̂, and the error bar covers the truth", () => {
    // One hidden unit with W_i = w, c = −wN/2, b_i = −w/2: F(S) is symmetric under S ↦ N − S with
    // minima at S = 0 and S = N and a barrier ~wN/4 between them that Gibbs sampling cannot cross.
    const n = 8,
      w = 8;
    const rbm = new RBM(n, 1);
    rbm.weights.fill(w);
    rbm.hiddenBias[0] = (-w * n) / 2;
    rbm.visibleBias.fill(-w / 2);
    const wf = RbmWaveFunction.positive(rbm);
    expect(exactExpectation(wf, magnetization(n))).toBeCloseTo(0, 10);
    const [e] = estimateObservables(wf, [magnetization(n)], {
      chains: 8,
      samplesPerChain: 500,
      burnIn: 100,
      thin: 1,
      seed: 3,
    });
    expect(e.rhat).toBeGreaterThan(1.1);
    expect(e.warnings.some((x) => x.includes("R̂"))).toBe(true);
    expect(Math.abs(e.mean) / e.stderr).toBeLessThan(4);
  });
});

describe("validation", () => {
  const wf = positiveWf(9);
  const expectQst = (f: () => unknown, re: RegExp) => {
    let err: unknown;
    try {
      f();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(QstError);
    expect((err as Error).message).toMatch(re);
  };

  it("unknown observables and missing inputs", () => {
    expectQst(() => parseObservable("entropy", { nSites: N }), /unknown observable 'entropy'.*known: .*energy/);
    expectQst(() => parseObservable("energy", { nSites: N }), /needs a Hamiltonian/);
    expectQst(() => parseObservable("zz", { nSites: N, sites: [0, 1, 2] }), /exactly two sites/);
  });

  it("a Hamiltonian for another N", () => {
    const H = tfim(chain(6), { h: 1 });
    expectQst(() => parseObservable("energy", { nSites: N, hamiltonian: H }), /N = 6 sites but the model has N = 5/);
    expectQst(() => exactExpectation(wf, energy(H)), /N = 6 sites but the model has N = 5/);
    const samples = sampleWaveFunction(wf, { chains: 1, samplesPerChain: 10, burnIn: 0, thin: 1, seed: 1 });
    expectQst(() => estimateObservable(wf, energy(H), samples), /N = 6/);
  });

  it("sites and blocks outside the system, repeated sites, bad letters", () => {
    expectQst(() => parseObservable("sx", { nSites: N, sites: [7] }), /site 7 is outside the system \(sites 0…4\)/);
    expectQst(() => parseObservable("zz", { nSites: N, sites: [0, 5] }), /site 5 is outside/);
    expectQst(() => parseObservable("renyi2", { nSites: N, block: [3, 4, 5] }), /block site 5 is outside/);
    expectQst(() => validateObservable(renyi2([]), N), /at least one site/);
    expectQst(() => validateObservable(renyi2([1, 1]), N), /listed twice/);
    expectQst(() => validateObservable(pauliString([1, 1], ["X", "Z"]), N), /acts twice on site 1/);
    expectQst(() => validateObservable(pauliString([1], ["W" as Pauli]), N), /Pauli 'W'/);
    expectQst(() => validateObservable(pauliString([-1], ["X"]), N), /site -1 is outside/);
  });

  it("bad sampling options", () => {
    expectQst(
      () => sampleWaveFunction(wf, { chains: 0, samplesPerChain: 10, burnIn: 0, thin: 1, seed: 1 }),
      /number of chains/,
    );
    expectQst(
      () => sampleWaveFunction(wf, { chains: 2, samplesPerChain: 2, burnIn: 0, thin: 1, seed: 1 }),
      /samples per chain/,
    );
    expectQst(
      () => sampleWaveFunction(wf, { chains: 2, samplesPerChain: 10, burnIn: -1, thin: 1, seed: 1 }),
      /burn-in/,
    );
    expectQst(() => sampleWaveFunction(wf, { chains: 2, samplesPerChain: 10, burnIn: 0, thin: 0, seed: 1 }), /thin/);
  });

  it("parseObservable builds what the CLI names mean", () => {
    expect(parseObservable("sx", { nSites: N }).name).toBe("sx");
    expect(exactExpectation(wf, parseObservable("sx", { nSites: N, sites: [2] }))).toBeCloseTo(
      exactExpectation(wf, sigmaX(2)),
      14,
    );
    expect(exactExpectation(wf, parseObservable("zz", { nSites: N, sites: [1, 3] }))).toBeCloseTo(
      exactExpectation(wf, correlation("Z", 1, 3)),
      14,
    );
    // zz without sites: the average over the open chain's bonds.
    let avg = 0;
    for (let i = 0; i + 1 < N; i++) avg += exactExpectation(wf, correlation("Z", i, i + 1)) / (N - 1);
    expect(exactExpectation(wf, parseObservable("zz", { nSites: N }))).toBeCloseTo(avg, 14);
    expect((parseObservable("renyi2", { nSites: N }) as { block: number[] }).block).toEqual([0, 1]);
  });
});
