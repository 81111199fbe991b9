/** qst evaluate MODEL DATA: exact fidelity, KL and NLL of a trained model against a measurement file. */
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import {
  ensure,
  evaluateModel,
  exact,
  fidelityEstimate,
  heldOutNll,
  impossibleMetric,
  logZEstimate,
  MAX_ENUMERATION_SITES,
  MAX_DENSITY_QUBITS,
  MAX_EXACT_QUBITS,
  type Metrics,
  type Model,
  QstError,
  type RbmWaveFunction,
  stateVector,
} from "../../src/index.js";
import { peekShape, readMeasurements } from "../../src/io/measurement-file.js";
import { isEnsembleFolder, type LoadedEnsemble, loadEnsemble } from "../../src/io/ensemble.js";
import { loadAnyModel } from "../../src/io/model-file.js";
import { fmt, handler, printDataWarnings, printJson } from "../common.js";
import { SLOW_DENSITY_METRICS_QUBITS } from "../limits.js";
import { dataOptions, readOptionsFrom } from "./shared-options.js";

interface EvaluateArgs {
  model: string;
  data: string;
  json: boolean;
  logz: "exact" | "ais" | "auto";
}

export const evaluateCommand: CommandModule<object, EvaluateArgs> = {
  command: "evaluate <model> <data>",
  describe:
    "Fidelity, KL divergence and NLL of a model against a measurement file (exact for N ≤ 24; past that the NLL with log Z by AIS)",
  builder: (y: Argv) =>
    dataOptions(y)
      .positional("model", { type: "string", describe: "model file written by qst train", demandOption: true })
      .positional("data", {
        type: "string",
        describe: "measurement file (its /psi or /rho is the ground truth)",
        demandOption: true,
      })
      .option("logz", {
        choices: ["exact", "ais", "auto"] as const,
        default: "auto" as const,
        describe:
          "log Z: enumeration (with fidelity and KL), annealed importance sampling (NLL with its error), or auto",
      })
      .option("json", {
        type: "boolean",
        default: false,
        describe: "print the result as one JSON object on the last stdout line",
      }) as unknown as Argv<EvaluateArgs>,
  handler: handler(async (args: ArgumentsCamelCase<EvaluateArgs>) => {
    // An ensemble folder (qst train --bootstrap): member 0 is evaluated, and the members' spread and
    // their fidelity to member 0 say how stable the reconstruction is.
    const ensemble = isEnsembleFolder(args.model) ? loadEnsemble(args.model) : null;
    const full = ensemble?.members.find((x) => x.index === 0);
    ensure(!ensemble || full, `${args.model}: member 0 (the model on all shots) is missing; train it with --member 0`);
    const { model } = full ? { model: full.wavefunction as Model } : loadAnyModel(args.model);
    // Past enumeration (or with --logz ais) the NLL of the shots needs only free energies and log Z by
    // AIS, and /psi is not read.
    const shape = await peekShape(args.data, readOptionsFrom(args));
    const enumerate = args.logz === "exact" || (args.logz === "auto" && (shape?.nQubits ?? 0) <= MAX_EXACT_QUBITS);
    const data = await readMeasurements(args.data, { ...readOptionsFrom(args), skipPsi: !enumerate });
    ensure(
      data.nQubits === model.nVisible,
      `${args.data}: has N = ${data.nQubits} qubits but the model ${args.model} has ${model.nVisible}`,
    );
    ensure(
      (model.kind !== "density" && !data.rho) || data.nQubits <= MAX_DENSITY_QUBITS,
      `${args.model}: density-matrix metrics form 2^N × 2^N matrices; N = ${data.nQubits} is above the limit of ${MAX_DENSITY_QUBITS}`,
    );
    // Diagnostics of the Monte Carlo estimates (AIS, fidelity past enumeration), printed with the result.
    const warnings: string[] = [];
    const metricsOf = (wf: Model): Metrics => {
      if (enumerate) return evaluateModel(wf, data);
      ensure(wf.kind !== "density", `${args.model}: a density model is evaluated by enumeration only (--logz exact)`);
      ensure(
        wf.kind === "positive" && data.bases === null,
        `${args.model}: past enumeration qst evaluates positive models on Z-basis shots only (N = ${data.nQubits} > ${MAX_EXACT_QUBITS})`,
      );
      const z = logZEstimate(wf.amplitude, "ais");
      warnings.push(...z.warnings);
      const nll = heldOutNll(wf, data, z);
      return { logZ: z.logZ, logZ_stderr: z.stderr, nll: nll.nll, nll_stderr: nll.stderr };
    };
    if (enumerate && (model.kind === "density" || data.rho) && data.nQubits >= SLOW_DENSITY_METRICS_QUBITS)
      process.stderr.write(
        `qst: density-matrix metrics at N = ${data.nQubits} diagonalise 2^${data.nQubits} × 2^${data.nQubits} matrices: this takes tens of seconds\n`,
      );
    const m: Metrics = metricsOf(model);
    if (ensemble) Object.assign(m, ensembleSummary(ensemble, full!.wavefunction, metricsOf, warnings));
    const impossible = impossibleMetric(m);
    if (impossible) {
      throw new QstError(
        `${args.model}: the model's exact metrics are impossible (${impossible}): its parameters are so large ` +
          "that exp() overflows in double precision; retrain it (smaller --lr, or --weight-decay)",
      );
    }
    const unique = [...new Set(warnings)];
    printDataWarnings({ warnings: [...(data.warnings ?? []), ...unique] });
    if (args.json) printJson(unique.length ? { ...m, warnings: unique } : m);
    else {
      if (m.fidelity !== undefined)
        process.stdout.write(`fidelity   ${fmt(m.fidelity, 6)}\nKL         ${fmt(m.kl, 6)}\n`);
      else process.stdout.write(`(${args.data} has no ground truth /psi or /rho: fidelity and KL need it)\n`);
      if (m.trace_distance !== undefined) process.stdout.write(`trace distance ${fmt(m.trace_distance, 6)}\n`);
      if (m.purity !== undefined)
        process.stdout.write(
          `purity     ${fmt(m.purity, 6)}${m.purity_true !== undefined ? ` (ground truth ${fmt(m.purity_true, 6)})` : ""}\n`,
        );
      const pm = (e: number | undefined) => (e ? ` ± ${fmt(e, 6)}` : "");
      process.stdout.write(
        `NLL/shot   ${fmt(m.nll, 6)}${pm(m.nll_stderr)}\nlog Z      ${fmt(m.logZ, 6)}${pm(m.logZ_stderr)}\n`,
      );
      if (m.mutual_fidelity_mean !== undefined) {
        const f = m.half_sample_fidelity_mean;
        process.stdout.write(
          `${m.half_samples} half-sample models: ` +
            (f !== undefined ? `fidelity ${fmt(f, 6)} ± ${fmt(m.half_sample_fidelity_spread, 6)}, ` : "") +
            `fidelity to the full model ${fmt(m.mutual_fidelity_mean, 6)} (lowest ${fmt(m.mutual_fidelity_min, 6)})\n`,
        );
      }
    }
  }),
};

