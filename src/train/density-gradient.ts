/**
 * The NLL gradient of the purification RBM (src/nn/density.ts) for shots in rotated bases.
 *
 * A shot with outcome σ in basis b has probability ρ_b(σ, σ) = ρ̃_b(σ, σ)/Z, where
 * ρ̃_b(σ, σ) = Σ_{σ′σ″} U_b(σ, σ′) ρ̃(σ′, σ″) U_b(σ, σ″)* over the configurations that agree with σ
 * on the Z qubits (the rotated-shot table's terms) and Z = tr ρ̃. With the complex weights
 * w(σ′, σ″) = U(σ, σ′) ρ̃(σ′, σ″) U(σ, σ″)* / ρ̃_b(σ, σ), which sum to 1,
 *
 *   ∂ log ρ̃_b(σ, σ) = Re Σ w ∂ log ρ̃(σ′, σ″),     ∂ log Z = Σ_σ ρ(σ, σ) ∂ log ρ̃(σ, σ),
 *
 * so ∂NLL = −⟨∂ log ρ̃_b⟩_shots + ⟨∂ log ρ̃(σ, σ)⟩_{ρ(σ,σ)}. The diagonal ρ̃(σ, σ) is the marginal of
 * an RBM whose hidden layer is h and a together, so the model average can come from Gibbs chains as
 * for the pure models; here it is exact, by enumeration (small N).
 */
import { QstError } from "../core/errors.js";
import { type DensityRbm, logRhoGradient } from "../nn/density.js";
import type { RotatedShotTable } from "./rotated-gradient.js";

/**
 * grad += weight · Σ_shots (−∂ log ρ̃_b(σ, σ)) over shots[0..count); returns Σ weight · (−log ρ̃_b(σ, σ)).
 */
export function densityDataGradient(
  model: DensityRbm,
  table: RotatedShotTable,
  shots: ArrayLike<number>,
  count: number,
  weight: number,
  grad: Float64Array,
): number {
  const N = table.nQubits;
  const P = model.params.length;
  const gRe = new Float64Array(P);
  const gIm = new Float64Array(P);
  const acc = new Float64Array(P);
  // Shots that repeat a (basis, outcome) pair are evaluated once, with their summed weight.
  const pairWeight = new Map<number, number>();
  for (let r = 0; r < count; r++) {
    const p = table.pairOfShot[shots[r]];
    pairWeight.set(p, (pairWeight.get(p) ?? 0) + weight);
  }
  const config = (k: number) => table.configs.subarray(k * N, (k + 1) * N);
  let data = 0;
  for (const [p, w] of pairWeight) {
    const k0 = table.termStart[p];
    const n = table.termStart[p + 1] - k0;
    // log ρ̃ of every (σ′, σ″) of the pair, shifted by the largest real part so that nothing overflows.
    const logs: { re: number; im: number }[] = [];
    let max = -Infinity;
    for (let a = 0; a < n; a++) {
      for (let b = 0; b < n; b++) {
        const l = model.logRho(config(k0 + a), config(k0 + b));
        logs.push(l);
        if (l.re > max) max = l.re;
      }
    }
    // t = U_a U_b* ρ̃(a, b) e^{−max}; ρ̃_b = Σ t (real).
    const tRe = new Float64Array(n * n);
    const tIm = new Float64Array(n * n);
    let total = 0;
    for (let a = 0; a < n; a++) {
      for (let b = 0; b < n; b++) {
        const q = a * n + b;
        const ur = table.uRe[k0 + a] * table.uRe[k0 + b] + table.uIm[k0 + a] * table.uIm[k0 + b]; // U_a U_b*
        const ui = table.uIm[k0 + a] * table.uRe[k0 + b] - table.uRe[k0 + a] * table.uIm[k0 + b];
        const m = Math.exp(logs[q].re - max);
        const rr = m * Math.cos(logs[q].im);
        const ri = m * Math.sin(logs[q].im);
        tRe[q] = ur * rr - ui * ri;
        tIm[q] = ur * ri + ui * rr;
        total += tRe[q];
      }
    }
    if (!(total > 0)) {
      throw new QstError(`a shot in basis ${table.bases[table.basisOfPair[p]]} has zero probability under the model`);
    }
    acc.fill(0);
    for (let a = 0; a < n; a++) {
      for (let b = 0; b < n; b++) {
        const q = a * n + b;
        const wRe = tRe[q] / total;
        const wIm = tIm[q] / total;
        if (wRe === 0 && wIm === 0) continue;
        logRhoGradient(model, config(k0 + a), config(k0 + b), gRe, gIm);
        for (let k = 0; k < P; k++) acc[k] += wRe * gRe[k] - wIm * gIm[k];
      }
    }
    for (let k = 0; k < P; k++) grad[k] -= w * acc[k];
    data -= w * (Math.log(total) + max);
  }
  return data;
}

/** grad += weight · ⟨∂ log ρ̃(σ, σ)⟩_{ρ(σ,σ)} by enumerating the 2^N diagonal elements; returns log Z. */
export function addExactDensityModelAverage(model: DensityRbm, weight: number, grad: Float64Array): number {
  const N = model.nVisible,
    dim = 2 ** N,
    P = model.params.length;
  const logDiag = new Float64Array(dim);
  const configs = Array.from({ length: dim }, (_, s) =>
    Uint8Array.from({ length: N }, (_, i) => (s >>> (N - 1 - i)) & 1),
  );
  let max = -Infinity;
  for (let s = 0; s < dim; s++) {
    logDiag[s] = model.logRho(configs[s], configs[s]).re;
    if (logDiag[s] > max) max = logDiag[s];
  }
  let z = 0;
  for (let s = 0; s < dim; s++) z += Math.exp(logDiag[s] - max);
  const gRe = new Float64Array(P),
    gIm = new Float64Array(P);
  for (let s = 0; s < dim; s++) {
    const p = Math.exp(logDiag[s] - max) / z;
    logRhoGradient(model, configs[s], configs[s], gRe, gIm);
    for (let k = 0; k < P; k++) grad[k] += weight * p * gRe[k];
  }
  return Math.log(z) + max;
}
