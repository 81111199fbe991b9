/**
 * Measurement files: reading and writing the HDF5 layout documented in docs/file-format.md,
 * plus QuCumber's whitespace text format so existing datasets carry over.
 *
 *   /samples  integer (or h5py bool) [M, N] of 0/1, one row per shot (bit 0 = +1 eigenvalue of the measured Pauli)
 *   /bases    optional: uint8 [M, N] ASCII 'X' 'Y' 'Z', or M strings of length N (absent = all Z)
 *   /psi      optional ground truth: float [2^N] real, h5py complex [2^N], or [2^N, 2] (re, im), Z basis,
 *             index Σ_i bit_i 2^(N−1−i)
 *   /rho      optional ground truth of a mixed state: float [2^N, 2^N, 2] (re, im), h5py complex [2^N, 2^N]
 *             or real [2^N, 2^N], row-major in the same basis; checked Hermitian, trace 1 and PSD
 *   root attributes: optional description of the system (model, N, J, h, …)
 *
 * Every problem is reported as a QstError naming the file, the dataset and what is wrong. Only data
 * stored in the file itself is read (no external links, virtual datasets or plugin filters), and
 * declared sizes are checked before anything is allocated: see docs/robustness.md.
 */
import fs from "node:fs";
import path from "node:path";
import h5wasm, { ExternalLink, type Metadata } from "h5wasm/node";
import { QstError, ensure } from "../core/errors.js";
import { writeFileAtomic } from "../core/atomic.js";
import { parts, type StateVector } from "../core/state-vector.js";
import { BASIS_CODES } from "../physics/bases.js";
import { type DensityMatrix, MAX_DENSITY_QUBITS, hermitianEigenvalues } from "../physics/density-matrix.js";
import type { MeasurementData, ShotSource } from "../physics/measurements.js";

export type { DensityMatrix, MeasurementData, ShotSource };
/** The largest N whose /rho is read (and whose mixed states qst generate simulates). */
export { MAX_DENSITY_QUBITS };

export interface ReadOptions {
  samplesPath?: string;
  basesPath?: string;
  psiPath?: string;
  /** HDF5 dataset of the exact density matrix (default /rho). */
  rhoPath?: string;
  /** For text input: a separate file of exact amplitudes (QuCumber's re/im columns). */
  psiFile?: string;
  /**
   * For text input: the exact density matrix, its real part and (optionally; zero without) its imaginary
   * part, each 2^N rows of 2^N numbers (QuCumber's `*_target_real.txt` and `*_target_imag.txt`).
   */
  rhoFiles?: readonly [string, string?];
  /** For text input: a separate file of per-shot bases (QuCumber's letters per line). */
  basesFile?: string;
  /** Leave /psi and /rho (or psiFile and rhoFiles) unread: training without the ground truth, e.g. when it is too large. */
  skipPsi?: boolean;
  /**
   * Leave the shots unread (HDF5: their shape is still checked; `samples` comes back empty and `bases`
   * null): for commands that need only the ground truth and the attributes, such as qst exact.
   */
  skipShots?: boolean;
}

const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);
/** The largest system for which a state vector is read (2^26 doubles = 512 MB). */
export const MAX_PSI_QUBITS = 26;
/** Most bytes of amplitudes read for /psi: 2^26 real or 2^25 complex doubles. */
export const MAX_PSI_BYTES = 2 ** 29;
/** The most qubits qst takes: a wider /samples is almost surely a transposed [N, M] array. */
export const MAX_QUBITS = 4096;
/** Most 0/1 values in one file, loaded or streamed; a larger declaration is refused before reading. */
export const MAX_SHOT_VALUES = 2 ** 32 - 1;
/** Most bytes of shots plus bases that readMeasurements loads whole; larger files are for streaming. */
export const MAX_LOAD_BYTES = 2 ** 30;

let ready: Promise<unknown> | null = null;
async function h5(): Promise<typeof h5wasm> {
  ready ??= h5wasm.ready;
  await ready;
  return h5wasm;
}

/**
 * Runs a synchronous HDF5 call with the library's own diagnostics silenced: on a corrupt file
 * HDF5 prints "HDF5-DIAG" error stacks to stderr (through the Emscripten file layer, i.e.
 * fs.writeSync on descriptor 2), h5wasm its warnings through console.error. We report problems
 * in one line of our own instead; onDiagnostic hears that HDF5 reported one.
 */
function quietly<T>(fn: () => T, onDiagnostic?: () => void): T {
  const writeSync = fs.writeSync;
  // Pretend the write to stderr succeeded: report as many bytes as were asked to be written.
  const swallowed = (data: unknown, offset?: unknown, length?: unknown): number =>
    typeof data === "string"
      ? Buffer.byteLength(data)
      : typeof length === "number"
        ? length
        : (data as ArrayBufferView).byteLength - (Number(offset) || 0);
  const filtered = ((fd: number, ...rest: unknown[]) => {
    if (fd !== 2) return (writeSync as (...a: unknown[]) => number)(fd, ...rest);
    onDiagnostic?.();
    return swallowed(rest[0], rest[1], rest[2]);
  }) as typeof fs.writeSync;
  // h5wasm's own warnings (e.g. "Invalid UTF-8 leading byte" for a corrupt name) go through console.error.
  const stderrWrite = process.stderr.write;
  fs.writeSync = filtered;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    return fn();
  } finally {
    fs.writeSync = writeSync;
    process.stderr.write = stderrWrite;
  }
}

/** True when the file carries the HDF5 signature at offset 0, 512, 1024, … (where HDF5 allows it). */
export function isHdf5(file: string): boolean {
  const fd = fs.openSync(file, "r");
  try {
    const size = fs.fstatSync(fd).size;
    const buf = Buffer.alloc(8);
    for (let offset = 0; offset + 8 <= size; offset = offset === 0 ? 512 : offset * 2) {
      fs.readSync(fd, buf, 0, 8, offset);
      if (buf.equals(HDF5_SIGNATURE)) return true;
    }
    return false;
  } finally {
    fs.closeSync(fd);
  }
}

export function checkReadable(file: string, what = "file"): void {
  ensure(fs.existsSync(file), `${file}: no such ${what}`);
  const stat = fs.statSync(file);
  ensure(stat.isFile(), `${file}: not a file`);
  ensure(stat.size > 0, `${file}: the file is empty`);
}

type H5File = InstanceType<typeof h5wasm.File>;
type H5Dataset = InstanceType<typeof h5wasm.Dataset>;

