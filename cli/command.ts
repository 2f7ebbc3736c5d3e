/**
 * How every command is built: a description, `--json`, an example in its --help, and (for the
 * commands that call the sfp server) the connection options. Its action answers what to print
 * (text for people, data for --json); a failure leaves it as a CliError with its one line,
 * which cli/main.ts prints on stderr.
 */
import type { Command } from "commander";
import { type Connection, connect, connectionOptions, type ConnectionOptions, resolveServer, resolveToken, type Server } from "./connection.ts";
import { CliError, describeFailure } from "./errors.ts";
import { json } from "./output.ts";

/** What a command prints: `text` by default, `data` as JSON with --json. */
export interface Printed {
  text: string;
  data: unknown;
  /** A failure to report after printing (stderr, exit 1): e.g. a verification that found the audit log broken. */
  failure?: string;
}

export interface CommandSpec {
  name: string;
  description: string;
  /** A complete command line, shown under "Example:" in --help. */
  example: string;
  aliases?: string[];
}

/** A command under `parent`, with --json and its example. */
export function command(parent: Command, spec: CommandSpec): Command {
  const created = parent.command(spec.name).description(spec.description).option("--json", "print the answer as JSON");
  for (const alias of spec.aliases ?? []) created.alias(alias);
  return created.addHelpText("after", `\nExample:\n  $ ${spec.example}\n`);
}

/** Runs `action` and prints what it answers; every failure leaves as a CliError. */
export function printing<O extends { json?: boolean }>(
  target: Command,
  action: (options: O) => Promise<Printed>,
  server?: () => Server | undefined,
): Command {
  return target.action(async (options: O) => {
    let printed: Printed;
    try {
      printed = await action(options);
    } catch (error) {
      const { line, exitCode } = describeFailure(error, server?.());
      throw new CliError(line, exitCode);
    }
    process.stdout.write(options.json ? json(printed.data) : printed.text);
    if (printed.failure !== undefined) throw new CliError(printed.failure);
  });
}

/** A command that calls the sfp server: the connection options, and the client in its action. */
export function serverCommand<O extends { json?: boolean }>(
  target: Command,
  action: (options: O, connection: Connection) => Promise<Printed>,
): Command {
  for (const option of connectionOptions()) target.addOption(option);
  let server: Server | undefined;
  return printing<O & ConnectionOptions>(target, (options) => {
    server = resolveServer(options);
    return action(options, connect(server, resolveToken(options)));
  }, () => server);
}
