/**
 * The training driver: one loop for every member of the wavefunction family (NetKet's
 * AbstractVariationalDriver, QuCumber's `fit`). It owns the epoch and mini-batch loop, the
 * schedule, weight decay and the finite checks; `run(callbacks)` adds evaluation, logs,
 * checkpoints and stopping without the loop knowing about them.
 *
 * The cost is the negative log-likelihood of the shots, NLL = ⟨F(v)⟩_data + log Z (the KL divergence
 * to the data distribution up to a constant), whose gradient is
 *
 *   ∂NLL/∂λ = ⟨∂F/∂λ⟩_data − ⟨∂F/∂λ⟩_model,
 *
 * the lecture's ⟨∂E/∂λ⟩_data − ⟨∂E/∂λ⟩_model with the hidden units summed out analytically. The
 * data term comes from a DataGradient (Z-basis or rotated shots, src/train/gradients.ts), the model
 * term from a ModelAverage (chains or enumeration, src/train/model-average.ts).
 */
import { QstError } from "../core/errors.js";
import { Rng } from "../core/rng.js";
import type { DensityRbm } from "../nn/density.js";
import { createModel, type Model, type ModelKind } from "../nn/model.js";
import type { RbmWaveFunction } from "../nn/wavefunction.js";
import { type AveragingState, IterateAverage } from "./averaging.js";
import { Centering, type CenteringState } from "./centering.js";
import { anotherCycle, cyclesConverged, LIKELIHOOD_WATCH_MAX_QUBITS, ZBasisShots } from "./cycles.js";
import { dataGradient, type DataGradient } from "./gradients.js";
import type { MixingSummary } from "./mixing.js";
import { dataSector } from "./mixing.js";
import { modelAverage, type ChainState, type ModelAverage } from "./model-average.js";
import { makeOptimizer, type Optimizer, type OptimizerState } from "./optimizers.js";
import {
  COMPLEX_DEFAULTS,
  learningRateAt,
  resolveOptions,
  type TrainOptions,
  type TrainOptionsInput,
} from "./options.js";
import { ShotBlocks, type ShotBlock } from "./shots.js";
import type { ShotSource } from "../physics/measurements.js";

/** One line of the training log. Exact metrics (fidelity, kl, nll, logZ) are added by callbacks. */
export interface EpochRecord {
  epoch: number;
  step: number;
  /** Seconds spent in training epochs (not in evaluation), carried across resumes. */
  time_s: number;
  lr: number;
  /** Root mean square over the epoch's batches of ‖∂NLL/∂params‖. */
  grad_norm: number;
  [metric: string]: number;
}

/** Everything needed to continue a run bit for bit (the `trainer` section of a checkpoint). */
export interface DriverState extends ChainState {
  epoch: number;
  step: number;
  elapsed: number;
  params: number[];
  optimizer: OptimizerState;
  rng: number[];
  /** Hidden units of the phase RBM (complex model). */
  nHiddenPhase?: number;
  /** Auxiliary units (density model). */
  nAux?: number;
  /** The centring's offsets (absent when the run has no centring). */
  centering?: CenteringState;
  /** Training until converged: the Z-basis NLL at the end of every cycle so far (src/train/cycles.ts). */
  cycleNll?: number[];
  /** The running mean of the parameters (options.averaging; src/train/averaging.ts). */
  averaging?: AveragingState;
}

/** How a run ended: all epochs done, or stopped early by a callback (with its reason). */
export interface RunResult {
  reason: "completed" | "stopped";
  stoppedBy: string | null;
}

export interface RunEnd {
  reason: RunResult["reason"] | "failed";
  stoppedBy: string | null;
  /** What was thrown, when reason is "failed" (run() rethrows it after the callbacks). */
  error?: unknown;
}

export interface Callback<M extends Model = Model> {
  /** Before the first epoch of run(). */
  onStart?(driver: Driver<M>): void | Promise<void>;
  /** After every epoch; may add fields to the record and call driver.requestStop(). */
  onEpochEnd?(driver: Driver<M>, record: EpochRecord): void | Promise<void>;
  /** Once at the end: completed, stopped early, or failed (e.g. diverged). */
  onEnd?(driver: Driver<M>, end: RunEnd): void | Promise<void>;
}

