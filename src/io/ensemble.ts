/**
 * Bootstrap ensembles on disk: a folder with a manifest (ensemble.json) and one model file per
 * member (member-000.model.json, …). Each member is an independent, deterministic job: its shots are
 * resampled and its parameters initialised from seeds derived from the ensemble's seed and its index,
 * so `qst train DATA --bootstrap K --member i` on any machine writes the same member i, and a job
 * array (Slurm, GNU parallel) can fill the folder in any order. Readers aggregate whatever members
 * are present and say which are missing.
 */
import fs from "node:fs";
import path from "node:path";
import { writeAtomicSync } from "../core/atomic.js";
import { QstError, ensure } from "../core/errors.js";
import { type LoadedModel, loadModel, qstVersion } from "./model-file.js";

export const ENSEMBLE_FORMAT = "qst-ensemble";
export const ENSEMBLE_FORMAT_VERSION = 1;
export const MANIFEST_FILE = "ensemble.json";

export interface EnsembleManifest {
  format: typeof ENSEMBLE_FORMAT;
  version: number;
  /** Members K. */
  members: number;
  /** The ensemble's seed, from which every member's seeds derive (memberSeeds, src/train/shots.ts). */
  seed: number;
  data: string;
  dataSha256: string;
  /** Member model files, relative to the folder, by index. */
  files: string[];
  /**
   * How the members were trained: "half-sample" = member 0 on all shots, members 1… on half the shots
   * each (src/estimate/ensemble.ts, finiteShotEstimate).
   */
  method?: "half-sample";
  qstVersion: string;
}

export function memberFileName(i: number): string {
  return `member-${String(i).padStart(3, "0")}.model.json`;
}

export function isEnsembleFolder(p: string): boolean {
  return fs.existsSync(p) && fs.statSync(p).isDirectory() && fs.existsSync(path.join(p, MANIFEST_FILE));
}

/**
 * Writes the manifest of a K-member ensemble into `dir` (created if missing). Every member job may
 * call this: the content depends only on K, the seed and the data, so concurrent writers agree; a
 * folder holding an ensemble of other K, seed or data is refused.
 */
export function writeManifest(
  dir: string,
  m: Omit<EnsembleManifest, "format" | "version" | "files" | "qstVersion">,
): EnsembleManifest {
  const manifest: EnsembleManifest = {
    format: ENSEMBLE_FORMAT,
    version: ENSEMBLE_FORMAT_VERSION,
    ...m,
    files: Array.from({ length: m.members }, (_, i) => memberFileName(i)),
    qstVersion: qstVersion(),
  };
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, MANIFEST_FILE);
  if (fs.existsSync(file)) {
    const old = readManifest(dir);
    ensure(
      old.members === m.members && old.seed === m.seed && old.dataSha256 === m.dataSha256,
      `${dir}: holds an ensemble of ${old.members} members (seed ${old.seed}) of other data or settings; use another folder`,
    );
    return old;
  }
  writeAtomicSync(file, JSON.stringify(manifest, null, 2) + "\n");
  return manifest;
}

export function readManifest(dir: string): EnsembleManifest {
  const file = path.join(dir, MANIFEST_FILE);
  ensure(fs.existsSync(file), `${dir}: not an ensemble folder (no ${MANIFEST_FILE})`);
  let m: EnsembleManifest;
  try {
    m = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new QstError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  ensure(m && m.format === ENSEMBLE_FORMAT, `${file}: not a qst ensemble manifest`);
  ensure(
    Number.isInteger(m.version) && m.version >= 1 && m.version <= ENSEMBLE_FORMAT_VERSION,
    `${file}: ensemble format version ${JSON.stringify(m.version)} is not one this qst reads (${ENSEMBLE_FORMAT_VERSION})`,
  );
  ensure(
    Number.isInteger(m.members) && m.members >= 2 && Array.isArray(m.files) && m.files.length === m.members,
    `${file}: "members" must be an integer ≥ 2 with one file per member`,
  );
  for (const f of m.files)
    ensure(typeof f === "string" && path.basename(f) === f, `${file}: member files must be names inside the folder`);
  return m;
}

export interface LoadedEnsemble {
  manifest: EnsembleManifest;
  /** The members present, by index. */
  members: (LoadedModel & { index: number; path: string })[];
  /** Indices of members not (yet) written. */
  missing: number[];
}

export function loadEnsemble(dir: string): LoadedEnsemble {
  const manifest = readManifest(dir);
  const members: LoadedEnsemble["members"] = [];
  const missing: number[] = [];
  manifest.files.forEach((f, index) => {
    const p = path.join(dir, f);
    if (!fs.existsSync(p)) missing.push(index);
    else members.push({ ...loadModel(p), index, path: p });
  });
  ensure(
    members.length >= 2,
    `${dir}: ${members.length} of ${manifest.members} members are there; at least 2 are needed`,
  );
  const n = members[0].wavefunction.nVisible;
  for (const m of members)
    ensure(m.wavefunction.nVisible === n, `${m.path}: has ${m.wavefunction.nVisible} qubits, member 0 has ${n}`);
  return { manifest, members, missing };
}
