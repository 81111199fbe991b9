/**
 * docs/density.md: the density model (latent-space purification RBM) with qst's defaults
 *   - on QuCumber's tutorial-3 data (2-qubit W state, global depolarisation 0.5, 100 and 1000 shots in
 *     each of the 9 bases; ../shared/data/qucumber), beside QuCumber's DensityMatrix with its tutorial
 *     settings on the same data in the same run (../shared/anchors/bench/qucumber_density.py);
 *   - on a GHZ3 with 20 % global depolarisation, 1000 shots in each of the 27 bases, beside QuCumber;
 *   - on a pure GHZ3: the density model from the pure warm start and from random parameters, and the
 *     complex wavefunction, three seeds each;
 *   - on noisy states it was not tuned on (a W3 under local noise, a TFIM ground state N = 4).
 * Writes docs/figures/density-*.png and the tables between the density markers of docs/density.md.
 *
 *   npm run build && node dist/scripts/fig-density.js [--quick] [--no-qucumber] [--no-docs]
 *
 * QuCumber runs only when ../shared/anchors and Debian's python3 with torch are there; otherwise its
 * columns are left out (no reference numbers are substituted).
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  type DensityMatrix,
  type MeasurementData,
  type MixedDataset,
  type ModelKind,
  type Shots,
  driverFor,
  exactMetrics,
  generateMixedDataset,
  metricsOfDensity,
  readMeasurements,
  writeMeasurements,
  writePlot,
} from "../src/index.js";
import { markdownTable, replaceBetweenMarkers } from "./lib/markdown.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const args = process.argv.slice(2);
const quick = args.includes("--quick");
const withQucumber = !args.includes("--no-qucumber");
const SEEDS = quick ? [1] : [1, 2, 3];
const TUTORIAL = path.resolve(root, "../shared/data/qucumber/Tutorial3_TrainDensityMatrix");
const ANCHORS = path.resolve(root, "../shared/anchors");
const log = (m: string) => process.stderr.write(`[fig-density] ${m}\n`);

interface Curve {
  epoch: number[];
  seconds: number[];
  fidelity: number[];
}

interface Run {
  fidelity: number;
  /** NLL per shot of the training shots under the model. */
  nll: number;
  traceDistance: number;
  purity: number;
  purityTrue: number;
  epochs: number;
  seconds: number;
  curve: Curve;
}

type Data = Shots & { rho: DensityMatrix };

/** qst with its defaults (options only where the case asks), the fidelity every `every` epochs. */
function train(data: Data, model: ModelKind, seed: number, every: number, extra: object = {}): Run {
  const t0 = performance.now(); // the density model's warm start (in driverFor) is part of its time
  const driver = driverFor(data, { model, seed, ...extra });
  const curve: Curve = { epoch: [], seconds: [], fidelity: [] };
  let evalTime = 0;
  while (driver.epoch < driver.options.epochs) {
    driver.runEpoch();
    if (driver.epoch % every === 0 || driver.epoch === driver.options.epochs) {
      const t = performance.now();
      curve.epoch.push(driver.epoch);
      curve.seconds.push((t - t0 - evalTime) / 1000);
      curve.fidelity.push(exactMetrics(driver.model, null, null, data.rho).fidelity!);
      evalTime += performance.now() - t;
    }
  }
  const seconds = (performance.now() - t0 - evalTime) / 1000;
  const m = exactMetrics(driver.model, data, null, data.rho);
  return {
    fidelity: m.fidelity!,
    nll: m.nll,
    traceDistance: m.trace_distance ?? Number.NaN,
    purity: m.purity ?? Number.NaN,
    purityTrue: m.purity_true ?? Number.NaN,
    epochs: driver.epoch,
    seconds,
    curve,
  };
}

interface QucumberRun {
  fidelity: number;
  seconds: number;
  epochs: number;
  curve: number[];
}

/** QuCumber's DensityMatrix with its tutorial settings on an HDF5 file with /rho, or why it did not run. */
function qucumber(file: string, epochs: number): QucumberRun | string {
  const script = path.join(ANCHORS, "bench/qucumber_density.py");
  if (!withQucumber) return "--no-qucumber";
  if (!fs.existsSync(script)) return `${script} not present`;
  log(`QuCumber, ${epochs} epochs on ${path.basename(file)} …`);
  const r = spawnSync("/usr/bin/python3", [script, file, "--epochs", `${epochs}`], {
    encoding: "utf8",
    env: { ...process.env, PYTHONPATH: ANCHORS },
    maxBuffer: 64 * 1024 * 1024,
  });
  const last = (r.stdout ?? "").trim().split("\n").pop() ?? "";
  try {
    const j = JSON.parse(last);
    return { fidelity: j.fidelity, seconds: j.seconds, epochs: j.epochs, curve: j.curve };
  } catch {
    return `QuCumber did not run: ${(r.stderr ?? "").trim().split("\n").pop() || r.error?.message || `status ${r.status}`}`;
  }
}

