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
 * The proposals run in the WebAssembly kernel "exchange" (src/kernels/kernels.wat; its plain-
 * TypeScript twin is exchangeReference in src/kernels/reference.ts), spread over the worker threads
 * (src/kernels/pool.ts) by chains. One exchange costs O(n_hidden): with p_j = σ(θ_j), q_j = σ(−θ_j)
 * of the cached θ = c + Wᵀv,
 *
 *   e^{−ΔF} = e^{b_u} e^{−b_d} Π_j (q_j + p_j e^{W_uj} e^{−W_dj})
 *
 * for site u going 0 → 1 and d going 1 → 0: three multiplications and an addition per hidden unit,
 * compared with the acceptance uniform in the linear domain (no log or exp in the loop), and an
 * accepted swap updates p and q from the same factors. This side computes, once per step, the tables
 * e^{±W}, e^{±b} and each chain's θ, p, q (exp in float64, Math.exp: the same numbers for the kernel
 * and the reference).
 *
 * Every chain has its own xoshiro128** stream, seeded from the constructor's Rng (split once per
 * chain, in chain order): a chain's moves depend only on its own stream, so the result is
 * bit-identical whatever the number of threads. getRngState/setRngState save and restore the streams
 * for checkpoints: 4 words per chain (s0..s3 of chain c at 4c..4c+3).
 */
import type { Rng } from "../core/rng.js";
import { kernelThreads, parallelFor } from "../kernels/pool.js";
import { type ExchangeArrays, exchangeReference } from "../kernels/reference.js";
import { Arena, KERNEL_ABI, Layout, writeContext } from "../kernels/wasm.js";
import type { RBM } from "../nn/rbm.js";

/** Words of RNG state per chain: one xoshiro128** stream. */
export const EXCHANGE_RNG_WORDS = 4;
/**
 * Weights and visible biases enter the tables clamped to ±354, so that e^{W_u} e^{−W_d} (and the
 * biases' factor) lies in [e^{−708}, e^{708}]: finite and positive, never 0·∞. Exact for any
 * trained model we have seen (|W| of order 1–10); the kernel clamps each e^{Δθ_j} to 2^±200 as well.
 */
const EXP_CLAMP = 354;
/**
 * Below this much work per step (chains · proposals · n_hidden) the moves stay on the calling
 * thread; above, src/kernels/pool.ts measures whether splitting the chains pays. A proposal costs
 * tens of nanoseconds plus a few per hidden unit, so 2·10^4 units (~0.1 ms) is where handing
 * parts to the workers (~10 µs) stops mattering.
 */
const THREAD_WORK = 2e4;
/** Most threads a step will use. */
const MAX_THREADS = 8;

/** Kernel memory for `capacity` chains, and typed-array views of it. */
class ExchangeChains {
  readonly arena: Arena;
  readonly ctx: number;
  readonly x: ExchangeArrays;

  constructor(
    rbm: RBM,
    readonly capacity: number,
  ) {
    const nV = rbm.nVisible,
      nH2 = 2 * Math.ceil(rbm.nHidden / 2), // the kernel takes hidden units in pairs
      C = Math.max(capacity, 1);
    const L = new Layout();
    const ctx = L.alloc(KERNEL_ABI.xctx.bytes, 64);
    const at = {
      vis: L.alloc(C * nV, 64),
      eW: L.alloc(nV * nH2 * 8, 64),
      emW: L.alloc(nV * nH2 * 8, 64),
      eb: L.alloc(nV * 8, 64),
      emb: L.alloc(nV * 8, 64),
      rng: L.alloc(C * 16, 64),
      cnt: L.alloc(C * 8, 64),
      pos: L.alloc(C * nV * 4, 64),
      p: L.alloc(C * nH2 * 8, 64),
      q: L.alloc(C * nH2 * 8, 64),
      t: L.alloc(C * nH2 * 8, 64),
      f: L.alloc(C * nH2 * 8, 64),
    };
    const arena = new Arena(L);
    writeContext(arena, ctx, "xctx", { nV, nH2, ...at });
    this.arena = arena;
    this.ctx = ctx;
    this.x = {
      nVisible: nV,
      nHidden2: nH2,
      vis: arena.u8(at.vis, C * nV),
      eW: arena.f64(at.eW, nV * nH2),
      emW: arena.f64(at.emW, nV * nH2),
      eb: arena.f64(at.eb, nV),
      emb: arena.f64(at.emb, nV),
      rng: arena.u32(at.rng, C * 4),
      cnt: arena.i32(at.cnt, C * 2),
      pos: arena.i32(at.pos, C * nV),
      p: arena.f64(at.p, C * nH2),
      q: arena.f64(at.q, C * nH2),
      t: arena.f64(at.t, C * nH2),
      f: arena.f64(at.f, C * nH2),
    };
    // padding hidden units (nH2 > nH): e^{±W} = 1, p = 0, q = 1, so that their factor is exactly 1
    this.x.eW.fill(1);
    this.x.emW.fill(1);
    this.x.q.fill(1);
  }
}

