/** Options shared by the commands that read measurement files. */
import type { Argv } from "yargs";
import { QstError } from "../../src/index.js";
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
