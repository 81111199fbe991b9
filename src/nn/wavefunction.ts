/**
 * The wavefunctions qst learns: one family of RBM states (RbmWaveFunction), the positive model
 * being the complex one without a phase RBM, and the interface every estimator works on.
 *
 * log ψ is returned as a complex number: re = log|ψ(v)| (up to a v-independent constant, since
 * the normalisation Z is usually unknown), im = the phase of ψ(v).
 */
import { QstError } from "../core/errors.js";
import type { Rng } from "../core/rng.js";
import { RBM, softplus } from "./rbm.js";
import { inSector } from "./sector.js";

export interface Complex {
  re: number;
  im: number;
}

/**
 * Evaluates amplitude ratios around one configuration: after setState(v), logRatio(flips) gives
 * log ψ(v′) − log ψ(v) for v′ = v with the listed sites flipped, in O(nHidden · |flips|) from
 * cached hidden activations (never a full O(nVisible · nHidden) recomputation).
 */
export interface LocalEvaluator {
  setState(v: ArrayLike<number>, offset?: number): void;
  logRatio(sites: ArrayLike<number>, count: number, out: Complex): Complex;
}

export interface WaveFunction {
  readonly nVisible: number;
  /** True when ψ can carry a phase; positive wavefunctions have im = 0 everywhere. */
  readonly isComplex: boolean;
  /** The RBM whose p_λ(v) ∝ |ψ(v)|²: Gibbs samples of it are samples of the Born distribution. */
  readonly amplitude: RBM;
  logPsi(v: ArrayLike<number>, offset?: number): Complex;
  localEvaluator(): LocalEvaluator;
}

/**
 * Caches θ = c + Wᵀv for one configuration and returns the change of −F/2 when sites flip.
 * Flipping site i changes v_i by d_i = 1 − 2v_i, hence θ_j by Δθ_j = Σ d_i W_ij and −F by
 *
 *   Σ d_i b_i + Σ_j [softplus(θ_j + Δθ_j) − softplus(θ_j)] = Σ d_i b_i + log Π_j (1 + e^{θ_j} e^{Δθ_j}) / (1 + e^{θ_j}).
 *
 * The product form needs no exponential per hidden unit: e^{θ_j} is cached per configuration and
 * e^{±W_ij} once per evaluator, so a flip costs a few multiplications per hidden unit and one log
 * per ~hundred units (the running product is folded into a log before it can overflow). Units whose
 * e^{θ} would overflow fall back to the softplus difference. The RBM must not change while an
 * evaluator is in use (the e^{±W} cache is taken at construction).
 */
export class FreeEnergyDifference {
  private readonly rbm: RBM;
  private readonly theta: Float64Array;
  private readonly expTheta: Float64Array;
  private readonly state: Uint8Array;
  private readonly deltaTheta: Float64Array;
  private readonly expDelta: Float64Array;
  /** e^{W_ij} and e^{−W_ij}, laid out like W. */
  private readonly expW: Float64Array;
  private readonly expMinusW: Float64Array;

  constructor(rbm: RBM) {
    this.rbm = rbm;
    this.theta = new Float64Array(rbm.nHidden);
    this.expTheta = new Float64Array(rbm.nHidden);
    this.deltaTheta = new Float64Array(rbm.nHidden);
    this.expDelta = new Float64Array(rbm.nHidden);
    this.state = new Uint8Array(rbm.nVisible);
    this.expW = new Float64Array(rbm.weights.length);
    this.expMinusW = new Float64Array(rbm.weights.length);
    this.refreshWeights();
  }

  setState(v: ArrayLike<number>, offset = 0): void {
    const nV = this.rbm.nVisible;
    for (let i = 0; i < nV; i++) this.state[i] = v[offset + i] ? 1 : 0;
    this.rbm.hiddenActivation(this.state, this.theta, 0);
    for (let j = 0; j < this.theta.length; j++) this.expTheta[j] = Math.exp(this.theta[j]);
  }

  /** Flips `sites[0..count)` of the current state (after a move is accepted), updating θ and e^θ. */
  flip(sites: ArrayLike<number>, count: number): void {
    const { nHidden: nH, weights: W } = this.rbm;
    for (let s = 0; s < count; s++) {
      const i = sites[s],
        d = this.state[i] ? -1 : 1;
      this.state[i] ^= 1;
      for (let j = 0; j < nH; j++) this.theta[j] += d * W[i * nH + j];
    }
    for (let j = 0; j < nH; j++) this.expTheta[j] = Math.exp(this.theta[j]);
  }

