/**
 * The WebAssembly kernels against their plain-TypeScript references (src/kernels/reference.ts): the
 * Gibbs sampler's distribution (χ² against exact p(v), for the kernel and the reference alike) and
 * the PCD gradient; and the kernel ABI (src/kernels/abi.mjs) against kernels.wat and the TypeScript
 * side that fills the contexts.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { Rng } from "../src/core/rng.js";
import { GRAD_THREAD_WORK, GradientWorkspace } from "../src/kernels/gradient.js";
import { KERNEL_ABI } from "../src/kernels/kernels-wasm.js";
import { setAdaptiveThreads, setKernelThreads } from "../src/kernels/pool.js";
import { ReferenceGibbsSampler, referenceGradient } from "../src/kernels/reference.js";
import { Arena, Layout, readContext, setContextField, writeContext, type ContextName } from "../src/kernels/wasm.js";
import { configurationOf, indexOf, logSumExp, unnormalisedLogProbabilities } from "../src/nn/enumeration.js";
import type { RBM } from "../src/nn/rbm.js";
import { chiSquare, randomRbm } from "./helpers/chi-square.js";
import { GibbsSampler } from "../src/sample/gibbs.js";
import { ExchangeMoves } from "../src/sample/exchange.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const CONTEXTS = Object.keys(KERNEL_ABI) as ContextName[];

afterEach(() => {
  setKernelThreads(null);
  setAdaptiveThreads(true);
});

describe("kernel ABI", () => {
  // kernels.wat without comments (the header shows a placeholder as an example)
  const wat = fs.readFileSync(path.join(here, "../src/kernels/kernels.wat"), "utf8").replace(/;;.*$/gm, "");

  it("the embedded table is abi.mjs's", async () => {
    // (a plain .mjs module, not type-checked)
    const { KERNEL_ABI: source } = await import("../src/kernels/abi.mjs");
    expect(KERNEL_ABI).toEqual(source);
  });

  it("kernels.wat reads every context field by name, from its own context, and every field is read", () => {
    const raw = wat.match(/\.(load|store)\w*\s+(offset=\d+\s+)?(align=\d+\s+)?\(local\.get \$(ctx|gctx|ectx)\)/g);
    expect(raw, "context accesses by raw offset").toBeNull();
    const placeholders = [...wat.matchAll(/offset=\{(\w+)\.(\w+)\}\s*\(local\.get \$(\w+)\)/g)];
    expect(placeholders.length).toBe(wat.split("offset={").length - 1);
    const used = new Set<string>();
    for (const [, struct, field, local] of placeholders) {
      expect(Object.keys(KERNEL_ABI), struct).toContain(struct);
      expect(Object.keys(KERNEL_ABI[struct as ContextName].fields), `${struct}.${field}`).toContain(field);
      expect(local, `${struct}.${field}`).toBe(struct);
      used.add(`${struct}.${field}`);
    }
    const all = CONTEXTS.flatMap((s) => Object.keys(KERNEL_ABI[s].fields).map((f) => `${s}.${f}`));
    expect([...used].sort()).toEqual(all.sort());
  });

  it("fields are consecutive, naturally aligned, and fit in the bytes allocated", () => {
    for (const s of CONTEXTS) {
      const { bytes, fields } = KERNEL_ABI[s];
      let next = 0;
      for (const { index, words } of Object.values(fields)) {
        expect(index).toBeGreaterThanOrEqual(next);
        expect(index % words).toBe(0); // the 4-word mask is one aligned v128
        next = index + words;
      }
      expect(4 * next).toBeLessThanOrEqual(bytes);
      expect(bytes % 64).toBe(0);
    }
    expect(KERNEL_ABI.ectx.fields.mask).toEqual({ index: 12, words: 4 });
  });

  it("assemble.mjs substitutes byte offsets, and fails on unknown or misapplied names", async () => {
    const { substituteOffsets } = await import("../src/kernels/assemble.mjs");
    const at = 4 * KERNEL_ABI.gctx.fields.nQ.index;
    const load = "(i32.load offset={gctx.nQ} (local.get $gctx))";
    expect(substituteOffsets(load)).toBe(`(i32.load offset=${at} (local.get $gctx))`);
    expect(() => substituteOffsets("(i32.load offset={ctx.nQ} (local.get $ctx))")).toThrow(/kernels.wat:1: \{ctx.nQ\}/);
    expect(() => substituteOffsets("\n(i32.load offset={ctxx.nV} (local.get $ctxx))")).toThrow(/kernels.wat:2/);
    expect(() => substituteOffsets("(i32.load offset={ctx.nV.x} (local.get $ctx))")).toThrow(/not a field/);
    expect(() => substituteOffsets("(i32.load offset={gctx.nQ} (local.get $ctx))")).toThrow(/\(local.get \$gctx\)/);
    expect(() => substituteOffsets("(i32.load offset={gctx.nQ} (i32.const 64))")).toThrow(/\(local.get \$gctx\)/);
  });

  it("assemble.mjs expands templates: one copy per value, {P} substituted, lines kept by @if", async () => {
    const { expandTemplates } = await import("../src/kernels/assemble.mjs");
    const wat = [
      "a",
      "  ;; @template R=4,3",
      "  (func $f{R}",
      "    (x)   ;; @if R=4",
      "    (y)   ;; @if R<4",
      "    (z {R}))",
      "  ;; @end template",
      "b",
    ].join("\n");
    expect(expandTemplates(wat)).toBe(
      ["a", "  (func $f4", "    (x)", "    (z 4))", "  (func $f3", "    (y)", "    (z 3))", "b"].join("\n"),
    );
    expect(() => expandTemplates("  ;; @template R=4\n(x)")).toThrow(/kernels.wat:1: template without @end/);
    expect(() => expandTemplates("(x)   ;; @if R=4")).toThrow(/kernels.wat:1: @if or @end outside a template/);
    expect(() => expandTemplates("  ;; @template R=4\n(x) ;; @if Q=4\n  ;; @end template")).toThrow(/kernels.wat:2/);
  });

  it("writeContext writes exactly the table's words, and needs every field, well formed", () => {
    for (const s of CONTEXTS) {
      const L = new Layout();
      const at = L.alloc(KERNEL_ABI[s].bytes + 64, 64);
      const arena = new Arena(L);
      const all = arena.i32(at, KERNEL_ABI[s].bytes / 4 + 16);
      all.fill(-7);
      const values: Record<string, number | number[]> = {};
      const expected = new Int32Array(KERNEL_ABI[s].bytes / 4);
      for (const [f, { index, words }] of Object.entries(KERNEL_ABI[s].fields)) {
        const v = Array.from({ length: words }, (_, k) => 1000 * (index + k) + 1);
        values[f] = words === 1 ? v[0] : v;
        expected.set(v, index);
      }
      const write = (v: Record<string, unknown>) => writeContext(arena, at, s, v as never);
      write(values);
      expect(Array.from(all.subarray(0, expected.length))).toEqual(Array.from(expected)); // gaps zeroed
      expect(Array.from(all.subarray(expected.length))).toEqual(new Array(16).fill(-7)); // nothing beyond
      expect(readContext(arena, at, s)).toEqual(values);
      const first = Object.keys(values)[0];
      const { [first]: _, ...missing } = values;
      expect(() => write(missing)).toThrow(new RegExp(`needs field "${first}"`));
      expect(() => write({ ...values, extra: 1 })).toThrow(/no field "extra"/);
      expect(() => write({ ...values, [first]: 0.5 })).toThrow(/not an i32/);
      expect(() => write({ ...values, [first]: 2 ** 32 })).toThrow(/not an i32/);
      expect(() => write({ ...values, [first]: [1] })).toThrow(/takes 1 words/);
      setContextField(arena, at, s, first as never, 5 as never);
      expect(readContext(arena, at, s)[first]).toBe(5);
    }
    const arena = new Arena(new Layout());
    expect(() => writeContext(arena, 64, "ectx", { mask: [1, 2] } as never)).toThrow(/needs field/);
    expect(() => setContextField(arena, 64, "ectx", "mask", [1, 2, 3])).toThrow(/takes 4 words/);
    expect(() => readContext(arena, 64, "nope" as ContextName)).toThrow(/no kernel context/);
  });

  it("the sampler and gradient contexts hold what their TypeScript owners laid out", () => {
    const rbm = randomRbm(13, 7, 1, 0.5, 0.5);
    const s = new GibbsSampler(rbm, 9, new Rng(1));
    const sInside = s as unknown as { arena: Arena; ctx: number };
    const ctx = () => readContext(sInside.arena, sInside.ctx, "ctx");
    expect(ctx()).toMatchObject({ nV: 13, nH: 7, gV: 4, gH: 2, noSmall: 0 });
    expect(ctx().vis).toBe(s.visible.byteOffset);
    expect(ctx().hid).toBe(s.hidden.byteOffset);
    s.useSmallLayerKernel(false);
    expect(ctx().noSmall).toBe(1);

    const ws = new GradientWorkspace(13, 7, 10);
    const wInside = ws as unknown as { arena: Arena; gctx: number };
    expect(ws.capacity).toBe(12);
    expect(readContext(wInside.arena, wInside.gctx, "gctx")).toMatchObject({ nV: 13, nH: 7, gV: 4, gH: 2, nQmax: 3 });
    const g = new Float64Array(rbm.params.length);
    ws.compute(rbm, new Uint8Array(5 * 13), Uint32Array.from([0, 1, 2, 3, 4]), 5, new Uint8Array(2 * 13), 2, g);
    expect(readContext(wInside.arena, wInside.gctx, "gctx").nQ).toBe(2);
  });
});

/** p(v) by the plain free energy, checked against the enumeration kernel (exact.ts, ectx). */
function exactProbabilities(rbm: RBM): Float64Array {
  const n = rbm.nVisible,
    logp = new Float64Array(2 ** n);
  for (let k = 0; k < logp.length; k++) logp[k] = -rbm.freeEnergy(configurationOf(k, n));
  const kernel = unnormalisedLogProbabilities(rbm);
  for (let k = 0; k < logp.length; k++) {
    expect(Math.abs(kernel[k] - logp[k])).toBeLessThanOrEqual(1e-13 * Math.max(1, Math.abs(logp[k])));
  }
  const logZ = logSumExp(logp);
  return logp.map((x) => Math.exp(x - logZ));
}

