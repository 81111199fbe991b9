/**
 * What every qst command shares: turning errors into one clear line and an exit code,
 * the `--json` convention (the last stdout line is one JSON object), and progress on stderr.
 */
import { escapeControl, QstError, removePendingTemporaries } from "../src/index.js";

export const EXIT_USER_ERROR = 1;
export const EXIT_INTERNAL_ERROR = 70;

let debug = process.argv.includes("--debug");

export function setDebug(on: boolean): void {
  debug = on;
}

/** Prints an error as one line (a stack trace only with --debug) and exits non-zero. */
export function fail(error: unknown): never {
  removePendingTemporaries();
  if (error instanceof QstError) {
    // Messages quote names and values from files: escaped here, whatever the message's author did.
    process.stderr.write(`qst: ${escapeControl(error.message)}\n`);
    if (debug && error.stack) process.stderr.write(error.stack + "\n");
    process.exit(EXIT_USER_ERROR);
  }
  const e = error as Error;
  process.stderr.write(
    `qst: internal error: ${escapeControl(e?.message ?? String(error))} (rerun with --debug for the stack trace, and please report it)\n`,
  );
  if (debug && e?.stack) process.stderr.write(e.stack + "\n");
  process.exit(EXIT_INTERNAL_ERROR);
}

/**
 * A reader that stops early (`qst exact … | head`) closes stdout: that is no error, so the
 * command ends quietly with status 0 instead of dying of EPIPE with a stack trace.
 */
export function quietOnClosedStdout(): void {
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code !== "EPIPE") fail(e);
    removePendingTemporaries();
    process.exit(0);
  });
}

/** Wraps a command handler so that every failure goes through fail(). */
export function handler<A>(fn: (args: A) => Promise<void> | void): (args: A) => Promise<void> {
  return async (args: A) => {
    try {
      await fn(args);
    } catch (e) {
      fail(e);
    }
  };
}

/**
 * Doubts about the data that are not errors (e.g. more qubits than shots), one `qst: warning:` line
 * each on stderr; --quiet silences progress, not these.
 */
export function printDataWarnings(data: { warnings?: string[] }): void {
  for (const w of data.warnings ?? []) process.stderr.write(`qst: warning: ${escapeControl(w)}\n`);
}

/** The machine-readable result: one JSON object on the last line of stdout. */
export function printJson(result: unknown): void {
  process.stdout.write(
    JSON.stringify(result, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v)) + "\n",
  );
}

/** Formats a number for tables: fixed decimals for ordinary magnitudes, exponent otherwise. */
export function fmt(x: number | undefined | null, digits = 4): string {
  if (x === undefined || x === null || Number.isNaN(x)) return "—";
  if (x !== 0 && (Math.abs(x) < 1e-3 || Math.abs(x) >= 1e5)) return x.toExponential(digits - 1);
  return x.toFixed(digits);
}

/** Parses "0,1,2" or "0-4" or "0-2,5" into site indices. */
export function parseSites(spec: string | number | undefined, what: string): number[] | undefined {
  if (spec === undefined) return undefined;
  const out: number[] = [];
  for (const part of String(spec)
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new QstError(`${what}: cannot read '${part}' as a site or range (use e.g. 0,1,2 or 0-4)`);
    const a = Number(m[1]),
      b = m[2] !== undefined ? Number(m[2]) : a;
    if (b < a) throw new QstError(`${what}: range '${part}' is empty`);
    for (let i = a; i <= b; i++) out.push(i);
  }
  return out;
}
