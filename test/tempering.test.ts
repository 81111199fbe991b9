/**
 * Parallel tempering (src/sample/tempering.ts) and the negative phases built on it: every replica's
 * stationary distribution against exact p_β, the swap rate against the exact Metropolis rule,
 * determinism (reruns, thread counts, checkpoints), and training that needs it (the ordered TFIM).
 */
import { afterEach, describe, expect, it } from "vitest";
import { Rng } from "../src/core/rng.js";
import { setAdaptiveThreads, setKernelThreads } from "../src/kernels/pool.js";
import { configurationOf, indexOf, logProbabilities } from "../src/nn/enumeration.js";
import { RBM } from "../src/nn/rbm.js";
import { GibbsSampler } from "../src/sample/gibbs.js";
import { sampleTempered, TemperedChains } from "../src/sample/tempering.js";
import { sampleChains } from "../src/sample/gibbs.js";
import { magnetizationConvergence } from "../src/estimate/convergence.js";
import { generateDataset } from "../src/physics/generate.js";
import { exactMetrics } from "../src/estimate/metrics.js";
import { driverFor, type DriverState } from "../src/train/driver.js";
import { resolveOptions } from "../src/train/options.js";
import { MixingAlarm } from "../src/train/callbacks.js";
import { absMagnetization, estimateObservables, exactExpectation, magnetization } from "../src/estimate/observables.js";
import { RbmWaveFunction } from "../src/nn/wavefunction.js";
import { chiSquare, randomRbm } from "./helpers/chi-square.js";
import { lastJson, qst } from "./helpers/cli.js";
import { tempDir } from "./helpers/files.js";
import path from "node:path";

afterEach(() => {
  setKernelThreads(null);
  setAdaptiveThreads(true);
});

/**
 * A bimodal RBM on N = 6: modes all-0 and all-1 of nearly equal weight (≈ 0.44 each) behind a barrier
 * that plain Gibbs chains do not cross in the sweeps below.
 */
function bimodal(): RBM {
  const rbm = new RBM(6, 2),
    rng = new Rng(4),
    w = 8;
  for (let i = 0; i < 6; i++) {
    rbm.visibleBias[i] = -w / 2 + 0.3 * rng.normal();
    for (let j = 0; j < 2; j++) rbm.weights[i * 2 + j] = (w / 2) * (1 + 0.1 * rng.normal());
  }
  rbm.hiddenBias.fill(-1.5 * w);
  return rbm;
}

/** Chains started unbalanced: one in eight in the all-1 mode, the rest in all-0. */
function startUnbalanced(s: GibbsSampler): void {
  for (let c = 0; c < s.nChains; c++) s.visible.fill(c % 8 === 0 ? 1 : 0, c * 6, c * 6 + 6);
}
const FIXED = { adaptAttempts: Number.POSITIVE_INFINITY };

function scaled(rbm: RBM, beta: number): RBM {
  return new RBM(
    rbm.nVisible,
    rbm.nHidden,
    rbm.params.map((x) => beta * x),
  );
}

/** E(v, h) of every joint configuration, index v + 2^nV · h. */
function jointEnergies(rbm: RBM): Float64Array {
  const { nVisible: nV, nHidden: nH } = rbm,
    E = new Float64Array(2 ** (nV + nH));
  for (let k = 0; k < E.length; k++) {
    const v = configurationOf(k % 2 ** nV, nV),
      h = configurationOf(Math.floor(k / 2 ** nV), nH);
    let e = 0;
    for (let i = 0; i < nV; i++) e -= rbm.visibleBias[i] * v[i];
    for (let j = 0; j < nH; j++) {
      let a = rbm.hiddenBias[j];
      for (let i = 0; i < nV; i++) a += v[i] * rbm.weights[i * nH + j];
      e -= a * h[j];
    }
    E[k] = e;
  }
  return E;
}

