/**
 * A tiny pool of worker threads that run kernel calls on shared WebAssembly memory.
 *
 * Work is always "call export fn(ctx, a, b, …) for a range [a, b) of independent items" (chains,
 * table groups, samples, rows). `parallelFor` cuts [0, n) into contiguous parts, posts parts 1.. to
 * the workers through a shared control block (Atomics.notify, no postMessage per call), runs part 0
 * on the calling thread, then collects the others. A part is claimed atomically by whoever starts
 * it first: when the calling thread is done with its own part it takes over every part whose worker
 * has not started yet (say, because the OS has not scheduled it), so a busy machine costs at most
 * the serial time. Each item is computed by exactly the same code whatever thread runs it, so
 * results do not depend on the number of threads.
 *
 * Workers spin briefly on the control word after each job (a training loop calls them every few
 * tens of microseconds at small sizes), then sleep in Atomics.wait. They are unref'd: they never keep the process
 * alive. Arenas are registered with a worker on first use (postMessage of the shared memory, picked
 * up synchronously with receiveMessageOnPort) and dropped when the arena is garbage-collected.
 */
import os from "node:os";
import { MessageChannel, Worker, type MessagePort } from "node:worker_threads";
import { kernelModule, type Arena } from "./wasm.js";

/** Exported kernel functions that take (ctx, from, to, ...extra) and may run in a worker. */
const FUNCTIONS = [
  "step",
  "sweep",
  "pack",
  "unpack",
  "build_h",
  "build_v",
  "grad_tables",
  "grad_act",
  "grad_utab",
  "grad_outer",
  "exact_chunks",
  "exchange",
] as const;
export type ParallelFunction = (typeof FUNCTIONS)[number];

// Control block (Int32Array) layout. SEQ: number of the last job posted; CLAIM: of the last job
// claimed (job s is taken by whoever moves CLAIM from s − 1 to s); DONE: of the last job the worker
// finished or skipped.
const SEQ = 0,
  DONE = 1,
  FN = 2,
  ARENA = 3,
  NARGS = 4,
  ARGS = 5,
  MAXARGS = 8,
  ERR = ARGS + MAXARGS,
  CLAIM = ERR + 1,
  CTL_SIZE = CLAIM + 1;
/**
 * How long an idle worker polls before sleeping: long enough to bridge the gap between the kernel
 * calls of a training loop at small sizes, short enough not to compete with the calling thread when
 * cores are scarce (a late worker costs little: its part is taken over, see above).
 */
const SPIN_MS = 0.25;

const WORKER_SOURCE = `
"use strict";
const { workerData, receiveMessageOnPort } = require("node:worker_threads");
const ctl = new Int32Array(workerData.ctl);
const port = workerData.port;
const names = workerData.names;
const instances = new Map();
let seen = 0;
for (;;) {
  if (Atomics.load(ctl, ${SEQ}) === seen) {
    const until = performance.now() + ${SPIN_MS};
    while (Atomics.load(ctl, ${SEQ}) === seen && performance.now() < until) {}
    while (Atomics.load(ctl, ${SEQ}) === seen) Atomics.wait(ctl, ${SEQ}, seen);
  }
  seen = Atomics.load(ctl, ${SEQ});
  if (Atomics.compareExchange(ctl, ${CLAIM}, (seen - 1) | 0, seen) !== ((seen - 1) | 0)) {
    // the calling thread took this job over
    Atomics.store(ctl, ${DONE}, seen);
    Atomics.notify(ctl, ${DONE});
    continue;
  }
  let m;
  while ((m = receiveMessageOnPort(port))) {
    const msg = m.message;
    if (msg.drop !== undefined) instances.delete(msg.drop);
    else instances.set(msg.id, new WebAssembly.Instance(msg.module, { env: { memory: msg.memory } }).exports);
  }
  try {
    const ex = instances.get(ctl[${ARENA}]);
    const n = ctl[${NARGS}];
    const a = [];
    for (let i = 0; i < n; i++) a.push(ctl[${ARGS} + i]);
    ex[names[ctl[${FN}]]](...a);
    ctl[${ERR}] = 0;
  } catch (e) {
    ctl[${ERR}] = 1;
  }
  Atomics.store(ctl, ${DONE}, seen);
  Atomics.notify(ctl, ${DONE});
}
`;

