/**
 * Training a positive RBM wavefunction on Z-basis shots by (persistent) contrastive divergence.
 *
 * The cost is the negative log-likelihood of the shots, NLL = ⟨F(v)⟩_data + log Z, i.e. the KL
 * divergence to the data distribution up to a constant. Its gradient is
 *
 *   ∂NLL/∂λ = ⟨∂F/∂λ⟩_data − ⟨∂F/∂λ⟩_model,
 *
 * the lecture's ⟨∂E/∂λ⟩_data − ⟨∂E/∂λ⟩_model with the hidden units summed out analytically
 * (h_j replaced by p(h_j = 1 | v)). The positive phase is exact over the mini-batch; the negative
 * phase averages over Gibbs chains that persist between updates (PCD), or restart at the batch
 * (CD-k).
 */
import { QstError } from "../core/errors.js";
import {
  addExactModelAverage, exactMetrics, fidelityWithPositive, klDivergence, logSumExp, negativeLogLikelihood, unnormalisedLogProbabilities,
} from "../nn/enumeration.js";
import { rbmToJson, type ModelFile } from "../io/model-file.js";
import type { ShotSource, Wavefunction } from "../io/measurement-file.js";
import { makeOptimizer, type Optimizer, type OptimizerName, type OptimizerState } from "./optimizers.js";
import { RBM } from "../nn/rbm.js";
import { gradientWorkspace } from "../kernels/gradient.js";
import { Rng } from "../core/rng.js";
import { GibbsSampler } from "../sample/gibbs.js";

export interface TrainOptions {
  nHidden: number;
  epochs: number;
  batchSize: number;
  /** Persistent chains for the negative phase (CD: chains = batch size, restarted at the batch). */
  chains: number;
  /** Gibbs sweeps per update. */
  k: number;
  learningRate: number;
  optimizer: OptimizerName;
  /** SGD momentum. */
  momentum: number;
  /** "constant", or "cosine": η(t) = η_min + (η − η_min)(1 + cos(π t/T))/2 over the run. */
  schedule: "constant" | "cosine";
  /** Final learning rate of the cosine schedule, as a fraction of the initial one. */
  finalLearningRateFraction: number;
  method: "pcd" | "cd";
  /**
   * The model average ⟨∂F⟩_model: from the Gibbs chains ("pcd", the default; CD-k with method "cd"),
   * or by enumerating all 2^N configurations ("exact", N ≤ MAX_EXACT_NEGATIVE_PHASE_QUBITS): no
   * sampling bias, for states whose chains cannot mix between distant modes.
   */
  negativePhase?: "pcd" | "exact";
  /** L2 penalty on the weights (0 = none). */
  weightDecay: number;
  seed: number;
  /** Exact metrics every this many epochs when ground truth exists (0 = never). */
  evalEvery: number;
}

/** Defaults, chosen by measurement on the TFIM chain N = 10, h = 1, 10^4 shots (docs/training.md). */
export const DEFAULTS: Omit<TrainOptions, "nHidden"> = {
  epochs: 50,
  batchSize: 100,
  chains: 100,
  k: 10,
  learningRate: 0.03,
  optimizer: "adam",
  momentum: 0.9,
  schedule: "cosine",
  finalLearningRateFraction: 0.05,
  method: "pcd",
  weightDecay: 0,
  seed: 1234,
  evalEvery: 10,
};

/** The exact negative phase is offered up to this many qubits (2^16 configurations per update). */
export const MAX_EXACT_NEGATIVE_PHASE_QUBITS = 16;

