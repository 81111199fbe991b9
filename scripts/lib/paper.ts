/**
 * Shared helpers of the figure scripts (scripts/fig-*.ts) and of scripts/reproduce.ts, which
 * together regenerate docs/results.md: paths, progress on stderr, number formatting, training a
 * model to the end with optional exact evaluation, machine information, and running a figure
 * script on its own (it then replaces its own section of docs/results.md).
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { RbmWaveFunction, StateVector } from "../../src/index.js";
import { markdownTable } from "./markdown.js";
import { Driver, ShotBlocks, exactMetrics, resolveOptions, type TrainOptions } from "../../src/index.js";
import { writePlot, type PlotSpec } from "../../src/io/plot.js";

/** The repository root (scripts are compiled to dist/scripts/, two levels down). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export const RESULTS_MD = path.join(ROOT, "docs/results.md");
export const FIGURES_DIR = path.join(ROOT, "docs/figures");

/** What a figure script hands to reproduce.ts. */
export interface FigureResult {
  /** Marker name of its section in docs/results.md, e.g. "fig-training". */
  id: string;
  /** The section's markdown (heading, text, figures, tables), every number computed by the script. */
  markdown: string;
  /** A few numbers for the summary at the top of docs/results.md: label → formatted value. */
  headline: [string, string][];
  /** Wall time of the script's run, seconds. */
  seconds: number;
}

export interface FigureScript {
  id: string;
  run(): Promise<FigureResult>;
}

// ---------------------------------------------------------------------------------------------
// Progress and timing
// ---------------------------------------------------------------------------------------------

/** A progress logger writing `[id mm:ss] message` lines to stderr (time since the logger was made). */
export function progress(id: string): (message: string) => void {
  const t0 = performance.now();
  return (message: string) => {
    const s = (performance.now() - t0) / 1000;
    const stamp = `${String(Math.floor(s / 60)).padStart(2, "0")}:${(s % 60).toFixed(1).padStart(4, "0")}`;
    process.stderr.write(`[${id} ${stamp}] ${message}\n`);
  };
}

export function seconds(since: number): number {
  return (performance.now() - since) / 1000;
}

// ---------------------------------------------------------------------------------------------
// Formatting
// ---------------------------------------------------------------------------------------------

/** A markdown table whose cells may contain "|" (as in ⟨|M|⟩ or |ψ|²): escaped so they stay in their cell. */
export function table(header: string[], rows: (string | number)[][]): string {
  const esc = (c: string | number) => String(c).replace(/\|/g, "\\|");
  return markdownTable(
    header.map(esc),
    rows.map((r) => r.map(esc)),
  );
}

/** Fixed decimals, with a true minus sign. */
export function fx(v: number | null | undefined, digits: number): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "—";
  const s = v.toFixed(digits);
  return /^-0\.?0*$/.test(s) ? s.slice(1) : s.replace(/^-/, "−");
}

/** Fixed decimals with an explicit sign (+0.0016, −0.0048). */
export function signed(v: number, digits: number): string {
  const s = fx(v, digits);
  return v > 0 && s !== fx(0, digits) ? `+${s}` : s;
}

/** Scientific notation a×10ᵏ with the given significant digits (plain decimals for 0.01 ≤ |v| < 1000). */
export function sci(v: number | null | undefined, sig = 2): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "—";
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 0.01 && a < 1000) return fx(v, Math.max(0, sig - 1 - Math.floor(Math.log10(a))));
  const k = Math.floor(Math.log10(a));
  const m = v / 10 ** k;
  const sup = String(k)
    .replace(/-/g, "⁻")
    .replace(/\d/g, (d) => "⁰¹²³⁴⁵⁶⁷⁸⁹"[Number(d)]);
  return `${fx(m, sig - 1)}×10${sup}`;
}

/** mean ± error, with the mean rounded to the error's second significant digit. */
export function pm(mean: number, err: number): string {
  if (!Number.isFinite(err) || err <= 0) return fx(mean, 4);
  const digits = Math.min(8, Math.max(0, 1 - Math.floor(Math.log10(err))));
  return `${fx(mean, digits)} ± ${fx(err, digits)}`;
}

