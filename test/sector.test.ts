/**
 * Models confined to a magnetisation sector (src/nn/sector.ts): the enumeration, log ψ and the local
 * ratios against direct sums over the sector; the exchange-move chains against exact p restricted to it
 * (χ²); the energy estimator against the projected state's exact energy; the rotated-basis gradient
 * against finite differences; the driver's choice from the data, training, checkpoints, model files.
 */
import path from "node:path";
import { describe, expect, it } from "vitest";
import { Rng } from "../src/core/rng.js";
import { estimateObservables, energy as energyObservable } from "../src/estimate/observables.js";
import { exactMetrics } from "../src/estimate/metrics.js";
import { modelFile, modelOf, rbmFromJson } from "../src/io/model-file.js";
import {
  addExactModelAverage,
  configurationOf,
  logPartitionFunction,
  logSumExp,
  stateVector,
  unnormalisedLogProbabilities,
} from "../src/nn/enumeration.js";
import { hammingWeight } from "../src/nn/sector.js";
import { RbmWaveFunction, type Complex } from "../src/nn/wavefunction.js";
import { buildModel, generateDataset } from "../src/physics/generate.js";
import { energy as exactEnergy } from "../src/physics/states.js";
import { GibbsSampler } from "../src/sample/gibbs.js";
import { sampleTempered } from "../src/sample/tempering.js";
import { LikelihoodWatch, NLL_ESCAPE } from "../src/train/callbacks.js";
import { ZBasisShots } from "../src/train/cycles.js";
import { driverFor } from "../src/train/driver.js";
import { buildRotatedShotTable, RotatedDataGradient } from "../src/train/rotated-gradient.js";
import { writeMeasurements } from "../src/io/measurement-file.js";
import { chiSquare, randomRbm } from "./helpers/chi-square.js";
import { lastJson, qst } from "./helpers/cli.js";
import { tempDir } from "./helpers/files.js";
import { finiteDifferenceError } from "./helpers/finite-differences.js";

const N = 6,
  W = 3;

/** A random complex wavefunction of N = 6 whose amplitude is confined to the sector of 3 ones. */
function sectorModel(seed: number, nHidden = 4): RbmWaveFunction {
  const wf = new RbmWaveFunction(N, nHidden, 3).randomise(new Rng(seed));
  const rng = new Rng(seed + 100);
  for (let k = 0; k < wf.params.length; k++) wf.params[k] += 0.4 * rng.normal();
  wf.amplitude.sector = W;
  return wf;
}

describe("enumeration, log ψ and local ratios of a sector model", () => {
  it("log Z, the state vector and log ψ: sums over the sector only, ψ = 0 outside", () => {
    const wf = sectorModel(1);
    const direct: number[] = [];
    for (let k = 0; k < 2 ** N; k++) {
      const v = configurationOf(k, N);
      if (hammingWeight(v, 0, N) === W) direct.push(-wf.amplitude.freeEnergy(v));
      expect(wf.logPsi(v).re === Number.NEGATIVE_INFINITY).toBe(hammingWeight(v, 0, N) !== W);
    }
    expect(direct).toHaveLength(20);
    expect(logPartitionFunction(wf.amplitude)).toBeCloseTo(logSumExp(direct), 12);
    const { re, im } = stateVector(wf);
    let norm = 0;
    for (let k = 0; k < re.length; k++) {
      norm += re[k] ** 2 + im[k] ** 2;
      if (hammingWeight(configurationOf(k, N), 0, N) !== W) expect(re[k] === 0 && im[k] === 0).toBe(true);
    }
    expect(norm).toBeCloseTo(1, 12);
    // a truth with rounding-level amplitudes outside the sector (a Lanczos vector's ~1e-11): the KL
    // divergence, in the Z basis and a rotated one, stays finite (≈ 0 against the model's own state)
    const truth = { re: Float64Array.from(re, (x) => (x === 0 ? 1e-11 : x)), im: Float64Array.from(im) };
    const shots = {
      samples: Uint8Array.from([1, 1, 1, 0, 0, 0, 1, 0, 1, 0, 0, 1]),
      bases: Uint8Array.from("ZZZZZZXXZZZZ", (c) => c.charCodeAt(0)),
      nQubits: N,
    };
    const m = exactMetrics(wf, shots, truth);
    expect(m.fidelity).toBeCloseTo(1, 9);
    expect(m.kl).toBeLessThan(1e-9);
    // the phase RBM is not confined: its enumeration covers every configuration
    expect(Number.isFinite(Math.min(...unnormalisedLogProbabilities(wf.phase!)))).toBe(true);
  });

  it("local ratios: −∞ for a flip that leaves the sector, log ψ(v′) − log ψ(v) for an exchange", () => {
    const wf = sectorModel(2);
    const ev = wf.localEvaluator();
    const v = Uint8Array.from([1, 0, 1, 0, 1, 0]);
    ev.setState(v);
    const out: Complex = { re: 0, im: 0 };
    expect(ev.logRatio([0], 1, out).re).toBe(Number.NEGATIVE_INFINITY);
    expect(ev.logRatio([0, 2], 2, out).re).toBe(Number.NEGATIVE_INFINITY); // two ones switched off
    ev.logRatio([0, 1], 2, out);
    const w = Uint8Array.from([0, 1, 1, 0, 1, 0]);
    expect(out.re).toBeCloseTo(wf.logPsi(w).re - wf.logPsi(v).re, 12);
    expect(out.im).toBeCloseTo(wf.logPsi(w).im - wf.logPsi(v).im, 12);
  });
});

