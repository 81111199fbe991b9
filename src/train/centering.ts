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

/**
 * Z-basis shots of every batch that update λ: one, so that λ costs one hidden activation per update
 * (at N = n_h = 200, four cost 8 % of an epoch); the moving average still pools about 2/rate = 200.
 */
const LAMBDA_ROWS = 1;
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
  /** Wλ and Wᵀμ before the step (centre), for afterStep. */
  private readonly wLambda: Float64Array;
  private readonly wMu: Float64Array;
  /** The hidden-bias gradient, copied out so that the inner loop reads one small array. */
  private readonly gc: Float64Array;
  private readonly theta: Float64Array;
  private readonly mean: Float64Array;
  /** Scratch: W′λ in afterStep, and the visible units that are on in the row of a hidden activation. */
  private readonly newLambda: Float64Array;
  private readonly active: Int32Array;

  constructor(rbm: RBM) {
    this.rbm = rbm;
    this.mu = new Float64Array(rbm.nVisible).fill(0.5);
    this.lambda = new Float64Array(rbm.nHidden).fill(0.5);
    this.wLambda = new Float64Array(rbm.nVisible);
    this.wMu = new Float64Array(rbm.nHidden);
    this.gc = new Float64Array(rbm.nHidden);
    this.theta = new Float64Array(rbm.nHidden);
    this.mean = new Float64Array(rbm.nHidden);
    this.newLambda = new Float64Array(rbm.nVisible);
    this.active = new Int32Array(rbm.nVisible);
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
      nW = nV * nH,
      W = rbm.weights;
    const mean = this.mean.fill(0),
      theta = this.theta;
    let used = 0;
    for (let k = 0; k < count && used < LAMBDA_ROWS; k++) {
      const at = batch[k] * nV;
      if (bases && !isZBasisRow(bases, at, nV)) continue;
      theta.set(rbm.hiddenBias);
      addActiveRows(W, nV, nH, samples, at, this.active, theta);
      for (let j = 0; j < nH; j++) mean[j] += 1 / (1 + Math.exp(-theta[j]));
      used++;
    }
    const lambda = this.lambda;
    if (used > 0) for (let j = 0; j < nH; j++) lambda[j] += LAMBDA_RATE * (mean[j] / used - lambda[j]);
    // Wλ and Wᵀμ of the weights before the step: afterStep needs ΔWλ = W′λ − Wλ and ΔWᵀμ = W′ᵀμ − Wᵀμ,
    // without a copy of W.
    weightProducts(W, nV, nH, lambda, this.mu, this.wLambda, this.wMu);
    // The centred W-gradient: ∂L/∂W − (∂L/∂b) λᵀ − μ (∂L/∂c)ᵀ. The c-gradient is copied out so that the
    // kernel reads a small array of its own rather than the tail of the one it writes.
    const gc = this.gc;
    gc.set(grad.subarray(nW + nV, nW + nV + nH));
    centreWeightGradient(grad, nV, nH, grad.subarray(nW, nW + nV), gc, lambda, this.mu);
  }

  /** After the optimiser's step: the step ΔW in centred coordinates moves b by −ΔWλ and c by −ΔWᵀμ. */
  afterStep(): void {
    const rbm = this.rbm,
      nV = rbm.nVisible,
      nH = rbm.nHidden,
      b = rbm.visibleBias,
      c = rbm.hiddenBias,
      newLambda = this.newLambda, // scratch: W′λ
      newMu = this.mean; // scratch: W′ᵀμ
    weightProducts(rbm.weights, nV, nH, this.lambda, this.mu, newLambda, newMu);
    for (let i = 0; i < nV; i++) b[i] -= newLambda[i] - this.wLambda[i];
    for (let j = 0; j < nH; j++) c[j] -= newMu[j] - this.wMu[j];
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

/*
 * The kernels below are the passes over the nV × nH weight matrix; at N = n_h = 200 they run twice per
 * optimiser update, so they are written for speed (plain functions of typed arrays, so that V8 sees one
 * shape at every call): four rows of W per trip through the inner loop, so that each element of the
 * small per-hidden-unit arrays (λ, Wᵀμ, ∂L/∂c) is loaded and stored once per four rows instead of once
 * per row, and the four row sums stay in registers. This changes only the order of the sums. The
 * products and the gradient transform are separate passes: fused into one loop (as many live values
 * as there are registers) they ran at half the speed of the two passes together (V8 in Node 20,
 * N = n_h = 200). With these, centre + afterStep cost about 17 ms per 200 updates there (was 38).
 */

/** wLambda = W λ and wMu = Wᵀ μ for the row-major nV × nH matrix W. */
function weightProducts(
  W: Float64Array,
  nV: number,
  nH: number,
  lambda: Float64Array,
  mu: Float64Array,
  wLambda: Float64Array,
  wMu: Float64Array,
): void {
  wMu.fill(0);
  let i = 0;
  for (; i + 4 <= nV; i += 4) {
    const r0 = i * nH,
      r1 = r0 + nH,
      r2 = r1 + nH,
      r3 = r2 + nH,
      m0 = mu[i],
      m1 = mu[i + 1],
      m2 = mu[i + 2],
      m3 = mu[i + 3];
    let s0 = 0,
      s1 = 0,
      s2 = 0,
      s3 = 0;
    for (let j = 0; j < nH; j++) {
      const l = lambda[j],
        w0 = W[r0 + j],
        w1 = W[r1 + j],
        w2 = W[r2 + j],
        w3 = W[r3 + j];
      s0 += w0 * l;
      s1 += w1 * l;
      s2 += w2 * l;
      s3 += w3 * l;
      wMu[j] += w0 * m0 + w1 * m1 + (w2 * m2 + w3 * m3);
    }
    wLambda[i] = s0;
    wLambda[i + 1] = s1;
    wLambda[i + 2] = s2;
    wLambda[i + 3] = s3;
  }
  for (; i < nV; i++) {
    const r = i * nH,
      m = mu[i];
    let s = 0;
    for (let j = 0; j < nH; j++) {
      const w = W[r + j];
      s += w * lambda[j];
      wMu[j] += w * m;
    }
    wLambda[i] = s;
  }
}

/** G_ij −= gb_i λ_j + μ_i gc_j on the W-block (the first nV × nH entries) of grad. */
function centreWeightGradient(
  grad: Float64Array,
  nV: number,
  nH: number,
  gb: Float64Array,
  gc: Float64Array,
  lambda: Float64Array,
  mu: Float64Array,
): void {
  let i = 0;
  for (; i + 4 <= nV; i += 4) {
    const r0 = i * nH,
      r1 = r0 + nH,
      r2 = r1 + nH,
      r3 = r2 + nH,
      b0 = gb[i],
      b1 = gb[i + 1],
      b2 = gb[i + 2],
      b3 = gb[i + 3],
      m0 = mu[i],
      m1 = mu[i + 1],
      m2 = mu[i + 2],
      m3 = mu[i + 3];
    for (let j = 0; j < nH; j++) {
      const l = lambda[j],
        g = gc[j];
      grad[r0 + j] -= b0 * l + m0 * g;
      grad[r1 + j] -= b1 * l + m1 * g;
      grad[r2 + j] -= b2 * l + m2 * g;
      grad[r3 + j] -= b3 * l + m3 * g;
    }
  }
  for (; i < nV; i++) {
    const r = i * nH,
      b = gb[i],
      m = mu[i];
    for (let j = 0; j < nH; j++) grad[r + j] -= b * lambda[j] + m * gc[j];
  }
}

/**
 * out += Σ_i v_i W_i (the rows of W where the binary unit v_i = 1; v at v[at..at+nV)): RBM.hiddenActivation
 * without the biases, four rows of W per pass over out (a row at a time, the read-modify-write of out
 * made this hidden activation cost as much as the gradient transform).
 */
function addActiveRows(
  W: Float64Array,
  nV: number,
  nH: number,
  v: Uint8Array,
  at: number,
  active: Int32Array,
  out: Float64Array,
): void {
  let n = 0;
  for (let i = 0; i < nV; i++) if (v[at + i] !== 0) active[n++] = i * nH;
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    const r0 = active[k],
      r1 = active[k + 1],
      r2 = active[k + 2],
      r3 = active[k + 3];
    for (let j = 0; j < nH; j++) out[j] += W[r0 + j] + W[r1 + j] + (W[r2 + j] + W[r3 + j]);
  }
  for (; k < n; k++) {
    const r = active[k];
    for (let j = 0; j < nH; j++) out[j] += W[r + j];
  }
}
