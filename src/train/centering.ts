/**
 * Centring of the amplitude RBM (Montavon & Müller, LNCS 7700, 2012; Melchior, Fischer & Wiskott,
 * JMLR 17, 2016, "How to center deep Boltzmann machines").
 *
 * The energy written about offsets μ (visible) and λ (hidden),
 *   E = −(v − μ)ᵀ W (h − λ) − (v − μ)ᵀ b′ − (h − λ)ᵀ c′,
 * is the same RBM as E = −vᵀWh − vᵀb − hᵀc with b = b′ − Wλ and c = c′ − Wᵀμ (up to a constant): a
 * change of coordinates, not of model. The optimiser steps in the centred coordinates (W, b′, c′),
 * where by the chain rule
 *   ∂L/∂W|centred = ∂L/∂W − (∂L/∂b) λᵀ − μ (∂L/∂c)ᵀ,   ∂L/∂b′ = ∂L/∂b,   ∂L/∂c′ = ∂L/∂c,
 * and a step ΔW there moves the stored (uncentred) biases by b −= ΔW λ, c −= ΔWᵀ μ. The stored model
 * is always the plain RBM; only the optimiser's coordinates differ.
 *
 * Why: with μ and λ at the means of v and h, the gradient of W measures covariances rather than joint
 * occupations. In a cat-like state (GHZ, the ordered TFIM) the fraction of the chains in each branch
 * fluctuates from update to update. Uncentred, that fluctuation enters every W_ij of a branch's hidden
 * units at full size and drowns the small signal that sharpens the branches, so Adam's normalised
 * steps shrink as the fit improves and training stalls (GHZ N = 10, tempered chains, 50 epochs:
 * F = 0.972). Centred, both branches contribute the same (v − μ)(h − λ) and the fluctuation cancels
 * (F = 0.9997; docs/training.md has the measurements).
 *
 * Offsets: μ is the mean of the Z-basis shots (fixed: the first block of shots read, 0.5 where there
 * are none); λ a moving average (rate LAMBDA_RATE) of the mean hidden probability σ(c + Wᵀv) over the
 * first LAMBDA_ROWS Z-basis shots of every batch: cheap beside the gradient, and the average pools
 * several hundred shots.
 */
import type { RBM } from "../nn/rbm.js";
import { isZBasisRow } from "./shots.js";

/** Z-basis shots of every batch that update λ. */
const LAMBDA_ROWS = 4;
/** λ ← λ + rate (batch mean − λ) (Melchior et al. use 0.01–0.1). */
const LAMBDA_RATE = 0.01;

/** The centring's part of a checkpoint. */
export interface CenteringState {
  mu: number[];
  lambda: number[];
}

export class Centering {
  readonly rbm: RBM;
  /** Offsets of the visible and hidden units. */
  readonly mu: Float64Array;
  readonly lambda: Float64Array;
  private muKnown = false;
  private readonly before: Float64Array;
  private readonly theta: Float64Array;
  private readonly mean: Float64Array;

  constructor(rbm: RBM) {
    this.rbm = rbm;
    this.mu = new Float64Array(rbm.nVisible).fill(0.5);
    this.lambda = new Float64Array(rbm.nHidden).fill(0.5);
    this.before = new Float64Array(rbm.weights.length);
    this.theta = new Float64Array(rbm.nHidden);
    this.mean = new Float64Array(rbm.nHidden);
  }

  /** μ from the first block of shots the run reads (kept for the rest of the run, and in checkpoints). */
  setVisibleOffsets(samples: Uint8Array, bases: Uint8Array | null, rows: number): void {
    if (this.muKnown) return;
    this.muKnown = true;
    const nV = this.rbm.nVisible,
      sum = new Float64Array(nV);
    let n = 0;
    for (let m = 0; m < rows; m++) {
      const at = m * nV;
      if (bases && !isZBasisRow(bases, at, nV)) continue;
      for (let i = 0; i < nV; i++) sum[i] += samples[at + i];
      n++;
    }
    if (n > 0) for (let i = 0; i < nV; i++) this.mu[i] = sum[i] / n;
  }

  /**
   * Before the optimiser's step: λ follows the batch's hidden means, and `grad` (the gradient of the
   * amplitude RBM's parameters, [W | b | c], at its start) becomes the centred one.
   */
  centre(grad: Float64Array, samples: Uint8Array, bases: Uint8Array | null, batch: Uint32Array, count: number): void {
    const rbm = this.rbm,
      nV = rbm.nVisible,
      nH = rbm.nHidden,
      nW = nV * nH;
    const mean = this.mean.fill(0);
    let used = 0;
    for (let k = 0; k < count && used < LAMBDA_ROWS; k++) {
      const at = batch[k] * nV;
      if (bases && !isZBasisRow(bases, at, nV)) continue;
      rbm.hiddenActivation(samples, this.theta, at);
      for (let j = 0; j < nH; j++) mean[j] += 1 / (1 + Math.exp(-this.theta[j]));
      used++;
    }
    const lambda = this.lambda,
      mu = this.mu;
    if (used > 0) for (let j = 0; j < nH; j++) lambda[j] += LAMBDA_RATE * (mean[j] / used - lambda[j]);
    for (let i = 0; i < nV; i++) {
      const gb = grad[nW + i],
        mi = mu[i],
        row = i * nH;
      for (let j = 0; j < nH; j++) grad[row + j] -= gb * lambda[j] + mi * grad[nW + nV + j];
    }
    this.before.set(rbm.weights);
  }

  /** After the optimiser's step: the step ΔW in centred coordinates moves b by −ΔWλ and c by −ΔWᵀμ. */
  afterStep(): void {
    const rbm = this.rbm,
      nH = rbm.nHidden,
      W = rbm.weights,
      b = rbm.visibleBias,
      c = rbm.hiddenBias;
    for (let i = 0; i < rbm.nVisible; i++) {
      const row = i * nH,
        mi = this.mu[i];
      let db = 0;
      for (let j = 0; j < nH; j++) {
        const d = W[row + j] - this.before[row + j];
        db += d * this.lambda[j];
        c[j] -= d * mi;
      }
      b[i] -= db;
    }
  }

  getState(): CenteringState {
    return { mu: Array.from(this.mu), lambda: Array.from(this.lambda) };
  }

  setState(s: CenteringState): void {
    if (s.mu.length !== this.mu.length || s.lambda.length !== this.lambda.length)
      throw new Error(
        `checkpoint's centring has ${s.mu.length} + ${s.lambda.length} offsets, the RBM needs ${this.mu.length} + ${this.lambda.length}`,
      );
    this.mu.set(s.mu);
    this.lambda.set(s.lambda);
    this.muKnown = true;
  }
}
