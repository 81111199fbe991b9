/**
 * Publication-quality plots (PNG, SVG, PDF) drawn with Chart.js on a Skia canvas (@napi-rs/canvas),
 * without a browser.
 *
 * A plot is described by a plain `PlotSpec` (series of x/y points with optional error bars, axis
 * titles, log axes, horizontal reference lines), so the data-to-spec helpers (`trainingCurvesSpec`,
 * `observableSweepSpec`) can be tested without drawing anything. `renderPlot` turns a spec into the
 * bytes of an image, `writePlot` writes them atomically.
 *
 * Fonts: Skia ships no font, so text would be invisible on a machine without fonts. The text is
 * drawn with DejaVu Sans, which has the Greek letters and the symbols (⟨ ⟩ − ψ σ ‖) used in axis
 * titles. It is taken, in this order, from the font files named by QST_PLOT_FONT, from the npm
 * package `dejavu-fonts-ttf` when it is installed, and from the system fonts (Debian's
 * fonts-dejavu-core). With no usable font at all, rendering fails with a QstError that says so.
 */
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import type {
  ChartConfiguration,
  ChartDataset,
  LegendItem,
  Plugin,
  PointStyle,
  Scale,
  ScriptableScaleContext,
} from "chart.js";
import { writeAtomicSync } from "../core/atomic.js";
import { QstError, ensure } from "../core/errors.js";

/**
 * Chart.js and the Skia canvas, loaded on the first render: importing them costs about 90 ms, which
 * every command that draws nothing (and every library user who never plots) would otherwise pay.
 */
interface Renderer {
  chart: typeof import("chart.js");
  helpers: typeof import("chart.js/helpers");
  canvas: typeof import("@napi-rs/canvas");
}
let renderer: Renderer | null = null;

async function loadRenderer(): Promise<Renderer> {
  if (!renderer) {
    const [chart, helpers, canvas] = await Promise.all([
      import("chart.js"),
      import("chart.js/helpers"),
      import("@napi-rs/canvas"),
    ]);
    chart.Chart.register(...chart.registerables);
    renderer = { chart, helpers, canvas };
  }
  return renderer;
}

/** The renderer inside drawing code, which runs only after renderPlot has loaded it. */
function lib(): Renderer {
  if (!renderer) throw new Error("internal: the plot renderer is used before renderPlot loaded it");
  return renderer;
}

// ---------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------

export type PlotFormat = "png" | "svg" | "pdf";

export interface Series {
  label: string;
  x: number[];
  y: number[];
  /** Half-length of a vertical error bar at each point (e.g. one standard error); ≤ 0 or NaN: none. */
  yError?: number[];
  /** Default: "points" when the series has error bars, else "line". */
  style?: "line" | "points" | "line+points";
  dashed?: boolean;
  /** CSS colour; default: the next colour of the colour-blind-safe palette. */
  color?: string;
  /** Axis to plot against; "right" needs `PlotSpec.y2Label`. Default "left". */
  yAxis?: "left" | "right";
  /** With `PlotSpec.panels`: the panel (index) to draw in, instead of yAxis. Default 0. */
  panel?: number;
}

/** One of several panels stacked vertically over a shared x axis, each with its own y axis. */
export interface Panel {
  yLabel: string;
  logY?: boolean;
  yMin?: number;
  yMax?: number;
}

export interface ReferenceLine {
  /** Value on the left y axis. */
  y: number;
  label: string;
  color?: string;
}

export interface PlotSpec {
  title?: string;
  xLabel: string;
  yLabel: string;
  logX?: boolean;
  logY?: boolean;
  series: Series[];
  /** Layout size in CSS pixels (default 1200 × 800); the PNG has `scale` times as many pixels. */
  width?: number;
  height?: number;
  /** Pixel density of PNG output (default 2: a 2400 × 1600 image). SVG and PDF are vector. */
  scale?: number;
  xMin?: number;
  xMax?: number;
  yMin?: number;
  yMax?: number;
  /** Horizontal lines across the whole plot, e.g. exact values or published numbers. */
  referenceLines?: ReferenceLine[];
  /** Title of a second y axis on the right, used by series with `yAxis: "right"`. */
  y2Label?: string;
  logY2?: boolean;
  y2Min?: number;
  y2Max?: number;
  /** Panels from top to bottom (yLabel, logY, yMin/yMax and y2 are then unused); series pick one. */
  panels?: Panel[];
}

/** One line of a training log: one epoch. Keys other than `epoch` may be missing or null. */
export interface TrainingLogRow {
  epoch: number;
  [key: string]: number | null | undefined;
}

/** One row of a table (CSV or JSON). Cells that read as numbers are numbers. */
export type TableRow = Record<string, number | string | null | undefined>;

// ---------------------------------------------------------------------------------------------
// Style
// ---------------------------------------------------------------------------------------------

/** Okabe–Ito colours (colour-blind safe), yellow last because it is faint on white. */
export const PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"];
const POINT_STYLES = ["circle", "rect", "triangle", "rectRot", "crossRot", "star", "rectRounded", "cross"] as const;
const REFERENCE_COLORS = ["#000000", "#555555", "#8c8c8c"];
const REFERENCE_DASHES = [
  [12, 6],
  [3, 4],
  [14, 5, 3, 5],
];
const TEXT_COLOR = "#111111";
const GRID_MAJOR = "#d4d4d4";
const GRID_MINOR = "#ececec";

const FONT_ALIAS = "QST Sans";
const FONT_STACK = `"${FONT_ALIAS}", "DejaVu Sans", "Liberation Sans", "Noto Sans", Arial, Helvetica, sans-serif`;
const DEFAULT_WIDTH = 1200;
const DEFAULT_HEIGHT = 800;
const DEFAULT_SCALE = 2;

// ---------------------------------------------------------------------------------------------
// Fonts
// ---------------------------------------------------------------------------------------------

let fontSource: string | undefined;

const DEJAVU_FACES = ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf", "DejaVuSans-BoldOblique.ttf"];

function registerFontFile(file: string, origin: string): void {
  ensure(fs.existsSync(file), `font file ${file} (from ${origin}) does not exist`);
  ensure(
    lib().canvas.GlobalFonts.registerFromPath(path.resolve(file), FONT_ALIAS) !== null,
    `font file ${file} (from ${origin}) is not a font Skia can read`,
  );
}

/**
 * Makes sure plot text can be drawn, and says where the font comes from: "QST_PLOT_FONT",
 * "dejavu-fonts-ttf" (npm package) or "system". Throws a QstError when no font is available.
 */