interface Slot {
  worker: Worker;
  ctl: Int32Array;
  port: MessagePort;
  seq: number;
  known: Set<number>;
  /** Arguments of the job last posted, to run it here if the worker has not claimed it. */
  args: number[];
  fn: ParallelFunction;
}

const slots: Slot[] = [];
let configured: number | null = null;

function defaultThreads(): number {
  const env = process.env.QST_THREADS;
  if (env !== undefined && env !== "") {
    const n = Number(env);
    if (Number.isInteger(n) && n >= 1) return n;
  }
  return Math.max(1, Math.min(os.availableParallelism?.() ?? os.cpus().length, 8));
}

/** Threads the kernels may use (the calling thread included): QST_THREADS, else the core count (≤ 8). */
export function kernelThreads(): number {
  return configured ?? defaultThreads();
}

/** Overrides the thread count (1 = everything on the calling thread); null restores the default. */
export function setKernelThreads(n: number | null): void {
  if (n !== null && (!Number.isInteger(n) || n < 1))
    throw new Error(`thread count must be a positive integer, got ${n}`);
  configured = n;
}

const dropRegistry = new FinalizationRegistry<number>((id) => {
  for (const s of slots) {
    if (s.known.delete(id)) s.port.postMessage({ drop: id });
  }
});

const registered = new WeakSet<Arena>();

function slot(i: number): Slot {
  while (slots.length <= i) {
    const ctl = new Int32Array(new SharedArrayBuffer(CTL_SIZE * 4));
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { ctl: ctl.buffer, port: port2, names: FUNCTIONS },
      transferList: [port2],
    });
    worker.unref();
    port1.unref();
    slots.push({ worker, ctl, port: port1, seq: 0, known: new Set(), args: [], fn: "step" });
  }
  return slots[i];
}

let workersUnavailable = false;

/** Starts workers up to `count`; false (and no more attempts) if worker threads cannot be created. */
function ensureWorkers(count: number): boolean {
  try {
    slot(count - 1);
    return true;
  } catch (e) {
    workersUnavailable = true;
    process.emitWarning(`qst: worker threads unavailable, computing on one thread (${(e as Error).message})`);
    return false;
  }
}

function post(s: Slot, arena: Arena, fn: ParallelFunction, args: number[]): void {
  if (!s.known.has(arena.id)) {
    s.port.postMessage({ id: arena.id, memory: arena.memory, module: kernelModule() });
    s.known.add(arena.id);
    if (!registered.has(arena)) {
      registered.add(arena);
      dropRegistry.register(arena, arena.id);
    }
  }
  const c = s.ctl;
  c[FN] = FUNCTIONS.indexOf(fn);
  c[ARENA] = arena.id;
  c[NARGS] = args.length;
  for (let i = 0; i < args.length; i++) c[ARGS + i] = args[i];
  s.args = args;
  s.fn = fn;
  s.seq = (s.seq + 1) | 0;
  Atomics.store(c, SEQ, s.seq);
  Atomics.notify(c, SEQ);
}

/** Completes the slot's job: runs it here if the worker has not claimed it yet, else waits for it. */
function collect(s: Slot, ex: Record<ParallelFunction, (...a: number[]) => void>): boolean {
  const c = s.ctl;
  if (Atomics.compareExchange(c, CLAIM, (s.seq - 1) | 0, s.seq) === ((s.seq - 1) | 0)) {
    ex[s.fn](...s.args);
    return false;
  }
  // The worker is on it, and usually nearly done since this thread has just done its own share.
  let spins = 0;
  while (Atomics.load(c, DONE) !== s.seq) {
    if (++spins > 2000) Atomics.wait(c, DONE, Atomics.load(c, DONE), 1);
  }
  if (c[ERR] !== 0) throw new Error("a kernel worker thread failed");
  return true;
}

/**
 * Whether splitting pays is decided by measurement, per kernel function, memory and size: now and
 * then a block of calls runs on one thread, then a block split, and the faster (median wall clock of
 * each block, its first call left out as a transition) is used until the next such probe. Comparing
 * whole calls, not the parts, matters when the machine is busy: then the worker's part competes with
 * the calling thread's for the same core, which makes each part slower but the call no faster. On
 * one thread the workers sleep. This only ever changes the speed: results are the same for any split.
 */