/** Opens an HDF5 file for reading, with a one-line message for every way that can fail. */
export async function openHdf5(file: string): Promise<H5File> {
  checkReadable(file);
  ensure(isHdf5(file), `${file}: not an HDF5 file (no HDF5 signature)`);
  const lib = await h5();
  let f: H5File;
  try {
    f = quietly(() => new lib.File(path.resolve(file), "r"));
  } catch (e) {
    throw new QstError(`${file}: cannot be opened as HDF5 (truncated or corrupt?): ${(e as Error).message}`);
  }
  if (f.file_id < 0n) throw new QstError(`${file}: cannot be opened as HDF5 (truncated or corrupt?)`);
  return f;
}

/** Runs fn on the open file and always closes it; HDF5 failures inside become QstErrors. */
export async function withHdf5<T>(file: string, fn: (f: H5File) => T): Promise<T> {
  const f = await openHdf5(file);
  try {
    return quietly(() => fn(f));
  } catch (e) {
    if (e instanceof QstError) throw e;
    throw new QstError(`${file}: cannot be read (truncated or corrupt HDF5?): ${(e as Error).message}`);
  } finally {
    try {
      quietly(() => f.close());
    } catch {
      /* a corrupt file may fail to close cleanly; nothing more to report */
    }
  }
}

function getDataset(f: H5File, file: string, name: string, required: boolean): H5Dataset | null {
  refuseExternalLink(f, file, name);
  let entity: unknown;
  try {
    entity = f.get(name);
  } catch {
    entity = null;
  }
  if (entity == null) {
    if (!required) return null;
    const available = safeKeys(f);
    throw new QstError(
      `${file}: no dataset '${name}'` +
        (available.length ? ` (the file has: ${available.join(", ")})` : " (the file has no datasets)"),
    );
  }
  ensure(entity instanceof h5wasm.Dataset, `${file}: '${name}' is not a dataset`);
  refuseForeignStorage(entity, file, name);
  return entity;
}

function safeKeys(f: H5File): string[] {
  try {
    return f.keys().map((k) => "/" + k);
  } catch {
    return [];
  }
}

/**
 * h5wasm follows external links silently, so data from another file would pass for this file's
 * (and escape its hash). Checks every group on the way too, and the targets of soft links.
 */
function refuseExternalLink(f: H5File, file: string, name: string): void {
  const link = externalLinkOn(f, name);
  if (!link) return;
  const full = "/" + name.split("/").filter(Boolean).join("/");
  const target = `${link.filename}:${link.objPath}`;
  const what =
    link.at === full ? `is an external link to ${target}` : `lies behind an external link (${link.at} → ${target})`;
  const resolved = f.get(link.at);
  if (resolved instanceof ExternalLink) {
    throw new QstError(`${file}: '${name}' ${what}, which is missing; qst reads only data stored in the file itself`);
  }
  throw new QstError(
    `${file}: '${name}' ${what}; qst reads only data stored in the file itself ` +
      `(copy it in: h5copy -f ext -i ${file} -o copy.h5 -s ${full} -d ${full})`,
  );
}

function externalLinkOn(f: H5File, name: string, hops = 0): { at: string; filename: string; objPath: string } | null {
  const parts = name.split("/").filter(Boolean);
  for (let k = 1; k <= parts.length; k++) {
    const at = "/" + parts.slice(0, k).join("/");
    const ext = f.get_external_link(at) as { filename?: string; obj_path?: string };
    if (ext.filename !== undefined) return { at, filename: ext.filename, objPath: ext.obj_path ?? "" };
    const soft = f.get_link(at) as string | null;
    if (soft && hops < 16) {
      const target = soft.startsWith("/") ? soft : [...parts.slice(0, k - 1), soft].join("/");
      return externalLinkOn(f, [target, ...parts.slice(k)].join("/"), hops + 1);
    }
  }
  return null;
}

/**
 * Filters built into h5wasm's HDF5: deflate (gzip), shuffle, fletcher32, szip, nbit, scaleoffset. Others
 * would need an HDF5 plugin compiled to WebAssembly, which qst does not load.
 */
const BUILTIN_FILTERS = new Set([1, 2, 3, 4, 5, 6]);
/** Registered ids of common plugin filters, for files whose pipeline does not name them. */
const FILTER_NAMES: Record<number, string> = {
  307: "bzip2",
  32000: "lzf",
  32001: "blosc",
  32004: "lz4",
  32008: "bitshuffle",
  32015: "zstd",
  32026: "blosc2",
};

/**
 * Refuses what h5wasm would read without error but wrongly: a virtual dataset reads its fill value
 * where a source file is missing, and data behind a filter h5wasm lacks come back as stale memory.
 */
function refuseForeignStorage(ds: H5Dataset, file: string, name: string): void {
  const sources = ds.metadata.virtual_sources;
  if (sources) {
    const listed = sources.slice(0, 3).map((s) => {
      const inFile = s.file_name === ".";
      // HDF5 looks for a relative source beside the file, then in the working directory.
      const found = inFile || [path.dirname(file), "."].some((d) => fs.existsSync(path.resolve(d, s.file_name)));
      return `${inFile ? "this file" : s.file_name}:${s.dset_name.replace(/^\/?/, "/")}${found ? "" : " (missing)"}`;
    });
    if (sources.length > 3) listed.push("…");
    throw new QstError(
      `${file}: '${name}' is a virtual dataset mapping ${listed.join(", ")}; qst reads only data ` +
        "stored in the file itself (make it a plain dataset: h5repack -l CONTI in.h5 out.h5)",
    );
  }
  const foreign = ds.filters.filter((x) => !BUILTIN_FILTERS.has(x.id));
  if (foreign.length === 0) return;
  const named = foreign.map((x) => `${x.id} (${x.name || FILTER_NAMES[x.id] || "unknown"})`).join(", ");
  throw new QstError(
    `${file}: '${name}' is stored with HDF5 filter ${named}, which qst cannot decode; re-save it ` +
      "with gzip: h5repack -f GZIP=4 in.h5 out.h5 (h5repack needs the filter's plugin; h5py has lzf built in)",
  );
}

type Range = [] | [number, number];

/**
 * Reads a hyperslab. h5wasm ignores the status of HDF5's read (a chunk it cannot decode leaves
 * stale memory in the result), so a diagnostic from HDF5 during the read is taken as the failure.
 */
function readSlice(ds: H5Dataset, file: string, name: string, ranges: Range[]): unknown {
  let failed = false;
  const value = quietly(
    () => ds.slice(ranges),
    () => (failed = true),
  );
  const rows = ranges[0]?.length ? ` (rows ${ranges[0][0]}–${ranges[0][1]})` : "";
  ensure(
    !failed && value != null,
    `${file}: '${name}'${rows} cannot be decoded: HDF5 failed to read it (corrupt or missing data)`,
  );
  return value;
}

