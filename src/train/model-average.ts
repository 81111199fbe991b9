/**
 * The model average ⟨∂F_λ/∂λ⟩_{p_λ} of the NLL gradient (its "negative phase"), in one interface
 * for every way of forming it:
 *   - persistent Gibbs chains (PCD: the chains carry over from update to update),
 *   - CD-k (the chains restart at the batch's shots before their k sweeps),
 *   - exact enumeration of all 2^N configurations (small N; no sampling bias).
 * Only the amplitude RBM λ has one: ∂_μ log Z_λ = 0 for the phase RBM.
 *
 * Every average keeps the persistent chains, so that the random stream, and with it the initial
 * parameters and the order of the shots, is the same whichever negative phase is chosen, and a
 * checkpoint has the same fields; the exact average leaves its chains where they are.
 */
import type { Rng } from "../core/rng.js";
import { addExactModelAverage } from "../nn/enumeration.js";
import { accumulateFreeEnergyGradient, type RBM } from "../nn/rbm.js";
import { GibbsSampler } from "../sample/gibbs.js";
import type { TrainOptions } from "./options.js";

/** The chains' part of a checkpoint (field names as in checkpoint files). */
export interface ChainState {
  /** Visible states, chain-major. */
  chains: number[];
  /** The chains' own RNG streams (16 words per chain); absent in checkpoints from before they existed. */
  samplerRng?: number[];
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
  /** Before each update: move the chains (k sweeps, after a restart at the batch for CD-k). */
  prepare(shots: Uint8Array, batch: Uint32Array, count: number): void;
  /** grad += weight · ⟨∂F/∂λ⟩ (layout of rbm.params). */
  addTo(weight: number, grad: Float64Array): void;
  /** After each parameter update. */
  afterUpdate(): void;
  getState(): ChainState;
  restore(state: ChainState): void;
}

/** The model average the options ask for, over Gibbs chains of `rbm` seeded from `rng`. */
export function modelAverage(rbm: RBM, options: TrainOptions, rng: Rng): ModelAverage {
  const sampler = new GibbsSampler(rbm, options.chains, rng);
  return options.negativePhase === "exact" ? new ExactAverage(rbm, sampler) : new ChainAverage(rbm, sampler, options);
}

abstract class ChainsKept {
  constructor(readonly rbm: RBM, readonly sampler: GibbsSampler) {}

  getState(): ChainState {
    return { chains: Array.from(this.sampler.visible), samplerRng: this.sampler.getRngState() };
  }

  restore(s: ChainState): void {
    this.sampler.visible.set(s.chains);
    if (s.samplerRng) this.sampler.setRngState(s.samplerRng);
    this.sampler.syncWeights();
  }
}

/** ⟨∂F⟩ over the Gibbs chains: PCD, or CD-k. */
class ChainAverage extends ChainsKept implements ModelAverage {
  private readonly theta: Float64Array;

  constructor(rbm: RBM, sampler: GibbsSampler, private readonly options: Pick<TrainOptions, "k" | "method">) {
    super(rbm, sampler);
    this.theta = new Float64Array(Math.max(rbm.nHidden, rbm.nVisible));
  }

  samples(): { visible: Uint8Array; count: number } {
    return { visible: this.sampler.visible, count: this.sampler.nChains };
  }

  prepare(shots: Uint8Array, batch: Uint32Array, count: number): void {
    const nV = this.rbm.nVisible, visible = this.sampler.visible;
    if (this.options.method === "cd") {
      // CD-k: chains restart at the batch (padded cyclically if the last batch is short).
      for (let c = 0; c < this.sampler.nChains; c++) {
        const from = batch[c % count] * nV;
        visible.set(shots.subarray(from, from + nV), c * nV);
      }
    }
    this.sampler.step(this.options.k);
  }

  addTo(weight: number, grad: Float64Array): void {
    const C = this.sampler.nChains, nV = this.rbm.nVisible, visible = this.sampler.visible;
    for (let c = 0; c < C; c++) accumulateFreeEnergyGradient(this.rbm, visible, c * nV, weight / C, grad, this.theta);
  }

  afterUpdate(): void {
    this.sampler.syncWeights();
  }
}

/** ⟨∂F⟩ by enumerating all 2^N configurations (src/nn/enumeration.ts). */
class ExactAverage extends ChainsKept implements ModelAverage {
  samples(): null {
    return null;
  }

  prepare(): void {}

  addTo(weight: number, grad: Float64Array): void {
    addExactModelAverage(this.rbm, weight, grad);
  }

  afterUpdate(): void {
    this.sampler.syncWeights();
  }
}
