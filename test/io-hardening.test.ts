/**
 * Hostile and unusual HDF5 input (a probe with files from h5py 3.7 / HDF5 1.10): each is refused in one
 * line naming the file, the dataset and the problem, or read right; never read as garbage.
 */
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { parts } from "../src/core/state-vector.js";
import { memoryShotSource } from "../src/physics/measurements.js";
import { describe, expect, it } from "vitest";
import {
  openMeasurementStream,
  peekShape,
  readMeasurements,
  writeMeasurements,
  type ReadOptions,
} from "../src/io/measurement-file.js";
import { Rng } from "../src/core/rng.js";
import { lastJson, qst } from "./helpers/cli.js";
import { addLinks, tempDir, writeRawHdf5, type RawDataset, type RawLink } from "./helpers/files.js";
import { refusal } from "./helpers/errors.js";

const dir = tempDir("qst-hardening-");
const p = (name: string) => {
  fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
  return path.join(dir, name);
};

const BITS = [0, 1, 1, 1, 0, 0, 1, 1, 0, 0, 0, 1];
const samples: RawDataset = { name: "samples", data: Uint8Array.from(BITS), shape: [4, 3], dtype: "<B" };

/**
 * What h5wasm cannot write, from h5py itself (3.7.0, HDF5 1.10.8), gzipped and base64-encoded:
 *   bits = np.array([[0, 1, 1], [1, 0, 0], [1, 1, 0], [0, 0, 1]], np.uint8); psi = np.arange(1, 9) * (1 + 2j) / 10
 *   f["samples"] = bits; f.create_dataset("lzf", data=np.tile(bits, (100, 1)), chunks=(200, 3), compression="lzf")
 *   f["bool"] = bits.astype(bool); f.create_dataset("updown", data=bits.astype(np.int8),
 *     dtype=h5py.enum_dtype({"UP": 0, "DOWN": 1}, basetype="i1"))
 *   f["pair"] = np.zeros((4, 3), [("a", "i4"), ("b", "i4")])
 *   layout = h5py.VirtualLayout((4, 3), np.uint8); layout[:] = h5py.VirtualSource("gone.h5", "samples", shape=(4, 3))
 *   f.create_virtual_dataset("vds", layout, fillvalue=0)
 *   f.create_dataset("efl", data=bits, external=[("gone.bin", 0, 12)])  # then gone.bin deleted
 *   f.create_dataset("szip", data=bits, compression="szip")
 *   f.create_dataset("scaleoffset", data=bits, chunks=(2, 3), scaleoffset=0, shuffle=True)
 *   f.create_dataset("fletcher32", data=bits, chunks=(2, 3), compression="gzip", fletcher32=True)
 *   f["psi_c128"] = psi; f["psi_c64"] = psi.astype(np.complex64)
 */
