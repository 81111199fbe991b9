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
import {
  type Callback,
  AUTO_EXACT_LOGZ_QUBITS,
  COMPLEX_DEFAULTS,
  CYCLE_NLL_TOLERANCE,
  DENSITY_DEFAULTS,
  DEFAULTS,
  Driver,
  type DriverState,
  EarlyStopping,
  ensure,
  EvaluateEvery,
  heldOutNll,
  holdOut,
  KeepBest,
  logZEstimate,
  type MeasurementData,
  type Shots,
  type ShotSource,
  EXACT_NEGATIVE_PHASE_AUTO_MAX,
  exactMetrics,
  finiteValues,
  MAX_DENSITY_QUBITS,
  MAX_EXACT_QUBITS,
  LIKELIHOOD_WATCH_MAX_QUBITS,
  LikelihoodWatch,
  MAX_CYCLES,
  MIN_CYCLE_UPDATES,
  MIN_CYCLES,
  MixingAlarm,
  type ModelKind,
  QstError,
  resolveOptions,
  type RunResult,
  ShotBlocks,
  StopAfter,
  StopOnSignals,
  TrainingDivergedError,
  type TrainOptions,
} from "../../src/index.js";
import {
  STREAM_THRESHOLD_BYTES,
  openMeasurementStream,
  peekShape,
  readMeasurements,
} from "../../src/io/measurement-file.js";
import {
  modelFile,
  qstVersion,
  readModelFile,
  saveModelFile,
  sha256OfFile,
  type ModelFile,
} from "../../src/io/model-file.js";
import { Checkpointer, JsonlLog } from "../../src/io/training-files.js";
import { fmt, handler, printDataWarnings, printJson } from "../common.js";
import { trainEnsemble } from "../ensemble.js";
import { SLOW_DENSITY_METRICS_QUBITS, checkModelSize } from "../limits.js";
import { checkOutputs } from "../outputs.js";
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
  model?: "auto" | "positive" | "complex" | "density";
  aux?: number;
  "warm-start"?: "pure" | "none";
  out?: string;
  log?: string;
  checkpoint?: string;
  "checkpoint-every": number;
  resume?: string;
  "stop-after"?: number;
  validation?: number;
  logz: "exact" | "ais" | "auto";
  keep: "last" | "best";
  "early-stop"?: number;
  bootstrap?: number;
  member?: number;
  stream?: boolean;
  "negative-phase": "auto" | "pcd" | "cd" | "pt" | "exact";
  exchange: "auto" | "on" | "off";
  sector: "auto" | "off";
  centering: "on" | "off";
  averaging?: "on" | "off";
  "phase-hidden"?: number;
  json: boolean;
  quiet: boolean;
  force: boolean;
  exact: boolean;
  "samples-path"?: string;
  "bases-path"?: string;
  "psi-path"?: string;
  psi?: string;
  rho?: string;
  "bases-file"?: string;
}

function stem(p: string): string {
  return path.basename(p).replace(/\.(h5|hdf5|txt|dat|json)$/i, "");
}

