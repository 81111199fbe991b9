/**
 * qst observe MODEL --observable energy,abs_magnetization --hamiltonian tfim --h 1 …
 *
 * Observables of a trained model from its Gibbs samples, each with an error bar that accounts for
 * autocorrelation, plus the diagnostics that say whether to believe it (τ, R̂, n_eff, warnings).
 * With --exact DATA the table also shows the exact value in the file's ground-truth psi and the
 * exact value in the model's own ψ_λ (enumerated, N ≤ 20): their difference is the reconstruction
 * bias, the estimate's distance from the latter is sampling error.
 */
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import {
  QstError,
  ensure,
  enumerateWaveFunction,
  type Estimate,
  fmtAbove,
  RHAT_THRESHOLD,
  MIN_CHAIN_LENGTH_IN_TAU,
  MODE_RHAT_THRESHOLD,
  estimateObservables,
  finiteShotEstimate,
  zeroVarianceEnergy,
  type ZeroVarianceEstimate,
  MAX_ENUMERATION_SITES,
  type Observable,
  OBSERVABLE_NAMES,
  parseObservable,
  stateExpectation,
  type StateVector,
  densityEstimatorView,
  densityExpectation,
  densityMatrixOf,
  type DensityMatrix,
  MAX_DENSITY_QUBITS,
  type Model,
  RENYI_OF_MIXED_STATE,
  purity,
  type WaveFunction,
} from "../../src/index.js";
import { readMeasurements } from "../../src/io/measurement-file.js";
import { isEnsembleFolder, loadEnsemble } from "../../src/io/ensemble.js";
import { loadAnyModel } from "../../src/io/model-file.js";
import { fmt, handler, parseSites, printJson } from "../common.js";
import { checkAtMost, checkDrawn, MAX_CHAINS } from "../limits.js";
import {
  type Description,
  describeModelSystem,
  resolveHamiltonian,
  resolveLattice,
  type SystemOptions,
} from "../system.js";
import {
  burnInJson,
  burnInOption,
  dataOptions,
  describeBurnIn,
  parseBurnIn,
  readOptionsFrom,
} from "./shared-options.js";

interface ObserveArgs extends SystemOptions {
  model: string;
  observable: string[];
  sites?: string;
  block?: string;
  samples: number;
  chains: number;
  "burn-in": string | number;
  thin: number;
  seed: number;
  tempering: "auto" | "on" | "off";
  exact?: string;
  json: boolean;
}

/** Help group of the Hamiltonian and lattice options: cli/system.ts fills in what they leave out. */
const SYSTEM = "Hamiltonian (default: the --exact file's attributes, else the model's data file's):";

