/**
 * The family of models qst trains: the positive and complex RBM wavefunctions (pure states,
 * src/nn/wavefunction.ts) and the purification RBM (mixed states, src/nn/density.ts). All three keep
 * their parameters in one vector and have an amplitude RBM whose marginal is the Z-basis
 * distribution, which is all the training driver's negative phase needs.
 */
import { QstError } from "../core/errors.js";
import { DensityRbm } from "./density.js";
import { RbmWaveFunction } from "./wavefunction.js";

export type ModelKind = "positive" | "complex" | "density";

export type Model = RbmWaveFunction | DensityRbm;

/** Hidden units of each part: nHiddenPhase for the complex model, nAux for the density model. */
export interface ModelSizes {
  nHidden: number;
  nHiddenPhase?: number;
  nAux?: number;
}

/** A zero-parameter model of `kind` on N visible units. */
export function createModel(kind: ModelKind, nVisible: number, sizes: ModelSizes): Model {
  switch (kind) {
    case "positive":
      return new RbmWaveFunction(nVisible, sizes.nHidden, null);
    case "complex":
      return new RbmWaveFunction(nVisible, sizes.nHidden, sizes.nHiddenPhase ?? sizes.nHidden);
    case "density":
      return new DensityRbm(nVisible, sizes.nHidden, sizes.nAux ?? nVisible);
    default:
      throw new QstError(`unknown model kind '${String(kind)}' (positive, complex or density)`);
  }
}
