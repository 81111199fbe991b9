/**
 * Figure 2: observables across the transition of the TFIM chain (N = 10, open, J = 1). For each
 * field h, 10^4 Z shots of the exact ground state (fixed seed per h), an RBM trained with the
 * defaults, and ⟨|M|⟩/N, E/N and ⟨X⟩ estimated from its Gibbs samples with error bars, beside the
 * exact values and the model's own exact expectations (enumeration), so that sampling error and
 * reconstruction bias show separately.
 *
 *   npm run build && node dist/scripts/fig-field-sweep.js     (replaces its section of docs/results.md)
 */
import {
  buildModel,
  DEFAULTS,
  estimateObservables,
  exactExpectation,
  generateDataset,
  logProbabilities,
  type Observable,
  parseObservable,
  resolveOptions,
  RHAT_THRESHOLD,
  stateExpectation,
} from "../src/index.js";
import type { StateVector } from "../src/index.js";
import { PALETTE, observableSweepSpec, type Series } from "../src/io/plot.js";
import {
  count,
  describeOptions,
  figure,
  fx,
  isMain,
  pm,
  progress,
  runStandalone,
  seconds,
  signed,
  table,
  trainPositive,
  type FigureResult,
  type FigureScript,
} from "./lib/paper.js";

const ID = "fig-field-sweep";
const N = 10;
const FIELDS = [0.2, 0.4, 0.6, 0.8, 1.0, 1.2, 1.4, 1.7, 2.0, 2.5];
const SHOTS = 10_000;
/** Data seed of field h (shots and Lanczos start vector). */
const dataSeed = (h: number) => 2000 + Math.round(100 * h);
/** Gibbs sampling for the estimates: 10 independent chains of 10^4 kept samples after 500 sweeps of burn-in. */
const ESTIMATION = { chains: 10, samplesPerChain: 10_000, burnIn: 500, thin: 1, seed: 7 };

/** QuCumber tutorial 1 (N = 10, h = 1, open): its RBM's estimates and the exact values it quotes. */
const QUCUMBER = { energy: { mean: -1.2353, stderr: 0.0005, exact: -1.2381 }, absM: { mean: 0.5562, exact: 0.561 } };

interface Quantity {
  key: "absM" | "energy" | "sx";
  name: string;
  /** CLI name for parseObservable. */
  observable: string;
  /** Divides the observable (energy → per site). */
  per: number;
  axis: string;
}

const QUANTITIES: Quantity[] = [
  { key: "absM", name: "⟨|M|⟩/N", observable: "abs_magnetization", per: 1, axis: "⟨|M|⟩/N" },
  { key: "energy", name: "E/N", observable: "energy", per: N, axis: "Energy per site E/N" },
  { key: "sx", name: "⟨X⟩", observable: "sx", per: 1, axis: "Transverse magnetisation ⟨X⟩" },
];

interface Value {
  exact: number;
  mean: number;
  stderr: number;
  model: number;
  tau: number;
  rhat: number;
}

interface Row {
  h: number;
  fidelity: number;
  kl: number;
  /** Weights of the magnetised halves M > 0 and M < 0 in the shots and in the trained RBM. */
  data: Halves;
  model: Halves;
  values: Record<Quantity["key"], Value>;
}

/** Fields of the dense grid on which the exact curves are drawn. */
const DENSE = Array.from({ length: 51 }, (_, i) => Math.round((0.1 + 0.05 * i) * 100) / 100);

interface Halves {
  up: number;
  down: number;
}

/** Weight of the magnetised halves M = Σ Z_i > 0 (fewer 1s than N/2) and M < 0: in the shots, and in p_λ (exact). */
function halves(samples: Uint8Array, nQubits: number, logp: Float64Array): { data: Halves; model: Halves } {
  const nShots = samples.length / nQubits;
  const data = { up: 0, down: 0 },
    model = { up: 0, down: 0 };
  for (let m = 0; m < nShots; m++) {
    let ones = 0;
    for (let i = 0; i < nQubits; i++) ones += samples[m * nQubits + i];
    if (2 * ones < nQubits) data.up += 1 / nShots;
    else if (2 * ones > nQubits) data.down += 1 / nShots;
  }
  for (let b = 0; b < logp.length; b++) {
    let ones = 0;
    for (let x = b; x; x &= x - 1) ones++;
    if (2 * ones < nQubits) model.up += Math.exp(logp[b]);
    else if (2 * ones > nQubits) model.down += Math.exp(logp[b]);
  }
  return { data, model };
}

