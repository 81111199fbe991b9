/**
 * Training options: what they mean, their defaults (measured, docs/training.md), and their checks.
 * The same options serve every member of the wavefunction family.
 */
import { QstError } from "../core/errors.js";
import type { ModelKind } from "../nn/model.js";
import { LIKELIHOOD_WATCH_MAX_QUBITS } from "./cycles.js";
import type { OptimizerName } from "./optimizers.js";

/**
 * How the model average ⟨∂F_λ⟩_model of the gradient is formed (src/train/model-average.ts): persistent
 * chains (pcd), CD-k, persistent chains with parallel tempering (pt), enumeration (exact), or auto:
 * PCD that switches to PT when it measures that its chains do not mix (docs/training.md).
 */
export type NegativePhase = "pcd" | "cd" | "pt" | "exact" | "auto";
const NEGATIVE_PHASES: readonly NegativePhase[] = ["auto", "pcd", "cd", "pt", "exact"];

export interface TrainOptions {
  /** Hidden units of the amplitude RBM (default: N; density model 2N). */
  nHidden: number;
  /** Hidden units of the phase RBM, complex model only (default: nHidden). */
  nHiddenPhase?: number;
  /** Auxiliary units of the purification, density model only (default: 2N, DENSITY_DEFAULTS). */
  nAux?: number;
  /**
   * Epochs of one learning-rate cycle: the whole run, unless untilConverged (then the default is a
   * cycle of DEFAULTS.epochs).
   */
  epochs: number;
  /**
   * Train until the fit has converged (src/train/cycles.ts): the schedule's cycle of `epochs` is run
   * again from its top while the exact NLL of the Z-basis shots falls by more than 2·10⁻³ nats per shot
   * over a cycle (2 to 4 cycles). The default of the positive model when `epochs` is not given and
   * N ≤ 20 (the NLL needs log Z by enumeration); a fixed number of epochs otherwise.
   */
  untilConverged: boolean;
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
  /**
   * The model average ⟨∂F⟩_model (see NegativePhase); "exact" enumerates all 2^N configurations
   * (N ≤ MAX_EXACT_NEGATIVE_PHASE_QUBITS). Resolved "auto" is the monitored PCD.
   */
  negativePhase: NegativePhase;
  /**
   * Exchange moves of the chains (src/sample/exchange.ts) after every update's Gibbs sweeps: on, off,
   * or auto: on from the second epoch when every Z-basis shot of the first has the same Hamming
   * weight (the data lie in one magnetisation sector, where block Gibbs moves poorly).
   */
  exchange: "auto" | "on" | "off";
  /**
   * Confine the amplitude to the data's magnetisation sector (src/nn/sector.ts): auto does when every
   * Z-basis shot (at least MIN_SECTOR_SHOTS of them, in memory) has the same number of ones, as the
   * ground state of an S^z-conserving Hamiltonian gives; off never. Positive and complex models.
   */
  sector: "auto" | "off";
  /**
   * Centring of the amplitude RBM (src/train/centering.ts): the optimiser steps in coordinates
   * centred on the units' means, which keeps the noise of cat-like branches out of the weights'
   * gradient. On by default for the positive and complex models (the density model has no centring).
   */
  centering: boolean;
  /**
   * Iterate averaging (src/train/averaging.ts): the trained model is the mean of the parameters over
   * the second half of the last cycle. On by default for the complex model, whose phase the optimiser's
   * noise blurs most (docs/complex.md).
   */
  averaging: boolean;
  /** L2 penalty on the weights of every RBM (0 = none). */
  weightDecay: number;
  seed: number;
  /** Exact metrics every this many epochs when ground truth exists (0 = only at the end). */
  evalEvery: number;
  /**
   * Density model: start from the pure state that fits the shots ("pure", the default: a complex
   * wavefunction trained first, src/train/driver.ts) or from random parameters ("none").
   */
  warmStart?: "pure" | "none";
}

/** Defaults, chosen by measurement on the TFIM chain N = 10, h = 1, 10^4 shots (docs/training.md). */
export const DEFAULTS: Omit<TrainOptions, "nHidden"> = {
  epochs: 50,
  untilConverged: false,
  batchSize: 100,
  chains: 100,
  k: 10,
  learningRate: 0.03,
  optimizer: "adam",
  momentum: 0.9,
  schedule: "cosine",
  finalLearningRateFraction: 0.05,
  negativePhase: "auto",
  exchange: "auto",
  sector: "auto",
  centering: true,
  averaging: false,
  weightDecay: 0,
  seed: 1234,
  evalEvery: 10,
};

