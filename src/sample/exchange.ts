/**
 * Metropolis exchange moves for chains of an RBM's marginal p(v) ∝ e^{−F(v)}: swap the states of two
 * sites whose values differ, accepted with probability min(1, e^{−ΔF}).
 *
 * Why: a state confined to a sector of fixed magnetisation (the Heisenberg chain's S^z = 0 ground
 * state, whose Z-basis shots all have N/2 ones) gives an RBM whose p(v) lives in that sector, and
 * block Gibbs moves flip sites independently, so a chain can go from one configuration of the sector
 * to another only through the other sectors, which p(v) suppresses. An exchange keeps the Hamming
 * weight and moves inside the sector directly (NetKet's MetropolisExchange does the same for VMC).
 * The proposal, two distinct sites uniformly at random, is symmetric, and a pair with equal values is
 * the identity move, so the moves leave p(v) invariant; interleaved with Gibbs sweeps (which start
 * each sweep from v) the chains keep p(v) as their stationary distribution.
 *
 * One exchange costs O(n_hidden): it is the flip of two sites, whose −ΔF FreeEnergyDifference gives
 * from θ = c + Wᵀv and e^θ cached per chain (one log per move, no exponential per hidden unit).
 * Plain TypeScript, about 0.2 µs a proposal: training's 3N proposals per chain and update about
 * double a PCD epoch at N = 8 (docs/training.md).
 */
import type { Rng } from "../core/rng.js";
import type { RBM } from "../nn/rbm.js";
import { FreeEnergyDifference } from "../nn/wavefunction.js";

export class ExchangeMoves {
  private readonly difference: FreeEnergyDifference;
  private readonly pair = new Int32Array(2);
  private proposed = 0;
  private accepted = 0;

  constructor(
    private readonly rbm: RBM,
    private readonly rng: Rng,
  ) {
    this.difference = new FreeEnergyDifference(rbm);
  }

  /** `moves` exchange proposals on each of the chains in `visible` (chain-major, nVisible per chain). */
  step(visible: Uint8Array, nChains: number, moves: number): void {
    const N = this.rbm.nVisible,
      rng = this.rng,
      pair = this.pair,
      difference = this.difference;
    if (N < 2) return;
    difference.refreshWeights(); // the parameters change between updates
    for (let chain = 0; chain < nChains; chain++) {
      const at = chain * N;
      difference.setState(visible, at);
      for (let m = 0; m < moves; m++) {
        const s = rng.int(N);
        let t = rng.int(N - 1);
        if (t >= s) t++;
        const u = rng.uniform53();
        this.proposed++;
        if (visible[at + s] === visible[at + t]) continue;
        pair[0] = s;
        pair[1] = t;
        const minusDeltaF = difference.minusDeltaF(pair, 2);
        if (minusDeltaF >= 0 || u < Math.exp(minusDeltaF)) {
          visible[at + s] ^= 1;
          visible[at + t] ^= 1;
          difference.flip(pair, 2);
          this.accepted++;
        }
      }
    }
  }

  /** The fraction of proposals accepted since the last call (pairs of equal values count as rejected). */
  takeAcceptance(): number {
    const rate = this.proposed > 0 ? this.accepted / this.proposed : Number.NaN;
    this.proposed = this.accepted = 0;
    return rate;
  }
}
