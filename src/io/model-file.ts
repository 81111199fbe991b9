/**
 * Model files: a trained wavefunction with its hyper-parameters and provenance, as JSON.
 *
 * JSON because a physicist can open it in any language (Python: json.load) and because JavaScript
 * prints every double in its shortest round-tripping form, so save → load is bit-exact. The layout
 * is documented in docs/file-format.md. A checkpoint is a model file with a `trainer` section
 * (optimiser moments, chain states, RNG state) from which `qst train --resume` continues.
 *
 * Every kind of model is written and read by one codec in MODEL_CODECS; files of format
 * version 1 ("positive-rbm" with `rbm`, "complex-rbm" with `rbms`) are read too. The density model
 * (src/nn/density.ts) stores its amplitude and phase RBMs like the complex model, each with n_h + n_a
 * hidden units, and `nAux` says how many of them are auxiliary.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import { writeAtomicSync } from "../core/atomic.js";
import { QstError, ensure } from "../core/errors.js";
import { RBM } from "../nn/rbm.js";
import { DensityRbm } from "../nn/density.js";
import { checkSector } from "../nn/sector.js";
import type { Model, ModelKind } from "../nn/model.js";
import { RbmWaveFunction } from "../nn/wavefunction.js";
import type { DriverState } from "../train/driver.js";
import type { TrainOptions } from "../train/options.js";

export const MODEL_FORMAT = "qst-model";
/**
 * The newest format this qst reads. 2: `kind` is "positive" or "complex" and every RBM is under `rbms`;
 * 3: the amplitude RBM may carry `sector` (src/nn/sector.ts). A model without a sector is written as
 * version 2, which qst before sectors reads; one with a sector as 3, which it refuses rather than
 * ignoring the sector.
 */
export const MODEL_FORMAT_VERSION = 3;
/** Largest RBM a model file may declare (parameters; 10^8 doubles = 800 MB). */
export const MAX_MODEL_PARAMETERS = 1e8;

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
  /** The amplitude RBM's magnetisation sector (number of ones of every configuration with p > 0), if any. */
  sector?: number;
}

/** The RBMs of a wavefunction by role: the amplitude λ, and the phase μ of a complex model. */
export interface RbmSections {
  amplitude: RbmJson;
  phase?: RbmJson;
}

export interface ModelFile {
  format: typeof MODEL_FORMAT;
  version: number;
  kind: ModelKind;
  rbms: RbmSections;
  /** Density model only: the last nAux hidden units of each RBM are the auxiliary units. */
  nAux?: number;
  training?: Partial<TrainOptions> & Record<string, unknown>;
  provenance: Provenance;
  metrics?: Record<string, number>;
  /** Present in checkpoints only. */
  trainer?: DriverState & Record<string, unknown>;
}

interface ModelCodec {
  kind: ModelKind;
  /** The kind's name in format version 1. */
  v1Kind: string;
  roles: (keyof RbmSections)[];
}

/** Every kind of model a file can hold: the RBM roles it stores, in parameter order. */
export const MODEL_CODECS: readonly ModelCodec[] = [
  { kind: "positive", v1Kind: "positive-rbm", roles: ["amplitude"] },
  { kind: "complex", v1Kind: "complex-rbm", roles: ["amplitude", "phase"] },
  { kind: "density", v1Kind: "", roles: ["amplitude", "phase"] },
];

function codecOf(kind: unknown, version: number, file: string): ModelCodec {
  const names = MODEL_CODECS.map((c) => (version === 1 ? c.v1Kind : c.kind)).filter(Boolean);
  const codec = MODEL_CODECS.find((c) => (version === 1 ? c.v1Kind : c.kind) === kind && kind !== "");
  const known = names.join(", ");
  ensure(codec, `${file}: unknown model kind ${JSON.stringify(kind)} (known: ${known})`);
  return codec;
}

export function rbmToJson(rbm: RBM): RbmJson {
  const weights: number[][] = [];
  for (let i = 0; i < rbm.nVisible; i++)
    weights.push(Array.from(rbm.weights.subarray(i * rbm.nHidden, (i + 1) * rbm.nHidden)));
  return {
    nVisible: rbm.nVisible,
    nHidden: rbm.nHidden,
    weights,
    visibleBias: Array.from(rbm.visibleBias),
    hiddenBias: Array.from(rbm.hiddenBias),
    ...(rbm.sector !== null ? { sector: rbm.sector } : {}),
  };
}

