/**
 * `npm run bench`: training speed against QuCumber's reference numbers, and the other timed tasks.
 *
 * Every task runs in a fresh child process (node dist/scripts/bench.js --child <task>), so that peak
 * RSS is per task and one task's JIT state or heap does not colour the next. Results go to
 * bench-results/bench.json and, as a table, between the markers in docs/benchmarks.md.
 *
 *   W1–W4  PCD epochs (batch 100, 100 chains, k = 10, n_hidden = N) on random shots:
 *          N = 10 (10^4 shots, 100 updates/epoch), N = 50, 100, 200 (2·10^4 shots, 200 updates/epoch).
 *          Median and range of repeated epochs (wall clock, all work included: sampling, gradient,
 *          update), the CPU time of the same epochs (all threads) and peak RSS; for the sampler
 *          kernel alone, its throughput beside the measured peak of the same loop shape.
 *   logZ   exact log Z by enumeration, N = n_hidden = 20.
 *   gs     Lanczos ground state of the TFIM chain N = 20 (src/groundstate.ts, if present).
 *   obs    energy of the TFIM chain N = 100 from 10^5 samples (src/observables.ts, if present).
 *   fid    time to fidelity 0.99 on the TFIM chain N = 10, default settings (evaluation excluded).
 *
 * Options: --quick (fewer epochs), --only W1,W3,... (a subset), --no-docs (do not touch docs/).
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

// The kernels' thread pool and arenas are internal; the benchmark measures them directly.
import { kernelThreads, threadDecisions } from "../src/kernels/pool.js";
import { Arena, Layout } from "../src/kernels/wasm.js";
import {
  DEFAULTS,
  RBM,
  RbmWaveFunction,
  Rng,
  chain,
  driverFor,
  energy,
  estimateObservables,
  exactMetrics,
  groundState,
  logPartitionFunction,
  readMeasurements,
  sampleChains,
  tfim,
} from "../src/index.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");

/**
 * QuCumber (PyTorch, one thread) on the reference machine, s/epoch, used only when QuCumber cannot be
 * timed in the same run (a ratio across machines is not a speed-up); and the targets of issue 7.
 */
const QUCUMBER: Record<string, number> = { W1: 0.062, W2: 0.443, W3: 0.977, W4: 2.075 };
const TARGET: Record<string, number> = { W1: 0.006, W2: 0.443 / 2, W3: 0.977 / 2, W4: 2.075 / 2 };
/** The sampler before this work (JS, per chain), s/epoch of sampling alone, for the record. */
const SAMPLER_BEFORE: Record<string, number> = { W1: 0.079, W2: 1.33, W3: 4.0, W4: 12.9 };

interface Workload {
  id: string;
  N: number;
  shots: number;
  warmup: number;
  epochs: number;
}
const WORKLOADS: Workload[] = [
  { id: "W1", N: 10, shots: 10_000, warmup: 3, epochs: 15 },
  { id: "W2", N: 50, shots: 20_000, warmup: 2, epochs: 8 },
  { id: "W3", N: 100, shots: 20_000, warmup: 2, epochs: 6 },
  { id: "W4", N: 200, shots: 20_000, warmup: 1, epochs: 5 },
];
const BATCH = 100,
  CHAINS = 100,
  K = 10;

// ------------------------------------------------------------------------------------------------
// small helpers

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const x = (sorted.length - 1) * q,
    i = Math.floor(x),
    f = x - i;
  return i + 1 < sorted.length ? sorted[i] * (1 - f) + sorted[i + 1] * f : sorted[i];
}

function stats(values: number[]) {
  const s = [...values].sort((a, b) => a - b);
  return {
    median: quantile(s, 0.5),
    min: s[0],
    max: s[s.length - 1],
    q1: quantile(s, 0.25),
    q3: quantile(s, 0.75),
    n: s.length,
  };
}

function cpuSeconds(since?: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1e6;
}

function maxRssMB(): number {
  return process.resourceUsage().maxRSS / 1024; // maxRSS is in kB
}

