/** Options shared by the commands that read measurement files. */
import type { Argv } from "yargs";
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
    .option("psi", {
      type: "string",
      describe: "text file of exact amplitudes (re im per line), for QuCumber text data",
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
    psiFile: s("psi"),
    basesFile: s("bases-file"),
  };
}
