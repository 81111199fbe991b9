/**
 * Exact enumeration of −F(v) over all 2^N configurations in WebAssembly (kernels.wat,
 * exact_chunks): float64 throughout, e^x accurate to a few ulp, and one Math.log per configuration.
 *
 * Configurations are visited in Gray-code order in chunks of 4096; θ = c + Wᵀv is recomputed
 * exactly at the start of each chunk and updated by one row per step inside it. Each value depends
 * only on its chunk, so splitting the chunks over threads never changes the result.
 */
import { kernelThreads, parallelFor } from "./pool.js";
import { Arena, type RbmParameters, KERNEL_ABI, Layout, setContextField, writeContext } from "./wasm.js";

const CHUNK_LOG2 = 12;
const BLOCK_LOG2 = 16;
/** Below 2^this configurations one thread does it all. */
const THREAD_MIN_LOG2 = 14;
/** Above this many hidden units the product of factors in (1, 2] could overflow: use the JS path. */
export const MAX_KERNEL_HIDDEN = 1000;

class ExactWorkspace {
  readonly n: number;
  readonly nH: number;
  private readonly arena: Arena;
  private readonly ectx: number;
  private readonly W: Float64Array;
  private readonly b: Float64Array;
  private readonly c: Float64Array;
  private readonly outF: Float64Array;
  private readonly outP: Float64Array;
  private readonly theta: number;
  private readonly thetaStride: number;
  private readonly maxThreads: number;
  private readonly block: number;
  private readonly chunkLog2: number;

  constructor(n: number, nH: number) {
    this.n = n;
    this.nH = nH;
    const nVec = Math.ceil(nH / 2);
    this.block = 2 ** Math.min(n, BLOCK_LOG2);
    this.chunkLog2 = Math.min(n, CHUNK_LOG2);
    this.maxThreads = Math.max(1, Math.min(8, kernelThreads()));
    const L = new Layout();
    const ectx = L.alloc(KERNEL_ABI.ectx.bytes, 64);
    const W = L.alloc(n * nVec * 16, 64);
    const b = L.alloc(n * 8);
    const c = L.alloc(nVec * 16);
    const outF = L.alloc(this.block * 8, 64);
    const outP = L.alloc(this.block * 8, 64);
    this.thetaStride = Math.ceil((nVec * 16) / 64) * 64;
    this.theta = L.alloc(this.thetaStride * this.maxThreads, 64);
    this.arena = new Arena(L);
    this.ectx = ectx;
    // the second lane of the last θ vector is padding when nH is odd
    const mask = nH % 2 === 1 ? [-1, -1, 0, 0] : [-1, -1, -1, -1];
    const chunkLog2 = this.chunkLog2;
    writeContext(this.arena, ectx, "ectx", { n, nVec, W, b, c, outF, outP, chunkLog2, kBlock: 0, mask });
    this.W = this.arena.f64(W, 2 * n * nVec);
    this.b = this.arena.f64(b, n);
    this.c = this.arena.f64(c, 2 * nVec);
    this.outF = this.arena.f64(outF, this.block);
    this.outP = this.arena.f64(outP, this.block);
  }

  /** out[index] = −F(v) for every configuration, index = Σ v_i 2^(N−1−i). */
  run(rbm: RbmParameters, out: Float64Array): void {
    const { n, nH } = this;
    const row = 2 * Math.ceil(nH / 2);
    for (let i = 0; i < n; i++) this.W.set(rbm.weights.subarray(i * nH, (i + 1) * nH), i * row);
    this.b.set(rbm.visibleBias);
    this.c.set(rbm.hiddenBias);
    const dim = 2 ** n,
      block = this.block,
      chunksPerBlock = block >> this.chunkLog2;
    const threads = n >= THREAD_MIN_LOG2 ? Math.min(this.maxThreads, kernelThreads()) : 1;
    const F = this.outF,
      P = this.outP;
    for (let kb = 0; kb < dim; kb += block) {
      setContextField(this.arena, this.ectx, "ectx", "kBlock", kb);
      parallelFor(this.arena, "exact_chunks", this.ectx, chunksPerBlock, [this.theta], threads, this.thetaStride);
      for (let j = 0; j < block; j++) {
        const k = kb + j;
        out[k ^ (k >>> 1)] = F[j] + Math.log(P[j]);
      }
    }
  }
}

let cached: ExactWorkspace | null = null;

/** −F(v) at every basis index, for RbmParameterss with at most MAX_KERNEL_HIDDEN hidden units. */
export function exactFreeEnergies(rbm: RbmParameters, out: Float64Array): Float64Array {
  if (!cached || cached.n !== rbm.nVisible || cached.nH !== rbm.nHidden) {
    cached = new ExactWorkspace(rbm.nVisible, rbm.nHidden);
  }
  cached.run(rbm, out);
  return out;
}