export const trainCommand: CommandModule<object, TrainArgs> = {
  command: "train <data>",
  describe:
    "Train an RBM wavefunction on a measurement file (PCD); report fidelity and KL when the file has ground truth",
  builder: (y: Argv) =>
    dataOptions(y)
      .positional("data", { type: "string", describe: "measurement file (HDF5, or QuCumber text)", demandOption: true })
      .option("hidden", {
        type: "number",
        describe: "hidden units (default: N, the number of qubits; density model 2N)",
      })
      .option("epochs", {
        type: "number",
        describe: `passes over the data in one learning-rate cycle (default for the positive model with N ≤ ${LIKELIHOOD_WATCH_MAX_QUBITS}: until converged, cycles of ${DEFAULTS.epochs} epochs (more for a small file, so that a cycle has ${MIN_CYCLE_UPDATES} updates) repeated while the Z-basis NLL falls by > ${CYCLE_NLL_TOLERANCE} per shot, ${MIN_CYCLES}–${MAX_CYCLES} cycles; otherwise one such cycle; complex model ${COMPLEX_DEFAULTS.epochs}; density model ${DENSITY_DEFAULTS.epochs}, or more so that there are ${DENSITY_DEFAULTS.minUpdates} updates)`,
      })
      .option("lr", {
        type: "number",
        describe: `learning rate (default ${DEFAULTS.learningRate}; complex model ${COMPLEX_DEFAULTS.learningRate}; density model ${DENSITY_DEFAULTS.learningRate})`,
      })
      .option("optimizer", { choices: ["sgd", "adam"] as const, describe: `optimiser (default ${DEFAULTS.optimizer})` })
      .option("momentum", { type: "number", describe: `SGD momentum (default ${DEFAULTS.momentum})` })
      .option("schedule", {
        choices: ["constant", "cosine"] as const,
        describe: `learning-rate schedule (default ${DEFAULTS.schedule})`,
      })
      .option("method", { choices: ["pcd", "cd"] as const, describe: "former spelling of --negative-phase pcd|cd" })
      .option("k", { type: "number", describe: `Gibbs sweeps per update (default ${DEFAULTS.k})` })
      .option("batch", { type: "number", describe: `mini-batch size (default ${DEFAULTS.batchSize})` })
      .option("chains", {
        type: "number",
        describe: `persistent chains for the negative phase (default ${DEFAULTS.chains})`,
      })
      .option("seed", {
        type: "number",
        describe: `random seed; the same seed gives a bit-identical model (default ${DEFAULTS.seed})`,
      })
      .option("weight-decay", {
        type: "number",
        describe: `L2 penalty on the weights (default ${DEFAULTS.weightDecay})`,
      })
      .option("eval-every", {
        type: "number",
        describe: `exact fidelity/KL/NLL every E epochs when N is small enough (default ${DEFAULTS.evalEvery}; 0 = only at the end)`,
      })
      .option("model", {
        choices: ["auto", "positive", "complex", "density"] as const,
        default: "auto" as const,
        describe:
          "model: auto picks density when the file has a density matrix /rho (a mixed state), else complex when it has X/Y bases, else positive",
      })
      .option("out", {
        type: "string",
        describe: "model file to write (default <data>.model.json in the current directory)",
      })
      .option("log", { type: "string", describe: "per-epoch log, JSON lines (default <out>.log.jsonl)" })
      .option("checkpoint", { type: "string", describe: "checkpoint file (default <out>.ckpt.json)" })
      .option("checkpoint-every", {
        type: "number",
        default: 0,
        describe: "write a checkpoint every K epochs (0 = only when interrupted)",
      })
      .option("negative-phase", {
        choices: ["auto", "pcd", "cd", "pt", "exact"] as const,
        default: "auto" as const,
        describe: `the model average ⟨∂F⟩: persistent chains (pcd), CD-k chains restarted at the data (cd), persistent chains with parallel tempering (pt), or enumeration of 2^N states (exact, N ≤ 16); auto = pcd that switches to pt when its chains are measured not to mix (exact for the complex and density models when N ≤ ${EXACT_NEGATIVE_PHASE_AUTO_MAX})`,
      })
      .option("exchange", {
        choices: ["auto", "on", "off"] as const,
        default: "auto" as const,
        describe:
          "exchange moves of the chains (swap two unlike spins, Metropolis) after each update's Gibbs sweeps; auto: when every Z-basis shot has the same number of ones (one magnetisation sector, e.g. a Heisenberg ground state)",
      })
      .option("sector", {
        choices: ["auto", "off"] as const,
        default: "auto" as const,
        describe:
          "confine the model to the data's magnetisation sector (ψ = 0 where the number of ones differs; chains move by exchanges): auto when every Z-basis shot has the same number of ones (e.g. a Heisenberg ground state), off never",
      })
      .option("centering", {
        choices: ["on", "off"] as const,
        default: "on" as const,
        describe:
          "centre the amplitude RBM's gradient on the units' means (Melchior et al. 2016): the noise of cat-like branches stays out of the weights (positive and complex models)",
      })
      .option("averaging", {
        choices: ["on", "off"] as const,
        describe:
          "the trained model is the mean of the parameters over the second half of the last learning-rate cycle (iterate averaging), which removes the optimiser's jitter (default: on for the complex model, off otherwise)",
      })
      .option("phase-hidden", {
        type: "number",
        describe: "complex model: hidden units of the phase RBM (default: --hidden)",
      })
      .option("aux", {
        type: "number",
        describe: "density model: auxiliary units of the purification (default: 2N)",
      })
      .option("warm-start", {
        choices: ["pure", "none"] as const,
        describe:
          "density model: start from the pure state that fits the shots (pure, the default: a complex model is trained first) or from random parameters (none)",
      })
      .option("stream", {
        type: "boolean",
        describe: `read the shots block by block from the file (bounded memory); default: only when they exceed ${STREAM_THRESHOLD_BYTES / 2 ** 20} MiB`,
      })
      .option("stop-after", {
        type: "number",
        describe: "stop after this epoch with a checkpoint, as if interrupted (to split a run over batch-queue slots)",
      })
      .option("force", {
        type: "boolean",
        default: false,
        describe: "overwrite the model, log and checkpoint of an earlier run",
      })
      .option("exact", {
        type: "boolean",
        default: true,
        describe: "exact fidelity/KL/NLL against /psi when N ≤ 24 (--no-exact: train without reading /psi)",
      })
      .option("validation", {
        type: "number",
        describe: "hold out this fraction of the shots; their NLL (val_nll) is logged at every evaluation",
      })
      .option("logz", {
        choices: ["exact", "ais", "auto"] as const,
        default: "auto" as const,
        describe: "log Z for NLLs: enumeration, annealed importance sampling, or auto (exact up to N = 20)",
      })
      .option("keep", {
        choices: ["last", "best"] as const,
        default: "last" as const,
        describe: "write the last epoch's model, or the one with the lowest held-out NLL (needs --validation)",
      })
      .option("early-stop", {
        type: "number",
        describe: "stop when the held-out NLL has not improved for this many evaluations (needs --validation)",
      })
      .option("bootstrap", {
        type: "number",
        describe:
          "train an ensemble into the folder --out: the model on all shots and K models on half of them each, for error bars that include the reconstruction's error (docs/trust.md)",
      })
      .option("member", {
        type: "number",
        describe: "with --bootstrap: train member i (0 = all shots, 1…K) alone, e.g. in a job array",
      })
      .option("resume", {
        type: "string",
        describe: "continue a run from a checkpoint (bit-identical to an uninterrupted run)",
      })
      .option("json", {
        type: "boolean",
        default: false,
        describe: "print the result as one JSON object on the last stdout line",
      })
      .option("quiet", {
        type: "boolean",
        default: false,
        describe: "no progress output",
      }) as unknown as Argv<TrainArgs>,
  handler: handler(train),
};