/** The RBM sections of a model, by its codec. */
export function rbmSections(model: Model): RbmSections {
  return model.phase
    ? { amplitude: rbmToJson(model.amplitude), phase: rbmToJson(model.phase) }
    : { amplitude: rbmToJson(model.amplitude) };
}

/** Checks one RBM section strictly (no coercion of strings, nulls or nested arrays) and reads it. */
export function rbmFromJson(j: unknown, where: string): RBM {
  const bad = (what: string) => new QstError(`${where}: ${what}`);
  if (!j || typeof j !== "object" || Array.isArray(j)) throw bad("missing RBM parameters");
  const { nVisible, nHidden, weights, visibleBias, hiddenBias, sector } = j as Record<string, unknown>;
  if (
    !Number.isInteger(nVisible) ||
    (nVisible as number) < 1 ||
    !Number.isInteger(nHidden) ||
    (nHidden as number) < 1
  ) {
    throw bad("nVisible and nHidden must be positive integers");
  }
  const nV = nVisible as number,
    nH = nHidden as number;
  // Before the arrays: a declared size beyond the limit is the problem, whatever the arrays hold.
  if (RBM.parameterCount(nV, nH) > MAX_MODEL_PARAMETERS) {
    throw bad(`an RBM of ${nV} × ${nH} units is larger than qst handles (${MAX_MODEL_PARAMETERS} parameters)`);
  }
  if (!Array.isArray(weights) || weights.length !== nV) throw bad(`weights must be ${nV} rows`);
  if (!Array.isArray(visibleBias) || visibleBias.length !== nV) throw bad(`visibleBias must have ${nV} entries`);
  if (!Array.isArray(hiddenBias) || hiddenBias.length !== nH) throw bad(`hiddenBias must have ${nH} entries`);
  for (const [i, row] of weights.entries()) {
    if (!Array.isArray(row) || row.length !== nH) throw bad(`weights row ${i} must have ${nH} entries`);
  }
  const rbm = new RBM(nV, nH);
  const put = (values: unknown[], into: Float64Array, offset: number, what: string) => {
    values.forEach((x, k) => {
      if (typeof x !== "number" || !Number.isFinite(x))
        throw bad(`${what} ${k} must be a finite number, got ${JSON.stringify(x)}`);
      into[offset + k] = x;
    });
  };
  for (const [i, row] of (weights as unknown[][]).entries()) put(row, rbm.weights, i * nH, `weights[${i}] entry`);
  put(visibleBias, rbm.visibleBias, 0, "visibleBias entry");
  put(hiddenBias, rbm.hiddenBias, 0, "hiddenBias entry");
  if (sector !== undefined) rbm.sector = checkSector(sector, nV, where);
  return rbm;
}

/** The model a (validated) model file describes. */
export function modelOf(m: ModelFile, file: string): Model {
  const codec = codecOf(m.kind, MODEL_FORMAT_VERSION, file);
  const rbms = m.rbms as unknown as Record<string, unknown> | undefined;
  ensure(
    rbms && typeof rbms === "object" && codec.roles.every((r) => rbms[r]),
    `${file}: a ${codec.kind} model needs "rbms": { ${codec.roles.map((r) => `"${r}": …`).join(", ")} }`,
  );
  const [amplitude, phase] = codec.roles.map((r) => rbmFromJson(rbms[r], `${file}: rbms.${r}`));
  ensure(!phase || phase.sector === null, `${file}: rbms.phase: only the amplitude RBM can have a sector`);
  ensure(
    codec.kind !== "density" || amplitude.sector === null,
    `${file}: rbms.amplitude: a density model cannot have a sector`,
  );
  if (!phase) return RbmWaveFunction.positive(amplitude);
  ensure(
    amplitude.nVisible === phase.nVisible,
    `${file}: the amplitude RBM has ${amplitude.nVisible} visible units but the phase RBM has ${phase.nVisible}`,
  );
  if (codec.kind === "complex") return RbmWaveFunction.complex(amplitude, phase);
  const nAux = m.nAux;
  ensure(
    Number.isInteger(nAux) && (nAux as number) >= 1 && (nAux as number) < amplitude.nHidden,
    `${file}: a density model needs "nAux", a positive integer below the ${amplitude.nHidden} hidden units, got ${JSON.stringify(nAux)}`,
  );
  ensure(
    phase.nHidden === amplitude.nHidden,
    `${file}: the density model's amplitude RBM has ${amplitude.nHidden} hidden units but its phase RBM has ${phase.nHidden}`,
  );
  const model = new DensityRbm(amplitude.nVisible, amplitude.nHidden - (nAux as number), nAux as number);
  model.amplitude.params.set(amplitude.params);
  model.phase.params.set(phase.params);
  return model;
}

