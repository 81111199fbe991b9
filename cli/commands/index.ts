/** Every qst command, in the order --help lists them. */
import type { CommandModule } from "yargs";
import { evaluateCommand } from "./evaluate.js";
import { sampleCommand } from "./sample.js";
import { trainCommand } from "./train.js";

export const commands: CommandModule<any, any>[] = [trainCommand, evaluateCommand, sampleCommand];
