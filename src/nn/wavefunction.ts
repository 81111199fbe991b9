/**
 * The wavefunction interface every estimator works on, so that the same observables serve the
 * positive RBM state and the complex (amplitude + phase) one.
 *
 * log ψ is returned as a complex number: re = log|ψ(v)| (up to a v-independent constant, since
 * the normalisation Z is usually unknown), im = the phase of ψ(v).
 */
import { RBM, softplus } from "./rbm.js";

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
  readonly samplingRbm: RBM;
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
    this.expW = rbm.weights.map(Math.exp);
    this.expMinusW = rbm.weights.map((w) => Math.exp(-w));
  }

  setState(v: ArrayLike<number>, offset = 0): void {
    const nV = this.rbm.nVisible;
    for (let i = 0; i < nV; i++) this.state[i] = v[offset + i] ? 1 : 0;
    this.rbm.hiddenActivation(this.state, this.theta, 0);
    for (let j = 0; j < this.theta.length; j++) this.expTheta[j] = Math.exp(this.theta[j]);
  }

  /** −F(v′) + F(v) for v′ = v with `sites[0..count)` flipped (sites assumed distinct). */
  minusDeltaF(sites: ArrayLike<number>, count: number): number {
    const { nHidden: nH, weights: W, visibleBias: b } = this.rbm;
    const dTheta = this.deltaTheta, eDelta = this.expDelta, eTheta = this.expTheta, theta = this.theta;
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

/** ψ_λ(v) = sqrt(p_λ(v)): real and positive. */
export class PositiveWaveFunction implements WaveFunction {
  readonly isComplex = false;
  readonly rbm: RBM;
  private readonly scratch: Float64Array;

  constructor(rbm: RBM) {
    this.rbm = rbm;
    this.scratch = new Float64Array(rbm.nHidden);
  }

  get nVisible(): number {
    return this.rbm.nVisible;
  }

  get samplingRbm(): RBM {
    return this.rbm;
  }

  logPsi(v: ArrayLike<number>, offset = 0): Complex {
    return { re: this.rbm.logPsi(v, offset, this.scratch), im: 0 };
  }

  localEvaluator(): LocalEvaluator {
    const diff = new FreeEnergyDifference(this.rbm);
    return {
      setState: (v, offset = 0) => diff.setState(v, offset),
      logRatio: (sites, count, out) => {
        out.re = 0.5 * diff.minusDeltaF(sites, count);
        out.im = 0;
        return out;
      },
    };
  }
}