  /** Takes the e^{±W} cache again, after the RBM's parameters changed (e.g. an optimiser step). */
  refreshWeights(): void {
    const W = this.rbm.weights;
    for (let k = 0; k < W.length; k++) {
      this.expW[k] = Math.exp(W[k]);
      this.expMinusW[k] = Math.exp(-W[k]);
    }
  }

  /** −F(v′) + F(v) for v′ = v with `sites[0..count)` flipped (sites assumed distinct). */
  minusDeltaF(sites: ArrayLike<number>, count: number): number {
    const { nHidden: nH, weights: W, visibleBias: b } = this.rbm;
    const dTheta = this.deltaTheta,
      eDelta = this.expDelta,
      eTheta = this.expTheta,
      theta = this.theta;
    dTheta.fill(0);
    eDelta.fill(1);
    let delta = 0;
    for (let s = 0; s < count; s++) {
      const i = sites[s];
      const up = this.state[i] === 0;
      const d = up ? 1 : -1;
      delta += d * b[i];
      const row = i * nH;
      const e = up ? this.expW : this.expMinusW;
      for (let j = 0; j < nH; j++) {
        dTheta[j] += d * W[row + j];
        eDelta[j] *= e[row + j];
      }
    }
    let product = 1;
    for (let j = 0; j < nH; j++) {
      const et = eTheta[j];
      const factor = (1 + et * eDelta[j]) / (1 + et);
      if (factor > 1e-100 && factor < 1e100) {
        product *= factor;
        if (product > 1e200 || product < 1e-200) {
          delta += Math.log(product);
          product = 1;
        }
      } else if (factor > 0 && factor < Infinity) {
        delta += Math.log(factor);
      } else {
        delta += softplus(theta[j] + dTheta[j]) - softplus(theta[j]); // e^{θ} or e^{Δθ} overflowed
      }
    }
    return delta + Math.log(product);
  }
}

/** The pure-state members of the family: "positive" (ψ = sqrt(p_λ)) and "complex" (amplitude and phase RBMs). */
export type WaveFunctionKind = "positive" | "complex";

/**
 * An RBM wavefunction (Torlai et al., Nature Physics 14, 447 (2018); QuCumber's wavefunctions):
 *
 *     ψ_λμ(σ) = e^{−F_λ(σ)/2} · e^{−i F_μ(σ)/2} / sqrt(Z_λ),      Z_λ = Σ_σ e^{−F_λ(σ)},
 *
 * so |ψ(σ)|² = p_λ(σ) and the phase is φ(σ) = −F_μ(σ)/2. Without a phase RBM μ it is the positive
 * wavefunction ψ_λ = sqrt(p_λ). All parameters live in one vector [λ | μ] (`params`), of which the
 * RBMs' own parameter arrays are views, so that optimisers and checkpoints see one vector.
 */
export class RbmWaveFunction implements WaveFunction {
  readonly kind: WaveFunctionKind;
  /** [λ | μ]: the amplitude RBM's parameters, then the phase RBM's (if any). */
  readonly params: Float64Array;
  /** λ: |ψ(σ)|² ∝ e^{−F_λ(σ)}. */
  readonly amplitude: RBM;
  /** μ: arg ψ(σ) = −F_μ(σ)/2; null for a positive wavefunction. */
  readonly phase: RBM | null;
  private readonly scratchA: Float64Array;
  private readonly scratchP: Float64Array | null;

  /**
   * A wavefunction of N visible units with `nHidden` amplitude and `nHiddenPhase` phase hidden units
   * (null: positive). `params`, if given, becomes the parameter vector itself (not a copy).
   */
  constructor(nVisible: number, nHidden: number, nHiddenPhase: number | null, params?: Float64Array) {
    const nA = RBM.parameterCount(nVisible, nHidden);
    const size = nA + (nHiddenPhase === null ? 0 : RBM.parameterCount(nVisible, nHiddenPhase));
    if (params && params.length !== size) {
      throw new Error(`this wavefunction has ${size} parameters, got ${params.length}`);
    }
    this.params = params ?? new Float64Array(size);
    this.amplitude = new RBM(nVisible, nHidden, nHiddenPhase === null ? this.params : this.params.subarray(0, nA));
    this.phase = nHiddenPhase === null ? null : new RBM(nVisible, nHiddenPhase, this.params.subarray(nA));
    this.kind = this.phase ? "complex" : "positive";
    this.scratchA = new Float64Array(nHidden);
    this.scratchP = this.phase ? new Float64Array(this.phase.nHidden) : null;
  }

