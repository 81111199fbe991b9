/**
 * Figure 4: phase reconstruction of the Heisenberg chain N = 8 (open), whose ground state has the
 * Marshall signs, from shots in the Z basis and in XX/XY on each neighbouring pair
 * (datasets/heisenberg_chain_N8_torlai.h5), with the complex (amplitude + phase RBM) model of
 * src/nn/wavefunction.ts: fidelity and KL against epoch, and the reconstructed amplitudes with their signs
 * beside the exact ones. A positive RBM trained on the Z shots alone is the baseline without phases.
 *
 *   npm run build && node dist/scripts/fig-phase.js     (replaces its section of docs/results.md)
 */
import path from "node:path";
import {
  parts,
  buildModel,
  driverFor,
  energy,
  estimateObservables,
  exactMetrics,
  groupShotsByBasis,
  readMeasurements,
  RHAT_THRESHOLD,
  stateExpectation,
  stateVector,
} from "../src/index.js";
import { trainingCurvesSpec, type Series, type TrainingLogRow } from "../src/io/plot.js";
import {
  ROOT,
  count,
  describeOptions,
  figure,
  fx,
  isMain,
  pm,
  progress,
  runStandalone,
  sci,
  seconds,
  table,
  trainPositive,
  type FigureResult,
  type FigureScript,
} from "./lib/paper.js";

const ID = "fig-phase";
const DATASET = "datasets/heisenberg_chain_N8_torlai.h5";
const SEED = 1234;
/**
 * The complex run uses the complex model's defaults. The Heisenberg ground state lives in the Sz = 0
 * sector, between whose configurations block Gibbs sampling of the amplitude RBM moves slowly, so
 * the negative phase is computed exactly (2^8 configurations per update; docs/complex.md).
 */
/** Amplitudes below this probability are left out of Figure 4b (outside the Sz = 0 sector they are exactly 0). */
const MIN_PROBABILITY = 1e-4;
/** Gibbs sampling for the energy estimate. */
const ESTIMATION = { chains: 10, samplesPerChain: 5000, burnIn: 500, thin: 1, seed: 11 };

