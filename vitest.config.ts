import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // h5wasm warns through a console.error bound before any test runs, so qst cannot silence it in
    // the worker: corrupt names decoded by test/fuzz.test.ts would print a stray line.
    onConsoleLog: (log) => !log.includes("Invalid UTF-8 leading byte"),
  },
});
