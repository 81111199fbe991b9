/**
 * Loader for the WebAssembly kernels (src/kernels/kernels.wat, embedded as base64 in kernels-wasm.ts).
 *
 * Each user of the kernels (a sampler, a gradient workspace) lays out its buffers in an `Arena`:
 * its own fixed-size shared WebAssembly.Memory and an instance bound to it. The memory never grows,
 * so typed-array views into it (such as GibbsSampler.visible) stay valid for the arena's lifetime,
 * and because it is shared, worker threads can run the same kernels on it (src/kernels/pool.ts).
 */
import { QstError } from "../core/errors.js";
import { KERNEL_ABI, KERNELS_WASM_BASE64 } from "./kernels-wasm.js";

export { KERNEL_ABI };

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
  exchange(xctx: number, c0: number, c1: number, moves: number): void;
}

/**
 * What the kernels read of an RBM (src/nn/rbm.ts): its sizes and its parameters, one vector
 * [W (row-major, W[i·nHidden + j]) | b | c] of which the other three are views.
 */
export interface RbmParameters {
  readonly nVisible: number;
  readonly nHidden: number;
  readonly params: Float64Array;
  readonly weights: Float64Array;
  readonly visibleBias: Float64Array;
  readonly hiddenBias: Float64Array;
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
    if (pages > 65536) {
      throw new QstError(
        `the model, batch and chains need ${(layout.size / 2 ** 30).toFixed(1)} GiB of kernel memory, more than WebAssembly's 4 GiB: ` +
          "use fewer hidden units, chains or a smaller batch",
      );
    }
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

/** The kernels' context structs (laid out in src/kernels/abi.mjs). */
export type ContextName = keyof typeof KERNEL_ABI;
type Fields<S extends ContextName> = (typeof KERNEL_ABI)[S]["fields"];
/** A value for every field of context S: a number, or an array of `words` numbers. */
export type ContextValues<S extends ContextName> = {
  [F in keyof Fields<S>]: Fields<S>[F] extends { words: 1 } ? number : readonly number[];
};

function contextLayout(name: string): { bytes: number; fields: Record<string, { index: number; words: number }> } {
  if (!Object.hasOwn(KERNEL_ABI, name)) throw new Error(`no kernel context "${name}"`);
  return KERNEL_ABI[name as ContextName];
}

function setWords(view: Int32Array, name: string, field: string, value: unknown): void {
  const f = contextLayout(name).fields;
  if (!Object.hasOwn(f, field)) throw new Error(`kernel context ${name} has no field "${field}"`);
  const { index, words } = f[field];
  const values = words === 1 ? (typeof value === "number" ? [value] : null) : value;
  if (!Array.isArray(values) || values.length !== words) throw new Error(`${name}.${field} takes ${words} words`);
  for (let k = 0; k < words; k++) {
    const v = values[k];
    // addresses are unsigned: up to 2^32 − 1 (the Int32Array stores the same bits)
    if (!Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 32) throw new Error(`${name}.${field} = ${v}: not an i32`);
    view[index + k] = v;
  }
}

/**
 * Writes the whole context `name` at `at` (KERNEL_ABI[name].bytes, zeroed first) by field name;
 * throws on a missing, unknown or malformed field.
 */
export function writeContext<S extends ContextName>(arena: Arena, at: number, name: S, values: ContextValues<S>): void {
  const layout = contextLayout(name);
  for (const field of Object.keys(layout.fields)) {
    if (!Object.hasOwn(values, field)) throw new Error(`kernel context ${name} needs field "${field}"`);
  }
  const view = arena.i32(at, layout.bytes / 4);
  view.fill(0);
  for (const [field, value] of Object.entries(values)) setWords(view, name, field, value);
}

/** Sets one field of the context `name` at `at`. */
export function setContextField<S extends ContextName, F extends keyof Fields<S> & string>(
  arena: Arena,
  at: number,
  name: S,
  field: F,
  value: ContextValues<S>[F],
): void {
  setWords(arena.i32(at, contextLayout(name).bytes / 4), name, field, value);
}

/** The context `name` at `at`, field by field (words as signed i32), for tests and debugging. */
export function readContext(arena: Arena, at: number, name: ContextName): Record<string, number | number[]> {
  const layout = contextLayout(name);
  const view = arena.i32(at, layout.bytes / 4);
  const out: Record<string, number | number[]> = {};
  for (const [field, { index, words }] of Object.entries(layout.fields)) {
    out[field] = words === 1 ? view[index] : Array.from(view.subarray(index, index + words));
  }
  return out;
}