export class TrainingDivergedError extends QstError {
  constructor(message: string) {
    super(message);
    this.name = "TrainingDivergedError";
  }
}

/** M: the model the kind makes (RbmWaveFunction for positive and complex, DensityRbm for density). */
export class Driver<M extends Model = Model> {
  readonly model: M;
  readonly options: TrainOptions;
  readonly shots: ShotBlocks;
  /** Draws the initial parameters, the chains' seeds and the order of the shots. */
  readonly rng: Rng;
  readonly average: ModelAverage;
  readonly optimizer: Optimizer;
  /** Parameter updates in one cycle of the schedule (the whole run unless options.untilConverged). */
  readonly totalSteps: number;
  epoch = 0;
  /**
   * Epochs the run will have: options.epochs, or, when training until converged, the cycles decided
   * so far (another cycle is added at the end of one whose NLL still fell; src/train/cycles.ts).
   */
  plannedEpochs: number;
  /** The Z-basis NLL at the end of each cycle, when training until converged. */
  readonly cycleNll: number[] = [];
  step = 0;
  /** Seconds spent in training epochs (excluding evaluation), carried across resumes. */
  elapsed = 0;
  /** The chains' mixing over the last epoch (src/train/mixing.ts), null when not measured. */
  mixing: MixingSummary | null = null;
  private stopRequest: string | null = null;
  /** The data gradient of the in-memory block (built once); streamed blocks get one per load. */
  private memoryGradient: DataGradient | null = null;
  private readonly order: Uint32Array;
  private readonly batch: Uint32Array;
  private readonly grad: Float64Array;
  /** The amplitude RBM's centring (options.centering; never for the density model). */
  private readonly centering: Centering | null;
  /** The shots whose NLL decides another cycle (options.untilConverged with the shots in memory). */
  private readonly cycleShots: ZBasisShots | null;
  /** The mean of the parameters over the second half of the cycle (options.averaging). */
  readonly iterateAverage: IterateAverage | null;

  /**
   * A new model of `kind`, initialised from options.seed, on `shots`; with `state`, continued from a
   * checkpoint instead.
   */
  constructor(kind: ModelKind, shots: ShotBlocks, options: TrainOptions, state?: DriverState) {
    if (kind === "positive" && !shots.zBasisOnly) {
      throw new QstError(
        "the shots were measured in rotated (X/Y) bases, but a positive RBM (ψ = sqrt(p)) only describes Z-basis statistics and cannot learn phases; train the complex model (--model complex) or, for a mixed state, the density model (--model density)",
      );
    }
    this.options = options;
    this.shots = shots;
    this.rng = new Rng(options.seed);
    const N = shots.nQubits;
    this.model = createModel(kind, N, options) as M;
    this.model.randomise(this.rng);
    if (this.model.kind === "density" && !state && options.warmStart === "pure") {
      // part of the training: its time counts (a checkpoint carries it on in `elapsed`)
      const t0 = performance.now();
      startFromPureState(this.model, shots, options);
      this.elapsed = (performance.now() - t0) / 1000;
    }
    // Shots in memory tell at once whether they lie in one magnetisation sector (exchange moves);
    // streamed ones are judged over the first epoch by the chains' monitor.
    const block = shots.stream ? null : shots.load(0);
    const sector = block !== null ? dataSector(block.samples, block.bases, block.rows, N) : null;
    // the data's magnetisation sector, written into the model (src/nn/sector.ts) before its chains start
    if (options.sector === "auto" && this.model.kind !== "density") this.model.amplitude.sector = sector;
    this.average = modelAverage(
      this.model.amplitude,
      options,
      this.rng,
      options.exchange === "auto" && sector !== null,
    );
    this.optimizer = makeOptimizer(options.optimizer, this.model.params.length, options.momentum);
    this.order = new Uint32Array(shots.blockShots);
    this.batch = new Uint32Array(options.batchSize);
    this.grad = new Float64Array(this.model.params.length);
    this.centering = options.centering && this.model.kind !== "density" ? new Centering(this.model.amplitude) : null;
    let perEpoch = 0;
    for (let b = 0; b < shots.nBlocks; b++) perEpoch += Math.ceil(shots.blockSize(b) / options.batchSize);
    this.totalSteps = options.epochs * perEpoch;
    this.plannedEpochs = options.epochs;
    this.iterateAverage = options.averaging ? new IterateAverage(this.model.params.length, this.totalSteps) : null;
    const zShots = options.untilConverged && block ? new ZBasisShots(block.samples, block.bases, N) : null;
    this.cycleShots = zShots?.exact ? zShots : null;
    if (options.untilConverged && !this.cycleShots)
      throw new QstError(
        `training until converged needs the Z-basis shots in memory and N ≤ ${LIKELIHOOD_WATCH_MAX_QUBITS} (the exact NLL); give the number of --epochs`,
      );
    if (state) this.restore(state);
  }

