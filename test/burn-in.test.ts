/**
 * The adaptive burn-in (src/sample/burn-in.ts, autoBurnIn in src/estimate/convergence.ts): the rule
 * on traces whose autocorrelation and relaxation are known in closed form; samples after it against
 * exact p_λ (χ²); chains caught in a minor mode are reported, tempered, or warned about; a fixed
 * burn-in is unchanged; the CLI's --burn-in auto|N.
 */
import path from "node:path";
import { describe, expect, it } from "vitest";
import { Rng } from "../src/core/rng.js";
import { autoBurnIn, AUTO_BURN_IN_DEFAULTS } from "../src/estimate/convergence.js";
import { estimateObservables, exactExpectation, magnetization } from "../src/estimate/observables.js";
import { indexOf, logProbabilities } from "../src/nn/enumeration.js";
import { RBM } from "../src/nn/rbm.js";
import { RbmWaveFunction } from "../src/nn/wavefunction.js";
import { GibbsSampler, sampleChains } from "../src/sample/gibbs.js";
import { sampleTempered } from "../src/sample/tempering.js";
import { chiSquare, randomRbm } from "./helpers/chi-square.js";
import { lastJson, qst } from "./helpers/cli.js";
import { tempDir } from "./helpers/files.js";

/** `chains` AR(1) series x_t = ρ x_{t−1} + √(1−ρ²) ε_t (τ_int = (1+ρ)/(1−ρ)), plus a drift d(t). */
function ar1(chains: number, n: number, rho: number, seed: number, drift: (t: number, c: number) => number = () => 0) {
  const rng = new Rng(seed),
    s = Math.sqrt(1 - rho * rho);
  return Array.from({ length: chains }, (_, c) => {
    const x = new Float64Array(n);
    let y = rng.normal();
    for (let t = 0; t < n; t++) {
      y = rho * y + s * rng.normal();
      x[t] = y + drift(t, c);
    }
    return x;
  });
}

describe("autoBurnIn's rule on traces of known autocorrelation", () => {
  const rule = autoBurnIn();
  const rho = 0.9,
    tau = (1 + rho) / (1 - rho); // 19 sweeps

  it("a stationary trace ends the burn-in only after 20 τ, and τ is measured", () => {
    const short = rule.decide(ar1(20, 200, rho, 1), 1, 200);
    expect(short.converged).toBe(false);
    expect(short.more).toBe(200); // doubling
    const long = rule.decide(ar1(20, 1600, rho, 2), 1, 1600);
    expect(long.converged).toBe(true);
    expect(long.more).toBe(0);
    expect(long.tauSweeps).toBeGreaterThan(0.7 * tau);
    expect(long.tauSweeps).toBeLessThan(1.3 * tau);
    // the record stride converts τ to sweeps: the same records, recorded every 4 sweeps
    const strided = rule.decide(ar1(20, 1600, rho, 2), 4, 6400);
    expect(strided.tauSweeps).toBeCloseTo(4 * long.tauSweeps, 9);
  });

  it("a trace still relaxing from its start (F falling over the last half) is not burnt in", () => {
    // relaxation time 400 sweeps, white noise: at 800 sweeps the last half still falls by 2.5 σ
    const relaxing = (n: number) => ar1(20, n, 0, 3, (t) => 20 * Math.exp(-t / 400));
    const d = rule.decide(relaxing(800), 1, 800);
    expect(d.converged).toBe(false);
    expect(d.rhat).toBeGreaterThan(AUTO_BURN_IN_DEFAULTS.rhat);
    expect(rule.decide(relaxing(12800), 1, 12800).converged).toBe(true);
  });

  it("chains at different levels (stuck in different modes) never converge, and it gives up at the limit", () => {
    const stuck = (n: number) => ar1(20, n, 0.5, 4, (_, c) => (c % 4 === 0 ? 3 : 0));
    expect(rule.decide(stuck(1600), 1, 1600)).toMatchObject({ converged: false, more: 1600 });
    const max = AUTO_BURN_IN_DEFAULTS.maxSweeps;
    const last = rule.decide(stuck(max), 1, max);
    expect(last).toMatchObject({ converged: false, more: 0 });
    expect(last.rhat).toBeGreaterThan(1.2);
  });
});

/**
 * Two modes, all-0 (p = 0.979) and all-1 (p = 0.020, e^{−6δ} times the first), behind a barrier
 * plain Gibbs chains do not cross (leaving either takes three or four improbable flips at once, each
 * < 10⁻³), with basins of about equal size: chains started at random fall into each about equally
 * often, so a burn-in of any length leaves about half of them in the minor mode.
 */
function lopsided(): RBM {
  const rbm = new RBM(6, 2),
    w = 16;
  for (let i = 0; i < 6; i++) {
    rbm.visibleBias[i] = -w / 2 - 0.65;
    for (let j = 0; j < 2; j++) rbm.weights[i * 2 + j] = w / 2;
  }
  rbm.hiddenBias.fill(-1.5 * w);
  return rbm;
}