export async function ensurePlotFonts(): Promise<string> {
  await loadRenderer();
  if (fontSource) return fontSource;
  let source = "system";
  const fromEnv = process.env.QST_PLOT_FONT;
  if (fromEnv) {
    for (const file of fromEnv.split(path.delimiter).filter((f) => f.length > 0))
      registerFontFile(file, "QST_PLOT_FONT");
    source = "QST_PLOT_FONT";
  } else {
    let dir: string | undefined;
    try {
      dir = path.join(path.dirname(createRequire(import.meta.url).resolve("dejavu-fonts-ttf/package.json")), "ttf");
    } catch {
      dir = undefined; // optional package not installed: use the system's fonts
    }
    if (dir && fs.existsSync(path.join(dir, DEJAVU_FACES[0]))) {
      for (const face of DEJAVU_FACES) {
        const file = path.join(dir, face);
        if (fs.existsSync(file)) registerFontFile(file, "the npm package dejavu-fonts-ttf");
      }
      source = "dejavu-fonts-ttf";
    }
  }
  const ctx = lib().canvas.createCanvas(64, 64).getContext("2d");
  ctx.font = `20px ${FONT_STACK}`;
  ensure(
    ctx.measureText("Mψ").width > 0,
    "cannot draw plot text: no font is installed. Install the DejaVu fonts (Debian: apt-get install fonts-dejavu-core; " +
      "or npm install dejavu-fonts-ttf), or set QST_PLOT_FONT to a .ttf file",
  );
  fontSource = source;
  return source;
}

// ---------------------------------------------------------------------------------------------
// Chart construction
// ---------------------------------------------------------------------------------------------

interface PlotPoint {
  x: number;
  y: number;
}

/** Extra fields our plugins read from a dataset. */
interface QstDatasetExtras {
  qstErrors?: number[];
  qstReferenceY?: number;
}
type QstDataset = ChartDataset<"scatter", PlotPoint[]> & QstDatasetExtras;

const SUPERSCRIPT: Record<string, string> = {
  "-": "⁻",
  "0": "⁰",
  "1": "¹",
  "2": "²",
  "3": "³",
  "4": "⁴",
  "5": "⁵",
  "6": "⁶",
  "7": "⁷",
  "8": "⁸",
  "9": "⁹",
};

function powerOfTen(k: number): string {
  if (k === 0) return "1";
  if (k === 1) return "10";
  return (
    "10" +
    String(k)
      .split("")
      .map((c) => SUPERSCRIPT[c] ?? c)
      .join("")
  );
}

function isPowerOfTen(v: number): boolean {
  if (!(v > 0)) return false;
  const e = Math.log10(v);
  return Math.abs(e - Math.round(e)) < 1e-9;
}

/** Labels of a log axis: 10ᵏ at each decade, and 2×10ᵏ, 5×10ᵏ too when the axis spans ≤ 2 decades. */
function logTickLabel(scale: Scale, value: number): string {
  if (!(value > 0)) return "";
  const e = Math.log10(value);
  const k = Math.floor(e + 1e-9);
  if (isPowerOfTen(value)) return powerOfTen(Math.round(e));
  const decades = Math.log10(scale.max / scale.min);
  const mantissa = Math.round((value / 10 ** k) * 1000) / 1000;
  const plain = Math.abs(k) <= 3;
  const text = plain ? String(Number(value.toPrecision(6))) : `${mantissa}×${powerOfTen(k)}`;
  if (decades < 1) return text;
  if (decades <= 2 && (mantissa === 2 || mantissa === 5)) return text;
  return "";
}

/** Fills the whole canvas white before anything is drawn (PNG would otherwise be transparent). */
const whiteBackground: Plugin<"scatter"> = {
  id: "qstWhiteBackground",
  beforeDraw(chart) {
    const ctx = chart.ctx;
    ctx.save();
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, chart.width, chart.height);
    ctx.restore();
  },
};

/** Puts some space between the legend and the plot (Chart.js has no option for it). */
function legendMargin(margin: number): Plugin<"scatter"> {
  return {
    id: "qstLegendMargin",
    beforeInit(chart) {
      const legend = chart.legend as unknown as { fit: () => void; height: number } | undefined;
      if (!legend) return;
      const fit = legend.fit;
      legend.fit = function (this: { height: number }) {
        fit.call(this);
        if (this.height > 0) this.height += margin;
      };
    },
  };
}

/** Horizontal reference lines across the chart area, under the data. */
const referenceLines: Plugin<"scatter"> = {
  id: "qstReferenceLines",
  beforeDatasetsDraw(chart) {
    const { ctx, chartArea: area } = chart;
    chart.data.datasets.forEach((d, i) => {
      const ds = d as QstDataset;
      if (ds.qstReferenceY === undefined || !chart.isDatasetVisible(i)) return;
      const scale = chart.scales[ds.yAxisID ?? "y"];
      const py = scale.getPixelForValue(ds.qstReferenceY);
      if (!(py >= area.top - 0.5 && py <= area.bottom + 0.5)) return;
      ctx.save();
      ctx.strokeStyle = String(ds.borderColor);
      ctx.lineWidth = Number(ds.borderWidth);
      ctx.setLineDash((ds.borderDash as number[] | undefined) ?? []);
      ctx.beginPath();
      ctx.moveTo(area.left, py);
      ctx.lineTo(area.right, py);
      ctx.stroke();
      ctx.restore();
    });
  },
};

/** Vertical error bars with caps, drawn over each point of the datasets that carry `qstErrors`. */
const errorBars: Plugin<"scatter"> = {
  id: "qstErrorBars",
  afterDatasetsDraw(chart) {
    const { ctx, chartArea: area } = chart;
    const cap = Math.max(4, 0.0065 * chart.width);
    chart.data.datasets.forEach((d, i) => {
      const ds = d as QstDataset;
      const errors = ds.qstErrors;
      if (!errors || !chart.isDatasetVisible(i)) return;
      const meta = chart.getDatasetMeta(i);
      const scale = chart.scales[meta.yAxisID ?? "y"];
      const isLog = scale.type === "logarithmic";
      ctx.save();
      ctx.beginPath();
      ctx.rect(area.left - cap, area.top, area.right - area.left + 2 * cap, area.bottom - area.top);
      ctx.clip();
      ctx.strokeStyle = String(ds.borderColor);
      ctx.lineWidth = Math.max(1.5, 0.0018 * chart.width);
      ctx.setLineDash([]);
      meta.data.forEach((element, j) => {
        const err = errors[j];
        const point = ds.data[j];
        if (!(err > 0) || !point) return;
        const x = element.x;
        const top = scale.getPixelForValue(point.y + err);
        const low = point.y - err;
        const lowClipped = isLog && low <= 0;
        const bottom = lowClipped ? area.bottom + 1 : scale.getPixelForValue(low);
        ctx.beginPath();
        ctx.moveTo(x, top);
        ctx.lineTo(x, bottom);
        ctx.moveTo(x - cap, top);
        ctx.lineTo(x + cap, top);
        if (!lowClipped) {
          ctx.moveTo(x - cap, bottom);
          ctx.lineTo(x + cap, bottom);
        }
        ctx.stroke();
      });
      ctx.restore();
    });
  },
};