/** Best of a few runs of the two reference loops, per thread. */
function measurePeaks() {
  const L = new Layout();
  const T = L.alloc(4096, 64);
  const a = new Arena(L);
  let mulAdd = 0,
    lut = 0;
  for (let r = 0; r < 5; r++) {
    const n = 4e6;
    let t = performance.now();
    a.exports.peak_f32(n);
    mulAdd = Math.max(mulAdd, (n * 12 * 8) / ((performance.now() - t) / 1000) / 1e9);
    t = performance.now();
    a.exports.peak_lut(T, n);
    lut = Math.max(lut, (n * 8 * 4) / ((performance.now() - t) / 1000) / 1e9);
  }
  return { mulAddGflops: mulAdd, lutGaddsPerS: lut };
}

// ------------------------------------------------------------------------------------------------
// child tasks

async function taskTrain(w: Workload) {
  const rng = new Rng(20240601 + w.N);
  const data = new Uint8Array(w.shots * w.N);
  for (let k = 0; k < data.length; k++) data[k] = rng.uint32() >>> 31;
  const trainer = driverFor(
    { samples: data, bases: null, nQubits: w.N },
    {
      nHidden: w.N,
      batchSize: BATCH,
      chains: CHAINS,
      k: K,
      epochs: w.warmup + w.epochs,
      seed: 1,
    },
  );
  const wall: number[] = [],
    cpu: number[] = [];
  for (let e = 0; e < w.warmup + w.epochs; e++) {
    const c = process.cpuUsage();
    const t = performance.now();
    trainer.runEpoch();
    const dt = (performance.now() - t) / 1000;
    if (e >= w.warmup) {
      wall.push(dt);
      cpu.push(cpuSeconds(c));
    }
  }
  const updates = Math.ceil(w.shots / BATCH);
  // The sampler kernel alone: k sweeps of all chains, repeated.
  const sampler = trainer.average.sampler;
  const reps = Math.max(5, Math.round(2e8 / (CHAINS * K * w.N * w.N)));
  sampler.step(K);
  const ts: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t = performance.now();
    for (let i = 0; i < reps; i++) sampler.step(K);
    ts.push((performance.now() - t) / 1000 / reps);
  }
  const stepSeconds = Math.min(...ts);
  const gV = Math.ceil(w.N / 4),
    gH = Math.ceil(w.N / 4);
  // Executed float32 additions per step: every half-step adds nGroupsIn rows of 4·nGroupsOut floats.
  const addsPerStep = CHAINS * K * (gV * 4 * gH + gH * 4 * gV);
  // What a dense implementation would do: 2·N·n_hidden flops per chain and half-step.
  const denseFlopsPerStep = CHAINS * K * 2 * 2 * w.N * w.N;
  const denseFlopsPerEpoch = updates * (denseFlopsPerStep + 2 * (BATCH + CHAINS) * 2 * w.N * w.N);
  const ws = stats(wall);
  return {
    id: w.id,
    N: w.N,
    nHidden: w.N,
    shots: w.shots,
    updatesPerEpoch: updates,
    epochs: w.epochs,
    wall: ws,
    cpu: stats(cpu),
    threads: kernelThreads(),
    /** Per kernel call site, whether the last measurement chose to split it over threads. */
    threadDecisions: threadDecisions(),
    peakRssMB: maxRssMB(),
    sampler: {
      secondsPerStep: stepSeconds,
      secondsPerEpoch: stepSeconds * updates,
      executedGaddsPerS: addsPerStep / stepSeconds / 1e9,
      denseEquivalentGflops: denseFlopsPerStep / stepSeconds / 1e9,
    },
    denseEquivalentGflopsEpoch: denseFlopsPerEpoch / ws.median / 1e9,
    peak: measurePeaks(),
  };
}

async function taskLogZ() {
  const rbm = RBM.random(20, 20, new Rng(7), 0.5);
  for (let i = 0; i < rbm.nVisible; i++) rbm.visibleBias[i] = 0.1 * Math.sin(i);
  for (let j = 0; j < rbm.nHidden; j++) rbm.hiddenBias[j] = 0.1 * Math.cos(j);
  logPartitionFunction(rbm); // warm-up
  const ts: number[] = [];
  let logZ = 0;
  for (let r = 0; r < 3; r++) {
    const t = performance.now();
    logZ = logPartitionFunction(rbm);
    ts.push((performance.now() - t) / 1000);
  }
  return { N: 20, nHidden: 20, logZ, seconds: stats(ts), peakRssMB: maxRssMB() };
}

