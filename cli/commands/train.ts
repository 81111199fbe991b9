/**
 * qst train DATA: reconstruct the wavefunction behind a measurement file.
 *
 * Order of work: validate everything (data, options, resume checkpoint) before any file is
 * created; then train epoch by epoch, appending to the log, checkpointing, and yielding to the
 * event loop so that Ctrl-C / SIGTERM are noticed between epochs and answered with a checkpoint.
 */
import fs from "node:fs";
import path from "node:path";
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import { writeAtomicSync } from "../../src/core/atomic.js";
import { QstError, ensure } from "../../src/core/errors.js";
import { MAX_EXACT_QUBITS } from "../../src/nn/enumeration.js";
import {
  STREAM_THRESHOLD_BYTES, openMeasurementStream, peekShape, readMeasurements, type MeasurementData, type ShotSource,
} from "../../src/io/measurement-file.js";
import { MODEL_FORMAT, MODEL_FORMAT_VERSION, qstVersion, readModelFile, saveModelFile, sha256OfFile, type ModelFile } from "../../src/io/model-file.js";
import { DEFAULTS, Trainer, TrainingDivergedError, resolveOptions, type EpochRecord, type TomographyTrainer, type TrainOptions, type TrainerState } from "../../src/train/trainer.js";
import { COMPLEX_DEFAULTS, EXACT_NEGATIVE_PHASE_AUTO_MAX } from "../../src/nn/complex.js";
import { fmt, handler, printJson } from "../common.js";
import { Progress } from "../progress.js";
import { dataOptions, readOptionsFrom } from "./shared-options.js";

interface TrainArgs {
  data: string;
  hidden?: number;
  epochs?: number;
  lr?: number;
  optimizer?: "sgd" | "adam";
  momentum?: number;
  schedule?: "constant" | "cosine";
  method?: "pcd" | "cd";
  k?: number;
  batch?: number;
  chains?: number;
  seed?: number;
  "weight-decay"?: number;
  "eval-every"?: number;
  model?: "auto" | "positive" | "complex";
  out?: string;
  log?: string;
  checkpoint?: string;
  "checkpoint-every": number;
  resume?: string;
  "stop-after"?: number;
  stream?: boolean;
  "negative-phase": "auto" | "pcd" | "exact";
  "phase-hidden"?: number;
  json: boolean;
  quiet: boolean;
  "samples-path"?: string;
  "bases-path"?: string;
  "psi-path"?: string;
  psi?: string;
  "bases-file"?: string;
}

/** Builds the trainer for a model kind; the complex model registers itself here. */
export type TrainerFactory = (data: MeasurementData, options: TrainOptions, state?: TrainerState, shots?: ShotSource) => TomographyTrainer;
const factories: Record<string, TrainerFactory> = {
  positive: (data, options, state, shots) => {
    if (data.bases) {
      throw new QstError(
        `${data.source}: the shots were measured in rotated (X/Y) bases, but a positive RBM (ψ = sqrt(p)) only describes Z-basis statistics and cannot learn phases; train the complex model (--model complex)`,
      );
    }
    return new Trainer(shots ?? data.samples, data.nQubits, data.psi, options, state);
  },
};
export function registerTrainer(kind: string, factory: TrainerFactory): void {
  factories[kind] = factory;
}

function stem(p: string): string {
  return path.basename(p).replace(/\.(h5|hdf5|txt|dat|json)$/i, "");
}

