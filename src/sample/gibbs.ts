/**
 * Block Gibbs sampling of an RBM: v → h → v → …
 *
 * Because the hidden units are independent given v (and vice versa), a whole layer is drawn at
 * once: p(h_j = 1 | v) = σ(c_j + Σ_i W_ij v_i), p(v_i = 1 | h) = σ(b_i + Σ_j W_ij h_j).
 * Chains persist between calls (PCD's negative phase, and estimation with burn-in and thinning).
 *
 * The hot loop runs in WebAssembly SIMD (src/kernels/kernels.wat):
 *  - units are 0/1, so an activation vector is a sum of rows of W; with the inputs grouped in fours
 *    and the 16 subset sums of every group tabulated (float32, refreshed by syncWeights), a layer
 *    costs nIn/4 vector row additions per chain instead of nIn multiply-adds, with no branches;
 *  - u < σ(a) is tested four units at a time with a polynomial 2^x (error budget in
 *    docs/benchmarks.md), and the 4-bit outcome is directly the next half-step's table index;
 *  - every chain owns four xoshiro128+ streams (one per SIMD lane; the top 23 bits of each output
 *    make the uniform, where xoshiro128+ is at full strength), seeded from the constructor's
 *    Rng, so a chain's trajectory depends only on its own stream: the chains can be spread over
 *    worker threads (src/kernels/pool.ts) and the result is bit-identical for any thread count.
 * Activations are float32 (relative error ~1e-7); gradients and exact metrics stay float64.
 *
 * An RBM confined to a magnetisation sector (RBM.sector, src/nn/sector.ts) is sampled instead by
 * exchange moves (src/sample/exchange.ts, the WebAssembly kernel "exchange"), which keep the number
 * of ones: the chains start uniformly in the sector, a "sweep" is ⌈N/2⌉ exchange proposals per chain
 * (sectorSweep), and every chain draws from its own xoshiro128** stream (split from the constructor's
 * Rng), so the result does not depend on threads either. Such a sampler's RNG state (checkpoints) is
 * those streams alone, 4 words per chain: the Gibbs lanes are never drawn from.
 */
import type { RBM } from "../nn/rbm.js";
import type { Rng } from "../core/rng.js";
import { QstError } from "../core/errors.js";
import { Arena, KERNEL_ABI, Layout, setContextField, writeContext } from "../kernels/wasm.js";
import { kernelThreads, parallelFor } from "../kernels/pool.js";
import { randomSectorState } from "../nn/sector.js";
import { type BurnIn, type BurnInReport, runBurnIn } from "./burn-in.js";
import { EXCHANGE_RNG_WORDS, ExchangeMoves } from "./exchange.js";

/**
 * Below this much work per step (chains·k·nV·nH) a step is not even tried on several threads; above
 * it, src/kernels/pool.ts measures whether splitting pays on this machine right now. At 10^5 (the W1
 * benchmark: 100 chains, k = 10, N = n_h = 10) one thread always won, and the probing itself cost 10 %
 * of the epoch (0.0062–0.0067 s against 0.0058–0.0060 s, five interleaved runs each).
 */
const STEP_THREAD_WORK = 2e5;
/** Below this table size (nV·nH), building the tables is not split across threads (ditto). */
const BUILD_THREAD_WORK = 5000;
/** Bias of the padding units: σ(−1e30) = 0 exactly in the kernel, so they are never on. */
const PADDING_BIAS = -1e30;
/**
 * Exchange proposals that make one "sweep" of a sector model's chains: each moves two units, so ⌈N/2⌉
 * of them touch N units, as a Gibbs sweep does.
 */
export function sectorSweep(nVisible: number): number {
  return Math.ceil(nVisible / 2);
}
/** Most threads a sampler will use. */
const MAX_THREADS = 8;

/** Words of chain RNG state per chain: four lanes of xoshiro128+ (s0..s3 of each lane). */
const RNG_WORDS = 16;

export interface SamplerState {
  /** Visible states, chain-major (as `visible`). */
  visible: number[];
  /** The chains' RNG streams (getRngState): 16 words per chain, 4 for a sector RBM's. */
  rng: number[];
}