// HDF5 type classes as h5wasm reports them in metadata.type
const H5T_INTEGER = 0;
const H5T_FLOAT = 1;
const H5T_STRING = 3;
const H5T_COMPOUND = 6;
const H5T_ENUM = 8;

/** How h5py stores numpy bool: an int8 enum {FALSE: 0, TRUE: 1}. */
function isBoolEnum(meta: Metadata): boolean {
  const m = meta.enum_type?.members;
  return meta.type === H5T_ENUM && m !== undefined && Object.keys(m).length === 2 && m.FALSE === 0 && m.TRUE === 1;
}

/** How h5py stores numpy complex64/complex128: a compound {r, i} of two floats. */
function isComplexCompound(meta: Metadata): boolean {
  const m = meta.compound_type?.members;
  return (
    meta.type === H5T_COMPOUND &&
    m?.length === 2 &&
    m[0].name === "r" &&
    m[1].name === "i" &&
    m.every((x) => x.type === H5T_FLOAT && (x.size === 4 || x.size === 8))
  );
}

function describeType(meta: Metadata): string {
  switch (meta.type) {
    case H5T_INTEGER:
      return "integer";
    case H5T_FLOAT:
      return "floating point";
    case H5T_STRING:
      return "string";
    case H5T_COMPOUND:
      return `compound {${(meta.compound_type?.members ?? []).map((m) => `${m.name}: ${typeName(m)}`).join(", ")}}`;
    case H5T_ENUM:
      return `enum {${Object.entries(meta.enum_type?.members ?? {})
        .map(([k, v]) => `${k} = ${v}`)
        .join(", ")}}`;
    default:
      return `HDF5 class ${meta.type}`;
  }
}

function typeName(meta: Metadata): string {
  if (meta.type === H5T_INTEGER) return `${meta.signed ? "int" : "uint"}${8 * meta.size}`;
  if (meta.type === H5T_FLOAT) return `float${8 * meta.size}`;
  return describeType(meta);
}

function formatBytes(n: number): string {
  const [v, unit] = n >= 2 ** 30 ? [n / 2 ** 30, "GiB"] : [n / 2 ** 20, "MiB"];
  return `${v >= 10 ? Math.round(v) : Math.round(v * 10) / 10} ${unit}`;
}

/**
 * Checks that /samples is a non-empty [M, N] array of integers (or h5py bools) of a size qst can
 * take, and that it is not transposed; returns its shape and any warnings.
 */
function shotShape(
  ds: H5Dataset,
  file: string,
  name: string,
  psiDs: H5Dataset | null = null,
): { rows: number; cols: number; warnings: string[] } {
  const meta = ds.metadata;
  const shape = ds.shape ?? [];
  ensure(shape.length === 2, `${file}: '${name}' must be a 2-d array [shots, qubits], got shape [${shape.join(", ")}]`);
  const [rows, cols] = shape;
  ensure(rows > 0, `${file}: '${name}' holds no shots (M = 0)`);
  ensure(cols > 0, `${file}: '${name}' has no qubits (N = 0)`);
  ensure(
    meta.type === H5T_INTEGER || isBoolEnum(meta),
    `${file}: '${name}' must hold integers 0/1, but its type is ${describeType(meta)}`,
  );
  ensure(
    rows * cols <= MAX_SHOT_VALUES,
    `${file}: '${name}' declares [${rows}, ${cols}] shots: ` +
      `${formatBytes(rows * cols)}, more than qst can hold (2^32 − 1 values at most); split the file`,
  );
  // An N too large for any psi, with a psi that fits M instead: [N, M] stored for [M, N].
  ensure(
    !(cols > MAX_PSI_QUBITS && psiDs?.shape?.[0] === 2 ** rows),
    `${file}: '${name}' has shape [${rows}, ${cols}] but 'psi' has 2^${rows} amplitudes, so N = ${rows}: ` +
      "the samples look transposed; store them as [shots, qubits] (numpy: bits.T)",
  );
  return { rows, cols, warnings: shapeWarnings(`${file}: '${name}'`, rows, cols) };
}

/** Refuses an absurd N; warns when there are fewer shots than qubits (a transposed array?). */
function shapeWarnings(where: string, rows: number, cols: number): string[] {
  ensure(
    cols <= MAX_QUBITS,
    `${where} has shape [${rows}, ${cols}]: N = ${cols} qubits is more than qst takes ` +
      `(${MAX_QUBITS}); is it transposed? qst expects [shots, qubits]`,
  );
  if (cols <= rows) return [];
  return [
    `${where} has shape [${rows}, ${cols}]: more qubits than shots; is it transposed? ` + "qst expects [shots, qubits]",
  ];
}

/** Rows per slice when a dataset is read in bounded pieces (~4 M values). */
function sliceRows(cols: number): number {
  return Math.max(1, Math.floor(4_000_000 / cols));
}

/**
 * Reads rows [r0, r1) of a 0/1 dataset into out (starting at out[0]), checking every value.
 * Reads in slices of at most ~4 M values, so a large file never needs more than one slice of its
 * own dtype in memory at a time.
 */
function readBitRows(
  ds: H5Dataset,
  file: string,
  name: string,
  cols: number,
  r0: number,
  r1: number,
  out: Uint8Array,
): void {
  for (let a = r0; a < r1; a += sliceRows(cols)) {
    const b = Math.min(r1, a + sliceRows(cols));
    const slice = readSlice(ds, file, name, [[a, b], []]) as ArrayLike<number | bigint>;
    ensure(slice.length === (b - a) * cols, `${file}: '${name}' rows ${a}–${b} could not be read`);
    const base = (a - r0) * cols;
    for (let k = 0; k < slice.length; k++) {
      const x = slice[k];
      if (x !== 0 && x !== 1 && x !== 0n && x !== 1n) {
        const shot = a + Math.floor(k / cols);
        throw new QstError(
          `${file}: '${name}' must hold only 0 and 1, found ${String(x)} at shot ${shot}, qubit ${k % cols}`,
        );
      }
      out[base + k] = Number(x);
    }
  }
}

/** Checks that /bases matches the samples: uint8 ASCII [M, N] or M strings of length N. */
function checkBasesShape(ds: H5Dataset, file: string, name: string, nShots: number, nQubits: number): void {
  const meta = ds.metadata;
  const shape = ds.shape ?? [];
  if (meta.type === H5T_STRING) {
    ensure(
      shape.length === 1 && shape[0] === nShots,
      `${file}: '${name}' must hold one basis string per shot (${nShots}), got shape [${shape.join(", ")}]`,
    );
  } else {
    ensure(
      meta.type === H5T_INTEGER,
      `${file}: '${name}' must be uint8 ASCII codes or strings, but its type is ${describeType(meta)}`,
    );
    ensure(
      shape.length === 2 && shape[0] === nShots && shape[1] === nQubits,
      `${file}: '${name}' has shape [${shape.join(", ")}] but the samples are [${nShots}, ${nQubits}]`,
    );
  }
}

