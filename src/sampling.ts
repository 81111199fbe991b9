/**
 * Block Gibbs sampling of an RBM: v → h → v → …
 *
 * Because the hidden units are independent given v (and vice versa), a whole layer is drawn at
 * once: p(h_j = 1 | v) = σ(c_j + Σ_i W_ij v_i), p(v_i = 1 | h) = σ(b_i + Σ_j W_ij h_j).
 * Chains persist between calls (PCD's negative phase, and estimation with burn-in and thinning).
 *
 * Hot loop notes: binary units turn each matrix–vector product into a sum of the rows of W
 * (or of Wᵀ) selected by the 1s, so we keep a transposed copy of W to read contiguously in the
 * h → v half-step. A unit is switched on when u < σ(x), written u·(1 + e^{−x}) < 1 to avoid
 * a division. Nothing is allocated per sample.
 */
import type { RBM } from "./rbm.js";
import type { Rng } from "./rng.js";

export class GibbsSampler {
  readonly rbm: RBM;
  readonly nChains: number;
  /** Visible states of all chains, chain c at [c*nVisible, (c+1)*nVisible). */
  readonly visible: Uint8Array;
  /** Hidden states from the last half-step v → h of each chain. */
  readonly hidden: Uint8Array;
  private readonly weightsT: Float64Array;
  private readonly activation: Float64Array;

  constructor(rbm: RBM, nChains: number, rng: Rng) {
    if (!Number.isInteger(nChains) || nChains < 1) throw new Error(`number of chains must be a positive integer, got ${nChains}`);
    this.rbm = rbm;
    this.nChains = nChains;
    this.visible = new Uint8Array(nChains * rbm.nVisible);
    this.hidden = new Uint8Array(nChains * rbm.nHidden);
    this.weightsT = new Float64Array(rbm.nVisible * rbm.nHidden);
    this.activation = new Float64Array(Math.max(rbm.nVisible, rbm.nHidden));
    // Independent uniform starts: far from any mode, so burn-in is visible rather than hidden.
    for (let k = 0; k < this.visible.length; k++) this.visible[k] = rng.uint32() >>> 31;
    this.syncWeights();
  }

  /** Re-reads the RBM's weights; call after every parameter update. */
  syncWeights(): void {
    const { nVisible: nV, nHidden: nH, weights: W } = this.rbm;
    const WT = this.weightsT;
    for (let i = 0; i < nV; i++) for (let j = 0; j < nH; j++) WT[j * nV + i] = W[i * nH + j];
  }

  /** Sets every chain's visible state (e.g. CD-k starts the chains at the data). */
  setVisible(states: Uint8Array, offset = 0): void {
    this.visible.set(states.subarray(offset, offset + this.visible.length));
  }

  /** k full sweeps v → h → v of every chain. */
  step(k: number, rng: Rng): void {
    for (let c = 0; c < this.nChains; c++) {
      for (let s = 0; s < k; s++) {
        this.sampleHidden(c, rng);
        this.sampleVisible(c, rng);
      }
    }
  }

  /** h ~ p(h | v) for chain c. */
  sampleHidden(c: number, rng: Rng): void {
    const { nVisible: nV, nHidden: nH, weights: W, hiddenBias } = this.rbm;
    const v = this.visible, h = this.hidden, a = this.activation;
    const vOff = c * nV, hOff = c * nH;
    for (let j = 0; j < nH; j++) a[j] = hiddenBias[j];
    for (let i = 0; i < nV; i++) {
      if (v[vOff + i] === 0) continue;
      const row = i * nH;
      for (let j = 0; j < nH; j++) a[j] += W[row + j];
    }
    for (let j = 0; j < nH; j++) h[hOff + j] = rng.uniform() * (1 + Math.exp(-a[j])) < 1 ? 1 : 0;
  }

  /** v ~ p(v | h) for chain c. */
  sampleVisible(c: number, rng: Rng): void {
    const { nVisible: nV, nHidden: nH, visibleBias } = this.rbm;
    const WT = this.weightsT, v = this.visible, h = this.hidden, a = this.activation;
    const vOff = c * nV, hOff = c * nH;
    for (let i = 0; i < nV; i++) a[i] = visibleBias[i];
    for (let j = 0; j < nH; j++) {
      if (h[hOff + j] === 0) continue;
      const row = j * nV;
      for (let i = 0; i < nV; i++) a[i] += WT[row + i];
    }
    for (let i = 0; i < nV; i++) v[vOff + i] = rng.uniform() * (1 + Math.exp(-a[i])) < 1 ? 1 : 0;
  }
}

export interface SampleOptions {
  /** Independent persistent chains. */
  chains: number;
  /** Samples kept per chain. */
  samplesPerChain: number;
  /** Sweeps discarded at the start of every chain. */
  burnIn: number;
  /** Sweeps between kept samples (1 keeps every sweep). */
  thin: number;
}

export interface ChainSamples {
  nChains: number;
  samplesPerChain: number;
  nVisible: number;
  /** Chain-major: sample t of chain c at [(c*samplesPerChain + t) * nVisible, …). */
  samples: Uint8Array;
}

/**
 * Draws samples of p_λ(v) from many independent chains, keeping them separate so that the
 * statistics can use per-chain means, autocorrelation and R̂.
 */
export function sampleChains(rbm: RBM, options: SampleOptions, rng: Rng): ChainSamples {
  const { chains, samplesPerChain, burnIn, thin } = options;
  if (!(thin >= 1) || !Number.isInteger(thin)) throw new Error(`thin must be an integer ≥ 1, got ${thin}`);
  if (!(burnIn >= 0) || !Number.isInteger(burnIn)) throw new Error(`burn-in must be an integer ≥ 0, got ${burnIn}`);
  const nV = rbm.nVisible;
  const sampler = new GibbsSampler(rbm, chains, rng);
  const samples = new Uint8Array(chains * samplesPerChain * nV);
  for (let c = 0; c < chains; c++) {
    for (let s = 0; s < burnIn; s++) {
      sampler.sampleHidden(c, rng);
      sampler.sampleVisible(c, rng);
    }
    for (let t = 0; t < samplesPerChain; t++) {
      for (let s = 0; s < thin; s++) {
        sampler.sampleHidden(c, rng);
        sampler.sampleVisible(c, rng);
      }
      samples.set(sampler.visible.subarray(c * nV, (c + 1) * nV), (c * samplesPerChain + t) * nV);
    }
  }
  return { nChains: chains, samplesPerChain, nVisible: nV, samples };
}