interface LegendInternals {
  options: { display: boolean; labels: { boxWidth: number } };
  legendItems?: LegendItem[];
  legendHitBoxes?: { left: number; top: number; width: number; height: number }[];
}

/**
 * Legend samples that look like the data: the line with its dash pattern, the marker, and an
 * error bar for series that have them. Chart.js lays the legend out (its own boxes are made
 * invisible by `generateLabels`), and this draws into the boxes.
 */
const legendSamples: Plugin<"scatter"> = {
  id: "qstLegendSamples",
  afterDraw(chart) {
    const legend = chart.legend as unknown as LegendInternals | undefined;
    if (!legend?.options.display || !legend.legendItems || !legend.legendHitBoxes) return;
    const { ctx } = chart;
    const boxWidth = legend.options.labels.boxWidth;
    legend.legendItems.forEach((item, i) => {
      const box = legend.legendHitBoxes![i];
      const ds =
        item.datasetIndex === undefined
          ? undefined
          : (chart.data.datasets[item.datasetIndex] as QstDataset | undefined);
      if (!box || !ds) return;
      const y = box.top + box.height / 2;
      const x0 = box.left;
      const xc = box.left + boxWidth / 2;
      const color = String(ds.borderColor);
      ctx.save();
      ctx.strokeStyle = color;
      if (ds.showLine) {
        ctx.lineWidth = Number(ds.borderWidth);
        ctx.setLineDash((ds.borderDash as number[] | undefined) ?? []);
        ctx.beginPath();
        ctx.moveTo(x0, y);
        ctx.lineTo(x0 + boxWidth, y);
        ctx.stroke();
        ctx.setLineDash([]);
      }
      if (ds.qstErrors) {
        const half = box.height * 0.42;
        const cap = Math.max(4, 0.0065 * chart.width);
        ctx.lineWidth = Math.max(1.5, 0.0018 * chart.width);
        ctx.beginPath();
        ctx.moveTo(xc, y - half);
        ctx.lineTo(xc, y + half);
        ctx.moveTo(xc - cap, y - half);
        ctx.lineTo(xc + cap, y - half);
        ctx.moveTo(xc - cap, y + half);
        ctx.lineTo(xc + cap, y + half);
        ctx.stroke();
      }
      const radius = Number(ds.pointRadius ?? 0);
      if (radius > 0) {
        ctx.fillStyle = String(ds.backgroundColor);
        ctx.lineWidth = Number(ds.pointBorderWidth ?? 1);
        lib().helpers.drawPoint(
          ctx,
          { pointStyle: ds.pointStyle as PointStyle, rotation: 0, radius, borderWidth: ctx.lineWidth },
          xc,
          y,
        );
      }
      ctx.restore();
    });
  },
};

function finiteOrUndefined(v: number | undefined, what: string): number | undefined {
  if (v === undefined) return undefined;
  ensure(Number.isFinite(v), `plot: ${what} must be a finite number (got ${v})`);
  return v;
}

function validateSpec(spec: PlotSpec): void {
  ensure(typeof spec.xLabel === "string" && typeof spec.yLabel === "string", "plot: xLabel and yLabel are required");
  ensure(Array.isArray(spec.series), "plot: series must be an array");
  for (const [name, v] of [
    ["width", spec.width],
    ["height", spec.height],
  ] as const) {
    if (v !== undefined)
      ensure(
        Number.isInteger(v) && v >= 200 && v <= 10000,
        `plot: ${name} must be an integer from 200 to 10000 (got ${v})`,
      );
  }
  if (spec.scale !== undefined)
    ensure(spec.scale > 0 && spec.scale <= 8, `plot: scale must be in (0, 8] (got ${spec.scale})`);
  for (const [lo, hi, lname, hname] of [
    [spec.xMin, spec.xMax, "xMin", "xMax"],
    [spec.yMin, spec.yMax, "yMin", "yMax"],
    [spec.y2Min, spec.y2Max, "y2Min", "y2Max"],
  ] as const) {
    finiteOrUndefined(lo, lname);
    finiteOrUndefined(hi, hname);
    if (lo !== undefined && hi !== undefined) ensure(lo < hi, `plot: ${lname} (${lo}) must be below ${hname} (${hi})`);
  }
  if (spec.logX)
    for (const v of [spec.xMin, spec.xMax]) if (v !== undefined) ensure(v > 0, "plot: log x axis limits must be > 0");
  if (spec.logY)
    for (const v of [spec.yMin, spec.yMax]) if (v !== undefined) ensure(v > 0, "plot: log y axis limits must be > 0");
  if (spec.logY2)
    for (const v of [spec.y2Min, spec.y2Max])
      if (v !== undefined) ensure(v > 0, "plot: log y2 axis limits must be > 0");
  for (const s of spec.series) {
    ensure(typeof s.label === "string", "plot: every series needs a label");
    ensure(Array.isArray(s.x) && Array.isArray(s.y), `plot: series "${s.label}" needs x and y arrays`);
    ensure(
      s.x.length === s.y.length,
      `plot: series "${s.label}" has ${s.x.length} x values but ${s.y.length} y values`,
    );
    if (s.yError)
      ensure(
        s.yError.length === s.y.length,
        `plot: series "${s.label}" has ${s.y.length} y values but ${s.yError.length} error bars`,
      );
    if (s.yAxis === "right" && !spec.panels)
      ensure(spec.y2Label !== undefined, `plot: series "${s.label}" uses the right axis but the spec has no y2Label`);
    if (spec.panels)
      ensure(
        Number.isInteger(s.panel ?? 0) && (s.panel ?? 0) < spec.panels.length,
        `plot: series "${s.label}" is for panel ${s.panel}, which does not exist`,
      );
  }
  for (const [k, panel] of (spec.panels ?? []).entries()) {
    finiteOrUndefined(panel.yMin, `panel ${k} yMin`);
    finiteOrUndefined(panel.yMax, `panel ${k} yMax`);
    if (panel.logY)
      for (const v of [panel.yMin, panel.yMax])
        if (v !== undefined) ensure(v > 0, "plot: log y axis limits must be > 0");
  }
  for (const r of spec.referenceLines ?? []) {
    ensure(Number.isFinite(r.y), `plot: reference line "${r.label}" needs a finite y (got ${r.y})`);
    if (spec.logY) ensure(r.y > 0, `plot: reference line "${r.label}" at y = ${r.y} cannot be shown on a log y axis`);
  }
}