describe("Gibbs sampler: the kernel and the reference both sample p(v)", () => {
  // One sample per chain after burn-in, from 20000 independent chains: a multinomial sample of p(v).
  // Fixed seeds, so each test is deterministic; at the 1e-3 level a correct sampler fails for 1 seed in 1000.
  const cases = [
    { nV: 5, nH: 4, scale: 1.0, sweeps: 60, label: "small-layer kernel" },
    { nV: 6, nH: 17, scale: 0.6, sweeps: 60, label: "general kernel (17 hidden: 5 groups, one partial)" },
    { nV: 4, nH: 3, scale: 2.5, sweeps: 300, label: "strong weights" },
  ];
  for (const { nV, nH, scale, sweeps, label } of cases) {
    for (const sampler of ["WebAssembly", "reference"] as const) {
      it(`${sampler}: χ² at false-alarm rate 1e-3, N = ${nV}, ${nH} hidden, ${label}`, () => {
        const rbm = randomRbm(nV, nH, 31 + nV * nH, scale, 0.8);
        const p = exactProbabilities(rbm);
        const chains = 20000;
        const seed = new Rng(sampler === "reference" ? 7 : 8);
        const s =
          sampler === "reference" ? new ReferenceGibbsSampler(rbm, chains, seed) : new GibbsSampler(rbm, chains, seed);
        s.step(sweeps);
        const counts = new Float64Array(2 ** nV);
        for (let c = 0; c < chains; c++) counts[indexOf(s.visible, nV, c * nV)]++;
        const { chi2, df, critical } = chiSquare(counts, p, chains);
        expect(df).toBeGreaterThanOrEqual(4);
        expect(chi2, `χ² = ${chi2.toFixed(1)}, ${df} degrees of freedom`).toBeLessThan(critical);
      });
    }
  }

  it("the reference sampler's histogram is not a uniform one (the test has power)", () => {
    const rbm = randomRbm(5, 4, 31 + 20, 1.0, 0.8);
    const s = new ReferenceGibbsSampler(rbm, 20000, new Rng(7));
    const counts = new Float64Array(32);
    for (let c = 0; c < 20000; c++) counts[indexOf(s.visible, 5, c * 5)]++; // the uniform start, no sweeps
    const { chi2, critical } = chiSquare(counts, exactProbabilities(rbm), 20000);
    expect(chi2).toBeGreaterThan(critical);
  });
});

