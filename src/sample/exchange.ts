/**
 * Metropolis exchange moves for chains of an RBM's marginal p(v) ∝ e^{−F(v)}: swap the states of two
 * sites whose values differ, accepted with probability min(1, e^{−ΔF}).
 *
 * Why: a state confined to a sector of fixed magnetisation (the Heisenberg chain's S^z = 0 ground
 * state, whose Z-basis shots all have N/2 ones) gives an RBM whose p(v) lives in that sector, and
 * block Gibbs moves flip sites independently, so a chain can go from one configuration of the sector
 * to another only through the other sectors, which p(v) suppresses. An exchange keeps the Hamming
 * weight and moves inside the sector directly (NetKet's MetropolisExchange does the same for VMC).
 * The proposal, one of the w ones and one of the N − w zeros uniformly, is symmetric (there are
 * w(N − w) such pairs in every configuration of the sector), so the moves leave p(v) invariant; alone
 * they sample an RBM confined to a sector (src/sample/gibbs.ts), and interleaved with Gibbs sweeps
 * (which start each sweep from v) the chains keep p(v) as their stationary distribution.
 *
 * One exchange costs O(n_hidden) (SwapDifference below: three multiplications per hidden unit and one
 * log per proposal; an exponential per hidden unit only when a swap is accepted). Plain TypeScript.
 */
import type { Rng } from "../core/rng.js";
import type { RBM } from "../nn/rbm.js";
import { softplus } from "../nn/rbm.js";

/**
 * −ΔF of swapping two unlike sites of one configuration, from cached θ = c + Wᵀv. With site u going
 * 0 → 1 and site d going 1 → 0, θ_j changes by Δθ_j = W_uj − W_dj and
 *
 *   −ΔF = b_u − b_d + Σ_j log[(1 + e^{θ_j + Δθ_j}) / (1 + e^{θ_j})] = b_u − b_d + Σ_j log(q_j + p_j e^{W_uj} e^{−W_dj}),
 *
 * p_j = σ(θ_j), q_j = σ(−θ_j): three multiplications and an addition per hidden unit, and one log per
 * ~hundred units (the running product is folded into a log before it can over- or underflow). An
 * accepted swap updates p and q from the same factors (swap()); e^{±W} is taken once per step (the
 * parameters change between updates).
 */
class SwapDifference {
  private readonly theta: Float64Array;
  private readonly p: Float64Array;
  private readonly q: Float64Array;
  private readonly expW: Float64Array;
  private readonly expMinusW: Float64Array;
  /** The last proposal's e^{Δθ_j} and factors q_j + p_j e^{Δθ_j}, for swap(); and whether any overflowed. */
  private readonly expDelta: Float64Array;
  private readonly factor: Float64Array;
  private overflowed = false;

  constructor(private readonly rbm: RBM) {
    this.theta = new Float64Array(rbm.nHidden);
    this.p = new Float64Array(rbm.nHidden);
    this.q = new Float64Array(rbm.nHidden);
    this.expDelta = new Float64Array(rbm.nHidden);
    this.factor = new Float64Array(rbm.nHidden);
    this.expW = new Float64Array(rbm.weights.length);
    this.expMinusW = new Float64Array(rbm.weights.length);
  }

  refreshWeights(): void {
    const W = this.rbm.weights;
    for (let k = 0; k < W.length; k++) {
      this.expW[k] = Math.exp(W[k]);
      this.expMinusW[k] = Math.exp(-W[k]);
    }
  }

  setState(v: Uint8Array, at: number): void {
    this.rbm.hiddenActivation(v, this.theta, at);
    for (let j = 0; j < this.theta.length; j++) this.logistic(j);
  }

  /** p_j = σ(θ_j) and q_j = σ(−θ_j), from e^{−|θ|} (no overflow either way). */
  private logistic(j: number): void {
    const t = this.theta[j],
      e = Math.exp(-Math.abs(t)),
      r = 1 / (1 + e);
    if (t >= 0) {
      this.p[j] = r;
      this.q[j] = e * r;
    } else {
      this.q[j] = r;
      this.p[j] = e * r;
    }
  }

