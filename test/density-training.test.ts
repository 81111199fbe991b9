/**
 * The density model in the training design: its diagonal is the amplitude RBM's marginal, the driver's
 * gradient (data term + ModelAverage) is the NLL's, the model files and checkpoints round-trip, and the
 * local estimators give tr(ρO).
 */
import { describe, expect, it } from "vitest";
import { Rng } from "../src/core/rng.js";
import { densityMetrics } from "../src/estimate/density-metrics.js";
import { exactMetrics } from "../src/estimate/metrics.js";
import {
  densityExpectation,
  estimateObservables,
  magnetization,
  pauliString,
  sigmaX,
  stateExpectation,
} from "../src/estimate/observables.js";
import { modelFile, modelOf, wavefunctionOf } from "../src/io/model-file.js";
import { DensityRbm, densityEstimatorView, densityMatrixOf } from "../src/nn/density.js";
import { logProbabilities } from "../src/nn/enumeration.js";
import {
  mixtureAverage,
  pureDensityMatrix,
  type DensityMatrix,
  uhlmannFidelity,
} from "../src/physics/density-matrix.js";
import { generateMixedDataset } from "../src/physics/generate.js";
import { heisenberg, chain } from "../src/physics/hamiltonians.js";
import { Driver, driverFor } from "../src/train/driver.js";
import { dataGradient } from "../src/train/gradients.js";
import { modelAverage } from "../src/train/model-average.js";
import { resolveOptions } from "../src/train/options.js";
import { ShotBlocks } from "../src/train/shots.js";
import path from "node:path";
import { lastJson, qst } from "./helpers/cli.js";
import { tempDir } from "./helpers/files.js";
import { randomDensityModel } from "./helpers/density.js";
import { finiteDifferenceError } from "./helpers/finite-differences.js";

function randomModel(nV: number, nH: number, nA: number, seed: number, scale = 0.6): DensityRbm {
  return randomDensityModel(nV, nH, nA, seed, scale);
}

/** tr(ρ P) for a Pauli string by hand: Σ_σ ρ(σ, σ′) ⟨σ′|P|σ⟩ with P|σ⟩ = phase · |σ ⊕ x⟩. */
function traceWithPauli(rho: DensityMatrix, N: number, paulis: Record<number, "X" | "Y" | "Z">): number {
  let re = 0;
  for (let s = 0; s < rho.dim; s++) {
    let t = s,
      phRe = 1,
      phIm = 0;
    for (const [site, p] of Object.entries(paulis)) {
      const bit = (s >>> (N - 1 - Number(site))) & 1;
      if (p !== "Z") t ^= 1 << (N - 1 - Number(site));
      // X|b⟩ = |1−b⟩, Y|b⟩ = i(−1)^b |1−b⟩, Z|b⟩ = (−1)^b |b⟩
      const [fr, fi] = p === "X" ? [1, 0] : p === "Y" ? [0, bit ? -1 : 1] : [bit ? -1 : 1, 0];
      [phRe, phIm] = [phRe * fr - phIm * fi, phRe * fi + phIm * fr];
    }
    // ⟨t|P|s⟩ = phase; tr(ρP) = Σ_s ρ(s, t) · phase
    re += rho.re[s * rho.dim + t] * phRe - rho.im[s * rho.dim + t] * phIm;
  }
  return re;
}