export const observeCommand: CommandModule<object, ObserveArgs> = {
  command: "observe <model>",
  describe:
    "Estimate observables of a trained model from Gibbs samples, with autocorrelation-aware error bars, τ and R̂",
  builder: (y: Argv) =>
    burnInOption(dataOptions(y, true), "Sampling:")
      .positional("model", { type: "string", describe: "model file written by qst train", demandOption: true })
      .option("observable", {
        type: "string",
        array: true,
        demandOption: true,
        describe: `what to estimate (repeatable or comma-separated): ${OBSERVABLE_NAMES.join(", ")}`,
      })
      .option("hamiltonian", {
        type: "string",
        choices: ["tfim", "xxz", "heisenberg"],
        group: SYSTEM,
        describe: "Hamiltonian for 'energy': tfim (−J ΣZZ − h ΣX), xxz (J Σ XX+YY+ΔZZ), heisenberg (xxz with Δ = 1)",
      })
      .option("J", { type: "number", describe: "coupling J (else 1)", group: SYSTEM })
      .option("h", { type: "number", describe: "TFIM transverse field h", group: SYSTEM })
      .option("delta", { type: "number", describe: "XXZ anisotropy Δ", group: SYSTEM })
      .option("lattice", {
        type: "string",
        choices: ["chain", "square"],
        describe: "lattice of the Hamiltonian and of bond averages (zz, xx, yy)",
        group: SYSTEM,
      })
      .option("boundary", {
        type: "string",
        choices: ["open", "periodic"],
        describe: "boundary conditions (else open)",
        group: SYSTEM,
      })
      .option("Lx", { type: "number", describe: "square lattice width (else √N)", group: SYSTEM })
      .option("Ly", { type: "number", describe: "square lattice height (else N/Lx)", group: SYSTEM })
      .option("sites", {
        type: "string",
        describe: "sx/sy/sz: sites to average (default all); zz/xx/yy: the two sites i,j (default: average over bonds)",
      })
      .option("block", { type: "string", describe: "renyi2: block A, e.g. 0-4 or 0,2,3 (default the first half)" })
      .option("samples", {
        type: "number",
        default: 20000,
        describe: "total samples kept (split evenly over the chains)",
        group: "Sampling:",
      })
      .option("chains", {
        type: "number",
        default: 10,
        describe: "independent Gibbs chains (≥ 2 for R̂ between chains)",
        group: "Sampling:",
      })
      .option("thin", { type: "number", default: 1, describe: "sweeps between kept samples", group: "Sampling:" })
      .option("seed", { type: "number", default: 1, describe: "random seed", group: "Sampling:" })
      .option("tempering", {
        choices: ["auto", "on", "off"] as const,
        default: "auto" as const,
        group: "Sampling:",
        describe: `parallel tempering of the chains (on), none (off), or auto: drawn again tempered when plain chains do not mix (R̂ > ${MODE_RHAT_THRESHOLD}, or τ above 1/${MIN_CHAIN_LENGTH_IN_TAU} of a chain), as for GHZ-like or Heisenberg models`,
      })
      .option("exact", {
        type: "string",
        describe:
          "measurement file with ground-truth /psi: also show exact values in psi and in the model's ψ_λ (N ≤ 20); its layout options (--psi-path, …) are those of qst train",
      })
      .option("json", {
        type: "boolean",
        default: false,
        describe: "print the results as one JSON object on the last stdout line",
      }) as unknown as Argv<ObserveArgs>,
  handler: handler(async (args: ArgumentsCamelCase<ObserveArgs>) => {
    const int = (x: unknown, min: number, flag: string) =>
      ensure(
        typeof x === "number" && Number.isSafeInteger(x) && x >= min,
        `--${flag} must be an integer ≥ ${min}, got ${String(x)}`,
      );
    int(args.chains, 1, "chains");
    int(args.samples, 1, "samples");
    const burnIn = parseBurnIn(args["burn-in"]);
    int(args.thin, 1, "thin");
    ensure(Number.isSafeInteger(args.seed), `--seed must be an integer, got ${args.seed}`);
    const samplesPerChain = Math.ceil(args.samples / args.chains);
    ensure(
      samplesPerChain >= 4,
      `--samples ${args.samples} over --chains ${args.chains} leaves ${samplesPerChain} samples per chain; error bars and R̂ need at least 4`,
    );
    checkAtMost(args.chains, MAX_CHAINS, "--chains");

    // An ensemble folder (qst train --bootstrap): member 0, trained on all shots, is the model; the
    // half-sample members add the reconstruction's error (finiteShotEstimate, docs/trust.md).
    const ensemble = isEnsembleFolder(args.model) ? loadEnsemble(args.model) : null;
    const full = ensemble?.members.find((m) => m.index === 0);
    ensure(!ensemble || full, `${args.model}: member 0 (the model on all shots) is missing; train it with --member 0`);
    const { file: modelFile, model } = full
      ? { file: full.file, model: full.wavefunction as Model }
      : loadAnyModel(args.model);
    // A density model's local estimators average over ρ(σ, σ) and give tr(ρO) (src/nn/density.ts).
    const wf: WaveFunction = model.kind === "density" ? densityEstimatorView(model) : model;
    const N = wf.nVisible;
    checkDrawn(args.samples, N, "--samples");

    // Ground truth, if asked for, is read before the (possibly long) sampling so that a bad file fails fast.
    let truth: StateVector | null = null;
    let truthRho: DensityMatrix | null = null;
    let exactFile: Description | undefined;
    if (args.exact) {
      const data = await readMeasurements(args.exact, { ...readOptionsFrom(args), skipShots: true });
      ensure(data.psi || data.rho, `${args.exact}: has no ground truth (/psi or /rho), which --exact needs`);
      ensure(data.nQubits === N, `${args.exact}: has N = ${data.nQubits} qubits but the model ${args.model} has ${N}`);
      truth = data.psi;
      // a mixed /rho is the state that was measured; a pure one beside /psi is the same state as /psi
      truthRho = data.rho && (!data.psi || purity(data.rho) < 1 - 1e-9) ? data.rho : null;
      exactFile = { file: args.exact, attributes: data.attributes };
    }

    // Requested names, comma lists and repeats flattened, duplicates dropped (first one wins).
    const names = [
      ...new Set(
        args.observable
          .flatMap((s) => String(s).split(","))
          .map((s) => s.trim().toLowerCase())
          .filter(Boolean),
      ),
    ];
    ensure(names.length > 0, `--observable: name at least one of ${OBSERVABLE_NAMES.join(", ")}`);
    // The Hamiltonian and lattice are given or described (cli/system.ts), never assumed.
    const described = await describeModelSystem(modelFile, exactFile);
    const why = (key: string) => described.absent ?? `${described.file} has no '${key}' attribute`;
    const energy = names.includes("energy");
    const system = energy || args.hamiltonian ? resolveHamiltonian(args.model, N, args, described) : undefined;
    ensure(
      system || !energy,
      `${args.model}: observable 'energy' needs a Hamiltonian: give --hamiltonian tfim|xxz|heisenberg (${why("model")})`,
    );
    const hamiltonian = system?.hamiltonian;
    const lattice = system?.lattice ?? resolveLattice(args.model, N, args, described);
    const sites = parseSites(args.sites, "--sites");
    const block = parseSites(args.block, "--block");
    const bonds = names.filter((n) => ["zz", "xx", "yy"].includes(n));
    ensure(
      lattice || sites || bonds.length === 0,
      `${args.model}: observable '${bonds[0]}' averages over the lattice's bonds, ` +
        `which is not known: give --lattice chain|square or --sites i,j (${why("lattice")})`,
    );
    const observables: Observable[] = names.map((name) =>
      parseObservable(name, { nSites: N, hamiltonian, lattice, sites, block }),
    );
    ensure(
      model.kind !== "density" || observables.every((o) => o.kind !== "renyi2"),
      `${args.model}: holds a density model; ${RENYI_OF_MIXED_STATE}`,
    );

    const estimates = estimateObservables(wf, observables, {
      chains: args.chains,
      samplesPerChain,
      burnIn,
      thin: args.thin,
      seed: args.seed,
      tempering: tempering(args.tempering),
    });

    const halves = ensemble ? ensemble.members.filter((m) => m.index > 0) : [];
    ensure(
      !ensemble || halves.length >= 2,
      `${args.model}: ${halves.length} half-sample members are there; at least 2 are needed`,
    );
    const memberEstimates = halves.map((m) =>
      estimateObservables(m.wavefunction, observables, {
        chains: args.chains,
        samplesPerChain,
        burnIn,
        thin: args.thin,
        seed: args.seed + m.index,
        tempering: tempering(args.tempering),
      }),
    );
    // A half-sample member whose own chains are in doubt (R̂, τ, n_eff) makes the spread and bias
    // built from it doubtful too: its warnings go out with the reconstruction's error.
    const memberWarnings = observables.map((_, k) =>
      memberEstimates.flatMap((e, i) => e[k].warnings.map((w) => `half-sample member ${halves[i].index}: ${w}`)),
    );
    const withReconstruction = ensemble
      ? observables.map((_, k) =>
          finiteShotEstimate(
            { value: estimates[k].mean, error: estimates[k].stderr },
            memberEstimates.map((e) => e[k].mean),
          ),
        )
      : null;

    // The energy extrapolated to zero variance through the full and half-sample models (pure states:
    // the local estimator's variance is then ⟨H²⟩ − ⟨H⟩²), for data from an eigenstate of H.
    const kEnergy = names.indexOf("energy");
    const point = (e: Estimate) => ({
      energy: e.mean,
      energyError: e.stderr,
      variance: e.localVariance!.mean,
      varianceError: e.localVariance!.stderr,
    });
    // A fit that cannot be made (e.g. every model's variance is 0) leaves the other results standing.
    let zeroVariance: ZeroVarianceEstimate | undefined;
    let zeroVarianceFailure: string | undefined;
    if (ensemble && kEnergy >= 0 && model.kind !== "density") {
      try {
        zeroVariance = zeroVarianceEnergy([estimates[kEnergy], ...memberEstimates.map((e) => e[kEnergy])].map(point));
      } catch (e) {
        if (!(e instanceof QstError)) throw e;
        zeroVarianceFailure = `no extrapolation to zero variance: ${e.message}`;
      }
    }

    // Exact values: in the data's psi, and in the model's own normalised ψ_λ (enumerated once).
    let exactData: (number | undefined)[] = observables.map(() => undefined);
    let exactModel: (number | undefined)[] = observables.map(() => undefined);
    let modelNote: string | undefined;
    if (truth || truthRho) {
      // /rho rules when a file has both: it is the state that was measured.
      exactData = observables.map((o) =>
        truthRho ? densityExpectation(truthRho, N, o) : stateExpectation(truth!, N, o),
      );
      const limit = model.kind === "density" ? MAX_DENSITY_QUBITS : MAX_ENUMERATION_SITES;
      if (N > limit) modelNote = `the model's exact values need N ≤ ${limit} (N = ${N})`;
      else if (model.kind === "density") {
        const rhoModel = densityMatrixOf(model);
        exactModel = observables.map((o) => densityExpectation(rhoModel, N, o));
      } else {
        const psiModel = enumerateWaveFunction(model);
        exactModel = observables.map((o) => stateExpectation(psiModel, N, o));
      }
    }

    const result: Record<string, unknown> = {};
    names.forEach((name, k) => {
      const e = estimates[k];
      result[name] = {
        observable: e.name,
        mean: e.mean,
        stderr: e.stderr,
        tau: e.tau,
        rhat: e.rhat,
        nEffective: e.nEffective,
        nSamples: e.nSamples,
        nChains: e.nChains,
        warnings: e.warnings,
        stderrTau: e.stderrTau,
        stderrBetween: e.stderrBetween,
        stderrBinning: e.stderrBinning,
        ...(e.imagMean !== undefined ? { imagMean: e.imagMean, imagStderr: e.imagStderr } : {}),
        ...(e.swap ? { swapMean: e.swap.mean, swapStderr: e.swap.stderr } : {}),
        ...(observables[k].kind === "renyi2" ? { block: (observables[k] as { block: number[] }).block } : {}),
        ...(exactModel[k] !== undefined ? { exactModel: exactModel[k] } : {}),
        ...(exactData[k] !== undefined ? { exactData: exactData[k] } : {}),
        ...(name === "energy"
          ? {
              perSite: perSite(e.mean, e.stderr, exactModel[k], exactData[k], N),
              ...(model.kind !== "density" ? { energyVariance: e.localVariance } : {}),
              ...(zeroVariance ? { zeroVariance } : {}),
              ...(zeroVarianceFailure ? { zeroVarianceFailure } : {}),
            }
          : {}),
        ...(withReconstruction
          ? {
              total: withReconstruction[k].total,
              random: withReconstruction[k].random,
              bias: withReconstruction[k].bias,
              shift: withReconstruction[k].shift,
              halfSamples: withReconstruction[k].halfSamples,
              ...(memberWarnings[k].length ? { memberWarnings: memberWarnings[k] } : {}),
            }
          : {}),
      };
    });

    // Which chains the numbers came from, and why, so that a rerun with other options is comparable.
    const tempered = estimates[0].tempered === true;
    // a model confined to a magnetisation sector is sampled by exchange moves (src/sample/gibbs.ts)
    const sector = wf.amplitude.sector;
    result.sampler = tempered ? "tempered" : sector !== null ? "exchange" : "gibbs";
    if (sector !== null) result.sector = sector;
    result.burn_in = burnInJson(estimates[0].burnIn, burnIn);
    const autoNote =
      tempered && args.tempering === "auto"
        ? `the plain Gibbs chains did not mix (R̂ > ${MODE_RHAT_THRESHOLD}, τ > 1/${MIN_CHAIN_LENGTH_IN_TAU} of a chain, or no settling within the adaptive burn-in), so these estimates come from tempered chains (--tempering off to keep the plain ones)`
        : undefined;
    if (args.json) {
      if (autoNote) result.sampler_note = autoNote;
      printJson(result);
      return;
    }
    process.stdout.write(table(names, estimates, exactModel, exactData, truth !== null || truthRho !== null) + "\n");
    process.stdout.write(
      `${estimates[0].nSamples} samples = ${estimates[0].nChains} chains × ${samplesPerChain}, burn-in ${describeBurnIn(estimates[0].burnIn, burnIn)}, thin ${args.thin}, seed ${args.seed}` +
        (hamiltonian ? `; H = ${hamiltonian.name}` : "") +
        "\n",
    );
    if (modelNote) process.stdout.write(`(${modelNote})\n`);
    if (sector !== null)
      process.stdout.write(
        `(the model is confined to the magnetisation sector |v| = ${sector}: its chains move by exchange moves)\n`,
      );
    if (autoNote) process.stdout.write(`qst: ${autoNote}\n`);
    const k = names.indexOf("energy");
    if (k >= 0) {
      const p = perSite(estimates[k].mean, estimates[k].stderr, exactModel[k], exactData[k], N);
      process.stdout.write(
        `energy per site (N = ${N}): ${fmt(p.mean, 5)} ± ${fmt(p.stderr, 5)}` +
          (truth ? `, exact (model) ${fmt(p.exactModel, 5)}, exact (data) ${fmt(p.exactData, 5)}` : "") +
          "\n",
      );
      const v = estimates[k].localVariance;
      if (v && model.kind !== "density")
        process.stdout.write(
          `energy variance ⟨H²⟩ − ⟨H⟩² = ${fmt(v.mean, 5)} ± ${fmt(v.stderr, 5)} (0 in an eigenstate of H)\n`,
        );
    }
    if (withReconstruction) {
      process.stdout.write(
        `with the reconstruction's error (${halves.length} half-sample models${ensemble!.missing.length ? `; missing members ${ensemble!.missing.join(", ")}` : ""}):\n`,
      );
      names.forEach((name, k) => {
        const r = withReconstruction[k];
        process.stdout.write(
          `  ${name}: ${fmt(r.value, 5)} ± ${fmt(r.total, 5)} (random ${fmt(r.random, 5)}, sampling ${fmt(r.sampling, 5)}, finite-shot bias ≤ ${fmt(r.bias, 5)})\n`,
        );
      });
      if (zeroVariance)
        process.stdout.write(
          `  energy at zero variance, if the data come from an eigenstate of H: ${fmt(zeroVariance.value, 5)} ± ${fmt(zeroVariance.total, 5)} ` +
            `(dE/dσ² = ${fmt(zeroVariance.slope, 3)}, χ²/dof = ${fmt(zeroVariance.chi2 / zeroVariance.dof, 2)} over ${zeroVariance.points} models)\n`,
        );
    }
    for (let k = 0; k < names.length; k++) {
      const extra =
        k !== kEnergy
          ? []
          : zeroVarianceFailure
            ? [zeroVarianceFailure]
            : (zeroVariance?.warnings.map((w) => `zero-variance extrapolation: ${w}`) ?? []);
      for (const w of [...estimates[k].warnings, ...memberWarnings[k], ...extra])
        process.stdout.write(`warning: ${names[k]}: ${w}\n`);
    }
  }),
};

