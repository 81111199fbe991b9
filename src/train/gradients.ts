/**
 * The NLL gradient of a mini-batch, ∂NLL/∂λ = ⟨∂F/∂λ⟩_data − ⟨∂F/∂λ⟩_model: the data term exact over
 * the batch, the model term from a ModelAverage. One interface, two data terms:
 *   - ZBasisGradient: a positive model on Z-basis shots. Float64 WebAssembly SIMD
 *     (src/kernels/gradient.ts), which takes the chains' rows in the same pass as the batch's;
 *   - RotatedGradient: any model on shots in rotated bases (src/train/rotated-gradient.ts), the
 *     amplitude and phase parts at once;
 *   - DensityGradient: the purification RBM (src/train/density-gradient.ts), whose diagonal is the
 *     marginal of its amplitude RBM, so the model term is the same ModelAverage.
 */
import { gradientWorkspace } from "../kernels/gradient.js";
import type { DensityRbm } from "../nn/density.js";
import type { Model } from "../nn/model.js";
import type { RbmWaveFunction } from "../nn/wavefunction.js";
import { densityDataGradient } from "./density-gradient.js";
import type { ModelAverage } from "./model-average.js";
import { RotatedDataGradient, type RotatedShotTable, buildRotatedShotTable } from "./rotated-gradient.js";
import type { ShotBlock } from "./shots.js";

export interface DataGradient {
  /**
   * grad ← ∂NLL/∂params (layout of the wavefunction's params) for the shots batch[0..count) of the
   * block this gradient was made for, with the model term from `average`.
   */
  compute(batch: Uint32Array, count: number, average: ModelAverage, grad: Float64Array): void;
}

/** The data gradient of `model` on one block of shots. */
export function dataGradient(model: Model, block: ShotBlock): DataGradient {
  if (model.kind === "density") return new DensityGradient(model, block);
  if (!model.phase && !block.bases) return new ZBasisGradient(model, block.samples);
  return new RotatedGradient(model, block);
}

const NO_CHAINS = new Uint8Array(0);

class ZBasisGradient implements DataGradient {
  constructor(
    private readonly wf: RbmWaveFunction,
    private readonly samples: Uint8Array,
  ) {}

  compute(batch: Uint32Array, count: number, average: ModelAverage, grad: Float64Array): void {
    const rbm = this.wf.amplitude;
    const chains = average.samples();
    if (chains) {
      gradientWorkspace(rbm, count + chains.count).compute(
        rbm,
        this.samples,
        batch,
        count,
        chains.visible,
        chains.count,
        grad,
      );
    } else {
      gradientWorkspace(rbm, count).compute(rbm, this.samples, batch, count, NO_CHAINS, 0, grad);
      average.addTo(-1, grad);
    }
  }
}

class RotatedGradient implements DataGradient {
  private readonly data: RotatedDataGradient;

  constructor(
    private readonly wf: RbmWaveFunction,
    block: ShotBlock,
  ) {
    if (!wf.phase) {
      throw new Error("a positive wavefunction cannot learn from rotated-basis shots (it has no phase)");
    }
    this.data = new RotatedDataGradient(
      wf.amplitude,
      wf.phase,
      buildRotatedShotTable(block.samples, block.bases, wf.nVisible, wf.amplitude.sector),
    );
  }

  compute(batch: Uint32Array, count: number, average: ModelAverage, grad: Float64Array): void {
    grad.fill(0);
    // The exact average shares the λ enumeration with the data term (accumulateByEnumeration).
    if (!average.samples()) this.data.accumulateByEnumeration(batch, count, 1 / count, grad, -1);
    else {
      this.data.accumulate(batch, count, 1 / count, grad);
      average.addTo(-1, grad.subarray(0, this.wf.amplitude.params.length));
    }
  }
}

class DensityGradient implements DataGradient {
  private readonly table: RotatedShotTable;

  constructor(
    private readonly model: DensityRbm,
    block: ShotBlock,
  ) {
    this.table = buildRotatedShotTable(block.samples, block.bases, model.nVisible);
  }

  compute(batch: Uint32Array, count: number, average: ModelAverage, grad: Float64Array): void {
    grad.fill(0);
    densityDataGradient(this.model, this.table, batch, count, 1 / count, grad);
    // ∂ log tr ρ̃ = ⟨∂ log ρ̃(σ, σ)⟩ = −⟨∂F_λ⟩ of the amplitude RBM, whose parameters lead the vector.
    average.addTo(-1, grad.subarray(0, this.model.amplitude.params.length));
  }
}
