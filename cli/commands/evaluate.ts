/** qst evaluate MODEL DATA: exact fidelity, KL and NLL of a trained model against a measurement file. */
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import {
  ensure,
  evaluateModel,
  heldOutNll,
  impossibleMetric,
  logZEstimate,
  MAX_EXACT_QUBITS,
  type Metrics,
  QstError,
} from "../../src/index.js";
import { peekShape, readMeasurements } from "../../src/io/measurement-file.js";
import { loadModel } from "../../src/io/model-file.js";
import { fmt, handler, printDataWarnings, printJson } from "../common.js";
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
        describe: "measurement file (its /psi is the ground truth)",
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
    const { wavefunction } = loadModel(args.model);
    // Past enumeration (or with --logz ais) the NLL of the shots needs only free energies and log Z by
    // AIS, and /psi is not read.
    const shape = await peekShape(args.data, readOptionsFrom(args));
    const enumerate = args.logz === "exact" || (args.logz === "auto" && (shape?.nQubits ?? 0) <= MAX_EXACT_QUBITS);
    const data = await readMeasurements(args.data, { ...readOptionsFrom(args), skipPsi: !enumerate });
    ensure(
      data.nQubits === wavefunction.nVisible,
      `${args.data}: has N = ${data.nQubits} qubits but the model ${args.model} has ${wavefunction.nVisible}`,
    );
    let m: Metrics;
    if (enumerate) m = evaluateModel(wavefunction, data);
    else {
      ensure(
        wavefunction.kind === "positive" && data.bases === null,
        `${args.model}: past enumeration qst evaluates positive models on Z-basis shots only (N = ${data.nQubits} > ${MAX_EXACT_QUBITS})`,
      );
      const z = logZEstimate(wavefunction.amplitude, "ais");
      const nll = heldOutNll(wavefunction, data, z);
      m = { logZ: z.logZ, logZ_stderr: z.stderr, nll: nll.nll, nll_stderr: nll.stderr };
    }
    const impossible = impossibleMetric(m);
    if (impossible) {
      throw new QstError(
        `${args.model}: the model's exact metrics are impossible (${impossible}): its parameters are so large ` +
          "that exp() overflows in double precision; retrain it (smaller --lr, or --weight-decay)",
      );
    }
    printDataWarnings(data);
    if (args.json) printJson(m);
    else {
      if (m.fidelity !== undefined)
        process.stdout.write(`fidelity   ${fmt(m.fidelity, 6)}\nKL         ${fmt(m.kl, 6)}\n`);
      else process.stdout.write(`(${args.data} has no ground-truth /psi: fidelity and KL need it)\n`);
      const pm = (e: number | undefined) => (e ? ` ± ${fmt(e, 6)}` : "");
      process.stdout.write(
        `NLL/shot   ${fmt(m.nll, 6)}${pm(m.nll_stderr)}\nlog Z      ${fmt(m.logZ, 6)}${pm(m.logZ_stderr)}\n`,
      );
    }
  }),
};