  /** One pass over the shuffled shots. */
  runEpoch(): EpochRecord {
    const t0 = performance.now();
    // Block order (streaming only: in memory there is one block and no draw is made).
    const blocks = Uint32Array.from({ length: this.shots.nBlocks }, (_, b) => b);
    if (blocks.length > 1) this.rng.shuffle(blocks);
    let gradNorm2 = 0,
      lr = 0,
      batches = 0;
    for (const b of blocks) {
      const block = this.shots.load(b);
      if (!this.shots.stream) this.memoryGradient ??= dataGradient(this.model, block);
      const gradient = this.memoryGradient ?? dataGradient(this.model, block);
      const r = this.runBatches(block, gradient);
      gradNorm2 += r.gradNorm2;
      batches += r.batches;
      lr = r.lr;
    }
    this.epoch++;
    this.mixing = this.average.endEpoch(this.epoch);
    this.elapsed += (performance.now() - t0) / 1000;
    this.checkFinite();
    const record: EpochRecord = {
      epoch: this.epoch,
      step: this.step,
      time_s: this.elapsed,
      lr,
      grad_norm: Math.sqrt(gradNorm2 / batches),
    };
    if (this.cycleShots && this.epoch === this.plannedEpochs) {
      const nll = this.cycleShots.nll(this.model.amplitude);
      this.cycleNll.push(nll);
      record.cycle_nll_z = nll;
      if (anotherCycle(this.cycleNll)) this.plannedEpochs += this.options.epochs;
    }
    // the run's result is the mean of the last cycle's second half (the cycle NLL above judged the iterate)
    if (this.finished) this.iterateAverage?.applyTo(this.model.params);
    if (this.mixing && Number.isFinite(this.mixing.renewal)) record.renewal = this.mixing.renewal;
    const { betas, swapRates, exchange } = this.average.report();
    if (betas && swapRates) {
      record.pt_replicas = betas.length;
      record.pt_swap_min = Math.min(...swapRates);
      record.pt_swap_max = Math.max(...swapRates);
    }
    if (exchange && Number.isFinite(exchange.acceptance)) record.exchange_acceptance = exchange.acceptance;
    return record;
  }

  /**
   * The block's shots in a fresh random order (drawn from the identity, so it depends only on the
   * RNG state: bit-exact resume), one optimiser step per mini-batch.
   */
  private runBatches(block: ShotBlock, gradient: DataGradient): { gradNorm2: number; batches: number; lr: number } {
    const o = this.options,
      rows = block.rows,
      order = this.order.subarray(0, rows),
      batch = this.batch,
      grad = this.grad;
    for (let m = 0; m < rows; m++) order[m] = m;
    this.rng.shuffle(order);
    this.centering?.setVisibleOffsets(block.samples, block.bases, rows);
    let gradNorm2 = 0,
      lr = 0,
      batches = 0;
    for (let start = 0; start < rows; start += o.batchSize) {
      const count = Math.min(o.batchSize, rows - start);
      batch.set(order.subarray(start, start + count));
      this.average.prepare(block.samples, batch, count, block.bases);
      gradient.compute(batch, count, this.average, grad);
      this.addWeightDecay(grad);
      for (let p = 0; p < grad.length; p++) gradNorm2 += grad[p] * grad[p];
      lr = learningRateAt(o, this.step % this.totalSteps, this.totalSteps);
      this.centering?.centre(grad, block.samples, block.bases, batch, count);
      this.optimizer.update(this.model.params, grad, lr);
      this.centering?.afterStep();
      this.average.afterUpdate();
      this.iterateAverage?.add(this.step, this.model.params);
      this.step++;
      batches++;
    }
    return { gradNorm2, batches, lr };
  }