export class GibbsSampler {
  readonly rbm: RBM;
  readonly nChains: number;
  /** Visible states of all chains, chain c at [c*nVisible, (c+1)*nVisible). A view into kernel memory. */
  readonly visible: Uint8Array;
  /** Hidden states from the last half-step v → h of each chain. */
  readonly hidden: Uint8Array;

  private readonly arena: Arena;
  private readonly ctx: number;
  private readonly gV: number;
  private readonly gH: number;
  private readonly raw: Float64Array;
  private readonly chainRng: Uint32Array;
  private readonly scratch: number;
  private readonly scratchStride: number;
  private readonly maxThreads: number;
  /** A sector RBM's chains: exchange moves (one stream per chain), in place of the Gibbs kernel. */
  private readonly sectorMoves: ExchangeMoves | null = null;

  constructor(rbm: RBM, nChains: number, rng: Rng) {
    if (!Number.isInteger(nChains) || nChains < 1)
      throw new Error(`number of chains must be a positive integer, got ${nChains}`);
    this.rbm = rbm;
    this.nChains = nChains;
    const nV = rbm.nVisible,
      nH = rbm.nHidden;
    const gV = Math.ceil(nV / 4),
      gH = Math.ceil(nH / 4);
    this.gV = gV;
    this.gH = gH;
    this.maxThreads = Math.max(1, Math.min(MAX_THREADS, kernelThreads(), nChains));

    const L = new Layout();
    const ctx = L.alloc(KERNEL_ABI.ctx.bytes, 64);
    // each table is followed by a zero row (64 bytes) that small layers read for missing groups
    const th = L.alloc(gV * 16 * gH * 16 + 64, 64);
    const tv = L.alloc(gH * 16 * gV * 16 + 64, 64);
    const vOff = L.alloc(nChains * gV * 4 + 16); // + slack: decoding reads 4 offsets at a time
    const hOff = L.alloc(nChains * gH * 4 + 16);
    const rngAt = L.alloc(nChains * RNG_WORDS * 4, 64);
    const vis = L.alloc(nChains * nV + 16); // + slack: the kernels read whole 16-byte vectors
    const hid = L.alloc(nChains * nH + 16);
    const wf = L.alloc(4 * gV * 4 * gH * 4, 64);
    const wfT = L.alloc(4 * gH * 4 * gV * 4, 64);
    const bf = L.alloc(4 * gV * 4);
    const cf = L.alloc(4 * gH * 4);
    const raw = L.alloc(rbm.params.length * 8 + 32); // + slack: converted 4 at a time
    this.scratchStride = Math.ceil((8 * 16 * Math.max(gV, gH)) / 64) * 64; // 8 chains interleaved
    this.scratch = L.alloc(this.scratchStride * this.maxThreads, 64);
    this.arena = new Arena(L);
    this.ctx = ctx;

    writeContext(this.arena, ctx, "ctx", {
      nV,
      nH,
      gV,
      gH,
      Th: th,
      Tv: tv,
      vOff,
      hOff,
      rng: rngAt,
      vis,
      hid,
      Wf: wf,
      WfT: wfT,
      bf,
      cf,
      raw,
      noSmall: 0,
    });
    this.visible = this.arena.u8(vis, nChains * nV);
    this.hidden = this.arena.u8(hid, nChains * nH);
    this.raw = this.arena.f64(raw, rbm.params.length);
    // Padding units (beyond nV or nH, up to a multiple of 4) get a bias that keeps them off.
    this.arena.f32(bf, 4 * gV).fill(PADDING_BIAS);
    this.arena.f32(cf, 4 * gH).fill(PADDING_BIAS);
    this.chainRng = this.arena.u32(rngAt, nChains * RNG_WORDS);

    // Independent uniform starts: far from any mode, so burn-in is visible rather than hidden.
    for (let k = 0; k < this.visible.length; k++) this.visible[k] = rng.uint32() >>> 31;
    // Four streams per chain, in lane-interleaved order (word w of lane l at 4w + l).
    for (let c = 0; c < nChains; c++) {
      for (let l = 0; l < 4; l++) {
        const s = [rng.uint32(), rng.uint32(), rng.uint32(), rng.uint32() | 1];
        for (let w = 0; w < 4; w++) this.chainRng[c * RNG_WORDS + 4 * w + l] = s[w];
      }
    }
    if (rbm.sector !== null) {
      const moves = rng.split();
      for (let c = 0; c < nChains; c++) randomSectorState(moves, nV, rbm.sector, this.visible, c * nV);
      this.sectorMoves = new ExchangeMoves(rbm, moves, nChains);
    }
    this.syncWeights();
  }