export const trainCommand: CommandModule<object, TrainArgs> = {
  command: "train <data>",
  describe: "Train an RBM wavefunction on a measurement file (PCD); report fidelity and KL when the file has ground truth",
  builder: (y: Argv) =>
    dataOptions(y)
      .positional("data", { type: "string", describe: "measurement file (HDF5, or QuCumber text)", demandOption: true })
      .option("hidden", { type: "number", describe: "hidden units (default: N, the number of qubits)" })
      .option("epochs", { type: "number", describe: `passes over the data (default ${DEFAULTS.epochs})` })
      .option("lr", { type: "number", describe: `learning rate (default ${DEFAULTS.learningRate})` })
      .option("optimizer", { choices: ["sgd", "adam"] as const, describe: `optimiser (default ${DEFAULTS.optimizer})` })
      .option("momentum", { type: "number", describe: `SGD momentum (default ${DEFAULTS.momentum})` })
      .option("schedule", { choices: ["constant", "cosine"] as const, describe: `learning-rate schedule (default ${DEFAULTS.schedule})` })
      .option("method", { choices: ["pcd", "cd"] as const, describe: `persistent chains (pcd) or CD-k restarted at the data (default ${DEFAULTS.method})` })
      .option("k", { type: "number", describe: `Gibbs sweeps per update (default ${DEFAULTS.k})` })
      .option("batch", { type: "number", describe: `mini-batch size (default ${DEFAULTS.batchSize})` })
      .option("chains", { type: "number", describe: `persistent chains for the negative phase (default ${DEFAULTS.chains})` })
      .option("seed", { type: "number", describe: `random seed; the same seed gives a bit-identical model (default ${DEFAULTS.seed})` })
      .option("weight-decay", { type: "number", describe: `L2 penalty on the weights (default ${DEFAULTS.weightDecay})` })
      .option("eval-every", { type: "number", describe: `exact fidelity/KL/NLL every E epochs when N is small enough (default ${DEFAULTS.evalEvery}; 0 = only at the end)` })
      .option("model", { choices: ["auto", "positive", "complex"] as const, default: "auto" as const, describe: "wavefunction model: auto picks complex when the file has X/Y bases" })
      .option("out", { type: "string", describe: "model file to write (default <data>.model.json in the current directory)" })
      .option("log", { type: "string", describe: "per-epoch log, JSON lines (default <out>.log.jsonl)" })
      .option("checkpoint", { type: "string", describe: "checkpoint file (default <out>.ckpt.json)" })
      .option("checkpoint-every", { type: "number", default: 0, describe: "write a checkpoint every K epochs (0 = only when interrupted)" })
      .option("negative-phase", {
        choices: ["auto", "pcd", "exact"] as const, default: "auto" as const,
        describe: `the model average ⟨∂F⟩ from persistent chains (pcd) or by enumerating 2^N states (exact, N ≤ 16); auto = pcd for the positive model, exact for the complex model when N ≤ ${EXACT_NEGATIVE_PHASE_AUTO_MAX}`,
      })
      .option("phase-hidden", { type: "number", describe: "complex model: hidden units of the phase RBM (default: --hidden)" })
      .option("stream", { type: "boolean", describe: `read the shots block by block from the file (bounded memory); default: only when they exceed ${STREAM_THRESHOLD_BYTES / 2 ** 20} MiB` })
      .option("stop-after", { type: "number", describe: "stop after this epoch with a checkpoint, as if interrupted (to split a run over batch-queue slots)" })
      .option("resume", { type: "string", describe: "continue a run from a checkpoint (bit-identical to an uninterrupted run)" })
      .option("json", { type: "boolean", default: false, describe: "print the result as one JSON object on the last stdout line" })
      .option("quiet", { type: "boolean", default: false, describe: "no progress output" }) as unknown as Argv<TrainArgs>,
  handler: handler(train),
};

