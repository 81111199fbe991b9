/**
 * Mixed-state ground truth in measurement files (issue #15): /rho in HDF5 (float [2^N, 2^N, 2] as h5py
 * reads it with rho[..., 0] + 1j rho[..., 1], h5py complex, real), QuCumber's text density matrices (--rho),
 * the checks on reading (Hermitian, trace 1, positive semidefinite, shape; one line naming the file each),
 * and `qst generate` of noisy GHZ / W / ground states. Every fixture is written here, in a temporary folder.
 */
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import h5wasm from "h5wasm/node";
import { describe, expect, it } from "vitest";
import { Rng } from "../src/core/rng.js";
import { openMeasurementStream, readMeasurements, writeMeasurements } from "../src/io/measurement-file.js";
import { allPauliBases } from "../src/physics/bases.js";
import { basisProbabilities, type DensityMatrix, pureDensityMatrix, purity } from "../src/physics/density-matrix.js";
import { densityProbabilities } from "../src/physics/measurements.js";
import { lastJson, qst } from "./helpers/cli.js";
import { tempDir, writeRawHdf5 } from "./helpers/files.js";
import { refusal } from "./helpers/errors.js";

const dir = tempDir("qst-density-io-");
const p = (name: string) => {
  fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
  return path.join(dir, name);
};

/** A full-rank random density matrix A A† / tr(A A†) of N qubits. */
function randomRho(N: number, seed: number): DensityMatrix {
  const d = 2 ** N,
    rng = new Rng(seed);
  const ar = Float64Array.from({ length: d * d }, () => rng.normal());
  const ai = Float64Array.from({ length: d * d }, () => rng.normal());
  const re = new Float64Array(d * d),
    im = new Float64Array(d * d);
  let tr = 0;
  for (let a = 0; a < d; a++) {
    for (let b = 0; b < d; b++) {
      let r = 0,
        i = 0;
      for (let k = 0; k < d; k++) {
        // A_ak conj(A_bk)
        r += ar[a * d + k] * ar[b * d + k] + ai[a * d + k] * ai[b * d + k];
        i += ai[a * d + k] * ar[b * d + k] - ar[a * d + k] * ai[b * d + k];
      }
      re[a * d + b] = r;
      im[a * d + b] = i;
    }
    tr += re[a * d + a];
  }
  for (let k = 0; k < d * d; k++) {
    re[k] /= tr;
    im[k] /= tr;
  }
  return { dim: d, re, im };
}

/** QuCumber's tutorial-3 target for the 2-qubit W state, as its N2_W_state_target_real.txt holds it. */
const W_REAL = [
  [0.125, 0.0, 0.0, 0.0],
  [0.0, 0.37499999999999994, 0.24999999999999994, 0.0],
  [0.0, 0.24999999999999994, 0.37499999999999994, 0.0],
  [0.0, 0.0, 0.0, 0.125],
];
/** 0.9 |ψ⟩⟨ψ| + 0.025 I with ψ = (|01⟩ + i|10⟩)/√2: complex entries ρ[1, 2] = −0.45i. */
const PHASED = {
  re: [
    [0.025, 0, 0, 0],
    [0, 0.475, 0, 0],
    [0, 0, 0.475, 0],
    [0, 0, 0, 0.025],
  ],
  im: [
    [0, 0, 0, 0],
    [0, 0, -0.45, 0],
    [0, 0.45, 0, 0],
    [0, 0, 0, 0],
  ],
};

const BITS2 = Uint8Array.from([0, 1, 1, 0, 0, 0, 1, 1, 0, 1, 1, 0]); // 6 shots of 2 qubits
const samples2 = { name: "samples", data: BITS2, shape: [6, 2], dtype: "<B" };

/** [d, d, 2] (re, im) interleaved, as numpy's np.stack([rho.real, rho.imag], -1). */
function pairs(re: number[][], im?: number[][]): Float64Array {
  const d = re.length,
    out = new Float64Array(2 * d * d);
  for (let a = 0; a < d; a++) {
    for (let b = 0; b < d; b++) {
      out[2 * (a * d + b)] = re[a][b];
      out[2 * (a * d + b) + 1] = im ? im[a][b] : 0;
    }
  }
  return out;
}

