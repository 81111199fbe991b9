/**
 * qst's public API: what a physicist scripts with. Load measurements, build and train an RBM
 * wavefunction with a driver and callbacks, estimate observables with honest error bars, and
 * check against exact ground truth. docs/api.md walks through a complete program; examples/ has
 * runnable ones.
 *
 * The layers below (src/core, physics, kernels, nn, sample, train, estimate, io) are internal:
 * import from "qst" only.
 */

// core
export { QstError, ensure, escapeControl } from "./core/errors.js";
export { Rng } from "./core/rng.js";
/** Atomic file writes; removePendingTemporaries is for programs that exit early (removes unfinished ones). */
export { removePendingTemporaries, writeAtomicSync } from "./core/atomic.js";

// physics: lattices, Hamiltonians, ground states, bases, simulated measurements, exact observables
export { chain, square, fromEdges, tfim, xxz, heisenberg } from "./physics/hamiltonians.js";
export type { Lattice, Hamiltonian, PauliTerm, Pauli, Boundary } from "./physics/hamiltonians.js";
export { groundState, type GroundState, type GroundStateOptions } from "./physics/groundstate.js";
export { rotateToBasis, checkBasis, basisOfShot, torlaiBases, BASIS_CODES } from "./physics/bases.js";
export {
  sampleMeasurements,
  memoryShotSource,
  type BasisSet,
  type MeasurementData,
  type MeasurementOptions,
  type Shots,
  type ShotSource,
} from "./physics/measurements.js";
export { parts, isComplexVector, type ComplexVector, type StateVector } from "./core/state-vector.js";
export {
  generateDataset,
  generateMixedDataset,
  buildModel,
  ghzState,
  wState,
  type Dataset,
  type GenerateOptions,
  type MixedDataset,
  type ModelName,
} from "./physics/generate.js";
/** Exact observables of a state vector: energy, magnetisation, correlations, entropies. */
export * as exact from "./physics/states.js";
/** Density matrices: noise channels, fidelity, trace distance, purity, basis probabilities. */
export {
  MAX_DENSITY_QUBITS,
  basisProbabilities,
  depolarise,
  depolariseEachQubit,
  hermitianEigenvalues,
  mixtureAverage,
  pureDensityMatrix,
  purity,
  traceDistance,
  uhlmannFidelity,
  type DensityMatrix,
} from "./physics/density-matrix.js";

// nn: the wavefunction family and exact enumeration
export { RBM } from "./nn/rbm.js";
export { RbmWaveFunction, type WaveFunction, type WaveFunctionKind } from "./nn/wavefunction.js";
export { createModel, type Model, type ModelKind } from "./nn/model.js";
export { DensityRbm, densityEstimatorView, densityMatrixOf } from "./nn/density.js";
export {
  stateVector,
  rotatedAmplitudes,
  logPartitionFunction,
  logProbabilities,
  MAX_EXACT_QUBITS,
} from "./nn/enumeration.js";

// sample
export { GibbsSampler, sampleChains, type ChainSamples, type SampleOptions } from "./sample/gibbs.js";

