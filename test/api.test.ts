/**
 * The public API as a user meets it: the examples in examples/ run as written, and a packed
 * install (npm pack, then npm install of the tarball into an empty folder) imports "qst" and runs
 * the `qst` command.
 */
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { lastJson } from "./helpers/cli.js";
import { tempDir } from "./helpers/files.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const DATA = path.join(root, "datasets/tfim_chain_N10_h1.h5");

function node(script: string, args: string[], cwd = root) {
  const r = spawnSync(process.execPath, [script, ...args], { cwd, encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("examples/", () => {
  it("train-tfim: log, checkpoint and a custom callback that stops at the target fidelity", () => {
    const out = tempDir("qst-example-");
    const r = node(path.join(root, "dist/examples/train-tfim.js"), [DATA, out]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const result = lastJson(r.stdout);
    // Stopped by the callback (at an evaluated epoch, a multiple of 5) with the target reached.
    expect(result.reason).toBe("stopped");
    expect(result.stoppedBy).toMatch(/^fidelity 0\.99\d+ ≥ 0\.995$/);
    expect(result.epoch % 5).toBe(0);
    expect(result.fidelity).toBeGreaterThanOrEqual(0.995);
    const log = fs
      .readFileSync(path.join(out, "tfim.log.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(log.map((l) => l.epoch)).toEqual(Array.from({ length: result.epoch }, (_, k) => k + 1));
    const checkpoint = JSON.parse(fs.readFileSync(path.join(out, "tfim.ckpt.json"), "utf8"));
    expect(checkpoint.trainer.epoch).toBe(result.epoch); // written when the run stopped
    const model = JSON.parse(fs.readFileSync(path.join(out, "tfim.model.json"), "utf8"));
    expect(model.metrics.fidelity).toBe(result.fidelity);
  });

  it("observe-energy: estimates with error bars beside the exact values", () => {
    const r = node(path.join(root, "dist/examples/observe-energy.js"), [DATA]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      const m = /: (-?[\d.]+) ± ([\d.]+) .*model exact (-?[\d.]+), ground truth (-?[\d.]+)/.exec(line);
      expect(m, line).not.toBeNull();
      const [mean, err, model] = [Number(m![1]), Number(m![2]), Number(m![3])];
      expect(Math.abs(mean - model)).toBeLessThan(5 * err); // sampling error covers the model's own value
    }
  });
});

describe("packed install", () => {
  it('npm pack, npm install of the tarball into an empty folder, then import from "qst" and run qst', () => {
    const dir = tempDir("qst-pack-");
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    const tarball = execFileSync(npm, ["pack", "--ignore-scripts", "--silent", "--pack-destination", dir], {
      cwd: root,
      encoding: "utf8",
    })
      .trim()
      .split("\n")
      .pop()!;
    const app = path.join(dir, "app");
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
    execFileSync(npm, ["install", "--prefer-offline", "--no-audit", "--no-fund", "--silent", path.join(dir, tarball)], {
      cwd: app,
      stdio: "pipe",
    });
    fs.writeFileSync(
      path.join(app, "main.js"),
      `
      import { driverFor, exactMetrics, readMeasurements, RbmWaveFunction } from "qst";
      const data = await readMeasurements(${JSON.stringify(DATA)});
      const driver = driverFor(data, { epochs: 3, seed: 1 });
      await driver.run();
      const m = exactMetrics(driver.model, data, data.psi);
      console.log(JSON.stringify({ kind: driver.model.kind, positive: driver.model instanceof RbmWaveFunction, fidelity: m.fidelity }));
    `,
    );
    const r = node(path.join(app, "main.js"), [], app);
    expect(r.stderr).toBe("");
    const out = lastJson(r.stdout);
    expect(out.kind).toBe("positive");
    expect(out.positive).toBe(true);
    expect(out.fidelity).toBeGreaterThan(0.5);
    const version = spawnSync(path.join(app, "node_modules/.bin/qst"), ["--version"], { encoding: "utf8" });
    expect(version.stdout.trim()).toBe(JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).version);
  }, 180_000);
});