describe("parallel tempering", () => {
  const betas = [1, 0.7, 0.4, 0];

  it("every replica samples its exact p_β(v) ∝ e^{−F_{βλ}(v)} (χ², false-alarm rate 1e-3 per replica)", () => {
    const rbm = bimodal(),
      chains = 4000;
    const pt = new TemperedChains(new GibbsSampler(rbm, chains, new Rng(1)), new Rng(2), betas, FIXED);
    startUnbalanced(pt.cold);
    pt.step(60);
    betas.forEach((beta, t) => {
      const p = logProbabilities(scaled(rbm, beta)).map(Math.exp);
      const counts = new Float64Array(p.length),
        v = pt.replica(t).visible;
      for (let c = 0; c < chains; c++) counts[indexOf(v, 6, c * 6)]++;
      const { chi2, df, critical } = chiSquare(counts, p, chains);
      expect(chi2, `β = ${beta}: χ² = ${chi2.toFixed(1)}, ${df} degrees of freedom`).toBeLessThan(critical);
    });
  });

  it("plain Gibbs chains of the same RBM do not (the test above can fail)", () => {
    const rbm = bimodal(),
      chains = 4000,
      s = new GibbsSampler(rbm, chains, new Rng(1));
    startUnbalanced(s);
    s.step(60);
    const p = logProbabilities(rbm).map(Math.exp),
      counts = new Float64Array(p.length);
    for (let c = 0; c < chains; c++) counts[indexOf(s.visible, 6, c * 6)]++;
    const { chi2, critical } = chiSquare(counts, p, chains);
    expect(chi2).toBeGreaterThan(critical);
  });

  it("swap rates equal the exact Metropolis rate Σ p_a(x) p_b(y) min(1, e^{(β_a−β_b)(E(x)−E(y))})", () => {
    const rbm = bimodal(),
      chains = 4000;
    const E = jointEnergies(rbm);
    const pt = new TemperedChains(new GibbsSampler(rbm, chains, new Rng(5)), new Rng(6), betas, FIXED);
    pt.step(40);
    const before = pt.getState();
    pt.step(40);
    const after = pt.getState();
    for (let t = 0; t + 1 < betas.length; t++) {
      const [ba, bb] = [betas[t], betas[t + 1]];
      const pa = boltzmann(E, ba),
        pb = boltzmann(E, bb);
      let rate = 0;
      for (let x = 0; x < E.length; x++) {
        for (let y = 0; y < E.length; y++) rate += pa[x] * pb[y] * Math.min(1, Math.exp((ba - bb) * (E[x] - E[y])));
      }
      const n = after.attempts[t] - before.attempts[t],
        measured = (after.accepts[t] - before.accepts[t]) / n;
      // one independent attempt per chain is the conservative noise (attempts of a chain correlate)
      const sigma = Math.sqrt((rate * (1 - rate)) / chains);
      expect(
        Math.abs(measured - rate),
        `pair ${t}: measured ${measured.toFixed(4)}, exact ${rate.toFixed(4)}`,
      ).toBeLessThan(5 * sigma);
    }
  });

  it("is bit-identical on rerun and for 1 or 2 threads, adapting ladder included", () => {
    const run = (threads: number) => {
      setAdaptiveThreads(false); // split whenever allowed, so that the threaded path runs
      setKernelThreads(threads);
      const rbm = randomRbm(16, 16, 3, 1.2, 0.3);
      const pt = new TemperedChains(new GibbsSampler(rbm, 64, new Rng(7)), new Rng(8), [1, 0.5, 0], {
        adaptAttempts: 64,
      });
      const ladders = new Set<string>();
      for (let u = 0; u < 30; u++) {
        pt.step(4);
        pt.adapt();
        ladders.add(pt.betas.join());
      }
      expect(ladders.size).toBeGreaterThan(1); // the ladder moved
      return JSON.stringify({ cold: Array.from(pt.cold.visible), state: pt.getState() });
    };
    const one = run(1);
    expect(run(1)).toBe(one);
    expect(run(2)).toBe(one);
  });

  it("keeps neighbouring swap rates in the band as the ladder adapts", () => {
    const rbm = randomRbm(12, 12, 4, 2, 0.5),
      pt = new TemperedChains(new GibbsSampler(rbm, 100, new Rng(9)), new Rng(10));
    for (let u = 0; u < 400; u++) {
      pt.step(10);
      pt.adapt();
    }
    const rates = pt.lastMeasuredRates;
    expect(pt.betas.length).toBeGreaterThan(3);
    for (const r of rates) expect(r).toBeGreaterThan(0.15);
    for (const r of rates) expect(r).toBeLessThan(0.6);
  });
});

function boltzmann(E: Float64Array, beta: number): Float64Array {
  let max = -Infinity;
  for (const e of E) max = Math.max(max, -beta * e);
  const p = E.map((e) => Math.exp(-beta * e - max));
  const Z = p.reduce((s, x) => s + x, 0);
  return p.map((x) => x / Z);
}

