/** Options shared by the commands that read measurement files. */
import type { Argv } from "yargs";
import type { ReadOptions } from "../../src/io/measurement-file.js";

export function dataOptions<T>(y: Argv<T>) {
  return y
    .option("samples-path", { type: "string", describe: "HDF5 dataset holding the shots (default /samples)", group: "Data layout:" })
    .option("bases-path", { type: "string", describe: "HDF5 dataset holding the per-shot bases (default /bases)", group: "Data layout:" })
    .option("psi-path", { type: "string", describe: "HDF5 dataset holding the exact amplitudes (default /psi)", group: "Data layout:" })
    .option("psi", { type: "string", describe: "text file of exact amplitudes (re im per line), for QuCumber text data", group: "Data layout:" })
    .option("bases-file", { type: "string", describe: "text file of per-shot bases, for QuCumber text data", group: "Data layout:" });
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