async function taskGroundState() {
  try {
    const H = tfim(chain(20), { h: 1 });
    const t = performance.now();
    const r = groundState(H);
    return {
      N: 20,
      seconds: (performance.now() - t) / 1000,
      energy: r.energy,
      iterations: r.iterations,
      residual: r.residual,
      peakRssMB: maxRssMB(),
    };
  } catch (e) {
    return { skipped: `groundState failed: ${(e as Error).message}` };
  }
}

async function taskObservables() {
  // Our part, always available: 10^5 samples of an N = 100 RBM (100 chains × 1000, burn-in 100).
  const rbm = RBM.random(100, 100, new Rng(3));
  const opts = { chains: 100, samplesPerChain: 1000, burnIn: 100, thin: 1 };
  let t = performance.now();
  sampleChains(rbm, opts, new Rng(4));
  const samplingSeconds = (performance.now() - t) / 1000;
  const out: Record<string, unknown> = { N: 100, samples: 1e5, samplingSeconds };
  try {
    const H = tfim(chain(100), { h: 1 });
    t = performance.now();
    const [e] = estimateObservables(RbmWaveFunction.positive(rbm), [energy(H)], { ...opts, seed: 4 });
    out.estimate = { seconds: (performance.now() - t) / 1000, energy: e.mean, stderr: e.stderr };
  } catch (err) {
    out.estimate = { skipped: `energy estimation failed: ${(err as Error).message}` };
  }
  return { ...out, peakRssMB: maxRssMB() };
}

async function taskFidelity() {
  const h5 = path.join(root, "datasets/tfim_chain_N10_h1.h5");
  const tut = path.resolve(root, "../shared/data/qucumber/Tutorial1_TrainPosRealWaveFunction");
  let data: Awaited<ReturnType<typeof readMeasurements>>;
  if (fs.existsSync(h5)) data = await readMeasurements(h5);
  else if (fs.existsSync(path.join(tut, "tfim1d_data.txt"))) {
    data = await readMeasurements(path.join(tut, "tfim1d_data.txt"), { psiFile: path.join(tut, "tfim1d_psi.txt") });
  } else return { skipped: "neither datasets/tfim_chain_N10_h1.h5 nor the QuCumber tutorial data is present" };
  if (!data.psi) return { skipped: `${data.source} has no exact amplitudes` };
  if (data.bases) return { skipped: `${data.source} has rotated bases; the positive model trains on Z shots` };
  const trainer = driverFor(data);
  const options = trainer.options;
  let fidelity = 0,
    epoch = 0;
  while (trainer.epoch < options.epochs) {
    trainer.runEpoch();
    epoch = trainer.epoch;
    fidelity = exactMetrics(trainer.model, null, data.psi).fidelity ?? 0;
    if (fidelity >= 0.99) break;
  }
  return {
    source: path.relative(root, data.source) || data.source,
    N: data.nQubits,
    settings: `defaults (${options.epochs}-epoch cosine schedule, lr ${DEFAULTS.learningRate}, batch ${DEFAULTS.batchSize}, ${DEFAULTS.chains} chains, k = ${DEFAULTS.k}, seed ${DEFAULTS.seed})`,
    reached: fidelity >= 0.99,
    epochs: epoch,
    fidelity,
    seconds: trainer.elapsed,
    peakRssMB: maxRssMB(),
  };
}

// ------------------------------------------------------------------------------------------------
// parent: run the children, write JSON and markdown

// biome-ignore lint/suspicious/noExplicitAny: the children's JSON results, read field by field
type Json = Record<string, any>;

function runChild(task: string): Json {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), "--child", task], {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    env: process.env,
  });
  const lines = (r.stdout ?? "").trim().split("\n");
  try {
    return JSON.parse(lines[lines.length - 1]);
  } catch {
    return {
      skipped: `child ${task} failed (status ${r.status}): ${(r.stderr ?? "").trim().split("\n").slice(-3).join(" | ")}`,
    };
  }
}