describe("PCD gradient: the kernel equals the reference", () => {
  it("batch rows copied 4, 2 or 1 bytes at a time (by the rows' alignment) give the same gradient", () => {
    setKernelThreads(1);
    for (const nV of [12, 10, 7]) {
      const rbm = randomRbm(nV, 6, nV, 1, 1);
      const rng = new Rng(nV);
      const rows = new Uint8Array(150 * nV).map(() => rng.uint32() >>> 31);
      const negative = new Uint8Array(9 * nV).map(() => rng.uint32() >>> 31);
      const batch = Uint32Array.from({ length: 21 }, () => rng.int(150));
      const gradients = [0, 1, 2].map((at) => {
        const buffer = new Uint8Array(rows.length + 4);
        buffer.set(rows, at);
        const g = new Float64Array(rbm.params.length);
        new GradientWorkspace(nV, 6, 30).compute(rbm, buffer.subarray(at, at + rows.length), batch, 21, negative, 9, g);
        return Array.from(g);
      });
      expect(gradients[1]).toEqual(gradients[0]);
      expect(gradients[2]).toEqual(gradients[0]);
    }
  });

  // [nV, nH, batch, chains, threads]: sizes off multiples of 4, no chains (exact negative phase), and
  // with 2 threads large enough for the kernel to split the work
  const cases = [
    [5, 4, 3, 3, 1],
    [13, 7, 37, 29, 1],
    [7, 5, 11, 0, 1],
    [1, 2, 6, 5, 1],
    [31, 66, 10, 7, 1],
    [31, 66, 70, 41, 2],
    [50, 50, 100, 100, 2],
    [97, 41, 61, 43, 2],
    [16, 16, 500, 400, 2],
  ] as const;
  for (const [nV, nH, count, nChains, threads] of cases) {
    it(`to 1e-12 relative: N = ${nV}, ${nH} hidden, batch ${count}, ${nChains} chains, ${threads} thread(s)`, () => {
      setKernelThreads(threads);
      setAdaptiveThreads(false); // always split when allowed, so that the threaded path really runs
      if (threads > 1) expect((count + nChains) * nV * nH).toBeGreaterThanOrEqual(GRAD_THREAD_WORK);
      const rbm = randomRbm(nV, nH, 3 * nV + nH, 1, 1);
      const rng = new Rng(nV * nH);
      const data = new Uint8Array(150 * nV).map(() => rng.uint32() >>> 31);
      const negative = new Uint8Array(nChains * nV).map(() => rng.uint32() >>> 31);
      const batch = Uint32Array.from({ length: count }, () => rng.int(150));
      const g = new Float64Array(rbm.params.length).fill(NaN);
      new GradientWorkspace(nV, nH, count + nChains).compute(rbm, data, batch, count, negative, nChains, g);
      const ref = referenceGradient(rbm, data, batch, count, negative, nChains, new Float64Array(g.length));
      let maxDiff = 0,
        maxRef = 0;
      for (let k = 0; k < ref.length; k++) {
        maxDiff = Math.max(maxDiff, Math.abs(g[k] - ref[k]));
        maxRef = Math.max(maxRef, Math.abs(ref[k]));
      }
      expect(maxRef).toBeGreaterThan(0.01);
      expect(maxDiff / maxRef).toBeLessThanOrEqual(1e-12);
    });
  }
});

