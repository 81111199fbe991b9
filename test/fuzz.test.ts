/**
 * Random corruptions of a valid measurement file must never crash or hang the reader: each one is
 * either read (the corruption hit bytes that do not matter, e.g. unused space) or rejected with a
 * QstError that names the file.
 */
import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { QstError } from "../src/core/errors.js";
import { readMeasurements, writeMeasurements } from "../src/io/measurement-file.js";
import { Rng } from "../src/core/rng.js";
import { qst } from "./helpers/cli.js";
import { tempDir } from "./helpers/files.js";
import { exactShots, randomRbmState } from "./helpers/targets.js";

const dir = tempDir("qst-fuzz-");
let valid: Buffer;

beforeAll(async () => {
  const n = 4;
  const psi = randomRbmState(n, 3);
  const bases = new Uint8Array(200 * n).fill(90);
  bases[5] = 88;
  await writeMeasurements(path.join(dir, "valid.h5"), {
    nShots: 200,
    nQubits: n,
    samples: exactShots(psi, n, 200, 4),
    bases,
    psi: psi,
    attributes: { model: "fuzz", N: n },
  });
  valid = fs.readFileSync(path.join(dir, "valid.h5"));
});

function corrupt(rng: Rng, kind: number): Buffer {
  const b = Buffer.from(valid);
  if (kind === 0) return b.subarray(0, rng.int(b.length)); // truncation
  if (kind === 1) {
    const flips = 1 + rng.int(20); // flipped bytes
    for (let f = 0; f < flips; f++) b[rng.int(b.length)] ^= 1 + rng.int(255);
    return b;
  }
  if (kind === 2) {
    // random bytes behind a valid signature, so the HDF5 library itself has to cope
    for (let k = 8; k < b.length; k++) b[k] = rng.int(256);
    return b;
  }
  return Buffer.from(Array.from({ length: 1 + rng.int(4096) }, () => rng.int(256))); // random data
}

describe("fuzzing the measurement reader", () => {
  it("400 corruptions: each is read or rejected with a QstError, none crashes or hangs", async () => {
    const rng = new Rng(2024);
    const outcomes = { read: 0, rejected: 0 };
    for (let t = 0; t < 400; t++) {
      const file = path.join(dir, `c${t}.h5`);
      fs.writeFileSync(file, corrupt(rng, t % 4));
      const started = Date.now();
      try {
        const d = await readMeasurements(file);
        // Whatever was read must still satisfy the format's guarantees.
        expect(d.samples.every((x) => x === 0 || x === 1)).toBe(true);
        expect(d.samples.length).toBe(d.nShots * d.nQubits);
        outcomes.read++;
      } catch (e) {
        if (!(e instanceof QstError))
          throw new Error(`corruption ${t} (kind ${t % 4}) raised a non-QstError: ${(e as Error).stack}`);
        expect((e as Error).message).toContain(file);
        outcomes.rejected++;
      }
      expect(Date.now() - started).toBeLessThan(5000);
      fs.rmSync(file);
    }
    expect(outcomes.rejected).toBeGreaterThan(200);
  });

  it("corrupt files through the CLI: exit 1, one line, no stack trace", () => {
    const rng = new Rng(7);
    for (let t = 0; t < 12; t++) {
      const file = path.join(dir, `cli${t}.h5`);
      fs.writeFileSync(file, corrupt(rng, t % 4));
      const r = qst(["train", file, "--epochs", "1", "--out", path.join(dir, `cli${t}.json`), "--quiet"]);
      if (r.status !== 0) {
        expect(r.status).toBe(1);
        expect(r.stderr.trim().split("\n")).toHaveLength(1);
        expect(fs.existsSync(path.join(dir, `cli${t}.json`))).toBe(false);
      }
    }
  });
});