async function train(args: ArgumentsCamelCase<TrainArgs>): Promise<void> {
  const ensemble = args.bootstrap !== undefined;
  ensure(ensemble || args.member === undefined, "--member is for ensembles: give --bootstrap K too");
  ensure(!ensemble || args.out !== undefined, "--bootstrap trains a folder of models: give --out FOLDER");
  const out = args.out ?? `${stem(args.data)}.model.json`;
  const base = out.replace(/\.json$/i, "");
  const logPath = args.log ?? `${base}.log.jsonl`;
  const checkpointPath = args.checkpoint ?? `${base}.ckpt.json`;
  // A resumed run continues its own files; a new one overwrites nothing without --force.
  const outputs = [
    { path: out, flag: "--out" },
    { path: logPath, flag: "--log" },
    { path: checkpointPath, flag: "--checkpoint" },
  ];
  if (!ensemble)
    checkOutputs(
      outputs,
      [
        { path: args.data, what: "data file" },
        ...(args.psi ? [{ path: args.psi, what: "psi file" }] : []),
        ...(args.rho ? args.rho.split(",").map((f) => ({ path: f.trim(), what: "rho file" })) : []),
        ...(args["bases-file"] ? [{ path: args["bases-file"], what: "bases file" }] : []),
        ...(args.resume ? [{ path: args.resume, what: "checkpoint to resume", mayBe: "--checkpoint" }] : []),
      ],
      {
        refuseExisting: !args.force && !args.resume,
        existingHint: "qst train overwrites an earlier run only with --force",
      },
    );
  // Files too large to hold in memory are read block by block (bounded memory).
  const shape = await peekShape(args.data, readOptionsFrom(args));
  checkModelSize(shape?.nQubits ?? 1, args.hidden, args.chains);
  // Without exact metrics (N > 24, or --no-exact) /psi is not read: it may be too large to hold.
  const skipPsi = !args.exact || (shape !== null && shape.nQubits > MAX_EXACT_QUBITS);
  const readOptions = { ...readOptionsFrom(args), skipPsi };
  const wantStream = args.stream ?? (shape !== null && shape.nShots * shape.nQubits > STREAM_THRESHOLD_BYTES);
  const streamed = wantStream ? await openMeasurementStream(args.data, readOptions) : null;
  const data = streamed?.meta ?? (await readMeasurements(args.data, readOptions));
  const hasBases = streamed ? streamed.shots.hasBases : data.bases !== null;
  const validation = validationSplit(args, data, streamed !== null);
  const resumed = args.resume ? readCheckpoint(args.resume) : null;
  // A density matrix in the file means a mixed state, read or not (--no-exact leaves it unread).
  const fileHasRho = Boolean(data.rho) || (shape?.hasRho ?? false) || readOptions.rhoFiles !== undefined;
  const kind: ModelKind =
    args.model === "auto" || args.model === undefined
      ? (resumed?.file.kind ?? (fileHasRho ? "density" : hasBases ? "complex" : "positive"))
      : args.model;
  ensure(
    !resumed || resumed.file.kind === kind,
    `${args.resume}: the checkpoint is of a ${resumed?.file.kind} model, not ${kind}`,
  );

  // On resume the checkpoint's options rule (only the number of epochs may be extended).
  const options = resolveOptions(
    kind,
    data.nQubits,
    resumed
      ? {
          ...resumed.options,
          epochs: args.epochs ?? resumed.options.epochs,
          nHiddenPhase: resumed.state.nHiddenPhase ?? resumed.options.nHiddenPhase,
          // checkpoints from before exchange moves continue without them
          exchange: resumed.options.exchange ?? "off",
          // and those from before centring without it
          centering: resumed.options.centering ?? false,
          // and those from before iterate averaging without it
          averaging: resumed.options.averaging ?? false,
          // and those from before sectors without one
          sector: resumed.options.sector ?? "off",
          nAux: resumed.state.nAux ?? resumed.options.nAux,
        }
      : {
          nHidden: args.hidden,
          nHiddenPhase: args["phase-hidden"],
          nAux: args.aux,
          warmStart: args["warm-start"],
          epochs: args.epochs,
          // until converged needs the Z-basis shots in memory; streamed files get a fixed number
          ...(wantStream ? { untilConverged: false } : {}),
          learningRate: args.lr,
          optimizer: args.optimizer,
          momentum: args.momentum,
          schedule: args.schedule,
          method: args.method,
          k: args.k,
          batchSize: args.batch,
          chains: args.chains,
          seed: args.seed,
          weightDecay: args["weight-decay"],
          evalEvery: args["eval-every"],
          negativePhase: args["negative-phase"],
          exchange: args.exchange,
          sector: args.sector,
          centering: args.centering === "on",
          averaging: args.averaging === undefined ? undefined : args.averaging === "on",
        },
    data.nShots,
  );
  if (resumed) {
    ensure(
      !(resumed.options.untilConverged && args.epochs !== undefined),
      `${args.resume}: the checkpoint trains until converged (cycles of ${resumed.options.epochs} epochs); resume it without --epochs`,
    );
    ensure(
      resumed.nQubits === data.nQubits,
      `${args.resume}: the checkpoint is for N = ${resumed.nQubits} qubits but ${args.data} has N = ${data.nQubits}`,
    );
    const hash = sha256OfFile(args.data);
    ensure(
      !resumed.file.provenance?.dataSha256 || resumed.file.provenance.dataSha256 === hash,
      `${args.resume}: the checkpoint was trained on a different data file (SHA-256 differs from ${args.data})`,
    );
    ensure(
      resumed.options.untilConverged || resumed.state.epoch <= options.epochs,
      `${args.resume}: the checkpoint is at epoch ${resumed.state.epoch}, beyond --epochs ${options.epochs}`,
    );
  }
  if (ensemble) {
    ensure(
      kind !== "density",
      `--bootstrap ensembles are for pure models; ${args.data} is trained as a density model (it has /rho, or --model density was given)`,
    );
    ensure(
      !streamed && !resumed && validation === null,
      "--bootstrap trains from shots in memory, without --resume or --validation",
    );
    const r = await trainEnsemble(
      { dir: out, halfSamples: args.bootstrap!, member: args.member, quiet: args.quiet },
      args.data,
      data,
      kind,
      options,
      "qst " + process.argv.slice(2).join(" "),
    );
    if (args.json) printJson(r);
    else process.stdout.write(`${r.written.length} member(s) of ${r.members} written to ${out}\n`);
    return;
  }
  // Density metrics form 2^N × 2^N matrices, so they stop at a smaller N than the pure ones.
  const exactLimit = kind === "density" || data.rho ? MAX_DENSITY_QUBITS : MAX_EXACT_QUBITS;
  const exactPossible = data.nQubits <= exactLimit && args.exact;
  ensure(
    Number.isInteger(args["checkpoint-every"]) && args["checkpoint-every"] >= 0,
    `--checkpoint-every must be an integer ≥ 0`,
  );
  const stopAfter = args["stop-after"];
  ensure(
    stopAfter === undefined || (Number.isInteger(stopAfter) && stopAfter > 0),
    `--stop-after must be a positive integer`,
  );

  if (streamed && !args.quiet)
    process.stderr.write(
      `qst: ${data.nShots} shots (${((data.nShots * data.nQubits) / 2 ** 20).toFixed(0)} MiB): streaming from the file in blocks\n`,
    );
  const trainingShots = streamed?.shots ?? validation?.train ?? data;
  const shots = new ShotBlocks(trainingShots, data.nQubits);
  const driver = withCheckpoint(args.resume, () => new Driver(kind, shots, options, resumed?.state));
  const dataSha256 = sha256OfFile(args.data);
  const sections = () => ({
    training: { ...options },
    provenance: {
      qstVersion: qstVersion(),
      created: new Date().toISOString(),
      data: path.resolve(args.data),
      dataSha256,
      seed: options.seed,
      command: "qst " + process.argv.slice(2).join(" "),
    },
  });

  printDataWarnings(data); // after every check, so that a refusal stays one line
  // Doubts about the result that are not errors: printed now, and under "warnings" in --json.
  const doubts: string[] = [];
  if (kind === "density" && !hasBases)
    doubts.push(
      `${args.data} has Z-basis shots only, which fix the diagonal of ρ but none of its coherences: the density model's off-diagonal elements are not determined by the data (measure in X/Y bases too)`,
    );
  if (!args.quiet) for (const d of doubts) process.stderr.write(`qst: warning: ${d}\n`);
  const progress = new Progress(driver.plannedEpochs, "training", args.quiet);
  // Density-matrix metrics diagonalise 2^(N+1) × 2^(N+1) matrices, a cost that grows as 8^N (N = 10:
  // tens of seconds): from SLOW_DENSITY_METRICS_QUBITS on they run at the end only, unless asked for.
  const slowMetrics = exactPossible && exactLimit === MAX_DENSITY_QUBITS && data.nQubits >= SLOW_DENSITY_METRICS_QUBITS;
  const evalEvery = slowMetrics && args["eval-every"] === undefined ? 0 : options.evalEvery;
  if (slowMetrics && !args.quiet)
    process.stderr.write(
      `qst: density-matrix metrics at N = ${data.nQubits} take tens of seconds (2^${data.nQubits} × 2^${data.nQubits} matrices): computed ${evalEvery === 0 ? "after the last epoch only (--eval-every E to ask for more)" : `every ${evalEvery} epochs`}\n`,
    );
  const evaluation = new EvaluateEvery(evalEvery, (d) =>
    exactMetrics(d.model, trainingShots, data.psi, data.rho ?? null),
  );
  // Held-out and (past enumeration) training NLL with log Z exact or by AIS: the fit without ground truth.
  const likelihood = likelihoodCallback(
    args,
    options.evalEvery,
    validation?.heldOut ?? null,
    exactPossible ? null : trainingShots,
    kind,
  );
  const best = args.keep === "best" ? new KeepBest("val_nll") : null;
  // the mode-collapse alarm and auto's switch to tempering: one line each (docs/training.md)
  const mixingAlarm = new MixingAlarm((line) => {
    if (!args.quiet) process.stderr.write(line + "\n");
  });
  // the model's mass leaving the data unseen by the chains (exact Z-basis NLL, N ≤ 20): one line
  const inMemory = streamed ? null : (validation?.train ?? data);
  const likelihoodWatch =
    inMemory && kind !== "density"
      ? new LikelihoodWatch(inMemory.samples, inMemory.bases, data.nQubits, options.evalEvery, (line) => {
          if (!args.quiet) process.stderr.write(line + "\n");
        })
      : null;
  const callbacks: Callback[] = [
    ...(exactPossible ? [evaluation] : []),
    ...(likelihood ? [likelihood] : []),
    ...(best ? [best] : []),
    ...(args["early-stop"] !== undefined ? [new EarlyStopping("val_nll", args["early-stop"])] : []),
    mixingAlarm,
    ...(likelihoodWatch?.active ? [likelihoodWatch] : []),
    new JsonlLog(logPath, resumed ? resumed.state.epoch : null),
    {
      onEpochEnd: (_d, record) =>
        progress.update(
          record.epoch,
          { fidelity: record.fidelity, kl: record.kl, nll: record.nll },
          driver.plannedEpochs, // grows when training until converged adds a cycle
        ),
    },
    new Checkpointer(checkpointPath, args["checkpoint-every"], sections),
    ...(stopAfter !== undefined ? [new StopAfter(stopAfter)] : []),
    new StopOnSignals((signal) => {
      if (!args.quiet)
        process.stderr.write(
          `\nqst: ${signal} received, finishing the current epoch and writing a checkpoint (press again to quit at once)\n`,
        );
    }),
  ];
  let run: RunResult;
  try {
    run = await driver.run(callbacks);
  } catch (e) {
    progress.done();
    if (e instanceof TrainingDivergedError) {
      throw new QstError(
        `${args.data}: ${e.message}; no model written` +
          (fs.existsSync(checkpointPath) ? `; the last good checkpoint is ${checkpointPath}` : ""),
      );
    }
    throw e;
  }
  progress.done();
  const earlyStop = run.reason === "stopped" && run.stoppedBy?.startsWith("early stopping") ? run.stoppedBy : null;
  if (earlyStop && !args.quiet) process.stderr.write(`qst: ${earlyStop}; stopped after epoch ${driver.epoch}\n`);
  if (run.reason === "stopped" && !earlyStop) {
    if (run.stoppedBy === "stop-after") {
      if (!args.quiet)
        process.stderr.write(
          `qst: stopped after epoch ${driver.epoch} as asked; checkpoint written to ${checkpointPath}\n`,
        );
      return;
    }
    process.stderr.write(
      `qst: stopped at epoch ${driver.epoch}/${driver.plannedEpochs}; checkpoint written to ${checkpointPath}; continue with\n  qst train ${args.data} --resume ${checkpointPath} --out ${out}\n`,
    );
    process.exit(130);
  }
  streamed?.shots.close();
  if (!exactPossible && !args.quiet) {
    process.stderr.write(
      args.exact
        ? `qst: N = ${data.nQubits} > ${exactLimit}: exact fidelity/KL/NLL skipped (enumeration of 2^N states${exactLimit === MAX_DENSITY_QUBITS ? ", 2^N × 2^N density matrices" : "; /psi not read"})\n`
        : "qst: --no-exact: exact fidelity/KL/NLL skipped, /psi not read\n",
    );
  }

  // --keep best: the parameters of the epoch with the lowest held-out NLL, and their metrics.
  if (best?.best) driver.model.params.set(best.best.params);
  // A finished run that is resumed again trains no epoch: its metrics come from the checkpoint's model.
  const exactNow = best?.best || Object.keys(evaluation.last).length === 0;
  const metrics: Record<string, number> = {
    ...(exactPossible
      ? exactNow
        ? finiteValues(exactMetrics(driver.model, trainingShots, data.psi, data.rho ?? null))
        : evaluation.last
      : {}),
    ...(likelihood ? (best?.best ? finiteValues(likelihood.compute(driver)) : likelihood.last) : {}),
    ...(best?.best ? { best_epoch: best.best.epoch } : {}),
  };
  saveModelFile(out, modelFile(driver.model, { ...sections(), metrics }));
  const notConverged = driver.converged === false ? [notConvergedWarning(driver)] : [];
  const warnings = [...doubts, ...(likelihood?.warnings ?? []), ...notConverged];
  const result = {
    model: out,
    log: logPath,
    kind,
    epochs: driver.epoch,
    train_time_s: driver.elapsed,
    streamed: streamed !== null,
    peak_rss_mb: process.resourceUsage().maxRSS / 1024,
    ...(driver.model.amplitude.sector !== null ? { sector: driver.model.amplitude.sector } : {}),
    ...negativePhaseFields(driver),
    ...(mixingAlarm.alarm ? { mixing_alarm: mixingAlarm.alarm } : {}),
    ...(likelihoodWatch?.alarm ? { likelihood_alarm: likelihoodWatch.alarm } : {}),
    ...cycleFields(driver),
    ...averagingFields(driver),
    ...(warnings.length ? { warnings } : {}),
    ...metrics,
  };
  for (const w of [...(likelihood?.warnings ?? []), ...notConverged]) process.stderr.write(`qst: warning: ${w}\n`);
  if (args.json) printJson(result);
  else {
    process.stdout.write(`model written to ${out} (log: ${logPath})\n`);
    const cycles = result.cycles
      ? ` (until converged: ${result.cycles.nll_z.length} cycles of ${result.cycles.length}, Z-basis NLL per shot ${result.cycles.nll_z.map((x) => fmt(x, 4)).join(" → ")})`
      : "";
    const averaged = result.averaged_iterates
      ? `, the model is the mean of the last ${result.averaged_iterates} iterates`
      : "";
    process.stdout.write(
      `epochs ${driver.epoch}${cycles}, training time ${fmt(result.train_time_s, 2)} s${averaged}\n`,
    );
    if (metrics.fidelity !== undefined)
      process.stdout.write(
        `fidelity ${fmt(metrics.fidelity, 6)}   KL ${fmt(metrics.kl, 6)}` +
          (metrics.trace_distance !== undefined ? `   trace distance ${fmt(metrics.trace_distance, 6)}` : "") +
          "\n",
      );
    if (metrics.purity !== undefined)
      process.stdout.write(
        `purity ${fmt(metrics.purity, 6)}` +
          (metrics.purity_true !== undefined ? ` (ground truth ${fmt(metrics.purity_true, 6)})` : "") +
          "\n",
      );
    if (metrics.nll !== undefined)
      process.stdout.write(
        `NLL per shot ${fmt(metrics.nll, 6)}${metrics.nll_stderr ? ` ± ${fmt(metrics.nll_stderr, 6)}` : ""}\n`,
      );
    if (metrics.val_nll !== undefined) {
      const at = metrics.best_epoch !== undefined ? ` (best epoch ${metrics.best_epoch}, kept)` : "";
      process.stdout.write(
        `held-out NLL per shot ${fmt(metrics.val_nll, 6)}${metrics.val_nll_stderr ? ` ± ${fmt(metrics.val_nll_stderr, 6)}` : ""}${at}\n`,
      );
    }
    const pt = result.pt_betas
      ? `, ${result.pt_betas.length} temperatures, swap rates ${result.pt_swap_rates?.map((r) => fmt(r, 2)).join(" ")}`
      : "";
    const from = result.pt_from_epoch !== undefined ? ` (auto, from epoch ${result.pt_from_epoch + 1})` : "";
    const exchange = result.exchange_moves
      ? `; exchange moves${result.exchange_moves.from_epoch > 0 ? ` from epoch ${result.exchange_moves.from_epoch + 1}` : ""}${options.exchange === "auto" ? " (the shots lie in one magnetisation sector)" : ""}, acceptance ${fmt(result.exchange_moves.acceptance, 2)}`
      : "";
    process.stdout.write(`negative phase ${result.negative_phase}${from}${pt}${exchange}\n`);
    if (result.sector !== undefined)
      process.stdout.write(
        `confined to the magnetisation sector |v| = ${result.sector} (every Z-basis shot has ${result.sector} one${result.sector === 1 ? "" : "s"} of ${driver.model.nVisible}; --sector off to lift it)\n`,
      );
  }
}