const H5PY_ZOO = `
H4sIAAAAAAACA+1cTWwTRxSe2fXPQkAYqwoBWrByQD2hNkmRD8AaEQdLjZKQHzUnaideY6tubMUBIhDCRyNx4Eg45cCB3pC4hFuOQQonpEq9gZCQKvVQ
qRKCS8POzpvxepJdOwGnDn2ftH5+b9688b59M/tmZ9Z3U4NDB/cf208YDIMESIS4sQFYnWzkRXkaKAVaA/pYE3LqlPWA/DDYV/Umx5NJQjRpX23nuwCn
3wK/HAM5QfwfkEpeGGP0CfBVoCuX2tsuJUEe21TwPAKpxgUQlkQHqvK6He9MMyJNGM5n0KaM1zRuyIAeolNQIAeUX1LtiOswMTI6yHwi+nMt5K8fB5r/
xl9vWowHQ/56YnRaDPrriXEidbwz45mSkG9c3aeNcaTyTeNK5+Iu2y77QsUAfZuV66R4MyfjNWiXTcM4LONQ04Wv16BZsDDWof2Mn2ePxk1EjLpfhi4M
TySde8xUUtysvPtfwqP/5f+T8a5Hub+uhBv1rpbmrNMzhbmdO55FhhMdNMiZhD0G0Vjo1UbX643w69Nh6lfirt/wvc1gVyeiXx5hDRlqa/e2lMYXr8ym
s9ksS1miJLD06MYpW2Lz6XQAJLd6Hy4xPDM5fa7QP8yBfoaXQN9IOad/mrypV0D/lnqc/mNezTG8BfpO1uP0g/liff3ci/Xh8/xYP2/L7eMokzMZs2sf
VZPJ7DLTNmofT01WZuuYmCkgEAgEohWweTfdYt59rNn9F7IkobfmoXfKaOTXlLyN4iVAIBAIBAKB2BNo5/O6wdGfRti3qbF6juj9vG64I57Xfbo/yk7V
bo0/yc202C7zG7cVIzOK7VbqePt1GvyaVmrHWvRHuE3rJhH5e91zhwCch5AZ8PQ6oMd73TONKNhh3I9dh37ZfH7tio/QrqwjhcXzfsLXXh+EiUvbNX+T
fhLXW8z81H40tjf94bH+weMkQCo3C2XG/wY1DfCJa/0j3ldvetfWP4y2+6PG/QHrPSGn3lekMpspWqVcrmItOHIoJqEt5uk7mbNrzu+gpJK/lssVLVc/
lf4unyWyaelvvt4YlqP58rh/O4tAn0z464n+ENP99VJAayf99RKi/RP+emL0jDd5wCL2NUx/3Zn3/0sXR4edCxRpjIkpNUicBar8D6SS+bVctCruniSv
tuB7FF4EOJONR9+vusS1Q5iDIRAIBAKBQCAQCAQC0W7wfSN0074Ro0m9FUVBfY6F+0EQCAQCgUAgvsS8cfN+4+4m9VYhbxR6mofe70p+qWF+iUAgEAgE
ArEnsXv7BeMN++Mo7FvLWrliZsFy2eUbn3JFa2E2b833w2ZB1362fKqegrp2PSU+q1/Etirxfw4zpVKR0WvlbOnGHCHlTGGe8dezFafcPg1eD/Y/qvv+
1PMpVwo/z37fJ/7Gg/NnBmQe3er/73jl/dEm9f6CfD7aJO//F/N+BAKBQCAQiC8k71ffq+P5NaXuLL5OdVKV79GxDH2+xXYOx0ywkSADXWRgw04cC4rt
7dT1fq8uso/XqipWYm33h7Etf5yU7wgeMciRO6Tuj8AO6nr74/6+redFrfnjI+YFxZHAVAAA`;

function writeZoo(name: string): string {
  const file = p(name);
  fs.writeFileSync(file, zlib.gunzipSync(Buffer.from(H5PY_ZOO.replace(/\s/g, ""), "base64")));
  return file;
}

/** A case: makes its file (returning its path), the options to read it with, and what the message says. */
type Case = [label: string, make: () => Promise<string>, options: ReadOptions, says: string];

/** Each case is refused by readMeasurements and by openMeasurementStream alike. */
function refusedEverywhere(cases: Case[]): void {
  for (const [label, make, options, says] of cases) {
    it(label, async () => {
      const file = await make();
      expect(await refusal(readMeasurements(file, options), file)).toContain(says);
      expect(await refusal(openMeasurementStream(file, options), file)).toContain(says);
    });
  }
}

