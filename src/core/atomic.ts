/**
 * Atomic output: every file qst writes goes to a temporary file beside the target and is renamed
 * over it only when complete. rename(2) within one directory is atomic, so an interrupted or failed
 * run leaves either the old file or the complete new one, never a half-written file.
 */
import fs from "node:fs";
import path from "node:path";

const pending = new Set<string>();

/** The file a write lands in: a symlink's target, so that the link itself survives the rename. */
function realTarget(file: string): string {
  try {
    return fs.realpathSync(file);
  } catch {
    return file;
  }
}

function temporaryPath(file: string): string {
  const dir = path.dirname(path.resolve(file));
  const rand = Math.floor(Math.random() * 0xffffffff).toString(16);
  return path.join(dir, `.${path.basename(file)}.tmp-${process.pid}-${rand}`);
}

/** Calls `write(tmp)` to produce the file at a temporary path, then renames it to `file`. */
export async function writeFileAtomic(target: string, write: (tmp: string) => void | Promise<void>): Promise<void> {
  const file = realTarget(target);
  const tmp = temporaryPath(file);
  pending.add(tmp);
  try {
    await write(tmp);
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  } finally {
    pending.delete(tmp);
  }
}

/** Synchronous atomic write of a string or bytes (used for models, checkpoints, logs). */
export function writeAtomicSync(target: string, content: string | Uint8Array): void {
  const file = realTarget(target);
  const tmp = temporaryPath(file);
  pending.add(tmp);
  try {
    const fd = fs.openSync(tmp, "w");
    try {
      if (typeof content === "string") fs.writeSync(fd, content);
      else fs.writeSync(fd, content);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  } finally {
    pending.delete(tmp);
  }
}

/** Removes temporary files of writes still in progress (called when the process is interrupted). */
export function removePendingTemporaries(): void {
  for (const tmp of pending) fs.rmSync(tmp, { force: true });
  pending.clear();
}