/** Training until converged, for --json: the cycles' length, the Z-basis NLL at each one's end, the verdict. */
function cycleFields(driver: Driver) {
  if (driver.converged === null) return {};
  return { cycles: { length: driver.options.epochs, nll_z: [...driver.cycleNll], converged: driver.converged } };
}

/** Iterate averaging, for --json: how many iterates the trained model is the mean of. */
function averagingFields(driver: Driver) {
  const a = driver.iterateAverage;
  return a && driver.finished ? { averaged_iterates: a.iterates } : {};
}

function notConvergedWarning(driver: Driver): string {
  const n = driver.cycleNll,
    drop = n[n.length - 2] - n[n.length - 1];
  return `the Z-basis NLL still fell by ${fmt(drop, 4)} nats per shot over the last of ${n.length} cycles of ${driver.options.epochs} epochs (tolerance ${CYCLE_NLL_TOLERANCE}): the fit may not have converged; train longer, e.g. --epochs ${2 * driver.epoch} (one cycle)`;
}

/** The negative phase a run used, for --json: tempering's ladder and swap rates when it tempered. */
function negativePhaseFields(driver: Driver) {
  const r = driver.average.report();
  return {
    negative_phase: r.negativePhase,
    ...(r.switchedAtEpoch !== undefined ? { pt_from_epoch: r.switchedAtEpoch } : {}),
    ...(r.betas ? { pt_betas: r.betas, pt_swap_rates: r.swapRates } : {}),
    ...(r.exchange ? { exchange_moves: { from_epoch: r.exchange.fromEpoch, acceptance: r.exchange.acceptance } } : {}),
  };
}

