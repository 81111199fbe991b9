/** qst sample MODEL --n M --out FILE: Gibbs samples of |ψ_λ|² written in the measurement format. */
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import {
  ensure, Rng, sampleChains,
} from "../../src/index.js";
import { writeMeasurements } from "../../src/io/measurement-file.js";
import { loadModel } from "../../src/io/model-file.js";
import { handler, printJson } from "../common.js";

interface SampleArgs {
  model: string;
  n: number;
  out: string;
  chains: number;
  "burn-in": number;
  thin: number;
  seed: number;
  json: boolean;
}

export const sampleCommand: CommandModule<object, SampleArgs> = {
  command: "sample <model>",
  describe: "Draw Z-basis shots from a trained model by block Gibbs sampling and write them as a measurement file",
  builder: (y: Argv) =>
    y
      .positional("model", { type: "string", describe: "model file written by qst train", demandOption: true })
      .option("n", { type: "number", demandOption: true, describe: "number of shots to draw" })
      .option("out", { type: "string", demandOption: true, describe: "HDF5 file to write" })
      .option("chains", { type: "number", default: 100, describe: "independent Gibbs chains" })
      .option("burn-in", { type: "number", default: 500, describe: "sweeps discarded at the start of each chain" })
      .option("thin", { type: "number", default: 2, describe: "sweeps between kept samples" })
      .option("seed", { type: "number", default: 1, describe: "random seed" })
      .option("json", { type: "boolean", default: false, describe: "print a JSON summary as the last stdout line" }) as unknown as Argv<SampleArgs>,
  handler: handler(async (args: ArgumentsCamelCase<SampleArgs>) => {
    ensure(Number.isInteger(args.n) && args.n > 0, `--n must be a positive integer, got ${args.n}`);
    ensure(Number.isInteger(args.chains) && args.chains > 0, `--chains must be a positive integer, got ${args.chains}`);
    ensure(Number.isInteger(args.thin) && args.thin > 0, `--thin must be a positive integer, got ${args.thin}`);
    ensure(Number.isInteger(args["burn-in"]) && args["burn-in"] >= 0, `--burn-in must be an integer ≥ 0, got ${args["burn-in"]}`);
    ensure(Number.isSafeInteger(args.seed), `--seed must be an integer, got ${args.seed}`);
    const { wavefunction } = loadModel(args.model);
    const chains = Math.min(args.chains, args.n);
    const perChain = Math.ceil(args.n / chains);
    const drawn = sampleChains(wavefunction.amplitude, { chains, samplesPerChain: perChain, burnIn: args["burn-in"], thin: args.thin }, new Rng(args.seed));
    const N = wavefunction.nVisible;
    // Interleave the chains (shot m from chain m mod C) so that any prefix mixes all chains.
    const samples = new Uint8Array(args.n * N);
    for (let m = 0; m < args.n; m++) {
      const c = m % chains, t = Math.floor(m / chains);
      samples.set(drawn.samples.subarray((c * perChain + t) * N, (c * perChain + t + 1) * N), m * N);
    }
    await writeMeasurements(args.out, {
      nShots: args.n, nQubits: N, samples, bases: null, psi: null,
      attributes: { source: "qst sample", model_file: args.model, N, seed: args.seed, chains, burn_in: args["burn-in"], thin: args.thin },
    });
    if (args.json) printJson({ out: args.out, shots: args.n, N });
    else process.stdout.write(`${args.n} shots of N = ${N} qubits written to ${args.out}\n`);
  }),
};