/**
 * QuCumber's s/epoch on the same workload, in this run, with the anchor script in ../shared/anchors
 * (PyTorch on one thread, same batch, chains, k, shots and n_hidden). Skipped when the anchor or
 * Debian's python3 with torch is missing; the table then falls back to the reference numbers.
 */
function timeQucumber(w: Workload, epochs: number): Json {
  const anchors = path.resolve(root, "../shared/anchors");
  const script = path.join(anchors, "bench/qucumber_epoch_bench.py");
  if (!fs.existsSync(script)) return { skipped: `${script} not present` };
  const out = path.join(os.tmpdir(), `qst-bench-qucumber-${process.pid}-${w.id}.json`);
  const args = [script, "--nv", `${w.N}`, "--nh", `${w.N}`, "--nsamples", `${w.shots}`];
  args.push("--pbs", `${BATCH}`, "--nbs", `${CHAINS}`, "--k", `${K}`, "--epochs", `${epochs}`, "--out", out);
  const r = spawnSync("/usr/bin/python3", args, {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, PYTHONPATH: anchors },
  });
  try {
    const j = JSON.parse(fs.readFileSync(out, "utf8"));
    fs.rmSync(out, { force: true });
    // The first epoch carries PyTorch's warm-up; the median of the rest is the steady state.
    const t: number[] = j.epoch_s.length > 1 ? j.epoch_s.slice(1) : j.epoch_s;
    return { wall: stats(t), torch: j.torch, threads: j.threads };
  } catch {
    const why = (r.stderr ?? "").trim().split("\n").slice(-1)[0] || r.error?.message || `status ${r.status}`;
    return { skipped: `QuCumber could not be timed: ${why}` };
  }
}

function machine() {
  let cpu = os.cpus()[0]?.model ?? "unknown";
  try {
    const m = fs.readFileSync("/proc/cpuinfo", "utf8").match(/^model name\s*:\s*(.+)$/m);
    if (m) cpu = m[1].trim();
  } catch {
    /* not Linux */
  }
  return {
    cpu,
    cores: os.availableParallelism?.() ?? os.cpus().length,
    memoryGB: +(os.totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    v8: process.versions.v8,
    platform: `${os.platform()} ${os.release()}`,
    loadAverage: os.loadavg().map((x) => +x.toFixed(2)),
    date: new Date().toISOString(),
    kernelThreads: kernelThreads(),
  };
}

const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : "–");
const f4 = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : "–");
const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : "–");
const fs_ = (x: number) => (x >= 0.1 ? f3(x) : f4(x));

