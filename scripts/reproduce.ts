/**
 * `npm run reproduce`: runs every figure script (scripts/fig-*.ts) in turn, with fixed seeds, and
 * writes docs/results.md from scratch: the machine, the total wall time, headline numbers, and
 * each figure's section (text, embedded PNGs from docs/figures/, tables). Every number in the file
 * is computed here or by the figure scripts; published numbers of QuCumber are quoted as such.
 *
 * A figure script can also be run alone (node dist/scripts/fig-training.js, …): it then replaces
 * only its own section, between the <!-- fig-…:begin/end --> markers written here.
 *
 * Progress goes to stderr. If a figure script fails, its section says so, the others are still
 * written, and the exit status is 1.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { writeAtomicSync } from "../src/index.js";
import {
  RESULTS_MD,
  ROOT,
  fx,
  machineInfo,
  progress,
  table,
  type FigureResult,
  type FigureScript,
} from "./lib/paper.js";
import { script as training } from "./fig-training.js";
import { script as fieldSweep } from "./fig-field-sweep.js";
import { script as shots } from "./fig-shots.js";
import { script as phase } from "./fig-phase.js";

const SCRIPTS: { script: FigureScript; file: string }[] = [
  { script: training, file: "scripts/fig-training.ts" },
  { script: fieldSweep, file: "scripts/fig-field-sweep.ts" },
  { script: shots, file: "scripts/fig-shots.ts" },
  { script: phase, file: "scripts/fig-phase.ts" },
];

/**
 * When started by `npm run reproduce`, the wall time since npm's shell started `tsc -p . && node …`
 * (so the build is included), read from /proc; otherwise null.
 */
function npmScriptStartedSecondsAgo(): number | null {
  try {
    if (process.env.npm_lifecycle_event !== "reproduce") return null;
    const cmdline = fs.readFileSync(`/proc/${process.ppid}/cmdline`, "utf8");
    if (!cmdline.includes("reproduce")) return null;
    const stat = fs.readFileSync(`/proc/${process.ppid}/stat`, "utf8");
    // Field 22 (starttime, clock ticks since boot), counted after the ")" that ends the command name.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const startTicks = Number(fields[19]);
    const ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
    const uptime = Number(fs.readFileSync("/proc/uptime", "utf8").split(" ")[0]);
    const ago = uptime - startTicks / ticksPerSecond;
    return Number.isFinite(ago) && ago >= 0 ? ago : null;
  } catch {
    return null;
  }
}

function formatDuration(s: number): string {
  return s < 60
    ? `${s.toFixed(1)} s`
    : `${Math.floor(s / 60)} min ${(s % 60).toFixed(0).padStart(2, "0")} s (${s.toFixed(0)} s)`;
}

async function main(): Promise<void> {
  const log = progress("reproduce");
  const npmAgo = npmScriptStartedSecondsAgo();
  const beforeNode = npmAgo === null ? null : Math.max(0, npmAgo - process.uptime());
  const results: { file: string; result?: FigureResult; error?: string; seconds: number }[] = [];
  for (const { script, file } of SCRIPTS) {
    log(`running ${file}`);
    const t0 = performance.now();
    try {
      const result = await script.run();
      results.push({ file, result, seconds: result.seconds });
      log(`${file}: done in ${result.seconds.toFixed(1)} s`);
    } catch (e) {
      const error = e instanceof Error ? (e.stack ?? e.message) : String(e);
      results.push({ file, error, seconds: (performance.now() - t0) / 1000 });
      log(`${file}: FAILED after ${((performance.now() - t0) / 1000).toFixed(1)} s:\n${error}`);
    }
  }

  const nodeSeconds = process.uptime();
  const total = beforeNode === null ? null : beforeNode + nodeSeconds;
  const timing =
    total === null
      ? `${formatDuration(nodeSeconds)} for \`node dist/scripts/reproduce.js\` (not started by \`npm run reproduce\`, so the build time is not included)`
      : `${formatDuration(total)} for \`npm run reproduce\` (of which ${formatDuration(beforeNode!)} building with \`tsc -p .\` and starting Node, measured from the start of npm's script shell)`;

  const headline = results.flatMap((r) => r.result?.headline ?? []);
  const runtimes = table(
    ["script", "wall time (s)", "status"],
    results.map((r) => [`\`${r.file}\``, fx(r.seconds, 1), r.error ? "failed" : "ok"]),
  );
  const sections = results.map((r, i) => {
    const id = SCRIPTS[i].script.id;
    const body = r.result
      ? r.result.markdown
      : `## ${SCRIPTS[i].file}: not generated\n\nThe script failed on this run:\n\n\`\`\`\n${r.error}\n\`\`\``;
    return `<!-- ${id}:begin -->\n${body.trim()}\n<!-- ${id}:end -->`;
  });

  const text = `# Results: a short reproducible paper

Every figure and table below is regenerated from scratch, with fixed seeds, by \`npm run reproduce\`
(\`scripts/reproduce.ts\`, which runs \`scripts/fig-*.ts\` in turn and writes this file). Each figure
script can also be run alone after \`npm run build\`, e.g. \`node dist/scripts/fig-training.js\`; it then
replaces only its own section. Nothing in this file is typed by hand except the prose and the
published numbers of QuCumber (Beach et al., SciPost Phys. 7, 009 (2019) and its tutorials), which
are quoted for comparison, not rerun. Exact values come from Lanczos ground states (docs/exact.md);
fidelities F = |⟨ψ|ψ_λ⟩|² and KL divergences are computed exactly by enumeration.

## Run

| | |
|---|---|
${[...machineInfo(), ["Date", new Date().toISOString().replace(/\.\d+Z$/, "Z")], ["Total wall time", timing]].map(([k, v]) => `| ${k} | ${v} |`).join("\n")}

${runtimes}

## Headline numbers

${headline.length > 0 ? table(["", "value"], headline) : "(no figure script succeeded)"}

${sections.join("\n\n")}
`;
  writeAtomicSync(RESULTS_MD, text);
  log(
    `${path.relative(ROOT, RESULTS_MD)} written; total ${total === null ? formatDuration(nodeSeconds) : formatDuration(total)}`,
  );
  if (results.some((r) => r.error)) process.exitCode = 1;
}

await main();