/** Runs fn, turning a malformed trainer state (RNG words, chains) in the checkpoint into a message naming it. */
function withCheckpoint<T>(file: string | undefined, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (file === undefined || e instanceof QstError) throw e;
    throw new QstError(`${file}: the checkpoint's trainer state is malformed: ${(e as Error).message}`);
  }
}

interface Resumed {
  file: ModelFile;
  options: TrainOptions;
  state: DriverState;
  nQubits: number;
}

function readCheckpoint(file: string): Resumed {
  const m = readModelFile(file);
  ensure(m.trainer && m.training, `${file}: a model file, not a checkpoint (it has no trainer state)`);
  const nQubits = m.rbms?.amplitude?.nVisible;
  ensure(Number.isInteger(nQubits), `${file}: the checkpoint has no amplitude RBM`);
  return { file: m, options: m.training as TrainOptions, state: m.trainer, nQubits };
}

/** --validation: the held-out split of the shots (from the seed, so reruns agree), or null. */
function validationSplit(
  args: TrainArgs,
  data: MeasurementData,
  streamed: boolean,
): { train: Shots; heldOut: Shots } | null {
  ensure(
    args.validation !== undefined || (args.keep === "last" && args["early-stop"] === undefined),
    `--keep best and --early-stop choose by the held-out NLL: give --validation FRACTION`,
  );
  if (args.validation === undefined) return null;
  ensure(
    !streamed,
    `${args.data}: --validation needs the shots in memory; this file is streamed (too large, or --stream)`,
  );
  ensure(
    args["early-stop"] === undefined || (Number.isInteger(args["early-stop"]) && args["early-stop"] >= 1),
    `--early-stop must be a positive integer`,
  );
  return holdOut(data, args.validation, (args.seed ?? DEFAULTS.seed) + 1);
}

