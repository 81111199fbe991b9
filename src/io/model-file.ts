/**
 * Model files: a trained wavefunction with its hyper-parameters and provenance, as JSON.
 *
 * JSON because a physicist can open it in any language (Python: json.load) and because JavaScript
 * prints every double in its shortest round-tripping form, so save → load is bit-exact. The layout
 * is documented in docs/file-format.md. A checkpoint is a model file with a `trainer` section
 * (optimiser moments, chain states, RNG state) from which `qst train --resume` continues.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import { writeAtomicSync } from "../core/atomic.js";
import { QstError, ensure } from "../core/errors.js";
import { RBM } from "../nn/rbm.js";
import type { TrainOptions, TrainerState } from "../train/trainer.js";
import { PositiveWaveFunction, type WaveFunction } from "../nn/wavefunction.js";

export const MODEL_FORMAT = "qst-model";
export const MODEL_FORMAT_VERSION = 1;

export function qstVersion(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(new URL("../../../package.json", import.meta.url), "utf8"));
    return String(pkg.version);
  } catch {
    return "unknown";
  }
}

export interface Provenance {
  qstVersion: string;
  created: string;
  data?: string;
  dataSha256?: string;
  seed?: number;
  command?: string;
}

/** One RBM's parameters in readable form: weights[i][j] couples visible i and hidden j. */
export interface RbmJson {
  nVisible: number;
  nHidden: number;
  weights: number[][];
  visibleBias: number[];
  hiddenBias: number[];
}

export interface ModelFile {
  format: typeof MODEL_FORMAT;
  version: number;
  /** "positive-rbm": ψ = sqrt(p_λ); "complex-rbm": amplitude and phase RBMs. */
  kind: string;
  rbm?: RbmJson;
  /** Further RBMs of composite kinds, by role (e.g. { amplitude, phase }). */
  rbms?: Record<string, RbmJson>;
  training?: Partial<TrainOptions> & Record<string, unknown>;
  provenance: Provenance;
  metrics?: Record<string, number>;
  /** Present in checkpoints only. */
  trainer?: TrainerState & Record<string, unknown>;
}

export function rbmToJson(rbm: RBM): RbmJson {
  const weights: number[][] = [];
  for (let i = 0; i < rbm.nVisible; i++) weights.push(Array.from(rbm.weights.subarray(i * rbm.nHidden, (i + 1) * rbm.nHidden)));
  return {
    nVisible: rbm.nVisible,
    nHidden: rbm.nHidden,
    weights,
    visibleBias: Array.from(rbm.visibleBias),
    hiddenBias: Array.from(rbm.hiddenBias),
  };
}

export function rbmFromJson(j: RbmJson, where: string): RBM {
  const bad = (what: string) => new QstError(`${where}: ${what}`);
  if (!j || typeof j !== "object") throw bad("missing RBM parameters");
  const { nVisible, nHidden } = j;
  if (!Number.isInteger(nVisible) || nVisible < 1 || !Number.isInteger(nHidden) || nHidden < 1) throw bad("nVisible and nHidden must be positive integers");
  if (!Array.isArray(j.weights) || j.weights.length !== nVisible) throw bad(`weights must be ${nVisible} rows`);
  if (!Array.isArray(j.visibleBias) || j.visibleBias.length !== nVisible) throw bad(`visibleBias must have ${nVisible} entries`);
  if (!Array.isArray(j.hiddenBias) || j.hiddenBias.length !== nHidden) throw bad(`hiddenBias must have ${nHidden} entries`);
  const rbm = new RBM(nVisible, nHidden);
  j.weights.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== nHidden) throw bad(`weights row ${i} must have ${nHidden} entries`);
    rbm.weights.set(row, i * nHidden);
  });
  rbm.visibleBias.set(j.visibleBias);
  rbm.hiddenBias.set(j.hiddenBias);
  for (let p = 0; p < rbm.params.length; p++) {
    if (typeof rbm.params[p] !== "number" || !Number.isFinite(rbm.params[p])) throw bad("parameters must be finite numbers");
  }
  return rbm;
}

/** Reads and validates a model (or checkpoint) file. */
export function readModelFile(file: string): ModelFile {
  ensure(fs.existsSync(file), `${file}: no such model file`);
  const text = fs.readFileSync(file, "utf8");
  ensure(text.trim().length > 0, `${file}: the model file is empty`);
  let m: ModelFile;
  try {
    m = JSON.parse(text);
  } catch (e) {
    throw new QstError(`${file}: not a qst model file (invalid JSON: ${(e as Error).message})`);
  }
  ensure(m && typeof m === "object" && m.format === MODEL_FORMAT, `${file}: not a qst model file (no "format": "${MODEL_FORMAT}")`);
  ensure(Number.isInteger(m.version) && m.version <= MODEL_FORMAT_VERSION,
    `${file}: model format version ${m.version} is newer than this qst understands (${MODEL_FORMAT_VERSION}); upgrade qst`);
  return m;
}

/** Builders for each model kind, so that composite models (complex RBM) plug in beside the positive one. */
const loaders = new Map<string, (m: ModelFile, file: string) => WaveFunction>();

export function registerModelKind(kind: string, load: (m: ModelFile, file: string) => WaveFunction): void {
  loaders.set(kind, load);
}

registerModelKind("positive-rbm", (m, file) => new PositiveWaveFunction(rbmFromJson(m.rbm!, file)));

export interface LoadedModel {
  file: ModelFile;
  wavefunction: WaveFunction;
}

export function loadModel(path: string): LoadedModel {
  const file = readModelFile(path);
  const load = loaders.get(file.kind);
  ensure(load, `${path}: unknown model kind '${file.kind}' (known: ${[...loaders.keys()].join(", ")})`);
  return { file, wavefunction: load(file, path) };
}

export function saveModelFile(path: string, model: ModelFile): void {
  writeAtomicSync(path, JSON.stringify(model) + "\n");
}

export function sha256OfFile(path: string): string {
  return crypto.createHash("sha256").update(fs.readFileSync(path)).digest("hex");
}