function expectMatrix(
  rho: DensityMatrix | null | undefined,
  re: ArrayLike<number>,
  im: ArrayLike<number>,
  tol: number,
) {
  expect(rho).toBeTruthy();
  for (let k = 0; k < re.length; k++) {
    expect(Math.abs(rho!.re[k] - re[k]), `re[${k}]`).toBeLessThanOrEqual(tol);
    expect(Math.abs(rho!.im[k] - im[k]), `im[${k}]`).toBeLessThanOrEqual(tol);
  }
}

/**
 * Written by h5py 3.16 (HDF5 2.0), gzipped and base64-encoded, since h5wasm cannot write compound types:
 *   psi = np.array([0, 1, 1j, 0]) / np.sqrt(2); rho = 0.9 * np.outer(psi, psi.conj()) + 0.025 * np.eye(4)
 *   f["samples"] = np.array([[0, 1], [1, 0], [0, 1], [1, 0]], np.uint8)
 *   f["rho"] = rho; f["rho_c64"] = rho.astype(np.complex64)
 *   f["rho_pairs32"] = np.stack([rho.real, rho.imag], -1).astype(np.float32)
 */
const H5PY_COMPLEX_RHO = `
H4sIAAAAAAACA+v0cHHj5ZLiYgABDg4GFgYBBmTwHwoEBFH5MPkEKM0IpTug9AommDgjWE4CKi4INR9dXUiQqytI9X80ALPHgAVCczCMgpEIPFwdA0B0BCw9
QOkTTKjqihNzC3JSixmKMvLBfCAdn2xmAqYLEjOLio2NUNKrBgF7GRlYIWoZYXyIDkYmiAA0WTLAnIHOZwamd5BKAbgRkBTMCqRBfCYmiEEc0BzCzAhL4ugp
vWFQxEOwn78LI1IpUcGKXz0s33ew4VenAGMI4FcHCxUF5qGdnolNV7hoZmB6AKkUY4IEWRGR9goq2EPD0IHBhJvB5D8wHDMZiCtbsenFnY45ONCqBrwRTM3w
4CApPOShZigwiHMwiNczIMKDhQy9eMKDE3s+FhjghMgIxrNmgoE9tYxNTQOBexjmnT4DAnf2E2sOVL09LvPIBej+PXvmjA0x+oyNP9vB2Glpz/ZhUwMUt0NW
hw/A7B1o+0fBKBgFo2AUjCyA2e6ygNDM2NtdTDjaX4j+jgTYKGxtI/z9ng4c7aMMuoYHAHtOGaEQEQAA`;

