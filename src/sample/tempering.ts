/**
 * Parallel tempering (replica exchange) of RBM Gibbs chains: Desjardins, Courville, Bengio, Vincent &
 * Delalleau (AISTATS 2010); Fischer & Igel (2010).
 *
 * Replica t samples p_t(v, h) ∝ e^{−β_t E(v,h)}, 1 = β_0 > β_1 > … > β_{R−1} = 0: the energy scaled by
 * β over a uniform base rate (β = 0 is the uniform distribution, which one sweep samples exactly, so
 * the hottest replica always mixes; the base rate depends on nothing but N). A β-scaled RBM is an RBM
 * with parameters βλ, so every replica is a GibbsSampler (the WebAssembly kernels) over its own
 * scaled copy of the parameters. After every `sweepsPerSwap` sweeps, neighbouring replicas of the
 * same chain index exchange their (v, h) with the Metropolis probability on the joint energies,
 *
 *   min(1, exp((β_t − β_{t+1}) (E(v_t, h_t) − E(v_{t+1}, h_{t+1})))),
 *
 * which leaves the product of the p_t invariant exactly; rounds alternate the even and the odd pairs
 * (deterministic even-odd swaps, Okabe et al. 2001; Syed et al. 2019). The β = 1 replicas are samples
 * of p_λ.
 *
 * Determinism: every replica's chains draw from their own xoshiro streams (GibbsSampler) and every
 * swap decision from one stream of the tempering, in a fixed order, so the result is bit-identical
 * for any thread count and resumes bit for bit from getState().
 *
 * Ladder: adapt() keeps the neighbouring swap rates in a band [low, high]: it equalises them by
 * resizing the gaps in β (gaps with high rates widen), inserts a replica in the gap of lowest rate
 * when it falls below `low`, and removes one when every rate is above `high` (where merging two
 * gaps keeps their rate, roughly the product, above `low`).
 */
import { QstError } from "../core/errors.js";
import type { Rng } from "../core/rng.js";
import { RBM } from "../nn/rbm.js";
import { runBurnIn } from "./burn-in.js";
import { GibbsSampler, type ChainSamples, type SampleOptions } from "./gibbs.js";

export interface LadderOptions {
  /** Neighbouring swap rates are kept in [low, high]. */
  low: number;
  high: number;
  maxReplicas: number;
  /**
   * Gibbs sweeps of every replica between two swap rounds: round trips through the ladder, not
   * sweeps, limit how fast modes mix (TFIM h = 0.2: F = 0.9927 with 2, 0.9952 with 1).
   */
  sweepsPerSwap: number;
  /** Swap attempts per neighbouring pair before the ladder may change (rates measured over them). */
  adaptAttempts: number;
}

export const LADDER_DEFAULTS: LadderOptions = {
  low: 0.2,
  high: 0.5,
  maxReplicas: 32,
  sweepsPerSwap: 1,
  adaptAttempts: 400,
};

/** Equalisation step: gap_t ← gap_t · exp(GAIN · (rate_t − mean rate)). */
const GAIN = 2;

/** The tempering's part of a checkpoint. */
export interface TemperingState {
  betas: number[];
  /** Replicas 1 … R−1 (replica 0 is the cold sampler, saved by its owner): visible, hidden, chain RNG. */
  replicas: { visible: number[]; hidden: number[]; rng: number[] }[];
  swapRng: number[];
  round: number;
  attempts: number[];
  accepts: number[];
  measured?: number[];
}

interface Replica {
  beta: number;
  /** β·λ (the cold replica's is the model's RBM itself). */
  rbm: RBM;
  sampler: GibbsSampler;
}

export class TemperedChains {
  readonly rbm: RBM;
  readonly nChains: number;
  readonly options: LadderOptions;
  private replicas: Replica[];
  private readonly swapRng: Rng;
  private round = 0;
  /** Per neighbouring pair, since the last change of the ladder's size: for adapt() and reports. */
  private attempts: number[];
  private accepts: number[];
  /** The rates of the last complete measurement (adapt()), for reports. */
  private measured: number[] | null = null;
  private readonly theta: Float64Array;

  /**
   * Tempers the chains of `cold` (a sampler of `cold.rbm` at β = 1, which keeps its chains and
   * streams); the hotter replicas and the swaps draw from `rng`.
   */
  constructor(
    cold: GibbsSampler,
    rng: Rng,
    betas: readonly number[] = [1, 0.5, 0],
    options: Partial<LadderOptions> = {},
  ) {
    if (cold.rbm.sector !== null)
      throw new QstError(
        "parallel tempering is not available for a model confined to a magnetisation sector (its chains move by exchanges, src/nn/sector.ts); sample it without tempering",
      );
    this.rbm = cold.rbm;
    this.nChains = cold.nChains;
    this.options = { ...LADDER_DEFAULTS, ...options };
    checkLadder(betas);
    this.swapRng = rng;
    this.replicas = [{ beta: 1, rbm: this.rbm, sampler: cold }];
    for (let t = 1; t < betas.length; t++) this.replicas.push(this.newReplica(betas[t]));
    this.attempts = new Array(betas.length - 1).fill(0);
    this.accepts = new Array(betas.length - 1).fill(0);
    this.theta = new Float64Array(this.rbm.nHidden);
    this.syncWeights();
  }