  /** ψ = sqrt(p_λ) of an existing RBM, sharing its parameters. */
  static positive(rbm: RBM): RbmWaveFunction {
    const wf = new RbmWaveFunction(rbm.nVisible, rbm.nHidden, null, rbm.params);
    wf.amplitude.sector = rbm.sector;
    return wf;
  }

  /** ψ from an amplitude and a phase RBM; their parameters are copied into the joint vector. */
  static complex(amplitude: RBM, phase: RBM): RbmWaveFunction {
    if (amplitude.nVisible !== phase.nVisible) {
      throw new QstError(
        `the amplitude RBM has ${amplitude.nVisible} visible units but the phase RBM has ${phase.nVisible}`,
      );
    }
    const wf = new RbmWaveFunction(amplitude.nVisible, amplitude.nHidden, phase.nHidden);
    wf.amplitude.params.set(amplitude.params);
    wf.amplitude.sector = amplitude.sector;
    wf.phase!.params.set(phase.params);
    return wf;
  }

  get nVisible(): number {
    return this.amplitude.nVisible;
  }

  get isComplex(): boolean {
    return this.phase !== null;
  }

  /** The RBMs in parameter order: [amplitude] or [amplitude, phase]. */
  get rbms(): RBM[] {
    return this.phase ? [this.amplitude, this.phase] : [this.amplitude];
  }

  /**
   * Initial parameters: weights W_ij ~ N(0, s²) with Glorot's s = 1/sqrt(nVisible + nHidden), zero
   * biases, RBM by RBM. The scale keeps the initial hidden activations O(1) whatever the size, so
   * the sigmoid is not saturated and the initial p_λ is close to uniform: a neutral start.
   */
  randomise(rng: Rng): this {
    this.params.fill(0);
    for (const rbm of this.rbms) {
      const s = 1 / Math.sqrt(rbm.nVisible + rbm.nHidden);
      for (let k = 0; k < rbm.weights.length; k++) rbm.weights[k] = s * rng.normal();
    }
    return this;
  }

  /** log ψ(v); re = −∞ (ψ = 0) outside the amplitude's sector (src/nn/sector.ts). */
  logPsi(v: ArrayLike<number>, offset = 0): Complex {
    if (!inSector(this.amplitude, v, offset)) return { re: Number.NEGATIVE_INFINITY, im: 0 };
    return {
      re: -0.5 * this.amplitude.freeEnergy(v, offset, this.scratchA),
      im: this.phase ? -0.5 * this.phase.freeEnergy(v, offset, this.scratchP!) : 0,
    };
  }

  localEvaluator(): LocalEvaluator {
    const a = new FreeEnergyDifference(this.amplitude);
    const p = this.phase ? new FreeEnergyDifference(this.phase) : null;
    // in a sector, a flip that changes the number of ones leads to ψ = 0 (log ratio −∞)
    const sector = this.amplitude.sector,
      state = new Uint8Array(this.nVisible);
    return {
      setState: (v, offset = 0) => {
        a.setState(v, offset);
        p?.setState(v, offset);
        if (sector !== null) for (let i = 0; i < state.length; i++) state[i] = v[offset + i] ? 1 : 0;
      },
      logRatio: (sites, count, out) => {
        if (sector !== null) {
          let change = 0;
          for (let s = 0; s < count; s++) change += state[sites[s]] ? -1 : 1;
          if (change !== 0) {
            out.re = Number.NEGATIVE_INFINITY;
            out.im = 0;
            return out;
          }
        }
        out.re = 0.5 * a.minusDeltaF(sites, count);
        out.im = p ? 0.5 * p.minusDeltaF(sites, count) : 0;
        return out;
      },
    };
  }
}