describe("/rho in HDF5 files", () => {
  it("round trip: writeMeasurements stores [2^N, 2^N, 2] float64 (re, im), and reading gives it back to 1e-15", async () => {
    const rho = randomRho(3, 7);
    const M = 50,
      N = 3;
    const samples = Uint8Array.from({ length: M * N }, (_, k) => (k * 7) % 2);
    const file = p("roundtrip.h5");
    await writeMeasurements(file, { nShots: M, nQubits: N, samples, bases: null, psi: null, rho, attributes: {} });
    const back = await readMeasurements(file);
    expect(back.psi).toBeNull();
    expect(back.rho!.dim).toBe(8);
    expectMatrix(back.rho, rho.re, rho.im, 1e-15);
    expect(back.warnings).toEqual([]);

    // The layout itself, as h5py sees it: rho[a, b, 0] = Re ρ_ab, rho[a, b, 1] = Im ρ_ab, float64.
    await h5wasm.ready;
    const f = new h5wasm.File(file, "r");
    try {
      const ds = f.get("rho") as InstanceType<typeof h5wasm.Dataset>;
      expect(ds.shape).toEqual([8, 8, 2]);
      expect(ds.metadata.type).toBe(1); // H5T_FLOAT
      expect(ds.metadata.size).toBe(8);
      const v = ds.value as Float64Array;
      for (let k = 0; k < 64; k++) {
        expect(v[2 * k]).toBe(rho.re[k]);
        expect(v[2 * k + 1]).toBe(rho.im[k]);
      }
    } finally {
      f.close();
    }

    // The streaming reader carries the same ground truth.
    const stream = await openMeasurementStream(file);
    stream.shots.close();
    expectMatrix(stream.meta.rho, rho.re, rho.im, 1e-15);
  });

  it("reads h5py's float [d, d, 2] (float64 and float32) and a real [d, d] rho, written without qst", async () => {
    const file = p("h5py-layout.h5");
    await writeRawHdf5(file, [
      samples2,
      { name: "rho", data: pairs(W_REAL), shape: [4, 4, 2], dtype: "<d" },
      { name: "rho32", data: Float32Array.from(pairs(PHASED.re, PHASED.im)), shape: [4, 4, 2], dtype: "<f" },
      { name: "rho_real", data: Float64Array.from(W_REAL.flat()), shape: [4, 4], dtype: "<d" },
      { name: "truth", data: pairs(PHASED.re, PHASED.im), shape: [4, 4, 2], dtype: "<d" },
    ]);
    // QuCumber's W target has trace 1 − 1.1e-16: read normalised.
    const trace = 2 * 0.125 + 2 * 0.37499999999999994;
    const w = W_REAL.flat().map((x) => x / trace);
    expectMatrix((await readMeasurements(file)).rho, w, new Array(16).fill(0), 1e-16);
    expectMatrix((await readMeasurements(file, { rhoPath: "rho_real" })).rho, w, new Array(16).fill(0), 1e-16);
    expectMatrix((await readMeasurements(file, { rhoPath: "/truth" })).rho, PHASED.re.flat(), PHASED.im.flat(), 1e-16);
    expectMatrix((await readMeasurements(file, { rhoPath: "rho32" })).rho, PHASED.re.flat(), PHASED.im.flat(), 3e-8);
  });

  it("reads h5py's complex128 and complex64 (a compound {r, i}) and float32 pairs, from a file h5py wrote", async () => {
    const file = p("h5py-complex.h5");
    fs.writeFileSync(file, zlib.gunzipSync(Buffer.from(H5PY_COMPLEX_RHO.replace(/\s/g, ""), "base64")));
    for (const [rhoPath, tol] of [
      ["rho", 1e-16],
      ["rho_c64", 3e-8],
      ["rho_pairs32", 3e-8],
    ] as const) {
      const d = await readMeasurements(file, { rhoPath });
      expectMatrix(d.rho, PHASED.re.flat(), PHASED.im.flat(), tol);
      expect(d.rho!.im[1 * 4 + 2]).toBeCloseTo(-0.45, 7);
    }
  });

  it("a file may hold /psi and /rho; skipPsi skips both; rhoPath must exist when given", async () => {
    const psi = Float64Array.from([0, 1, 1, 0].map((x) => x / Math.SQRT2));
    const rho = pureDensityMatrix(psi);
    const file = p("both.h5");
    await writeMeasurements(file, { nShots: 6, nQubits: 2, samples: BITS2, bases: null, psi, rho, attributes: {} });
    const d = await readMeasurements(file);
    const back = d.psi as Float64Array;
    for (let k = 0; k < 4; k++) expect(Math.abs(back[k] - psi[k])).toBeLessThan(1e-15);
    expectMatrix(d.rho, rho.re, rho.im, 1e-15);
    const skipped = await readMeasurements(file, { skipPsi: true });
    expect(skipped.psi).toBeNull();
    expect(skipped.rho).toBeNull();
    expect(await refusal(readMeasurements(file, { rhoPath: "truth" }), file)).toContain("no dataset 'truth'");
  });

  it("above MAX_DENSITY_QUBITS (10) /rho is skipped with a warning, not read", async () => {
    const file = p("n11.h5");
    await writeRawHdf5(file, [
      { name: "samples", data: new Uint8Array(20 * 11), shape: [20, 11], dtype: "<B" },
      // Declares [2048, 2048, 2] (64 MiB) but stores one chunk: never read.
      { name: "rho", data: new Float64Array(2), shape: [1, 1, 2], chunks: [1, 1, 2], declared: [2048, 2048, 2] },
    ]);
    const d = await readMeasurements(file);
    expect(d.rho).toBeNull();
    expect(d.warnings).toHaveLength(1);
    expect(d.warnings![0]).toMatch(/'rho' not read: N = 11 qubits is above 10, the largest density matrix qst forms/);
  });

  it("writeMeasurements refuses a rho of the wrong size", async () => {
    const rho = randomRho(2, 1);
    await expect(
      writeMeasurements(p("bad-write.h5"), {
        nShots: 2,
        nQubits: 3,
        samples: new Uint8Array(6),
        bases: null,
        psi: null,
        rho,
        attributes: {},
      }),
    ).rejects.toThrow(/rho must be 8 × 8 \(N = 3 qubits\), got dim 4/);
    expect(fs.existsSync(p("bad-write.h5"))).toBe(false);
  });
});