export function resolveOptions(nVisible: number, partial: Partial<TrainOptions>): TrainOptions {
  const o: TrainOptions = { ...DEFAULTS, nHidden: nVisible, ...stripUndefined(partial) };
  const positiveInt = (name: keyof TrainOptions) => {
    const v = o[name] as number;
    if (!Number.isInteger(v) || v < 1) throw new QstError(`--${kebab(name)} must be a positive integer, got ${v}`);
  };
  (["nHidden", "epochs", "batchSize", "chains", "k"] as const).forEach(positiveInt);
  if (!Number.isInteger(o.evalEvery) || o.evalEvery < 0) throw new QstError(`--eval-every must be an integer ≥ 0, got ${o.evalEvery}`);
  if (!(o.learningRate > 0) || !Number.isFinite(o.learningRate)) throw new QstError(`--lr must be a positive number, got ${o.learningRate}`);
  if (!(o.momentum >= 0 && o.momentum < 1)) throw new QstError(`--momentum must be in [0, 1), got ${o.momentum}`);
  if (!(o.weightDecay >= 0)) throw new QstError(`--weight-decay must be ≥ 0, got ${o.weightDecay}`);
  if (o.optimizer !== "sgd" && o.optimizer !== "adam") throw new QstError(`--optimizer must be sgd or adam, got ${o.optimizer}`);
  if (o.method !== "pcd" && o.method !== "cd") throw new QstError(`--method must be pcd or cd, got ${o.method}`);
  if (o.schedule !== "constant" && o.schedule !== "cosine") throw new QstError(`--schedule must be constant or cosine, got ${o.schedule}`);
  if (!Number.isSafeInteger(o.seed)) throw new QstError(`--seed must be an integer, got ${o.seed}`);
  if (o.negativePhase !== undefined && o.negativePhase !== "pcd" && o.negativePhase !== "exact") throw new QstError(`--negative-phase must be pcd or exact, got ${o.negativePhase}`);
  if (o.negativePhase === "exact" && nVisible > MAX_EXACT_NEGATIVE_PHASE_QUBITS) {
    throw new QstError(`--negative-phase exact enumerates 2^N configurations at every update; N = ${nVisible} is above the limit of ${MAX_EXACT_NEGATIVE_PHASE_QUBITS} (use pcd)`);
  }
  if (o.method === "cd") o.chains = o.batchSize;
  return o;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function kebab(s: string): string {
  const special: Record<string, string> = { nHidden: "hidden", batchSize: "batch", learningRate: "lr" };
  return special[s] ?? s.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase());
}

/** Learning rate at update `step` of `totalSteps`. */
export function learningRateAt(o: TrainOptions, step: number, totalSteps: number): number {
  if (o.schedule === "constant") return o.learningRate;
  const floor = o.learningRate * o.finalLearningRateFraction;
  return floor + (o.learningRate - floor) * 0.5 * (1 + Math.cos((Math.PI * Math.min(step, totalSteps)) / totalSteps));
}

export interface EpochRecord {
  epoch: number;
  step: number;
  time_s: number;
  lr: number;
  grad_norm: number;
  nll?: number;
  fidelity?: number;
  kl?: number;
  logZ?: number;
}

/** Everything needed to continue a run bit for bit. */
export interface TrainerState {
  epoch: number;
  step: number;
  elapsed: number;
  params: number[];
  optimizer: OptimizerState;
  chains: number[];
  rng: number[];
  /** The sampler chains' own RNG streams (16 words per chain); absent in checkpoints from before they existed. */
  samplerRng?: number[];
}

/**
 * Gradient of the NLL for one mini-batch: rows `batch[0..count)` of `samples`, negative phase
 * from the sampler's current chains. Writes into `grad` (same layout as rbm.params).
 * Float64 throughout, in WebAssembly SIMD (src/kernels/gradient.ts); equal to summing
 * accumulateFreeEnergyGradient (+1/B per data row, −1/C per chain) up to rounding. `_scratch` is
 * no longer needed and kept for API compatibility.
 */
export function batchGradient(
  rbm: RBM,
  samples: Uint8Array,
  batch: Uint32Array,
  count: number,
  negative: Uint8Array,
  nChains: number,
  grad: Float64Array,
  _scratch?: Float64Array,
): void {
  gradientWorkspace(rbm, count + nChains).compute(rbm, samples, batch, count, negative, nChains, grad);
}

/**
 * What the CLI drives, for the positive model here and the complex model (src/complex.ts) alike.
 */
export interface TomographyTrainer {
  readonly options: TrainOptions;
  readonly epoch: number;
  readonly totalSteps: number;
  runEpoch(): EpochRecord;
  /** Exact metrics against the ground truth (and NLL of the shots); needs N ≤ MAX_EXACT_QUBITS. */
  evaluate(): Record<string, number | undefined>;
  getState(): TrainerState;
  /** The model-file description of the current parameters (kind and RBM sections). */
  modelSections(): Pick<ModelFile, "kind" | "rbm" | "rbms">;
}

/** Shots per block when the data are streamed from a file (ShotSource): 2^20 rows. */
export const STREAM_BLOCK_SHOTS = 1 << 20;

/** What runShuffledBatches needs of a trainer (it advances `step`). */
export interface BatchRunner {
  readonly options: TrainOptions;
  readonly rng: Rng;
  readonly optimizer: Optimizer;
  readonly totalSteps: number;
  step: number;
}

