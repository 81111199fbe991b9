/** Runs the built CLI (dist/cli/qst.js; `npm test` builds it first) as a user would. */
import { spawn, spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const QST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../dist/cli/qst.js");

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function qst(args: string[], cwd?: string): RunResult {
  const r = spawnSync(process.execPath, [QST, ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, FORCE_COLOR: "0" },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The --json contract: the last stdout line is one JSON object. */
export function lastJson(stdout: string): any {
  const lines = stdout.trim().split("\n");
  return JSON.parse(lines[lines.length - 1]);
}

/** Starts the CLI in the background (for interruption tests). */
export function qstAsync(args: string[], cwd?: string) {
  return spawn(process.execPath, [QST, ...args], { cwd, env: { ...process.env, FORCE_COLOR: "0" } });
}