describe("negative phase options", () => {
  it("--method is the former spelling of pcd/cd; pt and cd do not combine", () => {
    expect(resolveOptions("positive", 6, { method: "cd" }).negativePhase).toBe("cd");
    expect(resolveOptions("positive", 6, { method: "cd", batchSize: 50 }).chains).toBe(50);
    expect(resolveOptions("positive", 6, { method: "pcd" }).negativePhase).toBe("auto");
    expect(resolveOptions("positive", 6, {}).negativePhase).toBe("auto");
    expect(resolveOptions("complex", 6, {}).negativePhase).toBe("exact");
    expect(resolveOptions("complex", 14, {}).negativePhase).toBe("auto");
    expect(() => resolveOptions("positive", 6, { method: "cd", negativePhase: "pt" })).toThrow(/cannot be combined/);
    expect(() => resolveOptions("positive", 6, { negativePhase: "mcmc" as never })).toThrow(/auto, pcd, cd, pt, exact/);
  });
});

describe("estimates with tempering 'auto'", () => {
  const opts = { chains: 16, samplesPerChain: 400, burnIn: 50, thin: 1, seed: 3 };
  const observables = [magnetization(6), absMagnetization()];

  it("keeps plain chains that mix, bit for bit", () => {
    const wf = RbmWaveFunction.positive(randomRbm(6, 4, 2, 0.5, 0.3));
    const auto = estimateObservables(wf, observables, { ...opts, tempering: "auto" });
    const plain = estimateObservables(wf, observables, opts);
    expect(auto.map((e) => e.tempered)).toEqual([false, false]);
    expect(auto.map((e) => e.mean)).toEqual(plain.map((e) => e.mean));
  });

  it("draws again tempered when plain chains stay in their modes, and then meets the exact value", () => {
    const wf = RbmWaveFunction.positive(bimodal());
    const plain = estimateObservables(wf, observables, opts);
    const exact = exactExpectation(wf, observables[0]);
    // plain chains started at random fall into either mode and stay: R̂ of M ≫ 1
    expect(plain[0].rhat).toBeGreaterThan(1.5);
    const auto = estimateObservables(wf, observables, { ...opts, tempering: "auto" });
    expect(auto[0].tempered).toBe(true);
    expect(auto[0].rhat).toBeLessThan(1.05);
    expect(Math.abs(auto[0].mean - exact)).toBeLessThan(4 * auto[0].stderr);
    expect(auto[1].mean).toBeCloseTo(exactExpectation(wf, observables[1]), 1);
  });
});

describe("training through tempering", () => {
  // the ordered TFIM: two magnetised halves that plain PCD chains cannot move between
  const data = generateDataset({ model: "tfim", N: 8, h: 0.2, boundary: "open", shots: 4000, seed: 1 });

  it("auto detects the chains' collapse, switches to PT, and learns both halves (F ≥ 0.98; pcd does not)", () => {
    // uncentred: centring lets even plain PCD reach F ≈ 0.97 here (docs/training.md, "Centring"),
    // which would hide the chains' collapse that this test is about
    const fidelity = (negativePhase: "auto" | "pcd") => {
      const d = driverFor(data, { negativePhase, seed: 2, centering: false });
      for (let e = 0; e < d.options.epochs; e++) d.runEpoch();
      return { F: exactMetrics(d.model, data, data.psi).fidelity, report: d.average.report() };
    };
    const auto = fidelity("auto");
    expect(auto.report.negativePhase).toBe("pt");
    expect(auto.F).toBeGreaterThan(0.98);
    expect(fidelity("pcd").F).toBeLessThan(0.9); // measured 0.53
  });

  it("a run resumed from a checkpoint after the switch is bit-identical", () => {
    const options = { epochs: 4, seed: 3 };
    const whole = driverFor(data, options);
    for (let e = 0; e < 4; e++) whole.runEpoch();
    const first = driverFor(data, options);
    for (let e = 0; e < 2; e++) first.runEpoch();
    const state = JSON.parse(JSON.stringify(first.getState())) as DriverState;
    expect(state.tempering?.betas.length).toBeGreaterThanOrEqual(2);
    const resumed = driverFor(data, options, state);
    for (let e = 0; e < 2; e++) resumed.runEpoch();
    expect(Array.from(resumed.model.params)).toEqual(Array.from(whole.model.params));
    expect({ ...resumed.getState(), elapsed: 0 }).toEqual({ ...whole.getState(), elapsed: 0 });
  });
});