  private newReplica(beta: number): Replica {
    const rbm = new RBM(this.rbm.nVisible, this.rbm.nHidden);
    for (let p = 0; p < rbm.params.length; p++) rbm.params[p] = beta * this.rbm.params[p];
    return { beta, rbm, sampler: new GibbsSampler(rbm, this.nChains, this.swapRng) };
  }

  /** The β = 1 replicas: samples of p_λ. */
  get cold(): GibbsSampler {
    return this.replicas[0].sampler;
  }

  /** The sampler of replica t (t = 0 is β = 1). */
  replica(t: number): GibbsSampler {
    return this.replicas[t].sampler;
  }

  get betas(): number[] {
    return this.replicas.map((r) => r.beta);
  }

  /** Swap rate of each neighbouring pair, over the attempts since the ladder last changed (NaN before any). */
  get swapRates(): number[] {
    return this.attempts.map((n, t) => this.accepts[t] / n);
  }

  /** The swap rates that the ladder's last change was decided on (the current ones before any). */
  get lastMeasuredRates(): number[] {
    return this.measured ?? this.swapRates;
  }

  /** Re-reads the model's parameters into every replica; call after every parameter update. */
  syncWeights(): void {
    const params = this.rbm.params;
    for (const r of this.replicas) {
      if (r.rbm !== this.rbm) for (let p = 0; p < params.length; p++) r.rbm.params[p] = r.beta * params[p];
      r.sampler.syncWeights();
    }
  }

  /**
   * k sweeps of every replica, with a swap round after every `sweepsPerSwap` of them (and at the end).
   */
  step(k: number): void {
    for (let done = 0; done < k; ) {
      const n = Math.min(this.options.sweepsPerSwap, k - done);
      for (const r of this.replicas) r.sampler.step(n);
      this.swapRound();
      done += n;
    }
  }

  /** Metropolis swaps of the even pairs (0,1), (2,3), … or the odd ones, alternately. */
  private swapRound(): void {
    const nV = this.rbm.nVisible,
      nH = this.rbm.nHidden,
      C = this.nChains;
    for (let t = this.round & 1; t + 1 < this.replicas.length; t += 2) {
      const a = this.replicas[t].sampler,
        b = this.replicas[t + 1].sampler;
      const dBeta = this.replicas[t].beta - this.replicas[t + 1].beta;
      let accepted = 0;
      for (let c = 0; c < C; c++) {
        const logRatio = dBeta * (this.energy(a, c) - this.energy(b, c));
        const u = this.swapRng.uniform53();
        if (logRatio >= 0 || u < Math.exp(logRatio)) {
          swapRows(a.visible, b.visible, c * nV, nV);
          swapRows(a.hidden, b.hidden, c * nH, nH);
          accepted++;
        }
      }
      this.attempts[t] += C;
      this.accepts[t] += accepted;
    }
    this.round++;
  }

  /** E(v, h) = −b·v − c·h − vᵀWh of chain c of a replica, with the β = 1 parameters. */
  private energy(s: GibbsSampler, c: number): number {
    const { nVisible: nV, nHidden: nH, weights: W, visibleBias: b, hiddenBias: hb } = this.rbm;
    const v = s.visible,
      h = s.hidden,
      theta = this.theta,
      v0 = c * nV,
      h0 = c * nH;
    let e = 0;
    for (let j = 0; j < nH; j++) theta[j] = hb[j];
    for (let i = 0; i < nV; i++) {
      if (!v[v0 + i]) continue;
      e -= b[i];
      const row = i * nH;
      for (let j = 0; j < nH; j++) theta[j] += W[row + j];
    }
    for (let j = 0; j < nH; j++) if (h[h0 + j]) e -= theta[j];
    return e;
  }