describe("the density model as a member of the family", () => {
  it("its diagonal ρ(σ, σ) is the amplitude RBM's marginal e^{−F(σ)}/Z", () => {
    const m = randomModel(4, 3, 2, 5);
    const rho = densityMatrixOf(m);
    const logp = logProbabilities(m.amplitude);
    for (let s = 0; s < 16; s++) expect(rho.re[s * 16 + s]).toBeCloseTo(Math.exp(logp[s]), 14);
  });

  it("the driver's gradient (data term + exact ModelAverage) equals finite differences of the NLL", () => {
    const N = 3;
    const d = generateMixedDataset({ state: { kind: "w", N }, globalNoise: 0.3, shots: 270, seed: 4 });
    const options = resolveOptions("density", N, { nHidden: 2, nAux: 2, negativePhase: "exact", seed: 9 });
    const rng = new Rng(9);
    const model = new DensityRbm(N, 2, 2).randomise(rng);
    for (let k = 0; k < model.params.length; k++) model.params[k] += 0.3 * rng.normal();
    const shots = new ShotBlocks(d, N);
    const block = shots.load(0);
    const average = modelAverage(model.amplitude, options, new Rng(1));
    const count = 50;
    const batch = Uint32Array.from({ length: count }, (_, r) => (7 * r) % block.rows);
    const grad = new Float64Array(model.params.length);
    dataGradient(model, block).compute(batch, count, average, grad);
    const batchShots = {
      samples: Uint8Array.from(Array.from(batch).flatMap((m) => Array.from(block.samples.subarray(m * N, m * N + N)))),
      bases: Uint8Array.from(Array.from(batch).flatMap((m) => Array.from(block.bases!.subarray(m * N, m * N + N)))),
      nQubits: N,
    };
    const nll = () => densityMetrics(model, batchShots, {}).nll;
    const { maxErr, maxGrad } = finiteDifferenceError(model.params, grad, nll);
    expect(maxGrad).toBeGreaterThan(0.05);
    expect(maxErr).toBeLessThan(1e-7);
  });

  it("against a pure truth F = ⟨ψ|ρ|ψ⟩ equals the Uhlmann fidelity with |ψ⟩⟨ψ|", () => {
    const m = randomModel(3, 2, 2, 14);
    const rng = new Rng(15);
    const re = Float64Array.from({ length: 8 }, () => rng.normal()),
      im = Float64Array.from({ length: 8 }, () => rng.normal());
    const n = Math.hypot(...re, ...im);
    const psi = { re: re.map((x) => x / n), im: im.map((x) => x / n) };
    const f = densityMetrics(m, null, { psi }).fidelity!;
    expect(f).toBeGreaterThan(1e-3);
    expect(f).toBeCloseTo(uhlmannFidelity(pureDensityMatrix(psi), densityMatrixOf(m)), 7);
  });

  it("a model file holds it exactly and a pure-state loader refuses it", () => {
    const m = randomModel(3, 2, 3, 8);
    const file = JSON.parse(JSON.stringify(modelFile(m, { provenance: { qstVersion: "t", created: "now" } })));
    expect(file.kind).toBe("density");
    expect(file.nAux).toBe(3);
    const back = modelOf(file, "m.json");
    expect(back.kind).toBe("density");
    expect(Array.from(back.params)).toEqual(Array.from(m.params));
    expect(() => wavefunctionOf(file, "m.json")).toThrow(/m\.json: holds a density model/);
    expect(() => modelOf({ ...file, nAux: 5 }, "m.json")).toThrow(/m\.json: a density model needs "nAux"/);
  });

  it("a checkpoint resumes bit for bit, with the sampled negative phase too", () => {
    const N = 3;
    const d = generateMixedDataset({ state: { kind: "ghz", N }, globalNoise: 0.2, shots: 540, seed: 2 });
    for (const negativePhase of ["exact", "pcd"] as const) {
      const input = { model: "density" as const, epochs: 4, negativePhase, seed: 3 };
      const whole = driverFor(d, input);
      while (whole.epoch < 4) whole.runEpoch();
      const first = driverFor(d, input);
      first.runEpoch();
      first.runEpoch();
      const state = JSON.parse(JSON.stringify(first.getState()));
      expect(state.nAux).toBe(2 * N);
      const second = new Driver("density", new ShotBlocks(d, N), resolveOptions("density", N, input), state);
      second.runEpoch();
      second.runEpoch();
      expect(Array.from(second.model.params)).toEqual(Array.from(whole.model.params));
    }
  });
});

