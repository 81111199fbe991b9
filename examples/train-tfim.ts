/**
 * Train an RBM wavefunction on the shipped TFIM chain (N = 10, h = J = 1, 10^4 Z-basis shots)
 * through qst's API: exact fidelity every 5 epochs, a JSON-lines log, a checkpoint every 10
 * epochs, and a callback of our own that stops the run once the fidelity passes a target.
 *
 *   npm run build && node dist/examples/train-tfim.js [DATA.h5] [OUT_DIR]
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  Checkpointer,
  EvaluateEvery,
  JsonlLog,
  driverFor,
  exactMetrics,
  modelFile,
  readMeasurements,
  saveModelFile,
  type Callback,
} from "qst";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const dataFile = process.argv[2] ?? path.join(root, "datasets/tfim_chain_N10_h1.h5");
const outDir = process.argv[3] ?? ".";
fs.mkdirSync(outDir, { recursive: true });

const data = await readMeasurements(dataFile);
// The positive model (the file has Z-basis shots only), qst's defaults but for 100 epochs at most.
const driver = driverFor(data, { epochs: 100, seed: 7 });

// Evaluation first, so that the callbacks after it see the fidelity in the epoch's record.
const evaluation = new EvaluateEvery(5, (d) => exactMetrics(d.model, data, data.psi));
const TARGET = 0.995;
const stopAtTarget: Callback = {
  onEpochEnd(d, record) {
    if (record.fidelity !== undefined && record.fidelity >= TARGET)
      d.requestStop(`fidelity ${record.fidelity.toFixed(4)} ≥ ${TARGET}`);
  },
};
const provenance = {
  qstVersion: "example",
  created: new Date().toISOString(),
  data: dataFile,
  seed: driver.options.seed,
};
const sections = () => ({ training: { ...driver.options }, provenance });

const result = await driver.run([
  evaluation,
  stopAtTarget,
  new JsonlLog(path.join(outDir, "tfim.log.jsonl")),
  new Checkpointer(path.join(outDir, "tfim.ckpt.json"), 10, sections),
]);

saveModelFile(
  path.join(outDir, "tfim.model.json"),
  modelFile(driver.model, { ...sections(), metrics: evaluation.last }),
);
console.log(JSON.stringify({ ...result, epoch: driver.epoch, train_time_s: driver.elapsed, ...evaluation.last }));
