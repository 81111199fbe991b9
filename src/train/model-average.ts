/**
 * The model average ⟨∂F_λ/∂λ⟩_{p_λ} of the NLL gradient (its "negative phase"), in one interface
 * for every way of forming it:
 *   - persistent Gibbs chains (PCD: the chains carry over from update to update),
 *   - CD-k (the chains restart at the batch's shots before their k sweeps),
 *   - persistent chains with parallel tempering (PT, src/sample/tempering.ts): the β = 1 replicas,
 *   - "auto": PCD until the mixing monitor (src/train/mixing.ts) finds, at the end of an epoch,
 *     that the chains do not mix; PT from then on,
 *   - exact enumeration of all 2^N configurations (small N; no sampling bias).
 * Only the amplitude RBM λ has one: ∂_μ log Z_λ = 0 for the phase RBM.
 *
 * Every average keeps the persistent chains, so that the random stream, and with it the initial
 * parameters and the order of the shots, is the same whichever negative phase is chosen, and a
 * checkpoint has the same fields; the exact average leaves its chains where they are.
 */
import { QstError } from "../core/errors.js";
import { Rng } from "../core/rng.js";
import { addExactModelAverage } from "../nn/enumeration.js";
import { accumulateFreeEnergyGradient, type RBM } from "../nn/rbm.js";
import { GibbsSampler } from "../sample/gibbs.js";
import { TemperedChains, type TemperingState } from "../sample/tempering.js";
import { ExchangeMoves } from "../sample/exchange.js";
import { MixingMonitor, type MixingSummary } from "./mixing.js";
import type { NegativePhase, TrainOptions } from "./options.js";

/** The chains' part of a checkpoint (field names as in checkpoint files). */
export interface ChainState {
  /** Visible states, chain-major. */
  chains: number[];
  /** The chains' own RNG streams (16 words per chain); absent in checkpoints from before they existed. */
  samplerRng?: number[];
  /** The tempered replicas, when PT is (or auto has switched to it) in use. */
  tempering?: TemperingState;
  /** Epoch after which auto switched to PT. */
  temperedFromEpoch?: number;
  /**
   * Exchange moves: the epoch after which they started (0 = from the start) and their streams,
   * `chainRng`: 4 words per chain (ExchangeMoves.getRngState). `rng` (one stream of 4 words for all
   * chains) is what checkpoints from before the per-chain streams hold; they are refused.
   */
  exchange?: { fromEpoch: number; chainRng?: number[]; rng?: number[] };
  /** The lowest Z-basis NLL the likelihood watch reported, so that a resumed run judges a rise the same. */
  lowestNll?: number;
}

/** What the negative phase is doing, for logs: the phase in use and the tempering ladder. */
export interface NegativePhaseReport {
  negativePhase: Exclude<NegativePhase, "auto">;
  /** Epoch after which auto switched to PT. */
  switchedAtEpoch?: number;
  betas?: number[];
  swapRates?: number[];
  /** Exchange moves, when in use: from which epoch, and the acceptance over the last epoch. */
  exchange?: { fromEpoch: number; acceptance: number };
}

export interface ModelAverage {
  readonly rbm: RBM;
  /** The Gibbs chains (kept by every average; see above). */
  readonly sampler: GibbsSampler;
  /**
   * The configurations whose mean ∂F is the average (chain-major, `count` rows), or null when the
   * average is exact. A data gradient may fold these rows into its own pass (src/train/gradients.ts).
   */
  samples(): { visible: Uint8Array; count: number } | null;
  /**
   * Before each update: move the chains (k sweeps, after a restart at the batch for CD-k). `bases`
   * (the block's, null = all Z) tells the mixing monitor which shots it may compare with.
   */
  prepare(shots: Uint8Array, batch: Uint32Array, count: number, bases?: Uint8Array | null): void;
  /** grad += weight · ⟨∂F/∂λ⟩ (layout of rbm.params). */
  addTo(weight: number, grad: Float64Array): void;
  /** After each parameter update. */
  afterUpdate(): void;
  /** After each epoch: the chains' mixing over it (null when not measured), and auto's decision. */
  endEpoch(epoch: number): MixingSummary | null;
  report(): NegativePhaseReport;
  /**
   * The likelihood watch's Z-basis NLL at `epoch` (chains only: the exact average cannot miss a mode).
   * When it lies more than `threshold` above the lowest reported before, returns that lowest value and,
   * under negativePhase "auto", switches the chains to parallel tempering (`switched`); else null.
   */
  nllRose?(epoch: number, nll: number, threshold: number): { from: number; switched: boolean } | null;
  getState(): ChainState;
  restore(state: ChainState): void;
}

/**
 * The model average the options ask for, over Gibbs chains of `rbm` seeded from `rng`. `inSector`:
 * the data are known to lie in one magnetisation sector (in-memory shots, scanned by the driver), so
 * auto's exchange moves start with the first update instead of after the first epoch. The tempered
 * replicas draw from their own stream (from the seed), so that `rng` gives the same initial model,
 * β = 1 chains and order of the shots whichever negative phase is used.
 */