// train: the driver, its options and callbacks
export {
  Driver,
  driverFor,
  TrainingDivergedError,
  type Callback,
  type DriverState,
  type EpochRecord,
  type RunEnd,
  type RunResult,
} from "./train/driver.js";
export {
  resolveOptions,
  DEFAULTS,
  COMPLEX_DEFAULTS,
  DENSITY_DEFAULTS,
  MAX_EXACT_NEGATIVE_PHASE_QUBITS,
  MIN_CYCLE_UPDATES,
  EXACT_NEGATIVE_PHASE_AUTO_MAX,
  type TrainOptions,
  type TrainOptionsInput,
  type NegativePhase,
} from "./train/options.js";
export {
  EvaluateEvery,
  StopAfter,
  StopOnSignals,
  KeepBest,
  EarlyStopping,
  MixingAlarm,
  LikelihoodWatch,
  finiteValues,
  NLL_ESCAPE,
} from "./train/callbacks.js";
export {
  ZBasisShots,
  anotherCycle,
  cyclesConverged,
  CYCLE_NLL_TOLERANCE,
  MIN_CYCLES,
  MAX_CYCLES,
  LIKELIHOOD_WATCH_MAX_QUBITS,
} from "./train/cycles.js";
export { TemperedChains, sampleTempered, type TemperingState } from "./sample/tempering.js";
export { hammingWeight, inSector, randomSectorState } from "./nn/sector.js";
export { ExchangeMoves } from "./sample/exchange.js";
export {
  AUTO_BURN_IN_DEFAULTS,
  autoBurnIn,
  magnetizationConvergence,
  MODE_RHAT_THRESHOLD,
  type AutoBurnInOptions,
  type ChainConvergence,
} from "./estimate/convergence.js";
export type { AdaptiveBurnIn, BurnIn, BurnInDecision, BurnInReport } from "./sample/burn-in.js";
export type { MixingSummary } from "./train/mixing.js";
export type { NegativePhaseReport } from "./train/model-average.js";
export { ShotBlocks, holdOut, bootstrapShots, bootstrapMember, halfSampleMember, memberSeeds } from "./train/shots.js";

// estimate: observables with error bars, statistics, exact metrics
export {
  estimateObservables,
  estimateObservable,
  mixesPoorly,
  burnInWarning,
  exactExpectation,
  stateExpectation,
  densityExpectation,
  RENYI_OF_MIXED_STATE,
  parseObservable,
  enumerateWaveFunction,
  OBSERVABLE_NAMES,
  MAX_ENUMERATION_SITES,
  energy,
  magnetization,
  absMagnetization,
  sigmaX,
  sigmaY,
  sigmaZ,
  correlation,
  bondAverage,
  siteAverage,
  pauliString,
  renyi2,
  type Estimate,
  type Observable,
  type EstimationOptions,
} from "./estimate/observables.js";
export {
  fmtAbove,
  summarize,
  RHAT_THRESHOLD,
  MIN_CHAIN_LENGTH_IN_TAU,
  type Summary,
} from "./estimate/statistics.js";
export {
  exactMetrics,
  evaluateModel,
  groupShotsByBasis,
  heldOutNll,
  impossibleMetric,
  type Metrics,
} from "./estimate/metrics.js";
export { densityMetrics, metricsOfDensity, type DensityTruth } from "./estimate/density-metrics.js";
export {
  aisLogPartitionFunction,
  logZEstimate,
  AUTO_EXACT_LOGZ_QUBITS,
  baseRatesFromShots,
  type AisOptions,
  type LogZEstimate,
} from "./estimate/ais.js";
export { fidelityEstimate, type FidelityEstimate, type FidelityOptions } from "./estimate/fidelity.js";
export {
  combineMembers,
  finiteShotEstimate,
  zeroVarianceEnergy,
  type EnsembleEstimate,
  type FiniteShotEstimate,
  type VariancePoint,
  type ZeroVarianceEstimate,
} from "./estimate/ensemble.js";

// io: measurement files, model files, training logs and checkpoints, plots
export {
  readMeasurements,
  writeMeasurements,
  openMeasurementStream,
  type ReadOptions,
} from "./io/measurement-file.js";
export {
  loadAnyModel,
  loadModel,
  modelOf,
  readModelFile,
  saveModelFile,
  modelFile,
  wavefunctionOf,
  type ModelFile,
} from "./io/model-file.js";
export { JsonlLog, Checkpointer } from "./io/training-files.js";
export {
  loadEnsemble,
  readManifest,
  writeManifest,
  memberFileName,
  isEnsembleFolder,
  type EnsembleManifest,
} from "./io/ensemble.js";
export { plotTrainingLog, plotObservableSweep, writePlot, type PlotSpec } from "./io/plot.js";