export function meanOf(x: readonly number[]): number {
  return x.reduce((a, b) => a + b, 0) / x.length;
}

/** Sample standard deviation (n − 1); 0 for a single value. */
export function stdOf(x: readonly number[]): number {
  if (x.length < 2) return 0;
  const m = meanOf(x);
  return Math.sqrt(x.reduce((a, b) => a + (b - m) ** 2, 0) / (x.length - 1));
}

/** 10000 → "10⁴" (powers of ten), otherwise the number with thin-space thousands. */
export function count(n: number): string {
  const k = Math.log10(n);
  if (Number.isInteger(k) && k >= 2) return `10${String(k).replace(/\d/g, (d) => "⁰¹²³⁴⁵⁶⁷⁸⁹"[Number(d)])}`;
  return n.toLocaleString("en-US");
}

/**
 * Describes the training options in one line for the text of a section. `text` replaces the
 * description of n_h, of the epochs, of the chains or of k (null leaves it out).
 */
export function describeOptions(
  o: Omit<TrainOptions, "seed" | "evalEvery">,
  text: { nHidden?: string | null; epochs?: string | null; chains?: string | null; k?: string | null } = {},
): string {
  const schedule = o.schedule === "cosine" ? `cosine decay to ${o.finalLearningRateFraction}·η` : "constant η";
  const parts = [
    text.nHidden === undefined ? `n_h = ${o.nHidden}` : text.nHidden,
    text.epochs === undefined ? `${o.epochs} epochs` : text.epochs,
    `batch ${o.batchSize}`,
    text.chains === undefined
      ? `${o.chains} persistent chains (${o.negativePhase === "auto" ? "PCD, tempered when measured not to mix" : o.negativePhase.toUpperCase()})`
      : text.chains,
    text.k === undefined ? `k = ${o.k} Gibbs sweeps per update` : text.k,
    `${o.optimizer === "adam" ? "Adam" : "SGD"} with η = ${o.learningRate} and ${schedule}`,
  ];
  return parts.filter((p): p is string => p !== null).join(", ");
}

// ---------------------------------------------------------------------------------------------
// Training
// ---------------------------------------------------------------------------------------------

export interface LogRow {
  epoch: number;
  time_s: number;
  fidelity?: number;
  kl?: number;
  nll?: number;
}

export interface TrainResult {
  driver: Driver<RbmWaveFunction>;
  options: TrainOptions;
  /** One row per evaluated epoch (every `evalEvery` epochs, and always the last one). */
  log: LogRow[];
  fidelity: number;
  kl: number;
  /** Training wall time (Driver.elapsed: epochs only, evaluation excluded), seconds. */
  trainSeconds: number;
  /** First evaluated epoch with F ≥ `target` (null: never). */
  firstReaching: number | null;
  /** First evaluated epoch from which F ≥ `target` held at every later evaluation (null: not at the end). */
  stableFrom: number | null;
}

/**
 * Trains a positive RBM on Z-basis shots with the library defaults overridden by `partial`,
 * evaluating the exact fidelity and KL every `evalEvery` epochs (0: only at the end).
 */
export function trainPositive(
  samples: Uint8Array,
  nQubits: number,
  psi: StateVector,
  partial: Partial<TrainOptions>,
  evalEvery: number,
  target = 0.99,
  onEpoch?: (row: LogRow) => void,
): TrainResult {
  // one cycle of the schedule, the figures' "after E epochs" (qst train's default trains until converged)
  const options = resolveOptions("positive", nQubits, { untilConverged: false, ...partial, evalEvery });
  const driver = new Driver<RbmWaveFunction>("positive", new ShotBlocks({ samples, bases: null }, nQubits), options);
  const log: LogRow[] = [];
  let firstReaching: number | null = null;
  let stableFrom: number | null = null;
  let last: LogRow | undefined;
  while (driver.epoch < options.epochs) {
    const rec = driver.runEpoch();
    if ((evalEvery > 0 && rec.epoch % evalEvery === 0) || rec.epoch === options.epochs) {
      const m = exactMetrics(driver.model, { samples, bases: null, nQubits }, psi);
      last = { epoch: rec.epoch, time_s: rec.time_s, fidelity: m.fidelity, kl: m.kl, nll: m.nll };
      log.push(last);
      const above = (m.fidelity ?? 0) >= target;
      if (firstReaching === null && above) firstReaching = rec.epoch;
      if (!above) stableFrom = null;
      else if (stableFrom === null) stableFrom = rec.epoch;
      onEpoch?.(last);
    }
  }
  return {
    driver,
    options,
    log,
    fidelity: last!.fidelity!,
    kl: last!.kl!,
    trainSeconds: driver.elapsed,
    firstReaching,
    stableFrom,
  };
}