interface AxisExtent {
  min: number;
  max: number;
}

function blankTopLabel(scale: Scale): void {
  const top = scale.ticks[scale.ticks.length - 1];
  if (top && top.value >= scale.max) top.label = "";
}

function widen(ext: AxisExtent | undefined, lo: number, hi: number): AxisExtent {
  return ext ? { min: Math.min(ext.min, lo), max: Math.max(ext.max, hi) } : { min: lo, max: hi };
}

function buildConfig(
  spec: PlotSpec,
  width: number,
  height: number,
  pixelRatio: number,
): ChartConfiguration<"scatter", PlotPoint[]> {
  // Sizes scale with the layout so a smaller canvas keeps the same proportions.
  const f = Math.min(2, Math.max(0.6, Math.sqrt((width * height) / (DEFAULT_WIDTH * DEFAULT_HEIGHT))));
  const px = (v: number) => Math.round(v * f * 10) / 10;
  const datasets: QstDataset[] = [];
  const extents: Record<string, AxisExtent | undefined> = {};
  const panels = spec.panels?.length ? spec.panels : undefined;
  let plotted = 0;
  let markerIndex = 0;

  spec.series.forEach((s, i) => {
    const axis = panels ? `p${s.panel ?? 0}` : s.yAxis === "right" ? "y2" : "y";
    const logY = panels ? panels[s.panel ?? 0].logY : axis === "y2" ? spec.logY2 : spec.logY;
    const color = s.color ?? PALETTE[i % PALETTE.length];
    const style = s.style ?? (s.yError ? "points" : "line");
    const data: PlotPoint[] = [];
    const errs: number[] = [];
    for (let j = 0; j < s.x.length; j++) {
      const x = s.x[j];
      const y = s.y[j];
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      if ((spec.logX && x <= 0) || (logY && y <= 0)) continue;
      const e = s.yError ? s.yError[j] : 0;
      const err = Number.isFinite(e) && e > 0 ? e : 0;
      data.push({ x, y });
      errs.push(err);
      const lo = logY && y - err <= 0 ? y : y - err;
      extents[axis] = widen(extents[axis], lo, y + err);
    }
    plotted += data.length;
    const markers = style !== "line";
    datasets.push({
      label: s.label,
      data,
      showLine: style !== "points",
      borderColor: color,
      // Hollow markers where there are error bars: a bar shorter than the marker still shows.
      backgroundColor: s.yError ? "#ffffff" : color,
      borderWidth: px(3),
      borderDash: s.dashed ? [px(12), px(7)] : [],
      pointStyle: markers ? POINT_STYLES[markerIndex++ % POINT_STYLES.length] : "line",
      pointRadius: markers ? px(6) : 0,
      pointHoverRadius: markers ? px(6) : 0,
      pointBorderWidth: px(1.5),
      tension: 0,
      yAxisID: axis,
      clip: px(10),
      qstErrors: s.yError ? errs : undefined,
    });
  });
  ensure(
    plotted > 0,
    "plot: there are no data points to draw (every value is missing, not finite, or ≤ 0 on a log axis)",
  );

  const firstAxis = panels ? "p0" : "y";
  (spec.referenceLines ?? []).forEach((r, k) => {
    extents[firstAxis] = widen(extents[firstAxis], r.y, r.y);
    datasets.push({
      label: r.label,
      data: [],
      showLine: true,
      borderColor: r.color ?? REFERENCE_COLORS[k % REFERENCE_COLORS.length],
      backgroundColor: r.color ?? REFERENCE_COLORS[k % REFERENCE_COLORS.length],
      borderWidth: px(2.5),
      borderDash: REFERENCE_DASHES[k % REFERENCE_DASHES.length].map(px),
      pointStyle: "line",
      pointRadius: 0,
      yAxisID: firstAxis,
      qstReferenceY: r.y,
    });
  });

  const tickFont = { family: FONT_STACK, size: px(20) };
  const titleFont = { family: FONT_STACK, size: px(24) };
  const gridColor = (log: boolean | undefined) => (ctx: ScriptableScaleContext) =>
    log && ctx.tick && !isPowerOfTen(ctx.tick.value) ? GRID_MINOR : GRID_MAJOR;

  function axis(
    title: string,
    log: boolean | undefined,
    min: number | undefined,
    max: number | undefined,
    ext: AxisExtent | undefined,
    position: "left" | "right" | "bottom",
  ) {
    let lo = min;
    let hi = max;
    let suggestedMin: number | undefined;
    let suggestedMax: number | undefined;
    if (log && ext) {
      // Whole decades, as in most papers.
      if (lo === undefined) lo = 10 ** Math.floor(Math.log10(ext.min) + 1e-9);
      if (hi === undefined) hi = 10 ** Math.ceil(Math.log10(ext.max) - 1e-9);
      if (!(hi > lo)) hi = lo * 10;
    } else if (ext && position !== "bottom") {
      suggestedMin = ext.min;
      suggestedMax = ext.max;
    }
    return {
      type: log ? ("logarithmic" as const) : ("linear" as const),
      position,
      min: lo,
      max: hi,
      suggestedMin,
      suggestedMax,
      grace: log || position === "bottom" ? undefined : "4%",
      title: { display: true, text: title, font: titleFont, color: TEXT_COLOR, padding: { top: px(6), bottom: px(6) } },
      ticks: {
        font: tickFont,
        color: TEXT_COLOR,
        maxRotation: 0,
        autoSkip: !log,
        padding: px(6),
        includeBounds: true,
        // Plain numbers whatever the machine's locale: "0.5" and "10000", not "0,5" or "10,000".
        format: { useGrouping: false },
        ...(log
          ? {
              callback: function (this: Scale, value: number | string) {
                return logTickLabel(this, Number(value));
              },
            }
          : {}),
      },
      // Only the left axis draws grid lines across the plot; the right one draws its ticks only.
      grid: {
        color: gridColor(log),
        lineWidth: 1,
        tickLength: px(8),
        tickColor: "#444444",
        drawOnChartArea: position !== "right",
      },
      border: { color: "#222222", width: px(1.5) },
    };
  }

  const scales: Record<string, ReturnType<typeof axis> & { stack?: string; offset?: boolean }> = {
    x: axis(spec.xLabel, spec.logX, spec.xMin, spec.xMax, undefined, "bottom"),
  };
  if (panels) {
    // Chart.js stacks left axes that share a `stack` into bands, the last declared on top.
    for (let k = panels.length - 1; k >= 0; k--) {
      const p = panels[k];
      scales[`p${k}`] = {
        ...axis(p.yLabel, p.logY, p.yMin, p.yMax, extents[`p${k}`], "left"),
        stack: "panels",
        offset: true,
        // The label at a lower band's top edge would print over the bottom label of the band above.
        ...(k > 0 ? { afterTickToLabelConversion: (scale: Scale) => blankTopLabel(scale) } : {}),
      };
    }
  } else {
    scales.y = axis(spec.yLabel, spec.logY, spec.yMin, spec.yMax, extents.y, "left");
  }
  let xmin = Infinity;
  let xmax = -Infinity;
  for (const d of datasets) {
    for (const p of d.data) {
      xmin = Math.min(xmin, p.x);
      xmax = Math.max(xmax, p.x);
    }
  }
  if (spec.logX) {
    // Whole decades on a log x axis too.
    scales.x.min ??= 10 ** Math.floor(Math.log10(xmin) + 1e-9);
    scales.x.max ??= 10 ** Math.ceil(Math.log10(xmax) - 1e-9);
    if (!(scales.x.max! > scales.x.min!)) scales.x.max = scales.x.min! * 10;
  } else if (markerIndex > 0 && xmax > xmin) {
    // Markers and error bars at the first and last x would sit on the plot's frame: leave a margin
    // (and no tick labels at the odd limits).
    const margin = 0.03 * (xmax - xmin);
    scales.x.min ??= xmin - margin;
    scales.x.max ??= xmax + margin;
    scales.x.ticks = { ...scales.x.ticks, includeBounds: false };
  }
  if (spec.y2Label !== undefined && !panels) {
    scales.y2 = axis(spec.y2Label, spec.logY2, spec.y2Min, spec.y2Max, extents.y2, "right");
  }

  return {
    type: "scatter",
    data: { datasets },
    options: {
      responsive: false,
      maintainAspectRatio: false,
      animation: false,
      devicePixelRatio: pixelRatio,
      locale: "en-US",
      events: [],
      layout: { padding: { top: px(8), right: px(28), bottom: px(8), left: px(8) } },
      scales,
      plugins: {
        title: {
          display: spec.title !== undefined && spec.title !== "",
          text: spec.title ?? "",
          font: { family: FONT_STACK, size: px(26), weight: "bold" },
          color: TEXT_COLOR,
          padding: { top: px(4), bottom: px(10) },
        },
        legend: {
          display: datasets.length > 0,
          position: "top",
          labels: {
            font: { family: FONT_STACK, size: px(20) },
            color: TEXT_COLOR,
            boxWidth: px(56),
            boxHeight: px(22),
            padding: px(18),
            // Invisible boxes: legendSamples draws the samples.
            generateLabels: (chart) =>
              lib()
                .chart.Chart.defaults.plugins.legend.labels.generateLabels(chart)
                .map((item) => ({
                  ...item,
                  fillStyle: "rgba(0,0,0,0)",
                  strokeStyle: "rgba(0,0,0,0)",
                  lineWidth: 0,
                  lineDash: [],
                })),
          },
        },
        tooltip: { enabled: false },
      },
    },
    plugins: [whiteBackground, legendMargin(px(10)), referenceLines, errorBars, legendSamples],
  };
}