describe("data stored outside the file is refused, not followed", () => {
  const withTarget = async (sub: string, links: RawLink[]) => {
    await writeRawHdf5(p(`${sub}/target.h5`), [samples]);
    await writeRawHdf5(p(`${sub}/run.h5`), []);
    await addLinks(p(`${sub}/run.h5`), links);
    return p(`${sub}/run.h5`);
  };
  const external = { name: "samples", file: "target.h5", target: "/samples" };
  refusedEverywhere([
    [
      "an external link",
      () => withTarget("ext", [external]),
      {},
      "'samples' is an external link to target.h5:/samples; qst reads only data stored in the file itself " +
        `(copy it in: h5copy -f ext -i ${p("ext/run.h5")} -o copy.h5 -s /samples -d /samples)`,
    ],
    [
      "an external link to a missing file",
      () => withTarget("gone", [{ ...external, file: "gone.h5" }]),
      {},
      "'samples' is an external link to gone.h5:/samples, which is missing; qst reads only data stored in the file " +
        "itself",
    ],
    [
      "a group behind an external link",
      () => withTarget("group", [{ name: "meas", file: "target.h5", target: "/" }]),
      { samplesPath: "meas/samples" },
      "'meas/samples' lies behind an external link (/meas → target.h5:/); qst reads",
    ],
    [
      "a soft link to an external link",
      () =>
        withTarget("soft", [
          { ...external, name: "ext" },
          { name: "samples", target: "/ext" },
        ]),
      {},
      "'samples' lies behind an external link (/ext → target.h5:/samples); qst reads only",
    ],
    [
      "a virtual dataset whose source is missing (h5wasm reads the fill value)",
      async () => writeZoo("vds/zoo.h5"),
      { samplesPath: "vds" },
      "'vds' is a virtual dataset mapping gone.h5:/samples (missing); qst reads only data " +
        "stored in the file itself (make it a plain dataset: h5repack -l CONTI in.h5 out.h5)",
    ],
    [
      "a virtual dataset whose source is there",
      async () => {
        await writeRawHdf5(p("vds2/gone.h5"), [samples]);
        return writeZoo("vds2/zoo.h5");
      },
      { samplesPath: "vds" },
      "'vds' is a virtual dataset mapping gone.h5:/samples; qst reads only",
    ],
    [
      "raw data in an external file that is missing",
      async () => writeZoo("efl/zoo.h5"),
      { samplesPath: "efl" },
      "'efl' (rows 0–4) cannot be decoded: HDF5 failed to read it (corrupt or missing data)",
    ],
  ]);

  it("an external /psi is refused too, and peekShape refuses an external /samples", async () => {
    await writeRawHdf5(p("extpsi/psi.h5"), [{ name: "psi", data: new Float64Array(8), shape: [8], dtype: "<d" }]);
    await writeRawHdf5(p("extpsi/run.h5"), [samples]);
    await addLinks(p("extpsi/run.h5"), [{ name: "psi", file: "psi.h5", target: "/psi" }]);
    const file = p("extpsi/run.h5");
    expect(await refusal(readMeasurements(file), file)).toContain("'psi' is an external link to psi.h5:/psi;");
    const links = await withTarget("peek", [external]);
    expect(await refusal(peekShape(links), links)).toContain("'samples' is an external link to target.h5:/samples;");
  });
});

describe("filters that h5wasm cannot decode are refused, not read as stale memory", () => {
  refusedEverywhere([
    [
      "lzf, h5py's own filter",
      async () => writeZoo("lzf/zoo.h5"),
      { samplesPath: "lzf" },
      "'lzf' is stored with HDF5 filter 32000 (lzf), which qst cannot decode; re-save it with gzip: " +
        "h5repack -f GZIP=4 in.h5 out.h5",
    ],
    [
      "a corrupt gzip chunk",
      async () => {
        const file = p("corrupt/run.h5");
        const rng = new Rng(5);
        const data = Uint8Array.from({ length: 600 * 4 }, () => rng.int(2));
        await writeRawHdf5(file, [
          { name: "samples", data, shape: [600, 4], dtype: "<B", chunks: [100, 4], gzip: true },
        ]);
        const bytes = fs.readFileSync(file);
        let streams = 0;
        for (let k = 0; k + 20 < bytes.length; k++) {
          if (bytes[k] === 0x78 && bytes[k + 1] === 0x9c) {
            // a zlib header (level 6): garble the stream behind it
            for (let j = 4; j < 12; j++) bytes[k + j] ^= 0x5a;
            streams++;
          }
        }
        expect(streams).toBeGreaterThanOrEqual(6);
        fs.writeFileSync(file, bytes);
        return file;
      },
      {},
      "'samples' (rows 0–600) cannot be decoded: HDF5 failed to read it",
    ],
  ]);

  it("the filters built into h5wasm still read: szip, scaleoffset + shuffle, gzip + fletcher32", async () => {
    const file = writeZoo("builtin/zoo.h5");
    for (const samplesPath of ["szip", "scaleoffset", "fletcher32"]) {
      expect(Array.from((await readMeasurements(file, { samplesPath })).samples)).toEqual(BITS);
    }
  });
});

