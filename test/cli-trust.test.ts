/** qst train without ground truth: held-out NLL, --keep best, early stopping, and NLLs past enumeration. */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { Rng } from "../src/core/rng.js";
import { writeMeasurements } from "../src/io/measurement-file.js";
import { memberFileName, writeManifest } from "../src/io/ensemble.js";
import { modelFile, saveModelFile } from "../src/io/model-file.js";
import { RBM } from "../src/nn/rbm.js";
import { RbmWaveFunction } from "../src/nn/wavefunction.js";
import { lastJson, qst } from "./helpers/cli.js";
import { tempDir } from "./helpers/files.js";

const dir = tempDir("qst-trust-");
const p = (f: string) => path.join(dir, f);
const DATA = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../datasets/tfim_chain_N10_h1.h5");

describe("held-out NLL and model selection in qst train", () => {
  it("--validation logs val_nll; --keep best writes the epoch with the lowest one; --early-stop ends the run", () => {
    const r = qst([
      "train",
      DATA,
      "--validation",
      "0.2",
      "--keep",
      "best",
      "--early-stop",
      "3",
      "--epochs",
      "60",
      "--lr",
      "0.1",
      "--eval-every",
      "2",
      "--out",
      p("v.json"),
      "--json",
    ]);
    expect(r.status).toBe(0);
    const out = lastJson(r.stdout);
    const log = fs
      .readFileSync(p("v.log.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const evaluated = log.filter((l) => l.val_nll !== undefined);
    expect(evaluated.length).toBeGreaterThan(3);
    const bestRow = evaluated.reduce((a, b) => (b.val_nll < a.val_nll ? b : a));
    expect(out.best_epoch).toBe(bestRow.epoch);
    expect(out.val_nll).toBeCloseTo(bestRow.val_nll, 10);
    // At this learning rate the held-out NLL turns up well before epoch 60.
    expect(out.epochs).toBeLessThan(60);
    expect(r.stderr).toMatch(/early stopping: val_nll has not improved for 3 evaluations/);
    const model = JSON.parse(fs.readFileSync(p("v.json"), "utf8"));
    expect(model.metrics.best_epoch).toBe(bestRow.epoch);
  });

  it("--keep best and --early-stop need --validation", () => {
    const r = qst(["train", DATA, "--keep", "best", "--out", p("x.json")]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--keep best and --early-stop choose by the held-out NLL: give --validation FRACTION/);
  });

  it("past enumeration (N = 30): training and held-out NLL with log Z by AIS and their error", async () => {
    const rng = new Rng(1),
      M = 2000,
      N = 30;
    const samples = Uint8Array.from({ length: M * N }, () => rng.uint32() >>> 31);
    await writeMeasurements(p("r30.h5"), { nShots: M, nQubits: N, samples, bases: null, psi: null, attributes: {} });
    const r = qst([
      "train",
      p("r30.h5"),
      "--validation",
      "0.25",
      "--epochs",
      "2",
      "--eval-every",
      "0",
      "--out",
      p("r30.json"),
      "--json",
    ]);
    expect(r.status).toBe(0);
    const out = lastJson(r.stdout);
    expect(out.logZ_stderr).toBeGreaterThan(0);
    expect(out.nll_stderr).toBe(out.logZ_stderr);
    // Random bits: a nearly uniform model's NLL is close to N log 2 per shot.
    expect(Math.abs(out.val_nll - N * Math.LN2)).toBeLessThan(1);
    expect(Math.abs(out.nll - N * Math.LN2)).toBeLessThan(1);
  });
});

describe("qst evaluate past enumeration", () => {
  it("gives the NLL of the shots with log Z by AIS and its error (N = 30)", () => {
    const r = qst(["evaluate", p("r30.json"), p("r30.h5"), "--json"]);
    expect(r.status).toBe(0);
    const out = lastJson(r.stdout);
    expect(out.logZ_stderr).toBeGreaterThan(0);
    expect(out.nll_stderr).toBe(out.logZ_stderr);
    expect(Math.abs(out.nll - 30 * Math.LN2)).toBeLessThan(1);
    expect(out.fidelity).toBeUndefined();
  });
});

describe("ensembles on the command line", () => {
  it("members trained as separate jobs equal the whole ensemble's, and qst observe adds the reconstruction's error", () => {
    for (const i of [0, 1, 2]) {
      const r = qst([
        "train",
        DATA,
        "--bootstrap",
        "2",
        "--member",
        String(i),
        "--out",
        p("jobs"),
        "--quiet",
        "--epochs",
        "20",
      ]);
      expect(r.status).toBe(0);
    }
    const all = qst(["train", DATA, "--bootstrap", "2", "--out", p("whole"), "--quiet", "--epochs", "20", "--json"]);
    expect(all.status).toBe(0);
    expect(lastJson(all.stdout).written.map((w: { shots: number }) => w.shots)).toEqual([10000, 5000, 5000]);
    for (const f of ["member-000.model.json", "member-001.model.json", "member-002.model.json"]) {
      const a = JSON.parse(fs.readFileSync(path.join(p("jobs"), f), "utf8"));
      const b = JSON.parse(fs.readFileSync(path.join(p("whole"), f), "utf8"));
      expect(a.rbms).toEqual(b.rbms);
    }
    const o = qst(["observe", p("jobs"), "--observable", "energy", "--exact", DATA, "--json"]);
    expect(o.status).toBe(0);
    const e = lastJson(o.stdout).energy;
    expect(e.halfSamples).toBe(2);
    expect(e.total).toBeCloseTo(Math.hypot(e.stderr, e.random, e.bias), 12);
    expect(e.total).toBeGreaterThan(5 * e.stderr); // the reconstruction's error dominates the sampling error
    expect(Math.abs(e.mean - e.exactData)).toBeLessThan(2 * e.total);
    expect(e.memberWarnings).toBeUndefined();
    // the energy at zero variance, through the full model and the two half-sample models
    expect(e.energyVariance.mean).toBeGreaterThan(0);
    expect(e.zeroVariance).toMatchObject({ points: 3, dof: 1 });
    expect(Math.abs(e.zeroVariance.value - e.exactData)).toBeLessThan(2 * e.zeroVariance.total);
    // (with two half-samples the fit has one degree of freedom: an error estimated from the scatter is
    // widened by t_{0.975,1}/z_{0.975} = 6.5, so it need not be narrower than the finite-shot bar here;
    // docs/trust.md measures the widths with the default four)
    // Too few samples for the members' own error bars: their warnings come out with the estimate.
    const few = ["observe", p("jobs"), "--observable", "energy", "--samples", "40", "--chains", "4", "--burn-in", "0"];
    const fj = lastJson(qst([...few, "--json"]).stdout).energy;
    expect(fj.memberWarnings.some((w: string) => /^half-sample member 1: .*effective samples/.test(w))).toBe(true);
    expect(fj.memberWarnings.some((w: string) => /^half-sample member 2: /.test(w))).toBe(true);
    expect(qst(few).stdout).toMatch(/^warning: energy: half-sample member 2: /m);
    const ev = lastJson(qst(["evaluate", p("jobs"), DATA, "--json"]).stdout);
    const member0 = JSON.parse(fs.readFileSync(path.join(p("jobs"), "member-000.model.json"), "utf8"));
    expect(ev.fidelity).toBeCloseTo(member0.metrics.fidelity, 12);
    expect(ev.half_samples).toBe(2);
    expect(ev.half_sample_fidelity_mean).toBeGreaterThan(0.9);
    expect(ev.mutual_fidelity_min).toBeLessThanOrEqual(ev.mutual_fidelity_mean);
    expect(ev.mutual_fidelity_mean).toBeGreaterThan(0.9);
    const bad = qst(["train", DATA, "--member", "1", "--out", p("x.json")]);
    expect(bad.stderr).toMatch(/--member is for ensembles: give --bootstrap K too/);
  });
});

describe("qst observe on an ensemble whose energy has nothing to extrapolate", () => {
  it("every model in an eigenstate (variance 0): the estimates stand, the extrapolation is a warning", () => {
    // product states: all spins 0, an eigenstate of −Σ ZZ, so every local energy is the same
    const folder = p("frozen");
    writeManifest(folder, { members: 3, seed: 1, data: "d.h5", dataSha256: "abc" });
    for (const i of [0, 1, 2]) {
      const rbm = new RBM(4, 2);
      rbm.visibleBias.fill(-40);
      saveModelFile(
        path.join(folder, memberFileName(i)),
        modelFile(RbmWaveFunction.positive(rbm), { provenance: { qstVersion: "test", created: "now" } }),
      );
    }
    const args = [
      "observe",
      folder,
      "--observable",
      "energy",
      "--hamiltonian",
      "tfim",
      "-h",
      "0",
      "--lattice",
      "chain",
    ];
    const r = qst([...args, "--json"]);
    expect(r.status, r.stderr).toBe(0);
    const e = lastJson(r.stdout).energy;
    expect(e.mean).toBe(-3);
    expect(e.zeroVariance).toBeUndefined();
    expect(e.zeroVarianceFailure).toMatch(/no extrapolation to zero variance: .*variances do not differ/);
    expect(qst(args).stdout).toMatch(/^warning: energy: no extrapolation to zero variance/m);
  });
});