/** Draws the plot and returns the bytes of a PNG, SVG or PDF file. */
export async function renderPlot(spec: PlotSpec, format: PlotFormat = "png"): Promise<Buffer> {
  validateSpec(spec);
  ensure(
    format === "png" || format === "svg" || format === "pdf",
    `plot: unknown format "${format}" (use png, svg or pdf)`,
  );
  await ensurePlotFonts();
  const { Chart } = lib().chart;
  const { createCanvas, PDFDocument, SvgExportFlag } = lib().canvas;
  const width = spec.width ?? DEFAULT_WIDTH;
  const height = spec.height ?? DEFAULT_HEIGHT;

  if (format === "png") {
    const canvas = createCanvas(width, height);
    const chart = new Chart(
      canvas as unknown as HTMLCanvasElement,
      buildConfig(spec, width, height, spec.scale ?? DEFAULT_SCALE),
    );
    try {
      return await canvas.encode("png");
    } finally {
      chart.destroy();
    }
  }
  if (format === "svg") {
    // Text becomes outlines, so the SVG looks the same without DejaVu Sans on the reader's machine.
    const canvas = createCanvas(width, height, SvgExportFlag.ConvertTextToPaths);
    const chart = new Chart(canvas as unknown as HTMLCanvasElement, buildConfig(spec, width, height, 1));
    try {
      return canvas.getContent();
    } finally {
      chart.destroy();
    }
  }
  // PDF: Chart.js needs a canvas-like object whose context points back at it.
  const doc = new PDFDocument({ title: spec.title ?? "", creator: "qst" });
  const ctx = doc.beginPage(width, height);
  const pseudoCanvas = { width, height, style: {}, getContext: () => ctx };
  Object.defineProperty(ctx, "canvas", { value: pseudoCanvas, configurable: true });
  const chart = new Chart(pseudoCanvas as unknown as HTMLCanvasElement, buildConfig(spec, width, height, 1));
  doc.endPage();
  const pdf = doc.close();
  chart.destroy();
  return pdf;
}

/** The image format for a file name: .png, .svg or .pdf. */
export function plotFormatFromPath(file: string): PlotFormat {
  const ext = path.extname(file).toLowerCase();
  if (ext === ".png") return "png";
  if (ext === ".svg") return "svg";
  if (ext === ".pdf") return "pdf";
  throw new QstError(`${file}: cannot tell the image format from the extension "${ext}" (use .png, .svg or .pdf)`);
}

/**
 * Renders the plot completely, then writes it atomically (temporary file beside the target, then
 * rename), so a failure leaves no empty or partial image and keeps any previous file intact.
 */
export async function writePlot(file: string, spec: PlotSpec): Promise<void> {
  const format = plotFormatFromPath(file);
  const dir = path.dirname(path.resolve(file));
  ensure(
    fs.existsSync(dir) && fs.statSync(dir).isDirectory(),
    `${file}: cannot write the plot, directory ${dir} does not exist`,
  );
  ensure(
    !(fs.existsSync(file) && fs.statSync(file).isDirectory()),
    `${file}: cannot write the plot, it is a directory`,
  );
  const bytes = await renderPlot(spec, format);
  ensure(bytes.length > 0, `${file}: rendering produced no bytes`);
  try {
    writeAtomicSync(file, bytes);
  } catch (e) {
    throw new QstError(`${file}: cannot write the plot (${(e as Error).message})`);
  }
}

// ---------------------------------------------------------------------------------------------
// Reading logs and tables
// ---------------------------------------------------------------------------------------------

