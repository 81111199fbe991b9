/**
 * Exact evaluation of a trained wavefunction against a measurement file: fidelity with the
 * file's ground truth, KL divergence of the Born distributions, NLL of the shots.
 */
import { ensure } from "../core/errors.js";
import { checkExactSize, exactMetrics } from "../nn/enumeration.js";
import type { MeasurementData } from "../io/measurement-file.js";
import { PositiveWaveFunction, type WaveFunction } from "../nn/wavefunction.js";

export interface Evaluation {
  fidelity?: number;
  kl?: number;
  nll?: number;
  logZ?: number;
  [extra: string]: number | undefined;
}

/** Evaluators for model kinds other than the positive RBM (the complex model registers one). */
const evaluators: ((wf: WaveFunction, data: MeasurementData) => Evaluation | null)[] = [];

export function registerEvaluator(fn: (wf: WaveFunction, data: MeasurementData) => Evaluation | null): void {
  evaluators.push(fn);
}

export function evaluateModel(wf: WaveFunction, data: MeasurementData): Evaluation {
  checkExactSize(wf.nVisible, "an exact evaluation");
  ensure(data.nQubits === wf.nVisible, `${data.source}: has N = ${data.nQubits} qubits but the model has ${wf.nVisible}`);
  for (const evaluate of evaluators) {
    const result = evaluate(wf, data);
    if (result) return result;
  }
  ensure(wf instanceof PositiveWaveFunction, `no exact evaluation is available for this model kind`);
  const m = exactMetrics(wf.rbm, data.bases ? zBasisShots(data) : data.samples, data.psi);
  return { ...m };
}

/** The shots measured entirely in Z (the only ones a positive model's p_λ describes). */
export function zBasisShots(data: MeasurementData): Uint8Array {
  const N = data.nQubits, keep: number[] = [];
  for (let m = 0; m < data.nShots; m++) {
    let allZ = true;
    for (let i = 0; i < N && allZ; i++) allZ = data.bases![m * N + i] === 90;
    if (allZ) keep.push(m);
  }
  const out = new Uint8Array(keep.length * N);
  keep.forEach((m, r) => out.set(data.samples.subarray(m * N, (m + 1) * N), r * N));
  return out;
}