describe("/rho that is not a density matrix: one line naming the file and the problem", () => {
  const valid = () => ({ re: W_REAL.map((r) => [...r]), im: W_REAL.map((r) => r.map(() => 0)) });
  const cases: [string, () => { re: number[][]; im: number[][] } | RawRho, RegExp][] = [
    [
      "not Hermitian (real part)",
      () => {
        const m = valid();
        m.re[1][2] = 0.3;
        return m;
      },
      /'rho': not Hermitian: Re rho\[1, 2\] = 0\.3 but Re rho\[2, 1\] = 0\.25 /,
    ],
    [
      "not Hermitian (imaginary part)",
      () => {
        const m = valid();
        m.im[1][2] = 0.1;
        m.im[2][1] = 0.1;
        return m;
      },
      /'rho': not Hermitian: Im rho\[1, 2\] = 0\.1 and Im rho\[2, 1\] = 0\.1 are not opposite/,
    ],
    [
      "a complex diagonal",
      () => {
        const m = valid();
        m.im[3][3] = 1e-3;
        return m;
      },
      /'rho': not Hermitian: Im rho\[3, 3\] = 0\.001, but the diagonal must be real/,
    ],
    [
      "trace 2",
      () => {
        const m = valid();
        m.re = m.re.map((r) => r.map((x) => 2 * x));
        return m;
      },
      /'rho': the trace is 2, not 1 /,
    ],
    [
      "trace 1 + 1e-5",
      () => {
        const m = valid();
        m.re[0][0] += 1e-5;
        return m;
      },
      /'rho': the trace is 1\.00001, not 1 /,
    ],
    [
      "not positive semidefinite",
      () => {
        const m = valid();
        m.re[1][2] = m.re[2][1] = 0.5; // eigenvalues 0.375 ± 0.5 in that block
        return m;
      },
      /'rho': not positive semidefinite: its smallest eigenvalue is -0\.125 /,
    ],
    [
      "NaN",
      () => {
        const m = valid();
        m.re[0][1] = Number.NaN;
        return m;
      },
      /'rho': Re rho\[0, 1\] = NaN is not a finite number/,
    ],
    [
      "shape [8, 8, 2] for N = 2",
      () => ({ data: new Float64Array(128), shape: [8, 8, 2] }),
      /'rho' has shape \[8, 8, 2\], but the samples have N = 2 qubits, so rho must be \[4, 4, 2\] \(re, im\), \[4, 4\] real or \[4, 4\] h5py complex/,
    ],
    ["shape [4, 4, 3]", () => ({ data: new Float64Array(48), shape: [4, 4, 3] }), /'rho' has shape \[4, 4, 3\]/],
    ["shape [16]", () => ({ data: new Float64Array(16), shape: [16] }), /'rho' has shape \[16\]/],
    [
      "strings",
      () => ({ data: ["a", "b", "c", "d"], shape: [4] }),
      /'rho' must hold real numbers or h5py complex ones, but its type is string/,
    ],
  ];
  interface RawRho {
    data: Float64Array | string[];
    shape: number[];
  }

  for (const [what, make, message] of cases) {
    it(`HDF5: ${what}`, async () => {
      const m = make();
      const file = p(`bad/${what.replace(/\W+/g, "-")}.h5`);
      const rho =
        "shape" in m
          ? { name: "rho", data: m.data, shape: m.shape, ...(Array.isArray(m.data) ? {} : { dtype: "<d" }) }
          : { name: "rho", data: pairs(m.re, m.im), shape: [4, 4, 2], dtype: "<d" };
      await writeRawHdf5(file, [samples2, rho]);
      expect(await refusal(readMeasurements(file), file)).toMatch(message);
      // Without the ground truth, the shots still read.
      expect((await readMeasurements(file, { skipPsi: true })).rho).toBeNull();
    });
  }

  it("a trace within 1e-6 of 1 is normalised", async () => {
    const m = valid();
    m.re[0][0] += 5e-7;
    const file = p("bad/near.h5");
    await writeRawHdf5(file, [samples2, { name: "rho", data: pairs(m.re, m.im), shape: [4, 4, 2], dtype: "<d" }]);
    const rho = (await readMeasurements(file)).rho!;
    let trace = 0;
    for (let a = 0; a < 4; a++) trace += rho.re[a * 5];
    expect(Math.abs(trace - 1)).toBeLessThan(1e-15);
    expect(rho.re[0]).toBeCloseTo((0.125 + 5e-7) / (1 + 5e-7), 15);
  });

  it("rounding-level asymmetry (1e-12) and negative eigenvalues (−1e-10) pass, made exactly Hermitian", async () => {
    const m = valid();
    m.re[1][2] += 1e-12;
    m.im[0][3] = 1e-13;
    m.re[0][0] = 0.25 + 1e-10; // eigenvalue −1e-10 on |11⟩, the trace unchanged
    m.re[3][3] = -1e-10;
    const file = p("bad/rounding.h5");
    await writeRawHdf5(file, [samples2, { name: "rho", data: pairs(m.re, m.im), shape: [4, 4, 2], dtype: "<d" }]);
    const rho = (await readMeasurements(file)).rho!;
    for (let a = 0; a < 4; a++) {
      expect(rho.im[a * 5]).toBe(0);
      for (let b = 0; b < 4; b++) {
        expect(rho.re[a * 4 + b] - rho.re[b * 4 + a]).toBe(0);
        expect(rho.im[a * 4 + b] + rho.im[b * 4 + a]).toBe(0);
      }
    }
  });
});