async function train(args: ArgumentsCamelCase<TrainArgs>): Promise<void> {
  // Z-basis files too large to hold in memory are read block by block (bounded memory).
  const shape = await peekShape(args.data, readOptionsFrom(args));
  const wantStream = args.stream ?? (shape !== null && !shape.hasBases && shape.nShots * shape.nQubits > STREAM_THRESHOLD_BYTES);
  const streamed = wantStream ? await openMeasurementStream(args.data, readOptionsFrom(args)) : null;
  const data = streamed?.meta ?? (await readMeasurements(args.data, readOptionsFrom(args)));
  const resumed = args.resume ? readCheckpoint(args.resume) : null;
  const kind = args.model === "auto" || args.model === undefined ? (resumed?.modelKind ?? (data.bases ? "complex" : "positive")) : args.model;
  const factory = factories[kind];
  ensure(factory, `the ${kind} model is not available in this version of qst`);

  const cli: Partial<TrainOptions> = {
    nHidden: args.hidden, epochs: args.epochs, learningRate: args.lr, optimizer: args.optimizer, momentum: args.momentum,
    schedule: args.schedule, method: args.method, k: args.k, batchSize: args.batch, chains: args.chains, seed: args.seed,
    weightDecay: args["weight-decay"], evalEvery: args["eval-every"],
    // The positive model keeps PCD unless exact is asked for (auto means PCD here).
    negativePhase: args["negative-phase"] === "exact" ? "exact" : undefined,
  };
  // The complex model converges more slowly (two RBMs, rotated bases): its own defaults, unless given.
  if (kind === "complex") {
    cli.epochs ??= COMPLEX_DEFAULTS.epochs;
    cli.learningRate ??= COMPLEX_DEFAULTS.learningRate;
  }
  // On resume the checkpoint's options rule (only the number of epochs may be extended).
  const options = resolveOptions(data.nQubits, resumed ? { ...resumed.options, epochs: args.epochs ?? resumed.options.epochs } : cli);
  ensure(kind !== "complex" || options.weightDecay === 0, `--weight-decay is implemented for the positive model only`);
  if (kind === "complex" && !resumed) {
    // Gibbs chains of an amplitude RBM confined to a symmetry sector (e.g. S^z = 0 of the
    // Heisenberg chain) mix too slowly for PCD; for small N the exact average is cheap.
    const negativePhase = args["negative-phase"] === "auto" ? (data.nQubits <= EXACT_NEGATIVE_PHASE_AUTO_MAX ? "exact" : "pcd") : args["negative-phase"];
    Object.assign(options, { negativePhase, nHiddenPhase: args["phase-hidden"] });
  } else if (kind !== "complex") {
    ensure(args["phase-hidden"] === undefined, `--phase-hidden is for the complex model (data with X/Y bases)`);
  }
  if (resumed) {
    ensure(resumed.nQubits === data.nQubits, `${args.resume}: the checkpoint is for N = ${resumed.nQubits} qubits but ${args.data} has N = ${data.nQubits}`);
    const hash = sha256OfFile(args.data);
    ensure(!resumed.dataSha256 || resumed.dataSha256 === hash, `${args.resume}: the checkpoint was trained on a different data file (SHA-256 differs from ${args.data})`);
    ensure(resumed.state.epoch <= options.epochs, `${args.resume}: the checkpoint is at epoch ${resumed.state.epoch}, beyond --epochs ${options.epochs}`);
  }
  const exactPossible = data.nQubits <= MAX_EXACT_QUBITS;
  const out = args.out ?? `${stem(args.data)}.model.json`;
  const base = out.replace(/\.json$/i, "");
  const logPath = args.log ?? `${base}.log.jsonl`;
  const checkpointPath = args.checkpoint ?? `${base}.ckpt.json`;
  for (const p of [out, logPath, checkpointPath]) ensure(fs.existsSync(path.dirname(path.resolve(p))), `${p}: the directory does not exist`);
  ensure(Number.isInteger(args["checkpoint-every"]) && args["checkpoint-every"] >= 0, `--checkpoint-every must be an integer ≥ 0`);
  const stopAfter = args["stop-after"];
  ensure(stopAfter === undefined || (Number.isInteger(stopAfter) && stopAfter > 0), `--stop-after must be a positive integer`);

  if (streamed && kind !== "positive") throw new QstError(`${args.data}: the ${kind} model cannot stream a file of this size; use the positive model`);
  if (streamed && !args.quiet) process.stderr.write(`qst: ${data.nShots} shots (${(data.nShots * data.nQubits / 2 ** 20).toFixed(0)} MiB): streaming from the file in blocks\n`);
  const trainer = factory(data, options, resumed?.state, streamed?.shots);
  const dataSha256 = sha256OfFile(args.data);
  const modelFile = (extra: Partial<ModelFile> = {}): ModelFile => ({
    format: MODEL_FORMAT,
    version: MODEL_FORMAT_VERSION,
    ...trainer.modelSections(),
    training: { ...options },
    provenance: {
      qstVersion: qstVersion(),
      created: new Date().toISOString(),
      data: path.resolve(args.data),
      dataSha256,
      seed: options.seed,
      command: "qst " + process.argv.slice(2).join(" "),
    },
    ...extra,
  });
  const writeCheckpoint = () => saveModelFile(checkpointPath, modelFile({ trainer: trainer.getState() as ModelFile["trainer"] }));

  // The log keeps the epochs up to the checkpoint on resume, so it reads as one uninterrupted run.
  const keptLog = resumed && fs.existsSync(logPath)
    ? fs.readFileSync(logPath, "utf8").split("\n").filter((l) => l.trim() && safeEpoch(l) <= resumed.state.epoch).map((l) => l + "\n").join("")
    : "";
  writeAtomicSync(logPath, keptLog);

  let stop: string | null = null;
  const onSignal = (signal: string) => () => {
    if (stop) process.exit(130); // a second Ctrl-C: leave at once (outputs are atomic, nothing half-written)
    stop = signal;
    if (!args.quiet) process.stderr.write(`\nqst: ${signal} received, finishing the current epoch and writing a checkpoint (press again to quit at once)\n`);
  };
  const sigint = onSignal("SIGINT"), sigterm = onSignal("SIGTERM");
  process.on("SIGINT", sigint);
  process.on("SIGTERM", sigterm);

  const progress = new Progress(options.epochs, "training", args.quiet);
  let last: Record<string, number | undefined> = {};
  let lastRecord: EpochRecord | null = null;
  const evalNow = (epoch: number) => exactPossible && ((options.evalEvery > 0 && epoch % options.evalEvery === 0) || epoch === options.epochs);
  try {
    while (trainer.epoch < options.epochs) {
      const record: EpochRecord = trainer.runEpoch();
      if (evalNow(record.epoch)) {
        last = trainer.evaluate();
        Object.assign(record, pickMetrics(last));
      }
      lastRecord = record;
      fs.appendFileSync(logPath, JSON.stringify(record) + "\n");
      progress.update(record.epoch, { fidelity: last.fidelity, kl: last.kl, nll: last.nll });
      if (args["checkpoint-every"] > 0 && record.epoch % args["checkpoint-every"] === 0) writeCheckpoint();
      await new Promise((r) => setImmediate(r)); // let signals in
      if (stopAfter !== undefined && trainer.epoch >= stopAfter && trainer.epoch < options.epochs) {
        progress.done();
        writeCheckpoint();
        if (!args.quiet) process.stderr.write(`qst: stopped after epoch ${trainer.epoch} as asked; checkpoint written to ${checkpointPath}\n`);
        return;
      }
      if (stop) {
        progress.done();
        writeCheckpoint();
        process.stderr.write(`qst: stopped at epoch ${trainer.epoch}/${options.epochs}; checkpoint written to ${checkpointPath}; continue with\n  qst train ${args.data} --resume ${checkpointPath} --out ${out}\n`);
        process.exit(130);
      }
    }
  } catch (e) {
    progress.done();
    if (e instanceof TrainingDivergedError) {
      throw new QstError(`${args.data}: ${e.message}; no model written` + (fs.existsSync(checkpointPath) ? `; the last good checkpoint is ${checkpointPath}` : ""));
    }
    throw e;
  } finally {
    process.off("SIGINT", sigint);
    process.off("SIGTERM", sigterm);
  }
  progress.done();
  streamed?.shots.close();
  if (!exactPossible && !args.quiet) process.stderr.write(`qst: N = ${data.nQubits} > ${MAX_EXACT_QUBITS}: exact fidelity/KL/NLL skipped (enumeration of 2^N states)\n`);

  const metrics = pickMetrics(last);
  saveModelFile(out, modelFile({ metrics: metrics as Record<string, number> }));
  const result = {
    model: out,
    log: logPath,
    kind,
    epochs: trainer.epoch,
    train_time_s: lastRecord?.time_s ?? 0,
    streamed: streamed !== null,
    peak_rss_mb: process.resourceUsage().maxRSS / 1024,
    ...metrics,
  };
  if (args.json) printJson(result);
  else {
    process.stdout.write(`model written to ${out} (log: ${logPath})\n`);
    process.stdout.write(`epochs ${trainer.epoch}, training time ${fmt(result.train_time_s, 2)} s\n`);
    if (metrics.fidelity !== undefined) process.stdout.write(`fidelity ${fmt(metrics.fidelity, 6)}   KL ${fmt(metrics.kl, 6)}\n`);
    if (metrics.nll !== undefined) process.stdout.write(`NLL per shot ${fmt(metrics.nll, 6)}\n`);
  }
}

function pickMetrics(m: Record<string, number | undefined>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of ["fidelity", "kl", "nll", "logZ"]) if (m[k] !== undefined && Number.isFinite(m[k])) out[k] = m[k]!;
  for (const [k, v] of Object.entries(m)) if (!(k in out) && typeof v === "number" && Number.isFinite(v)) out[k] = v;
  return out;
}

function safeEpoch(line: string): number {
  try {
    return Number(JSON.parse(line).epoch);
  } catch {
    return Infinity;
  }
}

interface Resumed {
  options: TrainOptions;
  state: TrainerState;
  nQubits: number;
  dataSha256?: string;
  modelKind: string;
}

function readCheckpoint(file: string): Resumed {
  const m = readModelFile(file);
  ensure(m.trainer && m.training, `${file}: a model file, not a checkpoint (it has no trainer state)`);
  const nQubits = m.rbm?.nVisible ?? Object.values(m.rbms ?? {})[0]?.nVisible;
  ensure(nQubits, `${file}: the checkpoint has no RBM`);
  return {
    options: m.training as TrainOptions,
    state: m.trainer,
    nQubits,
    dataSha256: m.provenance?.dataSha256,
    modelKind: m.kind === "complex-rbm" ? "complex" : "positive",
  };
}