/** Source line of each parsed row, for error messages. */
const rowLines = new WeakMap<object, number>();

function where(source: string, row: object, index: number): string {
  const line = rowLines.get(row);
  return line !== undefined ? `${source}:${line}` : `${source}: row ${index + 1}`;
}

function readText(file: string, what: string): string {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") throw new QstError(`${file}: no such ${what}`);
    throw new QstError(`${file}: cannot read the ${what} (${(e as Error).message})`);
  }
  ensure(stat.isFile(), `${file}: not a file`);
  const text = fs.readFileSync(file, "utf8").replace(/^\uFEFF/, "");
  ensure(text.trim().length > 0, `${file}: the ${what} is empty`);
  return text;
}

function snippet(line: string): string {
  const t = line.trim();
  return t.length > 60 ? `${t.slice(0, 57)}...` : t;
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return typeof v === "object" ? "an object" : `${typeof v} ${JSON.stringify(v)}`;
}

function parseJsonLines(text: string, file: string): { line: number; obj: Record<string, unknown> }[] {
  const out: { line: number; obj: Record<string, unknown> }[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    if (raw.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (e) {
      throw new QstError(`${file}:${i + 1}: malformed line, not valid JSON (${(e as Error).message}): ${snippet(raw)}`);
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw new QstError(`${file}:${i + 1}: malformed line, expected a JSON object but found ${describe(value)}`);
    }
    out.push({ line: i + 1, obj: value as Record<string, unknown> });
  });
  return out;
}

/**
 * Where JSON text stops being valid (V8's JSON.parse does not always say): a small scanner
 * that follows the JSON grammar, used only to point at the line of a parse error.
 */
function jsonErrorOffset(text: string): number | undefined {
  let i = 0;
  const ws = () => {
    while (i < text.length && " \t\r\n".includes(text[i])) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === "{" || c === "[") {
      const close = c === "{" ? "}" : "]";
      i++;
      ws();
      if (text[i] === close) {
        i++;
        return;
      }
      for (;;) {
        if (c === "{") {
          ws();
          if (text[i] !== '"') fail();
          string();
          ws();
          if (text[i] !== ":") fail();
          i++;
        }
        value();
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === close) {
          i++;
          return;
        } else fail();
      }
    }
    if (c === '"') {
      string();
      return;
    }
    const m = /^(-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 400));
    if (!m) fail();
    i += m![0].length;
  };
  const string = (): void => {
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
    if (i >= text.length) fail();
    i++;
  };
  try {
    value();
    ws();
    return i < text.length ? i : undefined;
  } catch (at) {
    return typeof at === "number" ? at : undefined;
  }
}

function parseJsonArray(text: string, file: string): { line: number | undefined; obj: Record<string, unknown> }[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const pos = /position (\d+)/.exec(msg);
    const offset = pos ? Number(pos[1]) : jsonErrorOffset(text);
    const line = offset !== undefined ? text.slice(0, offset).split("\n").length : undefined;
    throw new QstError(`${file}${line ? `:${line}` : ""}: malformed JSON (${msg})`);
  }
  ensure(Array.isArray(value), `${file}: expected a JSON array of objects (one per row)`);
  return value.map((obj, i) => {
    ensure(
      obj !== null && typeof obj === "object" && !Array.isArray(obj),
      `${file}: element ${i + 1} of the array is ${describe(obj)}, expected an object`,
    );
    return { line: undefined, obj: obj as Record<string, unknown> };
  });
}

/** Splits one CSV line; double quotes protect commas ("" inside quotes is a quote). */
function splitCsvLine(line: string, at: string): string[] {
  const cells: string[] = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"' && cur.trim() === "") {
      quoted = true;
      cur = "";
    } else if (c === ",") {
      cells.push(cur.trim());
      cur = "";
    } else cur += c;
  }
  ensure(!quoted, `${at}: malformed line, a quoted field is not closed`);
  cells.push(cur.trim());
  return cells;
}

const NUMBER_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?(Infinity|inf)$/i;
const MISSING = new Set(["", "null", "na", "nan", "none"]);

function csvCell(cell: string): number | string | null {
  if (MISSING.has(cell.toLowerCase())) return null;
  if (NUMBER_RE.test(cell)) return /inf/i.test(cell) ? (cell.startsWith("-") ? -Infinity : Infinity) : Number(cell);
  return cell;
}

function parseCsv(text: string, file: string): { line: number; obj: Record<string, unknown> }[] {
  const lines = text.split(/\r?\n/);
  let header: string[] | undefined;
  const out: { line: number; obj: Record<string, unknown> }[] = [];
  lines.forEach((raw, i) => {
    if (raw.trim() === "" || raw.trimStart().startsWith("#")) return;
    const cells = splitCsvLine(raw, `${file}:${i + 1}`);
    if (!header) {
      header = cells;
      header.forEach((name, k) => {
        ensure(name !== "", `${file}:${i + 1}: column ${k + 1} of the header has no name`);
        ensure(header!.indexOf(name) === k, `${file}:${i + 1}: column "${name}" appears twice in the header`);
      });
      return;
    }
    ensure(
      cells.length === header.length,
      `${file}:${i + 1}: malformed line, expected ${header.length} comma-separated values (as in the header) but found ${cells.length}`,
    );
    const obj: Record<string, unknown> = {};
    for (const [k, name] of header.entries()) obj[name] = csvCell(cells[k]);
    out.push({ line: i + 1, obj });
  });
  ensure(header !== undefined, `${file}: the file is empty`);
  ensure(out.length > 0, `${file}: has a header but no data rows`);
  return out;
}

function parseAny(text: string, file: string): { line: number | undefined; obj: Record<string, unknown> }[] {
  const first = text.trimStart()[0];
  if (first === "[") return parseJsonArray(text, file);
  if (first === "{") return parseJsonLines(text, file);
  return parseCsv(text, file);
}

/** Column names in order of first appearance. */
export function columnsOf(rows: readonly object[]): string[] {
  const seen = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) seen.add(k);
  return [...seen];
}

function requireColumns(rows: readonly object[], columns: readonly string[], source: string): void {
  const available = columnsOf(rows);
  for (const c of columns) {
    ensure(available.includes(c), () => `${source}: no column "${c}"; available columns: ${available.join(", ")}`);
  }
}

/**
 * Reads a training log: JSON lines (one object per epoch), a JSON array, or CSV with a header.
 * Every row needs a numeric `epoch`; other numeric values are kept, null and missing values are
 * left out, and non-numeric values are ignored. `columns` are checked to exist.
 */