describe("the chains of a sector model", () => {
  it("stay in the sector and sample p(v) restricted to it (χ², N = 6)", () => {
    const rbm = randomRbm(N, 4, 11, 1.0, 0.5);
    rbm.sector = W;
    const logp = unnormalisedLogProbabilities(rbm);
    const logZ = logSumExp(logp);
    const p = Array.from(logp, (x) => Math.exp(x - logZ));
    const chains = 400,
      sampler = new GibbsSampler(rbm, chains, new Rng(3));
    sampler.step(20);
    const counts = new Float64Array(2 ** N);
    let n = 0;
    for (let t = 0; t < 40; t++) {
      sampler.step(2);
      for (let c = 0; c < chains; c++) {
        let k = 0;
        for (let i = 0; i < N; i++) k = 2 * k + sampler.visible[c * N + i];
        expect(hammingWeight(sampler.visible, c * N, N)).toBe(W);
        counts[k]++;
        n++;
      }
    }
    const { chi2, critical } = chiSquare(counts, p, n);
    expect(chi2).toBeLessThan(critical);
    expect(sampler.takeExchangeAcceptance()).toBeGreaterThan(0);
    // tempering is not defined for them: refused in one line
    expect(() => sampleTempered(rbm, { chains: 4, samplesPerChain: 2, burnIn: 0, thin: 1 }, new Rng(1))).toThrow(
      /not available for a model confined to a magnetisation sector/,
    );
  });

  it("energies estimated from them are the projected state's exact ones (Heisenberg; TFIM, whose X flips leave the sector)", () => {
    const wf = sectorModel(4);
    for (const model of ["heisenberg", "tfim"] as const) {
      const { hamiltonian } = buildModel({ model, N, boundary: "open" });
      const exact = exactEnergy(hamiltonian, stateVector(wf));
      const [e] = estimateObservables(wf, [energyObservable(hamiltonian)], {
        chains: 200,
        samplesPerChain: 200,
        burnIn: 50,
        thin: 1,
        seed: 5,
      });
      expect(Math.abs(e.mean - exact)).toBeLessThan(4 * e.stderr);
      expect(e.stderr).toBeLessThan(0.02 * Math.abs(exact));
    }
  });
});