  /** Threads to offer a kernel call of this much work (the calling thread included). */
  private threadsFor(work: number, threshold: number): number {
    if (work < threshold) return 1;
    return Math.min(this.maxThreads, kernelThreads());
  }

  /** Re-reads the RBM's parameters into the float32 tables; call after every parameter update. */
  syncWeights(): void {
    if (this.sectorMoves) return; // the exchange moves read the parameters at every step
    const { nVisible: nV, nHidden: nH } = this.rbm;
    this.raw.set(this.rbm.params); // float64 → float64: a plain copy; the kernel converts and pads
    this.arena.exports.load_params(this.ctx);
    const threads = this.threadsFor(nV * nH, BUILD_THREAD_WORK);
    parallelFor(this.arena, "build_h", this.ctx, this.gV, [], threads);
    parallelFor(this.arena, "build_v", this.ctx, this.gH, [], threads);
  }

  /** A sector RBM's chains: the fraction of exchange proposals accepted since the last call (NaN otherwise). */
  takeExchangeAcceptance(): number {
    return this.sectorMoves ? this.sectorMoves.takeAcceptance() : Number.NaN;
  }

  /** Sets every chain's visible state (e.g. CD-k starts the chains at the data). */
  setVisible(states: Uint8Array, offset = 0): void {
    this.visible.set(states.subarray(offset, offset + this.visible.length));
  }

  /** k full sweeps v → h → v of every chain, each drawing from its own streams (seeded by the constructor's Rng). */
  step(k: number): void {
    if (!Number.isInteger(k) || k < 0) throw new Error(`sweeps must be an integer ≥ 0, got ${k}`);
    if (k === 0) return;
    if (this.sectorMoves) {
      this.sectorMoves.step(this.visible, this.nChains, k * sectorSweep(this.rbm.nVisible));
      return;
    }
    const threads = this.threadsFor(this.nChains * k * this.rbm.nVisible * this.rbm.nHidden, STEP_THREAD_WORK);
    parallelFor(this.arena, "step", this.ctx, this.nChains, [k, this.scratch], threads, this.scratchStride);
  }

  /**
   * For tests: layers of at most 16 units use a kernel specialised for them (bit-identical to the
   * general one); false forces the general kernel.
   */
  useSmallLayerKernel(on: boolean): void {
    setContextField(this.arena, this.ctx, "ctx", "noSmall", on ? 0 : 1);
  }

  /**
   * For tests: the float32 visible activations b + W h that the general kernel computed in the last
   * half-step of chain c (from the hidden state now in `hidden`), when single-threaded and c is in
   * the last batch of 8 chains; null otherwise (the small-layer kernel keeps them in registers).
   */
  lastVisibleActivations(c: number): Float32Array | null {
    const batch = Math.floor((this.nChains - 1) / 8) * 8;
    if (c < batch || c >= this.nChains) return null;
    const at = this.scratch + (c - batch) * 16 * Math.max(this.gV, this.gH);
    return this.arena.f32(at, this.rbm.nVisible).slice();
  }

  /**
   * The chains' RNG streams, for checkpoints: 16 words per chain (four xoshiro128+ lanes, word w of
   * lane l at 16c + 4w + l); for a sector RBM instead 4 words per chain, the exchange moves'
   * xoshiro128** streams (s0..s3 of chain c at 4c..4c+3).
   */
  getRngState(): number[] {
    return this.sectorMoves ? this.sectorMoves.getRngState() : Array.from(this.chainRng);
  }