  /** −F(v′) + F(v) for v′ = v with u switched on and d switched off. */
  minusDeltaF(u: number, d: number): number {
    const { nHidden: nH, visibleBias: b } = this.rbm;
    const { p, q, expW, expMinusW, expDelta, factor: factors } = this;
    const ru = u * nH,
      rd = d * nH;
    let delta = b[u] - b[d],
      product = 1;
    this.overflowed = false;
    for (let j = 0; j < nH; j++) {
      const e = expW[ru + j] * expMinusW[rd + j];
      const factor = q[j] + p[j] * e;
      expDelta[j] = e;
      factors[j] = factor;
      if (!(factor > 0 && factor < Infinity)) {
        this.overflowed = true;
        // e^{±W} overflowed: the softplus difference instead
        const W = this.rbm.weights;
        delta += softplus(this.theta[j] + W[ru + j] - W[rd + j]) - softplus(this.theta[j]);
        continue;
      }
      product *= factor;
      if (product > 1e200 || product < 1e-200) {
        delta += Math.log(product);
        product = 1;
      }
    }
    return delta + Math.log(product);
  }

  /**
   * After an accepted swap (the last proposal): θ_j += W_uj − W_dj, and p, q with it. From the
   * proposal's factors f_j = q_j + p_j e^{Δθ_j} the new values are exactly p_j e^{Δθ_j}/f_j and q_j/f_j
   * (no exponential); after an overflow they are recomputed from θ. setState starts every step afresh.
   */
  swap(u: number, d: number): void {
    const { nHidden: nH, weights: W } = this.rbm;
    const { p, q, expDelta, factor, theta } = this;
    const ru = u * nH,
      rd = d * nH;
    for (let j = 0; j < nH; j++) theta[j] += W[ru + j] - W[rd + j];
    if (this.overflowed) {
      for (let j = 0; j < nH; j++) this.logistic(j);
      return;
    }
    for (let j = 0; j < nH; j++) {
      const r = 1 / factor[j];
      p[j] *= expDelta[j] * r;
      q[j] *= r;
    }
  }
}

export class ExchangeMoves {
  private readonly difference: SwapDifference;
  /** Positions of the chain's ones and zeros, for proposals. */
  private readonly ones: Int32Array;
  private readonly zeros: Int32Array;
  private proposed = 0;
  private accepted = 0;

  constructor(
    private readonly rbm: RBM,
    private readonly rng: Rng,
  ) {
    this.difference = new SwapDifference(rbm);
    this.ones = new Int32Array(rbm.nVisible);
    this.zeros = new Int32Array(rbm.nVisible);
  }

  /**
   * `moves` exchange proposals on each of the chains in `visible` (chain-major, nVisible per chain).
   * A proposal picks one of the chain's ones and one of its zeros uniformly, so that every proposal
   * moves something; with w ones there are w(N − w) such pairs whatever the configuration of the
   * sector, so the proposal is symmetric.
   */
  step(visible: Uint8Array, nChains: number, moves: number): void {
    const N = this.rbm.nVisible,
      rng = this.rng,
      difference = this.difference,
      ones = this.ones,
      zeros = this.zeros;
    if (N < 2) return;
    difference.refreshWeights(); // the parameters change between updates
    for (let chain = 0; chain < nChains; chain++) {
      const at = chain * N;
      let w = 0,
        z = 0;
      for (let i = 0; i < N; i++) {
        if (visible[at + i]) ones[w++] = i;
        else zeros[z++] = i;
      }
      if (w === 0 || z === 0) continue; // one configuration in the sector: nothing to exchange
      difference.setState(visible, at);
      for (let m = 0; m < moves; m++) {
        const a = rng.int(w),
          b = rng.int(z);
        const u = rng.uniform53();
        this.proposed++;
        const down = ones[a],
          up = zeros[b];
        const minusDeltaF = difference.minusDeltaF(up, down);
        if (minusDeltaF >= 0 || u < Math.exp(minusDeltaF)) {
          visible[at + up] = 1;
          visible[at + down] = 0;
          ones[a] = up;
          zeros[b] = down;
          difference.swap(up, down);
          this.accepted++;
        }
      }
    }
  }

  /** The fraction of proposals accepted since the last call. */
  takeAcceptance(): number {
    const rate = this.proposed > 0 ? this.accepted / this.proposed : Number.NaN;
    this.proposed = this.accepted = 0;
    return rate;
  }
}
