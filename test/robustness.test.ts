/**
 * Long runs: divergence stops cleanly, and a run killed at any moment (SIGKILL: no chance to clean
 * up) leaves every output either as it was or complete, never half-written.
 */
import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { qst, qstAsync } from "./helpers/cli.js";
import { tempDir } from "./helpers/files.js";
import { writeTargetFile } from "./helpers/targets.js";

const dir = tempDir("qst-robust-");
const p = (name: string) => path.join(dir, name);

beforeAll(async () => {
  await writeTargetFile(p("target.h5"), 6, 2000, 3);
});

describe("diverging training", () => {
  it("stops with a message, writes no model, keeps the last good checkpoint", () => {
    const good = qst([
      "train",
      p("target.h5"),
      "--epochs",
      "2",
      "--checkpoint-every",
      "1",
      "--out",
      p("div.json"),
      "--quiet",
    ]);
    expect(good.status).toBe(0);
    fs.rmSync(p("div.json"));
    const before = fs.readFileSync(p("div.ckpt.json"), "utf8");
    const r = qst([
      "train",
      p("target.h5"),
      "--epochs",
      "2",
      "--lr",
      "1e308",
      "--checkpoint-every",
      "1",
      "--out",
      p("div.json"),
      "--quiet",
      "--force",
    ]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /training diverged at epoch 1: a parameter became (NaN|-?Infinity) \(try a smaller --lr\); no model written; the last good checkpoint is .*div\.ckpt\.json/,
    );
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(fs.existsSync(p("div.json"))).toBe(false);
    expect(fs.readFileSync(p("div.ckpt.json"), "utf8")).toBe(before);
  });
});

describe("a run killed mid-write", () => {
  it("leaves the old model or a complete new one, and a valid checkpoint, whenever it is killed", async () => {
    // A wide model makes every write take long enough to be hit by the kill now and then.
    const args = [
      "train",
      p("target.h5"),
      "--hidden",
      "600",
      "--epochs",
      "100000",
      "--eval-every",
      "0",
      "--checkpoint-every",
      "1",
      "--out",
      p("kill.json"),
      "--quiet",
      "--force",
    ];
    fs.writeFileSync(p("kill.ckpt.json"), "OLD CHECKPOINT");
    let replaced = 0;
    for (let trial = 0; trial < 6; trial++) {
      const log = p("kill.log.jsonl");
      fs.rmSync(log, { force: true });
      const child = qstAsync(args);
      // Kill at a different moment of each run once it is training (its log has begun), however loaded the machine.
      const started = Date.now();
      while (Date.now() - started < 60_000 && !(fs.existsSync(log) && fs.statSync(log).size > 0)) {
        await new Promise((r) => setTimeout(r, 20));
      }
      await new Promise((r) => setTimeout(r, 137 * trial));
      child.kill("SIGKILL");
      await new Promise((r) => child.on("exit", r));
      const text = fs.readFileSync(p("kill.ckpt.json"), "utf8");
      if (text !== "OLD CHECKPOINT") {
        const ckpt = JSON.parse(text); // throws if half-written
        expect(ckpt.format).toBe("qst-model");
        expect(ckpt.trainer.epoch).toBeGreaterThan(0);
        expect(ckpt.rbms.amplitude.weights).toHaveLength(6);
        replaced++;
      }
      // The log is appended line by line: every complete line parses.
      if (fs.existsSync(p("kill.log.jsonl"))) {
        const lines = fs.readFileSync(p("kill.log.jsonl"), "utf8").split("\n");
        for (const line of lines.slice(0, -1)) expect(() => JSON.parse(line)).not.toThrow();
      }
    }
    expect(replaced).toBeGreaterThan(0); // the runs did get as far as writing checkpoints
  });
});