/**
 * Reads the bases of rows [r0, r1) into out (upper case ASCII codes), in bounded slices, checking
 * every letter; returns false when all of them are Z.
 */
function readBasisRows(
  ds: H5Dataset,
  file: string,
  name: string,
  nQubits: number,
  r0: number,
  r1: number,
  out: Uint8Array,
): boolean {
  const strings = ds.metadata.type === H5T_STRING;
  let rotated = false;
  for (let a = r0; a < r1; a += sliceRows(nQubits)) {
    const b = Math.min(r1, a + sliceRows(nQubits));
    const slice = readSlice(ds, file, name, strings ? [[a, b]] : [[a, b], []]) as ArrayLike<number | bigint | string>;
    const codes = out.subarray((a - r0) * nQubits, (b - r0) * nQubits);
    for (let m = 0; m < b - a; m++) {
      const s = strings ? String(slice[m]).trim() : "";
      ensure(
        !strings || s.length === nQubits,
        `${file}: '${name}' shot ${a + m} has basis '${s}' of length ${s.length}, expected ${nQubits}`,
      );
      for (let i = 0; i < nQubits; i++) {
        const c = strings ? s.charCodeAt(i) : Number(slice[m * nQubits + i]);
        // Range-checked before narrowing to a byte: 346 must not become 90 ('Z').
        if (!(c >= 0 && c <= 255)) badBasis(`${file}: '${name}'`, c, a + m, i);
        codes[m * nQubits + i] = c;
      }
    }
    if (validateBases(codes, nQubits, `${file}: '${name}'`, a) !== null) rotated = true;
  }
  return rotated;
}

/** Per-shot bases, or null when every qubit was measured in Z. */
function readBases(ds: H5Dataset, file: string, name: string, nShots: number, nQubits: number): Uint8Array | null {
  checkBasesShape(ds, file, name, nShots, nQubits);
  const out = new Uint8Array(nShots * nQubits);
  return readBasisRows(ds, file, name, nQubits, 0, nShots, out) ? out : null;
}

/**
 * Checks every letter is X, Y or Z (lower case accepted and upper-cased in place); returns null
 * when all are Z. firstShot numbers the shots in messages when `bases` is a slice of a file.
 */
export function validateBases(bases: Uint8Array, nQubits: number, where: string, firstShot = 0): Uint8Array | null {
  let allZ = true;
  for (let k = 0; k < bases.length; k++) {
    let c = bases[k];
    if (c >= 97 && c <= 122) c = bases[k] = c - 32; // lower case
    if (c !== BASIS_CODES.X && c !== BASIS_CODES.Y && c !== BASIS_CODES.Z) {
      badBasis(where, c, firstShot + Math.floor(k / nQubits), k % nQubits);
    }
    if (c !== BASIS_CODES.Z) allZ = false;
  }
  return allZ ? null : bases;
}

function badBasis(where: string, code: number, shot: number, qubit: number): never {
  const letter = code >= 32 && code < 127 ? `'${String.fromCharCode(code)}' (code ${code})` : `code ${code}`;
  throw new QstError(`${where}: basis letters must be X, Y or Z, found ${letter} at shot ${shot}, qubit ${qubit}`);
}

/**
 * Ground-truth amplitudes: real [2^N], (re, im) pairs [2^N, 2], or h5py complex [2^N]; checked
 * finite and normalisable, returned normalised. Read in slices, so memory is the result's alone.
 */
function readPsi(ds: H5Dataset, file: string, name: string, nQubits: number): StateVector {
  const meta = ds.metadata;
  const shape = ds.shape ?? [];
  const compound = checkNumeric(meta, file, name);
  ensure(
    nQubits <= MAX_PSI_QUBITS,
    `${file}: '${name}' for N = ${nQubits} qubits would need 2^${nQubits} amplitudes; qst reads exact states only up to N = ${MAX_PSI_QUBITS}`,
  );
  const dim = 2 ** nQubits;
  const pairs = !compound && shape.length === 2 && shape[1] === 2;
  ensure(
    (shape.length === 1 || pairs) && shape[0] === dim,
    `${file}: '${name}' has shape [${shape.join(", ")}], but the samples have N = ${nQubits} qubits, so psi must be [${dim}] or [${dim}, 2]`,
  );
  const bytes = dim * (compound || pairs ? 16 : 8);
  ensure(
    bytes <= MAX_PSI_BYTES,
    `${file}: '${name}' declares [${shape.join(", ")}] amplitudes: ` +
      `${formatBytes(bytes)} as doubles, more than qst reads for an exact state ` +
      `(${formatBytes(MAX_PSI_BYTES)}: N ≤ 26 if real, N ≤ 25 if complex)`,
  );
  const re = new Float64Array(dim);
  const im = compound || pairs ? new Float64Array(dim) : null;
  const step = 1 << 16;
  for (let a = 0; a < dim; a += step) {
    const b = Math.min(dim, a + step);
    const v = readSlice(ds, file, name, pairs ? [[a, b], []] : [[a, b]]) as ArrayLike<unknown>;
    for (let k = a; k < b; k++) {
      if (compound) [re[k], im![k]] = v[k - a] as [number, number];
      else if (pairs) [re[k], im![k]] = [Number(v[2 * (k - a)]), Number(v[2 * (k - a) + 1])];
      else re[k] = Number(v[k - a]);
    }
  }
  return normalisePsi({ re, im }, `${file}: '${name}'`);
}

/** Checks a state vector for NaN/Inf and zero norm, and normalises it (a real copy-free rescale). */
export function normalisePsi(psi: { re: Float64Array; im: Float64Array | null }, where: string): StateVector {
  let norm2 = 0;
  for (let k = 0; k < psi.re.length; k++) {
    const a = psi.re[k],
      b = psi.im ? psi.im[k] : 0;
    if (!Number.isFinite(a) || !Number.isFinite(b))
      throw new QstError(`${where}: amplitude ${k} is not a finite number (${a}${psi.im ? `, ${b}` : ""})`);
    norm2 += a * a + b * b;
  }
  ensure(norm2 > 0, `${where}: the state has zero norm and cannot be normalised`);
  const s = 1 / Math.sqrt(norm2);
  let imNonZero = false;
  for (let k = 0; k < psi.re.length; k++) {
    psi.re[k] *= s;
    if (psi.im) {
      psi.im[k] *= s;
      if (psi.im[k] !== 0) imNonZero = true;
    }
  }
  return imNonZero ? { re: psi.re, im: psi.im! } : psi.re;
}