describe("observables of a density model", () => {
  it("densityExpectation equals tr(ρP) by hand, and a pure ρ gives the state's expectation", () => {
    const N = 3;
    const m = randomModel(N, 2, 2, 21);
    const rho = densityMatrixOf(m);
    const cases: [Record<number, "X" | "Y" | "Z">, ReturnType<typeof pauliString>][] = [
      [{ 0: "X" }, sigmaX(0)],
      [{ 0: "Y", 2: "Y" }, pauliString([0, 2], ["Y", "Y"])],
      [{ 1: "X", 2: "Z" }, pauliString([1, 2], ["X", "Z"])],
    ];
    for (const [paulis, obs] of cases) {
      expect(densityExpectation(rho, N, obs)).toBeCloseTo(traceWithPauli(rho, N, paulis), 12);
    }
    const rng = new Rng(3);
    const re = Float64Array.from({ length: 8 }, () => rng.normal()),
      im = Float64Array.from({ length: 8 }, () => rng.normal());
    const n = Math.hypot(...re, ...im);
    const psi = { re: re.map((x) => x / n), im: im.map((x) => x / n) };
    const H = heisenberg(chain(N, "open"));
    const obs = { kind: "pauli-sum" as const, name: "H", terms: H.terms };
    expect(mixtureAverage(pureDensityMatrix(psi), (w) => stateExpectation(w, N, obs))).toBeCloseTo(
      stateExpectation(psi, N, obs),
      11,
    );
  });

  it("the local estimators over ρ(σ, σ) give tr(ρO) within their error bars", () => {
    const N = 4;
    const m = randomModel(N, 3, 2, 33, 0.5);
    const rho = densityMatrixOf(m);
    const H = heisenberg(chain(N, "open"));
    const observables = [{ kind: "pauli-sum" as const, name: "H", terms: H.terms }, magnetization(N), sigmaX(1)];
    const estimates = estimateObservables(densityEstimatorView(m), observables, {
      chains: 8,
      samplesPerChain: 4000,
      burnIn: 100,
      thin: 1,
      seed: 5,
    });
    for (const [k, obs] of observables.entries()) {
      const exact = densityExpectation(rho, N, obs);
      expect(Math.abs(estimates[k].mean - exact)).toBeLessThan(4 * estimates[k].stderr + 1e-12);
      expect(estimates[k].stderr).toBeLessThan(0.05);
    }
  });
});

describe("training a density model", () => {
  it("learns a depolarised W state (N = 2) and a pure GHZ state as well as the pure model does", () => {
    const w = generateMixedDataset({ state: { kind: "w", N: 2 }, globalNoise: 0.5, shots: 9 * 300, seed: 11 });
    const dw = driverFor(w, { model: "density", epochs: 100, seed: 1 });
    while (dw.epoch < 100) dw.runEpoch();
    const mw = exactMetrics(dw.model, w, null, w.rho);
    expect(mw.fidelity).toBeGreaterThan(0.97);
    expect(Math.abs(mw.purity! - mw.purity_true!)).toBeLessThan(0.05);

    // A pure GHZ3 in all 27 bases: the density model and the complex wavefunction agree within noise.
    const g = generateMixedDataset({ state: { kind: "ghz", N: 3 }, shots: 27 * 100, seed: 12 });
    const dd = driverFor(g, { model: "density", epochs: 100, seed: 2 });
    const dc = driverFor(g, { model: "complex", epochs: 100, seed: 2 });
    while (dd.epoch < 100) dd.runEpoch();
    while (dc.epoch < 100) dc.runEpoch();
    const fd = exactMetrics(dd.model, g, null, g.rho).fidelity!;
    const fc = exactMetrics(dc.model, g, null, g.rho).fidelity!;
    expect(fc).toBeGreaterThan(0.95);
    expect(Math.abs(fd - fc)).toBeLessThan(0.02);
  });
});

