/**
 * Golden models: the weights that fixed seeds produce, as SHA-256 of the parameters. Written before
 * the training layer was redesigned (one driver, one wavefunction family) and kept since: a
 * refactor of the layer above the numerical code must leave every trained model bit-identical.
 *
 * Runs through the CLI so that it does not depend on the library's internal names. To regenerate
 * after a change that is *meant* to alter the numbers: GOLDEN_UPDATE=1 npx vitest run test/golden.test.ts
 * (and say why in the commit message).
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { qst } from "./helpers/cli.js";
import { tempDir } from "./helpers/files.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const DATA = path.resolve(here, "../datasets");
const GOLDEN_FILE = path.join(here, "golden/models.json");
const update = process.env.GOLDEN_UPDATE === "1";
const golden: Record<string, string> = fs.existsSync(GOLDEN_FILE)
  ? JSON.parse(fs.readFileSync(GOLDEN_FILE, "utf8"))
  : {};

/** SHA-256 of every RBM's parameters in the model file (weights row by row, then biases). */
function parameterHash(modelFile: string): string {
  const m = JSON.parse(fs.readFileSync(modelFile, "utf8"));
  const rbms = [m.rbms.amplitude, m.rbms.phase].filter(Boolean);
  const numbers = rbms.flatMap((r: any) => [...r.weights.flat(), ...r.visibleBias, ...r.hiddenBias]);
  return crypto
    .createHash("sha256")
    .update(Buffer.from(new Float64Array(numbers).buffer))
    .digest("hex");
}

const CASES: { name: string; data: string; args: string[] }[] = [
  { name: "positive default (tfim N10 h1)", data: "tfim_chain_N10_h1.h5", args: [] },
  { name: "positive cd-k", data: "tfim_chain_N10_h1.h5", args: ["--method", "cd", "--epochs", "10"] },
  { name: "positive uncentred", data: "tfim_chain_N10_h1.h5", args: ["--centering", "off", "--epochs", "10"] },
  {
    name: "positive exact negative phase",
    data: "tfim_chain_N10_h0.5.h5",
    args: ["--negative-phase", "exact", "--epochs", "10"],
  },
  {
    name: "positive sgd, constant schedule, weight decay",
    data: "tfim_chain_N10_h2.h5",
    args: ["--optimizer", "sgd", "--schedule", "constant", "--weight-decay", "1e-3", "--epochs", "10", "--seed", "7"],
  },
  { name: "positive streamed", data: "tfim_chain_N10_h1.h5", args: ["--stream", "--epochs", "10"] },
  {
    name: "complex exact negative phase (heisenberg N8)",
    data: "heisenberg_chain_N8_torlai.h5",
    args: ["--negative-phase", "exact", "--epochs", "3", "--sector", "off"],
  },
  {
    name: "complex pcd (heisenberg N8)",
    data: "heisenberg_chain_N8_torlai.h5",
    args: ["--negative-phase", "pcd", "--epochs", "2", "--phase-hidden", "6", "--exchange", "off", "--sector", "off"],
  },
  {
    name: "complex pcd with exchange moves (heisenberg N8)",
    data: "heisenberg_chain_N8_torlai.h5",
    args: ["--negative-phase", "pcd", "--epochs", "1", "--phase-hidden", "6", "--sector", "off"],
  },
  {
    name: "complex pcd in its magnetisation sector (heisenberg N8)",
    data: "heisenberg_chain_N8_torlai.h5",
    args: ["--negative-phase", "pcd", "--epochs", "1", "--phase-hidden", "6"],
  },
];

describe("golden models: fixed seeds give the same weights, bit for bit", () => {
  const dir = tempDir("qst-golden-");
  for (const c of CASES) {
    it(c.name, () => {
      const out = path.join(dir, c.name.replace(/\W+/g, "_") + ".json");
      const r = qst(["train", path.join(DATA, c.data), "--out", out, "--quiet", "--eval-every", "0", ...c.args]);
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      const hash = parameterHash(out);
      if (update) golden[c.name] = hash;
      else expect(hash, `golden weights of "${c.name}" changed`).toBe(golden[c.name]);
    });
  }
  if (update) it("writes the golden file", () => fs.writeFileSync(GOLDEN_FILE, JSON.stringify(golden, null, 2) + "\n"));
});