/**
 * Largest |Re ρ_ab − Re ρ_ba| and |Im ρ_ab + Im ρ_ba| allowed, relative to the largest |ρ_ab|: rounding, not a
 * wrong matrix.
 */
export const RHO_HERMITIAN_TOL = 1e-8;
/** A trace this close to 1 is normalised; one further off is an error. */
export const RHO_TRACE_TOL = 1e-6;
/** Eigenvalues down to −RHO_PSD_TOL are rounding; one below is an error. */
export const RHO_PSD_TOL = 1e-8;

/** The skipped-rho warning when N is above MAX_DENSITY_QUBITS (else null). */
function rhoTooLarge(where: string, nQubits: number): string | null {
  if (nQubits <= MAX_DENSITY_QUBITS) return null;
  return (
    `${where} not read: N = ${nQubits} qubits is above ${MAX_DENSITY_QUBITS}, the largest density matrix qst ` +
    `forms (2^${nQubits} × 2^${nQubits}); no exact density-matrix metrics`
  );
}

/** Ground truth holds real numbers or h5py complex ones; returns whether they are complex (a compound). */
function checkNumeric(meta: H5Dataset["metadata"], file: string, name: string): boolean {
  const compound = isComplexCompound(meta);
  ensure(
    compound || meta.type === H5T_FLOAT || meta.type === H5T_INTEGER,
    `${file}: '${name}' must hold real numbers or h5py complex ones, but its type is ${describeType(meta)}`,
  );
  return compound;
}

/** 2^N for messages: the number when it is exact, else "2^N". */
function dimText(nQubits: number): string {
  return nQubits <= 30 ? String(2 ** nQubits) : `2^${nQubits}`;
}

/**
 * Ground-truth density matrix: float [2^N, 2^N, 2] (re, im; h5py's layout of numpy's stack), h5py complex
 * [2^N, 2^N] or real [2^N, 2^N]. Above MAX_DENSITY_QUBITS it is not read (a warning says so); otherwise it
 * is checked by checkDensityMatrix and returned Hermitian and normalised.
 */
function readRho(ds: H5Dataset, file: string, name: string, nQubits: number, warnings: string[]): DensityMatrix | null {
  const meta = ds.metadata;
  const shape = ds.shape ?? [];
  const compound = checkNumeric(meta, file, name);
  const dim = 2 ** nQubits;
  const pairs = !compound && shape.length === 3 && shape[2] === 2;
  const D = dimText(nQubits);
  ensure(
    (shape.length === 2 || pairs) && shape[0] === dim && shape[1] === dim,
    `${file}: '${name}' has shape [${shape.join(", ")}], but the samples have N = ${nQubits} qubits, ` +
      `so rho must be [${D}, ${D}, 2] (re, im), [${D}, ${D}] real or [${D}, ${D}] h5py complex`,
  );
  const skipped = rhoTooLarge(`${file}: '${name}'`, nQubits);
  if (skipped) {
    warnings.push(skipped);
    return null;
  }
  const re = new Float64Array(dim * dim);
  const im = new Float64Array(dim * dim);
  const step = Math.max(1, Math.floor(65536 / dim));
  for (let a = 0; a < dim; a += step) {
    const b = Math.min(dim, a + step);
    const v = readSlice(ds, file, name, pairs ? [[a, b], [], []] : [[a, b], []]) as ArrayLike<unknown>;
    const off = a * dim;
    for (let k = 0; k < (b - a) * dim; k++) {
      if (compound) [re[off + k], im[off + k]] = (v[k] as [number, number]).map(Number);
      else if (pairs) [re[off + k], im[off + k]] = [Number(v[2 * k]), Number(v[2 * k + 1])];
      else re[off + k] = Number(v[k]);
    }
  }
  return checkDensityMatrix({ dim, re, im }, `${file}: '${name}'`);
}

/**
 * The text form of a density matrix (QuCumber's tutorial 3): a file of the real part and optionally one of
 * the imaginary part, 2^N rows of 2^N numbers each. Checked like /rho.
 */
export function readTextRho(
  files: readonly [string, string?],
  nQubits: number,
  warnings: string[],
): DensityMatrix | null {
  const [realFile, imagFile] = files;
  ensure(
    typeof realFile === "string" && realFile !== "" && files.length <= 2,
    "rhoFiles: expected [real part file] or [real part file, imaginary part file]",
  );
  const skipped = rhoTooLarge(imagFile ? `${realFile} and ${imagFile}` : realFile, nQubits);
  if (skipped) {
    warnings.push(skipped);
    return null;
  }
  const dim = 2 ** nQubits;
  const re = readTextMatrix(realFile, dim, nQubits);
  const im = imagFile ? readTextMatrix(imagFile, dim, nQubits) : new Float64Array(dim * dim);
  return checkDensityMatrix({ dim, re, im }, realFile, imagFile);
}

/** A whitespace-separated dim × dim matrix of finite numbers. */
function readTextMatrix(file: string, dim: number, nQubits: number): Float64Array {
  const rows = readTextRows(file);
  ensure(
    rows.length === dim,
    `${file}: has ${rows.length} rows, but N = ${nQubits} qubits needs a ${dim} × ${dim} matrix (a row per line)`,
  );
  const out = new Float64Array(dim * dim);
  rows.forEach((row, a) => {
    ensure(
      row.length === dim,
      `${file}: row ${a + 1} has ${row.length} values, but N = ${nQubits} qubits needs a ${dim} × ${dim} matrix`,
    );
    row.forEach((x, b) => {
      const v = Number(x);
      ensure(Number.isFinite(v), `${file}: '${x}' at row ${a + 1}, column ${b + 1} is not a finite number`);
      out[a * dim + b] = v;
    });
  });
  return out;
}

function fmt(x: number): string {
  return String(Number(x.toPrecision(6)));
}

/**
 * Checks a density matrix read from a file and returns it ready to use, in place: every entry finite,
 * Hermitian to RHO_HERMITIAN_TOL relative to its largest entry (then made exactly Hermitian), trace within
 * RHO_TRACE_TOL of 1 (then normalised), no eigenvalue below −RHO_PSD_TOL. Each failure is one QstError
 * naming `where`; `imagWhere` names the imaginary part when it comes from a file of its own.
 */
