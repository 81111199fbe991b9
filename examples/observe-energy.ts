/**
 * Observables of a trained model with honest error bars, beside the exact values: train on the
 * shipped TFIM chain, then estimate the energy and ⟨|M|⟩ from Gibbs samples (τ_int, R̂ and the
 * standard error that accounts for autocorrelation) and compare with the model's own exact value
 * (sampling error alone) and with the ground truth (sampling error and reconstruction bias).
 *
 *   npm run build && node dist/examples/observe-energy.js [DATA.h5]
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  absMagnetization,
  buildModel,
  driverFor,
  energy,
  estimateObservables,
  exactExpectation,
  readMeasurements,
  stateExpectation,
} from "qst";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const data = await readMeasurements(process.argv[2] ?? path.join(root, "datasets/tfim_chain_N10_h1.h5"));
const N = data.nQubits;
const driver = driverFor(data, { seed: 3 });
await driver.run();

// The Hamiltonian the file describes: its attributes name the model, lattice and couplings. Nothing
// is assumed where they are silent.
const { model, lattice, boundary, J, h } = data.attributes;
if (
  model !== "tfim" ||
  typeof h !== "number" ||
  typeof J !== "number" ||
  lattice !== "chain" ||
  (boundary !== "open" && boundary !== "periodic")
) {
  throw new Error(
    `${data.source}: this example needs a TFIM chain file with the attributes model, lattice, boundary, J and h`,
  );
}
const { hamiltonian } = buildModel({ model, N, h, J, lattice, boundary });
const observables = [energy(hamiltonian), absMagnetization()];
const estimates = estimateObservables(driver.model, observables, {
  chains: 20,
  samplesPerChain: 2000,
  burnIn: 200,
  thin: 1,
  seed: 5,
});
for (const [k, e] of estimates.entries()) {
  const model = exactExpectation(driver.model, observables[k]);
  const truth = data.psi ? stateExpectation(data.psi, N, observables[k]) : NaN;
  console.log(
    `${observables[k].name}: ${e.mean.toFixed(5)} ± ${e.stderr.toFixed(5)} (τ = ${e.tau.toFixed(1)}, R̂ = ${e.rhat.toFixed(3)}); ` +
      `model exact ${model.toFixed(5)}, ground truth ${truth.toFixed(5)}` +
      (e.warnings.length ? `; warnings: ${e.warnings.join("; ")}` : ""),
  );
}
