/**
 * The `sfp` CLI (started by cli/sfp.js): runs the command line, prints what a command
 * answers on stdout, and any failure as one line on stderr with a non-zero exit code.
 */
import { CommanderError } from "commander";
import { CliError, describeFailure, EXIT_USAGE } from "./errors.ts";
import { cleanCell } from "./output.ts";
import { createProgram } from "./program.ts";

try {
  await createProgram().parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Commander printed its message (or the help, or the version) already.
    process.exitCode = error.exitCode === 0 ? 0 : EXIT_USAGE;
  } else {
    const { line, exitCode } = error instanceof CliError ? { line: error.message, exitCode: error.exitCode } : describeFailure(error);
    process.stderr.write(`error: ${cleanCell(line)}\n`);
    process.exitCode = exitCode;
  }
}