export function readTrainingLog(file: string, columns: readonly string[] = []): TrainingLogRow[] {
  const text = readText(file, "training log");
  const rows = parseAny(text, file).map(({ line, obj }, i) => {
    const at = line !== undefined ? `${file}:${line}` : `${file}: row ${i + 1}`;
    const epoch = obj.epoch;
    ensure(
      typeof epoch === "number" && Number.isFinite(epoch),
      `${at}: malformed line, no numeric "epoch" (found ${describe(epoch)})`,
    );
    const row: TrainingLogRow = { epoch };
    for (const [k, v] of Object.entries(obj)) {
      if (k === "epoch") continue;
      if (typeof v === "number") row[k] = v;
      else if (v === null) row[k] = null;
    }
    if (line !== undefined) rowLines.set(row, line);
    return row;
  });
  requireColumns(rows, columns, file);
  return rows;
}

/**
 * Reads a table: CSV with a header, a JSON array of objects, or JSON lines. Cells that read as
 * numbers become numbers; empty, NA, NaN, null and none cells become null. `columns` are checked
 * to exist.
 */
export function readTable(file: string, columns: readonly string[] = []): TableRow[] {
  const text = readText(file, "table");
  const rows = parseAny(text, file).map(({ line, obj }, i) => {
    const row: TableRow = {};
    for (const [k, v] of Object.entries(obj)) {
      if (v === null || typeof v === "number" || typeof v === "string") row[k] = v;
      else if (typeof v === "boolean") row[k] = String(v);
      else
        throw new QstError(
          `${line !== undefined ? `${file}:${line}` : `${file}: row ${i + 1}`}: column "${k}" holds ${describe(v)}, expected a number or text`,
        );
    }
    if (line !== undefined) rowLines.set(row, line);
    return row;
  });
  ensure(rows.length > 0, `${file}: the table has no rows`);
  requireColumns(rows, columns, file);
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Data → spec
// ---------------------------------------------------------------------------------------------

interface MetricDef {
  key: string;
  label: string;
  axisTitle: string;
  log: boolean;
  transform: (v: number) => number;
}

const identity = (v: number) => v;

/** Metrics with a known meaning; any other name is plotted as is, on a linear axis. */
export const TRAINING_METRICS: Record<string, Omit<MetricDef, "transform"> & { transform?: (v: number) => number }> = {
  nll: { key: "nll", label: "NLL", axisTitle: "Negative log-likelihood", log: false },
  fidelity: { key: "fidelity", label: "Fidelity F", axisTitle: "Fidelity F", log: false },
  infidelity: {
    key: "fidelity",
    label: "Infidelity 1 − F",
    axisTitle: "Infidelity 1 − F",
    log: true,
    transform: (v) => 1 - v,
  },
  kl: { key: "kl", label: "KL divergence", axisTitle: "KL divergence", log: true },
  // density models (docs/density.md)
  trace_distance: { key: "trace_distance", label: "Trace distance", axisTitle: "Trace distance ½‖ρ − σ‖₁", log: true },
  purity: { key: "purity", label: "Purity tr ρ²", axisTitle: "Purity tr ρ²", log: false },
  grad_norm: { key: "grad_norm", label: "Gradient norm", axisTitle: "Gradient norm ‖g‖", log: true },
  lr: { key: "lr", label: "Learning rate", axisTitle: "Learning rate η", log: true },
};

function metricDef(name: string): MetricDef {
  const known = TRAINING_METRICS[name];
  if (known) return { ...known, transform: known.transform ?? identity };
  return { key: name, label: name, axisTitle: name, log: false, transform: identity };
}

/** Published or reference values of a raw log key (e.g. QuCumber's fidelity after n epochs). */
export interface ReferencePoints {
  label: string;
  /** The raw log key the values are of, e.g. "fidelity" (also shown as 1 − F for "infidelity"). */
  metric: string;
  points: { x: number; y: number }[];
}

export interface TrainingCurvesOptions {
  /** Log key on the x axis: "epoch" (default), "step" or "time_s". */
  x?: string;
  xLabel?: string;
  logX?: boolean;
  title?: string;
  /** Prefix of the series labels, e.g. "RBM n_h = 10". */
  runLabel?: string;
  references?: ReferencePoints[];
  referenceLines?: ReferenceLine[];
  width?: number;
  height?: number;
  /** Name of the log in error messages (default "training log"). */
  source?: string;
}

const X_TITLES: Record<string, string> = { epoch: "Epoch", step: "Update step", time_s: "Wall time (s)" };

/** Up to this many points a curve also shows its markers: where the values were measured. */
const MARKED_POINTS = 60;

/**
 * Training curves against epoch (or step/time). Metrics: "nll" (linear), "fidelity" (linear),
 * "infidelity" (1 − F, log), "kl" (log), "grad_norm" (log), "lr" (log), or any other log key
 * (linear). Several metrics get a panel each, stacked over the shared x axis, since their scales
 * differ by orders of magnitude. Curves of few points (exact metrics every --eval-every epochs)
 * show their points. Rows without a value for a metric are skipped for that metric.
 */
export function trainingCurvesSpec(
  log: readonly TrainingLogRow[],
  metrics: readonly string[],
  opts: TrainingCurvesOptions = {},
): PlotSpec {
  const source = opts.source ?? "training log";
  ensure(log.length > 0, `${source}: no rows to plot`);
  ensure(metrics.length > 0, "plot: name at least one metric to plot");
  const xKey = opts.x ?? "epoch";
  const defs = metrics.map(metricDef);
  requireColumns(log, [xKey, ...defs.map((d) => d.key)], source);
  for (const [i, d] of defs.entries()) {
    ensure(
      log.some((r) => typeof r[d.key] === "number" && Number.isFinite(r[d.key] as number)),
      `${source}: column "${d.key}" (for ${metrics[i]}) has no numeric values`,
    );
  }
  const prefix = opts.runLabel ? `${opts.runLabel}: ` : "";
  const single = defs.length === 1;

  const series: Series[] = defs.map((d, k) => {
    const x: number[] = [];
    const y: number[] = [];
    for (const r of log) {
      const xv = r[xKey];
      const v = r[d.key];
      if (typeof xv !== "number" || typeof v !== "number") continue;
      x.push(xv);
      y.push(d.transform(v));
    }
    const style = x.length <= MARKED_POINTS ? "line+points" : "line";
    return {
      label: opts.runLabel && single ? opts.runLabel : `${prefix}${d.label}`,
      x,
      y,
      style,
      ...(single ? {} : { panel: k }),
    };
  });

  for (const ref of opts.references ?? []) {
    const targets = defs.map((d, k) => ({ d, k })).filter(({ d }) => d.key === ref.metric);
    ensure(
      targets.length > 0,
      `plot: reference "${ref.label}" is for "${ref.metric}", which is not among the plotted metrics (${metrics.join(", ")})`,
    );
    for (const { d, k } of targets) {
      series.push({
        label: targets.length === defs.length ? ref.label : `${ref.label} (${d.label})`,
        x: ref.points.map((p) => p.x),
        y: ref.points.map((p) => d.transform(p.y)),
        style: "points",
        color: "#000000",
        ...(single ? {} : { panel: k }),
      });
    }
  }

  // A fidelity axis ends at 1 (F ≤ 1), not at the next round number above it.
  const yMax = (m: string) => (m === "fidelity" ? 1 : undefined);
  return {
    title: opts.title,
    xLabel: opts.xLabel ?? X_TITLES[xKey] ?? xKey,
    yLabel: single ? defs[0].axisTitle : defs.map((d) => d.label).join(", "),
    logX: opts.logX,
    logY: defs[0].log,
    yMax: single ? yMax(metrics[0]) : undefined,
    series,
    referenceLines: opts.referenceLines,
    width: opts.width,
    height: opts.height,
    // Short labels on the panels' axes: each band is a fraction of the height.
    ...(single ? {} : { panels: defs.map((d, k) => ({ yLabel: d.label, logY: d.log, yMax: yMax(metrics[k]) })) }),
  };
}

export interface ObservableSweepOptions {
  /** Column of the swept parameter, e.g. "h". */
  x: string;
  /** Column of the estimate, e.g. "mean". */
  y: string;
  /** Column of its standard error (error bars), e.g. "stderr". */
  yError?: string;
  /** Column of the exact value, drawn as a line, e.g. "exact". */
  exact?: string;
  /** Column that splits rows into several series, e.g. "N" for several system sizes. */
  groupBy?: string;
  xLabel?: string;
  yLabel?: string;
  /** Label of the estimates (default "RBM estimate"). */
  label?: string;
  /** Label of the exact line (default "Exact"). */
  exactLabel?: string;
  title?: string;
  logX?: boolean;
  logY?: boolean;
  referenceLines?: ReferenceLine[];
  width?: number;
  height?: number;
  /** Name of the table in error messages (default "table"). */
  source?: string;
}

function numericCell(row: TableRow, col: string, source: string, index: number): number | null {
  const v = row[col];
  if (v === undefined || v === null) return null;
  if (typeof v === "number") return v;
  throw new QstError(`${where(source, row, index)}: column "${col}" is not a number ("${v}")`);
}

/**
 * Estimates with error bars against a parameter (e.g. ⟨|M|⟩/N against the transverse field h),
 * with the exact values as a line of the same colour. Rows are sorted by x; rows whose estimate
 * is missing are skipped.
 */
export function observableSweepSpec(rows: readonly TableRow[], opts: ObservableSweepOptions): PlotSpec {
  const source = opts.source ?? "table";
  ensure(rows.length > 0, `${source}: no rows to plot`);
  const wanted = [opts.x, opts.y, opts.yError, opts.exact, opts.groupBy].filter((c): c is string => c !== undefined);
  requireColumns(rows, wanted, source);

  const groups = new Map<string, { key: number | string | null; rows: { row: TableRow; index: number }[] }>();
  rows.forEach((row, index) => {
    const key = opts.groupBy ? (row[opts.groupBy] ?? null) : null;
    const id = String(key);
    if (!groups.has(id)) groups.set(id, { key, rows: [] });
    groups.get(id)!.rows.push({ row, index });
  });
  const ordered = [...groups.values()].sort((a, b) =>
    typeof a.key === "number" && typeof b.key === "number" ? a.key - b.key : String(a.key).localeCompare(String(b.key)),
  );

  const label = opts.label ?? "RBM estimate";
  const exactLabel = opts.exactLabel ?? "Exact";
  const series: Series[] = [];
  const exactSeries: Series[] = [];
  ordered.forEach((g, gi) => {
    const suffix = opts.groupBy ? ` (${opts.groupBy} = ${g.key})` : "";
    const color = PALETTE[gi % PALETTE.length];
    const pts: { x: number; y: number | null; e: number; exact: number | null }[] = [];
    for (const { row, index } of g.rows) {
      const x = numericCell(row, opts.x, source, index);
      if (x === null) continue;
      pts.push({
        x,
        y: numericCell(row, opts.y, source, index),
        e: opts.yError ? (numericCell(row, opts.yError, source, index) ?? 0) : 0,
        exact: opts.exact ? numericCell(row, opts.exact, source, index) : null,
      });
    }
    pts.sort((a, b) => a.x - b.x);
    const est = pts.filter((p) => p.y !== null);
    if (est.length > 0) {
      series.push({
        label: `${label}${suffix}`,
        x: est.map((p) => p.x),
        y: est.map((p) => p.y as number),
        yError: opts.yError ? est.map((p) => p.e) : undefined,
        style: "points",
        color,
      });
    }
    const ex = pts.filter((p) => p.exact !== null);
    if (opts.exact && ex.length > 0) {
      exactSeries.push({
        label: `${exactLabel}${suffix}`,
        x: ex.map((p) => p.x),
        y: ex.map((p) => p.exact as number),
        style: "line",
        color: opts.groupBy ? color : "#000000",
      });
    }
  });
  ensure(series.length > 0 || exactSeries.length > 0, `${source}: column "${opts.y}" has no numeric values`);
  return {
    title: opts.title,
    xLabel: opts.xLabel ?? opts.x,
    yLabel: opts.yLabel ?? opts.y,
    logX: opts.logX,
    logY: opts.logY,
    // Chart.js draws the first dataset on top: estimates over the exact lines.
    series: [...series, ...exactSeries],
    referenceLines: opts.referenceLines,
    width: opts.width,
    height: opts.height,
  };
}

// ---------------------------------------------------------------------------------------------
// File to file
// ---------------------------------------------------------------------------------------------

/** Reads a training log and writes its curves; nothing is written if the log is unusable. */
export async function plotTrainingLog(
  logFile: string,
  outFile: string,
  metrics: readonly string[],
  opts: TrainingCurvesOptions = {},
): Promise<void> {
  plotFormatFromPath(outFile);
  const log = readTrainingLog(logFile);
  await writePlot(outFile, trainingCurvesSpec(log, metrics, { source: logFile, ...opts }));
}

/** Reads a table and writes an observable sweep; nothing is written if the table is unusable. */
export async function plotObservableSweep(
  tableFile: string,
  outFile: string,
  opts: ObservableSweepOptions,
): Promise<void> {
  plotFormatFromPath(outFile);
  const rows = readTable(tableFile);
  await writePlot(outFile, observableSweepSpec(rows, { source: tableFile, ...opts }));
}