/**
 * The positive model's default cycle has at least this many optimiser steps (50 epochs of 100 batches:
 * the 10⁴ shots on which DEFAULTS were measured), so that a small file gets more epochs. Measured on
 * the W state N = 8 with 4000 shots: F = 0.74 and 0.90 (two seeds) after 50 epochs (2000 steps),
 * 0.978 and 0.984 after 125 (5000 steps).
 */
export const MIN_CYCLE_UPDATES = 5000;

/**
 * The complex model converges more slowly (two RBMs, rotated bases): its own defaults, measured
 * on the N = 8 Heisenberg chain, and iterate averaging, measured at N = 14 (docs/complex.md).
 */
export const COMPLEX_DEFAULTS = { epochs: 100, learningRate: 0.05, averaging: true };

/**
 * The density model's own defaults, measured on QuCumber's tutorial-3 data (W state, N = 2, 900 shots)
 * and a depolarised GHZ3 (27 000 shots) (docs/density.md): a smaller step than the pure models (larger
 * ones end in worse optima on GHZ3), n_h = n_a = 2N, and at least `minUpdates` optimiser steps, so a
 * small file gets more epochs (tutorial 3: 445) than a large one (GHZ3: the minimum, 100).
 */
export const DENSITY_DEFAULTS = { epochs: 100, learningRate: 0.02, hiddenPerQubit: 2, minUpdates: 4000 };

/** The exact negative phase is offered up to this many qubits (2^16 configurations per update). */
export const MAX_EXACT_NEGATIVE_PHASE_QUBITS = 16;

/**
 * `negativePhase: "auto"` enumerates for the complex model up to this many qubits: Gibbs chains of
 * an amplitude confined to a symmetry sector (S^z = 0 of the Heisenberg chain) mix too slowly for
 * PCD, and for small N the exact average is cheap.
 */
export const EXACT_NEGATIVE_PHASE_AUTO_MAX = 12;

/**
 * What a caller may leave out. `method` is the former spelling of pcd/cd (and is in checkpoints
 * written before the negative phases were one option): method "cd" means negativePhase "cd".
 */
export type TrainOptionsInput = Partial<TrainOptions> & { method?: "pcd" | "cd" };