describe("mode-collapse alarm", () => {
  const run = async (h: number) => {
    const data = generateDataset({ model: "tfim", N: 8, h, boundary: "open", shots: 4000, seed: 1 });
    const lines: string[] = [],
      alarm = new MixingAlarm((line) => lines.push(line));
    // uncentred, as above: the collapse then shows in the fidelity too
    const d = driverFor(data, { negativePhase: "pcd", epochs: 20, seed: 2, centering: false });
    await d.run([alarm]);
    return { lines, alarm: alarm.alarm, F: exactMetrics(d.model, data, data.psi).fidelity };
  };

  it("warns once, with a hint, when PCD chains collapse (ordered TFIM, h = 0.2)", async () => {
    const r = await run(0.2);
    expect(r.F).toBeLessThan(0.9);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toMatch(
      /warning: epoch \d+: the negative phase's chains disagree with the data: .*--negative-phase pt/,
    );
  });

  it("stays silent when the chains mix (paramagnetic TFIM, h = 2)", async () => {
    const r = await run(2);
    expect(r.F).toBeGreaterThan(0.99);
    expect(r.lines).toEqual([]);
    expect(r.alarm).toBeNull();
  });
});

describe("sampling a multimodal model (qst sample, qst observe)", () => {
  const options = { chains: 200, samplesPerChain: 200, burnIn: 100, thin: 2 };

  it("plain chains stay in their modes (R̂ of M = ∞); tempered samples pass χ² against exact p_λ", () => {
    const rbm = bimodal();
    const plain = sampleChains(rbm, options, new Rng(3));
    expect(magnetizationConvergence(plain)).toMatchObject({ converged: false });
    const tempered = sampleTempered(rbm, options, new Rng(3));
    const conv = magnetizationConvergence(tempered);
    expect(conv.converged, `R̂ = ${conv.rhat}`).toBe(true);
    // one sample per chain (the last): independent draws for χ²
    const p = logProbabilities(rbm).map(Math.exp),
      counts = new Float64Array(p.length);
    for (let c = 0; c < options.chains; c++)
      counts[indexOf(tempered.samples, 6, (c * options.samplesPerChain + options.samplesPerChain - 1) * 6)]++;
    const { chi2, critical } = chiSquare(counts, p, options.chains);
    expect(chi2).toBeLessThan(critical);
  });
});

describe("qst train and qst sample report the negative phase", () => {
  it("train --json: negative_phase, ladder and swap rates; the switch in one stderr line; sample tempers", () => {
    const dir = tempDir("qst-pt-"),
      p = (f: string) => path.join(dir, f);
    expect(
      qst([
        "generate",
        "tfim",
        "-N",
        "8",
        "-h",
        "0.2",
        "--samples",
        "4000",
        "--seed",
        "1",
        "--out",
        p("d.h5"),
        "--quiet",
      ]).status,
    ).toBe(0);
    const r = qst(["train", p("d.h5"), "--out", p("m.json"), "--seed", "2", "--epochs", "20", "--json"]);
    expect(r.status).toBe(0);
    const j = lastJson(r.stdout);
    expect(j).toMatchObject({ negative_phase: "pt" });
    expect(j.pt_betas[0]).toBe(1);
    expect(j.pt_betas.at(-1)).toBe(0);
    for (const rate of j.pt_swap_rates) expect(rate).toBeGreaterThan(0.15);
    expect(j.fidelity).toBeGreaterThan(0.95);
    expect(r.stderr).toMatch(/the Gibbs chains do not mix .*switching to parallel tempering/);
    // plain chains stay in their halves (R̂ of M ≫ 1): auto draws again with tempering
    const s = qst(["sample", p("m.json"), "--n", "4000", "--chains", "20", "--out", p("s.h5"), "--json"]);
    expect(s.status).toBe(0);
    expect(s.stderr).toMatch(/drawing again with parallel tempering/);
    expect(lastJson(s.stdout), s.stdout).toMatchObject({ tempered: true, converged: true });
    // so does observe: the tempered chains' ⟨M⟩ is the model's exact one; plain ones disagree (R̂)
    const obs = (t: string) =>
      qst([
        "observe",
        p("m.json"),
        "--observable",
        "magnetization",
        "--chains",
        "20",
        "--samples",
        "4000",
        "--burn-in",
        "100",
        "--exact",
        p("d.h5"),
        "--tempering",
        t,
        "--json",
      ]);
    const auto = obs("auto");
    expect(auto.status, auto.stderr).toBe(0);
    const a = lastJson(auto.stdout);
    expect(a.sampler).toBe("tempered");
    expect(a.sampler_note).toMatch(/did not mix/);
    expect(Math.abs(a.magnetization.mean - a.magnetization.exactModel)).toBeLessThan(4 * a.magnetization.stderr);
    const off = lastJson(obs("off").stdout);
    expect(off.sampler).toBe("gibbs");
    expect(off.magnetization.rhat).toBeGreaterThan(1.05);
  });
});
