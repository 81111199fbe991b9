/** Density models with random parameters, for tests. */
import { Rng } from "../../src/core/rng.js";
import { DensityRbm } from "../../src/nn/density.js";

/** A purification RBM whose every parameter is scale · N(0, 1) from the seed. */
export function randomDensityModel(nV: number, nH: number, nA: number, seed: number, scale: number): DensityRbm {
  const m = new DensityRbm(nV, nH, nA);
  const rng = new Rng(seed);
  for (let k = 0; k < m.params.length; k++) m.params[k] = scale * rng.normal();
  return m;
}