/** Complete, checked options for a model of this kind on N qubits. */
export function resolveOptions(
  kind: ModelKind,
  nVisible: number,
  partial: TrainOptionsInput = {},
  nShots?: number,
): TrainOptions {
  const { method, ...given } = stripUndefined(partial);
  const kindDefaults: Partial<TrainOptions> =
    kind === "complex"
      ? COMPLEX_DEFAULTS
      : kind === "density"
        ? {
            epochs: DENSITY_DEFAULTS.epochs,
            learningRate: DENSITY_DEFAULTS.learningRate,
            nHidden: DENSITY_DEFAULTS.hiddenPerQubit * nVisible,
            nAux: DENSITY_DEFAULTS.hiddenPerQubit * nVisible,
          }
        : {};
  if (method !== undefined && method !== "pcd" && method !== "cd")
    throw new QstError(`--method must be pcd or cd, got ${method}`);
  let negativePhase = given.negativePhase ?? "auto";
  if (method === "cd") {
    if (negativePhase === "pt")
      throw new QstError(`--method cd restarts the chains at the data; it cannot be combined with --negative-phase pt`);
    if (negativePhase !== "exact") negativePhase = "cd";
  }
  // enumeration costs less than the chains' sweeps for small complex and density models (docs/complex.md)
  if (negativePhase === "auto" && kind !== "positive" && nVisible <= EXACT_NEGATIVE_PHASE_AUTO_MAX)
    negativePhase = "exact";
  const o: TrainOptions = { ...DEFAULTS, nHidden: nVisible, ...kindDefaults, ...given, negativePhase } as TrainOptions;
  // no number of epochs asked for: cycles of at least MIN_CYCLE_UPDATES steps, repeated until the fit
  // has converged where that can be judged
  if (kind === "positive" && given.epochs === undefined && nShots !== undefined && nShots > 0)
    o.epochs = Math.max(DEFAULTS.epochs, Math.ceil(MIN_CYCLE_UPDATES / Math.ceil(nShots / o.batchSize)));
  if (given.untilConverged === undefined)
    o.untilConverged = kind === "positive" && given.epochs === undefined && nVisible <= LIKELIHOOD_WATCH_MAX_QUBITS;
  else if (o.untilConverged && kind !== "positive")
    throw new QstError(
      `training until converged judges the Z-basis NLL, which is the whole cost only for the positive model; give --epochs for the ${kind} model`,
    );
  if (kind === "density" && given.epochs === undefined && nShots !== undefined && nShots > 0) {
    const perEpoch = Math.ceil(nShots / o.batchSize);
    o.epochs = Math.max(DENSITY_DEFAULTS.epochs, Math.ceil(DENSITY_DEFAULTS.minUpdates / perEpoch));
  }
  if (kind === "complex") o.nHiddenPhase ??= o.nHidden;
  else if (o.nHiddenPhase !== undefined)
    throw new QstError(`--phase-hidden is for the complex model (data with X/Y bases)`);
  if (kind !== "density" && o.nAux !== undefined)
    throw new QstError(`--aux is for the density model (--model density)`);
  if (kind === "density") o.warmStart ??= "pure";
  else if (o.warmStart !== undefined) throw new QstError(`--warm-start is for the density model (--model density)`);
  if (o.warmStart !== undefined && o.warmStart !== "pure" && o.warmStart !== "none")
    throw new QstError(`--warm-start must be pure or none, got ${String(o.warmStart)}`);
  const positiveInt = (name: keyof TrainOptions) => {
    const v = o[name] as number;
    if (!Number.isInteger(v) || v < 1) throw new QstError(`--${kebab(name)} must be a positive integer, got ${v}`);
  };
  (["nHidden", "epochs", "batchSize", "chains", "k"] as const).forEach(positiveInt);
  if (kind === "complex") positiveInt("nHiddenPhase");
  if (kind === "density") positiveInt("nAux");
  if (!Number.isInteger(o.evalEvery) || o.evalEvery < 0)
    throw new QstError(`--eval-every must be an integer ≥ 0, got ${o.evalEvery}`);
  if (!(o.learningRate > 0) || !Number.isFinite(o.learningRate))
    throw new QstError(`--lr must be a positive number, got ${o.learningRate}`);
  if (!(o.momentum >= 0 && o.momentum < 1)) throw new QstError(`--momentum must be in [0, 1), got ${o.momentum}`);
  if (!(o.weightDecay >= 0)) throw new QstError(`--weight-decay must be ≥ 0, got ${o.weightDecay}`);
  if (o.optimizer !== "sgd" && o.optimizer !== "adam")
    throw new QstError(`--optimizer must be sgd or adam, got ${o.optimizer}`);
  if (o.schedule !== "constant" && o.schedule !== "cosine")
    throw new QstError(`--schedule must be constant or cosine, got ${o.schedule}`);
  if (!Number.isSafeInteger(o.seed)) throw new QstError(`--seed must be an integer, got ${o.seed}`);
  if (!NEGATIVE_PHASES.includes(o.negativePhase)) {
    throw new QstError(`--negative-phase must be ${NEGATIVE_PHASES.join(", ")}; got ${String(o.negativePhase)}`);
  }
  if (o.negativePhase === "exact" && nVisible > MAX_EXACT_NEGATIVE_PHASE_QUBITS) {
    throw new QstError(
      `--negative-phase exact enumerates 2^N configurations at every update; N = ${nVisible} is above the limit of ${MAX_EXACT_NEGATIVE_PHASE_QUBITS} (use pcd)`,
    );
  }
  if (!["auto", "on", "off"].includes(o.exchange))
    throw new QstError(`--exchange must be auto, on or off; got ${String(o.exchange)}`);
  if (o.sector !== "auto" && o.sector !== "off")
    throw new QstError(`--sector must be auto or off; got ${String(o.sector)}`);
  if (kind === "density") o.sector = "off"; // a mixed state need not lie in one sector
  if (typeof o.untilConverged !== "boolean")
    throw new QstError(`untilConverged must be true or false, got ${String(o.untilConverged)}`);
  if (typeof o.averaging !== "boolean")
    throw new QstError(`averaging must be true or false, got ${String(o.averaging)}`);
  if (typeof o.centering !== "boolean")
    throw new QstError(`centering must be true or false, got ${String(o.centering)}`);
  if (o.negativePhase === "cd") o.chains = o.batchSize;
  if (kind === "density") o.centering = false; // its parameters are not one RBM's [W | b | c]
  return o;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The command-line flag of an option, for messages. */
function kebab(s: string): string {
  const special: Record<string, string> = {
    nHidden: "hidden",
    nHiddenPhase: "phase-hidden",
    nAux: "aux",
    batchSize: "batch",
    learningRate: "lr",
  };
  return special[s] ?? s.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase());
}

/** Learning rate at update `step` of a cycle of `totalSteps` (src/train/cycles.ts: a run may have several). */
export function learningRateAt(o: TrainOptions, step: number, totalSteps: number): number {
  if (o.schedule === "constant") return o.learningRate;
  const floor = o.learningRate * o.finalLearningRateFraction;
  return floor + (o.learningRate - floor) * 0.5 * (1 + Math.cos((Math.PI * Math.min(step, totalSteps)) / totalSteps));
}