export function modelAverage(rbm: RBM, options: TrainOptions, rng: Rng, inSector = false): ModelAverage {
  const sampler = new GibbsSampler(rbm, options.chains, rng);
  return options.negativePhase === "exact"
    ? new ExactAverage(rbm, sampler)
    : new ChainAverage(rbm, sampler, options, inSector);
}

/**
 * Tempered replicas sweep this many times k per update: the β = 1 chains of a strongly ordered model
 * relax slowly inside a mode, and the lag biases the gradient (TFIM N = 10, h = 0.2: F = 0.986 with
 * k = 10, 0.993 with 20; exact negative phase 0.9987; docs/training.md).
 */
export const PT_SWEEP_FACTOR = 2;

/**
 * Exchange proposals per chain and update, in units of N. On the shipped Heisenberg set with a
 * sampled negative phase (`--negative-phase pcd`, 100 epochs, moves from the first update) 3N gave
 * F = 0.992–0.995 over four seeds; N gave 0.92–0.99 (moves from the first or second epoch); plain
 * PCD 0.69–0.83 (docs/training.md). They run after the sweeps: each sweep starts from v, so the
 * hidden states the moves leave stale are drawn afresh, also in the tempered replicas.
 */
export const EXCHANGE_SWEEPS = 3;

/** The tempering's stream: a seed of its own, derived from the run's. */
function temperingRng(seed: number): Rng {
  const lo = seed >>> 0;
  return new Rng(seed - lo + ((lo ^ 0x9e3779b9) >>> 0));
}

/** The exchange moves' stream, likewise. */
function exchangeRng(seed: number): Rng {
  const lo = seed >>> 0;
  return new Rng(seed - lo + ((lo ^ 0x85ebca6b) >>> 0));
}

abstract class ChainsKept {
  constructor(
    readonly rbm: RBM,
    readonly sampler: GibbsSampler,
  ) {}

  getState(): ChainState {
    return { chains: Array.from(this.sampler.visible), samplerRng: this.sampler.getRngState() };
  }

  restore(s: ChainState): void {
    this.sampler.visible.set(s.chains);
    if (s.samplerRng) this.sampler.setRngState(s.samplerRng);
    this.sampler.syncWeights();
  }

  endEpoch(_epoch: number): MixingSummary | null {
    return null;
  }
}

/** ⟨∂F⟩ over the Gibbs chains: PCD, CD-k, PT, or PCD switching to PT (auto). */
class ChainAverage extends ChainsKept implements ModelAverage {
  private readonly theta: Float64Array;
  private tempered: TemperedChains | null = null;
  /** The lowest NLL reported by nllRose (checkpointed). */
  private lowestNll = Number.POSITIVE_INFINITY;
  /** Measures mixing for auto and the alarm; CD's chains restart at the data, so not for CD. */
  private readonly monitor: MixingMonitor | null;
  private switchedAtEpoch: number | undefined;
  /** A sector model's chains: their exchange acceptance over the last epoch. */
  private sectorAcceptance = Number.NaN;
  private exchange: { moves: ExchangeMoves; fromEpoch: number; acceptance: number } | null = null;

  constructor(
    rbm: RBM,
    sampler: GibbsSampler,
    private readonly options: Pick<TrainOptions, "k" | "negativePhase" | "seed" | "exchange">,
    inSector: boolean,
  ) {
    super(rbm, sampler);
    this.theta = new Float64Array(Math.max(rbm.nHidden, rbm.nVisible));
    this.monitor = options.negativePhase === "cd" ? null : new MixingMonitor(rbm.nVisible);
    if (rbm.sector !== null && options.negativePhase === "cd")
      throw new QstError(
        "CD-k restarts the chains at the shots, some of which (rotated bases) lie outside the model's magnetisation sector; use --negative-phase pcd, or --sector off",
      );
    if (options.negativePhase === "pt") this.temper();
    // a sector model's chains move by exchanges already (src/sample/gibbs.ts)
    if (rbm.sector === null && (options.exchange === "on" || (options.exchange === "auto" && inSector)))
      this.startExchange(0);
  }

  private startExchange(fromEpoch: number, saved?: ChainState["exchange"]): void {
    // one stream per chain, split from the run's exchange seed
    const moves = new ExchangeMoves(this.rbm, exchangeRng(this.options.seed), this.sampler.nChains);
    if (saved && !saved.chainRng)
      throw new QstError(
        "this checkpoint's exchange moves are from before their chains had one stream each; it cannot be resumed (start the run afresh)",
      );
    if (saved?.chainRng) moves.setRngState(saved.chainRng);
    this.exchange = { moves, fromEpoch, acceptance: Number.NaN };
  }

  private temper(): void {
    this.tempered = new TemperedChains(this.sampler, temperingRng(this.options.seed));
  }

  samples(): { visible: Uint8Array; count: number } {
    return { visible: this.sampler.visible, count: this.sampler.nChains };
  }

