import fs from "node:fs";
import path from "node:path";
import { parts } from "../src/core/state-vector.js";
import { describe, expect, it } from "vitest";
import { QstError } from "../src/core/errors.js";
import { readMeasurements, writeMeasurements } from "../src/io/measurement-file.js";
import { tempDir, writeRawHdf5 } from "./helpers/files.js";

const dir = tempDir();
const p = (name: string) => path.join(dir, name);

describe("measurement files", () => {
  it("round-trips samples, bases, complex psi and attributes", async () => {
    const samples = Uint8Array.from([0, 1, 1, 1, 0, 0]);
    const bases = Uint8Array.from("ZXYZZZ", (c) => c.charCodeAt(0));
    const re = Float64Array.from([0.5, 0.5, 0.5, 0]);
    const im = Float64Array.from([0, 0, 0, 0.5]);
    await writeMeasurements(p("rt.h5"), {
      nShots: 2,
      nQubits: 3,
      samples,
      bases,
      psi: null,
      attributes: { model: "tfim", N: 3, h: 1.5 },
    });
    const d = await readMeasurements(p("rt.h5"));
    expect(d.nShots).toBe(2);
    expect(d.nQubits).toBe(3);
    expect(Array.from(d.samples)).toEqual(Array.from(samples));
    expect(String.fromCharCode(...d.bases!)).toBe("ZXYZZZ");
    expect(d.attributes).toEqual({ model: "tfim", N: 3, h: 1.5 });
    await writeMeasurements(p("psi.h5"), {
      nShots: 1,
      nQubits: 2,
      samples: Uint8Array.from([0, 1]),
      bases: null,
      psi: { re, im },
      attributes: {},
    });
    const e = await readMeasurements(p("psi.h5"));
    expect(Array.from(parts(e.psi!).re)).toEqual(Array.from(re));
    expect(Array.from(parts(e.psi!).im!)).toEqual(Array.from(im));
  });

  it("reads an h5py-style file: int64 samples chunked with gzip, string bases, [2^N, 2] psi, int64 attributes", async () => {
    const M = 1000,
      N = 4;
    const samples = new BigInt64Array(M * N).map((_, k) => BigInt((k * 7919) % 3 === 0 ? 1 : 0));
    const basesStrings = Array.from({ length: M }, (_, m) => (m % 2 ? "XZZY" : "ZZZZ"));
    const psi = new Float64Array(2 * 16).map((_, k) => (k % 2 === 0 ? 1 : 0));
    await writeRawHdf5(
      p("h5py.h5"),
      [
        { name: "samples", data: samples, shape: [M, N], dtype: "<q", chunks: [100, N], gzip: true },
        { name: "bases", data: basesStrings },
        { name: "psi", data: psi, shape: [16, 2], dtype: "<d" },
      ],
      { model: "tfim1d" },
    );
    const d = await readMeasurements(p("h5py.h5"));
    expect(d.nShots).toBe(M);
    for (let k = 0; k < M * N; k++) expect(d.samples[k]).toBe(Number(samples[k]));
    expect(String.fromCharCode(...d.bases!.subarray(4, 8))).toBe("XZZY");
    expect(parts(d.psi!).re[0]).toBeCloseTo(0.25, 15);
    expect(d.psi).toBeInstanceOf(Float64Array); // an all-zero imaginary part is a real state
  });

  it("honours dataset paths for files laid out differently", async () => {
    await writeRawHdf5(p("custom.h5"), [
      { name: "shots", data: Uint8Array.from([1, 0, 0, 1]), shape: [2, 2], dtype: "<B" },
    ]);
    const d = await readMeasurements(p("custom.h5"), { samplesPath: "shots" });
    expect(Array.from(d.samples)).toEqual([1, 0, 0, 1]);
  });

  it("reads QuCumber's text format (samples, psi with re/im columns, bases)", async () => {
    fs.writeFileSync(p("s.txt"), "1 0 \n0 0 \n");
    fs.writeFileSync(p("psi.txt"), "0.6 0.0\n0.0 0.0\n0.0 0.8\n0.0 0.0\n");
    fs.writeFileSync(p("b.txt"), "X Z\nZ Z\n");
    const d = await readMeasurements(p("s.txt"), { psiFile: p("psi.txt"), basesFile: p("b.txt") });
    expect(d.nQubits).toBe(2);
    expect(Array.from(d.samples)).toEqual([1, 0, 0, 0]);
    expect(parts(d.psi!).im![2]).toBeCloseTo(0.8, 15);
    expect(String.fromCharCode(...d.bases!)).toBe("XZZZ");
  });
});

