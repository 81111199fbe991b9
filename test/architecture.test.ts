/**
 * The direction of the dependencies (docs/architecture.md): each folder of src/ imports only the
 * layers below it, and the command line, scripts and examples go through the public API (scripts
 * and the CLI may also use io/, and the benchmark the kernels it measures). Import cycles are
 * caught by the linter (Biome's noImportCycles, run by npm test).
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** What each folder may import (besides itself and node/npm packages). */
const ALLOWED: Record<string, string[]> = {
  "src/core": [],
  "src/physics": ["src/core"],
  "src/kernels": ["src/core"],
  "src/nn": ["src/core", "src/kernels", "src/physics"],
  "src/sample": ["src/core", "src/kernels", "src/nn"],
  "src/train": ["src/core", "src/kernels", "src/nn", "src/sample", "src/physics"],
  "src/estimate": ["src/core", "src/nn", "src/sample", "src/physics"],
  "src/io": ["src/core", "src/physics", "src/kernels", "src/nn", "src/sample", "src/train", "src/estimate"],
  "src/index.ts": [
    "src/core",
    "src/physics",
    "src/kernels",
    "src/nn",
    "src/sample",
    "src/train",
    "src/estimate",
    "src/io",
  ],
  cli: ["src/index.ts", "src/io"],
  examples: [],
  scripts: ["src/index.ts", "src/io", "src/estimate/statistics.ts"],
  "scripts/bench.ts": ["src/index.ts", "src/io", "src/kernels"],
};

function layerOf(file: string): string | null {
  const keys = Object.keys(ALLOWED).sort((a, b) => b.length - a.length);
  return keys.find((k) => file === k || file.startsWith(k + "/")) ?? null;
}

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(rel));
    else if (/\.(ts|mjs)$/.test(e.name) && !e.name.endsWith(".d.ts")) out.push(rel);
  }
  return out;
}

/** Relative import specifiers of a file (static imports and re-exports, type-only ones included). */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(path.join(root, file), "utf8");
  const specs = [...text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s*"(\.{1,2}\/[^"]+)"/gms)].map((m) => m[1]);
  return specs.map((s) =>
    path.relative(root, path.resolve(path.dirname(path.join(root, file)), s)).replace(/\.js$/, ".ts"),
  );
}

describe("dependencies point one way", () => {
  const files = ["src", "cli", "scripts", "examples"].flatMap(sources);

  it("every file belongs to a layer", () => {
    expect(files.filter((f) => layerOf(f) === null)).toEqual([]);
  });

  it("no file imports a layer above it (or a folder it may not use)", () => {
    const violations: string[] = [];
    for (const file of files) {
      const layer = layerOf(file)!;
      for (const target of importsOf(file)) {
        const targetLayer = layerOf(target);
        if (targetLayer === layer || targetLayer === null) continue; // same folder, or outside src/cli/scripts
        const allowed = ALLOWED[layer].some((a) => target === a || target.startsWith(a + "/"));
        if (!allowed) violations.push(`${file} imports ${target}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it("examples import only the package itself", () => {
    for (const file of sources("examples")) {
      const text = fs.readFileSync(path.join(root, file), "utf8");
      const qst = [...text.matchAll(/from\s*"([^"]+)"/g)].map((m) => m[1]).filter((s) => !s.startsWith("node:"));
      expect(
        qst.every((s) => s === "qst"),
        `${file}: ${qst.join(", ")}`,
      ).toBe(true);
    }
  });
});
