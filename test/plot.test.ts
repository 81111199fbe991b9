import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCanvas, loadImage } from "@napi-rs/canvas";
import { QstError } from "../src/core/errors.js";
import {
  PALETTE,
  observableSweepSpec,
  plotObservableSweep,
  plotTrainingLog,
  readTable,
  readTrainingLog,
  renderPlot,
  trainingCurvesSpec,
  writePlot,
  type PlotSpec,
} from "../src/io/plot.js";

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "qst-plot-"));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function write(name: string, content: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

function ihdrSize(png: Buffer): { width: number; height: number } {
  expect([...png.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
  expect(png.toString("latin1", 12, 16)).toBe("IHDR");
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

async function pixels(png: Buffer): Promise<{ data: Uint8ClampedArray; width: number; height: number }> {
  const img = await loadImage(png);
  const canvas = createCanvas(img.width, img.height);
  const ctx = canvas.getContext("2d");
  ctx.drawImage(img, 0, 0);
  return { data: ctx.getImageData(0, 0, img.width, img.height).data, width: img.width, height: img.height };
}

function hex(c: string): [number, number, number] {
  return [parseInt(c.slice(1, 3), 16), parseInt(c.slice(3, 5), 16), parseInt(c.slice(5, 7), 16)];
}

/** Pixels within `tol` of the colour in every channel. */
function countColour(data: Uint8ClampedArray, colour: string, tol = 40): number {
  const [r, g, b] = hex(colour);
  let n = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (Math.abs(data[i] - r) <= tol && Math.abs(data[i + 1] - g) <= tol && Math.abs(data[i + 2] - b) <= tol) n++;
  }
  return n;
}

function countNonWhite(data: Uint8ClampedArray): number {
  let n = 0;
  for (let i = 0; i < data.length; i += 4) if (data[i] < 250 || data[i + 1] < 250 || data[i + 2] < 250) n++;
  return n;
}

const small = { width: 600, height: 400, scale: 1 };

function pointsSpec(withErrors: boolean): PlotSpec {
  const x = [0, 0.5, 1, 1.5, 2, 2.5, 3];
  return {
    ...small,
    xLabel: "Transverse field h",
    yLabel: "⟨|M|⟩/N",
    series: [
      {
        label: "estimate",
        x,
        y: x.map((h) => 1 / (1 + Math.exp(3 * (h - 1)))),
        yError: withErrors ? x.map(() => 0.08) : undefined,
        style: "points",
      },
    ],
  };
}

/** Files in the test directory other than the given inputs (temporary files must not remain). */
function leftovers(...inputs: string[]): string[] {
  return fs.readdirSync(dir).filter((f) => !inputs.includes(path.join(dir, f)));
}

async function expectQstError(p: Promise<unknown> | (() => unknown), pattern: RegExp): Promise<void> {
  let error: unknown;
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(QstError);
  expect((error as Error).message).toMatch(pattern);
}

describe("renderPlot", () => {
  it("draws a non-blank PNG with a white background at the default 1200×800 × 2 size", async () => {
    const png = await renderPlot({
      title: "TFIM",
      xLabel: "h",
      yLabel: "⟨|M|⟩/N",
      series: [{ label: "exact", x: [0, 1, 2, 3], y: [1, 0.8, 0.3, 0.1] }],
      referenceLines: [{ y: 0.5, label: "QuCumber" }],
    });
    expect(ihdrSize(png)).toEqual({ width: 2400, height: 1600 });
    const { data, width, height } = await pixels(png);
    expect([width, height]).toEqual([2400, 1600]);
    expect([...data.subarray(0, 4)]).toEqual([255, 255, 255, 255]); // opaque white corner
    const nonWhite = countNonWhite(data);
    expect(nonWhite).toBeGreaterThan(0.01 * width * height);
    expect(nonWhite).toBeLessThan(0.5 * width * height);
    expect(countColour(data, PALETTE[0])).toBeGreaterThan(2000); // the series' line
  });

  it("respects width, height and scale", async () => {
    const png = await renderPlot({ ...pointsSpec(false), width: 500, height: 300, scale: 1.5 });
    expect(ihdrSize(png)).toEqual({ width: 750, height: 450 });
  });

  it("draws error bars", async () => {
    const without = await pixels(await renderPlot({ ...pointsSpec(false), scale: 2 }));
    expect(countColour(without.data, PALETTE[0])).toBeGreaterThan(800); // the 7 filled markers
    // Markers with error bars are hollow (a bar shorter than the marker still shows): compare with zero bars.
    const zero = pointsSpec(true);
    zero.series[0].yError = zero.series[0].yError!.map(() => 0);
    const hollow = await pixels(await renderPlot({ ...zero, scale: 2 }));
    const withBars = await pixels(await renderPlot({ ...pointsSpec(true), scale: 2 }));
    const a = countColour(hollow.data, PALETTE[0]);
    const b = countColour(withBars.data, PALETTE[0]);
    expect(a).toBeGreaterThan(300); // the 7 hollow markers
    // Bars of 2 × 0.08 in y (about 90 px each at this size) with caps, at 7 points.
    expect(b - a).toBeGreaterThan(1000);
  });

  it("uses a second colour and the right axis for a second series", async () => {
    const png = await renderPlot({
      ...small,
      xLabel: "epoch",
      yLabel: "NLL",
      y2Label: "1 − F",
      logY2: true,
      series: [
        { label: "NLL", x: [1, 2, 3], y: [3, 2, 1.5] },
        { label: "1 − F", x: [1, 2, 3], y: [0.1, 0.01, 0.001], yAxis: "right" },
      ],
    });
    const { data } = await pixels(png);
    expect(countColour(data, PALETTE[0])).toBeGreaterThan(300);
    expect(countColour(data, PALETTE[1])).toBeGreaterThan(300);
  });

  it("writes SVG and PDF", async () => {
    const svg = (await renderPlot(pointsSpec(true), "svg")).toString("utf8");
    expect(svg).toMatch(/^<\?xml[^>]*>\s*<svg/);
    expect(svg).toContain("#0072B2");
    const pdf = await renderPlot(pointsSpec(true), "pdf");
    expect(pdf.subarray(0, 5).toString("latin1")).toBe("%PDF-");
  });

  it("rejects inconsistent specs with a QstError", async () => {
    await expectQstError(
      renderPlot({ ...small, xLabel: "x", yLabel: "y", series: [{ label: "s", x: [1, 2], y: [1] }] }),
      /"s" has 2 x values but 1 y values/,
    );
    await expectQstError(
      renderPlot({ ...small, xLabel: "x", yLabel: "y", logY: true, series: [{ label: "s", x: [1, 2], y: [0, -1] }] }),
      /no data points to draw/,
    );
  });
});

describe("writePlot", () => {
  it("infers the format from the extension and leaves no temporary file", async () => {
    const png = path.join(dir, "ok.png");
    const svg = path.join(dir, "ok.svg");
    await writePlot(png, pointsSpec(true));
    await writePlot(svg, pointsSpec(true));
    ihdrSize(fs.readFileSync(png));
    expect(fs.readFileSync(svg, "utf8")).toContain("<svg");
    expect(fs.readdirSync(dir).filter((f) => f.includes(".tmp"))).toEqual([]);
    fs.rmSync(png);
    fs.rmSync(svg);
  });

  it("keeps an existing file intact when rendering fails", async () => {
    const out = write("keep.png", "old");
    await expectQstError(
      writePlot(out, { ...small, xLabel: "x", yLabel: "y", series: [{ label: "s", x: [1], y: [1, 2] }] }),
      /has 1 x values/,
    );
    expect(fs.readFileSync(out, "utf8")).toBe("old");
    expect(leftovers(out)).toEqual([]);
    fs.rmSync(out);
  });

  it("rejects an unknown extension and a missing directory", async () => {
    await expectQstError(writePlot(path.join(dir, "plot.jpg"), pointsSpec(false)), /use \.png, \.svg or \.pdf/);
    await expectQstError(writePlot(path.join(dir, "nope", "plot.png"), pointsSpec(false)), /does not exist/);
    expect(leftovers()).toEqual([]);
  });
});

describe("bad inputs leave no output", () => {
  const out = () => path.join(dir, "out.png");

  it("missing training log", async () => {
    await expectQstError(
      plotTrainingLog(path.join(dir, "missing.jsonl"), out(), ["nll"]),
      /missing\.jsonl: no such training log/,
    );
    expect(fs.existsSync(out())).toBe(false);
  });

  it("empty training log", async () => {
    const log = write("empty.jsonl", "\n  \n");
    await expectQstError(plotTrainingLog(log, out(), ["nll"]), /empty\.jsonl: the training log is empty/);
    expect(leftovers(log)).toEqual([]);
    fs.rmSync(log);
  });

  it("malformed line, with its number", async () => {
    const log = write("bad.jsonl", '{"epoch":1,"nll":3}\n{"epoch":2,"nll":2.5}\n{"epoch":3,"nll":\n');
    await expectQstError(plotTrainingLog(log, out(), ["nll"]), /bad\.jsonl:3: malformed line/);
    expect(leftovers(log)).toEqual([]);
    const csv = write("bad.csv", "epoch,nll\n1,3\n2,2.5,7\n");
    await expectQstError(
      () => readTrainingLog(csv),
      /bad\.csv:3: malformed line, expected 2 comma-separated values .* found 3/,
    );
    const noEpoch = write("noepoch.jsonl", '{"epoch":1}\n{"nll":2}\n');
    await expectQstError(() => readTrainingLog(noEpoch), /noepoch\.jsonl:2: .*"epoch"/);
    fs.rmSync(log);
    fs.rmSync(csv);
    fs.rmSync(noEpoch);
  });

  it("unknown column, listing the available ones", async () => {
    const log = write("log.jsonl", '{"epoch":1,"nll":3,"lr":0.01}\n{"epoch":2,"nll":2.5,"lr":0.01,"fidelity":0.9}\n');
    await expectQstError(
      plotTrainingLog(log, out(), ["kl"]),
      /no column "kl"; available columns: epoch, nll, lr, fidelity/,
    );
    expect(leftovers(log)).toEqual([]);
    const table = write("sweep.csv", "h,mean,stderr\n0.5,0.9,0.01\n1.0,0.5,0.02\n");
    await expectQstError(
      plotObservableSweep(table, out(), { x: "h", y: "mean", exact: "exact" }),
      /no column "exact"; available columns: h, mean, stderr/,
    );
    await expectQstError(
      () => readTable(table, ["g"]),
      /sweep\.csv: no column "g"; available columns: h, mean, stderr/,
    );
    expect(leftovers(log, table)).toEqual([]);
    fs.rmSync(log);
    fs.rmSync(table);
  });

  it("missing, empty and malformed tables", async () => {
    await expectQstError(() => readTable(path.join(dir, "none.csv")), /none\.csv: no such table/);
    const empty = write("empty.csv", "");
    await expectQstError(() => readTable(empty), /empty\.csv: the table is empty/);
    const headerOnly = write("header.csv", "h,mean\n");
    await expectQstError(() => readTable(headerOnly), /header\.csv: has a header but no data rows/);
    const badJson = write("bad.json", '[{"h": 1, "mean": 0.5},\n {"h": 2, "mean": }]');
    await expectQstError(() => readTable(badJson), /bad\.json:2: malformed JSON/);
    const text = write("text.csv", "h,mean\n1,0.5\n2,abc\n");
    await expectQstError(
      () => observableSweepSpec(readTable(text), { x: "h", y: "mean", source: text }),
      /text\.csv:3: column "mean" is not a number \("abc"\)/,
    );
    for (const f of [empty, headerOnly, badJson, text]) fs.rmSync(f);
  });
});

describe("training curves", () => {
  const rows = [
    { epoch: 1, nll: 7, lr: 0.01 },
    { epoch: 2, nll: 6.5, lr: 0.01, fidelity: null },
    { epoch: 10, nll: 6.2, lr: 0.01, fidelity: 0.9, kl: 0.1 },
    { epoch: 20, nll: 6.1, lr: 0.01, fidelity: 0.99, kl: 0.01 },
  ];

  it("plots infidelity on a log axis, skipping rows without the metric", () => {
    const spec = trainingCurvesSpec(rows, ["infidelity"], {
      references: [
        {
          label: "QuCumber",
          metric: "fidelity",
          points: [
            { x: 10, y: 0.925 },
            { x: 20, y: 0.965 },
          ],
        },
      ],
    });
    expect(spec.logY).toBe(true);
    expect(spec.xLabel).toBe("Epoch");
    expect(spec.series[0].x).toEqual([10, 20]);
    expect(spec.series[0].y[0]).toBeCloseTo(0.1, 12);
    expect(spec.series[0].y[1]).toBeCloseTo(0.01, 12);
    expect(spec.series[1]).toMatchObject({ label: "QuCumber", style: "points", x: [10, 20] });
    expect(spec.series[1].y[0]).toBeCloseTo(0.075, 12);
  });

  it("gives each of several metrics its own panel and axis, with markers on short curves", () => {
    const spec = trainingCurvesSpec(rows, ["nll", "kl", "fidelity"]);
    expect(spec.panels).toEqual([
      { yLabel: "NLL", logY: false, yMax: undefined },
      { yLabel: "KL divergence", logY: true, yMax: undefined },
      { yLabel: "Fidelity F", logY: false, yMax: 1 },
    ]);
    expect(spec.series.map((s) => s.panel)).toEqual([0, 1, 2]);
    expect(spec.series.map((s) => s.style)).toEqual(["line+points", "line+points", "line+points"]);
    expect(spec.series[0].x).toEqual([1, 2, 10, 20]);
  });

  it("fidelity alone ends at 1", () => {
    expect(trainingCurvesSpec(rows, ["fidelity"]).yMax).toBe(1);
  });

  it("reads JSON lines and CSV logs alike, with nulls and missing values", async () => {
    const jsonl = write("train.jsonl", rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
    const csv = write(
      "train.csv",
      "epoch,nll,lr,fidelity,kl\n1,7,0.01,,\n2,6.5,0.01,null,\n10,6.2,0.01,0.9,0.1\n20,6.1,0.01,0.99,0.01\n",
    );
    const a = trainingCurvesSpec(readTrainingLog(jsonl), ["nll", "infidelity"]);
    const b = trainingCurvesSpec(readTrainingLog(csv), ["nll", "infidelity"]);
    expect(b.series).toEqual(a.series);
    const out = path.join(dir, "train.png");
    await plotTrainingLog(csv, out, ["nll", "infidelity", "kl"]);
    expect(ihdrSize(fs.readFileSync(out))).toEqual({ width: 2400, height: 1600 });
    for (const f of [jsonl, csv, out]) fs.rmSync(f);
  });

  it("complains about a metric with no values", async () => {
    await expectQstError(
      () => trainingCurvesSpec([{ epoch: 1, nll: 2, fidelity: null }], ["fidelity"]),
      /"fidelity" \(for fidelity\) has no numeric values/,
    );
  });
});

describe("observable sweep", () => {
  it("sorts by x, takes error bars and the exact line from named columns", () => {
    const rows = [
      { h: 2, mean: 0.1, stderr: 0.01, exact: 0.12 },
      { h: 0.5, mean: 0.9, stderr: 0.02, exact: 0.91 },
      { h: 1, mean: null, stderr: null, exact: 0.5 },
    ];
    const spec = observableSweepSpec(rows, { x: "h", y: "mean", yError: "stderr", exact: "exact", yLabel: "⟨|M|⟩/N" });
    expect(spec.series).toHaveLength(2);
    expect(spec.series[0]).toMatchObject({ x: [0.5, 2], y: [0.9, 0.1], yError: [0.02, 0.01], style: "points" });
    expect(spec.series[1]).toMatchObject({ label: "Exact", x: [0.5, 1, 2], y: [0.91, 0.5, 0.12], style: "line" });
    expect(spec.yLabel).toBe("⟨|M|⟩/N");
  });

  it("splits rows into series by a group column", () => {
    const rows = [10, 20].flatMap((N) => [0.5, 1].map((h) => ({ N, h, mean: h / N, exact: h / N })));
    const spec = observableSweepSpec(rows, { x: "h", y: "mean", exact: "exact", groupBy: "N" });
    expect(spec.series.map((s) => s.label)).toEqual([
      "RBM estimate (N = 10)",
      "RBM estimate (N = 20)",
      "Exact (N = 10)",
      "Exact (N = 20)",
    ]);
    expect(spec.series[0].color).toBe(spec.series[2].color);
  });

  it("renders a CSV table to PNG end to end", async () => {
    const table = write("mag.csv", "h,mean,stderr,exact\n0,0.95,0.01,0.96\n1,0.5,0.04,0.52\n2,0.1,0.02,0.09\n");
    const out = path.join(dir, "mag.png");
    await plotObservableSweep(table, out, {
      x: "h",
      y: "mean",
      yError: "stderr",
      exact: "exact",
      width: 600,
      height: 400,
    });
    expect(ihdrSize(fs.readFileSync(out))).toEqual({ width: 1200, height: 800 });
    fs.rmSync(table);
    fs.rmSync(out);
  });
});