  prepare(shots: Uint8Array, batch: Uint32Array, count: number, bases: Uint8Array | null = null): void {
    const nV = this.rbm.nVisible,
      visible = this.sampler.visible;
    if (this.options.negativePhase === "cd") {
      // CD-k: chains restart at the batch (padded cyclically if the last batch is short).
      for (let c = 0; c < this.sampler.nChains; c++) {
        const from = batch[c % count] * nV;
        visible.set(shots.subarray(from, from + nV), c * nV);
      }
    }
    if (this.tempered) this.tempered.step(PT_SWEEP_FACTOR * this.options.k);
    else this.sampler.step(this.options.k);
    this.exchange?.moves.step(visible, this.sampler.nChains, EXCHANGE_SWEEPS * this.rbm.nVisible);
    this.monitor?.observeData(shots, batch, count, bases);
    this.monitor?.observeChains(visible, this.sampler.nChains);
  }

  addTo(weight: number, grad: Float64Array): void {
    const C = this.sampler.nChains,
      nV = this.rbm.nVisible,
      visible = this.sampler.visible;
    for (let c = 0; c < C; c++) accumulateFreeEnergyGradient(this.rbm, visible, c * nV, weight / C, grad, this.theta);
  }

  afterUpdate(): void {
    if (!this.tempered) {
      this.sampler.syncWeights();
      return;
    }
    this.tempered.syncWeights();
    this.tempered.adapt();
  }

  nllRose(epoch: number, nll: number, threshold: number): { from: number; switched: boolean } | null {
    const from = this.lowestNll;
    this.lowestNll = Math.min(from, nll);
    if (!(nll > from + threshold)) return null;
    const switched = this.options.negativePhase === "auto" && !this.tempered && this.rbm.sector === null;
    if (switched) {
      this.switchedAtEpoch = epoch;
      this.temper();
    }
    return { from, switched };
  }

  override endEpoch(epoch: number): MixingSummary | null {
    const summary = this.monitor?.endEpoch(epoch) ?? null;
    if (this.exchange) this.exchange.acceptance = this.exchange.moves.takeAcceptance();
    if (this.rbm.sector !== null) this.sectorAcceptance = this.sampler.takeExchangeAcceptance();
    // a sector model has no tempered form (src/sample/tempering.ts): the alarm speaks for it
    if (this.options.negativePhase === "auto" && !this.tempered && this.rbm.sector === null && summary?.slow) {
      this.switchedAtEpoch = epoch;
      this.temper();
    }
    // streamed data are known after the first epoch: one sector of fixed magnetisation calls for exchanges
    if (
      this.options.exchange === "auto" &&
      !this.exchange &&
      this.rbm.sector === null &&
      this.monitor?.dataSector() != null
    )
      this.startExchange(epoch);
    return summary;
  }

  report(): NegativePhaseReport {
    const o = this.options.negativePhase;
    const exchange = this.exchange
      ? { exchange: { fromEpoch: this.exchange.fromEpoch, acceptance: this.exchange.acceptance } }
      : this.rbm.sector !== null
        ? { exchange: { fromEpoch: 0, acceptance: this.sectorAcceptance } }
        : {};
    if (!this.tempered) return { negativePhase: o === "auto" ? "pcd" : (o as "pcd" | "cd"), ...exchange };
    return {
      negativePhase: "pt",
      switchedAtEpoch: this.switchedAtEpoch,
      betas: this.tempered.betas,
      swapRates: this.tempered.lastMeasuredRates,
      ...exchange,
    };
  }

  override getState(): ChainState {
    const s = super.getState();
    const exchange = this.exchange
      ? { exchange: { fromEpoch: this.exchange.fromEpoch, chainRng: this.exchange.moves.getRngState() } }
      : {};
    const nll = Number.isFinite(this.lowestNll) ? { lowestNll: this.lowestNll } : {};
    if (!this.tempered) return { ...s, ...exchange, ...nll };
    return {
      ...s,
      ...nll,
      tempering: this.tempered.getState(),
      ...(this.switchedAtEpoch !== undefined ? { temperedFromEpoch: this.switchedAtEpoch } : {}),
      ...exchange,
    };
  }

  override restore(s: ChainState): void {
    super.restore(s);
    this.lowestNll = s.lowestNll ?? Number.POSITIVE_INFINITY;
    this.monitor?.rememberChains(this.sampler.visible);
    if (s.tempering) {
      if (!this.tempered) this.temper();
      this.tempered!.setState(s.tempering);
      this.switchedAtEpoch = s.temperedFromEpoch;
    }
    if (s.exchange) this.startExchange(s.exchange.fromEpoch, s.exchange);
  }
}

/** ⟨∂F⟩ by enumerating all 2^N configurations (src/nn/enumeration.ts). */
class ExactAverage extends ChainsKept implements ModelAverage {
  samples(): null {
    return null;
  }

  report(): NegativePhaseReport {
    return { negativePhase: "exact" };
  }

  prepare(): void {}

  addTo(weight: number, grad: Float64Array): void {
    addExactModelAverage(this.rbm, weight, grad);
  }

  afterUpdate(): void {
    this.sampler.syncWeights();
  }
}