  /** grad += weightDecay · W for the weights of every RBM (not the biases). */
  private addWeightDecay(grad: Float64Array): void {
    const decay = this.options.weightDecay;
    if (decay === 0) return;
    let offset = 0;
    for (const rbm of this.model.rbms) {
      const W = rbm.weights;
      for (let w = 0; w < W.length; w++) grad[offset + w] += decay * W[w];
      offset += rbm.params.length;
    }
  }

  /**
   * Runs the remaining epochs, calling each callback after every epoch in the order given (so an
   * evaluation placed before a log fills the record the log writes). A callback, or a signal
   * handler, ends the run early with requestStop(); the event loop gets a turn after every epoch
   * so that signals are noticed.
   */
  async run(callbacks: readonly Callback<M>[] = []): Promise<RunResult> {
    for (const cb of callbacks) await cb.onStart?.(this);
    try {
      while (!this.finished) {
        const record = this.runEpoch();
        for (const cb of callbacks) await cb.onEpochEnd?.(this, record);
        await new Promise((r) => setImmediate(r));
        if (this.stopRequest !== null && !this.finished) break;
      }
    } catch (e) {
      for (const cb of callbacks) await cb.onEnd?.(this, { reason: "failed", stoppedBy: null, error: e });
      throw e;
    }
    const result: RunResult = !this.finished
      ? { reason: "stopped", stoppedBy: this.stopRequest }
      : { reason: "completed", stoppedBy: null };
    for (const cb of callbacks) await cb.onEnd?.(this, result);
    return result;
  }

  /** Whether every planned epoch has run (all cycles decided, when training until converged). */
  get finished(): boolean {
    return this.epoch >= this.plannedEpochs;
  }

  /**
   * Training until converged: whether the fit converged (the last cycle lowered the Z-basis NLL by at
   * most CYCLE_NLL_TOLERANCE), null when the run has a fixed number of epochs or is not finished.
   */
  get converged(): boolean | null {
    return this.cycleShots && this.finished ? cyclesConverged(this.cycleNll) : null;
  }

  /** Ends run() after the current epoch (the first reason given is kept). */
  requestStop(reason: string): void {
    this.stopRequest ??= reason;
  }

  get stopRequested(): string | null {
    return this.stopRequest;
  }

  private checkFinite(): void {
    const params = this.model.params,
      nA = this.model.amplitude.params.length;
    for (let p = 0; p < params.length; p++) {
      if (!Number.isFinite(params[p])) {
        const which = !this.model.phase ? "a" : p < nA ? "an amplitude" : "a phase";
        throw new TrainingDivergedError(
          `training diverged at epoch ${this.epoch}: ${which} parameter became ${params[p]} (try a smaller --lr)`,
        );
      }
    }
  }

  getState(): DriverState {
    return {
      epoch: this.epoch,
      step: this.step,
      elapsed: this.elapsed,
      params: Array.from(this.model.params),
      optimizer: this.optimizer.getState(),
      ...this.average.getState(),
      rng: this.rng.getState(),
      ...(this.model.kind === "complex" ? { nHiddenPhase: this.model.phase!.nHidden } : {}),
      ...(this.model.kind === "density" ? { nAux: this.model.nAux } : {}),
      ...(this.centering ? { centering: this.centering.getState() } : {}),
      ...(this.cycleShots ? { cycleNll: [...this.cycleNll] } : {}),
      ...(this.iterateAverage ? { averaging: this.iterateAverage.getState() } : {}),
    };
  }