/**
 * Over the half-sample members: their fidelity to the ground truth (mean and spread, with /psi) and to
 * member 0 (mean and lowest; exact up to N = 20, by Monte Carlo above), a measure of how much the
 * reconstruction moves with the data.
 */
function ensembleSummary(
  ensemble: LoadedEnsemble,
  full: RbmWaveFunction,
  metricsOf: (wf: RbmWaveFunction) => Metrics,
  warnings: string[],
) {
  const halves = ensemble.members.filter((x) => x.index > 0);
  const stats = (x: number[]) => {
    const mean = x.reduce((a, b) => a + b, 0) / x.length;
    return {
      mean,
      spread: Math.sqrt(x.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, x.length - 1)),
      min: Math.min(...x),
    };
  };
  const fidelities = halves.map((x) => metricsOf(x.wavefunction).fidelity).filter((f): f is number => f !== undefined);
  const fullState = full.nVisible > MAX_ENUMERATION_SITES ? null : stateVector(full);
  const mutual = halves.map((x) => {
    if (fullState) return exact.overlapSquared(fullState, stateVector(x.wavefunction));
    const e = fidelityEstimate(full, x.wavefunction, { seed: x.index });
    warnings.push(...e.warnings.map((w) => `fidelity of member ${x.index} to member 0: ${w}`));
    return e.fidelity;
  });
  const f = fidelities.length ? stats(fidelities) : null;
  const mf = stats(mutual);
  return {
    half_samples: halves.length,
    ...(ensemble.missing.length ? { missing_members: ensemble.missing.length } : {}),
    ...(f ? { half_sample_fidelity_mean: f.mean, half_sample_fidelity_spread: f.spread } : {}),
    mutual_fidelity_mean: mf.mean,
    mutual_fidelity_min: mf.min,
  };
}
