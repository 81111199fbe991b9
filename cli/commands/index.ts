/** Every qst command, in the order --help lists them. */
import type { CommandModule } from "yargs";
import { evaluateCommand } from "./evaluate.js";
import { exactCommand } from "./exact.js";
import { generateCommand } from "./generate.js";
import { observeCommand } from "./observe.js";
import { plotCommand } from "./plot.js";
import { sampleCommand } from "./sample.js";
import { trainCommand } from "./train.js";
import "./complex-registration.js";

export const commands: CommandModule<any, any>[] = [trainCommand, evaluateCommand, sampleCommand, observeCommand, generateCommand, exactCommand, plotCommand];
