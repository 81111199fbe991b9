import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { readMeasurements, writeMeasurements } from "../src/io/measurement-file.js";
import { lastJson, qst, qstAsync } from "./helpers/cli.js";
import { tempDir } from "./helpers/files.js";
import { writeTargetFile } from "./helpers/targets.js";

const dir = tempDir("qst-cli-");
const p = (name: string) => path.join(dir, name);

beforeAll(async () => {
  await writeTargetFile(p("target.h5"), 5, 3000, 7);
});

describe("qst train / evaluate / sample", () => {
  it("trains a 5-qubit state to high fidelity; --json puts one object on the last line", () => {
    const r = qst(["train", p("target.h5"), "--epochs", "40", "--out", p("m.json"), "--json", "--quiet"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const j = lastJson(r.stdout);
    expect(j.fidelity).toBeGreaterThan(0.99);
    expect(j.kl).toBeLessThan(0.02);
    expect(Number.isFinite(j.nll)).toBe(true);
    const log = fs
      .readFileSync(p("m.log.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(log).toHaveLength(40);
    expect(log[39].fidelity).toBe(j.fidelity);
    const model = JSON.parse(fs.readFileSync(p("m.json"), "utf8"));
    expect(model.kind).toBe("positive");
    expect(model.provenance.dataSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(model.training.seed).toBe(1234);
  });

  it("evaluate reproduces the training's final metrics exactly", () => {
    const r = qst(["evaluate", p("m.json"), p("target.h5"), "--json"]);
    expect(r.status).toBe(0);
    const train = JSON.parse(fs.readFileSync(p("m.json"), "utf8")).metrics;
    const j = lastJson(r.stdout);
    expect(j.fidelity).toBe(train.fidelity);
    expect(j.kl).toBe(train.kl);
  });

  it("the same seed gives a bit-identical model", () => {
    qst(["train", p("target.h5"), "--epochs", "3", "--out", p("a.json"), "--quiet"]);
    qst(["train", p("target.h5"), "--epochs", "3", "--out", p("b.json"), "--quiet"]);
    const a = JSON.parse(fs.readFileSync(p("a.json"), "utf8")),
      b = JSON.parse(fs.readFileSync(p("b.json"), "utf8"));
    expect(a.rbms).toEqual(b.rbms);
    const c = qst(["train", p("target.h5"), "--epochs", "3", "--seed", "99", "--out", p("c.json"), "--quiet"]);
    expect(c.status).toBe(0);
    expect(JSON.parse(fs.readFileSync(p("c.json"), "utf8")).rbms).not.toEqual(a.rbms);
  });

  it("--stream (shots read block by block from the file) gives the same model as loading them", () => {
    const r = qst([
      "train",
      p("target.h5"),
      "--epochs",
      "3",
      "--stream",
      "--out",
      p("streamed.json"),
      "--json",
      "--quiet",
    ]);
    expect(r.status).toBe(0);
    const a = JSON.parse(fs.readFileSync(p("a.json"), "utf8")),
      s = JSON.parse(fs.readFileSync(p("streamed.json"), "utf8"));
    expect(s.rbms).toEqual(a.rbms);
    expect(s.metrics).toEqual(a.metrics);
  });

  it("sample writes shots in the measurement format", async () => {
    const r = qst(["sample", p("m.json"), "--n", "500", "--out", p("drawn.h5")]);
    expect(r.status).toBe(0);
    const d = await readMeasurements(p("drawn.h5"));
    expect(d.nShots).toBe(500);
    expect(d.nQubits).toBe(5);
  });
});

describe("checkpoints", () => {
  it("resuming from a checkpoint continues bit for bit", () => {
    qst(["train", p("target.h5"), "--epochs", "6", "--out", p("full.json"), "--quiet"]);
    const stopped = qst([
      "train",
      p("target.h5"),
      "--epochs",
      "6",
      "--stop-after",
      "3",
      "--out",
      p("half.json"),
      "--quiet",
    ]);
    expect(stopped.status).toBe(0);
    expect(fs.existsSync(p("half.json"))).toBe(false);
    const r = qst([
      "train",
      p("target.h5"),
      "--epochs",
      "6",
      "--resume",
      p("half.ckpt.json"),
      "--out",
      p("resumed.json"),
      "--quiet",
    ]);
    expect(r.status).toBe(0);
    const full = JSON.parse(fs.readFileSync(p("full.json"), "utf8")),
      resumed = JSON.parse(fs.readFileSync(p("resumed.json"), "utf8"));
    expect(resumed.rbms).toEqual(full.rbms);
    expect(resumed.metrics).toEqual(full.metrics);
  });

  it("without --epochs: trained until converged, reported in --json; a resume continues the rule and refuses --epochs", () => {
    const whole = qst(["train", p("target.h5"), "--out", p("conv.json"), "--json", "--quiet"]);
    expect(whole.status).toBe(0);
    const j = lastJson(whole.stdout);
    // 3000 shots are 30 batches: a cycle of ⌈5000/30⌉ = 167 epochs, at least two of them
    expect(j.cycles.length).toBe(167);
    expect(j.cycles.nll_z.length).toBeGreaterThanOrEqual(2);
    expect(j.epochs).toBe(167 * j.cycles.nll_z.length);
    expect(typeof j.cycles.converged).toBe("boolean");
    expect(j.nll).toBeCloseTo(j.cycles.nll_z.at(-1), 9); // Z-basis shots only: the same NLL
    const stop = qst(["train", p("target.h5"), "--stop-after", "200", "--out", p("conv2.json"), "--quiet"]);
    expect(stop.status).toBe(0);
    const refused = qst([
      "train",
      p("target.h5"),
      "--resume",
      p("conv2.ckpt.json"),
      "--epochs",
      "400",
      "--out",
      p("c3.json"),
    ]);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr.trim().split("\n")).toHaveLength(1);
    expect(refused.stderr).toMatch(/trains until converged.*without --epochs/);
    expect(fs.existsSync(p("c3.json"))).toBe(false);
    const resumed = qst([
      "train",
      p("target.h5"),
      "--resume",
      p("conv2.ckpt.json"),
      "--out",
      p("conv2.json"),
      "--json",
      "--quiet",
    ]);
    expect(resumed.status).toBe(0);
    expect(lastJson(resumed.stdout).cycles).toEqual(j.cycles);
    expect(JSON.parse(fs.readFileSync(p("conv2.json"), "utf8")).rbms).toEqual(
      JSON.parse(fs.readFileSync(p("conv.json"), "utf8")).rbms,
    );
  });

  it("SIGINT writes a checkpoint, exits 130 and leaves no temporary files", async () => {
    const child = qstAsync([
      "train",
      p("target.h5"),
      "--epochs",
      "100000",
      "--out",
      p("int.json"),
      "--eval-every",
      "0",
    ]);
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    // Interrupt once training is under way (the first epoch is in the log), however loaded the machine.
    const log = p("int.log.jsonl");
    for (
      let waited = 0;
      waited < 60_000 && !(fs.existsSync(log) && fs.readFileSync(log, "utf8").includes("\n"));
      waited += 50
    ) {
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill("SIGINT");
    const code = await new Promise((r) => child.on("exit", r));
    expect(code).toBe(130);
    expect(stderr).toMatch(/checkpoint written to .*int\.ckpt\.json/);
    const ckpt = JSON.parse(fs.readFileSync(p("int.ckpt.json"), "utf8"));
    expect(ckpt.trainer.epoch).toBeGreaterThan(0);
    expect(fs.existsSync(p("int.json"))).toBe(false);
    expect(fs.readdirSync(dir).filter((f) => f.includes(".tmp-"))).toEqual([]);
  });
});

describe("bad input: one line, non-zero exit, no stack trace, no output file", () => {
  const expectCleanFailure = (args: string[], message: RegExp, out?: string) => {
    const r = qst(args);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    if (out) expect(fs.existsSync(out)).toBe(false);
  };

  it("missing data file", () =>
    expectCleanFailure(["train", p("nope.h5"), "--out", p("x.json")], /^qst: .*nope\.h5: no such file/, p("x.json")));
  it("not an HDF5 file", () => {
    fs.writeFileSync(p("garbage.h5"), Buffer.from([0xff, 0x00, 0x13, 0x37]));
    expectCleanFailure(["train", p("garbage.h5"), "--out", p("x.json")], /garbage\.h5: not an HDF5 file/, p("x.json"));
  });
  it("bad option values", () => {
    expectCleanFailure(
      ["train", p("target.h5"), "--lr", "-1", "--out", p("x.json")],
      /--lr must be a positive number/,
      p("x.json"),
    );
    expectCleanFailure(
      ["train", p("target.h5"), "--hidden", "2.5", "--out", p("x.json")],
      /--hidden must be a positive integer/,
      p("x.json"),
    );
  });
  it("unknown command and unknown option", () => {
    expectCleanFailure(["trian"], /^qst: .*Did you mean train\?/);
    expectCleanFailure(["train", p("target.h5"), "--hiden", "3"], /^qst: Unknown argument: hiden/);
  });
  it("a positive model asked to train on rotated-basis shots says why it cannot", async () => {
    await writeMeasurements(p("rotated.h5"), {
      nShots: 2,
      nQubits: 2,
      samples: Uint8Array.from([0, 1, 1, 0]),
      bases: Uint8Array.from("XZZZ", (c) => c.charCodeAt(0)),
      psi: null,
      attributes: {},
    });
    expectCleanFailure(
      ["train", p("rotated.h5"), "--model", "positive", "--out", p("x.json")],
      /rotated \(X\/Y\) bases.*cannot learn phases/,
      p("x.json"),
    );
  });
  it("model and data of different sizes", async () => {
    await writeMeasurements(p("three.h5"), {
      nShots: 1,
      nQubits: 3,
      samples: Uint8Array.from([0, 1, 1]),
      bases: null,
      psi: null,
      attributes: {},
    });
    expectCleanFailure(["evaluate", p("m.json"), p("three.h5")], /three\.h5: has N = 3 qubits but the model .* has 5/);
  });
  it("a system too large for an exact check", async () => {
    const n = 25;
    await writeMeasurements(p("big.h5"), {
      nShots: 1,
      nQubits: n,
      samples: new Uint8Array(n),
      bases: null,
      psi: null,
      attributes: {},
    });
    const rbm = {
      nVisible: n,
      nHidden: 1,
      weights: Array.from({ length: n }, () => [0]),
      visibleBias: new Array(n).fill(0),
      hiddenBias: [0],
    };
    fs.writeFileSync(
      p("big.json"),
      JSON.stringify({ format: "qst-model", version: 1, kind: "positive-rbm", rbm, provenance: {} }),
    );
    // Asked for exact metrics, it says why not; by default (--logz auto) it gives the NLL with log Z by AIS.
    expectCleanFailure(
      ["evaluate", p("big.json"), p("big.h5"), "--logz", "exact"],
      /N = 25 qubits is too large for an exact evaluation: it needs all 2\^25 configurations; qst enumerates up to N = 24/,
    );
  });
  it("plot: a missing, empty or malformed log, or an unknown column, writes no figure", () => {
    const out = p("fig.png");
    expectCleanFailure(["plot", p("nolog.jsonl"), "--out", out], /nolog\.jsonl/, out);
    fs.writeFileSync(p("empty.jsonl"), "");
    expectCleanFailure(["plot", p("empty.jsonl"), "--out", out], /empty\.jsonl/, out);
    fs.writeFileSync(p("bad.jsonl"), '{"epoch": 1, "fidelity": 0.5}\n{"epoch": 2, fidel');
    expectCleanFailure(["plot", p("bad.jsonl"), "--out", out], /bad\.jsonl:2/, out);
    expectCleanFailure(["plot", p("m.log.jsonl"), "--metrics", "purity", "--out", out], /purity/, out);
    const ok = qst(["plot", p("m.log.jsonl"), "--out", out]);
    expect(ok.status).toBe(0);
    expect(fs.readFileSync(out).subarray(0, 8).toString("hex")).toBe("89504e470d0a1a0a");
  });
  it("a model file that is not one", () => {
    fs.writeFileSync(p("notmodel.json"), '{"hello": 1}');
    expectCleanFailure(["evaluate", p("notmodel.json"), p("target.h5")], /notmodel\.json: not a qst model file/);
    fs.writeFileSync(p("future.json"), JSON.stringify({ format: "qst-model", version: 99, kind: "positive-rbm" }));
    expectCleanFailure(
      ["evaluate", p("future.json"), p("target.h5")],
      /future\.json: model format version 99 is newer than this qst understands/,
    );
  });
});
