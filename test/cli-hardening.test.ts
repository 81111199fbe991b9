/**
 * The command line against hostile or careless use (issue #14): outputs that are inputs, special
 * files or unwritable; absurd sizes; malformed checkpoints; impossible metrics; control characters
 * from files; closed pipes; Hamiltonians and lattices taken from the files, never assumed.
 * Each case fails with one line `qst: <file>: <problem>`, exit 1, and leaves every file as it was.
 */
import { spawn, spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { escapeControl } from "../src/core/errors.js";
import { Rng } from "../src/core/rng.js";
import { fmtAbove, summarize } from "../src/estimate/statistics.js";
import { readMeasurements } from "../src/io/measurement-file.js";
import { trainingCurvesSpec } from "../src/io/plot.js";
import { lastJson, QST, qst } from "./helpers/cli.js";
import { tempDir, writeRawHdf5 } from "./helpers/files.js";
import { writeTargetFile } from "./helpers/targets.js";

const dir = tempDir("qst-cli-hardening-");
const p = (name: string) => path.join(dir, name);
const hash = (file: string) => crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
const TRAIN = ["--epochs", "2", "--quiet", "--eval-every", "0"];

/** Exit 1, one line naming the problem, no stack trace. */
function expectRefusal(args: string[], message: RegExp): void {
  const r = qst(args, dir);
  expect(r.stderr).toMatch(message);
  expect(r.stderr.trim().split("\n"), r.stderr).toHaveLength(1);
  expect(r.stderr).not.toMatch(/internal error|\n\s+at |HDF5-DIAG/);
  expect(r.status).toBe(1);
}

beforeAll(async () => {
  await writeTargetFile(p("d.h5"), 4, 200, 1);
  expect(qst(["train", p("d.h5"), ...TRAIN, "--out", p("m.json")]).status).toBe(0);
  expect(
    qst([
      "generate",
      "tfim",
      "--N",
      "4",
      "--lattice",
      "square",
      "--h",
      "3",
      "--samples",
      "200",
      "--out",
      p("sq.h5"),
      "--quiet",
    ]).status,
  ).toBe(0);
  fs.symlinkSync(p("d.h5"), p("link.h5"));
});

describe("1. an output that is an input, or another output, is refused before anything is written", () => {
  const cases: [string, string[], RegExp, string][] = [
    [
      "train --out DATA",
      ["train", "d.h5", ...TRAIN, "--out", "d.h5"],
      /^qst: d\.h5: is the data file d\.h5; --out must name another file/,
      "d.h5",
    ],
    [
      "train --log DATA",
      ["train", "d.h5", ...TRAIN, "--out", "a.json", "--log", "d.h5"],
      /d\.h5: is the data file d\.h5; --log/,
      "d.h5",
    ],
    [
      "train --checkpoint DATA",
      ["train", "d.h5", ...TRAIN, "--out", "a.json", "--checkpoint", "d.h5"],
      /d\.h5: is the data file .*--checkpoint/,
      "d.h5",
    ],
    [
      "train --out a symlink to DATA",
      ["train", "d.h5", ...TRAIN, "--out", "link.h5", "--force"],
      /link\.h5: is the data file d\.h5/,
      "d.h5",
    ],
    [
      "train --out and --log the same",
      ["train", "d.h5", ...TRAIN, "--out", "a.json", "--log", "a.json"],
      /a\.json: --out and --log name the same file/,
      "d.h5",
    ],
    [
      "train --resume CKPT --out CKPT",
      ["train", "d.h5", "--resume", "c.ckpt.json", "--out", "c.ckpt.json"],
      /c\.ckpt\.json: is the checkpoint to resume/,
      "c.ckpt.json",
    ],
    [
      "sample --out MODEL",
      ["sample", "m.json", "--n", "10", "--out", "m.json"],
      /^qst: m\.json: is the model file m\.json; --out must name another file/,
      "m.json",
    ],
    [
      "plot --out LOG",
      ["plot", "m.log.jsonl", "--out", "m.log.jsonl"],
      /m\.log\.jsonl: is the input m\.log\.jsonl/,
      "m.log.jsonl",
    ],
  ];
  beforeAll(() => {
    expect(qst(["train", "d.h5", "--epochs", "2", "--stop-after", "1", "--out", "c.json", "--quiet"], dir).status).toBe(
      0,
    );
  });
  for (const [name, args, message, kept] of cases) {
    it(name, () => {
      const before = hash(p(kept));
      expectRefusal(args, message);
      expect(hash(p(kept))).toBe(before);
      expect(fs.existsSync(p("a.json"))).toBe(false);
    });
  }
});

describe("2. special files are refused, not replaced by a regular file", () => {
  it("a character device (/dev/null)", () => {
    expectRefusal(
      ["sample", "m.json", "--n", "10", "--out", "/dev/null"],
      /^qst: \/dev\/null: is a character device, not a regular file; .*give --out a regular file/,
    );
    expect(fs.statSync("/dev/null").isCharacterDevice()).toBe(true);
  });
  it("a FIFO", () => {
    const r = spawnSyncMkfifo(p("fifo"));
    if (!r) return; // no mkfifo on this system
    expectRefusal(
      ["generate", "tfim", "--N", "4", "--samples", "5", "--out", "fifo"],
      /^qst: fifo: is a FIFO, not a regular file/,
    );
    expect(fs.statSync(p("fifo")).isFIFO()).toBe(true);
  });
});

function spawnSyncMkfifo(file: string): boolean {
  return spawnSync("mkfifo", [file]).status === 0;
}

describe("3. unwritable outputs are refused before any work, in one line", () => {
  const cases: [string, string[], RegExp][] = [
    [
      "train --out a folder",
      ["train", "d.h5", "--epochs", "100000", "--out", "sub"],
      /^qst: sub: is a folder; --out needs a file name in it/,
    ],
    ["train --out .", ["train", "d.h5", "--epochs", "100000", "--out", "."], /^qst: \.: is a folder/],
    ["train --out ''", ["train", "d.h5", "--epochs", "100000", "--out", ""], /^qst: --out: the file name is empty/],
    [
      "train --log in a missing folder",
      ["train", "d.h5", "--epochs", "100000", "--out", "b.json", "--log", "nope/b.log"],
      /^qst: nope\/b\.log: cannot be written: the folder .*nope does not exist/,
    ],
    [
      "sample into a missing folder",
      ["sample", "m.json", "--n", "10", "--out", "nope/s.h5"],
      /^qst: nope\/s\.h5: cannot be written: the folder .*nope does not exist/,
    ],
    [
      "generate into a missing folder",
      ["generate", "tfim", "--N", "4", "--samples", "5", "--out", "nope/g.h5"],
      /^qst: nope\/g\.h5: cannot be written: the folder/,
    ],
    [
      "plot into a missing folder",
      ["plot", "m.log.jsonl", "--out", "nope/f.png"],
      /^qst: nope\/f\.png: cannot be written/,
    ],
  ];
  beforeAll(() => fs.mkdirSync(p("sub"), { recursive: true }));
  for (const [name, args, message] of cases) it(name, () => expectRefusal(args, message));

  it.skipIf(process.getuid?.() === 0)("a read-only folder", () => {
    fs.mkdirSync(p("ro"), { recursive: true });
    fs.chmodSync(p("ro"), 0o555);
    expectRefusal(
      ["sample", "m.json", "--n", "10", "--out", "ro/s.h5"],
      /^qst: ro\/s\.h5: cannot be written: no permission to create files in/,
    );
  });
});

describe("7. impossible metrics are an error naming the model, not a printed number", () => {
  const cases: [string, (m: any) => void][] = [
    ["a weight of 1e308", (m) => (m.rbms.amplitude.weights[0][0] = 1e308)],
    ["a hidden bias of 1e300", (m) => (m.rbms.amplitude.hiddenBias[0] = 1e300)],
  ];
  for (const [name, spoil] of cases) {
    it(name, () => {
      const m = JSON.parse(fs.readFileSync(p("m.json"), "utf8"));
      spoil(m);
      fs.writeFileSync(p("spoilt.json"), JSON.stringify(m));
      expectRefusal(
        ["evaluate", "spoilt.json", "d.h5"],
        /^qst: spoilt\.json: the model's exact metrics are impossible \((logZ|KL|fidelity|nll) .*exp\(\) overflows/,
      );
    });
  }
});

describe("9. sizes beyond the documented limits are refused at once", () => {
  const cases: [string, string[], RegExp][] = [
    [
      "train --hidden 1e6",
      ["train", "d.h5", "--hidden", "1e6", "--out", "x.json"],
      /^qst: --hidden 1000000 is more than qst takes \(65536\)/,
    ],
    [
      "train --chains 1e7",
      ["train", "d.h5", "--chains", "1e7", "--out", "x.json"],
      /^qst: --chains 10000000 is more than qst takes/,
    ],
    [
      "sample --n 1e12",
      ["sample", "m.json", "--n", "1e12", "--out", "x.h5"],
      /^qst: --n 1000000000000 shots of N = 4 qubits is more than qst draws at once/,
    ],
    [
      "observe --samples 1e12",
      ["observe", "m.json", "--observable", "sz", "--samples", "1e12"],
      /^qst: --samples 1000000000000 shots/,
    ],
  ];
  for (const [name, args, message] of cases) it(name, () => expectRefusal(args, message));

  it("a model file declaring 60000 × 60000 units", () => {
    const rbm = { nVisible: 60000, nHidden: 60000, weights: [], visibleBias: [], hiddenBias: [] };
    fs.writeFileSync(
      p("huge.json"),
      JSON.stringify({ format: "qst-model", version: 2, kind: "positive", rbms: { amplitude: rbm }, provenance: {} }),
    );
    expectRefusal(
      ["sample", "huge.json", "--n", "10", "--out", "x.h5"],
      /^qst: huge\.json: rbms\.amplitude: an RBM of 60000 × 60000 units is larger than qst handles/,
    );
  });
});

describe("10. a checkpoint with a malformed RNG state is refused, naming it", () => {
  beforeAll(() => {
    expect(qst(["train", "d.h5", "--epochs", "3", "--stop-after", "1", "--out", "r.json", "--quiet"], dir).status).toBe(
      0,
    );
  });
  const cases: [string, (t: any) => void][] = [
    ["an RNG state of 3 words", (t) => (t.rng = [1, 2, 3])],
    ["non-integer words", (t) => (t.rng = [1.5, 2, 3, 4])],
    ["words that are strings", (t) => (t.rng = ["a", "b", "c", "d"])],
    ["an all-zero state", (t) => (t.rng = [0, 0, 0, 0])],
    ["no RNG state", (t) => delete t.rng],
    ["chain RNG streams of the wrong length", (t) => (t.samplerRng = t.samplerRng.slice(1))],
    ["chain RNG words that are not 32-bit integers", (t) => (t.samplerRng[5] = -1)],
  ];
  for (const [name, spoil] of cases) {
    it(name, () => {
      const c = JSON.parse(fs.readFileSync(p("r.ckpt.json"), "utf8"));
      spoil(c.trainer);
      fs.writeFileSync(p("bad.ckpt.json"), JSON.stringify(c));
      expectRefusal(
        ["train", "d.h5", "--resume", "bad.ckpt.json", "--out", "bad.json", "--quiet"],
        /^qst: bad\.ckpt\.json: the checkpoint's trainer state is malformed/,
      );
      expect(fs.existsSync(p("bad.json"))).toBe(false);
    });
  }
});

describe("11. resuming a finished run keeps its metrics", () => {
  it("the model is rewritten with the same metrics", () => {
    expect(
      qst(["train", "d.h5", "--epochs", "2", "--checkpoint-every", "1", "--out", "done.json", "--quiet"], dir).status,
    ).toBe(0);
    const before = JSON.parse(fs.readFileSync(p("done.json"), "utf8"));
    const log = fs.readFileSync(p("done.log.jsonl"), "utf8");
    expect(before.metrics.fidelity).toBeGreaterThan(0);
    const r = qst(["train", "d.h5", "--resume", "done.ckpt.json", "--out", "done.json", "--json", "--quiet"], dir);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const after = JSON.parse(fs.readFileSync(p("done.json"), "utf8"));
    expect(after.metrics).toEqual(before.metrics);
    expect(after.rbms).toEqual(before.rbms);
    expect(lastJson(r.stdout).fidelity).toBe(before.metrics.fidelity);
    expect(fs.readFileSync(p("done.log.jsonl"), "utf8")).toBe(log);
  });
});

describe("12. a lock beside each output keeps two runs apart", () => {
  it("an output locked by a live process is refused; a stale lock (dead pid) is taken over and removed", () => {
    fs.writeFileSync(p("locked.json.lock"), `${process.pid}\n`);
    expectRefusal(
      ["train", "d.h5", ...TRAIN, "--out", "locked.json"],
      new RegExp(`^qst: locked\\.json: another qst \\(pid ${process.pid}\\) is writing it`),
    );
    expect(fs.existsSync(p("locked.json"))).toBe(false);
    const dead = spawnSync(process.execPath, ["-e", "0"]).pid;
    fs.writeFileSync(p("locked.json.lock"), `${dead}\n`);
    expect(qst(["train", "d.h5", ...TRAIN, "--out", "locked.json"], dir).status).toBe(0);
    expect(fs.existsSync(p("locked.json.lock"))).toBe(false);
  });
  it("a second run on the same output while the first is running is refused", async () => {
    const child = spawn(
      process.execPath,
      [QST, "train", "d.h5", "--epochs", "100000", "--eval-every", "0", "--out", "busy.json", "--quiet"],
      { cwd: dir },
    );
    for (let t = 0; t < 100 && !fs.existsSync(p("busy.json.lock")); t++) await new Promise((r) => setTimeout(r, 50));
    expectRefusal(
      ["train", "d.h5", ...TRAIN, "--out", "other.json", "--log", "busy.json", "--force"],
      /^qst: busy\.json: another qst \(pid \d+\) is writing it/,
    );
    child.kill("SIGINT");
    await new Promise((r) => child.on("exit", r));
    expect(fs.existsSync(p("busy.json.lock"))).toBe(false);
  });
});

describe("13. N > 26 with /psi trains without the ground truth", () => {
  it("/psi is not read (too large to hold), with a note", async () => {
    const n = 27,
      m = 8;
    const bits = Uint8Array.from({ length: m * n }, (_, k) => ((k * 7) % 3 === 0 ? 1 : 0));
    await writeRawHdf5(p("n27.h5"), [
      { name: "samples", data: bits, shape: [m, n], dtype: "<B" },
      {
        name: "psi",
        data: new Float64Array(1024),
        shape: [1024],
        dtype: "<d",
        chunks: [1024],
        gzip: true,
        declared: [2 ** n],
      },
    ]);
    const r = qst(
      [
        "train",
        "n27.h5",
        "--epochs",
        "1",
        "--hidden",
        "2",
        "--chains",
        "4",
        "--batch",
        "8",
        "--out",
        "n27.json",
        "--json",
      ],
      dir,
    );
    expect(r.stderr).toMatch(/N = 27 > 24: exact fidelity\/KL\/NLL skipped .*\/psi not read/);
    expect(r.status).toBe(0);
  });
  it("--no-exact trains any file without reading /psi", () => {
    const r = qst(["train", "d.h5", "--epochs", "2", "--no-exact", "--out", "noexact.json", "--json"], dir);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/--no-exact: exact fidelity\/KL\/NLL skipped/);
    expect(lastJson(r.stdout).fidelity).toBeUndefined();
  });
});