function markdown(r: Json): string {
  const m = r.machine;
  const L: string[] = [];
  L.push(
    `Measured ${m.date.slice(0, 10)} on ${m.cpu} (${m.cores} cores, ${m.memoryGB} GB), Node ${m.node} (V8 ${m.v8}), ` +
      `kernel threads ${m.kernelThreads}; load average at the start ${m.loadAverage.join(", ")}.`,
  );
  L.push("");
  L.push(
    "| workload | N = n_hidden | updates/epoch | s/epoch (median) | range (min–max) | CPU s/epoch | QuCumber s/epoch | speed-up | target | peak RSS MB |",
  );
  L.push("|---|---|---|---|---|---|---|---|---|---|");
  for (const w of r.workloads as Json[]) {
    if (w.skipped) {
      L.push(`| ${w.id} | | | skipped: ${w.skipped} | | | | | | |`);
      continue;
    }
    // Same-run QuCumber when it could be timed; otherwise the reference machine's number, marked.
    const same = w.qucumber && !w.qucumber.skipped;
    const q = same ? w.qucumber.wall.median : QUCUMBER[w.id],
      t = same ? (w.id === "W1" ? q / 10 : q / 2) : TARGET[w.id];
    const ok = w.wall.median <= t ? "met" : "missed";
    L.push(
      `| ${w.id} | ${w.N} | ${w.updatesPerEpoch} | ${fs_(w.wall.median)} | ${fs_(w.wall.min)}–${fs_(w.wall.max)} | ${fs_(w.cpu.median)} | ${same ? fs_(q) : `${q} (reference machine)`} | ${same ? `${(q / w.wall.median).toFixed(1)}×` : "–"} | ≤ ${fs_(t)} (${ok}) | ${f1(w.peakRssMB)} |`,
    );
  }
  const timed = (r.workloads as Json[]).find((w) => w.qucumber && !w.qucumber.skipped)?.qucumber;
  L.push("");
  L.push(
    timed
      ? `QuCumber timed in this run on the same workloads (PyTorch ${timed.torch}, ${timed.threads} thread; median of the epochs after the first); targets: W1 ≤ 1/10, W2–W4 ≤ 1/2 of it.`
      : "QuCumber could not be timed in this run: its column is the reference machine's (issue 7), so no speed-up is quoted; targets are issue 7's absolute ones.",
  );
  L.push("");
  L.push("Sampler kernel alone (k = 10 sweeps of 100 chains, the negative phase of one update):");
  L.push("");
  L.push(
    "| workload | sampler s/epoch now | before (JS sampler, measured once before the kernels) | executed f32 adds | peak of the same load+add loop | dense-equivalent GFLOP/s | f32x4 mul+add peak | kernels split over threads |",
  );
  L.push("|---|---|---|---|---|---|---|---|");
  for (const w of r.workloads as Json[]) {
    if (w.skipped) continue;
    const d = Object.values(w.threadDecisions ?? {}) as string[];
    const split = w.threads > 1 ? `${d.filter((x) => x === "split").length} of ${d.length}` : "(1 thread)";
    L.push(
      `| ${w.id} | ${fs_(w.sampler.secondsPerEpoch)} | ${SAMPLER_BEFORE[w.id]} | ${f1(w.sampler.executedGaddsPerS)} G/s | ${f1(w.peak.lutGaddsPerS)} G/s per thread | ${f1(w.sampler.denseEquivalentGflops)} | ${f1(w.peak.mulAddGflops)} GFLOP/s per thread | ${split} |`,
    );
  }
  L.push("");
  const z = r.logZ;
  L.push(
    z.skipped
      ? `- Exact log Z, N = n_hidden = 20: skipped (${z.skipped}).`
      : `- Exact log Z, N = n_hidden = 20 (2^20 configurations): ${f3(z.seconds.median)} s (median of 3; range ${f3(z.seconds.min)}–${f3(z.seconds.max)}); peak RSS ${f1(z.peakRssMB)} MB.`,
  );
  const g = r.groundState;
  L.push(
    g.skipped
      ? `- Ground state, TFIM chain N = 20 (Lanczos): skipped (${g.skipped}).`
      : `- Ground state, TFIM chain N = 20 (Lanczos): ${f3(g.seconds)} s, E0 = ${g.energy.toFixed(8)}, ${g.iterations} applications of H; peak RSS ${f1(g.peakRssMB)} MB.`,
  );
  const o = r.observables;
  if (o.skipped) L.push(`- Observables, N = 100: skipped (${o.skipped}).`);
  else {
    const e = o.estimate;
    L.push(
      `- Observables, N = 100, 10^5 samples (100 chains × 1000, burn-in 100): sampling ${f3(o.samplingSeconds)} s; ` +
        (e.skipped
          ? `energy estimate skipped (${e.skipped}).`
          : `energy estimate (sampling included) ${f3(e.seconds)} s, E = ${e.energy.toFixed(4)} ± ${e.stderr.toFixed(4)} (random RBM).`),
    );
  }
  const f = r.fidelity;
  L.push(
    f.skipped
      ? `- Time to fidelity 0.99, TFIM chain N = 10: skipped (${f.skipped}).`
      : `- Time to fidelity 0.99, TFIM chain N = 10 (${f.source}, ${f.settings}): ` +
          (f.reached
            ? `${f3(f.seconds)} s of training, ${f.epochs} epochs (fidelity ${f.fidelity.toFixed(4)}; exact evaluation after every epoch not counted).`
            : `not reached in ${f.epochs} epochs (fidelity ${f.fidelity.toFixed(4)}, ${f3(f.seconds)} s).`),
  );
  return L.join("\n");
}