/** Chains of N sites with varying numbers of ones, including none and all (which cannot move). */
function exchangeStarts(N: number, chains: number, rng: Rng): Uint8Array {
  const v = new Uint8Array(chains * N);
  for (let c = 0; c < chains; c++) {
    const w = c === 0 ? 0 : c === 1 ? N : 1 + (c % (N - 1));
    const order = Array.from({ length: N }, (_, i) => i);
    rng.shuffle(order);
    for (let k = 0; k < w; k++) v[c * N + order[k]] = 1;
  }
  return v;
}

/** Runs `steps` exchange steps, with a parameter change between steps, and everything the run leaves. */
function exchangeRun(rbm: RBM, chains: number, steps: number, setup: (m: ExchangeMoves) => void = () => {}) {
  const rbmCopy = rbm.clone();
  const moves = new ExchangeMoves(rbmCopy, new Rng(17), chains);
  setup(moves);
  const v = exchangeStarts(rbm.nVisible, chains, new Rng(5));
  const acceptance: number[] = [];
  for (let t = 0; t < steps; t++) {
    moves.step(v, chains, 3 + t);
    acceptance.push(moves.takeAcceptance());
    for (let k = 0; k < rbmCopy.params.length; k++) rbmCopy.params[k] *= 0.97; // as an update would
  }
  return { v: Array.from(v), rng: moves.getRngState(), acceptance };
}

