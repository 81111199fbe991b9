/**
 * Measurement files: reading and writing the HDF5 layout documented in docs/file-format.md,
 * plus QuCumber's whitespace text format so existing datasets carry over.
 *
 *   /samples  integer [M, N] of 0/1, one row per shot (bit 0 = +1 eigenvalue of the measured Pauli)
 *   /bases    optional: uint8 [M, N] ASCII 'X' 'Y' 'Z', or M strings of length N (absent = all Z)
 *   /psi      optional ground truth: float [2^N] real, or [2^N, 2] (re, im), Z basis,
 *             index Σ_i bit_i 2^(N−1−i)
 *   root attributes: optional description of the system (model, N, J, h, …)
 *
 * Every problem is reported as a QstError naming the file, the dataset and what is wrong.
 */
import fs from "node:fs";
import path from "node:path";
import h5wasm from "h5wasm/node";
import { QstError, ensure } from "../core/errors.js";
import { writeFileAtomic } from "../core/atomic.js";

export interface Wavefunction {
  re: Float64Array;
  /** null for a real wavefunction */
  im: Float64Array | null;
}

export interface MeasurementData {
  /** Where the data came from, for messages. */
  source: string;
  nShots: number;
  nQubits: number;
  /** Shot m, qubit i at samples[m * nQubits + i]; values 0 or 1. */
  samples: Uint8Array;
  /** ASCII codes of 'X', 'Y', 'Z' in the same layout, or null when every qubit was measured in Z. */
  bases: Uint8Array | null;
  /** Exact amplitudes in the Z basis, normalised, or null when the file has none. */
  psi: Wavefunction | null;
  attributes: Record<string, string | number | boolean>;
}

export interface ReadOptions {
  samplesPath?: string;
  basesPath?: string;
  psiPath?: string;
  /** For text input: a separate file of exact amplitudes (QuCumber's re/im columns). */
  psiFile?: string;
  /** For text input: a separate file of per-shot bases (QuCumber's letters per line). */
  basesFile?: string;
}

export const BASIS_CODES = { X: 88, Y: 89, Z: 90 } as const;
const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);
/** The largest system for which a state vector is read (2^26 doubles = 512 MB). */
export const MAX_PSI_QUBITS = 26;

let ready: Promise<unknown> | null = null;
async function h5(): Promise<typeof h5wasm> {
  ready ??= h5wasm.ready;
  await ready;
  return h5wasm;
}

/**
 * Runs a synchronous HDF5 call with the library's own diagnostics silenced: on a corrupt file
 * HDF5 prints "HDF5-DIAG" error stacks to stderr (through the Emscripten file layer, i.e.
 * fs.writeSync on descriptor 2). We report problems in one line of our own instead.
 */
