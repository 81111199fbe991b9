/**
 * Exact metrics of a density model (src/nn/density.ts) by forming its ρ (N ≤ MAX_DENSITY_QUBITS):
 * log tr ρ̃, the NLL of the shots (each in its own basis), and, against a ground truth, the Uhlmann
 * fidelity F = (tr √(√ρ σ √ρ))², the trace distance ½ tr|ρ − σ|, both purities and the KL divergence
 * of the basis distributions, Σ_b f_b KL(σ_b ‖ ρ_b) with f_b the share of the shots in basis b
 * (the Z basis alone when there are no shots), as for the pure models (src/estimate/metrics.ts).
 *
 * The ground truth is a density matrix (/rho) or a pure state (/psi: σ = |ψ⟩⟨ψ|, and then
 * F = ⟨ψ|ρ|ψ⟩). A pure model against a mixed truth gets the same metrics through its |ψ⟩⟨ψ|.
 */
import { ensure } from "../core/errors.js";
import { parts, type StateVector } from "../core/state-vector.js";
import { densityMatrixOf, type DensityRbm } from "../nn/density.js";
import { indexOf, logPartitionFunction, stateVector } from "../nn/enumeration.js";
import type { RbmWaveFunction } from "../nn/wavefunction.js";
import {
  basisProbabilities,
  type DensityMatrix,
  MAX_DENSITY_QUBITS,
  pureDensityMatrix,
  purity,
  traceDistance,
  uhlmannFidelity,
} from "../physics/density-matrix.js";
import type { Metrics } from "./metrics.js";
import { forEachBlock, groupShotsByBasis, type Shots, shotCount } from "./shot-groups.js";

/** The ground truth a density metric compares with. */
export interface DensityTruth {
  rho?: DensityMatrix | null;
  psi?: StateVector | null;
}

/** Metrics of a normalised model ρ (log tr ρ̃ given) against shots and a truth. */
export function metricsOfDensity(rho: DensityMatrix, logZ: number, shots: Shots | null, truth: DensityTruth): Metrics {
  const N = Math.round(Math.log2(rho.dim));
  const out: Metrics = { logZ, nll: Number.NaN, purity: purity(rho) };
  const target = truth.rho ?? (truth.psi ? pureDensityMatrix(truth.psi) : null);
  if (target) {
    ensure(target.dim === rho.dim, `the ground truth is ${target.dim} × ${target.dim} but the model needs 2^${N}`);
    // Against a pure state F = ⟨ψ|ρ|ψ⟩ exactly, in O(4^N) instead of two diagonalisations.
    out.fidelity = !truth.rho && truth.psi ? expectationIn(truth.psi, rho) : uhlmannFidelity(target, rho);
    out.trace_distance = traceDistance(target, rho);
    out.purity_true = purity(target);
  }
  const M = shots ? shotCount(shots) : 0;
  const count = new Map<string, number>();
  const probabilities = new Map<string, Float64Array>();
  const inBasis = (basis: string) => {
    const cached = probabilities.get(basis);
    if (cached) return cached;
    const p = basisProbabilities(rho, basis);
    probabilities.set(basis, p);
    return p;
  };
  if (shots && M > 0) {
    let nll = 0;
    forEachBlock(shots, (samples, bases, rows) => {
      for (const { basis, shots: members } of groupShotsByBasis(bases, rows, N)) {
        count.set(basis, (count.get(basis) ?? 0) + members.length);
        const p = inBasis(basis);
        for (const m of members) nll -= Math.log(p[indexOf(samples, N, m * N)]);
      }
    });
    out.nll = nll / M;
  }
  if (target) {
    let kl = 0;
    for (const [basis, n] of M > 0 ? count : new Map([["Z".repeat(N), 1]])) {
      const q = basisProbabilities(target, basis),
        p = inBasis(basis);
      let d = 0;
      for (let k = 0; k < q.length; k++) if (q[k] > 0) d += q[k] * (Math.log(q[k]) - Math.log(p[k]));
      kl += (M > 0 ? n / M : 1) * d;
    }
    out.kl = kl;
  }
  return out;
}

/** ⟨ψ|ρ|ψ⟩ (real for Hermitian ρ). */
function expectationIn(psi: StateVector, rho: DensityMatrix): number {
  const { re, im } = parts(psi);
  const d = rho.dim;
  let f = 0;
  for (let a = 0; a < d; a++) {
    const ar = re[a],
      ai = im ? im[a] : 0;
    // (ρψ)_a, then Re ψ_a* (ρψ)_a
    let xr = 0,
      xi = 0;
    for (let b = 0; b < d; b++) {
      const br = re[b],
        bi = im ? im[b] : 0,
        rr = rho.re[a * d + b],
        ri = rho.im[a * d + b];
      xr += rr * br - ri * bi;
      xi += rr * bi + ri * br;
    }
    f += ar * xr + ai * xi;
  }
  return f;
}

function checkSize(N: number): void {
  ensure(
    N <= MAX_DENSITY_QUBITS,
    `density-matrix metrics form 2^N × 2^N matrices; N = ${N} is above the limit of ${MAX_DENSITY_QUBITS}`,
  );
}

/** The exact metrics of a density model. */
export function densityMetrics(model: DensityRbm, shots: Shots | null, truth: DensityTruth): Metrics {
  checkSize(model.nVisible);
  const rho = densityMatrixOf(model);
  // log tr ρ̃ = log Σ_σ e^{−F_λ(σ)}: the amplitude RBM's log Z.
  return metricsOfDensity(rho, logPartitionFunction(model.amplitude), shots, truth);
}

/** A pure model's metrics against a mixed truth, through ρ = |ψ⟩⟨ψ|. */
export function pureModelAgainstDensity(wf: RbmWaveFunction, shots: Shots | null, rho: DensityMatrix): Metrics {
  checkSize(wf.nVisible);
  const psi = stateVector(wf);
  return metricsOfDensity(pureDensityMatrix(psi), psi.logZ, shots, { rho });
}
