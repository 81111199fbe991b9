/** Options shared by the commands that read measurement files. */
import type { Argv } from "yargs";
import { AUTO_BURN_IN_DEFAULTS, type BurnInReport, QstError } from "../../src/index.js";
import type { ReadOptions } from "../../src/io/measurement-file.js";

/** `hidden`: accepted but not listed by --help (observe, where they only describe the --exact file). */
export function dataOptions<T>(y: Argv<T>, hidden = false) {
  const group = "Data layout:";
  return y
    .option("samples-path", {
      type: "string",
      describe: "HDF5 dataset holding the shots (default /samples)",
      group,
      hidden,
    })
    .option("bases-path", {
      type: "string",
      describe: "HDF5 dataset holding the per-shot bases (default /bases)",
      group,
      hidden,
    })
    .option("psi-path", {
      type: "string",
      describe: "HDF5 dataset holding the exact amplitudes (default /psi)",
      group,
      hidden,
    })
    .option("rho-path", {
      type: "string",
      describe: "HDF5 dataset holding the exact density matrix (default /rho)",
      group,
      hidden,
    })
    .option("psi", {
      type: "string",
      describe: "text file of exact amplitudes (re im per line), for QuCumber text data",
      group,
      hidden,
    })
    .option("rho", {
      type: "string",
      describe:
        "text files of the exact density matrix, REAL.txt[,IMAG.txt] (2^N rows of 2^N numbers each), for QuCumber text data",
      group,
      hidden,
    })
    .option("bases-file", {
      type: "string",
      describe: "text file of per-shot bases, for QuCumber text data",
      group,
      hidden,
    });
}

export function readOptionsFrom(args: Record<string, unknown>): ReadOptions {
  const s = (k: string) => (typeof args[k] === "string" ? (args[k] as string) : undefined);
  return {
    samplesPath: s("samples-path"),
    basesPath: s("bases-path"),
    psiPath: s("psi-path"),
    rhoPath: s("rho-path"),
    psiFile: s("psi"),
    rhoFiles: rhoFiles(s("rho")),
    basesFile: s("bases-file"),
  };
}

/** --rho REAL.txt or REAL.txt,IMAG.txt. */
function rhoFiles(spec: string | undefined): [string, string?] | undefined {
  if (spec === undefined) return undefined;
  const files = spec.split(",").map((f) => f.trim());
  if (files.length > 2 || files.some((f) => f === ""))
    throw new QstError(`--rho: expected REAL.txt or REAL.txt,IMAG.txt (the real and imaginary parts), got '${spec}'`);
  return files.length === 2 ? [files[0], files[1]] : [files[0]];
}

/** `--burn-in auto|N`, shared by qst sample and qst observe. */
export function burnInOption<T>(y: Argv<T>, group?: string) {
  return y.option("burn-in", {
    type: "string",
    default: "auto",
    describe: `sweeps discarded at the start of each chain, or auto: until the chains' free energies agree (R̂ ≤ ${AUTO_BURN_IN_DEFAULTS.rhat}) over at least ${AUTO_BURN_IN_DEFAULTS.tauMultiple} autocorrelation times (${AUTO_BURN_IN_DEFAULTS.minSweeps} to ${AUTO_BURN_IN_DEFAULTS.maxSweeps} sweeps)`,
    group,
  });
}

/** The value of --burn-in: "auto" or a non-negative integer (one clear line otherwise). */
export function parseBurnIn(x: unknown): number | "auto" {
  if (x === "auto") return "auto";
  const n = typeof x === "string" && /^\s*\d+\s*$/.test(x) ? Number(x) : typeof x === "number" ? x : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 0)
    throw new QstError(`--burn-in must be 'auto' or an integer ≥ 0, got ${String(x)}`);
  return n;
}

/** "600 (auto: R̂ of F 1.002, τ 2.1 sweeps)" for the summary line; the plain number for a fixed burn-in. */
export function describeBurnIn(b: BurnInReport | undefined, asked: number | "auto"): string {
  if (!b || asked !== "auto") return String(asked);
  const rhat = Number.isFinite(b.rhat) ? b.rhat!.toFixed(3) : "–";
  const tau = Number.isFinite(b.tauSweeps) ? b.tauSweeps!.toPrecision(2) : "–";
  return `${b.sweeps} (auto${b.converged ? "" : ", not converged"}: R̂ of F ${rhat}, τ ${tau} sweeps)`;
}

/** The burn-in for --json: what was asked and what was run. */
export function burnInJson(b: BurnInReport | undefined, asked: number | "auto"): Record<string, unknown> {
  return asked === "auto" && b
    ? { asked: "auto", sweeps: b.sweeps, converged: b.converged, rhat_free_energy: b.rhat, tau_sweeps: b.tauSweeps }
    : { asked, sweeps: asked, converged: true };
}