describe("QuCumber's text density matrices (tutorial 3): --rho REAL.txt[,IMAG.txt]", () => {
  const text = (rows: number[][]) => rows.map((r) => r.map(String).join(" ")).join("\n") + "\n";
  const SHOTS = "0 0\n0 1\n1 0\n1 1\n0 1\n1 0\n";
  const BASES = "Z Z\nZ X\nX Z\nX Y\nY Y\nZ Z\n";

  function tutorial(name: string, re: number[][], im?: number[][]) {
    const files = {
      data: p(`${name}/N2_W_state_6_samples_data.txt`),
      bases: p(`${name}/N2_W_state_6_samples_bases.txt`),
      real: p(`${name}/N2_W_state_target_real.txt`),
      imag: p(`${name}/N2_W_state_target_imag.txt`),
    };
    fs.writeFileSync(files.data, SHOTS);
    fs.writeFileSync(files.bases, BASES);
    fs.writeFileSync(files.real, text(re));
    fs.writeFileSync(files.imag, text(im ?? re.map((r) => r.map(() => 0))));
    return files;
  }

  it("the 2-qubit W state: rho, shots and bases", async () => {
    const f = tutorial("w", W_REAL);
    const d = await readMeasurements(f.data, { basesFile: f.bases, rhoFiles: [f.real, f.imag] });
    expect(d.nQubits).toBe(2);
    expect(d.nShots).toBe(6);
    expect(Array.from(d.samples)).toEqual([0, 0, 0, 1, 1, 0, 1, 1, 0, 1, 1, 0]);
    expect(String.fromCharCode(...d.bases!)).toBe("ZZZXXZXYYYZZ");
    const trace = 2 * 0.125 + 2 * 0.37499999999999994;
    expectMatrix(
      d.rho,
      W_REAL.flat().map((x) => x / trace),
      new Array(16).fill(0),
      1e-16,
    );
    expect(d.rho!.re[1 * 4 + 2]).toBeCloseTo(0.25, 15);
    expect(purity(d.rho!)).toBeCloseTo(2 * 0.125 ** 2 + 2 * 0.375 ** 2 + 2 * 0.25 ** 2, 14);
    expect(d.psi).toBeNull();
    // The real part alone: the imaginary part is zero.
    expectMatrix((await readMeasurements(f.data, { rhoFiles: [f.real] })).rho, d.rho!.re, d.rho!.im, 0);
    // skipPsi leaves it unread.
    expect((await readMeasurements(f.data, { rhoFiles: [f.real, f.imag], skipPsi: true })).rho).toBeNull();
  });

  it("complex entries come from the imaginary file", async () => {
    const f = tutorial("phased", PHASED.re, PHASED.im);
    const d = await readMeasurements(f.data, { rhoFiles: [f.real, f.imag] });
    expectMatrix(d.rho, PHASED.re.flat(), PHASED.im.flat(), 1e-16);
  });

  it("each problem is one line naming the file at fault", async () => {
    const f = tutorial("errors", W_REAL);
    const read = (files: [string, string?]) => readMeasurements(f.data, { rhoFiles: files });
    const write = (name: string, content: string) => {
      const file = p(`errors/${name}`);
      fs.writeFileSync(file, content);
      return file;
    };
    const short = write("short.txt", text(W_REAL.slice(0, 3)));
    expect(await refusal(read([short]), short)).toMatch(/has 3 rows, but N = 2 qubits needs a 4 × 4 matrix/);
    const ragged = write("ragged.txt", text([...W_REAL.slice(0, 3), [0, 0, 0.125]]));
    expect(await refusal(read([ragged]), ragged)).toMatch(/row 4 has 3 values, but N = 2 qubits needs a 4 × 4 matrix/);
    const word = write("word.txt", text(W_REAL).replace("0.125", "x"));
    expect(await refusal(read([word]), word)).toMatch(/'x' at row 1, column 1 is not a finite number/);
    const imagBad = write(
      "imag-bad.txt",
      text([
        [0, 0, 0, 0],
        [0, 0, 0.1, 0],
        [0, 0.1, 0, 0],
        [0, 0, 0, 0],
      ]),
    );
    expect(await refusal(read([f.real, imagBad]), imagBad)).toMatch(/not Hermitian: Im rho\[1, 2\] = 0\.1/);
    const asym = write("asym.txt", text(W_REAL.map((r, a) => r.map((x, b) => (a === 0 && b === 3 ? 0.01 : x)))));
    expect(await refusal(read([asym, f.imag]), asym)).toMatch(
      /not Hermitian: Re rho\[0, 3\] = 0\.01 but Re rho\[3, 0\] = 0/,
    );
    const half = write("half.txt", text(W_REAL.map((r) => r.map((x) => x / 2))));
    expect(await refusal(read([half, f.imag]), half)).toMatch(/the trace is 0\.5, not 1/);
    const notPsd = write(
      "not-psd.txt",
      text(W_REAL.map((r, a) => r.map((x, b) => (a + b === 3 && a !== b && a % 3 === 0 ? 0.5 : x)))),
    );
    const message = await refusal(read([notPsd, f.imag]), notPsd);
    expect(message).toMatch(
      /not-psd\.txt and .*N2_W_state_target_imag\.txt: not positive semidefinite: its smallest eigenvalue is -0\.375/,
    );
    const missing = p("errors/none.txt");
    expect(await refusal(read([missing]), missing)).toMatch(/no such file/);
  });

  it("above 10 qubits the text rho is skipped with a warning, the files not even opened", async () => {
    const data = p("n11/data.txt");
    fs.writeFileSync(data, "0 1 0 1 0 1 0 1 0 1 0\n".repeat(12));
    const d = await readMeasurements(data, { rhoFiles: [p("n11/none_real.txt"), p("n11/none_imag.txt")] });
    expect(d.rho).toBeNull();
    expect(d.warnings!.join("\n")).toMatch(/none_real\.txt and .*none_imag\.txt not read: N = 11 qubits is above 10/);
  });

  it("through the command line: --rho is read with the data (qst exact), and a bad one refused in one line", () => {
    const f = tutorial("cli", W_REAL);
    const psi = p("cli/psi.txt");
    fs.writeFileSync(psi, "0 0\n0.7071067811865476 0\n0.7071067811865476 0\n0 0\n");
    const ok = qst(["exact", f.data, "--psi", psi, "--rho", `${f.real},${f.imag}`, "--json"]);
    expect(ok.stderr).toBe("");
    expect(ok.status).toBe(0);
    const bad = p("cli/bad_real.txt");
    fs.writeFileSync(bad, text(W_REAL.map((r) => r.map((x) => 3 * x))));
    for (const [args, message] of [
      [["--rho", `${bad},${f.imag}`], /^qst: .*bad_real\.txt: the trace is 3, not 1/],
      [["--rho", `${f.real},${f.imag},${f.imag}`], /^qst: --rho: expected REAL\.txt or REAL\.txt,IMAG\.txt/],
    ] as const) {
      const r = qst(["exact", f.data, "--psi", psi, ...args]);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.status).toBe(1);
    }
  });
});

