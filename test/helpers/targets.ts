/** Small target states with exactly known amplitudes, and exact shots from them. */
import { logProbabilities } from "../../src/nn/enumeration.js";
import { writeMeasurements } from "../../src/io/measurement-file.js";
import { RBM } from "../../src/nn/rbm.js";
import { Rng } from "../../src/core/rng.js";

/** A positive state ψ = sqrt(p) of a random RBM: exactly representable, so training can reach F ≈ 1. */
export function randomRbmState(n: number, seed: number, scale = 1.0): Float64Array {
  const rng = new Rng(seed);
  const rbm = RBM.random(n, n, rng, scale);
  for (let i = 0; i < n; i++) rbm.visibleBias[i] = 0.5 * rng.normal();
  return logProbabilities(rbm).map((lp) => Math.exp(0.5 * lp));
}

/** M exact shots of |ψ|² in the Z basis (inverse-CDF sampling). */
export function exactShots(psi: Float64Array, n: number, shots: number, seed: number): Uint8Array {
  const rng = new Rng(seed);
  const cdf = new Float64Array(psi.length);
  let acc = 0;
  for (let k = 0; k < psi.length; k++) {
    acc += psi[k] * psi[k];
    cdf[k] = acc;
  }
  const out = new Uint8Array(shots * n);
  for (let m = 0; m < shots; m++) {
    const u = rng.uniform53() * acc;
    let lo = 0,
      hi = psi.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] > u) hi = mid;
      else lo = mid + 1;
    }
    for (let i = 0; i < n; i++) out[m * n + i] = (lo >>> (n - 1 - i)) & 1;
  }
  return out;
}

/** Writes a measurement file with shots and ground truth of a random-RBM state. */
export async function writeTargetFile(file: string, n: number, shots: number, seed: number): Promise<Float64Array> {
  const psi = randomRbmState(n, seed);
  await writeMeasurements(file, {
    nShots: shots,
    nQubits: n,
    samples: exactShots(psi, n, shots, seed + 1),
    bases: null,
    psi: psi,
    attributes: { model: "random-rbm", N: n },
  });
  return psi;
}
