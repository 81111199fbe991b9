/**
 * Ensembles on the command line (docs/trust.md): `qst train DATA --bootstrap K --out DIR` trains the
 * model on all shots (member 0) and K models on half the shots each (members 1…K) into the folder DIR;
 * `--member i` trains member i alone, so that a job array fills the folder (scripts/cluster/). Each
 * member is deterministic: its shots and seed derive from --seed and its index.
 */
import fs from "node:fs";
import path from "node:path";
import {
  Driver,
  ensure,
  EvaluateEvery,
  exactMetrics,
  finiteValues,
  halfSampleMember,
  JsonlLog,
  MAX_EXACT_QUBITS,
  type MeasurementData,
  type ModelKind,
  modelFile,
  saveModelFile,
  ShotBlocks,
  type Shots,
  type TrainOptions,
  writeManifest,
} from "../src/index.js";
import { memberFileName } from "../src/io/ensemble.js";
import { qstVersion, sha256OfFile } from "../src/io/model-file.js";

export interface EnsembleRun {
  dir: string;
  /** Half-sample members K (the folder holds K + 1 models). */
  halfSamples: number;
  /** Only this member, or all of them. */
  member?: number;
  quiet: boolean;
}

/** Trains the asked members into the folder; returns what was written, for --json. */
export async function trainEnsemble(
  run: EnsembleRun,
  dataFile: string,
  data: MeasurementData,
  kind: ModelKind,
  options: TrainOptions,
  command: string,
) {
  const K = run.halfSamples;
  ensure(
    Number.isInteger(K) && K >= 2,
    `--bootstrap must be an integer ≥ 2 (half-sample models besides the full one), got ${K}`,
  );
  const members = run.member === undefined ? Array.from({ length: K + 1 }, (_, i) => i) : [run.member];
  ensure(
    members.every((i) => Number.isInteger(i) && i >= 0 && i <= K),
    `--member must be an integer from 0 to ${K}, got ${run.member}`,
  );
  ensure(
    !fs.existsSync(run.dir) || fs.statSync(run.dir).isDirectory(),
    `${run.dir}: --out of an ensemble must be a folder`,
  );
  const dataSha256 = sha256OfFile(dataFile);
  writeManifest(run.dir, {
    members: K + 1,
    seed: options.seed,
    data: path.resolve(dataFile),
    dataSha256,
    method: "half-sample",
  });
  const written: { member: number; model: string; shots: number; fidelity?: number }[] = [];
  for (const i of members) {
    const { shots, seed } = memberData(data, options.seed, i);
    const memberOptions = { ...options, seed };
    const driver = new Driver(kind, new ShotBlocks(shots, data.nQubits), memberOptions);
    const exact = data.nQubits <= MAX_EXACT_QUBITS;
    const evaluation = new EvaluateEvery(0, (d) => exactMetrics(d.model, shots, data.psi));
    const file = path.join(run.dir, memberFileName(i));
    await driver.run([...(exact ? [evaluation] : []), new JsonlLog(file.replace(/\.model\.json$/, ".log.jsonl"))]);
    const metrics = exact ? evaluation.last : finiteValues({});
    saveModelFile(
      file,
      modelFile(driver.model, {
        training: { ...memberOptions, member: i, halfSamples: K },
        provenance: {
          qstVersion: qstVersion(),
          created: new Date().toISOString(),
          data: path.resolve(dataFile),
          dataSha256,
          seed,
          command,
        },
        metrics,
      }),
    );
    written.push({
      member: i,
      model: file,
      shots: shots.nShots,
      ...(metrics.fidelity !== undefined ? { fidelity: metrics.fidelity } : {}),
    });
    if (!run.quiet) process.stderr.write(`qst: member ${i} of ${run.dir} (${shots.nShots} shots) written\n`);
  }
  return { ensemble: run.dir, members: K + 1, method: "half-sample", written };
}

/** Member 0 trains on all shots with the run's seed; member i ≥ 1 on half of them (halfSampleMember). */
function memberData(data: Shots, seed: number, i: number): { shots: Shots; seed: number } {
  if (i === 0) return { shots: data, seed };
  const m = halfSampleMember(data, seed, i);
  return { shots: m.shots, seed: m.trainSeed };
}
