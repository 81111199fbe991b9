/** Model files are read strictly: no coercion of wrong types, no unknown or missing versions. */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { QstError } from "../src/core/errors.js";
import { Rng } from "../src/core/rng.js";
import { loadModel, modelFile, saveModelFile } from "../src/io/model-file.js";
import { RBM } from "../src/nn/rbm.js";
import { RbmWaveFunction } from "../src/nn/wavefunction.js";
import { tempDir } from "./helpers/files.js";

const dir = tempDir("qst-modelfile-");
const good = modelFile(RbmWaveFunction.positive(RBM.random(2, 2, new Rng(1))), {
  provenance: { qstVersion: "t", created: "now" },
});

function write(name: string, edit: (m: any) => void): string {
  const m = JSON.parse(JSON.stringify(good));
  edit(m);
  const p = path.join(dir, name);
  fs.writeFileSync(p, JSON.stringify(m));
  return p;
}

describe("model files", () => {
  it("a valid file round-trips bit for bit, and a version-1 file (kind positive-rbm, rbm) still reads", () => {
    const p = path.join(dir, "ok.json");
    saveModelFile(p, good);
    expect(Array.from(loadModel(p).wavefunction.params)).toEqual(
      good.rbms.amplitude.weights.flat().concat(good.rbms.amplitude.visibleBias, good.rbms.amplitude.hiddenBias),
    );
    const v1 = write("v1.json", (m) => {
      m.version = 1;
      m.kind = "positive-rbm";
      m.rbm = m.rbms.amplitude;
      delete m.rbms;
    });
    expect(loadModel(v1).wavefunction.kind).toBe("positive");
  });

  const cases: [string, (m: any) => void, RegExp][] = [
    [
      "a weight that is a string",
      (m) => (m.rbms.amplitude.weights[0][1] = "0.5"),
      /weights\[0\] entry 1 must be a finite number, got "0\.5"/,
    ],
    [
      "a weight that is null",
      (m) => (m.rbms.amplitude.weights[1][0] = null),
      /weights\[1\] entry 0 must be a finite number, got null/,
    ],
    ["a weight that is true", (m) => (m.rbms.amplitude.weights[0][0] = true), /must be a finite number, got true/],
    [
      "a weight that is an array",
      (m) => (m.rbms.amplitude.weights[0][0] = [0.5]),
      /must be a finite number, got \[0\.5\]/,
    ],
    [
      "a bias that is a string",
      (m) => (m.rbms.amplitude.hiddenBias[0] = "1e3"),
      /hiddenBias entry 0 must be a finite number, got "1e3"/,
    ],
    ["a version that is a string", (m) => (m.version = "1"), /"version" must be a positive integer, got "1"/],
    ["no version", (m) => delete m.version, /has no "version"/],
    ["version −5", (m) => (m.version = -5), /"version" must be a positive integer, got -5/],
    ["version 0", (m) => (m.version = 0), /"version" must be a positive integer, got 0/],
    ["a newer version", (m) => (m.version = 99), /version 99 is newer than this qst understands \(3\)/],
    [
      "an unknown kind",
      (m) => (m.kind = "tensor-network"),
      /unknown model kind "tensor-network" \(known: positive, complex, density\)/,
    ],
    ["a complex model without its phase", (m) => (m.kind = "complex"), /a complex model needs "rbms"/],
  ];
  for (const [label, edit, message] of cases) {
    it(`refuses ${label} with one line naming the file`, () => {
      const p = write(`${label.replace(/\W+/g, "_")}.json`, edit);
      let caught: unknown;
      try {
        loadModel(p);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(QstError);
      expect((caught as Error).message).toContain(p);
      expect((caught as Error).message).toMatch(message);
      expect((caught as Error).message).not.toContain("\n");
    });
  }
});
