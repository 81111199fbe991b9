/**
 * Coverage of the error bars that include the reconstruction's error: are the answers right within
 * their stated error when there is no ground truth to check them against? For a panel of systems with
 * exact answers (TFIM chains and squares at several fields, open and periodic, and the shipped
 * Heisenberg set), simulated shots are reconstructed and E and ⟨|M|⟩ estimated from Gibbs samples,
 * with the error of src/estimate/ensemble.ts:
 *   --method half (default): the full-data model's estimate with sampling, spread and finite-shot bias
 *     from K half-sample models (finiteShotEstimate), and for E also the extrapolation to zero energy
 *     variance through the same K + 1 models (zeroVarianceEnergy; the systems are ground states);
 *   --method bootstrap: the mean of K bootstrap members with their spread and sampling error
 *     (combineMembers), which docs/trust.md shows to miss the energy's bias.
 * The table counts how often the exact value lies within 2 total σ; it goes into docs/trust.md between
 * the coverage (or coverage-bootstrap) markers.
 *
 *   npm run build && node dist/scripts/coverage.js [--method half|bootstrap] [--quick] [--members K] [--no-docs]
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  absMagnetization,
  bootstrapMember,
  buildModel,
  combineMembers,
  driverFor,
  energy,
  estimateObservables,
  finiteShotEstimate,
  generateDataset,
  halfSampleMember,
  readMeasurements,
  stateExpectation,
  type Estimate,
  type ModelName,
  type Observable,
  type Shots,
  type StateVector,
  zeroVarianceEnergy,
} from "../src/index.js";
import { markdownTable, replaceBetweenMarkers } from "./lib/markdown.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const args = process.argv.slice(2);
const quick = args.includes("--quick");
const method = args.includes("--method") ? args[args.indexOf("--method") + 1] : "half";
if (method !== "half" && method !== "bootstrap") throw new Error(`--method must be half or bootstrap, got ${method}`);
const K = Number(args[args.indexOf("--members") + 1]) || (method === "half" ? 4 : 8);
const ESTIMATION = { chains: 20, samplesPerChain: 1000, burnIn: 200, thin: 1, tempering: "auto" as const };

/**
 * Differences below this are rounding, not error: a model confined to S^z = 0 gives ⟨|M|⟩ = 0 with a
 * zero error bar, and the exact value from a Lanczos vector is 0 to about 1e-30.
 */
const ROUNDING = 1e-12;

/** Whether the exact value lies within 2 total σ of the estimate (rounding aside). */
function withinTwoSigma(value: number, exact: number, total: number): boolean {
  return Math.abs(value - exact) <= 2 * total + ROUNDING;
}

interface Case {
  label: string;
  data: () => Promise<{
    shots: Shots;
    psi: StateVector;
    model: ModelName;
    N: number;
    h?: number;
    lattice: "chain" | "square";
    boundary: "open" | "periodic";
  }>;
}

function tfimCase(
  N: number,
  h: number,
  boundary: "open" | "periodic",
  lattice: "chain" | "square",
  seed: number,
): Case {
  const name = lattice === "square" ? `${Math.sqrt(N)}×${Math.sqrt(N)}` : `N = ${N}`;
  return {
    label: `TFIM ${lattice} ${name} ${boundary}, h = ${h}, seed ${seed}`,
    data: async () => {
      const d = generateDataset({ model: "tfim", N, h, lattice, boundary, shots: 10_000, seed });
      return { shots: d, psi: d.psi, model: "tfim", N, h, lattice, boundary };
    },
  };
}

