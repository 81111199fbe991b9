/**
 * Figure 3: fidelity against the number of shots, 10^2 … 10^5, for the TFIM chain (h = J = 1, open)
 * with N = 6, 10 and 14, several seeds per point. The number of epochs grows as the data shrink, so
 * that every run gets a comparable number of parameter updates.
 *
 *   npm run build && node dist/scripts/fig-shots.js     (replaces its section of docs/results.md)
 */
import { generateDataset, resolveOptions } from "../src/index.js";
import type { StateVector } from "../src/index.js";
import { observableSweepSpec } from "../src/io/plot.js";
import {
  count,
  describeOptions,
  figure,
  fx,
  isMain,
  meanOf,
  progress,
  runStandalone,
  sci,
  seconds,
  stdOf,
  table,
  trainPositive,
  type FigureResult,
  type FigureScript,
} from "./lib/paper.js";

const ID = "fig-shots";
const SIZES = [6, 10, 14];
const SHOTS = [100, 1_000, 10_000, 100_000];
const SEEDS = [1, 2, 3];
const H = 1;
/** Target number of parameter updates per run: epochs = max(MIN_EPOCHS, ceil(UPDATES / batches per epoch)). */
const UPDATES = 5000;
const MIN_EPOCHS = 50;
/** Cap on the epochs of one run (0 = none); the whole script must stay within a few minutes. */
const MAX_EPOCHS = 0;
/** Data seed for size N and seed s: 10^5 shots drawn once; the smaller sets are their first M shots. */
const dataSeed = (N: number, s: number) => 3000 + 100 * N + s;

export function epochsFor(shots: number, batchSize: number): number {
  const batches = Math.ceil(shots / batchSize);
  const e = Math.max(MIN_EPOCHS, Math.ceil(UPDATES / batches));
  return MAX_EPOCHS > 0 ? Math.min(MAX_EPOCHS, e) : e;
}

interface Point {
  N: number;
  shots: number;
  epochs: number;
  updates: number;
  fidelity: number[];
  kl: number[];
  seconds: number[];
}

async function run(): Promise<FigureResult> {
  const t0 = performance.now();
  const log = progress(ID);
  const points: Point[] = [];
  const batchSize = resolveOptions("positive", 2, {}).batchSize;
  for (const N of SIZES) {
    const byShots = SHOTS.map((shots) => {
      const epochs = epochsFor(shots, batchSize);
      return {
        N,
        shots,
        epochs,
        updates: epochs * Math.ceil(shots / batchSize),
        fidelity: [],
        kl: [],
        seconds: [],
      } as Point;
    });
    for (const seed of SEEDS) {
      const d = generateDataset({ model: "tfim", N, h: H, shots: Math.max(...SHOTS), seed: dataSeed(N, seed) });
      const psi: StateVector = d.psi;
      for (const p of byShots) {
        const r = trainPositive(d.samples.subarray(0, p.shots * N), N, psi, { seed, epochs: p.epochs }, 0);
        p.fidelity.push(r.fidelity);
        p.kl.push(r.kl);
        p.seconds.push(r.trainSeconds);
        log(
          `N = ${N}, ${count(p.shots)} shots, seed ${seed}: ${p.epochs} epochs, F = ${fx(r.fidelity, 4)}, KL = ${sci(r.kl)}, ${r.trainSeconds.toFixed(1)} s`,
        );
      }
    }
    points.push(...byShots);
  }

  const plotRows = points.map((p) => ({
    N: p.N,
    shots: p.shots,
    mean: 1 - meanOf(p.fidelity),
    spread: stdOf(p.fidelity),
  }));
  const spec = observableSweepSpec(plotRows, {
    x: "shots",
    y: "mean",
    yError: "spread",
    groupBy: "N",
    xLabel: "Number of shots M",
    yLabel: "Infidelity 1 − F",
    logX: true,
    logY: true,
    label: "RBM",
  });
  // Lines through the means make the trend of each N easier to follow.
  for (const s of spec.series) s.style = "line+points";
  const fig = await figure(
    "fig3-shots",
    { ...spec, xMin: 50, xMax: 2e5 },
    `Figure 3. Infidelity 1 − F of the trained RBM against the number of Z-basis shots (TFIM chain, h = 1, open; N = ${SIZES.join(", ")}): mean over ${SEEDS.length} seeds (data and training) with their standard deviation as error bars.`,
  );

  const options = resolveOptions("positive", 10, {});
  const md = table(
    [
      "N",
      "shots M",
      "epochs",
      "updates",
      `F (seeds ${SEEDS.join(", ")})`,
      "mean F ± s.d.",
      "mean KL",
      "training time per run (s)",
    ],
    points.map((p) => [
      String(p.N),
      count(p.shots),
      String(p.epochs),
      p.updates.toLocaleString("en-US"),
      p.fidelity.map((f) => fx(f, 4)).join(", "),
      `${fx(meanOf(p.fidelity), 4)} ± ${fx(stdOf(p.fidelity), 4)}`,
      sci(meanOf(p.kl)),
      fx(meanOf(p.seconds), 2),
    ]),
  );
  const totalTrain = points.reduce((a, p) => a + p.seconds.reduce((x, y) => x + y, 0), 0);
  const best = (N: number) => points.filter((p) => p.N === N && p.shots === Math.max(...SHOTS))[0];
  const markdown = `## 3. Fidelity against the number of shots

TFIM chain, h = J = 1, open, N = ${SIZES.join(", ")}. For each N and seed s ∈ {${SEEDS.join(", ")}}, ${count(Math.max(...SHOTS))} Z-basis
shots of the exact ground state are drawn (seed 3000 + 100·N + s) and the smaller data sets are their
first M shots; the RBM is trained with seed s and the defaults (${describeOptions(options, { nHidden: "n_h = N", epochs: null })}) except
the number of epochs. With a fixed number of epochs a data set of 10² shots would get a single update
per epoch, so the epochs are chosen to give every run at least ${UPDATES.toLocaleString("en-US")} updates:
epochs = max(${MIN_EPOCHS}, ⌈${UPDATES.toLocaleString("en-US")} / batches per epoch⌉), ${MAX_EPOCHS > 0 ? `capped at ${MAX_EPOCHS}` : "with no cap: all " + points.length * SEEDS.length + " runs took " + fx(totalTrain, 0) + " s of training in total, well within the few minutes allowed, so none was needed"}.
The ${count(Math.max(...SHOTS))}-shot runs get ${MIN_EPOCHS} epochs, hence ${(MIN_EPOCHS * Math.ceil(Math.max(...SHOTS) / batchSize)).toLocaleString("en-US")} updates, more than the others.
The fidelity is computed exactly at the end of training.

${fig}

${md}

With ${count(Math.max(...SHOTS))} shots the mean fidelity is ${SIZES.map((N) => `${fx(meanOf(best(N).fidelity), 4)} (N = ${N})`).join(", ")}.`;

  return {
    id: ID,
    markdown,
    headline: [
      [
        `Fig. 3: mean fidelity with ${count(Math.max(...SHOTS))} shots`,
        SIZES.map((N) => `N = ${N}: ${fx(meanOf(best(N).fidelity), 4)}`).join(", "),
      ],
    ],
    seconds: seconds(t0),
  };
}

export const script: FigureScript = { id: ID, run };
if (isMain(import.meta.url)) await runStandalone(script);