  /**
   * Moves the ladder towards swap rates in [low, high] once every pair has had `adaptAttempts`
   * attempts since the last change; returns whether the ladder changed.
   */
  adapt(): boolean {
    const { low, high, maxReplicas, adaptAttempts } = this.options;
    const R = this.replicas.length;
    if (this.attempts.some((n) => n < adaptAttempts)) return false;
    const rates = this.swapRates;
    this.measured = rates;
    const worst = rates.reduce((m, r, t) => (r < rates[m] ? t : m), 0);
    if (rates[worst] < low && R < maxReplicas) {
      // a replica halfway across the gap of lowest rate, starting from its colder neighbour's chains
      const r = this.newReplica((this.replicas[worst].beta + this.replicas[worst + 1].beta) / 2);
      const from = this.replicas[worst].sampler;
      r.sampler.visible.set(from.visible);
      r.sampler.hidden.set(from.hidden);
      this.replicas.splice(worst + 1, 0, r);
      this.resetCounts();
      return true;
    }
    let merge = -1,
      mergedRate = low;
    for (let t = 1; t + 1 < R && Math.min(...rates) > high; t++) {
      // rates of neighbouring gaps roughly multiply when the replica between them goes
      const merged = rates[t - 1] * rates[t];
      if (merged > mergedRate) {
        merge = t;
        mergedRate = merged;
      }
    }
    if (merge > 0) {
      this.replicas.splice(merge, 1);
      this.resetCounts();
      return true;
    }
    const gaps = rates.map(
      (r, t) => (this.replicas[t].beta - this.replicas[t + 1].beta) * Math.exp(GAIN * (r - mean(rates))),
    );
    const total = gaps.reduce((s, g) => s + g, 0);
    let beta = 1;
    for (let t = 1; t < R - 1; t++) {
      beta -= gaps[t - 1] / total;
      this.replicas[t].beta = beta;
    }
    this.resetCounts();
    return true;
  }

  private resetCounts(): void {
    this.attempts = new Array(this.replicas.length - 1).fill(0);
    this.accepts = new Array(this.replicas.length - 1).fill(0);
    this.syncWeights();
  }

  getState(): TemperingState {
    return {
      betas: this.betas,
      replicas: this.replicas.slice(1).map((r) => ({
        visible: Array.from(r.sampler.visible),
        hidden: Array.from(r.sampler.hidden),
        rng: r.sampler.getRngState(),
      })),
      swapRng: this.swapRng.getState(),
      round: this.round,
      attempts: [...this.attempts],
      accepts: [...this.accepts],
      ...(this.measured ? { measured: [...this.measured] } : {}),
    };
  }

  /** Restores replicas 1 … R−1 and the swaps' stream (the cold sampler is restored by its owner). */
  setState(s: TemperingState): void {
    checkLadder(s.betas);
    if (s.replicas.length !== s.betas.length - 1)
      throw new Error(`tempering state: ${s.betas.length} temperatures but ${s.replicas.length + 1} replicas`);
    this.replicas = [this.replicas[0]];
    s.replicas.forEach((saved, i) => {
      const r = this.newReplica(s.betas[i + 1]);
      r.sampler.setState({ visible: saved.visible, rng: saved.rng });
      r.sampler.hidden.set(saved.hidden);
      this.replicas.push(r);
    });
    this.swapRng.setState(s.swapRng); // after the new samplers' draws
    this.round = s.round;
    this.attempts = [...s.attempts];
    this.accepts = [...s.accepts];
    this.measured = s.measured ? [...s.measured] : null;
    this.syncWeights();
  }
}

function checkLadder(betas: readonly number[]): void {
  const ok =
    betas.length >= 2 &&
    betas[0] === 1 &&
    betas[betas.length - 1] === 0 &&
    betas.every((b, t) => t === 0 || b < betas[t - 1]);
  if (!ok)
    throw new Error(`a tempering ladder runs from β = 1 down to β = 0, strictly decreasing; got ${betas.join(", ")}`);
}

function swapRows(a: Uint8Array, b: Uint8Array, at: number, n: number): void {
  for (let i = at; i < at + n; i++) {
    const t = a[i];
    a[i] = b[i];
    b[i] = t;
  }
}

function mean(x: readonly number[]): number {
  return x.reduce((s, v) => s + v, 0) / x.length;
}

/**
 * Samples of p_λ(v) from the β = 1 replicas of tempered chains (chains kept separate, as
 * sampleChains): the ladder adapts during the burn-in only, so that the kept samples come from a
 * fixed, exactly invariant, chain.
 */
export function sampleTempered(rbm: RBM, options: SampleOptions, rng: Rng): ChainSamples {
  const { chains, samplesPerChain, burnIn, thin } = options;
  if (!(thin >= 1) || !Number.isInteger(thin)) throw new Error(`thin must be an integer ≥ 1, got ${thin}`);
  const nV = rbm.nVisible;
  const pt = new TemperedChains(new GibbsSampler(rbm, chains, rng), rng.split(), undefined, {
    adaptAttempts: chains * 4,
  });
  // the β = 1 replicas' trace decides an adaptive burn-in; the ladder adapts every `thin` sweeps
  const cold = { visible: pt.cold.visible, step: (k: number) => pt.step(k) };
  const report = runBurnIn(cold, rbm, chains, burnIn, thin, () => pt.adapt());
  const samples = new Uint8Array(chains * samplesPerChain * nV),
    v = pt.cold.visible;
  for (let t = 0; t < samplesPerChain; t++) {
    pt.step(thin);
    for (let c = 0; c < chains; c++) samples.set(v.subarray(c * nV, (c + 1) * nV), (c * samplesPerChain + t) * nV);
  }
  return { nChains: chains, samplesPerChain, nVisible: nV, samples, burnIn: report };
}