function quietly<T>(fn: () => T): T {
  const writeSync = fs.writeSync;
  // Pretend the write to stderr succeeded: report as many bytes as were asked to be written.
  const swallowed = (data: unknown, offset?: unknown, length?: unknown): number =>
    typeof data === "string" ? Buffer.byteLength(data) : typeof length === "number" ? length : (data as ArrayBufferView).byteLength - (Number(offset) || 0);
  const filtered = ((fd: number, ...rest: unknown[]) =>
    fd === 2 ? swallowed(rest[0], rest[1], rest[2]) : (writeSync as (...a: unknown[]) => number)(fd, ...rest)) as typeof fs.writeSync;
  fs.writeSync = filtered;
  try {
    return fn();
  } finally {
    fs.writeSync = writeSync;
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
  let entity: unknown;
  try {
    entity = f.get(name);
  } catch {
    entity = null;
  }
  if (entity == null) {
    if (!required) return null;
    const available = safeKeys(f);
    throw new QstError(`${file}: no dataset '${name}'` + (available.length ? ` (the file has: ${available.join(", ")})` : " (the file has no datasets)"));
  }
  ensure(entity instanceof h5wasm.Dataset, `${file}: '${name}' is not a dataset`);
  return entity as H5Dataset;
}

function safeKeys(f: H5File): string[] {
  try {
    return f.keys().map((k) => "/" + k);
  } catch {
    return [];
  }
}

// HDF5 type classes as h5wasm reports them in metadata.type
const H5T_INTEGER = 0;
const H5T_FLOAT = 1;
const H5T_STRING = 3;

/** Checks that a dataset is a non-empty [M, N] integer array; returns its shape. */
function bitMatrixShape(ds: H5Dataset, file: string, name: string): { rows: number; cols: number } {
  const meta = ds.metadata;
  const shape = ds.shape ?? [];
  ensure(shape.length === 2, `${file}: '${name}' must be a 2-d array [shots, qubits], got shape [${shape.join(", ")}]`);
  const [rows, cols] = shape;
  ensure(rows > 0, `${file}: '${name}' holds no shots (M = 0)`);
  ensure(cols > 0, `${file}: '${name}' has no qubits (N = 0)`);
  ensure(meta.type === H5T_INTEGER, `${file}: '${name}' must hold integers 0/1, but its type is ${describeType(meta.type)}`);
  return { rows, cols };
}

/**
 * Reads rows [r0, r1) of a 0/1 dataset into out (starting at out[0]), checking every value.
 * Reads in slices of at most ~4 M values, so a large file never needs more than one slice of its
 * own dtype in memory at a time.
 */
function readBitRows(ds: H5Dataset, file: string, name: string, cols: number, r0: number, r1: number, out: Uint8Array): void {
  const rowsPerSlice = Math.max(1, Math.floor(4_000_000 / cols));
  for (let a = r0; a < r1; a += rowsPerSlice) {
    const b = Math.min(r1, a + rowsPerSlice);
    const slice = ds.slice([[a, b], []]) as ArrayLike<number | bigint>;
    ensure(slice && slice.length === (b - a) * cols, `${file}: '${name}' rows ${a}–${b} could not be read`);
    const base = (a - r0) * cols;
    for (let k = 0; k < slice.length; k++) {
      const x = slice[k];
      if (x !== 0 && x !== 1 && x !== 0n && x !== 1n) {
        const shot = a + Math.floor(k / cols);
        throw new QstError(`${file}: '${name}' must hold only 0 and 1, found ${String(x)} at shot ${shot}, qubit ${k % cols}`);
      }
      out[base + k] = Number(x);
    }
  }
}

/** Reads a [M, N] 0/1 integer dataset into a Uint8Array, checking every value. */
function readBitMatrix(ds: H5Dataset, file: string, name: string): { data: Uint8Array; rows: number; cols: number } {
  const { rows, cols } = bitMatrixShape(ds, file, name);
  const data = new Uint8Array(rows * cols);
  readBitRows(ds, file, name, cols, 0, rows, data);
  return { data, rows, cols };
}

function describeType(type: number): string {
  return type === H5T_FLOAT ? "floating point" : type === H5T_STRING ? "string" : type === H5T_INTEGER ? "integer" : `HDF5 class ${type}`;
}

/** Per-shot bases from uint8 ASCII [M, N] or M strings of length N. */
function readBases(ds: H5Dataset, file: string, name: string, nShots: number, nQubits: number): Uint8Array | null {
  const meta = ds.metadata;
  const shape = ds.shape ?? [];
  const out = new Uint8Array(nShots * nQubits);
  if (meta.type === H5T_STRING) {
    ensure(shape.length === 1 && shape[0] === nShots, `${file}: '${name}' must hold one basis string per shot (${nShots}), got shape [${shape.join(", ")}]`);
    const strings = ds.value as string[];
    for (let m = 0; m < nShots; m++) {
      const s = String(strings[m]).trim().toUpperCase();
      ensure(s.length === nQubits, `${file}: '${name}' shot ${m} has basis '${s}' of length ${s.length}, expected ${nQubits}`);
      for (let i = 0; i < nQubits; i++) out[m * nQubits + i] = s.charCodeAt(i);
    }
  } else {
    ensure(meta.type === H5T_INTEGER, `${file}: '${name}' must be uint8 ASCII codes or strings, but its type is ${describeType(meta.type)}`);
    ensure(shape.length === 2 && shape[0] === nShots && shape[1] === nQubits,
      `${file}: '${name}' has shape [${shape.join(", ")}] but the samples are [${nShots}, ${nQubits}]`);
    const v = ds.value as ArrayLike<number | bigint>;
    for (let k = 0; k < v.length; k++) out[k] = Number(v[k]);
  }
  return validateBases(out, nQubits, `${file}: '${name}'`);
}

/** Checks every letter is X, Y or Z (lower case accepted); returns null when all are Z. */
export function validateBases(bases: Uint8Array, nQubits: number, where: string): Uint8Array | null {
  let allZ = true;
  for (let k = 0; k < bases.length; k++) {
    let c = bases[k];
    if (c >= 97 && c <= 122) c = bases[k] = c - 32; // lower case
    if (c !== BASIS_CODES.X && c !== BASIS_CODES.Y && c !== BASIS_CODES.Z) {
      const shot = Math.floor(k / nQubits);
      throw new QstError(`${where}: basis letters must be X, Y or Z, found '${String.fromCharCode(c)}' (code ${c}) at shot ${shot}, qubit ${k % nQubits}`);
    }
    if (c !== BASIS_CODES.Z) allZ = false;
  }
  return allZ ? null : bases;
}

/** Ground-truth amplitudes [2^N] or [2^N, 2], checked finite and normalisable, returned normalised. */
function readPsi(ds: H5Dataset, file: string, name: string, nQubits: number): Wavefunction {
  const meta = ds.metadata;
  const shape = ds.shape ?? [];
  ensure(meta.type === H5T_FLOAT || meta.type === H5T_INTEGER, `${file}: '${name}' must hold real numbers, but its type is ${describeType(meta.type)}`);
  ensure(nQubits <= MAX_PSI_QUBITS, `${file}: '${name}' for N = ${nQubits} qubits would need 2^${nQubits} amplitudes; qst reads exact states only up to N = ${MAX_PSI_QUBITS}`);
  const dim = 2 ** nQubits;
  const complex = shape.length === 2 && shape[1] === 2;
  ensure((shape.length === 1 || complex) && shape[0] === dim,
    `${file}: '${name}' has shape [${shape.join(", ")}], but the samples have N = ${nQubits} qubits, so psi must be [${dim}] or [${dim}, 2]`);
  const raw = ds.value as ArrayLike<number>;
  const re = new Float64Array(dim);
  const im = complex ? new Float64Array(dim) : null;
  for (let k = 0; k < dim; k++) {
    re[k] = Number(complex ? raw[2 * k] : raw[k]);
    if (im) im[k] = Number(raw[2 * k + 1]);
  }
  return normalisePsi({ re, im }, `${file}: '${name}'`);
}

/** Checks a state vector for NaN/Inf and zero norm, and normalises it (a real copy-free rescale). */
export function normalisePsi(psi: Wavefunction, where: string): Wavefunction {
  let norm2 = 0;
  for (let k = 0; k < psi.re.length; k++) {
    const a = psi.re[k], b = psi.im ? psi.im[k] : 0;
    if (!Number.isFinite(a) || !Number.isFinite(b)) throw new QstError(`${where}: amplitude ${k} is not a finite number (${a}${psi.im ? `, ${b}` : ""})`);
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
  return { re: psi.re, im: imNonZero ? psi.im : null };
}

function readAttributes(f: H5File): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const name of Object.keys(f.attrs)) {
    try {
      let v = f.get_attribute(name, false) as unknown;
      if (ArrayBuffer.isView(v) && (v as unknown as ArrayLike<unknown>).length === 1) v = (v as unknown as ArrayLike<unknown>)[0];
      if (typeof v === "bigint") v = Number(v);
      if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") out[name] = v;
    } catch {
      /* attributes of exotic types are descriptive only: skip them */
    }
  }
  return out;
}