export function checkDensityMatrix(rho: DensityMatrix, where: string, imagWhere?: string): DensityMatrix {
  const { dim: n, re, im } = rho;
  const whereIm = imagWhere ?? where;
  const whereBoth = imagWhere ? `${where} and ${imagWhere}` : where;
  let scale = 0;
  for (let k = 0; k < n * n; k++) {
    if (!Number.isFinite(re[k]))
      throw new QstError(`${where}: Re rho[${Math.floor(k / n)}, ${k % n}] = ${re[k]} is not a finite number`);
    if (!Number.isFinite(im[k]))
      throw new QstError(`${whereIm}: Im rho[${Math.floor(k / n)}, ${k % n}] = ${im[k]} is not a finite number`);
    scale = Math.max(scale, Math.hypot(re[k], im[k]));
  }
  // The worst violation of ρ = ρ†, in the real part (symmetric) and the imaginary part (antisymmetric).
  const worst = { re: [0, 0, 0], im: [0, 0, 0] };
  for (let a = 0; a < n; a++) {
    for (let b = a; b < n; b++) {
      const dr = Math.abs(re[a * n + b] - re[b * n + a]);
      const di = Math.abs(im[a * n + b] + im[b * n + a]);
      if (dr > worst.re[0]) worst.re = [dr, a, b];
      if (di > worst.im[0]) worst.im = [di, a, b];
    }
  }
  const tol = RHO_HERMITIAN_TOL * scale;
  const hint = `(a density matrix is Hermitian; qst allows ${RHO_HERMITIAN_TOL} relative to the largest entry)`;
  if (worst.re[0] > tol) {
    const [, a, b] = worst.re;
    throw new QstError(
      `${where}: not Hermitian: Re rho[${a}, ${b}] = ${fmt(re[a * n + b])} but Re rho[${b}, ${a}] = ${fmt(re[b * n + a])} ${hint}`,
    );
  }
  if (worst.im[0] > tol) {
    const [, a, b] = worst.im;
    throw new QstError(
      a === b
        ? `${whereIm}: not Hermitian: Im rho[${a}, ${a}] = ${fmt(im[a * n + a])}, but the diagonal must be real ${hint}`
        : `${whereIm}: not Hermitian: Im rho[${a}, ${b}] = ${fmt(im[a * n + b])} and Im rho[${b}, ${a}] = ${fmt(im[b * n + a])} are not opposite ${hint}`,
    );
  }
  for (let a = 0; a < n; a++) {
    im[a * n + a] = 0;
    for (let b = a + 1; b < n; b++) {
      const r = 0.5 * (re[a * n + b] + re[b * n + a]);
      const i = 0.5 * (im[a * n + b] - im[b * n + a]);
      re[a * n + b] = re[b * n + a] = r;
      im[a * n + b] = i;
      im[b * n + a] = -i;
    }
  }
  let trace = 0;
  for (let a = 0; a < n; a++) trace += re[a * n + a];
  ensure(
    Math.abs(trace - 1) <= RHO_TRACE_TOL,
    `${where}: the trace is ${fmt(trace)}, not 1 (a density matrix has trace 1; qst normalises a trace within ${RHO_TRACE_TOL} of 1)`,
  );
  if (trace !== 1) {
    for (let k = 0; k < n * n; k++) {
      re[k] /= trace;
      im[k] /= trace;
    }
  }
  if (!positiveDefinite(rho, RHO_PSD_TOL)) {
    // The smallest eigenvalue, for the message, when it is quick to find (a dense 2^10 matrix takes a minute).
    const smallest = n <= 256 ? `: its smallest eigenvalue is ${fmt(hermitianEigenvalues(rho)[0])}` : "";
    throw new QstError(
      `${whereBoth}: not positive semidefinite${smallest} (a density matrix has no negative eigenvalue; qst allows −${RHO_PSD_TOL} for rounding)`,
    );
  }
  return rho;
}

/**
 * True when H + shift·I is positive definite, i.e. every eigenvalue of the Hermitian H is above −shift:
 * its Cholesky factorisation H + shift·I = L L† exists (n³/6 complex multiply-adds, against the ~10 n³ of
 * the eigenvalues; rounding is ~n·1e-16, far below the shift).
 */
function positiveDefinite(h: DensityMatrix, shift: number): boolean {
  const n = h.dim;
  const lr = new Float64Array(n * n);
  const li = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const rj = j * n;
    let d = h.re[rj + j] + shift;
    for (let k = 0; k < j; k++) d -= lr[rj + k] * lr[rj + k] + li[rj + k] * li[rj + k];
    if (!(d > 0)) return false;
    const s = Math.sqrt(d);
    lr[rj + j] = s;
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      // L_ij = (H_ij − Σ_k L_ik conj(L_jk)) / L_jj
      let r = h.re[ri + j];
      let m = h.im[ri + j];
      for (let k = 0; k < j; k++) {
        const ar = lr[ri + k],
          ai = li[ri + k],
          br = lr[rj + k],
          bi = li[rj + k];
        r -= ar * br + ai * bi;
        m -= ai * br - ar * bi;
      }
      lr[ri + j] = r / s;
      li[ri + j] = m / s;
    }
  }
  return true;
}

function readAttributes(f: H5File): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const name of Object.keys(f.attrs)) {
    try {
      let v = f.get_attribute(name, false) as unknown;
      if (ArrayBuffer.isView(v) && (v as unknown as ArrayLike<unknown>).length === 1)
        v = (v as unknown as ArrayLike<unknown>)[0];
      if (typeof v === "bigint") v = Number(v);
      if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") out[name] = v;
    } catch {
      /* attributes of exotic types are descriptive only: skip them */
    }
  }
  return out;
}

/** The root attributes of a measurement file alone (none for a text file). */
export async function readFileAttributes(file: string): Promise<Record<string, string | number | boolean>> {
  checkReadable(file);
  if (!isHdf5(file)) return {};
  return withHdf5(file, readAttributes);
}