describe("14. control characters from files are escaped in messages", () => {
  it("escapeControl makes every control character visible", () => {
    expect(escapeControl("a\nqst: fine\x1b[2K\r\t\x00\x7f\u0085\u202e")).toBe(
      "a\\nqst: fine\\x1b[2K\\r\\t\\x00\\x7f\\x85\\u202e",
    );
    expect(escapeControl("R̂ ≤ 1 — ψ")).toBe("R̂ ≤ 1 — ψ");
  });
  it("a dataset name cannot fake a second line", async () => {
    await writeRawHdf5(p("evil.h5"), [
      { name: "data\nqst: everything is fine\x1b[2K", data: Uint8Array.from([0, 1]), shape: [1, 2], dtype: "<B" },
    ]);
    expectRefusal(
      ["train", "evil.h5", "--out", "evil.json"],
      /^qst: evil\.h5: no dataset 'samples' .*data\\nqst: everything is fine\\x1b\[2K/,
    );
  });
  it("basis bytes 10 and 0 are not printed raw", async () => {
    for (const code of [10, 0]) {
      await writeRawHdf5(p(`basis${code}.h5`), [
        { name: "samples", data: Uint8Array.from([0, 1]), shape: [1, 2], dtype: "<B" },
        { name: "bases", data: Uint8Array.from([90, code]), shape: [1, 2], dtype: "<B" },
      ]);
      expectRefusal(
        ["train", `basis${code}.h5`, "--out", "b.json"],
        new RegExp(`^qst: basis${code}\\.h5: 'bases': .*found code ${code} at shot 0, qubit 1\n$`),
      );
    }
  });
  it("a plot CSV header cannot blank the real error", () => {
    fs.writeFileSync(p("evil.csv"), "h,\x1b[2K\rmean\n1,2\n");
    expectRefusal(
      ["plot", "evil.csv", "--y", "nope", "--x", "h", "--out", "evil.png"],
      /^qst: .*evil\.csv.*\\x1b\[2K\\rmean/,
    );
  });
});

describe("15. a closed stdout (qst … | head) ends quietly", () => {
  for (const args of [
    ["exact", "sq.h5"],
    ["observe", "m.json", "--observable", "sz,zz", "--samples", "200", "--burn-in", "10", "--lattice", "chain"],
  ]) {
    it(`qst ${args[0]}`, async () => {
      const child = spawn(process.execPath, [QST, ...args], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
      child.stdout.destroy(); // the reader is gone before qst writes anything
      let stderr = "";
      child.stderr.on("data", (d) => (stderr += d));
      const code = await new Promise((r) => child.on("exit", r));
      expect(stderr).toBe("");
      expect(code).toBe(0);
    });
  }
});

describe("16–17. qst exact: bond averages over the file's lattice; model spellings", () => {
  /** ⟨Z_i Z_j⟩ and ⟨X_i X_j⟩ of a real state, by brute force over the basis. */
  function pair(psi: Float64Array, n: number, i: number, j: number): { zz: number; xx: number } {
    let zz = 0,
      xx = 0;
    const bi = 1 << (n - 1 - i),
      bj = 1 << (n - 1 - j);
    for (let a = 0; a < psi.length; a++) {
      const s = (a & bi ? -1 : 1) * (a & bj ? -1 : 1);
      zz += s * psi[a] * psi[a];
      xx += psi[a] * psi[a ^ bi ^ bj];
    }
    return { zz, xx };
  }
  it("a 3 × 2 open square lattice averages over its 7 bonds, not 5 index pairs", async () => {
    expect(
      qst(
        [
          "generate",
          "tfim",
          "--N",
          "6",
          "--lattice",
          "square",
          "--Lx",
          "3",
          "--h",
          "2",
          "--samples",
          "10",
          "--out",
          "sq6.h5",
          "--quiet",
        ],
        dir,
      ).status,
    ).toBe(0);
    const psi = (await readMeasurements(p("sq6.h5"))).psi as Float64Array;
    const bonds = [
      [0, 1],
      [1, 2],
      [3, 4],
      [4, 5],
      [0, 3],
      [1, 4],
      [2, 5],
    ];
    const zz = bonds.reduce((s, [i, j]) => s + pair(psi, 6, i, j).zz, 0) / bonds.length;
    const xx = bonds.reduce((s, [i, j]) => s + pair(psi, 6, i, j).xx, 0) / bonds.length;
    const r = qst(["exact", "sq6.h5", "--json"], dir);
    expect(r.status).toBe(0);
    const j = lastJson(r.stdout);
    expect(j.zz_nn).toBeCloseTo(zz, 12);
    expect(j.xx_nn).toBeCloseTo(xx, 12);
    expect(j.bonds).toBe("bonds of square(3x2, open)");
    expect(qst(["exact", "sq6.h5"], dir).stdout).toMatch(
      /⟨Z_i Z_j⟩ \(bond average\)[\s\S]*bonds of square\(3x2, open\)/,
    );
  });
  it("the shipped 3 × 3 dataset", () => {
    const r = qst(["exact", path.resolve("datasets/tfim_square_3x3_h3.h5"), "--json"]);
    expect(lastJson(r.stdout).zz_nn).toBeCloseTo(0.19311, 5);
  });
  it('docs/file-format.md\'s model = "tfim1d" gives the energy; an unknown model is refused', async () => {
    const psi = (await readMeasurements(p("sq.h5"))).psi;
    const base = { samples: { name: "samples", data: Uint8Array.from([0, 1, 0, 1]), shape: [1, 4], dtype: "<B" } };
    await writeRawHdf5(
      p("tfim1d.h5"),
      [base.samples, { name: "psi", data: psi as Float64Array, shape: [16], dtype: "<d" }],
      { model: "tfim1d", N: 4, h: 1 },
    );
    const r = qst(["exact", "tfim1d.h5"], dir);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^tfim\(J=1, h=1\) on chain\(N=4, open\)\nenergy /);
    await writeRawHdf5(
      p("ising.h5"),
      [base.samples, { name: "psi", data: psi as Float64Array, shape: [16], dtype: "<d" }],
      { model: "ising-ish", N: 4 },
    );
    expectRefusal(
      ["exact", "ising.h5"],
      /^qst: ising\.h5: attribute 'model': unknown model 'ising-ish' \(known: tfim, tfim1d/,
    );
  });
});

describe("18. qst observe takes the Hamiltonian from the files, never from defaults", () => {
  beforeAll(() => {
    expect(qst(["train", "sq.h5", ...TRAIN, "--out", "sq.json"], dir).status).toBe(0);
  });
  const OBS = ["--samples", "200", "--burn-in", "10", "--json"];
  it("from the model's data file (provenance): square 2 × 2, h = 3; energy per site beside the total", () => {
    const r = qst(["observe", "sq.json", "--observable", "energy", ...OBS], dir);
    expect(r.status).toBe(0);
    const e = lastJson(r.stdout).energy;
    expect(e.perSite.mean).toBeCloseTo(e.mean / 4, 12);
    const text = qst(
      ["observe", "sq.json", "--observable", "energy", "--samples", "200", "--burn-in", "10"],
      dir,
    ).stdout;
    expect(text).toMatch(/H = tfim\(J=1, h=3\) on square\(2x2, open\)/);
    expect(text).toMatch(/energy per site \(N = 4\): /);
  });
  it("heisenberg is accepted", () => {
    const r = qst(
      ["observe", "sq.json", "--observable", "energy", "--hamiltonian", "heisenberg", ...OBS.slice(0, -1)],
      dir,
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/H = heisenberg\(J=1\) on square\(2x2, open\)/);
  });
  it("what neither the options nor the files give is an error saying what is missing", () => {
    fs.copyFileSync(p("sq.h5"), p("gone.h5"));
    expect(qst(["train", "gone.h5", ...TRAIN, "--out", "gone.json"], dir).status).toBe(0);
    fs.rmSync(p("gone.h5"));
    expectRefusal(
      ["observe", "gone.json", "--observable", "energy", ...OBS],
      /^qst: gone\.json: observable 'energy' needs a Hamiltonian: .*data file .*gone\.h5 is gone/,
    );
    expectRefusal(
      ["observe", "gone.json", "--observable", "energy", "--hamiltonian", "tfim", ...OBS],
      /^qst: gone\.json: the tfim Hamiltonian needs a lattice: give --lattice/,
    );
    expectRefusal(
      ["observe", "gone.json", "--observable", "energy", "--hamiltonian", "tfim", "--lattice", "square", ...OBS],
      /^qst: gone\.json: the tfim Hamiltonian needs the transverse field h: give --h/,
    );
    expectRefusal(
      ["observe", "gone.json", "--observable", "zz", ...OBS],
      /^qst: gone\.json: observable 'zz' averages over the lattice's bonds, which is not known/,
    );
    expect(qst(["observe", "gone.json", "--observable", "energy", "--exact", "sq.h5", ...OBS], dir).status).toBe(0);
  });
});

describe("20. train, sample and generate do not replace an existing file without --force", () => {
  it("sample and generate refuse an existing --out, and replace it with --force", () => {
    const before = hash(p("sq.h5"));
    expectRefusal(
      ["sample", "m.json", "--n", "10", "--out", "sq.h5"],
      /^qst: sq\.h5: exists already; qst sample replaces a file only with --force/,
    );
    expectRefusal(
      ["generate", "tfim", "--N", "4", "--samples", "5", "--out", "sq.h5"],
      /^qst: sq\.h5: exists already; qst generate replaces/,
    );
    expect(hash(p("sq.h5"))).toBe(before);
    fs.copyFileSync(p("sq.h5"), p("sq-copy.h5"));
    expect(qst(["sample", "m.json", "--n", "10", "--out", "sq-copy.h5", "--force"], dir).status).toBe(0);
  });

  it("refuses, keeps the model, and overwrites with --force", () => {
    const before = hash(p("m.json"));
    expectRefusal(
      ["train", "d.h5", ...TRAIN, "--out", "m.json", "--seed", "5"],
      /^qst: m\.json: exists already; qst train overwrites an earlier run only with --force/,
    );
    expect(hash(p("m.json"))).toBe(before);
    expect(qst(["train", "d.h5", ...TRAIN, "--out", "m2.json"], dir).status).toBe(0);
    fs.rmSync(p("m2.json"));
    expectRefusal(["train", "d.h5", ...TRAIN, "--out", "m2.json"], /^qst: m2\.log\.jsonl: exists already/);
    expect(qst(["train", "d.h5", ...TRAIN, "--out", "m2.json", "--force"], dir).status).toBe(0);
  });
});

describe("21. the R̂ warning prints enough digits to be above the threshold", () => {
  it("fmtAbove", () => {
    expect(fmtAbove(1.0104, 1.01)).toBe("1.0104");
    expect(fmtAbove(1.0149, 1.01)).toBe("1.015");
    expect(fmtAbove(1.012, 1.01)).toBe("1.012");
    expect(fmtAbove(1.5, 1.01)).toBe("1.50");
  });
  it("every R̂ warning from summarize reads as above 1.01", () => {
    const rng = new Rng(3);
    let checked = 0;
    for (let shift = 0; shift < 0.2 && checked < 20; shift += 0.004) {
      const chains = Array.from({ length: 4 }, (_, c) =>
        Float64Array.from({ length: 400 }, () => rng.normal() + (c === 0 ? shift : 0)),
      );
      for (const w of summarize(chains).warnings) {
        const m = /^R̂ = ([\d.]+) > 1\.01/.exec(w);
        if (m) {
          expect(Number(m[1])).toBeGreaterThan(1.01);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(0);
  });
});

describe("23. help texts", () => {
  it("observe does not list the data-layout options; generate names a Hamiltonian", () => {
    const o = qst(["observe", "--help"]).stdout;
    expect(o).not.toMatch(/^Data layout:|--samples-path/m);
    expect(o).toMatch(/heisenberg/);
    expect(qst(["generate", "--help"]).stdout).toMatch(/qst generate <hamiltonian>/);
  });
});

describe("22. training curves: a panel per metric, points drawn", () => {
  it("fidelity, nll and grad_norm each get an axis; evaluated-every-10 curves show their points", () => {
    const log = Array.from({ length: 50 }, (_, k) => ({
      epoch: k + 1,
      grad_norm: 0.1 + 0.01 * (k % 3),
      ...((k + 1) % 10 === 0 ? { fidelity: 0.9 + k / 1000, nll: 2.7 - k / 500 } : {}),
    }));
    const spec = trainingCurvesSpec(log, ["fidelity", "nll", "grad_norm"]);
    expect(spec.panels?.map((p) => [p.yLabel, p.logY])).toEqual([
      ["Fidelity F", false],
      ["NLL", false],
      ["Gradient norm", true],
    ]);
    expect(spec.series.map((s) => [s.panel, s.style, s.x.length])).toEqual([
      [0, "line+points", 5],
      [1, "line+points", 5],
      [2, "line+points", 50],
    ]);
  });
  it("qst plot draws it", () => {
    const r = qst(["plot", "m.log.jsonl", "--metrics", "fidelity,nll,grad_norm", "--out", "panels.png"], dir);
    expect(r.status).toBe(0);
    expect(fs.readFileSync(p("panels.png")).subarray(1, 4).toString()).toBe("PNG");
  });
});