describe("basis codes are range-checked before they are narrowed to bytes (346 mod 256 = 'Z')", () => {
  const basesFile = async (name: string, bases: Omit<RawDataset, "name">) => {
    await writeRawHdf5(p(name), [samples, { name: "bases", ...bases }]);
    return p(name);
  };
  const codes = (bad: number) => Array.from({ length: 12 }, (_, k) => (k === 5 ? bad : 90));
  const int64 = new BigInt64Array(codes(346).map(BigInt));
  refusedEverywhere([
    [
      "int64 346",
      () => basesFile("b64.h5", { data: int64, shape: [4, 3], dtype: "<q" }),
      {},
      "b64.h5: 'bases': basis letters must be X, Y or Z, found code 346 at shot 1, qubit 2",
    ],
    [
      "int16 -166",
      () => basesFile("b16.h5", { data: Int16Array.from(codes(-166)), shape: [4, 3], dtype: "<h" }),
      {},
      "'bases': basis letters must be X, Y or Z, found code -166 at shot 1, qubit 2",
    ],
    [
      "a string with 'Ś' (code 346)",
      () => basesFile("bstr.h5", { data: ["ZZZ", "ZZŚ", "ZZZ", "ZZZ"] }),
      {},
      "'bases': basis letters must be X, Y or Z, found code 346 at shot 1, qubit 2",
    ],
  ]);

  it("text bases files too", async () => {
    fs.writeFileSync(p("t/s.txt"), "0 1 1\n1 0 0\n");
    fs.writeFileSync(p("t/b.txt"), "Z Z Z\nZ Z Ś\n");
    expect(await refusal(readMeasurements(p("t/s.txt"), { basesFile: p("t/b.txt") }), p("t/b.txt"))).toContain(
      "b.txt: basis letters must be X, Y or Z, found code 346 at shot 1, qubit 2",
    );
  });
});

describe("h5py's natural types", () => {
  it("bool samples (an int8 enum FALSE/TRUE) read as 0/1", async () => {
    const d = await readMeasurements(writeZoo("bool/zoo.h5"), { samplesPath: "bool" });
    expect(Array.from(d.samples)).toEqual(BITS);
  });

  it("complex128 and complex64 psi (a compound {r, i}) read as re/im", async () => {
    const file = writeZoo("complex/zoo.h5");
    const norm = Math.sqrt(5 * [1, 2, 3, 4, 5, 6, 7, 8].reduce((s, k) => s + (k / 10) ** 2, 0));
    for (const [psiPath, digits] of [
      ["psi_c128", 15],
      ["psi_c64", 7],
    ] as const) {
      const { psi } = await readMeasurements(file, { psiPath });
      for (let k = 0; k < 8; k++) {
        expect(parts(psi!).re[k]).toBeCloseTo((k + 1) / 10 / norm, digits);
        expect(parts(psi!).im![k]).toBeCloseTo((2 * (k + 1)) / 10 / norm, digits);
      }
    }
  });

  refusedEverywhere([
    [
      "an enum that is not h5py's bool",
      async () => writeZoo("enum/zoo.h5"),
      { samplesPath: "updown" },
      "'updown' must hold integers 0/1, but its type is enum {DOWN = 1, UP = 0}",
    ],
    [
      "compound samples",
      async () => writeZoo("pair/zoo.h5"),
      { samplesPath: "pair" },
      "'pair' must hold integers 0/1, but its type is compound {a: int32, b: int32}",
    ],
    [
      "a compound psi that is not complex",
      async () => writeZoo("pairpsi/zoo.h5"),
      { psiPath: "pair" },
      "'pair' must hold real numbers or h5py complex ones, but its type is compound {a: int32, b: int32}",
    ],
  ]);
});