describe("exchange moves: the kernel equals the reference bit for bit", () => {
  // odd n_hidden (a padding unit), n_hidden = N, and weights so large that the clamps act
  const extreme = randomRbm(9, 5, 4, 1, 1);
  extreme.weights[3] = 500;
  extreme.weights[7] = -420;
  extreme.weights[12] = 200;
  extreme.visibleBias[2] = 400;
  const cases: [string, RBM][] = [
    ["N = 7, 5 hidden", randomRbm(7, 5, 1, 1.2, 0.8)],
    ["N = 14, 14 hidden", randomRbm(14, 14, 2, 0.6, 0.5)],
    ["N = 9, 5 hidden, |W| and |b| beyond the clamps", extreme],
  ];
  for (const [label, rbm] of cases) {
    it(`${label}: chains, acceptance and every stream`, () => {
      const kernel = exchangeRun(rbm, 23, 6);
      const reference = exchangeRun(rbm, 23, 6, (m) => m.useReference(true));
      expect(kernel).toEqual(reference);
      expect(kernel.acceptance.every((a) => a > 0 && a < 1)).toBe(true);
      // the chains that can move did; the Hamming weights are kept
      const N = rbm.nVisible,
        start = exchangeStarts(N, 23, new Rng(5));
      for (let c = 0; c < 23; c++) {
        const weight = (x: ArrayLike<number>) =>
          Array.from(x)
            .slice(c * N, (c + 1) * N)
            .reduce((a, b) => a + b, 0);
        expect(weight(kernel.v)).toBe(weight(start));
      }
    });
  }

  it("are bit-identical on 1 and 2 threads (split chains, each with its own stream)", () => {
    const rbm = randomRbm(14, 14, 3, 0.6, 0.5);
    setAdaptiveThreads(false); // always split when offered threads
    setKernelThreads(1);
    const one = exchangeRun(rbm, 100, 4);
    setKernelThreads(2);
    const two = exchangeRun(rbm, 100, 4);
    expect(two).toEqual(one);
    // a sector model's sampler as well
    rbm.sector = 7;
    const sampler = () => {
      const s = new GibbsSampler(rbm, 100, new Rng(8));
      s.step(3);
      s.step(2);
      return { v: Array.from(s.visible), rng: s.getRngState(), acceptance: s.takeExchangeAcceptance() };
    };
    setKernelThreads(1);
    const a = sampler();
    setKernelThreads(2);
    expect(sampler()).toEqual(a);
  });

  it("resume from getRngState/setRngState mid-run bit for bit; old sector checkpoints are refused", () => {
    const rbm = randomRbm(10, 6, 6, 0.8, 0.5);
    const chains = 31;
    const straight = new ExchangeMoves(rbm, new Rng(2), chains);
    const v = exchangeStarts(10, chains, new Rng(3));
    for (let t = 0; t < 4; t++) straight.step(v, chains, 7);
    const first = new ExchangeMoves(rbm, new Rng(2), chains);
    const u = exchangeStarts(10, chains, new Rng(3));
    for (let t = 0; t < 2; t++) first.step(u, chains, 7);
    const words = JSON.parse(JSON.stringify(first.getRngState()));
    expect(words.length).toBe(4 * chains);
    const resumed = new ExchangeMoves(rbm, new Rng(99), chains); // another seed: the state decides
    resumed.setRngState(words);
    for (let t = 0; t < 2; t++) resumed.step(u, chains, 7);
    expect(Array.from(u)).toEqual(Array.from(v));
    expect(resumed.getRngState()).toEqual(straight.getRngState());
    expect(() => resumed.setRngState(words.slice(4))).toThrow(/4 per chain/);

    // a sector model's sampler: getState/setState mid-run
    rbm.sector = 5;
    const a = new GibbsSampler(rbm, chains, new Rng(4));
    a.step(2); // (each step starts p(h|v) afresh from v: the same calls, not the same total)
    a.step(3);
    const b = new GibbsSampler(rbm, chains, new Rng(4));
    b.step(2);
    const saved = JSON.parse(JSON.stringify(b.getState()));
    expect(saved.rng.length).toBe(4 * chains);
    const c = new GibbsSampler(rbm, chains, new Rng(77));
    c.setState(saved);
    c.step(3);
    expect(Array.from(c.visible)).toEqual(Array.from(a.visible));
    expect(c.getRngState()).toEqual(a.getRngState());
    // the layout before per-chain streams: 16 words per chain, then one shared stream of 4
    expect(() => c.setRngState(new Array(16 * chains + 4).fill(1))).toThrow(/before its chains had one stream each/);
  });
});