describe("bad measurement files get one clear message naming the file", () => {
  const N = 3;
  const ok = { name: "samples", data: new Uint8Array(6), shape: [2, N], dtype: "<B" };
  const cases: [string, () => Promise<void> | void, RegExp][] = [
    ["missing file", () => {}, /missing\.h5: no such file/],
    ["empty file", () => fs.writeFileSync(p("empty.h5"), ""), /empty\.h5: the file is empty/],
    [
      "not HDF5",
      () => fs.writeFileSync(p("nothdf.h5"), Buffer.from([0, 1, 2, 200, 255, 3, 4, 5, 6, 7, 8, 9])),
      /nothdf\.h5: not an HDF5 file/,
    ],
    [
      "truncated HDF5",
      async () => {
        await writeRawHdf5(p("full.h5"), [ok]);
        fs.writeFileSync(p("truncated.h5"), fs.readFileSync(p("full.h5")).subarray(0, 600));
      },
      /truncated\.h5: .*(cannot be|no dataset)/,
    ],
    [
      "no /samples",
      () => writeRawHdf5(p("nosamples.h5"), [{ ...ok, name: "data" }]),
      /nosamples\.h5: no dataset 'samples' \(the file has: \/data\)/,
    ],
    [
      "value 2",
      () => writeRawHdf5(p("two.h5"), [{ ...ok, data: Uint8Array.from([0, 1, 2, 0, 0, 0]) }]),
      /two\.h5: 'samples' must hold only 0 and 1, found 2 at shot 0, qubit 2/,
    ],
    [
      "negative value",
      () => writeRawHdf5(p("neg.h5"), [{ ...ok, data: Int8Array.from([0, -1, 0, 0, 0, 0]), dtype: "<b" }]),
      /neg\.h5: .*found -1/,
    ],
    [
      "floats",
      () => writeRawHdf5(p("float.h5"), [{ ...ok, data: new Float64Array(6), dtype: "<d" }]),
      /float\.h5: 'samples' must hold integers 0\/1, but its type is floating point/,
    ],
    [
      "no shots",
      () => writeRawHdf5(p("noshots.h5"), [{ ...ok, data: new Uint8Array(0), shape: [0, N] }]),
      /noshots\.h5: 'samples' holds no shots \(M = 0\)/,
    ],
    [
      "rank 1",
      () => writeRawHdf5(p("rank1.h5"), [{ ...ok, shape: [6] }]),
      /rank1\.h5: 'samples' must be a 2-d array \[shots, qubits\], got shape \[6\]/,
    ],
    [
      "psi of the wrong size",
      () =>
        writeRawHdf5(p("psisize.h5"), [
          ok,
          { name: "psi", data: new Float64Array(4).fill(0.5), shape: [4], dtype: "<d" },
        ]),
      /psisize\.h5: 'psi' has shape \[4\], but the samples have N = 3 qubits, so psi must be \[8\] or \[8, 2\]/,
    ],
    [
      "psi with NaN",
      () =>
        writeRawHdf5(p("psinan.h5"), [
          ok,
          { name: "psi", data: new Float64Array(8).fill(NaN), shape: [8], dtype: "<d" },
        ]),
      /psinan\.h5: 'psi': amplitude 0 is not a finite number/,
    ],
    [
      "psi of zero norm",
      () => writeRawHdf5(p("psizero.h5"), [ok, { name: "psi", data: new Float64Array(8), shape: [8], dtype: "<d" }]),
      /psizero\.h5: 'psi': the state has zero norm/,
    ],
    [
      "bad basis letter",
      () => writeRawHdf5(p("basisq.h5"), [ok, { name: "bases", data: ["ZZQ", "ZZZ"] }]),
      /basisq\.h5: 'bases': basis letters must be X, Y or Z, found 'Q' \(code 81\) at shot 0, qubit 2/,
    ],
    [
      "basis of wrong length",
      () => writeRawHdf5(p("basislen.h5"), [ok, { name: "bases", data: ["ZZ", "ZZZ"] }]),
      /basislen\.h5: 'bases' shot 0 has basis 'ZZ' of length 2, expected 3/,
    ],
    [
      "bases of wrong shape",
      () =>
        writeRawHdf5(p("basisshape.h5"), [
          ok,
          { name: "bases", data: new Uint8Array(4).fill(90), shape: [2, 2], dtype: "<B" },
        ]),
      /basisshape\.h5: 'bases' has shape \[2, 2\] but the samples are \[2, 3\]/,
    ],
  ];
  for (const [label, make, message] of cases) {
    it(label, async () => {
      await make();
      const file = p(/^\/?([a-z0-9]+)/.exec(message.source)![1] + ".h5"); // each message starts with its file's name
      const error = await readMeasurements(file).then(
        () => null,
        (e) => e,
      );
      expect(error).toBeInstanceOf(QstError);
      expect(error.message).toMatch(message);
      expect(error.message.split("\n")).toHaveLength(1);
    });
  }
});