describe("sampling with the adaptive burn-in", () => {
  it("chains that mix: a short burn-in, and samples that pass χ² against exact p_λ", () => {
    const rbm = randomRbm(6, 4, 7, 1.0, 0.5);
    const o = { chains: 400, samplesPerChain: 4, burnIn: autoBurnIn(), thin: 5 };
    const s = sampleChains(rbm, o, new Rng(11));
    expect(s.burnIn).toMatchObject({ converged: true });
    expect(s.burnIn!.sweeps).toBeGreaterThanOrEqual(AUTO_BURN_IN_DEFAULTS.minSweeps);
    expect(s.burnIn!.sweeps).toBeLessThanOrEqual(400);
    expect(s.burnIn!.sweeps).toBeGreaterThanOrEqual(20 * s.burnIn!.tauSweeps!);
    const p = logProbabilities(rbm).map(Math.exp),
      counts = new Float64Array(p.length);
    for (let c = 0; c < o.chains; c++) counts[indexOf(s.samples, 6, c * o.samplesPerChain * 6)]++;
    const { chi2, critical } = chiSquare(counts, p, o.chains);
    expect(chi2).toBeLessThan(critical);
  });

  it("a fixed burn-in runs exactly those sweeps, as before (bit for bit)", () => {
    const rbm = randomRbm(6, 4, 7, 1.0, 0.5);
    const s = sampleChains(rbm, { chains: 8, samplesPerChain: 3, burnIn: 37, thin: 2 }, new Rng(5));
    expect(s.burnIn).toEqual({ sweeps: 37, converged: true });
    const g = new GibbsSampler(rbm, 8, new Rng(5));
    g.step(37);
    g.step(2);
    expect(Array.from(s.samples.subarray(0, 6))).toEqual(Array.from(g.visible.subarray(0, 6)));
  });

  it("chains caught in a minor mode: the burn-in reports it; tempered chains settle", () => {
    const rbm = lopsided();
    const o = { chains: 100, samplesPerChain: 50, burnIn: autoBurnIn({ maxSweeps: 3200 }), thin: 2 };
    const plain = sampleChains(rbm, o, new Rng(2));
    expect(plain.burnIn!.converged).toBe(false);
    expect(plain.burnIn!.sweeps).toBe(3200);
    expect(plain.burnIn!.rhat).toBeGreaterThan(1.5);
    const tempered = sampleTempered(rbm, o, new Rng(2));
    expect(tempered.burnIn!.converged).toBe(true);
  });

  it("estimateObservables: burnIn 'auto' tempers such chains and meets exact ⟨M⟩; without tempering it warns", () => {
    const wf = RbmWaveFunction.positive(lopsided());
    const obs = [magnetization(6)];
    const base = { chains: 20, samplesPerChain: 500, burnIn: "auto" as const, thin: 1, seed: 3 };
    const exact = exactExpectation(wf, obs[0]);
    const [auto] = estimateObservables(wf, obs, { ...base, tempering: "auto" });
    expect(auto.tempered).toBe(true);
    expect(auto.burnIn!.converged).toBe(true);
    expect(Math.abs(auto.mean - exact)).toBeLessThan(4 * auto.stderr);
    const [plain] = estimateObservables(wf, obs, { ...base, tempering: false });
    expect(plain.burnIn!.converged).toBe(false);
    expect(plain.warnings.join("\n")).toMatch(/did not settle within the adaptive burn-in's limit/);
  });
});

describe("--burn-in auto|N in qst sample and qst observe", () => {
  it("reports the burn-in run, and refuses a bad value in one line", () => {
    const dir = tempDir("qst-burn-"),
      p = (f: string) => path.join(dir, f);
    expect(
      qst(["generate", "tfim", "-N", "6", "-h", "1", "--samples", "2000", "--seed", "1", "--out", p("d.h5"), "--quiet"])
        .status,
    ).toBe(0);
    expect(qst(["train", p("d.h5"), "--out", p("m.json"), "--epochs", "5", "--quiet"]).status).toBe(0);
    const o = qst(["observe", p("m.json"), "--observable", "energy", "--samples", "4000", "--json"]);
    expect(o.status).toBe(0);
    const b = lastJson(o.stdout).burn_in;
    expect(b).toMatchObject({ asked: "auto", converged: true });
    expect(b.sweeps).toBeGreaterThanOrEqual(AUTO_BURN_IN_DEFAULTS.minSweeps);
    expect(b.sweeps).toBeGreaterThanOrEqual(20 * b.tau_sweeps);
    const s = qst(["sample", p("m.json"), "--n", "500", "--out", p("s.h5"), "--burn-in", "300", "--json"]);
    expect(s.status).toBe(0);
    expect(lastJson(s.stdout).burn_in).toMatchObject({ asked: 300, sweeps: 300 });
    const bad = qst(["observe", p("m.json"), "--observable", "energy", "--burn-in", "lots"]);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
    expect(bad.stderr).toMatch(/--burn-in must be 'auto' or an integer ≥ 0, got lots/);
  });
});