export class ExchangeMoves {
  private chains: ExchangeChains | null = null;
  private readonly theta: Float64Array;
  private proposed = 0;
  private accepted = 0;
  private reference = false;

  /**
   * Moves for chains of `rbm`, their streams split from `rng`: for `nChains` chains at once if given
   * (then getRngState has them from the start), else for as many chains as the first step moves
   * (more chains later get streams split then).
   */
  constructor(
    private readonly rbm: RBM,
    private readonly rng: Rng,
    nChains?: number,
  ) {
    this.theta = new Float64Array(rbm.nHidden);
    if (nChains !== undefined) this.ensure(nChains);
  }

  /** Kernel memory for at least n chains, each with its stream (kept when the memory grows). */
  private ensure(n: number): ExchangeChains {
    if (!Number.isInteger(n) || n < 0) throw new Error(`number of chains must be an integer ≥ 0, got ${n}`);
    const old = this.chains;
    if (old && old.capacity >= n) return old;
    const next = new ExchangeChains(this.rbm, n);
    const from = old ? old.capacity : 0;
    if (old) next.x.rng.set(old.x.rng.subarray(0, 4 * from));
    for (let c = from; c < n; c++) next.x.rng.set(this.rng.split().getState(), 4 * c);
    this.chains = next;
    return next;
  }

  /** For tests: run the plain-TypeScript reference of the kernel (bit-identical) instead of the kernel. */
  useReference(on: boolean): void {
    this.reference = on;
  }

  /**
   * `moves` exchange proposals on each of the chains in `visible` (chain-major, nVisible per chain).
   * A proposal picks one of the chain's ones and one of its zeros uniformly, so that every proposal
   * moves something; with w ones there are w(N − w) such pairs whatever the configuration of the
   * sector, so the proposal is symmetric.
   */
  step(visible: Uint8Array, nChains: number, moves: number): void {
    if (!Number.isInteger(moves) || moves < 0) throw new Error(`moves must be an integer ≥ 0, got ${moves}`);
    const N = this.rbm.nVisible;
    if (visible.length < nChains * N)
      throw new Error(`${nChains} chains need ${nChains * N} visible units, got ${visible.length}`);
    if (N < 2 || moves === 0 || nChains === 0) return;
    // (the kernel's draws of one of the ones or zeros, and their reference, assume N < 2^21)
    if (N >= 2 ** 21) throw new Error(`exchange moves take at most 2^21 − 1 visible units, got ${N}`);
    const chains = this.ensure(nChains),
      x = chains.x;
    this.refreshTables(x); // the parameters change between updates
    x.vis.set(visible.subarray(0, nChains * N));
    for (let c = 0; c < nChains; c++) {
      const w = this.setChain(x, c);
      x.cnt[2 * c] = w;
      x.cnt[2 * c + 1] = 0;
      if (w > 0 && w < N) this.proposed += moves;
    }
    if (this.reference) {
      exchangeReference(x, 0, nChains, moves);
    } else {
      const work = nChains * moves * x.nHidden2;
      const threads = work < THREAD_WORK ? 1 : Math.min(MAX_THREADS, kernelThreads(), nChains);
      parallelFor(chains.arena, "exchange", chains.ctx, nChains, [moves], threads);
    }
    visible.set(x.vis.subarray(0, nChains * N));
    for (let c = 0; c < nChains; c++) this.accepted += x.cnt[2 * c + 1];
  }

