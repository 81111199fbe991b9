/** qst sample MODEL --n M --out FILE: Gibbs samples of |ψ_λ|² written in the measurement format. */
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import {
  autoBurnIn,
  burnInWarning,
  ensure,
  magnetizationConvergence,
  MODE_RHAT_THRESHOLD,
  Rng,
  sampleChains,
  sampleTempered,
} from "../../src/index.js";
import { writeMeasurements } from "../../src/io/measurement-file.js";
import { loadAnyModel } from "../../src/io/model-file.js";
import { handler, printJson } from "../common.js";
import { burnInJson, burnInOption, parseBurnIn } from "./shared-options.js";
import { checkAtMost, checkDrawn, MAX_CHAINS } from "../limits.js";
import { checkOutputs } from "../outputs.js";

interface SampleArgs {
  model: string;
  n: number;
  out: string;
  chains: number;
  "burn-in": string | number;
  thin: number;
  seed: number;
  tempering: "auto" | "on" | "off";
  json: boolean;
  force: boolean;
}

export const sampleCommand: CommandModule<object, SampleArgs> = {
  command: "sample <model>",
  describe: "Draw Z-basis shots from a trained model by block Gibbs sampling and write them as a measurement file",
  builder: (y: Argv) =>
    burnInOption(y)
      .positional("model", { type: "string", describe: "model file written by qst train", demandOption: true })
      .option("n", { type: "number", demandOption: true, describe: "number of shots to draw" })
      .option("out", { type: "string", demandOption: true, describe: "HDF5 file to write" })
      .option("chains", { type: "number", default: 100, describe: "independent Gibbs chains" })
      .option("thin", { type: "number", default: 2, describe: "sweeps between kept samples" })
      .option("seed", { type: "number", default: 1, describe: "random seed" })
      .option("tempering", {
        choices: ["auto", "on", "off"] as const,
        default: "auto" as const,
        describe: `parallel tempering of the chains (on), none (off), or auto: tempered again when plain chains disagree on M (R̂ > ${MODE_RHAT_THRESHOLD})`,
      })
      .option("force", { type: "boolean", default: false, describe: "replace an existing --out file" })
      .option("json", {
        type: "boolean",
        default: false,
        describe: "print a JSON summary as the last stdout line",
      }) as unknown as Argv<SampleArgs>,
  handler: handler(async (args: ArgumentsCamelCase<SampleArgs>) => {
    ensure(Number.isInteger(args.n) && args.n > 0, `--n must be a positive integer, got ${args.n}`);
    ensure(Number.isInteger(args.chains) && args.chains > 0, `--chains must be a positive integer, got ${args.chains}`);
    ensure(Number.isInteger(args.thin) && args.thin > 0, `--thin must be a positive integer, got ${args.thin}`);
    const burnIn = parseBurnIn(args["burn-in"]);
    ensure(Number.isSafeInteger(args.seed), `--seed must be an integer, got ${args.seed}`);
    checkAtMost(args.chains, MAX_CHAINS, "--chains");
    checkOutputs([{ path: args.out, flag: "--out" }], [{ path: args.model, what: "model file" }], {
      refuseExisting: !args.force,
      existingHint: "qst sample replaces a file only with --force",
    });
    // Z-basis shots: of |ψ|² for a wavefunction, of the diagonal ρ(σ, σ) for a density model; both are
    // the marginal of the amplitude RBM.
    const { model } = loadAnyModel(args.model);
    checkDrawn(args.n, model.nVisible, "--n");
    const chains = Math.min(args.chains, args.n);
    const perChain = Math.ceil(args.n / chains);
    const sampling = {
      chains,
      samplesPerChain: perChain,
      burnIn: burnIn === "auto" ? autoBurnIn() : burnIn,
      thin: args.thin,
    };
    let tempered = args.tempering === "on";
    let drawn = (tempered ? sampleTempered : sampleChains)(model.amplitude, sampling, new Rng(args.seed));
    let convergence = magnetizationConvergence(drawn);
    const canTemper = model.amplitude.sector === null; // a sector model's exchange chains are not tempered
    if ((!convergence.converged || drawn.burnIn?.converged === false) && args.tempering === "auto" && canTemper) {
      // chains stuck in different modes of |ψ|² (e.g. a GHZ model), or that never settle: draw again tempered
      const why = !convergence.converged
        ? `disagree on the magnetisation (R̂ = ${convergence.rhat.toFixed(2)})`
        : "did not settle within the burn-in's limit";
      process.stderr.write(`qst: the Gibbs chains ${why}: drawing again with parallel tempering\n`);
      tempered = true;
      drawn = sampleTempered(model.amplitude, sampling, new Rng(args.seed));
      convergence = magnetizationConvergence(drawn);
    }
    if (!convergence.converged) {
      process.stderr.write(
        `qst: warning: the chains have not converged (R̂ of the magnetisation = ${convergence.rhat.toFixed(2)} > ${MODE_RHAT_THRESHOLD}): ` +
          `the shots over-represent some modes of |ψ|²; use a larger --thin${tempered || !canTemper ? "" : " or --tempering on"}\n`,
      );
    }
    if (drawn.burnIn?.converged === false) process.stderr.write(`qst: warning: ${burnInWarning(drawn.burnIn)}\n`);
    const N = model.nVisible;
    // Interleave the chains (shot m from chain m mod C) so that any prefix mixes all chains.
    const samples = new Uint8Array(args.n * N);
    for (let m = 0; m < args.n; m++) {
      const c = m % chains,
        t = Math.floor(m / chains);
      samples.set(drawn.samples.subarray((c * perChain + t) * N, (c * perChain + t + 1) * N), m * N);
    }
    await writeMeasurements(args.out, {
      nShots: args.n,
      nQubits: N,
      samples,
      bases: null,
      psi: null,
      attributes: {
        source: "qst sample",
        model_kind: model.kind,
        model_file: args.model,
        N,
        seed: args.seed,
        chains,
        burn_in: drawn.burnIn?.sweeps ?? 0,
        burn_in_rule: String(burnIn),
        thin: args.thin,
        tempered: tempered ? 1 : 0,
      },
    });
    if (args.json)
      printJson({
        out: args.out,
        shots: args.n,
        N,
        tempered,
        rhat_magnetization: convergence.rhat,
        converged: convergence.converged,
        burn_in: burnInJson(drawn.burnIn, burnIn),
      });
    else process.stdout.write(`${args.n} shots of N = ${N} qubits written to ${args.out}\n`);
  }),
};