async function run(): Promise<FigureResult> {
  const t0 = performance.now();
  const log = progress(ID);
  const rows: Row[] = [];
  for (const h of FIELDS) {
    const d = generateDataset({ model: "tfim", N, h, shots: SHOTS, seed: dataSeed(h) });
    const psi: StateVector = d.psi;
    const { hamiltonian } = buildModel({ model: "tfim", N, h });
    const r = trainPositive(d.samples, N, psi, {}, 0);
    const wf = r.driver.model;
    const observables: Observable[] = QUANTITIES.map((q) => parseObservable(q.observable, { nSites: N, hamiltonian }));
    const estimates = estimateObservables(wf, observables, ESTIMATION);
    const values = {} as Row["values"];
    QUANTITIES.forEach((q, i) => {
      const e = estimates[i];
      values[q.key] = {
        exact: stateExpectation(psi, N, observables[i]) / q.per,
        mean: e.mean / q.per,
        stderr: e.stderr / q.per,
        model: exactExpectation(wf, observables[i]) / q.per,
        tau: e.tau,
        rhat: e.rhat,
      };
      for (const w of e.warnings) log(`h = ${h}, ${q.name}: warning: ${w}`);
    });
    // The exact energy from the data set's own Lanczos run, as a check of the evaluation above.
    const lanczos = Number(d.attributes.energy_per_site);
    if (Math.abs(lanczos - values.energy.exact) > 1e-8)
      throw new Error(`h = ${h}: exact E/N ${values.energy.exact} differs from Lanczos's ${lanczos}`);
    rows.push({
      h,
      fidelity: r.fidelity,
      kl: r.kl,
      ...halves(d.samples, N, logProbabilities(r.driver.model.amplitude)),
      values,
    });
    log(
      `h = ${h}: F = ${fx(r.fidelity, 4)}; ` +
        QUANTITIES.map(
          (q) =>
            `${q.name} = ${pm(values[q.key].mean, values[q.key].stderr)} (model ${fx(values[q.key].model, 4)}, exact ${fx(values[q.key].exact, 4)})`,
        ).join("; "),
    );
  }

  // The exact curves on a dense grid of fields (ground states only, no shots needed).
  log(`exact curves on ${DENSE.length} fields`);
  const dense = DENSE.map((h) => {
    const d = generateDataset({ model: "tfim", N, h, shots: 1, seed: 1 });
    const { hamiltonian } = buildModel({ model: "tfim", N, h });
    const psi: StateVector = d.psi;
    const exact = {} as Record<Quantity["key"], number>;
    for (const q of QUANTITIES)
      exact[q.key] = stateExpectation(psi, N, parseObservable(q.observable, { nSites: N, hamiltonian })) / q.per;
    return { h, exact };
  });

  // One figure per observable: estimates with error bars, exact line.
  const figs: string[] = [];
  const letters = "abc";
  for (const [k, q] of QUANTITIES.entries()) {
    const plotRows = [
      ...rows.map((r) => ({
        h: r.h,
        mean: r.values[q.key].mean,
        stderr: r.values[q.key].stderr,
        exact: r.values[q.key].exact,
      })),
      ...dense
        .filter((p) => !FIELDS.includes(p.h))
        .map((p) => ({ h: p.h, mean: null, stderr: null, exact: p.exact[q.key] })),
    ];
    const spec = observableSweepSpec(plotRows, {
      x: "h",
      y: "mean",
      yError: "stderr",
      exact: "exact",
      xLabel: "Transverse field h/J",
      yLabel: q.axis,
      label: "RBM estimate ± stderr",
      exactLabel: "Exact (Lanczos)",
    });
    figs.push(
      await figure(
        `fig2${letters[k]}-${q.observable}`,
        { ...spec, xMin: 0, xMax: 2.6 },
        `Figure 2${letters[k]}. ${q.name} of the TFIM chain (N = ${N}, open) against h: RBM estimates from Gibbs samples (points, error bars = one standard error) and the exact ground state (line).`,
      ),
    );
  }
  // Deviations from the exact values: estimate − exact (with error bars) and model − exact (line).
  const dev: Series[] = [];
  QUANTITIES.forEach((q, k) => {
    const color = PALETTE[k];
    dev.push({
      label: `${q.name}: estimate − exact`,
      x: FIELDS,
      y: rows.map((r) => r.values[q.key].mean - r.values[q.key].exact),
      yError: rows.map((r) => r.values[q.key].stderr),
      style: "points",
      color,
    });
  });
  QUANTITIES.forEach((q, k) => {
    const color = PALETTE[k];
    dev.push({
      label: `${q.name}: RBM exact − exact`,
      x: FIELDS,
      y: rows.map((r) => r.values[q.key].model - r.values[q.key].exact),
      style: "line",
      dashed: true,
      color,
    });
  });
  figs.push(
    await figure(
      "fig2d-deviations",
      {
        xLabel: "Transverse field h/J",
        yLabel: "Deviation from the exact value",
        series: dev,
        xMin: 0,
        xMax: 2.6,
        referenceLines: [{ y: 0, label: "zero", color: "#888888" }],
      },
      "Figure 2d. Deviations from the exact values: Gibbs estimate − exact (points with one-standard-error bars: sampling error plus reconstruction bias) and the trained RBM's own exact expectation − exact (dashed lines: the reconstruction bias alone).",
    ),
  );

  const options = resolveOptions("positive", N, {});
  const tables = QUANTITIES.map((q) => {
    const t = table(
      [
        "h",
        "exact",
        "RBM estimate ± stderr",
        "RBM exact (enumerated)",
        "(estimate − RBM exact)/stderr",
        "RBM exact − exact",
        "τ_int",
        "R̂",
      ],
      rows.map((r) => {
        const v = r.values[q.key];
        return [
          fx(r.h, 1),
          fx(v.exact, 5),
          pm(v.mean, v.stderr),
          fx(v.model, 5),
          fx((v.mean - v.model) / v.stderr, 1),
          fx(v.model - v.exact, 5),
          fx(v.tau, 2),
          fx(v.rhat, 3),
        ];
      }),
    );
    return `**${q.name}**\n\n${t}`;
  });
  const fidTable = table(
    ["h", ...rows.map((r) => fx(r.h, 1))],
    [
      ["fidelity F", ...rows.map((r) => fx(r.fidelity, 4))],
      ["P(M > 0) / P(M < 0), shots", ...rows.map((r) => `${fx(r.data.up, 3)} / ${fx(r.data.down, 3)}`)],
      ["P(M > 0) / P(M < 0), RBM", ...rows.map((r) => `${fx(r.model.up, 3)} / ${fx(r.model.down, 3)}`)],
    ],
  );
  const flagged = rows.filter((r) => QUANTITIES.some((q) => r.values[q.key].rhat > RHAT_THRESHOLD)).map((r) => r.h);

  const at1 = rows.find((r) => r.h === 1)!;
  const worst = rows.reduce((a, b) => (b.fidelity < a.fidelity ? b : a));
  // The same data with the model average computed exactly instead of from the persistent chains.
  const worstData = generateDataset({ model: "tfim", N, h: worst.h, shots: SHOTS, seed: dataSeed(worst.h) });
  const exactNegative = trainPositive(worstData.samples, N, worstData.psi, { negativePhase: "exact" }, 0);
  log(`h = ${worst.h} with the exact negative phase: F = ${fx(exactNegative.fidelity, 4)}`);
  const markdown = `## 2. Observables across the transition: TFIM chain N = ${N}

For each of ${FIELDS.length} fields h = ${FIELDS.join(", ")} (J = 1, open chain, N = ${N}): the exact ground state
by Lanczos and ${count(SHOTS)} Z-basis shots of it (\`generateDataset\`, seed 2000 + 100·h), an RBM trained with the defaults
(${describeOptions(options)}, seed ${DEFAULTS.seed}), and ⟨|M|⟩/N, E/N and ⟨X⟩ = (1/N) Σ_i ⟨X_i⟩
estimated from ${ESTIMATION.chains} independent Gibbs chains of ${count(ESTIMATION.samplesPerChain)} kept samples each (burn-in ${ESTIMATION.burnIn} sweeps),
with the autocorrelation-corrected standard error of \`estimateObservables\`. "RBM exact" is the trained
model's own expectation by enumeration of its 2^${N} amplitudes (\`exactExpectation\`): estimate − RBM exact
is sampling error (the z-score column should be of order 1), RBM exact − exact is the reconstruction bias.

Fidelity of the trained RBM at each field, and the weights of the two magnetised halves M = Σ_i Z_i > 0
and M < 0 in the shots and in the RBM (exact; the rest has M = 0):

${fidTable}

${figs.join("\n\n")}

${tables.join("\n\n")}

At h = 1 the RBM gives E/N = ${pm(at1.values.energy.mean, at1.values.energy.stderr)} (exact ${fx(at1.values.energy.exact, 4)}) and
⟨|M|⟩/N = ${pm(at1.values.absM.mean, at1.values.absM.stderr)} (exact ${fx(at1.values.absM.exact, 4)}); QuCumber's tutorial 1 reports
E/N = ${fx(QUCUMBER.energy.mean, 4)} ± ${QUCUMBER.energy.stderr} and ⟨|M|⟩/N = ${fx(QUCUMBER.absM.mean, 4)} for the same system (exact ${fx(QUCUMBER.energy.exact, 4)}, ${fx(QUCUMBER.absM.exact, 4)}).
Estimate − exact: E/N ${signed(at1.values.energy.mean - at1.values.energy.exact, 4)} here, ${signed(QUCUMBER.energy.mean - QUCUMBER.energy.exact, 4)} for QuCumber; ⟨|M|⟩/N
${signed(at1.values.absM.mean - at1.values.absM.exact, 4)} here, ${signed(QUCUMBER.absM.mean - QUCUMBER.absM.exact, 4)} for QuCumber. This h = 1 data set is drawn here with its own seed, not the one of Figure 1.

The lowest fidelity of the sweep is F = ${fx(worst.fidelity, 4)}, at h = ${worst.h}, where the RBM puts
${fx(100 * Math.max(worst.model.up, worst.model.down), 1)}% of its weight on one magnetised half while the shots split ${fx(100 * worst.data.up, 1)}% : ${fx(100 * worst.data.down, 1)}%.${
    worst.fidelity < 0.9
      ? ` Deep in the ordered phase the ground state is close to the cat state (|↑…↑⟩ + |↓…↓⟩)/√2, whose
halves are N spin flips apart. The persistent chains that supply the negative phase of the gradient
sit in one half and do not cross to the other, so PCD cannot balance the two, and the model
collapses onto one of them (F ≈ 1/2); the defaults were tuned at h = 1, where this does not happen.
With \`qst train --negative-phase exact\` (the model average by enumerating the 2^${N} configurations
instead of from chains; N ≤ 16) the same data give F = ${fx(exactNegative.fidelity, 4)}.
⟨|M|⟩/N, E and ⟨X⟩ are symmetric under the global spin flip, so one half gives nearly the right
values and they are much less affected than F.`
      : ""
  }${
    flagged.length > 0
      ? ` The estimator flags R̂ > ${RHAT_THRESHOLD} (chains that disagree: slow mixing of the trained RBM's Gibbs
sampler between its modes) at h = ${flagged.join(", ")}; there the between-chain error bar is used and the
estimates are less trustworthy than their error bars suggest.`
      : ""
  }`;

  return {
    id: ID,
    markdown,
    headline: [
      [
        "Fig. 2: E/N at h = 1 (exact; QuCumber)",
        `${pm(at1.values.energy.mean, at1.values.energy.stderr)} (exact ${fx(at1.values.energy.exact, 4)}; QuCumber ${fx(QUCUMBER.energy.mean, 4)} ± ${QUCUMBER.energy.stderr})`,
      ],
      [
        "Fig. 2: ⟨|M|⟩/N at h = 1 (exact; QuCumber)",
        `${pm(at1.values.absM.mean, at1.values.absM.stderr)} (exact ${fx(at1.values.absM.exact, 4)}; QuCumber ${fx(QUCUMBER.absM.mean, 4)})`,
      ],
      [
        `Fig. 2: fidelity over h = ${FIELDS[0]}…${FIELDS[FIELDS.length - 1]}`,
        `${fx(Math.min(...rows.map((r) => r.fidelity)), 4)} (h = ${worst.h}) to ${fx(Math.max(...rows.map((r) => r.fidelity)), 4)}`,
      ],
    ],
    seconds: seconds(t0),
  };
}

export const script: FigureScript = { id: ID, run };
if (isMain(import.meta.url)) await runStandalone(script);