async function tutorialData(shots: number, dir: string): Promise<{ data: Data; h5: string } | null> {
  const f = (name: string) => path.join(TUTORIAL, name);
  if (!fs.existsSync(f(`N2_W_state_${shots}_samples_data.txt`))) return null;
  const d: MeasurementData = await readMeasurements(f(`N2_W_state_${shots}_samples_data.txt`), {
    basesFile: f(`N2_W_state_${shots}_samples_bases.txt`),
    rhoFiles: [f("N2_W_state_target_real.txt"), f("N2_W_state_target_imag.txt")],
  });
  const h5 = path.join(dir, `tutorial3-${shots}.h5`);
  await writeMeasurements(h5, d);
  return { data: d as Data, h5 };
}

async function writeH5(d: MixedDataset, file: string): Promise<string> {
  await writeMeasurements(file, { ...d, psi: null, attributes: d.attributes });
  return file;
}

const f4 = (x: number) => x.toFixed(4);
const s1 = (x: number) => (x < 10 ? x.toFixed(2) : x.toFixed(1));
const range = (x: number[]) => (x.length === 1 ? f4(x[0]) : `${f4(Math.min(...x))}–${f4(Math.max(...x))}`);

/**
 * NLL per shot of the shots under the true ρ. A model whose NLL is below it fits the shots better than
 * the state they came from: its remaining infidelity is the shots' noise, which more training cannot
 * remove.
 */
function trueNll(data: Data): number {
  return metricsOfDensity(data.rho, 0, data, {}).nll;
}

