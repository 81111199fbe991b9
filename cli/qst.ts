#!/usr/bin/env node
/**
 * The qst command line. Each command lives in cli/commands/; this file only assembles them.
 * Errors never escape as stack traces: see cli/common.ts.
 */
import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import { QstError } from "../src/index.js";
import { qstVersion } from "../src/io/model-file.js";
import { fail, quietOnClosedStdout } from "./common.js";
import { commands } from "./commands/index.js";

const cli = yargs(hideBin(process.argv))
  .scriptName("qst")
  .usage("qst — neural-network quantum-state tomography\n\nUsage: qst <command> [options]")
  .version(qstVersion())
  .option("debug", { type: "boolean", default: false, describe: "show stack traces of errors" })
  .strict()
  .demandCommand(1, "name a command (qst --help lists them)")
  .recommendCommands()
  .wrap(Math.min(110, process.stdout.columns ?? 100))
  // yargs' own messages can span lines; the contract is one line per error.
  .fail((msg, err) => fail(err ?? new QstError(`${msg.replace(/\s*\n\s*/g, " ")} (see qst --help)`)));
quietOnClosedStdout();
for (const command of commands) cli.command(command as never);
await cli.parseAsync();