/** Reads a measurement file: HDF5, or QuCumber-style text when the file is not HDF5 but plain 0/1 rows. */
export async function readMeasurements(file: string, options: ReadOptions = {}): Promise<MeasurementData> {
  checkReadable(file);
  if (!isHdf5(file) && looksLikeText(file)) return readTextMeasurements(file, options);
  const samplesPath = options.samplesPath ?? "samples";
  const basesPath = options.basesPath ?? "bases";
  const psiPath = options.psiPath ?? "psi";
  const rhoPath = options.rhoPath ?? "rho";
  return withHdf5(file, (f) => {
    const ds = getDataset(f, file, samplesPath, true)!;
    const basesDs = getDataset(f, file, basesPath, options.basesPath !== undefined);
    const psiDs = getDataset(f, file, psiPath, options.psiPath !== undefined);
    const rhoDs = getDataset(f, file, rhoPath, options.rhoPath !== undefined);
    const { rows, cols, warnings } = shotShape(ds, file, samplesPath, psiDs);
    const readShots = !options.skipShots;
    const bytes = rows * cols * (basesDs ? 2 : 1);
    ensure(
      !readShots || bytes <= MAX_LOAD_BYTES,
      `${file}: '${samplesPath}' declares [${rows}, ${cols}] shots: ` +
        `${formatBytes(bytes)}${basesDs ? " with their bases" : ""}, more than qst loads at once ` +
        `(${formatBytes(MAX_LOAD_BYTES)}); stream it instead (qst train --stream)`,
    );
    const samples = new Uint8Array(readShots ? rows * cols : 0);
    if (readShots) readBitRows(ds, file, samplesPath, cols, 0, rows, samples);
    return {
      source: file,
      nShots: rows,
      nQubits: cols,
      samples,
      bases: basesDs && readShots ? readBases(basesDs, file, basesPath, rows, cols) : null,
      psi: psiDs && !options.skipPsi ? readPsi(psiDs, file, psiPath, cols) : null,
      rho: rhoDs && !options.skipPsi ? readRho(rhoDs, file, rhoPath, cols, warnings) : null,
      attributes: readAttributes(f),
      warnings,
    };
  });
}

/** The first kilobyte is printable ASCII: worth trying as a text table. */
function looksLikeText(file: string): boolean {
  const fd = fs.openSync(file, "r");
  try {
    const buf = Buffer.alloc(1024);
    const n = fs.readSync(fd, buf, 0, 1024, 0);
    for (let k = 0; k < n; k++) {
      const c = buf[k];
      if (!(c === 9 || c === 10 || c === 13 || (c >= 32 && c < 127))) return false;
    }
    return true;
  } finally {
    fs.closeSync(fd);
  }
}