  setRngState(words: ArrayLike<number>): void {
    if (this.sectorMoves) {
      // before, the sector chains shared one stream: 16 words per chain and then its 4
      if (words.length === this.chainRng.length + 4)
        throw new QstError(
          "this checkpoint of a model confined to a magnetisation sector is from before its chains had one stream each; it cannot be resumed (start the run afresh)",
        );
      if (words.length !== EXCHANGE_RNG_WORDS * this.nChains)
        throw new Error(
          `sampler RNG state has ${words.length} words, ${this.nChains} chains in a sector need ${EXCHANGE_RNG_WORDS * this.nChains}`,
        );
      this.sectorMoves.setRngState(words);
      return;
    }
    const expected = this.chainRng.length;
    if (words.length !== expected) {
      throw new Error(`sampler RNG state has ${words.length} words, ${this.nChains} chains need ${expected}`);
    }
    for (let k = 0; k < words.length; k++) {
      const w = words[k];
      if (!Number.isInteger(w) || w < 0 || w >= 2 ** 32)
        throw new Error(`sampler RNG state word ${k} is ${JSON.stringify(w)}, not a 32-bit unsigned integer`);
    }
    for (let c = 0; c < this.nChains; c++) {
      for (let l = 0; l < 4; l++) {
        let any = 0;
        for (let w = 0; w < 4; w++) any |= words[c * RNG_WORDS + 4 * w + l];
        if (any === 0) throw new Error(`sampler RNG state of chain ${c} is all zero`);
      }
    }
    this.chainRng.set(Array.prototype.slice.call(words, 0, this.chainRng.length));
  }

  /** Chains and their RNG streams: with the RBM's parameters, everything a bit-exact resume needs. */
  getState(): SamplerState {
    return { visible: Array.from(this.visible), rng: this.getRngState() };
  }

  setState(state: SamplerState): void {
    if (state.visible.length !== this.visible.length) {
      throw new Error(
        `sampler state has ${state.visible.length / this.rbm.nVisible} chains, this sampler has ${this.nChains}`,
      );
    }
    this.setRngState(state.rng);
    this.visible.set(state.visible);
  }
}

export interface SampleOptions {
  /** Independent persistent chains. */
  chains: number;
  /** Samples kept per chain. */
  samplesPerChain: number;
  /**
   * Sweeps discarded at the start of every chain, or an adaptive burn-in that runs until the
   * chains' free-energy trace shows they have forgotten their random starts (src/sample/burn-in.ts).
   */
  burnIn: BurnIn;
  /** Sweeps between kept samples (1 keeps every sweep). */
  thin: number;
}

export interface ChainSamples {
  nChains: number;
  samplesPerChain: number;
  nVisible: number;
  /** Chain-major: sample t of chain c at [(c*samplesPerChain + t) * nVisible, …). */
  samples: Uint8Array;
  /** The burn-in that was run (sweeps, and for an adaptive one whether it converged). */
  burnIn?: BurnInReport;
}

/**
 * Draws samples of p_λ(v) from many independent chains, keeping them separate so that the
 * statistics can use per-chain means, autocorrelation and R̂.
 */
export function sampleChains(rbm: RBM, options: SampleOptions, rng: Rng): ChainSamples {
  const { chains, samplesPerChain, burnIn, thin } = options;
  if (!(thin >= 1) || !Number.isInteger(thin)) throw new Error(`thin must be an integer ≥ 1, got ${thin}`);
  if (!(samplesPerChain >= 0) || !Number.isInteger(samplesPerChain))
    throw new Error(`samples per chain must be an integer ≥ 0, got ${samplesPerChain}`);
  const nV = rbm.nVisible;
  const sampler = new GibbsSampler(rbm, chains, rng);
  const samples = new Uint8Array(chains * samplesPerChain * nV);
  const report = runBurnIn(sampler, rbm, chains, burnIn);
  for (let t = 0; t < samplesPerChain; t++) {
    sampler.step(thin);
    const v = sampler.visible;
    for (let c = 0; c < chains; c++) samples.set(v.subarray(c * nV, (c + 1) * nV), (c * samplesPerChain + t) * nV);
  }
  return { nChains: chains, samplesPerChain, nVisible: nV, samples, burnIn: report };
}
