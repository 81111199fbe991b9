/**
 * Output paths, checked before any work starts: every command that writes files calls
 * checkOutputs() first, so that a run never ends in a failed write, never writes over one of its
 * own inputs, and never replaces a special file (a device or FIFO) by a regular one.
 */
import fs from "node:fs";
import path from "node:path";
import { QstError } from "../src/index.js";

export interface Output {
  path: string;
  /** The option that named it, for messages (e.g. "--out"). */
  flag: string;
}

export interface Input {
  path: string;
  /** What the input is, for messages (e.g. "data file"). */
  what: string;
  /** An output option that may name this input (qst train's --checkpoint may be the --resume file). */
  mayBe?: string;
}

export interface OutputOptions {
  /** Refuse outputs that already exist (qst train without --force or --resume). */
  refuseExisting?: boolean;
  /** The hint appended when refusing an existing output. */
  existingHint?: string;
}

/** A file's identity: device and inode when it exists (symlinks and hard links compare equal), else its real path. */
function identity(file: string): string {
  try {
    const s = fs.statSync(file);
    return `inode ${s.dev}:${s.ino}`;
  } catch {
    const dir = path.dirname(path.resolve(file));
    let real = dir;
    try {
      real = fs.realpathSync(dir);
    } catch {
      /* a missing folder is reported by checkWritable */
    }
    return `path ${path.join(real, path.basename(file))}`;
  }
}

const KINDS: [(s: fs.Stats) => boolean, string][] = [
  [(s) => s.isCharacterDevice(), "a character device"],
  [(s) => s.isBlockDevice(), "a block device"],
  [(s) => s.isFIFO(), "a FIFO"],
  [(s) => s.isSocket(), "a socket"],
];

/** Refuses a path qst cannot replace by an atomic rename, and a folder it cannot create files in. */
function checkWritable(o: Output): void {
  if (o.path.trim() === "") throw new QstError(`${o.flag}: the file name is empty`);
  let stat: fs.Stats | null = null;
  try {
    stat = fs.statSync(o.path);
  } catch {
    /* does not exist (or a dangling symlink): the folder decides */
  }
  if (stat?.isDirectory()) throw new QstError(`${o.path}: is a folder; ${o.flag} needs a file name in it`);
  const special = stat && KINDS.find(([is]) => is(stat))?.[1];
  // Outputs are written to a temporary file and renamed over the target, which would replace a device or FIFO.
  if (special)
    throw new QstError(
      `${o.path}: is ${special}, not a regular file; qst writes whole files (temporary file, then rename): ` +
        `give ${o.flag} a regular file`,
    );
  const target = stat ? fs.realpathSync(o.path) : path.resolve(o.path);
  const dir = path.dirname(target);
  let dirStat: fs.Stats;
  try {
    dirStat = fs.statSync(dir);
  } catch {
    throw new QstError(`${o.path}: cannot be written: the folder ${dir} does not exist`);
  }
  if (!dirStat.isDirectory()) throw new QstError(`${o.path}: cannot be written: ${dir} is not a folder`);
  // Probe by creating a file: permission bits alone say nothing for root or a read-only file system.
  const probe = path.join(dir, `.qst-probe-${process.pid}-${Math.floor(Math.random() * 0xffffffff).toString(16)}`);
  try {
    fs.closeSync(fs.openSync(probe, "wx"));
    fs.rmSync(probe, { force: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === "EACCES" || code === "EPERM"
        ? "no permission to create files in"
        : code === "EROFS"
          ? "read-only file system at"
          : `${code ?? "cannot create files"} in`;
    throw new QstError(`${o.path}: cannot be written: ${why} ${dir}`);
  }
}

/**
 * Checks every output of a command before it does any work: a usable file name in an existing,
 * writable folder; not one of the command's inputs (compared by inode, so through symlinks and
 * hard links); no two outputs the same file. Then takes a lock beside each output.
 */
export function checkOutputs(outputs: Output[], inputs: Input[] = [], options: OutputOptions = {}): void {
  const seen = new Map<string, Output>();
  for (const o of outputs) {
    checkWritable(o);
    const id = identity(o.path);
    for (const i of inputs) {
      if (i.mayBe === o.flag || !fs.existsSync(i.path)) continue;
      if (identity(i.path) === id)
        throw new QstError(
          `${o.path}: is the ${i.what} ${i.path}; ${o.flag} must name another file, or the input would be lost`,
        );
    }
    const other = seen.get(id);
    if (other)
      throw new QstError(`${o.path}: ${other.flag} and ${o.flag} name the same file; give them different names`);
    seen.set(id, o);
    if (options.refuseExisting && fs.existsSync(o.path))
      throw new QstError(`${o.path}: exists already; ${options.existingHint ?? "choose another file"}`);
  }
  for (const o of outputs) lock(o);
}

const held = new Set<string>();
process.on("exit", () => {
  for (const l of held) fs.rmSync(l, { force: true });
});

/**
 * A lock file `<output>.lock` holding our pid, created exclusively: two runs writing the same file
 * would interleave their logs and overwrite each other's results. A lock whose process is gone
 * (killed) is stale and taken over.
 */
function lock(o: Output): void {
  const file = (fs.existsSync(o.path) ? fs.realpathSync(o.path) : path.resolve(o.path)) + ".lock";
  if (held.has(file)) return;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, `${process.pid}\n`, { flag: "wx" });
      held.add(file);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST")
        throw new QstError(`${o.path}: cannot create the lock file ${file}: ${(e as Error).message}`);
    }
    const text = fs.readFileSync(file, "utf8").trim();
    const pid = /^\d+$/.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(pid))
      throw new QstError(`${o.path}: ${file} exists and is not a qst lock file; remove it or choose another ${o.flag}`);
    if (alive(pid))
      throw new QstError(
        `${o.path}: another qst (pid ${pid}) is writing it (lock file ${file}); ` +
          `wait for it to finish or choose another ${o.flag}`,
      );
    fs.rmSync(file, { force: true });
  }
  throw new QstError(`${o.path}: cannot take the lock file ${file} (another qst keeps creating it)`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
