/**
 * qst plot: training curves from a log, or estimates with error bars against a parameter from a
 * table. PNG by default; .svg and .pdf by the output's extension. Nothing is written on bad input.
 */
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import { QstError } from "../../src/index.js";
import { plotObservableSweep, plotTrainingLog, type ReferencePoints } from "../../src/io/plot.js";
import { handler, printJson } from "../common.js";
import { checkOutputs } from "../outputs.js";

interface PlotArgs {
  input: string;
  out: string;
  metrics: string;
  x?: string;
  y?: string;
  error?: string;
  exact?: string;
  group?: string;
  "x-label"?: string;
  "y-label"?: string;
  title?: string;
  "log-x": boolean;
  "log-y"?: boolean;
  reference?: string[];
  json: boolean;
}

/** "QuCumber CD-10:100=0.925,200=0.965,500=0.989" → reference points on the first metric. */
function parseReference(spec: string, metric: string): ReferencePoints {
  const m = /^(.*):(.*)$/.exec(spec);
  if (!m) throw new QstError(`--reference '${spec}': expected LABEL:x=y,x=y,…`);
  const points = m[2].split(",").map((pair) => {
    const [x, y] = pair.split("=").map(Number);
    if (!Number.isFinite(x) || !Number.isFinite(y))
      throw new QstError(`--reference '${spec}': cannot read '${pair}' as x=y`);
    return { x, y };
  });
  return { label: m[1], metric, points };
}

export const plotCommand: CommandModule<object, PlotArgs> = {
  command: "plot <input>",
  describe:
    "Plot training curves from a log (JSON lines), or estimates with error bars against a parameter from a table (--y)",
  builder: (y: Argv) =>
    y
      .positional("input", {
        type: "string",
        demandOption: true,
        describe: "training log (.jsonl / .csv), or a table (CSV with header, or JSON) with --y",
      })
      .option("out", { type: "string", demandOption: true, describe: "figure to write: .png, .svg or .pdf" })
      .option("metrics", {
        type: "string",
        default: "infidelity,kl",
        describe: "training-log metrics, comma-separated: fidelity, infidelity (1−F, log axis), kl, nll, grad_norm, lr",
      })
      .option("x", {
        type: "string",
        describe: "x column (training log: epoch, step or time_s; table: the swept parameter, e.g. h)",
      })
      .option("y", { type: "string", describe: "table mode: column of the estimates (e.g. mean)" })
      .option("error", { type: "string", describe: "table mode: column of the standard errors (error bars)" })
      .option("exact", { type: "string", describe: "table mode: column of the exact values (drawn as a line)" })
      .option("group", { type: "string", describe: "table mode: column splitting the rows into series (e.g. N)" })
      .option("x-label", { type: "string", describe: "x-axis title" })
      .option("y-label", { type: "string", describe: "y-axis title" })
      .option("title", { type: "string", describe: "figure title" })
      .option("log-x", { type: "boolean", default: false, describe: "logarithmic x axis" })
      .option("log-y", { type: "boolean", describe: "table mode: logarithmic y axis" })
      .option("reference", {
        type: "string",
        array: true,
        describe: "training-log mode: reference points LABEL:x=y,x=y (on the first metric's raw values)",
      })
      .option("json", {
        type: "boolean",
        default: false,
        describe: 'print {"out": …} as the last stdout line',
      }) as unknown as Argv<PlotArgs>,
  handler: handler(async (args: ArgumentsCamelCase<PlotArgs>) => {
    checkOutputs([{ path: args.out, flag: "--out" }], [{ path: args.input, what: "input" }]);
    if (args.y) {
      await plotObservableSweep(args.input, args.out, {
        x: args.x ?? "x",
        y: args.y,
        yError: args.error,
        exact: args.exact,
        groupBy: args.group,
        xLabel: args["x-label"],
        yLabel: args["y-label"],
        title: args.title,
        logX: args["log-x"],
        logY: args["log-y"],
      });
    } else {
      const metrics = args.metrics
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
      const references = (args.reference ?? []).map((r) =>
        parseReference(r, metrics[0] === "infidelity" ? "fidelity" : metrics[0]),
      );
      await plotTrainingLog(args.input, args.out, metrics, {
        x: args.x,
        xLabel: args["x-label"],
        title: args.title,
        logX: args["log-x"],
        references,
      });
    }
    if (args.json) printJson({ out: args.out });
    else process.stdout.write(`figure written to ${args.out}\n`);
  }),
};