const CASES: Case[] = [
  tfimCase(10, 0.5, "open", "chain", 201),
  tfimCase(10, 1, "open", "chain", 202),
  tfimCase(10, 2, "open", "chain", 203),
  tfimCase(12, 1, "periodic", "chain", 204),
  tfimCase(12, 1.5, "periodic", "chain", 205),
  tfimCase(14, 1, "open", "chain", 206),
  tfimCase(14, 1.5, "periodic", "chain", 207),
  tfimCase(9, 3, "open", "square", 208),
  tfimCase(9, 2, "periodic", "square", 209),
  tfimCase(10, 1, "open", "chain", 210),
  tfimCase(12, 0.75, "open", "chain", 211),
  {
    label: "Heisenberg chain N = 8 open (shipped, 15 bases)",
    data: async () => {
      const d = await readMeasurements(path.join(root, "datasets/heisenberg_chain_N8_torlai.h5"));
      return { shots: d, psi: d.psi!, model: "heisenberg", N: d.nQubits, lattice: "chain", boundary: "open" };
    },
  },
];

interface Row {
  label: string;
  quantity: string;
  exact: number;
  mean: number;
  total: number;
  between: number;
  within: number;
  bias: number;
  covered: boolean;
}

async function estimates(shots: Shots, seed: number, observables: Observable[]) {
  const driver = driverFor(shots, { seed });
  await driver.run();
  return estimateObservables(driver.model, observables, { ...ESTIMATION, seed });
}

async function runCase(c: Case, seed: number): Promise<Row[]> {
  const d = await c.data();
  const { hamiltonian } = buildModel({
    model: d.model,
    N: d.N,
    ...(d.h !== undefined ? { h: d.h } : {}),
    lattice: d.lattice,
    boundary: d.boundary,
  });
  const observables: Observable[] = [energy(hamiltonian), absMagnetization()];
  const members: Estimate[][] = [];
  const full = method === "half" ? await estimates(d.shots, seed, observables) : null;
  for (let i = 0; i < K; i++) {
    const member = (method === "half" ? halfSampleMember : bootstrapMember)(d.shots, seed, i);
    const est = await estimates(member.shots, member.trainSeed, observables);
    members.push(est);
    process.stderr.write(
      `${c.label}: member ${i + 1}/${K}, E = ${est[0].mean.toFixed(5)} ± ${est[0].stderr.toFixed(5)}\n`,
    );
  }
  const rows: Row[] = observables.map((o, k) => {
    const exact = stateExpectation(d.psi, d.N, o);
    if (full) {
      const e = finiteShotEstimate(
        { value: full[k].mean, error: full[k].stderr },
        members.map((m) => m[k].mean),
      );
      const parts = { between: e.random, within: e.sampling, bias: e.bias };
      return {
        label: c.label,
        quantity: o.name,
        exact,
        mean: e.value,
        total: e.total,
        ...parts,
        covered: withinTwoSigma(e.value, exact, e.total),
      };
    }
    const e = combineMembers(
      members.map((m) => m[k].mean),
      members.map((m) => m[k].stderr),
    );
    return { label: c.label, quantity: o.name, exact, ...e, bias: 0, covered: withinTwoSigma(e.mean, exact, e.total) };
  });
  if (full) {
    // E through the same K + 1 models, extrapolated to zero energy variance
    const zv = zeroVarianceEnergy(
      [full, ...members].map((m) => ({
        energy: m[0].mean,
        energyError: m[0].stderr,
        variance: m[0].localVariance!.mean,
        varianceError: m[0].localVariance!.stderr,
      })),
    );
    const exact = rows[0].exact;
    rows.unshift({
      label: c.label,
      quantity: ZERO_VARIANCE,
      exact,
      mean: zv.value,
      total: zv.total,
      between: Number.NaN,
      within: Number.NaN,
      bias: Number.NaN,
      covered: withinTwoSigma(zv.value, exact, zv.total),
    });
  }
  return rows;
}

const ZERO_VARIANCE = "energy at zero variance";
const QUANTITY: Record<string, string> = {
  [ZERO_VARIANCE]: "E, σ²_H → 0",
  energy: "E",
  abs_magnetization: "⟨\\|M\\|⟩",
};