  private restore(s: DriverState): void {
    const model = this.model;
    if (s.params.length !== model.params.length) {
      throw new QstError(
        `checkpoint has ${s.params.length} parameters, the ${model.kind} model needs ${model.params.length}`,
      );
    }
    if (s.chains.length !== this.average.sampler.visible.length) {
      throw new QstError(
        `checkpoint has ${s.chains.length / model.nVisible} chains, the options ask for ${this.options.chains}`,
      );
    }
    this.epoch = s.epoch;
    this.step = s.step;
    this.elapsed = s.elapsed;
    model.params.set(s.params);
    this.optimizer.setState(s.optimizer);
    this.average.restore(s);
    this.rng.setState(s.rng);
    if (this.centering) {
      if (!s.centering) throw new QstError("the checkpoint has no centring state, but the options ask for centring");
      this.centering.setState(s.centering);
    }
    if (this.iterateAverage) {
      if (!s.averaging) throw new QstError("the checkpoint has no iterate average, but the options ask for averaging");
      this.iterateAverage.setState(s.averaging);
    }
    if (this.cycleShots) {
      if (!s.cycleNll) throw new QstError("the checkpoint has no cycles, but the options ask to train until converged");
      this.cycleNll.push(...s.cycleNll);
      // every cycle ended so far, plus the one that each decision added
      for (let c = 1; c <= s.cycleNll.length; c++)
        if (anotherCycle(s.cycleNll.slice(0, c))) this.plannedEpochs += this.options.epochs;
    }
  }
}

/** Epochs of the pure-state warm start of the density model (the complex model's default). */
const WARM_START_EPOCHS = COMPLEX_DEFAULTS.epochs;

/**
 * The density model's warm start. Its U = 0 subspace is the complex wavefunction with the same hidden
 * units (ρ̃ = ψψ* with log ψ = ½g_λ + (i/2)g_μ), so a complex model trained on the same shots, with
 * the same seed, gives the hidden part; the auxiliary couplings keep their random start and grow as far
 * as the data ask for mixing. From random parameters the auxiliary units can instead learn which
 * branch of a cat state was measured, and the training stalls at the classical mixture (pure GHZ3:
 * F ≈ 0.50 for two seeds of three; docs/density.md).
 */
function startFromPureState(model: DensityRbm, shots: ShotBlocks, options: TrainOptions): void {
  const pure = new Driver<RbmWaveFunction>(
    "complex",
    shots,
    resolveOptions("complex", model.nVisible, {
      nHidden: model.nHidden,
      epochs: WARM_START_EPOCHS,
      seed: options.seed,
      batchSize: options.batchSize,
      chains: options.chains,
      k: options.k,
      negativePhase: options.negativePhase,
      sector: "off", // the density model is not confined to a sector
      // a starting point, not a result: the last iterate, as before averaging existed (fig-density's rows
      // with the mean instead were the same within the seeds' scatter; docs/density.md)
      averaging: false,
    }),
  );
  while (pure.epoch < pure.options.epochs) pure.runEpoch();
  const H = model.nHidden + model.nAux;
  for (const [from, to] of [
    [pure.model.amplitude, model.amplitude],
    [pure.model.phase!, model.phase],
  ] as const) {
    to.visibleBias.set(from.visibleBias);
    to.hiddenBias.set(from.hiddenBias); // the first n_h of [c | d]
    for (let i = 0; i < model.nVisible; i++)
      to.weights.set(from.weights.subarray(i * model.nHidden, (i + 1) * model.nHidden), i * H);
  }
}

/**
 * A driver for measurement data with qst's defaults: the complex model when some shots were
 * measured in rotated bases, else the positive one (unless `model` says which: "density" for a mixed
 * state), and the options completed and checked by resolveOptions.
 */
export function driverFor(
  data: DriverData,
  input: TrainOptionsInput & { model: "density" },
  state?: DriverState,
): Driver<DensityRbm>;
export function driverFor(
  data: DriverData,
  input?: TrainOptionsInput & { model?: "positive" | "complex" },
  state?: DriverState,
): Driver<RbmWaveFunction>;
export function driverFor(
  data: DriverData,
  input?: TrainOptionsInput & { model?: ModelKind },
  state?: DriverState,
): Driver<Model>;
export function driverFor(
  data: DriverData,
  input: TrainOptionsInput & { model?: ModelKind } = {},
  state?: DriverState,
): Driver<Model> {
  const shots = data instanceof ShotBlocks ? data : new ShotBlocks(data, data.nQubits);
  const { model, ...partial } = input;
  const kind = model ?? (shots.zBasisOnly ? "positive" : "complex");
  return new Driver(kind, shots, resolveOptions(kind, shots.nQubits, partial, shots.nShots), state);
}

/** What a driver trains on: shots in memory, a streamed source, or blocks made from either. */
export type DriverData = { samples: Uint8Array; bases: Uint8Array | null; nQubits: number } | ShotSource | ShotBlocks;