describe("qst generate: noisy GHZ, W and ground states with their density matrix", () => {
  const noise = 0.2;

  it("ghz -N 3 --global-noise 0.2: purity (1−p)² + (2p − p²)/8, no /psi, Z-basis shots follow rho's diagonal", async () => {
    const out = p("gen/ghz3.h5");
    const r = qst([
      "generate",
      "ghz",
      "-N",
      "3",
      "--global-noise",
      "0.2",
      "--samples",
      "27000",
      "--seed",
      "1",
      "--out",
      out,
    ]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/27000 shots of N = 3 written to .* with \/rho /);
    const d = await readMeasurements(out);
    expect(d.psi).toBeNull(); // a noisy file claims no pure ground truth
    const rho = d.rho!;
    // ρ = (1 − p)|GHZ⟩⟨GHZ| + p I/8: tr ρ² = (1 − p)² + 2(1 − p)p/8 + p²/8 = (1 − p)² + (2p − p²)/8 = 0.685.
    const expected = (1 - noise) ** 2 + (2 * noise - noise * noise) / 8;
    expect(expected).toBeCloseTo(0.685, 15);
    expect(purity(rho)).toBeCloseTo(expected, 14);
    expect(Number(d.attributes.purity)).toBeCloseTo(expected, 14);
    expect(Number(d.attributes.fidelity_with_prepared)).toBeCloseTo(1 - noise + noise / 8, 14);
    expect(d.attributes).toMatchObject({
      state: "ghz",
      global_depolarising: 0.2,
      local_depolarising: 0,
      basis_set: "all",
    });
    for (let a = 0; a < 8; a++) {
      for (let b = 0; b < 8; b++) {
        const ghz = (a === 0 || a === 7) && (b === 0 || b === 7) ? 0.5 : 0;
        expect(Math.abs(rho.re[a * 8 + b] - ((1 - noise) * ghz + (a === b ? noise / 8 : 0)))).toBeLessThan(1e-15);
        expect(Math.abs(rho.im[a * 8 + b])).toBe(0);
      }
    }
    // All 27 Pauli bases, 1000 shots each; the ZZZ shots against ρ's diagonal.
    const perBasis = new Map<string, number>();
    const counts = new Float64Array(8);
    for (let m = 0; m < d.nShots; m++) {
      const basis = String.fromCharCode(...d.bases!.subarray(3 * m, 3 * m + 3));
      perBasis.set(basis, (perBasis.get(basis) ?? 0) + 1);
      if (basis === "ZZZ") counts[4 * d.samples[3 * m] + 2 * d.samples[3 * m + 1] + d.samples[3 * m + 2]]++;
    }
    expect(perBasis.size).toBe(27);
    expect([...perBasis.values()].every((n) => n === 1000)).toBe(true);
    const n = 1000;
    let chi2 = 0;
    for (let o = 0; o < 8; o++) {
      const q = rho.re[o * 9];
      expect(n * q).toBeGreaterThanOrEqual(5);
      expect(Math.abs(counts[o] - n * q), `outcome ${o}`).toBeLessThan(5 * Math.sqrt(n * q * (1 - q)));
      chi2 += (counts[o] - n * q) ** 2 / (n * q);
    }
    // χ² with 7 degrees of freedom: 24.32 is its 1 − 1e-3 quantile (a false alarm once in a thousand seeds).
    expect(chi2).toBeLessThan(24.32);

    // --json prints the attributes with the purity on the last line.
    const j = qst([
      "generate",
      "ghz",
      "-N",
      "3",
      "--global-noise",
      "0.2",
      "--samples",
      "2700",
      "--out",
      p("gen/ghz3j.h5"),
      "--json",
    ]);
    expect(j.status).toBe(0);
    expect(lastJson(j.stdout).purity).toBeCloseTo(expected, 14);
    expect(lastJson(j.stdout).fidelity_with_prepared).toBeCloseTo(0.825, 14);
  });

  it("ghz and w without noise: /psi and /rho in all bases, /psi alone with --bases Z (any N)", async () => {
    const w = p("gen/w2.h5");
    expect(qst(["generate", "w", "-N", "2", "--samples", "900", "--out", w]).status).toBe(0);
    const dw = await readMeasurements(w);
    const psi = Float64Array.from([0, Math.SQRT1_2, Math.SQRT1_2, 0]);
    expect(Array.from(dw.psi as Float64Array)).toEqual(Array.from(psi));
    const pure = pureDensityMatrix(psi);
    expectMatrix(dw.rho, pure.re, pure.im, 1e-15);
    expect(
      new Set(Array.from({ length: dw.nShots }, (_, m) => String.fromCharCode(...dw.bases!.subarray(2 * m, 2 * m + 2))))
        .size,
    ).toBe(9);

    const z = p("gen/ghz12z.h5");
    const r = qst(["generate", "ghz", "-N", "12", "--bases", "Z", "--samples", "400", "--out", z, "--json"]);
    expect(r.status).toBe(0);
    expect(lastJson(r.stdout).purity).toBe(1);
    const dz = await readMeasurements(z);
    expect(dz.rho).toBeNull();
    expect(dz.bases).toBeNull();
    const psiZ = dz.psi as Float64Array;
    expect(psiZ[0]).toBeCloseTo(Math.SQRT1_2, 15);
    expect(psiZ[4095]).toBeCloseTo(Math.SQRT1_2, 15);
    // Every shot is 0…0 or 1…1.
    for (let m = 0; m < dz.nShots; m++) {
      const row = dz.samples.subarray(12 * m, 12 * m + 12);
      expect(row.every((x) => x === row[0])).toBe(true);
    }
  });

  it("a noisy ground state: /rho with the model's attributes, no /psi", async () => {
    const out = p("gen/tfim4.h5");
    const r = qst(["generate", "tfim", "-N", "4", "--local-noise", "0.1", "--samples", "810", "--out", out, "--json"]);
    expect(r.status).toBe(0);
    const d = await readMeasurements(out);
    expect(d.psi).toBeNull();
    expect(d.attributes).toMatchObject({ model: "tfim", N: 4, h: 1, local_depolarising: 0.1, basis_set: "all" });
    expect(purity(d.rho!)).toBeLessThan(1);
    expect(lastJson(r.stdout).purity).toBeCloseTo(purity(d.rho!), 14);
  });

  it("refuses bad noise, too many qubits for a density matrix, and Hamiltonian options for ghz/w; writes nothing", () => {
    const out = p("gen/refused.h5");
    for (const [args, message] of [
      [
        ["ghz", "-N", "3", "--global-noise", "1.5"],
        /^qst: --global-noise must be a depolarising strength in \[0, 1\], got 1\.5$/m,
      ],
      [
        ["tfim", "-N", "3", "--local-noise", "-0.1"],
        /^qst: --local-noise must be a depolarising strength in \[0, 1\]/m,
      ],
      [
        ["ghz", "-N", "11", "--global-noise", "0.1"],
        /^qst: --N 11: a noisy state is simulated as its 2\^N × 2\^N density matrix, which qst forms only up to N = 10$/m,
      ],
      [
        ["w", "-N", "11"],
        /^qst: --N 11: w in the bases all .* up to N = 10; without noise, --bases Z writes the pure state/m,
      ],
      [["ghz", "-N", "3", "--h", "2"], /^qst: --h describes a Hamiltonian; ghz is a prepared state and takes none/m],
      [["ghz", "-N", "3", "--bases", "nonsense"], /^qst: .*bases\[0\]/m],
    ] as const) {
      const r = qst(["generate", ...args, "--samples", "100", "--out", out]);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split("\n"), r.stderr).toHaveLength(1);
      expect(r.status).toBe(1);
      expect(fs.existsSync(out)).toBe(false);
    }
  });
});

describe("the mixed-state sampler's probabilities (shared prefixes) equal basisProbabilities", () => {
  it("in all 3^N bases, in any order", () => {
    const rho = randomRho(3, 11);
    const bases = allPauliBases(3);
    const shuffled = [...bases].reverse().concat(["XYZ", "ZZZ", "XYZ"]);
    for (const order of [bases, shuffled]) {
      const probabilitiesIn = densityProbabilities(rho);
      const out = new Float64Array(8);
      for (const basis of order) {
        probabilitiesIn(basis, out);
        const ref = basisProbabilities(rho, basis);
        for (let o = 0; o < 8; o++) expect(Math.abs(out[o] - ref[o])).toBeLessThan(1e-15);
      }
    }
  });
});