function writeDocs(md: string): void {
  const file = path.join(root, "docs/benchmarks.md");
  const begin = "<!-- bench:begin (generated by npm run bench; do not edit by hand) -->",
    end = "<!-- bench:end -->";
  let text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : `# Benchmarks\n\n${begin}\n${end}\n`;
  const i = text.indexOf(begin),
    j = text.indexOf(end);
  if (i < 0 || j < i) text += `\n${begin}\n${end}\n`;
  const a = text.indexOf(begin),
    b = text.indexOf(end);
  text = text.slice(0, a + begin.length) + "\n" + md + "\n" + text.slice(b);
  fs.writeFileSync(file, text);
}

async function parent(argv: string[]) {
  const quick = argv.includes("--quick");
  const onlyArg = argv[argv.indexOf("--only") + 1];
  const only = argv.includes("--only") && onlyArg ? new Set(onlyArg.split(",")) : null;
  const want = (id: string) => !only || only.has(id);
  const t0 = performance.now();
  const result: Json = {
    machine: machine(),
    qucumber: QUCUMBER,
    targets: TARGET,
    samplerBefore: SAMPLER_BEFORE,
    workloads: [],
  };
  for (const w of WORKLOADS) {
    if (!want(w.id)) continue;
    process.stderr.write(`bench: ${w.id} (N = ${w.N}) ... `);
    const r = runChild(`train:${w.id}${quick ? ":quick" : ""}`);
    result.workloads.push(r);
    process.stderr.write(r.skipped ? `skipped: ${r.skipped}\n` : `${fs_(r.wall.median)} s/epoch\n`);
    if (!argv.includes("--no-qucumber") && !r.skipped) {
      process.stderr.write(`bench: ${w.id} QuCumber, same run ... `);
      r.qucumber = timeQucumber(w, quick ? 3 : Math.min(w.epochs, 6));
      process.stderr.write(
        r.qucumber.skipped ? `skipped: ${r.qucumber.skipped}\n` : `${fs_(r.qucumber.wall.median)} s/epoch\n`,
      );
    }
  }
  const tasks: [string, string][] = [
    ["logZ", "logz"],
    ["groundState", "gs"],
    ["observables", "obs"],
    ["fidelity", "fid"],
  ];
  for (const [key, task] of tasks) {
    if (!want(task)) {
      result[key] = { skipped: "not selected (--only)" };
      continue;
    }
    process.stderr.write(`bench: ${key} ... `);
    result[key] = runChild(task);
    process.stderr.write(result[key].skipped ? `skipped: ${result[key].skipped}\n` : "done\n");
  }
  result.totalSeconds = (performance.now() - t0) / 1000;
  const outDir = path.join(root, "bench-results");
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, "bench.json"), JSON.stringify(result, null, 2) + "\n");
  const md = markdown(result);
  if (!argv.includes("--no-docs")) writeDocs(md);
  process.stdout.write(md + "\n\n" + `(${result.totalSeconds.toFixed(0)} s; JSON in bench-results/bench.json)\n`);
}

async function child(task: string): Promise<Json> {
  if (task.startsWith("train:")) {
    const [, id, quick] = task.split(":");
    const w = WORKLOADS.find((x) => x.id === id);
    if (!w) throw new Error(`unknown workload ${id}`);
    return taskTrain(quick ? { ...w, warmup: 1, epochs: Math.max(2, Math.ceil(w.epochs / 3)) } : w);
  }
  switch (task) {
    case "logz":
      return taskLogZ();
    case "gs":
      return taskGroundState();
    case "obs":
      return taskObservables();
    case "fid":
      return taskFidelity();
    default:
      throw new Error(`unknown task ${task}`);
  }
}

const argv = process.argv.slice(2);
if (argv[0] === "--child") {
  const r = await child(argv[1]);
  process.stdout.write(JSON.stringify(r) + "\n");
} else {
  await parent(argv);
}