describe("training a sector model", () => {
  it("the rotated-basis gradient equals central finite differences of the sector model's exact NLL", () => {
    const wf = sectorModel(6, 3);
    const data = generateDataset({ model: "heisenberg", N, shots: 120, bases: "torlai", seed: 7 });
    const table = buildRotatedShotTable(data.samples, data.bases, N, W);
    const all = Uint32Array.from({ length: data.nShots }, (_, m) => m);
    const grad = new Float64Array(wf.params.length);
    const nA = wf.amplitude.params.length;
    new RotatedDataGradient(wf.amplitude, wf.phase!, table).accumulate(all, data.nShots, 1 / data.nShots, grad);
    addExactModelAverage(wf.amplitude, -1, grad.subarray(0, nA));
    const nll = () => exactMetrics(wf, { samples: data.samples, bases: data.bases, nQubits: N }, null).nll!;
    const { maxErr, maxGrad } = finiteDifferenceError(wf.params, grad, nll);
    expect(maxGrad).toBeGreaterThan(0.05);
    expect(maxErr).toBeLessThan(1e-7);
    // a shot no state of the sector can give is refused, naming it
    const bad = data.samples.slice();
    const zRow = Array.from({ length: data.nShots }, (_, m) => m).find((m) =>
      Array.from(data.bases!.subarray(m * N, (m + 1) * N)).every((b) => b === 90),
    )!;
    bad.fill(1, zRow * N, (zRow + 1) * N);
    expect(() => buildRotatedShotTable(bad, data.bases, N, W)).toThrow(new RegExp(`shot ${zRow} .*--sector off`));
  });

  it("the driver confines the model to the data's sector (auto), not for other data or with off", () => {
    const heis = generateDataset({ model: "heisenberg", N, shots: 500, seed: 3 });
    const tfim = generateDataset({ model: "tfim", N, shots: 500, seed: 3 });
    expect(driverFor(heis, { epochs: 1 }).model.amplitude.sector).toBe(W);
    expect(driverFor(heis, { epochs: 1, sector: "off" }).model.amplitude.sector).toBeNull();
    expect(driverFor(tfim, { epochs: 1 }).model.amplitude.sector).toBeNull();
    expect(() => driverFor(heis, { epochs: 1, negativePhase: "pt" })).toThrow(/magnetisation sector/);
    // a rise of the NLL does not switch a sector model to tempering, and the hint says what to do instead
    const d = driverFor(heis, { epochs: 1 });
    d.runEpoch();
    const lines: string[] = [];
    const watch = new LikelihoodWatch(heis.samples, null, N, 1, (l) => lines.push(l));
    const nll = new ZBasisShots(heis.samples, null, N).nll(d.model.amplitude);
    d.average.nllRose!(0, nll - 5, NLL_ESCAPE); // as if the NLL had been 5 nats lower before
    watch.onEpochEnd(d, { epoch: 1, step: d.step, time_s: 0, lr: 0, grad_norm: 0 });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/tempering does not cover: try a larger -k/);
    expect(d.average.report().negativePhase).toBe("pcd");
    expect(() => driverFor(heis, { epochs: 1, negativePhase: "cd" })).toThrow(/--sector off/);
  });

  it("Heisenberg N = 6 in the torlai bases with sampled chains: F ≥ 0.99; a resumed run is bit-identical", async () => {
    const data = generateDataset({ model: "heisenberg", N, shots: 6000, bases: "torlai", seed: 9 });
    const options = { seed: 2, negativePhase: "pcd" as const, epochs: 40 };
    const d = driverFor(data, options);
    await d.run();
    expect(d.model.amplitude.sector).toBe(W);
    expect(exactMetrics(d.model, null, data.psi).fidelity).toBeGreaterThan(0.99);
    const first = driverFor(data, options);
    for (let e = 0; e < 3; e++) first.runEpoch();
    const resumed = driverFor(data, options, JSON.parse(JSON.stringify(first.getState())));
    await resumed.run();
    expect(Array.from(resumed.model.params)).toEqual(Array.from(d.model.params));
  }, 60_000);
});

describe("model files", () => {
  it("keep the sector (format version 3); a file without one stays version 2; a phase RBM with one is refused", () => {
    const wf = sectorModel(8);
    const m = modelFile(wf, { provenance: { qstVersion: "test", created: "now" } });
    expect(m.version).toBe(3);
    expect(m.rbms.amplitude.sector).toBe(W);
    const back = modelOf(JSON.parse(JSON.stringify(m)), "m.json") as RbmWaveFunction;
    expect(back.amplitude.sector).toBe(W);
    const v = Uint8Array.from([1, 1, 0, 0, 0, 1]);
    expect(back.logPsi(v)).toEqual(wf.logPsi(v));
    wf.amplitude.sector = null;
    expect(modelFile(wf, { provenance: { qstVersion: "test", created: "now" } }).version).toBe(2);
    expect(() => rbmFromJson({ ...m.rbms.amplitude, sector: 7 }, "x.json: rbms.amplitude")).toThrow(
      /x\.json: rbms\.amplitude: the sector must be an integer between 1 and 5/,
    );
    const phaseWithSector = { ...m, rbms: { ...m.rbms, phase: { ...m.rbms.phase!, sector: 2 } } };
    expect(() => modelOf(JSON.parse(JSON.stringify(phaseWithSector)), "y.json")).toThrow(/only the amplitude/);
  });
});

describe("the command line", () => {
  it("train reports the sector; observe samples it by exchanges and meets the projected model's exact energy", async () => {
    const dir = tempDir("qst-sector-");
    const data = generateDataset({ model: "heisenberg", N, shots: 3000, seed: 12 });
    await writeMeasurements(path.join(dir, "h.h5"), { ...data, bases: null });
    const t = qst(["train", "h.h5", "--epochs", "20", "--out", "m.json", "--json", "--quiet"], dir);
    expect(t.status).toBe(0);
    expect(lastJson(t.stdout).sector).toBe(W);
    const o = qst(["observe", "m.json", "--observable", "energy", "--exact", "h.h5", "--json"], dir);
    expect(o.status).toBe(0);
    const j = lastJson(o.stdout);
    expect(j.sampler).toBe("exchange");
    expect(j.sector).toBe(W);
    expect(Math.abs(j.energy.mean - j.energy.exactModel)).toBeLessThan(4 * j.energy.stderr);
  }, 60_000);
});