/** The pure-state model a file describes; a density model is refused with `use` (what to do instead). */
export function wavefunctionOf(
  m: ModelFile,
  file: string,
  use = "this command needs a pure-state model",
): RbmWaveFunction {
  const model = modelOf(m, file);
  ensure(model.kind !== "density", `${file}: holds a density model (a mixed state); ${use}`);
  return model as RbmWaveFunction;
}

/** A model file for `model` (a checkpoint when `trainer` is given). */
export function modelFile(
  model: Model,
  sections: Pick<ModelFile, "provenance" | "training" | "metrics" | "trainer">,
): ModelFile {
  return {
    format: MODEL_FORMAT,
    version: model.amplitude.sector !== null ? 3 : 2,
    kind: model.kind,
    rbms: rbmSections(model),
    ...(model.kind === "density" ? { nAux: model.nAux } : {}),
    ...sections,
  };
}

/** Reads and validates a model (or checkpoint) file; version-1 files are returned in the current layout. */
export function readModelFile(file: string): ModelFile {
  ensure(fs.existsSync(file), `${file}: no such model file`);
  const text = fs.readFileSync(file, "utf8");
  ensure(text.trim().length > 0, `${file}: the model file is empty`);
  let m: Record<string, unknown>;
  try {
    m = JSON.parse(text);
  } catch (e) {
    throw new QstError(`${file}: not a qst model file (invalid JSON: ${(e as Error).message})`);
  }
  ensure(
    m && typeof m === "object" && !Array.isArray(m) && m.format === MODEL_FORMAT,
    `${file}: not a qst model file (no "format": "${MODEL_FORMAT}")`,
  );
  const v = m.version;
  ensure(v !== undefined, `${file}: the model file has no "version"`);
  ensure(
    Number.isInteger(v) && (v as number) >= 1,
    `${file}: "version" must be a positive integer, got ${JSON.stringify(v)}`,
  );
  ensure(
    (v as number) <= MODEL_FORMAT_VERSION,
    `${file}: model format version ${v} is newer than this qst understands (${MODEL_FORMAT_VERSION}); upgrade qst`,
  );
  const codec = codecOf(m.kind, v as number, file);
  if (v === 1) {
    // Version 1: "positive-rbm" kept its RBM under `rbm`.
    m = {
      ...m,
      version: MODEL_FORMAT_VERSION,
      kind: codec.kind,
      rbms: codec.kind === "positive" ? { amplitude: m.rbm } : m.rbms,
    };
    delete m.rbm;
  }
  return m as unknown as ModelFile;
}

export interface LoadedModel {
  file: ModelFile;
  wavefunction: RbmWaveFunction;
}

/** A pure-state model file (a density model is refused, naming the file). */
export function loadModel(path: string): LoadedModel {
  const file = readModelFile(path);
  return { file, wavefunction: wavefunctionOf(file, path) };
}

/** Any model file: positive, complex or density. */
export function loadAnyModel(path: string): { file: ModelFile; model: Model } {
  const file = readModelFile(path);
  return { file, model: modelOf(file, path) };
}

export function saveModelFile(path: string, model: ModelFile): void {
  writeAtomicSync(path, JSON.stringify(model) + "\n");
}

export function sha256OfFile(path: string): string {
  return crypto.createHash("sha256").update(fs.readFileSync(path)).digest("hex");
}