describe("transposed samples", () => {
  const wide: RawDataset = { name: "samples", data: new Uint8Array(20 * 5000), shape: [20, 5000], dtype: "<B" };
  const psi20: RawDataset = {
    name: "psi",
    data: new Float64Array(2 ** 16),
    shape: [2 ** 16],
    dtype: "<d",
    chunks: [2 ** 16],
    gzip: true,
    declared: [2 ** 20],
  };
  refusedEverywhere([
    [
      "[20, 5000] with a psi of 2^20 amplitudes",
      async () => {
        await writeRawHdf5(p("tpsi.h5"), [wide, psi20]);
        return p("tpsi.h5");
      },
      {},
      "tpsi.h5: 'samples' has shape [20, 5000] but 'psi' has 2^20 amplitudes, so N = 20: the samples look transposed",
    ],
    [
      "[20, 5000] without psi",
      async () => {
        await writeRawHdf5(p("t5000.h5"), [wide]);
        return p("t5000.h5");
      },
      {},
      "t5000.h5: 'samples' has shape [20, 5000]: N = 5000 qubits is more than qst takes (4096); is it transposed?",
    ],
  ]);

  it("more qubits than shots is read, with a warning", async () => {
    await writeRawHdf5(p("w10.h5"), [{ name: "samples", data: new Uint8Array(200), shape: [10, 20], dtype: "<B" }]);
    await writeRawHdf5(p("w20.h5"), [{ name: "samples", data: new Uint8Array(200), shape: [20, 10], dtype: "<B" }]);
    fs.writeFileSync(p("w.txt"), "0 1 1\n1 0 0\n");
    const warning =
      `${p("w10.h5")}: 'samples' has shape [10, 20]: more qubits than shots; is it transposed? ` +
      "qst expects [shots, qubits]";
    expect((await readMeasurements(p("w10.h5"))).warnings).toEqual([warning]);
    expect((await openMeasurementStream(p("w10.h5"))).meta.warnings).toEqual([warning]);
    expect((await readMeasurements(p("w20.h5"))).warnings).toEqual([]);
    expect((await readMeasurements(p("w.txt"))).warnings).toEqual([
      `${p("w.txt")} has shape [2, 3]: more qubits than shots; is it transposed? qst expects [shots, qubits]`,
    ]);
  });

  it("qst train says so on stderr, in one line, and trains", async () => {
    await writeRawHdf5(p("w10t.h5"), [{ name: "samples", data: new Uint8Array(200), shape: [10, 20], dtype: "<B" }]);
    const r = qst(["train", p("w10t.h5"), "--epochs", "1", "--out", p("w10t.model.json"), "--quiet"]);
    expect(r.status).toBe(0);
    expect(r.stderr.trim().split("\n")).toEqual([
      `qst: warning: ${p("w10t.h5")}: 'samples' has shape [10, 20]: more qubits than shots; is it transposed? qst expects [shots, qubits]`,
    ]);
  });
});