// ---------------------------------------------------------------------------------------------
// Figures
// ---------------------------------------------------------------------------------------------

/** Writes docs/figures/<name>.png and returns the markdown that embeds it (path relative to docs/). */
export async function figure(name: string, spec: PlotSpec, caption: string): Promise<string> {
  fs.mkdirSync(FIGURES_DIR, { recursive: true });
  await writePlot(path.join(FIGURES_DIR, `${name}.png`), spec);
  return `![${caption}](figures/${name}.png)\n\n*${caption}*`;
}

// ---------------------------------------------------------------------------------------------
// Machine
// ---------------------------------------------------------------------------------------------

export function machineInfo(): [string, string][] {
  const cpus = os.cpus();
  const info: [string, string][] = [
    [
      "CPU",
      `${cpus[0]?.model.trim() ?? "unknown"} (${cpus.length} logical cores${os.availableParallelism ? `, ${os.availableParallelism()} available` : ""})`,
    ],
    ["Memory", `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`],
    ["OS", `${os.type()} ${os.release()} ${os.arch()}`],
    ["Node.js", process.version],
  ];
  try {
    const commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "ignore"],
    })
      .toString()
      .trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "ignore"],
    })
      .toString()
      .trim();
    info.push(["Commit", dirty ? `${commit} (with uncommitted changes)` : commit]);
  } catch {
    // not a git checkout: leave the commit out
  }
  return info;
}

// ---------------------------------------------------------------------------------------------
// Running one figure script on its own
// ---------------------------------------------------------------------------------------------

/** Replaces the text between `<!-- id:begin -->` and `<!-- id:end -->` of docs/results.md. */
export function replaceSection(id: string, markdown: string): boolean {
  if (!fs.existsSync(RESULTS_MD)) return false;
  const begin = `<!-- ${id}:begin -->`,
    end = `<!-- ${id}:end -->`;
  const text = fs.readFileSync(RESULTS_MD, "utf8");
  const i = text.indexOf(begin),
    j = text.indexOf(end);
  if (i < 0 || j < i) return false;
  fs.writeFileSync(RESULTS_MD, text.slice(0, i + begin.length) + "\n" + markdown.trim() + "\n" + text.slice(j));
  return true;
}

/** True when the module at `moduleUrl` is the script node was started with. */
export function isMain(moduleUrl: string): boolean {
  return Boolean(process.argv[1]) && fileURLToPath(moduleUrl) === path.resolve(process.argv[1]);
}

/**
 * Runs one figure script from the command line: regenerates its figures, then replaces its own
 * section of docs/results.md (the rest of the file, e.g. the total time of the last full
 * `npm run reproduce`, is left as it was), or prints the section when the file has no place for it.
 */
export async function runStandalone(script: FigureScript): Promise<void> {
  const result = await script.run();
  if (replaceSection(script.id, result.markdown)) {
    process.stderr.write(
      `[${script.id}] ${result.seconds.toFixed(1)} s; section "${script.id}" of docs/results.md replaced\n`,
    );
  } else {
    process.stdout.write(result.markdown + "\n");
    process.stderr.write(
      `[${script.id}] ${result.seconds.toFixed(1)} s; docs/results.md has no section "${script.id}" (run npm run reproduce), printed it instead\n`,
    );
  }
}