function tempering(choice: ObserveArgs["tempering"]): boolean | "auto" {
  return choice === "auto" ? "auto" : choice === "on";
}

function perSite(
  mean: number,
  stderr: number,
  exactModel: number | undefined,
  exactData: number | undefined,
  N: number,
) {
  const per = (x: number | undefined) => (x === undefined ? undefined : x / N);
  return { mean: mean / N, stderr: stderr / N, exactModel: per(exactModel), exactData: per(exactData) };
}

function table(
  names: string[],
  estimates: Estimate[],
  exactModel: (number | undefined)[],
  exactData: (number | undefined)[],
  withExact: boolean,
): string {
  const header = ["observable", "estimate ± stderr", "τ", "R̂", "n_eff"];
  if (withExact) header.push("exact (model)", "exact (data)");
  const rows = names.map((name, k) => {
    const e = estimates[k];
    const label = e.name !== name ? `${name} [${e.name}]` : name;
    const row = [
      label + (e.warnings.length ? " (!)" : ""),
      `${fmt(e.mean, 5)} ± ${fmt(e.stderr, 5)}`,
      e.tau.toFixed(2),
      fmtRhat(e.rhat),
      e.nEffective.toFixed(0),
    ];
    if (withExact) row.push(fmt(exactModel[k], 5), fmt(exactData[k], 5));
    return row;
  });
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((x, c) => (c === 0 ? x.padEnd(widths[c]) : x.padStart(widths[c]))).join("  ");
  return [line(header), ...rows.map(line)].join("\n");
}

function fmtRhat(r: number): string {
  // A flagged R̂ shows enough digits to read as above the threshold, like its warning.
  return !Number.isFinite(r) ? "∞" : r > RHAT_THRESHOLD ? fmtAbove(r, RHAT_THRESHOLD, 3) : r.toFixed(3);
}