async function run(): Promise<FigureResult> {
  const t0 = performance.now();
  const log = progress(ID);
  const data = await readMeasurements(path.join(ROOT, DATASET));
  const N = data.nQubits;
  const truthState = data.psi!;
  const truth = parts(truthState);
  const trainer = driverFor(data, { model: "complex", seed: SEED, negativePhase: "exact" });
  const options = trainer.options;
  const rows: TrainingLogRow[] = [];
  while (trainer.epoch < options.epochs) {
    const rec = trainer.runEpoch();
    const m = exactMetrics(trainer.model, data, truthState);
    rows.push({ epoch: rec.epoch, time_s: rec.time_s, fidelity: m.fidelity, kl: m.kl });
    if (rec.epoch % 10 === 0 || rec.epoch === options.epochs)
      log(
        `complex RBM: epoch ${rec.epoch}/${options.epochs}, F = ${fx(m.fidelity, 4)}, KL = ${sci(m.kl)}, ${rec.time_s.toFixed(1)} s`,
      );
  }
  const final = rows[rows.length - 1];
  const perBasis = Object.fromEntries(
    groupShotsByBasis(data.bases, data.nShots, N).map((g) => [g.basis, g.shots.length]),
  );

  // Baseline: a positive RBM on the Z-basis shots alone (its fidelity is bounded by the signs it cannot represent).
  const zCode = "Z".charCodeAt(0);
  const zShots: number[] = [];
  for (let m = 0; m < data.nShots; m++) {
    let allZ = true;
    for (let i = 0; i < N; i++) if (data.bases && data.bases[m * N + i] !== zCode) allZ = false;
    if (allZ) zShots.push(m);
  }
  const zSamples = new Uint8Array(zShots.length * N);
  for (const [r, m] of zShots.entries()) zSamples.set(data.samples.subarray(m * N, m * N + N), r * N);
  const positive = trainPositive(zSamples, N, truthState, { seed: SEED }, 0);
  log(`positive RBM on the ${zShots.length} Z shots: F = ${fx(positive.fidelity, 4)}, KL = ${sci(positive.kl)}`);

  // The model's amplitudes with the global phase removed: ψ_λ · e^{−iθ}, θ = arg⟨ψ|ψ_λ⟩.
  const model = stateVector(trainer.model);
  let ore = 0,
    oim = 0;
  for (let k = 0; k < model.re.length; k++) {
    const ti = truth.im ? truth.im[k] : 0;
    ore += truth.re[k] * model.re[k] + ti * model.im[k];
    oim += truth.re[k] * model.im[k] - ti * model.re[k];
  }
  const theta = Math.atan2(oim, ore);
  const c = Math.cos(theta),
    s = Math.sin(theta);
  const aligned = { re: new Float64Array(model.re.length), im: new Float64Array(model.re.length) };
  for (let k = 0; k < model.re.length; k++) {
    aligned.re[k] = model.re[k] * c + model.im[k] * s;
    aligned.im[k] = model.im[k] * c - model.re[k] * s;
  }
  // Weight of the positive and negative amplitudes: a positive model of |ψ| has F = (P₊ − P₋)²,
  // and no positive state does better than max(P₊, P₋) (the overlap with ψ's positive or negative part).
  let pPlus = 0,
    pMinus = 0;
  for (let k = 0; k < truth.re.length; k++) {
    if (truth.re[k] > 0) pPlus += truth.re[k] ** 2;
    else pMinus += truth.re[k] ** 2;
  }
  if (truth.im?.some((v: number) => v !== 0))
    throw new Error(`${DATASET}: the ground truth is not real; the sign analysis assumes it is`);
  const shown: number[] = [];
  let signWeight = 0,
    phaseErr = 0,
    weight = 0;
  for (let k = 0; k < truth.re.length; k++) {
    const p = truth.re[k] ** 2 + (truth.im ? truth.im[k] ** 2 : 0);
    if (p < MIN_PROBABILITY) continue;
    shown.push(k);
    const d = Math.atan2(aligned.im[k], aligned.re[k]) - Math.atan2(truth.im ? truth.im[k] : 0, truth.re[k]);
    const wrapped = Math.abs(Math.atan2(Math.sin(d), Math.cos(d)));
    weight += p;
    phaseErr += p * wrapped;
    if (wrapped < Math.PI / 2) signWeight += p;
  }
  signWeight /= weight;
  phaseErr /= weight;
  log(`signs right on a fraction ${fx(signWeight, 4)} of |ψ|², mean phase error ${fx(phaseErr, 3)} rad`);

  // Energy: exact, the model's own (enumerated), and the Gibbs estimate of the model.
  const { hamiltonian } = buildModel({ model: "heisenberg", N });
  const H = energy(hamiltonian);
  const exactE = stateExpectation(truthState, N, H) / N;
  const modelE = stateExpectation(model, N, H) / N;

  // The same run with persistent chains for the amplitude's negative phase (docs/complex.md): block
  // Gibbs sweeps alone and with exchange moves, both on the unconfined RBM, and the default, which
  // confines the model to the Sz = 0 sector (every Z shot has N/2 ones) and moves its chains by exchanges.
  const sampled = (variant: "gibbs" | "exchange" | "sector") => {
    const d = driverFor(data, {
      model: "complex",
      seed: SEED,
      negativePhase: "pcd",
      exchange: variant === "gibbs" ? "off" : "auto",
      sector: variant === "sector" ? "auto" : "off",
    });
    while (d.epoch < options.epochs) {
      const rec = d.runEpoch();
      if (rec.epoch % 10 === 0) log(`complex RBM with PCD (${variant}): epoch ${rec.epoch}/${options.epochs}`);
    }
    const metrics = exactMetrics(d.model, data, truthState);
    return { driver: d, metrics, E: stateExpectation(stateVector(d.model), N, H) / N };
  };
  const pcd = sampled("gibbs");
  const exchange = sampled("exchange");
  const inSector = sampled("sector");
  const est = estimateObservables(trainer.model, [H], ESTIMATION)[0];
  log(
    `E/N: exact ${fx(exactE, 5)}, model ${fx(modelE, 5)}, estimate ${pm(est.mean / N, est.stderr / N)} (τ = ${fx(est.tau, 1)}, R̂ = ${fx(est.rhat, 3)})`,
  );
  for (const w of est.warnings) log(`energy estimate: warning: ${w}`);

  const curves = trainingCurvesSpec(rows, ["infidelity", "kl"], {});
  const fig4a = await figure(
    "fig4a-complex-training",
    curves,
    `Figure 4a. Complex RBM on the Heisenberg chain N = ${N}: infidelity 1 − F and basis-averaged KL divergence after every epoch.`,
  );
  // States sorted by exact amplitude, so that the exact values form a curve the RBM's points sit on.
  const order = [...shown].sort((a, b) => truth.re[b] - truth.re[a]);
  const xs = order.map((_, i) => i + 1);
  const series: Series[] = [
    { label: "Complex RBM, real part", x: xs, y: order.map((k) => aligned.re[k]), style: "points" },
    { label: "Complex RBM, imaginary part", x: xs, y: order.map((k) => aligned.im[k]), style: "points" },
    { label: "Exact ψ(σ) (Marshall signs)", x: xs, y: order.map((k) => truth.re[k]), style: "line", color: "#000000" },
  ];
  const fig4b = await figure(
    "fig4b-amplitudes",
    {
      xLabel: `Basis states σ with |ψ(σ)|² ≥ 10⁻⁴, sorted by exact amplitude`,
      yLabel: "Amplitude ψ(σ)",
      series,
      xMin: 0,
      xMax: shown.length + 1,
    },
    `Figure 4b. Exact amplitudes of the Heisenberg ground state and the trained complex RBM's, its global phase removed, for the ${shown.length} basis states with |ψ(σ)|² ≥ 10⁻⁴ (outside the Sz = 0 sector the exact amplitudes vanish), sorted by exact amplitude: the real part carries the signs and magnitudes, the imaginary part should vanish.`,
  );

  const bases = Object.entries(perBasis);
  const tableMd = table(
    [
      "model",
      "data",
      "epochs",
      "fidelity F",
      "KL",
      "E/N of the model (exact)",
      "E/N Gibbs estimate (τ_int, R̂)",
      "training time (s)",
    ],
    [
      [
        "complex RBM (amplitude + phase)",
        `${bases.length} bases, ${count(data.nShots)} shots`,
        String(options.epochs),
        fx(final.fidelity, 4),
        sci(final.kl),
        fx(modelE, 5),
        `${pm(est.mean / N, est.stderr / N)} (${fx(est.tau, 1)}, ${fx(est.rhat, 3)})`,
        fx(trainer.elapsed, 1),
      ],
      ...[
        [`complex RBM, PCD negative phase (${options.chains} chains, k = ${options.k})`, pcd] as const,
        [`complex RBM, PCD with exchange moves (3N per update)`, exchange] as const,
        [`complex RBM in the Sz = 0 sector, PCD by exchange moves (the default)`, inSector] as const,
      ].map(([label, r]) => [
        label,
        `${bases.length} bases, ${count(data.nShots)} shots`,
        String(options.epochs),
        fx(r.metrics.fidelity!, 4),
        sci(r.metrics.kl!),
        fx(r.E, 5),
        "—",
        fx(r.driver.elapsed, 1),
      ]),
      [
        "positive RBM",
        `Z basis only, ${count(zShots.length)} shots`,
        String(positive.options.epochs),
        fx(positive.fidelity, 4),
        sci(positive.kl),
        "—",
        "—",
        fx(positive.trainSeconds, 2),
      ],
      ["exact ground state", "", "", "1", "0", fx(exactE, 5), "", ""],
    ],
  );
  const markdown = `## 4. Phases: Heisenberg chain N = ${N}

Data: \`${DATASET}\`: ${count(data.nShots)} shots of the exact ground state of H = Σ (X_iX_{i+1} + Y_iY_{i+1} + Z_iZ_{i+1})
(open chain), ${bases.length} bases with ${[...new Set(bases.map(([, n]) => n))].join("/")} shots each: all-Z and, on each neighbouring pair, XX
and XY (Torlai et al.'s choice). The ground state is real but has the Marshall signs, which Z shots
cannot see: ${fx(100 * pPlus, 1)}% of |ψ|² sits on positive amplitudes and ${fx(100 * pMinus, 1)}% on negative ones, so a positive model of
|ψ| has F = (P₊ − P₋)² = ${fx((pPlus - pMinus) ** 2, 4)} and no positive state exceeds max(P₊, P₋) = ${fx(Math.max(pPlus, pMinus), 4)}; a positive RBM
trained on the ${count(zShots.length)} Z shots alone (defaults, seed ${SEED}) reaches F = ${fx(positive.fidelity, 4)}. The complex model
(\`driverFor(data, { model: "complex" })\`, seed ${SEED}) learns |ψ| with an amplitude RBM and the phase with a phase RBM from all
shots: ${describeOptions(options, options.negativePhase === "exact" ? { chains: `negative phase computed exactly over the 2^${N} configurations at every update (no Gibbs chains)`, k: null } : {})}.
The energy is given both as the model's own exact expectation (enumeration) and as the estimate from
${ESTIMATION.chains} Gibbs chains of ${count(ESTIMATION.samplesPerChain)} samples of the amplitude RBM, with its autocorrelation time and R̂.

${fig4a}

${fig4b}

${tableMd}

The signs are right on a fraction ${fx(signWeight, 4)} of the probability |ψ|², and the probability-weighted
mean phase error is ${fx(phaseErr, 3)} rad. The model's own energy is E/N = ${fx(modelE, 5)} against the exact ${fx(exactE, 5)}
(relative error ${sci(Math.abs(modelE - exactE) / Math.abs(exactE))}). The model is confined to the Sz = 0 sector
(every Z shot has N/2 ones; \`--sector auto\`, docs/training.md), so \`qst observe\` samples it by exchange moves:
the Gibbs-table estimate above has τ_int = ${fx(est.tau, 1)} and R̂ = ${fx(est.rhat, 3)}${
    est.rhat > RHAT_THRESHOLD ? ", which flags it as unconverged" : ""
  }.

The negative phase of this run is computed exactly (the complex default up to N = 12). Persistent chains of
the unconfined RBM with block Gibbs sweeps alone reach F = ${fx(pcd.metrics.fidelity!, 4)}: its probability sits on the Sz = 0
configurations, and block Gibbs sampling moves between them only through configurations of other Sz. With
exchange moves, which swap two unlike spins and so move inside the sector (src/sample/exchange.ts), the sampled
negative phase reaches F = ${fx(exchange.metrics.fidelity!, 4)}; confined to the sector, with chains that move by exchanges alone
(the default above N = 12), F = ${fx(inSector.metrics.fidelity!, 4)}.`;

  return {
    id: ID,
    markdown,
    headline: [
      [
        `Fig. 4: complex RBM, Heisenberg N = ${N} (${options.epochs} epochs)`,
        `F = ${fx(final.fidelity, 4)}, signs right on ${fx(100 * signWeight, 1)}% of |ψ|², ${fx(trainer.elapsed, 1)} s (positive RBM on Z shots: F = ${fx(positive.fidelity, 4)})`,
      ],
    ],
    seconds: seconds(t0),
  };
}

export const script: FigureScript = { id: ID, run };
if (isMain(import.meta.url)) await runStandalone(script);
