/** Every qst command, in the order --help lists them. */
import type { CommandModule } from "yargs";
import { evaluateCommand } from "./evaluate.js";
import { exactCommand } from "./exact.js";
import { generateCommand } from "./generate.js";
import { observeCommand } from "./observe.js";
import { plotCommand } from "./plot.js";
import { sampleCommand } from "./sample.js";
import { trainCommand } from "./train.js";

// biome-ignore lint/suspicious/noExplicitAny: each command has its own argument type
export const commands: CommandModule<any, any>[] = [
  trainCommand,
  evaluateCommand,
  sampleCommand,
  observeCommand,
  generateCommand,
  exactCommand,
  plotCommand,
];
