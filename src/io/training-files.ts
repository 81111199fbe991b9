/**
 * The callbacks of Driver.run() that write qst's files: the per-epoch JSON-lines log and
 * checkpoints (model files with the driver's state, from which a run continues bit for bit).
 */
import fs from "node:fs";
import { writeAtomicSync } from "../core/atomic.js";
import type { Callback, Driver, EpochRecord, RunEnd } from "../train/driver.js";
import { modelFile, saveModelFile, type ModelFile } from "./model-file.js";

/**
 * Appends every epoch's record to `path` as one JSON line. On a resumed run (`resumedAt` = the
 * checkpoint's epoch) the lines up to that epoch are kept, so the log reads as one uninterrupted
 * run; otherwise the file starts empty.
 */
export class JsonlLog implements Callback {
  constructor(
    readonly path: string,
    private readonly resumedAt: number | null = null,
  ) {}

  onStart(): void {
    const kept =
      this.resumedAt !== null && fs.existsSync(this.path)
        ? fs
            .readFileSync(this.path, "utf8")
            .split("\n")
            .filter((l) => l.trim() && epochOf(l) <= this.resumedAt!)
            .map((l) => l + "\n")
            .join("")
        : "";
    writeAtomicSync(this.path, kept);
  }

  onEpochEnd(driver: Driver, record: EpochRecord): void {
    // the negative phase in use (auto may switch to pt during the run)
    fs.appendFileSync(
      this.path,
      JSON.stringify({ ...record, negative_phase: driver.average.report().negativePhase }) + "\n",
    );
  }
}

function epochOf(line: string): number {
  try {
    return Number(JSON.parse(line).epoch);
  } catch {
    return Infinity;
  }
}

/**
 * Writes a checkpoint to `path` every `every` epochs (0: never on a schedule) and whenever the run
 * stops early; never after a failure, so the last good checkpoint survives a divergence.
 */
export class Checkpointer implements Callback {
  constructor(
    readonly path: string,
    private readonly every: number,
    private readonly sections: () => Pick<ModelFile, "provenance" | "training">,
  ) {}

  onEpochEnd(driver: Driver): void {
    if (this.every > 0 && driver.epoch % this.every === 0) this.write(driver);
  }

  onEnd(driver: Driver, end: RunEnd): void {
    if (end.reason === "stopped") this.write(driver);
  }

  write(driver: Driver): void {
    saveModelFile(
      this.path,
      modelFile(driver.model, { ...this.sections(), trainer: driver.getState() as ModelFile["trainer"] }),
    );
  }
}
