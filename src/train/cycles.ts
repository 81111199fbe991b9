/**
 * Training until the fit has converged: the learning-rate schedule's cycle (options.epochs, cosine
 * by default) is run again from its top, a warm restart (Loshchilov & Hutter, SGDR, ICLR 2017),
 * while the exact negative log-likelihood of the Z-basis shots still falls by more than
 * CYCLE_NLL_TOLERANCE over a cycle (at least MIN_CYCLES, at most MAX_CYCLES).
 *
 * Why: one cycle of the default length fits most states, but not all. Measured on the W state
 * N = 10 (10⁴ shots, defaults): F = 0.970 after one cycle of 50 epochs, 0.989 after two, 0.992 after
 * three, 0.994 after four, with the NLL falling 0.019, 0.004 and 0.002 nats per shot from cycle to
 * cycle; on the TFIM chain at h = 1 the second cycle changes the NLL by 10⁻⁴ and F not at all
 * (docs/training.md). The NLL of the training shots needs no ground truth, so the same rule holds
 * for experimental data; log Z is enumerated, hence N ≤ LIKELIHOOD_WATCH_MAX_QUBITS.
 *
 * The NLL is that of the Z-basis shots under the amplitude RBM: for the complex model it judges the
 * amplitude only, so the rule is offered for the positive model (where it is the whole cost).
 */
import { logPartitionFunction } from "../nn/enumeration.js";
import type { RBM } from "../nn/rbm.js";
import { isZBasisRow } from "./shots.js";

/** Largest N whose Z-basis NLL is computed exactly (log Z over 2^N configurations). */
export const LIKELIHOOD_WATCH_MAX_QUBITS = 20;

/**
 * A cycle that lowers the NLL by more than this (nats per shot) is followed by another. The NLL is
 * the entropy plus KL(p‖p_λ) (in expectation), and for a positive state 1 − F ≤ KL (F = BC²,
 * 1 − BC ≤ KL/2), so a cycle that lowers the NLL by less than this can raise F by about as much at
 * most. It is above the scatter of the NLL at the end of a cycle once converged (±6·10⁻⁴ on the TFIM
 * chain at h = 1).
 */
export const CYCLE_NLL_TOLERANCE = 2e-3;
/** Every run that trains until converged has at least two cycles: the second one is the test. */
export const MIN_CYCLES = 2;
/** And at most this many; a fit still improving at the last one is reported as not converged. */
export const MAX_CYCLES = 4;

/** The Z-basis shots of a measurement set, and their NLL under an RBM (log Z by enumeration). */
export class ZBasisShots {
  readonly count: number;
  private readonly shots: Uint8Array;

  constructor(
    samples: Uint8Array,
    bases: Uint8Array | null,
    readonly nQubits: number,
  ) {
    const rows: number[] = [];
    const n = samples.length / nQubits;
    for (let m = 0; m < n; m++) if (!bases || isZBasisRow(bases, m * nQubits, nQubits)) rows.push(m);
    this.count = rows.length;
    this.shots = new Uint8Array(rows.length * nQubits);
    for (let k = 0; k < rows.length; k++)
      this.shots.set(samples.subarray(rows[k] * nQubits, (rows[k] + 1) * nQubits), k * nQubits);
  }

  /** Whether the NLL can be computed: Z-basis shots, and N small enough to enumerate. */
  get exact(): boolean {
    return this.count > 0 && this.nQubits <= LIKELIHOOD_WATCH_MAX_QUBITS;
  }

  /** −(1/M) Σ log p_λ(v) over the Z-basis shots, p_λ(v) = e^{−F(v)}/Z (nats per shot). */
  nll(rbm: RBM): number {
    const N = this.nQubits,
      scratch = new Float64Array(rbm.nHidden);
    let sum = 0;
    for (let k = 0; k < this.count; k++) sum += rbm.freeEnergy(this.shots, k * N, scratch);
    return sum / this.count + logPartitionFunction(rbm);
  }
}

/**
 * Whether another cycle follows, given the NLL at the end of each cycle so far (in order): until
 * MIN_CYCLES, always; then while the last cycle lowered the NLL by more than CYCLE_NLL_TOLERANCE, up
 * to MAX_CYCLES.
 */
export function anotherCycle(cycleNll: readonly number[]): boolean {
  const n = cycleNll.length;
  if (n < MIN_CYCLES) return true;
  if (n >= MAX_CYCLES) return false;
  return cycleNll[n - 2] - cycleNll[n - 1] > CYCLE_NLL_TOLERANCE;
}

/** Whether the fit converged: the last cycle lowered the NLL by at most CYCLE_NLL_TOLERANCE. */
export function cyclesConverged(cycleNll: readonly number[]): boolean {
  const n = cycleNll.length;
  return n >= 2 && cycleNll[n - 2] - cycleNll[n - 1] <= CYCLE_NLL_TOLERANCE;
}
