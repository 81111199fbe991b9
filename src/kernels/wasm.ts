/**
 * Loader for the WebAssembly kernels (src/kernels/kernels.wat, embedded as base64 in kernels-wasm.ts).
 *
 * Each user of the kernels (a sampler, a gradient workspace) lays out its buffers in an `Arena`:
 * its own fixed-size shared WebAssembly.Memory and an instance bound to it. The memory never grows,
 * so typed-array views into it (such as GibbsSampler.visible) stay valid for the arena's lifetime,
 * and because it is shared, worker threads can run the same kernels on it (src/kernels/pool.ts).
 */
import { KERNELS_WASM_BASE64 } from "./kernels-wasm.js";

export interface KernelExports {
  peak_f32(n: number): number;
  peak_lut(T: number, n: number): number;
  step(ctx: number, c0: number, c1: number, k: number, scratch: number): void;
  sweep(ctx: number, c0: number, c1: number, k: number, scratch: number): void;
  build_h(ctx: number, g0: number, g1: number): void;
  build_v(ctx: number, g0: number, g1: number): void;
  pack(ctx: number, c0: number, c1: number): void;
  unpack(ctx: number, c0: number, c1: number): void;
  load_params(ctx: number): void;
  grad_load(gctx: number): void;
  build_f32(W: number, bias: number, T: number, g0: number, g1: number, nVec: number): void;
  exp_f64(x: number): number;
  grad_tables(gctx: number, g0: number, g1: number): void;
  grad_act(gctx: number, s0: number, s1: number): void;
  grad_utab(gctx: number, q0: number, q1: number): void;
  grad_outer(gctx: number, i0: number, i1: number): void;
  grad_finish(gctx: number): void;
  exact_chunks(ectx: number, ch0: number, ch1: number, theta: number): void;
}

let compiled: WebAssembly.Module | null = null;

/** The compiled kernel module (compiled synchronously on first use, once per thread). */
export function kernelModule(): WebAssembly.Module {
  if (!compiled) compiled = new WebAssembly.Module(Buffer.from(KERNELS_WASM_BASE64, "base64"));
  return compiled;
}

/** Bump allocator for an arena's layout, computed before the memory is created. */
export class Layout {
  private top = 64; // address 0 stays unused so that 0 can mean "none"
  alloc(bytes: number, align = 16): number {
    this.top = Math.ceil(this.top / align) * align;
    const at = this.top;
    this.top += Math.max(bytes, 0);
    return at;
  }
  get size(): number {
    return Math.ceil(this.top / 64) * 64;
  }
}

let nextArenaId = 1;

export class Arena {
  readonly id: number;
  readonly memory: WebAssembly.Memory;
  readonly exports: KernelExports;
  readonly bytes: number;

  constructor(layout: Layout) {
    const pages = Math.max(1, Math.ceil(layout.size / 65536));
    if (pages > 65536) throw new Error(`the kernels need ${layout.size} bytes, more than WebAssembly's 4 GiB`);
    this.bytes = pages * 65536;
    this.memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    const instance = new WebAssembly.Instance(kernelModule(), { env: { memory: this.memory } });
    this.exports = instance.exports as unknown as KernelExports;
    this.id = nextArenaId++;
  }

  get buffer(): ArrayBufferLike {
    return this.memory.buffer;
  }
  u8(at: number, n: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, at, n);
  }
  i32(at: number, n: number): Int32Array {
    return new Int32Array(this.memory.buffer, at, n);
  }
  u32(at: number, n: number): Uint32Array {
    return new Uint32Array(this.memory.buffer, at, n);
  }
  f32(at: number, n: number): Float32Array {
    return new Float32Array(this.memory.buffer, at, n);
  }
  f64(at: number, n: number): Float64Array {
    return new Float64Array(this.memory.buffer, at, n);
  }
}
