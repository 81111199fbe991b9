#!/usr/bin/env node
// Assembles src/kernels/kernels.wat into src/kernels/kernels-wasm.ts (the binary as base64, and the
// context layout of abi.mjs as KERNEL_ABI), so that the build needs only tsc and the runtime needs
// nothing outside Node. Run after editing the .wat or abi.mjs:
//   node src/kernels/assemble.mjs
// (wabt is a devDependency; test/sampling.test.ts checks that the embedded binary is up to date.)
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import crypto from "node:crypto";
import { CONTEXTS, KERNEL_ABI } from "./abi.mjs";

/**
 * Replaces every `offset={struct.field}` by the field's byte offset. The placeholder must address
 * its own struct, `(local.get $struct)`, so that a field of one context is never read from another.
 */
export function substituteOffsets(watText, abi = KERNEL_ABI) {
  return watText.replace(/offset=\{([^}]*)\}(\s*\(local\.get \$([\w.]+)\))?/g, (_m, ref, operand, local, at) => {
    const where = `kernels.wat:${watText.slice(0, at).split("\n").length}`;
    const [struct, field, ...rest] = ref.split(".");
    const known = Object.hasOwn(abi, struct) && Object.hasOwn(abi[struct].fields, field ?? "") && !rest.length;
    const f = known ? abi[struct].fields[field] : null;
    if (!f) throw new Error(`${where}: {${ref}} is not a field of src/kernels/abi.mjs`);
    if (local !== struct) throw new Error(`${where}: {${ref}} must be followed by (local.get $${struct})`);
    return `offset=${4 * f.index}${operand}`;
  });
}

/**
 * Expands every template: the lines from `;; @template P=a,b,…` to `;; @end template` become one copy
 * per value of P, in that order. In a copy, `{P}` is the value, and a line ending in a comment
 * `;; @if P<op>n` (op one of = ≠ < > ≤ ≥, as =, !=, <, >, <=, >=) is kept only where the condition
 * holds (the comment dropped). Run after substituteOffsets, whose error messages give the line
 * numbers of kernels.wat as written.
 */
export function expandTemplates(watText) {
  const lines = watText.split("\n");
  const out = [];
  for (let i = 0; i < lines.length; i++) {
    const start = /^\s*;; @template (\w+)=([\d,]+)\s*$/.exec(lines[i]);
    if (!start) {
      if (/;; @(if|end)\b/.test(lines[i])) throw new Error(`kernels.wat:${i + 1}: @if or @end outside a template`);
      out.push(lines[i]);
      continue;
    }
    const [, name, values] = start;
    const end = lines.findIndex((l, j) => j > i && /^\s*;; @(end template|template)\b/.test(l));
    if (end < 0 || !/@end template/.test(lines[end]))
      throw new Error(`kernels.wat:${i + 1}: template without @end template`);
    const body = lines.slice(i + 1, end);
    for (const value of values.split(",").map(Number)) {
      body.forEach((line, j) => {
        const cond = /\s*;; @if (\w+)(=|!=|<=|>=|<|>)(\d+)\s*$/.exec(line);
        if (/;; @if/.test(line) && (!cond || cond[1] !== name))
          throw new Error(`kernels.wat:${i + 2 + j}: expected ;; @if ${name}<op>n at the end of the line`);
        if (cond) {
          const n = Number(cond[3]);
          const keep = {
            "=": value === n,
            "!=": value !== n,
            "<": value < n,
            ">": value > n,
            "<=": value <= n,
            ">=": value >= n,
          }[cond[2]];
          if (!keep) return;
          line = line.slice(0, cond.index);
        }
        out.push(line.replaceAll(`{${name}}`, String(value)));
      });
    }
    i = end;
  }
  return out.join("\n");
}

export async function assemble(watText) {
  const wabt = await (await import("wabt")).default();
  const mod = wabt.parseWat("kernels.wat", expandTemplates(substituteOffsets(watText)), { simd: true, threads: true });
  // (wabt's validate() ignores the threads feature; V8 validates on compile below.)
  const { buffer } = mod.toBinary({ log: false, write_debug_names: true });
  mod.destroy();
  new WebAssembly.Module(buffer);
  return Buffer.from(buffer);
}

/** KERNEL_ABI as TypeScript, each field with its description. */
function abiSource() {
  const lines = ["export const KERNEL_ABI = {"];
  for (const [name, { bytes, fields }] of Object.entries(KERNEL_ABI)) {
    lines.push(`  ${name}: {`, `    bytes: ${bytes},`, "    fields: {");
    for (const [field, { index, words }] of Object.entries(fields)) {
      const spec = CONTEXTS[name][field];
      const doc = typeof spec === "string" ? spec : spec.doc;
      lines.push(`      /** ${doc} */`, `      ${field}: { index: ${index}, words: ${words} },`);
    }
    lines.push("    },", "  },");
  }
  lines.push("} as const;");
  return lines.join("\n") + "\n";
}

const here = path.dirname(fileURLToPath(import.meta.url));
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const wat = fs.readFileSync(path.join(here, "kernels.wat"), "utf8");
  const abi = fs.readFileSync(path.join(here, "abi.mjs"), "utf8");
  const bin = await assemble(wat);
  const sha = crypto.createHash("sha256").update(wat).update(abi).digest("hex");
  const b64 = bin.toString("base64");
  const lines = b64.match(/.{1,100}/g) ?? [];
  const out =
    "// Generated by src/kernels/assemble.mjs from src/kernels/kernels.wat and abi.mjs: do not edit by hand.\n" +
    "/** SHA-256 of kernels.wat followed by abi.mjs, the sources of this file. */\n" +
    `export const KERNELS_SOURCE_SHA256 = "${sha}";\n` +
    abiSource() +
    "export const KERNELS_WASM_BASE64 =\n" +
    lines.map((l) => `  "${l}"`).join(" +\n") +
    ";\n";
  fs.writeFileSync(path.join(here, "kernels-wasm.ts"), out);
  console.log(`kernels.wat → kernels-wasm.ts: ${bin.length} bytes of WebAssembly`);
}