/** Whitespace-separated rows of numbers (QuCumber's text format); '#' starts a comment. */
function readTextRows(file: string): string[][] {
  checkReadable(file);
  const rows: string[][] = [];
  for (const line of fs.readFileSync(file, "utf8").split(/\r?\n/)) {
    const t = line.replace(/#.*/, "").trim();
    if (t) rows.push(t.split(/[\s,]+/));
  }
  ensure(rows.length > 0, `${file}: the file holds no rows`);
  return rows;
}

function readTextMeasurements(file: string, options: ReadOptions): MeasurementData {
  const rows = readTextRows(file);
  const nQubits = rows[0].length;
  const nShots = rows.length;
  const warnings = shapeWarnings(file, nShots, nQubits);
  const samples = new Uint8Array(nShots * nQubits);
  rows.forEach((row, m) => {
    ensure(
      row.length === nQubits,
      `${file}: line ${m + 1} has ${row.length} values, expected ${nQubits} like the first line`,
    );
    row.forEach((x, i) => {
      ensure(x === "0" || x === "1", `${file}: values must be 0 or 1, found '${x}' at shot ${m}, qubit ${i}`);
      samples[m * nQubits + i] = x === "1" ? 1 : 0;
    });
  });
  let bases: Uint8Array | null = null;
  if (options.basesFile) {
    const b = readTextRows(options.basesFile);
    ensure(b.length === nShots, `${options.basesFile}: has ${b.length} rows of bases but ${file} has ${nShots} shots`);
    bases = new Uint8Array(nShots * nQubits);
    b.forEach((row, m) => {
      const letters = row.join("");
      ensure(
        letters.length === nQubits,
        `${options.basesFile}: line ${m + 1} has ${letters.length} basis letters, expected ${nQubits}`,
      );
      for (let i = 0; i < nQubits; i++) {
        const c = letters.charCodeAt(i);
        if (c > 255) badBasis(options.basesFile!, c, m, i); // before narrowing to a byte
        bases![m * nQubits + i] = c;
      }
    });
    bases = validateBases(bases, nQubits, options.basesFile);
  }
  const psi = options.psiFile && !options.skipPsi ? readTextPsi(options.psiFile, nQubits) : null;
  const rho = options.rhoFiles && !options.skipPsi ? readTextRho(options.rhoFiles, nQubits, warnings) : null;
  return { source: file, nShots, nQubits, samples, bases, psi, rho, attributes: {}, warnings };
}

/** QuCumber's psi file: one row per basis state, columns re and (optionally) im. */
export function readTextPsi(file: string, nQubits: number): StateVector {
  const rows = readTextRows(file);
  const dim = 2 ** nQubits;
  ensure(rows.length === dim, `${file}: has ${rows.length} amplitudes, but N = ${nQubits} qubits needs ${dim}`);
  const re = new Float64Array(dim);
  const im = new Float64Array(dim);
  rows.forEach((row, k) => {
    ensure(
      row.length === 1 || row.length === 2,
      `${file}: line ${k + 1} must hold re or re im, found ${row.length} values`,
    );
    re[k] = Number(row[0]);
    im[k] = row.length === 2 ? Number(row[1]) : 0;
  });
  return normalisePsi({ re, im }, file);
}

/** Writes a measurement file in the documented layout, atomically (temporary file, then rename). */
export async function writeMeasurements(
  file: string,
  data: Omit<MeasurementData, "source">,
  options: { compress?: boolean; fixedTime?: number } = {},
): Promise<void> {
  const { nShots: M, nQubits: N } = data;
  ensure(data.samples.length === M * N, `samples must hold ${M} × ${N} values, got ${data.samples.length}`);
  const rho = data.rho ?? null;
  if (rho) {
    const d = 2 ** N;
    ensure(
      rho.dim === d && rho.re.length === d * d && rho.im.length === d * d,
      `rho must be ${d} × ${d} (N = ${N} qubits), got dim ${rho.dim} with ${rho.re.length} and ${rho.im.length} entries`,
    );
  }
  const lib = await h5();
  await writeFileAtomic(file, (tmp) =>
    withClock(options.fixedTime, () => {
      const f = quietly(() => new lib.File(path.resolve(tmp), "w"));
      try {
        const chunkRows = Math.max(1, Math.min(M, Math.floor(65536 / N)));
        const compression =
          options.compress === false
            ? {}
            : { chunks: [chunkRows, N], compression: "gzip" as const, compression_opts: 4 };
        f.create_dataset({ name: "samples", data: data.samples, shape: [M, N], dtype: "<B", ...compression });
        if (data.bases)
          f.create_dataset({ name: "bases", data: data.bases, shape: [M, N], dtype: "<B", ...compression });
        if (data.psi) {
          const { re, im } = parts(data.psi);
          const dim = re.length;
          if (im) {
            const both = new Float64Array(2 * dim);
            for (let k = 0; k < dim; k++) {
              both[2 * k] = re[k];
              both[2 * k + 1] = im[k];
            }
            f.create_dataset({ name: "psi", data: both, shape: [dim, 2], dtype: "<d" });
          } else {
            f.create_dataset({ name: "psi", data: re, shape: [dim], dtype: "<d" });
          }
        }
        if (rho) {
          // [2^N, 2^N, 2] float64 (re, im): what h5py reads as rho[..., 0] + 1j * rho[..., 1].
          const both = new Float64Array(2 * rho.re.length);
          for (let k = 0; k < rho.re.length; k++) {
            both[2 * k] = rho.re[k];
            both[2 * k + 1] = rho.im[k];
          }
          f.create_dataset({ name: "rho", data: both, shape: [rho.dim, rho.dim, 2], dtype: "<d" });
        }
        for (const [name, value] of Object.entries(data.attributes)) {
          if (typeof value === "number") {
            f.create_attribute(
              name,
              Number.isInteger(value) ? int64Scalar(value) : new Float64Array([value]),
              [],
              Number.isInteger(value) ? "<q" : "<d",
            );
          } else {
            f.create_attribute(name, String(value));
          }
        }
      } finally {
        quietly(() => f.close());
      }
    }),
  );
}

/**
 * HDF5 stamps every object header with the time of writing (read through Date.now by the
 * WebAssembly build). With `fixedTime` (Unix seconds) the stamps are that time instead, so the
 * same data gives a bit-identical file (the datasets script relies on this).
 */
function withClock<T>(fixedTime: number | undefined, fn: () => T): T {
  if (fixedTime === undefined) return fn();
  const now = Date.now;
  Date.now = () => fixedTime * 1000;
  try {
    return fn();
  } finally {
    Date.now = now;
  }
}

/** BigInt64Array holding one integer (HDF5 int64 attributes). */
function int64Scalar(value: number): BigInt64Array {
  return new BigInt64Array([BigInt(value)]);
}

/** Data sets larger than this (bytes of 0/1 values) are streamed from the file instead of loaded. */
export const STREAM_THRESHOLD_BYTES = 64 * 1024 * 1024;

export interface MeasurementStream {
  /** Everything but the shots: samples is empty and bases null (the shots' bases come from shots.readBases). */
  meta: MeasurementData;
  shots: ShotSource;
}

/**
 * Opens a large measurement file for block-wise reading. Every shot and basis is validated once
 * here, in bounded slices, so that a bad value is reported before any training starts.
 */
export async function openMeasurementStream(file: string, options: ReadOptions = {}): Promise<MeasurementStream> {
  checkReadable(file);
  ensure(isHdf5(file), `${file}: streaming needs an HDF5 file (not a text file)`);
  const samplesPath = options.samplesPath ?? "samples";
  const basesPath = options.basesPath ?? "bases";
  const psiPath = options.psiPath ?? "psi";
  const rhoPath = options.rhoPath ?? "rho";
  const f = await openHdf5(file);
  const fail = (e: unknown): never => {
    try {
      quietly(() => f.close());
    } catch {
      /* already broken */
    }
    if (e instanceof QstError) throw e;
    throw new QstError(`${file}: cannot be read (truncated or corrupt HDF5?): ${(e as Error).message}`);
  };
  // Reads in the stream's own quiet scope, closing the file on failure.
  const guarded = (fn: () => void) => {
    try {
      quietly(fn);
    } catch (e) {
      fail(e);
    }
  };
  try {
    return quietly(() => {
      const ds = getDataset(f, file, samplesPath, true)!;
      const basesDs = getDataset(f, file, basesPath, options.basesPath !== undefined);
      const psiDs = getDataset(f, file, psiPath, options.psiPath !== undefined);
      const rhoDs = getDataset(f, file, rhoPath, options.rhoPath !== undefined);
      const { rows, cols, warnings } = shotShape(ds, file, samplesPath, psiDs);
      if (basesDs) checkBasesShape(basesDs, file, basesPath, rows, cols);
      const step = Math.min(rows, sliceRows(cols));
      const check = new Uint8Array(step * cols);
      let rotated = false;
      for (let r = 0; r < rows; r += step) {
        const end = Math.min(rows, r + step);
        readBitRows(ds, file, samplesPath, cols, r, end, check);
        if (basesDs && readBasisRows(basesDs, file, basesPath, cols, r, end, check)) rotated = true;
      }
      const meta: MeasurementData = {
        source: file,
        nShots: rows,
        nQubits: cols,
        samples: new Uint8Array(0),
        bases: null,
        psi: psiDs && !options.skipPsi ? readPsi(psiDs, file, psiPath, cols) : null,
        rho: rhoDs && !options.skipPsi ? readRho(rhoDs, file, rhoPath, cols, warnings) : null,
        attributes: readAttributes(f),
        warnings,
      };
      const shots: ShotSource = {
        source: file,
        nShots: rows,
        nQubits: cols,
        hasBases: rotated,
        read: (start, count, out) => guarded(() => readBitRows(ds, file, samplesPath, cols, start, start + count, out)),
        ...(rotated
          ? {
              readBases: (start: number, count: number, out: Uint8Array) =>
                guarded(() => readBasisRows(basesDs!, file, basesPath, cols, start, start + count, out)),
            }
          : {}),
        close: () => quietly(() => f.close()),
      };
      return { meta, shots };
    });
  } catch (e) {
    return fail(e);
  }
}

/** Shape of a measurement file's shots without reading them (null for text files). */
export async function peekShape(
  file: string,
  options: ReadOptions = {},
): Promise<{ nShots: number; nQubits: number; hasBases: boolean; hasRho: boolean } | null> {
  checkReadable(file);
  if (!isHdf5(file)) return null;
  return withHdf5(file, (f) => {
    const samplesPath = options.samplesPath ?? "samples";
    const psiDs = getDataset(f, file, options.psiPath ?? "psi", options.psiPath !== undefined);
    const { rows, cols } = shotShape(getDataset(f, file, samplesPath, true)!, file, samplesPath, psiDs);
    return {
      nShots: rows,
      nQubits: cols,
      hasBases: getDataset(f, file, options.basesPath ?? "bases", false) !== null,
      // whether there is a /rho, even when it is left unread (skipPsi): it decides the model
      hasRho: getDataset(f, file, options.rhoPath ?? "rho", options.rhoPath !== undefined) !== null,
    };
  });
}