/** Reads a measurement file: HDF5, or QuCumber-style text when the file is not HDF5 but plain 0/1 rows. */
export async function readMeasurements(file: string, options: ReadOptions = {}): Promise<MeasurementData> {
  checkReadable(file);
  if (!isHdf5(file) && looksLikeText(file)) return readTextMeasurements(file, options);
  const samplesPath = options.samplesPath ?? "samples";
  const basesPath = options.basesPath ?? "bases";
  const psiPath = options.psiPath ?? "psi";
  return withHdf5(file, (f) => {
    const s = readBitMatrix(getDataset(f, file, samplesPath, true)!, file, samplesPath);
    const basesDs = getDataset(f, file, basesPath, options.basesPath !== undefined);
    const psiDs = getDataset(f, file, psiPath, options.psiPath !== undefined);
    return {
      source: file,
      nShots: s.rows,
      nQubits: s.cols,
      samples: s.data,
      bases: basesDs ? readBases(basesDs, file, basesPath, s.rows, s.cols) : null,
      psi: psiDs ? readPsi(psiDs, file, psiPath, s.cols) : null,
      attributes: readAttributes(f),
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
  const samples = new Uint8Array(nShots * nQubits);
  rows.forEach((row, m) => {
    ensure(row.length === nQubits, `${file}: line ${m + 1} has ${row.length} values, expected ${nQubits} like the first line`);
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
      ensure(letters.length === nQubits, `${options.basesFile}: line ${m + 1} has ${letters.length} basis letters, expected ${nQubits}`);
      for (let i = 0; i < nQubits; i++) bases![m * nQubits + i] = letters.charCodeAt(i);
    });
    bases = validateBases(bases, nQubits, options.basesFile);
  }
  const psi = options.psiFile ? readTextPsi(options.psiFile, nQubits) : null;
  return { source: file, nShots, nQubits, samples, bases, psi, attributes: {} };
}

/** QuCumber's psi file: one row per basis state, columns re and (optionally) im. */
export function readTextPsi(file: string, nQubits: number): Wavefunction {
  const rows = readTextRows(file);
  const dim = 2 ** nQubits;
  ensure(rows.length === dim, `${file}: has ${rows.length} amplitudes, but N = ${nQubits} qubits needs ${dim}`);
  const re = new Float64Array(dim);
  const im = new Float64Array(dim);
  rows.forEach((row, k) => {
    ensure(row.length === 1 || row.length === 2, `${file}: line ${k + 1} must hold re or re im, found ${row.length} values`);
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
  const lib = await h5();
  await writeFileAtomic(file, (tmp) => withClock(options.fixedTime, () => {
    const f = quietly(() => new lib.File(path.resolve(tmp), "w"));
    try {
      const chunkRows = Math.max(1, Math.min(M, Math.floor(65536 / N)));
      const compression = options.compress === false ? {} : { chunks: [chunkRows, N], compression: "gzip" as const, compression_opts: 4 };
      f.create_dataset({ name: "samples", data: data.samples, shape: [M, N], dtype: "<B", ...compression });
      if (data.bases) f.create_dataset({ name: "bases", data: data.bases, shape: [M, N], dtype: "<B", ...compression });
      if (data.psi) {
        const dim = data.psi.re.length;
        if (data.psi.im) {
          const both = new Float64Array(2 * dim);
          for (let k = 0; k < dim; k++) {
            both[2 * k] = data.psi.re[k];
            both[2 * k + 1] = data.psi.im[k];
          }
          f.create_dataset({ name: "psi", data: both, shape: [dim, 2], dtype: "<d" });
        } else {
          f.create_dataset({ name: "psi", data: data.psi.re, shape: [dim], dtype: "<d" });
        }
      }
      for (const [name, value] of Object.entries(data.attributes)) {
        if (typeof value === "number") {
          f.create_attribute(name, Number.isInteger(value) ? int64Scalar(value) : new Float64Array([value]), [], Number.isInteger(value) ? "<q" : "<d");
        } else {
          f.create_attribute(name, String(value));
        }
      }
    } finally {
      quietly(() => f.close());
    }
  }));
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

/**
 * Shots read block by block, for files too large to hold in memory: the trainer asks for rows
 * [start, start + count) and the source reads just those (h5wasm slices).
 */
export interface ShotSource {
  readonly source: string;
  readonly nShots: number;
  readonly nQubits: number;
  /** Copies rows [start, start + count) into out[0 .. count·nQubits). */
  read(start: number, count: number, out: Uint8Array): void;
  close(): void;
}

/** Shots already in memory. */
export function memoryShotSource(source: string, samples: Uint8Array, nQubits: number): ShotSource {
  return {
    source, nQubits, nShots: samples.length / nQubits,
    read: (start, count, out) => out.set(samples.subarray(start * nQubits, (start + count) * nQubits)),
    close: () => {},
  };
}

/** Data sets larger than this (bytes of 0/1 values) are streamed from the file instead of loaded. */
export const STREAM_THRESHOLD_BYTES = 64 * 1024 * 1024;

export interface MeasurementStream {
  /** Everything but the shots (samples is empty; bases must be null: rotated-basis data is loaded whole). */
  meta: MeasurementData;
  shots: ShotSource;
}

/**
 * Opens a large Z-basis measurement file for block-wise reading. Every shot is validated once
 * here, in bounded slices, so that a bad value is reported before any training starts.
 */
export async function openMeasurementStream(file: string, options: ReadOptions = {}): Promise<MeasurementStream> {
  checkReadable(file);
  ensure(isHdf5(file), `${file}: streaming needs an HDF5 file (not a text file)`);
  const samplesPath = options.samplesPath ?? "samples";
  const psiPath = options.psiPath ?? "psi";
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
  try {
    return quietly(() => {
      const ds = getDataset(f, file, samplesPath, true)!;
      const { rows, cols } = bitMatrixShape(ds, file, samplesPath);
      ensure(getDataset(f, file, options.basesPath ?? "bases", false) === null,
        `${file}: has per-shot bases; streaming is for Z-basis data (rotated-basis files are loaded whole)`);
      const psiDs = getDataset(f, file, psiPath, options.psiPath !== undefined);
      const check = new Uint8Array(Math.min(rows, Math.max(1, Math.floor(4_000_000 / cols))) * cols);
      const step = check.length / cols;
      for (let r = 0; r < rows; r += step) readBitRows(ds, file, samplesPath, cols, r, Math.min(rows, r + step), check);
      const meta: MeasurementData = {
        source: file, nShots: rows, nQubits: cols, samples: new Uint8Array(0), bases: null,
        psi: psiDs ? readPsi(psiDs, file, psiPath, cols) : null, attributes: readAttributes(f),
      };
      const shots: ShotSource = {
        source: file, nShots: rows, nQubits: cols,
        read: (start, count, out) => {
          try {
            quietly(() => readBitRows(ds, file, samplesPath, cols, start, start + count, out));
          } catch (e) {
            fail(e);
          }
        },
        close: () => quietly(() => f.close()),
      };
      return { meta, shots };
    });
  } catch (e) {
    return fail(e);
  }
}

/** Shape of a measurement file's shots without reading them (null for text files). */
export async function peekShape(file: string, options: ReadOptions = {}): Promise<{ nShots: number; nQubits: number; hasBases: boolean } | null> {
  checkReadable(file);
  if (!isHdf5(file)) return null;
  return withHdf5(file, (f) => {
    const samplesPath = options.samplesPath ?? "samples";
    const { rows, cols } = bitMatrixShape(getDataset(f, file, samplesPath, true)!, file, samplesPath);
    return { nShots: rows, nQubits: cols, hasBases: getDataset(f, file, options.basesPath ?? "bases", false) !== null };
  });
}