describe("density models through the command line", () => {
  it("train picks the density model on /rho; evaluate, sample and observe use it; renyi2 is refused", () => {
    const dir = tempDir();
    const p = (f: string) => path.join(dir, f);
    expect(
      qst(["generate", "w", "-N", "2", "--global-noise", "0.5", "--samples", "2700", "--seed", "3", "--out", p("w.h5")])
        .status,
    ).toBe(0);
    const t = qst(["train", p("w.h5"), "--out", p("w.model.json"), "--json", "--quiet"]);
    expect(t.status, t.stderr).toBe(0);
    const r = lastJson(t.stdout);
    expect(r.kind).toBe("density");
    expect(r.negative_phase).toBe("exact");
    expect(r.epochs).toBe(149); // at least 4000 updates: ⌈4000 / 27⌉
    expect(r.fidelity).toBeGreaterThan(0.97);
    expect(r.trace_distance).toBeLessThan(0.2);
    // purity of (1 − p)|W⟩⟨W| + p I/4 at p = 0.5: (1 − p)² + (2p − p²)/4 = 0.4375
    expect(r.purity_true).toBeCloseTo(0.4375, 12);

    // --no-exact leaves /rho unread, but the file's mixed state still decides the model
    const blind = qst(["train", p("w.h5"), "--no-exact", "--epochs", "1", "--out", p("b.model.json"), "--json"]);
    expect(blind.status, blind.stderr).toBe(0);
    expect(lastJson(blind.stdout).kind).toBe("density");

    const e = lastJson(qst(["evaluate", p("w.model.json"), p("w.h5"), "--json"]).stdout);
    for (const k of ["fidelity", "kl", "trace_distance", "purity", "nll"]) expect(e[k]).toBeCloseTo(r[k], 10);

    const s = qst(["sample", p("w.model.json"), "--n", "400", "--out", p("s.h5"), "--json"]);
    expect(s.status, s.stderr).toBe(0);
    expect(lastJson(s.stdout).N).toBe(2);

    const o = qst([
      "observe",
      p("w.model.json"),
      "--observable",
      "xx,zz",
      "--sites",
      "0,1",
      "--exact",
      p("w.h5"),
      "--json",
    ]);
    expect(o.status, o.stderr).toBe(0);
    const obs = lastJson(o.stdout);
    // the noisy W state: ⟨X0X1⟩ = ⟨Y0Y1⟩ = (1 − p) = 0.5 and ⟨Z0Z1⟩ = −(1 − p) = −0.5
    expect(obs.xx.exactData).toBeCloseTo(0.5, 10);
    expect(obs.zz.exactData).toBeCloseTo(-0.5, 10);
    for (const k of ["xx", "zz"]) {
      expect(Math.abs(obs[k].mean - obs[k].exactModel)).toBeLessThan(4 * obs[k].stderr + 1e-9);
      expect(Math.abs(obs[k].exactModel - obs[k].exactData)).toBeLessThan(0.1);
    }
    const renyi = qst(["observe", p("w.model.json"), "--observable", "renyi2", "--block", "0"]);
    expect(renyi.status).not.toBe(0);
    expect(renyi.stderr.trim().split("\n")).toHaveLength(1);
    expect(renyi.stderr).toMatch(/holds a density model; renyi2/);
  });

  it("warns that Z-basis shots alone leave a density model's coherences undetermined", () => {
    const dir = tempDir();
    const file = path.join(dir, "z.h5");
    expect(qst(["generate", "tfim", "-N", "4", "--samples", "400", "--out", file]).status).toBe(0);
    const r = qst(["train", file, "--model", "density", "--epochs", "1", "--out", path.join(dir, "m.json"), "--json"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: .*Z-basis shots only, which fix the diagonal of ρ but none of its coherences/);
    expect(lastJson(r.stdout).warnings[0]).toMatch(/Z-basis shots only/);
  });

  it("qst exact on a mixed file: tr(ρO), purity and entropy of a depolarised GHZ3 in closed form", () => {
    const dir = tempDir();
    const file = path.join(dir, "g.h5");
    const p = 0.2;
    expect(
      qst(["generate", "ghz", "-N", "3", "--global-noise", `${p}`, "--samples", "270", "--out", file]).status,
    ).toBe(0);
    const r = qst(["exact", file, "--json"]);
    expect(r.status, r.stderr).toBe(0);
    const e = lastJson(r.stdout);
    // (1 − p)|GHZ⟩⟨GHZ| + p I/8: ⟨|M|⟩/N = (1 − p) + p · ½ (|M|/N is 1 on 2 configurations, ⅓ on 6),
    // ⟨Z_i Z_j⟩ = 1 − p, ⟨X_i⟩ = ⟨X_i X_j⟩ = 0, eigenvalues 1 − p + p/8 once and p/8 seven times.
    expect(e.abs_magnetization).toBeCloseTo(1 - p + p / 2, 12);
    expect(e.zz_nn).toBeCloseTo(1 - p, 12);
    expect(e.xx_nn).toBeCloseTo(0, 12);
    expect(e.sx).toBeCloseTo(0, 12);
    expect(e.purity).toBeCloseTo((1 - p + p / 8) ** 2 + 7 * (p / 8) ** 2, 12);
    const big = 1 - p + p / 8,
      small = p / 8;
    expect(e.entropy).toBeCloseTo(-big * Math.log(big) - 7 * small * Math.log(small), 10);
    expect(e.renyi2).toBeUndefined();
  });
});