/**
 * The NLL of the held-out shots (val_nll) and, where the training NLL cannot be enumerated, of the
 * training shots (nll), each with log Z's error; log Z exact or by AIS as --logz says.
 */
function likelihoodCallback(
  args: TrainArgs,
  every: number,
  heldOut: Shots | null,
  training: ShotSource | Shots | null,
  kind: ModelKind,
): (EvaluateEvery & { compute: (d: Driver) => Record<string, number | undefined>; warnings: string[] }) | null {
  if (heldOut === null && training === null) return null;
  if (kind !== "positive") {
    ensure(
      heldOut === null || heldOut.nQubits <= MAX_EXACT_QUBITS,
      `--validation of the complex model needs N ≤ ${MAX_EXACT_QUBITS} (exact log Z)`,
    );
    if (heldOut === null) return null;
  }
  // The warnings of the latest log Z estimate (AIS carried by a few runs), reported with the result.
  const warnings: string[] = [];
  const metrics = (d: Driver): Record<string, number | undefined> => {
    const rbm = d.model.amplitude;
    if (rbm.sector !== null && rbm.nVisible > AUTO_EXACT_LOGZ_QUBITS && args.logz !== "exact") {
      const why = `the NLL is not estimated: AIS does not cover a model confined to a magnetisation sector (--logz exact enumerates up to N = ${MAX_EXACT_QUBITS})`;
      warnings.splice(0, warnings.length, why);
      return {};
    }
    const z = logZEstimate(rbm, args.logz);
    warnings.splice(0, warnings.length, ...z.warnings);
    const out: Record<string, number | undefined> = {
      logZ: z.logZ,
      logZ_stderr: z.stderr,
      logZ_effective_runs: z.effectiveRuns,
    };
    if (heldOut) {
      const v = heldOutNll(d.model, heldOut, z);
      out.val_nll = v.nll;
      out.val_nll_stderr = v.stderr;
    }
    if (training && !("read" in training)) {
      const t = heldOutNll(d.model, training, z);
      out.nll = t.nll;
      out.nll_stderr = t.stderr;
    }
    return out;
  };
  return Object.assign(new EvaluateEvery(every, metrics), { compute: metrics, warnings });
}