async function main(): Promise<void> {
  const cases = quick ? CASES.slice(0, 3) : CASES;
  const rows: Row[] = [];
  const t0 = performance.now();
  for (const c of cases) rows.push(...(await runCase(c, 1234)));
  const seconds = (performance.now() - t0) / 1000;
  const fmt = (x: number, d = 5) => x.toFixed(d);
  const table = markdownTable(
    method === "half"
      ? [
          "system",
          "quantity",
          "exact",
          "estimate",
          "total σ",
          "random",
          "sampling",
          "bias",
          "\\|estimate − exact\\| / σ",
          "σ / \\|exact\\|",
          "within 2σ",
        ]
      : [
          "system",
          "quantity",
          "exact",
          "ensemble mean",
          "total σ",
          "between",
          "within",
          "\\|mean − exact\\| / σ",
          "σ / \\|exact\\|",
          "within 2σ",
        ],
    rows.map((r) => [
      r.label,
      QUANTITY[r.quantity],
      fmt(r.exact),
      fmt(r.mean),
      fmt(r.total),
      ...[r.between, r.within, ...(method === "half" ? [r.bias] : [])].map((x) => (Number.isNaN(x) ? "—" : fmt(x))),
      (Math.abs(r.mean - r.exact) <= ROUNDING ? 0 : Math.abs(r.mean - r.exact) / r.total).toFixed(2),
      Math.abs(r.exact) < 1e-9 ? "—" : `${((100 * r.total) / Math.abs(r.exact)).toFixed(3)} %`,
      r.covered ? "yes" : "**no**",
    ]),
  );
  const byQuantity = (q: string) => rows.filter((r) => r.quantity === q);
  const quantities =
    method === "half" ? [ZERO_VARIANCE, "energy", "abs_magnetization"] : ["energy", "abs_magnetization"];
  const summary = quantities.map((q) => {
    const rs = byQuantity(q);
    return `${QUANTITY[q].replaceAll("\\", "")}: ${rs.filter((r) => r.covered).length} of ${rs.length} within 2σ`;
  });
  const worstRel = (q: string) => Math.max(...byQuantity(q).map((r) => r.total / Math.abs(r.exact)));
  const worst =
    method === "half"
      ? `the largest total σ of E is ${(100 * worstRel(ZERO_VARIANCE)).toFixed(3)} % of |E| at zero variance and ${(100 * worstRel("energy")).toFixed(3)} % of |E| with the finite-shot bound`
      : `the largest total σ of E is ${(100 * worstRel("energy")).toFixed(3)} % of |E|`;
  const how =
    method === "half"
      ? `The model trained on all of each system's 10⁴ shots (the shipped Heisenberg set: 15 × 10⁴) and ${K} half-sample models, ` +
        `each trained with qst's defaults on half the shots drawn without replacement`
      : `${K} bootstrap members per system, each trained with qst's defaults on 10⁴ shots resampled from the system's 10⁴ ` +
        `(the shipped Heisenberg set: 15 × 10⁴)`;
  const note =
    `${how}; estimates from ${ESTIMATION.chains} chains × ${ESTIMATION.samplesPerChain} ` +
    `samples after ${ESTIMATION.burnIn} sweeps (tempered where plain chains do not mix). Coverage: ${summary.join("; ")}; ` +
    `${worst}. ${seconds.toFixed(0)} s in all. Generated by scripts/coverage.ts ` +
    `(\`${["node dist/scripts/coverage.js", ...args].join(" ")}\`) on ${new Date().toISOString().slice(0, 10)}.`;
  process.stdout.write(`${table}\n\n${note}\n`);
  const panel = quick ? `Panel: the first ${cases.length} systems (--quick). ` : "";
  const marker = method === "half" ? "coverage" : "coverage-bootstrap";
  if (!args.includes("--no-docs"))
    replaceBetweenMarkers(path.join(root, "docs/trust.md"), marker, `${table}\n\n${panel}${note}`);
}

await main();