interface Adaptive {
  /** Calls left before the next probe. */
  left: number;
  /** Calls between probes after the last decision for one thread (doubles while it holds). */
  backoff: number;
  parallel: boolean;
  /** Position in the current probe (< 2·PROBE_BLOCK), or −1 when not probing. */
  probe: number;
  serialTimes: number[];
  parallelTimes: number[];
}
const adaptive = new Map<string, Adaptive>();
const PROBE_BLOCK = 5,
  PARALLEL_PERIOD = 1024,
  MIN_BACKOFF = 64,
  MAX_BACKOFF = 8192,
  MIN_GAIN = 0.75;
let adaptiveOn = process.env.QST_ADAPTIVE_THREADS !== "0";

/** Turns the measurement off (always split when asked to; for tests) or back on. */
export function setAdaptiveThreads(on: boolean): void {
  adaptiveOn = on;
  adaptive.clear();
}

function median(a: number[]): number {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : 0.5 * (s[s.length / 2 - 1] + s[s.length / 2]);
}

/** Whether this call should be split (and the state to record its duration in). */
function decide(key: string): { split: boolean; st: Adaptive } {
  let st = adaptive.get(key);
  if (!st) {
    st = { left: 0, backoff: MIN_BACKOFF, parallel: true, probe: 0, serialTimes: [], parallelTimes: [] };
    adaptive.set(key, st);
  } else if (st.probe < 0 && st.left-- <= 0) {
    st.probe = 0;
    st.serialTimes = [];
    st.parallelTimes = [];
  }
  if (st.probe >= 0) return { split: st.probe >= PROBE_BLOCK, st };
  return { split: st.parallel, st };
}

function record(st: Adaptive, seconds: number): void {
  if (st.probe < 0) return;
  const i = st.probe++;
  if (i % PROBE_BLOCK !== 0) (i >= PROBE_BLOCK ? st.parallelTimes : st.serialTimes).push(seconds);
  if (st.probe < 2 * PROBE_BLOCK) return;
  st.probe = -1;
  const wasParallel = st.parallel;
  st.parallel = median(st.parallelTimes) < MIN_GAIN * median(st.serialTimes);
  if (st.parallel) {
    st.left = PARALLEL_PERIOD;
    st.backoff = MIN_BACKOFF;
  } else {
    st.backoff = wasParallel ? MIN_BACKOFF : Math.min(2 * st.backoff, MAX_BACKOFF);
    st.left = st.backoff;
  }
}

/**
 * Runs fn(ctx, a, b, ...extra) over [0, n) cut into `threads` contiguous parts (part t = [⌊tn/T⌋,
 * ⌊(t+1)n/T⌋)); part 0 on this thread. With threads = 1 it is a plain call. If `scratchStride` is
 * given, the last extra argument is a per-thread scratch address: part t gets it + t·scratchStride.
 */
export function parallelFor(
  arena: Arena,
  fn: ParallelFunction,
  ctx: number,
  n: number,
  extra: number[],
  threads: number,
  scratchStride = 0,
): void {
  const ex = arena.exports as unknown as Record<ParallelFunction, (...a: number[]) => void>;
  const t = Math.max(1, Math.min(threads, n));
  if (t === 1 || workersUnavailable || !ensureWorkers(t - 1)) {
    ex[fn](ctx, 0, n, ...extra);
    return;
  }
  let split = true;
  let st: Adaptive | null = null;
  if (adaptiveOn) {
    ({ split, st } = decide(`${arena.id}:${fn}:${n}:${extra.length > 1 ? extra[0] : ""}`));
  }
  const t0 = performance.now();
  if (!split) {
    ex[fn](ctx, 0, n, ...extra);
  } else {
    const last = extra.length - 1;
    for (let w = 1; w < t; w++) {
      const a = Math.floor((w * n) / t),
        b = Math.floor(((w + 1) * n) / t);
      const e = extra.slice();
      if (scratchStride) e[last] += w * scratchStride;
      post(slots[w - 1], arena, fn, [ctx, a, b, ...e]);
    }
    ex[fn](ctx, 0, Math.floor(n / t), ...extra);
    for (let w = 1; w < t; w++) collect(slots[w - 1], ex);
  }
  if (st) record(st, performance.now() - t0);
}

/** The current choice per kernel call site (key "arena:function:items:arg"), for diagnostics. */
export function threadDecisions(): Record<string, "split" | "one thread" | "probing"> {
  return Object.fromEntries(
    [...adaptive].map(([k, v]) => [k, v.probe >= 0 ? "probing" : v.parallel ? "split" : "one thread"]),
  );
}