describe("declared sizes are checked before anything is allocated", () => {
  // Tiny gzip files whose datasets declare far more than they store (unwritten chunks read as the fill value).
  const bomb = async (name: string, shape: number[], extra: RawDataset[] = []) => {
    const N = shape[1];
    await writeRawHdf5(p(name), [
      {
        name: "samples",
        data: new Uint8Array(N),
        shape: [1, N],
        dtype: "<B",
        chunks: [65536, N],
        gzip: true,
        declared: shape,
      },
      ...extra,
    ]);
    expect(fs.statSync(p(name)).size).toBeLessThan(20_000);
    return p(name);
  };
  const psi26: RawDataset = {
    name: "psi",
    data: new Float64Array(2),
    shape: [1, 2],
    dtype: "<d",
    chunks: [65536, 2],
    gzip: true,
    declared: [2 ** 26, 2],
  };

  it("commands that need only the ground truth (qst exact) leave the declared shots unread", async () => {
    const psi = new Float64Array(16).fill(0.25);
    const file = await bomb("b2e8psi.h5", [2e8, 4], [{ name: "psi", data: psi, shape: [16], dtype: "<d" }]);
    const started = Date.now();
    const d = await readMeasurements(file, { skipShots: true });
    expect(d.nShots).toBe(2e8);
    expect(d.samples).toHaveLength(0);
    expect(Array.from(d.psi as Float64Array)).toEqual(Array.from(psi));
    const r = qst(["exact", file, "--json"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(lastJson(r.stdout).abs_magnetization).toBeCloseTo(0.375, 12); // uniform state: ⟨|M|⟩/N = E|2k − 4|/4 = 3/8
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it("[2·10^8, 20] is not loaded whole", async () => {
    const file = await bomb("b2e8.h5", [2e8, 20]);
    const started = Date.now();
    expect(await refusal(readMeasurements(file), file)).toContain(
      "b2e8.h5: 'samples' declares [200000000, 20] shots: 3.7 GiB, more than qst loads at once (1 GiB)",
    );
    expect(Date.now() - started).toBeLessThan(5000);
  });

  refusedEverywhere([
    [
      "[10^9, 64] is more than qst can hold, even streamed",
      () => bomb("b1e9.h5", [1e9, 64]),
      {},
      "b1e9.h5: 'samples' declares [1000000000, 64] shots: 60 GiB, more than qst can hold (2^32 − 1 values at most)",
    ],
    [
      "a psi of [2^26, 2] (1 GiB) for N = 26",
      () => bomb("bpsi.h5", [1, 26], [psi26]),
      {},
      "bpsi.h5: 'psi' declares [67108864, 2] amplitudes: 1 GiB as doubles, more than qst reads for an exact state " +
        "(512 MiB",
    ],
  ]);

  it("peekShape refuses an absurd declaration too", async () => {
    const file = await bomb("b1e9peek.h5", [1e9, 64]);
    expect(await refusal(peekShape(file), file)).toContain("declares [1000000000, 64] shots: 60 GiB");
  });
});

describe("streaming rotated-basis data", () => {
  const write = async (name: string, M: number, N: number, letters: string, seed: number) => {
    const rng = new Rng(seed);
    const bits = Uint8Array.from({ length: M * N }, () => rng.int(2));
    const bases = Uint8Array.from({ length: M * N }, () => letters.charCodeAt(rng.int(letters.length)));
    await writeMeasurements(p(name), { nShots: M, nQubits: N, samples: bits, bases, psi: null, attributes: {} });
    return p(name);
  };

  it("readBases gives the file's bases block by block; meta.bases stays null", async () => {
    const file = await write("rot.h5", 3001, 5, "XYZ", 1);
    const whole = await readMeasurements(file);
    const { meta, shots } = await openMeasurementStream(file);
    expect(meta.bases).toBeNull();
    expect(shots.hasBases).toBe(true);
    const block = new Uint8Array(1000 * 5),
      bases = new Uint8Array(1000 * 5);
    for (let start = 0; start < 3001; start += 1000) {
      const n = Math.min(1000, 3001 - start);
      shots.read(start, n, block);
      shots.readBases!(start, n, bases);
      const rows = [start * 5, (start + n) * 5] as const;
      expect(Array.from(block.subarray(0, n * 5))).toEqual(Array.from(whole.samples.subarray(...rows)));
      expect(Array.from(bases.subarray(0, n * 5))).toEqual(Array.from(whole.bases!.subarray(...rows)));
    }
    shots.close();
  });

  it("string bases, lower case included, stream as upper-case codes", async () => {
    const file = p("strbases.h5");
    await writeRawHdf5(file, [samples, { name: "bases", data: ["zzx", "YZZ", "ZZZ", "xyz"] }]);
    const { shots } = await openMeasurementStream(file);
    const out = new Uint8Array(6);
    shots.readBases!(2, 2, out);
    expect(String.fromCharCode(...out)).toBe("ZZZXYZ");
    shots.close();
  });

  it("all-Z bases stream as Z-basis data (no readBases)", async () => {
    const { shots } = await openMeasurementStream(await write("allz.h5", 100, 4, "Z", 2));
    expect(shots.hasBases).toBe(false);
    expect(shots.readBases).toBeUndefined();
    shots.close();
  });

  it("a bad basis deep in the file is reported at open, with its shot (4.5 M values: two slices)", async () => {
    const file = p("deep.h5");
    const bases = new Uint8Array(4500 * 1000).fill(90);
    bases[4200 * 1000 + 7] = 81; // 'Q'
    const samples = new Uint8Array(4500 * 1000);
    await writeMeasurements(file, { nShots: 4500, nQubits: 1000, samples, bases, psi: null, attributes: {} });
    expect(await refusal(openMeasurementStream(file), file)).toContain(
      "'bases': basis letters must be X, Y or Z, found 'Q' (code 81) at shot 4200, qubit 7",
    );
  });

  it("memoryShotSource with and without bases", () => {
    const bases = Uint8Array.from("ZXYZZZ", (c) => c.charCodeAt(0));
    const withBases = memoryShotSource("m", Uint8Array.from([0, 1, 1, 1, 0, 0]), 3, bases);
    const out = new Uint8Array(3);
    expect(withBases.hasBases).toBe(true);
    withBases.readBases!(1, 1, out);
    expect(String.fromCharCode(...out)).toBe("ZZZ");
    expect(memoryShotSource("m", new Uint8Array(6), 3).hasBases).toBe(false);
  });
});