/**
 * The mini-batch loop shared by the trainers: the rows of `order` in a fresh random order (drawn
 * from the identity, so it depends only on the RNG state: bit-exact resume), and for each batch
 * `gradientInto(batch, count)` (which fills `grad`) followed by one optimiser step at the scheduled
 * learning rate and `afterUpdate()`. Returns Σ‖g‖² over the batches, their number, the last η.
 */
export function runShuffledBatches(
  run: BatchRunner,
  params: Float64Array,
  grad: Float64Array,
  order: Uint32Array,
  gradientInto: (batch: Uint32Array, count: number) => void,
  afterUpdate: () => void,
): { gradNorm2: number; batches: number; lr: number } {
  const o = run.options, rows = order.length;
  for (let m = 0; m < rows; m++) order[m] = m;
  run.rng.shuffle(order);
  const batch = new Uint32Array(o.batchSize);
  let gradNorm2 = 0, lr = 0, batches = 0;
  for (let start = 0; start < rows; start += o.batchSize) {
    const count = Math.min(o.batchSize, rows - start);
    batch.set(order.subarray(start, start + count));
    gradientInto(batch, count);
    for (let p = 0; p < grad.length; p++) gradNorm2 += grad[p] * grad[p];
    lr = learningRateAt(o, run.step, run.totalSteps);
    run.optimizer.update(params, grad, lr);
    afterUpdate();
    run.step++;
    batches++;
  }
  return { gradNorm2, batches, lr };
}

export class Trainer implements TomographyTrainer {
  readonly options: TrainOptions;
  readonly rbm: RBM;
  /** The shots in memory: all of them, or the current block when streaming from a file. */
  samples: Uint8Array;
  readonly nShots: number;
  readonly psi: Wavefunction | null;
  readonly rng: Rng;
  readonly sampler: GibbsSampler;
  readonly optimizer: Optimizer;
  epoch = 0;
  step = 0;
  /** Seconds spent in training epochs (excluding exact evaluation), carried across resumes. */
  elapsed = 0;
  /** Set when the shots are read block by block from a file instead of held in memory. */
  private readonly stream: ShotSource | null;
  private readonly blockShots: number;
  private readonly order: Uint32Array;
  private readonly grad: Float64Array;
  private readonly scratch: Float64Array;

  /**
   * `data` is either every shot in memory (M·N bytes) or a ShotSource read in blocks of
   * `blockShots` rows: each epoch visits the blocks in a random order and shuffles the shots within
   * each block, so memory stays bounded by one block whatever the file's size.
   */
  constructor(data: Uint8Array | ShotSource, nQubits: number, psi: Wavefunction | null, options: TrainOptions, state?: TrainerState, blockShots = STREAM_BLOCK_SHOTS) {
    this.options = options;
    this.stream = data instanceof Uint8Array ? null : data;
    this.nShots = data instanceof Uint8Array ? data.length / nQubits : data.nShots;
    this.blockShots = this.stream ? Math.min(blockShots, this.nShots) : this.nShots;
    this.samples = data instanceof Uint8Array ? data : new Uint8Array(this.blockShots * nQubits);
    this.psi = psi;
    this.rng = new Rng(options.seed);
    this.rbm = RBM.random(nQubits, options.nHidden, this.rng);
    this.sampler = new GibbsSampler(this.rbm, options.chains, this.rng);
    this.optimizer = makeOptimizer(options.optimizer, this.rbm.params.length, options.momentum);
    this.order = new Uint32Array(this.blockShots);
    this.grad = new Float64Array(this.rbm.params.length);
    this.scratch = new Float64Array(Math.max(options.nHidden, nQubits));
    if (state) this.restore(state);
  }

  private get nBlocks(): number {
    return Math.ceil(this.nShots / this.blockShots);
  }

  private blockSize(b: number): number {
    return Math.min(this.blockShots, this.nShots - b * this.blockShots);
  }

  get totalSteps(): number {
    let perEpoch = 0;
    for (let b = 0; b < this.nBlocks; b++) perEpoch += Math.ceil(this.blockSize(b) / this.options.batchSize);
    return this.options.epochs * perEpoch;
  }

