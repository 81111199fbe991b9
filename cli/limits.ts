/**
 * Sizes the command line accepts, checked before any work (docs/robustness.md lists them): beyond
 * them memory runs out somewhere deep inside, with an internal error instead of a message.
 */
import { QstError } from "../src/index.js";
import { MAX_LOAD_BYTES } from "../src/io/measurement-file.js";
import { MAX_MODEL_PARAMETERS } from "../src/io/model-file.js";

/** Most hidden units of an RBM (and N × hidden ≤ MAX_MODEL_PARAMETERS). */
export const MAX_HIDDEN = 65536;
/** Most Gibbs chains (training, sample, observe). */
export const MAX_CHAINS = 65536;
/** From this N on, density-matrix metrics (a density model, or a /rho truth) take tens of seconds each. */
export const SLOW_DENSITY_METRICS_QUBITS = 9;
/** Most 0/1 values drawn at once by qst sample and observe (samples × N): what qst loads whole. */
export const MAX_DRAWN_VALUES = MAX_LOAD_BYTES;

/** Refuses a count above its limit, naming the option, the value and the limit. */
export function checkAtMost(value: number | undefined, max: number, flag: string, why = ""): void {
  if (value !== undefined && Number.isFinite(value) && value > max) {
    throw new QstError(`${flag} ${value} is more than qst takes (${max})${why ? `: ${why}` : ""}`);
  }
}

/** --hidden and --chains of a model with N visible units. */
export function checkModelSize(nVisible: number, hidden: number | undefined, chains: number | undefined): void {
  checkAtMost(hidden, MAX_HIDDEN, "--hidden");
  if (hidden !== undefined && nVisible * hidden > MAX_MODEL_PARAMETERS) {
    throw new QstError(
      `--hidden ${hidden} with N = ${nVisible} qubits gives ${nVisible * hidden} weights, ` +
        `more than qst handles (${MAX_MODEL_PARAMETERS})`,
    );
  }
  checkAtMost(chains, MAX_CHAINS, "--chains");
}

/** Samples × N values to hold in memory at once. */
export function checkDrawn(samples: number, nVisible: number, flag: string): void {
  if (samples * nVisible > MAX_DRAWN_VALUES) {
    throw new QstError(
      `${flag} ${samples} shots of N = ${nVisible} qubits is more than qst draws at once ` +
        `(${MAX_DRAWN_VALUES} values, 1 GiB); split the run`,
    );
  }
}
