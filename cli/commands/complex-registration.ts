/**
 * Plugs the complex (amplitude + phase RBM) model into the CLI: importing this module registers
 * the "complex" trainer for `qst train` (chosen automatically when the data has X/Y bases) and,
 * through src/complex.ts, the "complex-rbm" model-file kind and its exact evaluator, so that
 * `qst evaluate`, `qst sample` and `qst observe` read complex model files.
 */
import { ComplexTrainer } from "../../src/nn/complex.js";
import { registerTrainer } from "./train.js";

registerTrainer("complex", (data, options, state) => new ComplexTrainer(data, options, state));