  /** One pass over the shuffled data. Returns the epoch's record (exact metrics added by evaluate()). */
  runEpoch(): EpochRecord {
    const t0 = performance.now();
    const o = this.options, rbm = this.rbm, nV = rbm.nVisible;
    // Block order (streaming only: in memory there is one block and no draw is made).
    const blocks = Uint32Array.from({ length: this.nBlocks }, (_, b) => b);
    if (blocks.length > 1) this.rng.shuffle(blocks);
    let gradNorm2 = 0, lr = 0, batches = 0;
    for (const b of blocks) {
      const rows = this.blockSize(b);
      if (this.stream) this.stream.read(b * this.blockShots, rows, this.samples);
      const r = runShuffledBatches(this, rbm.params, this.grad, this.order.subarray(0, rows), (batch, count) => {
        if (o.method === "cd") {
          // CD-k: chains restart at the batch (padded cyclically if the last batch is short).
          for (let c = 0; c < o.chains; c++) this.sampler.visible.set(this.samples.subarray(batch[c % count] * nV, batch[c % count] * nV + nV), c * nV);
        }
        if (o.negativePhase === "exact") {
          batchGradient(rbm, this.samples, batch, count, this.sampler.visible, 0, this.grad, this.scratch);
          addExactModelAverage(rbm, -1, this.grad);
        } else {
          this.sampler.step(o.k, this.rng);
          batchGradient(rbm, this.samples, batch, count, this.sampler.visible, o.chains, this.grad, this.scratch);
        }
        if (o.weightDecay > 0) for (let w = 0; w < rbm.weights.length; w++) this.grad[w] += o.weightDecay * rbm.weights[w];
      }, () => this.sampler.syncWeights());
      gradNorm2 += r.gradNorm2;
      batches += r.batches;
      lr = r.lr;
    }
    this.epoch++;
    this.elapsed += (performance.now() - t0) / 1000;
    this.checkFinite();
    return { epoch: this.epoch, step: this.step, time_s: this.elapsed, lr, grad_norm: Math.sqrt(gradNorm2 / batches) };
  }

  /** Exact NLL, log Z and, with ground truth, fidelity and KL, by enumeration. */
  evaluate(): Record<string, number | undefined> {
    if (!this.stream) return { ...exactMetrics(this.rbm, this.samples, this.psi) };
    // Streaming: one enumeration, then the NLL accumulated block by block.
    const logp = unnormalisedLogProbabilities(this.rbm);
    const logZ = logSumExp(logp);
    for (let k = 0; k < logp.length; k++) logp[k] -= logZ;
    const metrics: Record<string, number | undefined> = { logZ };
    if (this.psi) {
      metrics.fidelity = fidelityWithPositive(this.psi, logp);
      metrics.kl = klDivergence(this.psi, logp);
    }
    let sum = 0;
    for (let b = 0; b < this.nBlocks; b++) {
      const rows = this.blockSize(b);
      this.stream.read(b * this.blockShots, rows, this.samples);
      sum += rows * negativeLogLikelihood(logp, this.samples.subarray(0, rows * this.rbm.nVisible), this.rbm.nVisible);
    }
    return { ...metrics, nll: sum / this.nShots };
  }

  modelSections(): Pick<ModelFile, "kind" | "rbm" | "rbms"> {
    return { kind: "positive-rbm", rbm: rbmToJson(this.rbm) };
  }

  private checkFinite(): void {
    for (let p = 0; p < this.rbm.params.length; p++) {
      if (!Number.isFinite(this.rbm.params[p])) {
        throw new TrainingDivergedError(
          `training diverged at epoch ${this.epoch}: a parameter became ${this.rbm.params[p]} (try a smaller --lr)`,
        );
      }
    }
  }

  getState(): TrainerState {
    return {
      epoch: this.epoch,
      step: this.step,
      elapsed: this.elapsed,
      params: Array.from(this.rbm.params),
      optimizer: this.optimizer.getState(),
      chains: Array.from(this.sampler.visible),
      rng: this.rng.getState(),
      samplerRng: this.sampler.getRngState(),
    };
  }

  private restore(s: TrainerState): void {
    if (s.params.length !== this.rbm.params.length) throw new QstError(`checkpoint has ${s.params.length} parameters, the model needs ${this.rbm.params.length}`);
    if (s.chains.length !== this.sampler.visible.length) throw new QstError(`checkpoint has ${s.chains.length / this.rbm.nVisible} chains, the options ask for ${this.options.chains}`);
    this.epoch = s.epoch;
    this.step = s.step;
    this.elapsed = s.elapsed;
    this.rbm.params.set(s.params);
    this.optimizer.setState(s.optimizer);
    this.sampler.visible.set(s.chains);
    if (s.samplerRng) this.sampler.setRngState(s.samplerRng);
    this.sampler.syncWeights();
    this.rng.setState(s.rng);
  }
}

export class TrainingDivergedError extends QstError {
  constructor(message: string) {
    super(message);
    this.name = "TrainingDivergedError";
  }
}
