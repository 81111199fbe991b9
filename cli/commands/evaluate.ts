/** qst evaluate MODEL DATA: exact fidelity, KL and NLL of a trained model against a measurement file. */
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import {
  ensure, evaluateModel, impossibleMetric, QstError,
} from "../../src/index.js";
import { readMeasurements } from "../../src/io/measurement-file.js";
import { loadModel } from "../../src/io/model-file.js";
import { fmt, handler, printDataWarnings, printJson } from "../common.js";
import { dataOptions, readOptionsFrom } from "./shared-options.js";

interface EvaluateArgs {
  model: string;
  data: string;
  json: boolean;
}

export const evaluateCommand: CommandModule<object, EvaluateArgs> = {
  command: "evaluate <model> <data>",
  describe: "Exact fidelity, KL divergence and NLL of a model against a measurement file's ground truth (N ≤ 24)",
  builder: (y: Argv) =>
    dataOptions(y)
      .positional("model", { type: "string", describe: "model file written by qst train", demandOption: true })
      .positional("data", { type: "string", describe: "measurement file (its /psi is the ground truth)", demandOption: true })
      .option("json", { type: "boolean", default: false, describe: "print the result as one JSON object on the last stdout line" }) as unknown as Argv<EvaluateArgs>,
  handler: handler(async (args: ArgumentsCamelCase<EvaluateArgs>) => {
    const { wavefunction } = loadModel(args.model);
    const data = await readMeasurements(args.data, readOptionsFrom(args));
    ensure(data.nQubits === wavefunction.nVisible,
      `${args.data}: has N = ${data.nQubits} qubits but the model ${args.model} has ${wavefunction.nVisible}`);
    const m = evaluateModel(wavefunction, data);
    const impossible = impossibleMetric(m);
    if (impossible) {
      throw new QstError(`${args.model}: the model's exact metrics are impossible (${impossible}): its parameters are so large ` +
        "that exp() overflows in double precision; retrain it (smaller --lr, or --weight-decay)");
    }
    printDataWarnings(data);
    if (args.json) printJson(m);
    else {
      if (m.fidelity !== undefined) process.stdout.write(`fidelity   ${fmt(m.fidelity, 6)}\nKL         ${fmt(m.kl, 6)}\n`);
      else process.stdout.write(`(${args.data} has no ground-truth /psi: fidelity and KL need it)\n`);
      process.stdout.write(`NLL/shot   ${fmt(m.nll, 6)}\nlog Z      ${fmt(m.logZ, 6)}\n`);
    }
  }),
};
