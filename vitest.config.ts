import os from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Vitest's default keeps one core free, which on a 2-core machine runs the files one after
    // another; much of the suite waits on spawned CLI processes, so two workers there take the
    // suite from about 270 s to 170 s.
    maxWorkers: Math.max(2, os.availableParallelism() - 1),
    // h5wasm warns through a console.error bound before any test runs, so qst cannot silence it in
    // the worker: corrupt names decoded by test/fuzz.test.ts would print a stray line.
    onConsoleLog: (log) => !log.includes("Invalid UTF-8 leading byte"),
  },
});
