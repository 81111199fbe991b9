/**
 * The measurements behind the choice of the negative phase (docs/training.md, "The negative phase"):
 * ordered, cat-like and W states that defeat plain PCD, trained with the defaults (negative phase
 * "auto") and, for comparison, with plain PCD, three seeds each, exact fidelity after the first
 * cycle of the schedule and at the end (training until converged), and the training time to F ≥ 0.99.
 * Writes the table between the negative-phase markers of docs/training.md.
 *
 *   npm run build && node dist/scripts/negative-phase.js [--quick] [--no-docs]
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  Rng,
  driverFor,
  exactMetrics,
  generateDataset,
  ghzState,
  sampleMeasurements,
  wState,
  type Shots,
  type StateVector,
} from "../src/index.js";
import { markdownTable, replaceBetweenMarkers } from "./lib/markdown.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const args = process.argv.slice(2);
const quick = args.includes("--quick");
const SEEDS = quick ? [1] : [1, 2, 3];
const SHOTS = 10_000;

interface Case {
  label: string;
  data: () => { shots: Shots; psi: StateVector };
}

const tfim = (h: number): Case => ({
  label: h === 0.2 ? "TFIM chain N = 10 open, h = 0.2" : `h = ${h}`,
  data: () => {
    const d = generateDataset({ model: "tfim", N: 10, h, shots: SHOTS, seed: 300 + Math.round(100 * h) });
    return { shots: d, psi: d.psi };
  },
});

const zShots = (label: string, psi: Float64Array, seed: number): Case => ({
  label,
  data: () => ({ shots: sampleMeasurements(psi, { shots: SHOTS, bases: "Z", rng: new Rng(seed) }), psi }),
});

const CASES: Case[] = [
  ...[0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 2.5].map(tfim),
  zShots("GHZ N = 10", ghzState(10), 410),
  zShots("GHZ N = 12", ghzState(12), 412),
  zShots("W N = 10", wState(10), 510),
];

async function fidelity(shots: Shots, psi: StateVector, seed: number, negativePhase: "auto" | "pcd") {
  // plain PCD: block Gibbs sweeps alone, without the sector and exchange moves auto chooses for sector data (W)
  const driver = driverFor(shots, {
    seed,
    negativePhase,
    ...(negativePhase === "pcd" ? { exchange: "off" as const, sector: "off" as const } : {}),
  });
  // the fidelity at the end of the first cycle, to show what training until converged added
  // and the training time at which F first reached 0.99 (exact F after every epoch, not counted)
  let firstCycle = Number.NaN,
    toTarget = Number.NaN;
  await driver.run([
    {
      onEpochEnd: (d, record) => {
        const F = exactMetrics(d.model, null, psi).fidelity!;
        if (record.epoch === d.options.epochs) firstCycle = F;
        if (F >= 0.99 && Number.isNaN(toTarget)) toTarget = record.time_s;
      },
    },
  ]);
  const r = driver.average.report();
  const seconds = driver.elapsed; // training epochs only (the evaluations above are not counted)
  return {
    F: exactMetrics(driver.model, null, psi).fidelity!,
    firstCycle,
    toTarget,
    epochs: driver.epoch,
    used: r.negativePhase,
    switched: r.switchedAtEpoch,
    exchange: r.exchange !== undefined,
    sector: driver.model.amplitude.sector,
    seconds,
  };
}

async function main(): Promise<void> {
  const rows: string[][] = [];
  for (const c of quick ? CASES.slice(0, 3) : CASES) {
    const { shots, psi } = c.data();
    const before = await fidelity(shots, psi, SEEDS[0], "pcd");
    const runs = [];
    for (const seed of SEEDS) runs.push(await fidelity(shots, psi, seed, "auto"));
    const used =
      (runs[0].used === "pt"
        ? `pt (${runs.map((r) => (r.switched === undefined ? "—" : r.switched)).join(", ")})`
        : runs[0].used) +
      (runs[0].sector !== null
        ? `, confined to |v| = ${runs[0].sector} (exchange moves)`
        : runs[0].exchange
          ? " + exchange moves"
          : "");
    const times = runs.map((r) => r.seconds);
    rows.push([
      c.label,
      before.F.toFixed(4),
      used,
      runs.map((r) => r.firstCycle.toFixed(4)).join(", "),
      runs.map((r) => r.epochs).join(", "),
      runs.map((r) => r.F.toFixed(4)).join(", "),
      runs.map((r) => (Number.isNaN(r.toTarget) ? "never" : r.toTarget.toFixed(1))).join(", "),
      `${Math.min(...times).toFixed(1)}–${Math.max(...times).toFixed(1)}`,
    ]);
    process.stderr.write(`${c.label}: ${rows[rows.length - 1].join(" | ")}\n`);
  }
  const table = markdownTable(
    [
      "state",
      "plain PCD (seed 1)",
      "negative phase used (switch after epoch)",
      "F after one cycle",
      "epochs (until converged)",
      `F (seeds ${SEEDS.join(", ")})`,
      "s to F ≥ 0.99",
      "training s",
    ],
    rows,
  );
  const note =
    `Defaults (negative phase "auto"), ${SHOTS.toLocaleString("en-US")} Z-basis shots, exact fidelity after one cycle of the ` +
    `schedule (50 epochs) and at the end (the default: cycles until the Z-basis NLL has converged, src/train/cycles.ts); "plain PCD" is the same run with --negative-phase pcd --exchange off --sector off. "s to F ≥ 0.99": training time when the exact F, checked after every epoch, first reached 0.99; "training s": the whole run's (wall clock of the training epochs, evaluations not counted). Generated by ` +
    `scripts/negative-phase.ts (\`node dist/scripts/negative-phase.js${quick ? " --quick" : ""}\`) on ${new Date().toISOString().slice(0, 10)}.`;
  process.stdout.write(`${table}\n\n${note}\n`);
  if (!args.includes("--no-docs"))
    replaceBetweenMarkers(path.join(root, "docs/training.md"), "negative-phase", `${table}\n\n${note}`);
}

await main();