/** A table row: qst's fidelities over the seeds, its epochs and longest time, and QuCumber's run (or why none). */
function row(label: string, data: Data, runs: Run[], qc: QucumberRun | string): string[] {
  const theirs = typeof qc === "string" ? qc : `${f4(qc.fidelity)} after ${qc.epochs} epochs, ${s1(qc.seconds)} s`;
  return [
    label,
    range(runs.map((r) => r.fidelity)),
    `${range(runs.map((r) => r.nll))} / ${f4(trueNll(data))}`,
    `${runs[0].epochs}`,
    s1(Math.max(...runs.map((r) => r.seconds))),
    theirs,
  ];
}

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "qst-fig-density-"));
  const rows: (string | number)[][] = [];
  const plots: { name: string; title: string; qst: Curve; qc?: QucumberRun; xKey: "epoch" | "seconds" }[] = [];

  // 1. QuCumber's tutorial 3, beside QuCumber.
  for (const shots of [100, 1000]) {
    const t = await tutorialData(shots, tmp);
    if (!t) {
      log(`${TUTORIAL} not present: tutorial-3 rows left out`);
      break;
    }
    log(`tutorial 3, ${shots} shots per basis …`);
    const runs = SEEDS.map((seed) => train(t.data, "density", seed, 5));
    const qc = shots === 100 ? qucumber(t.h5, quick ? 100 : 500) : "not run (10× the 100-shot file's time)";
    rows.push(row(`W state N = 2, p = 0.5 (QuCumber tutorial 3), ${shots} shots × 9 bases`, t.data, runs, qc));
    if (shots === 100)
      plots.push({
        name: "density-tutorial3",
        title: "W state N = 2, global depolarisation 0.5, 100 shots in each of 9 bases",
        qst: runs[0].curve,
        qc: typeof qc === "string" ? undefined : qc,
        xKey: "epoch",
      });
  }

  // 2. GHZ3, 20 % global depolarisation, 1000 shots in each of the 27 bases.
  log("GHZ3, p = 0.2 …");
  const ghz = generateMixedDataset({ state: { kind: "ghz", N: 3 }, globalNoise: 0.2, shots: 27_000, seed: 2018 });
  const ghzRuns = SEEDS.map((seed) => train(ghz, "density", seed, 5));
  const ghzQc = qucumber(await writeH5(ghz, path.join(tmp, "ghz3.h5")), quick ? 5 : 25);
  rows.push(row("GHZ N = 3, p = 0.2, 1000 shots × 27 bases", ghz, ghzRuns, ghzQc));
  plots.push({
    name: "density-ghz3",
    title: "GHZ N = 3, global depolarisation 0.2, 1000 shots in each of 27 bases",
    qst: ghzRuns[0].curve,
    qc: typeof ghzQc === "string" ? undefined : ghzQc,
    xKey: "seconds",
  });

  // 3. States the defaults were not chosen on.
  const unseen: [string, MixedDataset][] = [
    [
      "W N = 3, local depolarisation 0.1, 300 shots × 27 bases",
      generateMixedDataset({ state: { kind: "w", N: 3 }, localNoise: 0.1, shots: 27 * 300, seed: 31 }),
    ],
    [
      "TFIM chain N = 4 ground state (h = 1), p = 0.1, 200 shots × 81 bases",
      generateMixedDataset({
        state: { kind: "ground", model: "tfim", N: 4, h: 1 },
        globalNoise: 0.1,
        shots: 81 * 200,
        seed: 41,
      }),
    ],
  ];
  for (const [label, d] of quick ? [] : unseen) {
    log(`${label} …`);
    const runs = SEEDS.map((seed) => train(d, "density", seed, 10));
    rows.push(row(label, d, runs, ""));
  }

  // 4. A pure state: the warm start against random parameters, and the pure model.
  log("pure GHZ3 …");
  const pure = generateMixedDataset({ state: { kind: "ghz", N: 3 }, shots: 27 * 100, seed: 12 });
  const pureRows = (
    [
      ["density model, pure warm start (default)", "density", {}],
      ["density model, random start (--warm-start none)", "density", { warmStart: "none" }],
      ["complex wavefunction", "complex", {}],
    ] as const
  ).map(([label, model, extra]) => {
    const runs = SEEDS.map((seed) => train(pure, model, seed, 1000, extra));
    return [label, runs.map((r) => f4(r.fidelity)).join(", "), s1(Math.max(...runs.map((r) => r.seconds)))];
  });

  for (const p of plots) {
    const series = [
      { label: "qst (defaults, seed 1)", x: p.qst[p.xKey], y: p.qst.fidelity, style: "line" as const },
      ...(p.qc
        ? [
            {
              label: `QuCumber DensityMatrix (tutorial settings), same machine`,
              // its MetricEvaluator reports every 25 epochs
              x:
                p.xKey === "epoch"
                  ? p.qc.curve.map((_, i) => 25 * (i + 1))
                  : p.qc.curve.map((_, i) => ((25 * (i + 1)) / p.qc!.epochs) * p.qc!.seconds),
              y: p.qc.curve,
              style: "line+points" as const,
            },
          ]
        : []),
    ];
    await writePlot(path.join(root, "docs/figures", `${p.name}.png`), {
      title: p.title,
      xLabel: p.xKey === "epoch" ? "epoch (batch 100 for both)" : "training time (s)",
      yLabel: "Uhlmann fidelity",
      logX: p.xKey === "seconds",
      series,
    });
  }

  const note =
    "NLL per shot of the training shots under qst's model and under the true ρ: where qst's is lower, the model fits " +
    "the shots better than the state they came from, and the rest of the infidelity is the shots' noise. " +
    `${SEEDS.length} seed(s) per row; qst's time is the longest of them, training with the density model's warm start (exact metrics excluded), ` +
    `QuCumber's the time its script reports, measured in the same run on ${os.cpus()[0]?.model.trim()} ` +
    `(${os.cpus().length} cores). Regenerate with \`node dist/scripts/fig-density.js\`.`;
  const table = markdownTable(
    ["data", "qst fidelity", "NLL: qst / true ρ", "qst epochs", "qst time (s)", "QuCumber fidelity"],
    rows,
  );
  const pureTable = markdownTable(["model", "fidelity (seeds 1, 2, 3)", "time (s)"], pureRows);
  process.stdout.write(`${table}\n\n${pureTable}\n\n${note}\n`);
  if (!args.includes("--no-docs")) {
    replaceBetweenMarkers(path.join(root, "docs/density.md"), "density-results", `${table}\n\n${note}`);
    replaceBetweenMarkers(path.join(root, "docs/density.md"), "density-pure", pureTable);
  }
  fs.rmSync(tmp, { recursive: true, force: true });
}

await main();