  /** e^{±W} and e^{±b} of the clamped parameters (rows of nH2; the padding stays 1). */
  private refreshTables(x: ExchangeArrays): void {
    const { weights: W, visibleBias: b, nVisible: N, nHidden: nH } = this.rbm,
      nH2 = x.nHidden2;
    for (let i = 0; i < N; i++) {
      for (let j = 0; j < nH; j++) {
        const w = Math.min(Math.max(W[i * nH + j], -EXP_CLAMP), EXP_CLAMP);
        x.eW[i * nH2 + j] = Math.exp(w);
        x.emW[i * nH2 + j] = Math.exp(-w);
      }
    }
    for (let i = 0; i < N; i++) {
      const bi = Math.min(Math.max(b[i], -EXP_CLAMP), EXP_CLAMP);
      x.eb[i] = Math.exp(bi);
      x.emb[i] = Math.exp(-bi);
    }
  }

  /**
   * Chain c's positions of ones then zeros, and p_j = σ(θ_j), q_j = σ(−θ_j) of its θ = c + Wᵀv (from
   * e^{−|θ|}: no overflow either way). Returns its number of ones.
   */
  private setChain(x: ExchangeArrays, c: number): number {
    const N = x.nVisible,
      nH = this.rbm.nHidden,
      at = c * N,
      h = c * x.nHidden2,
      theta = this.theta;
    let w = 0;
    for (let i = 0; i < N; i++) if (x.vis[at + i]) x.pos[at + w++] = i;
    let z = w;
    for (let i = 0; i < N; i++) if (!x.vis[at + i]) x.pos[at + z++] = i;
    this.rbm.hiddenActivation(x.vis, theta, at);
    for (let j = 0; j < nH; j++) {
      const t = theta[j],
        e = Math.exp(-Math.abs(t)),
        r = 1 / (1 + e);
      x.p[h + j] = t >= 0 ? r : e * r;
      x.q[h + j] = t >= 0 ? e * r : r;
    }
    return w;
  }

  /** The fraction of proposals accepted since the last call. */
  takeAcceptance(): number {
    const rate = this.proposed > 0 ? this.accepted / this.proposed : Number.NaN;
    this.proposed = this.accepted = 0;
    return rate;
  }

  /**
   * The chains' streams, for checkpoints: EXCHANGE_RNG_WORDS = 4 words per chain (xoshiro128** s0..s3
   * of chain c at 4c..4c+3), for every chain that has one (none before the first step if the
   * constructor was not told the number of chains).
   */
  getRngState(): number[] {
    return this.chains ? Array.from(this.chains.x.rng.subarray(0, EXCHANGE_RNG_WORDS * this.chains.capacity)) : [];
  }

  /** Restores getRngState's words (4 per chain, for the same number of chains if they exist already). */
  setRngState(words: ArrayLike<number>): void {
    const n = words.length / EXCHANGE_RNG_WORDS;
    if (!Number.isInteger(n) || (this.chains && this.chains.capacity !== n))
      throw new Error(
        `exchange moves' RNG state has ${words.length} words, expected ${EXCHANGE_RNG_WORDS} per chain` +
          (this.chains ? ` (${EXCHANGE_RNG_WORDS * this.chains.capacity} for ${this.chains.capacity} chains)` : ""),
      );
    for (let k = 0; k < words.length; k++) {
      const w = words[k];
      if (!Number.isInteger(w) || w < 0 || w >= 2 ** 32)
        throw new Error(`exchange RNG state word ${k} is ${JSON.stringify(w)}, not a 32-bit unsigned integer`);
    }
    for (let c = 0; c < n; c++) {
      if ((words[4 * c] | words[4 * c + 1] | words[4 * c + 2] | words[4 * c + 3]) === 0)
        throw new Error(`exchange RNG state of chain ${c} is all zero`);
    }
    this.ensure(n).x.rng.set(Array.prototype.slice.call(words));
  }
}
