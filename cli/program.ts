/** The `sfp` command tree (commander). */
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { addApplicationTokenCommands } from "./commands/application-tokens.ts";
import { addIntegrationCommands } from "./commands/integrations.ts";
import { addProjectCommands } from "./commands/projects.ts";
import { addSessionCommands } from "./commands/server.ts";
import { addWorkItemCommands } from "./commands/work-items.ts";
import { configPath } from "./config.ts";

const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };

/** Adds "Example:" to the --help of every command that has none of its own (the groups). */
function exampleForGroups(command: Command, example: string): void {
  command.addHelpText("after", `\nExample:\n  $ ${example}\n`);
}

export function createProgram(): Command {
  const program = new Command("sfp")
    .description("sfp server's Integrations from the command line: projects, integrations, application tokens, and work items read with stored credentials")
    .version(version, "-V, --version", "print the CLI's version")
    .addHelpText(
      "after",
      `
Connection: --sfp-server-url and -t/--application-token on each command (or SFP_SERVER_URL and
SFP_SERVER_TOKEN), else what sfp server login saved in
  ${configPath()}
(SFP_CONFIG_DIR, else XDG_CONFIG_HOME, chooses the folder). Every command takes --json.
Exit codes: 0 done, 1 refused or failed (the reason on stderr), 2 a wrong command line.

Example:
  $ sfp server project list
`,
    );

  const server = program.command("server").description("the sfp server: sign in, projects, integrations, application tokens");
  exampleForGroups(server, "sfp server login --sfp-server-url https://sfp.example.com --token-stdin < token.txt");
  addSessionCommands(server);
  addProjectCommands(server);
  addIntegrationCommands(server);
  addApplicationTokenCommands(server);
  addWorkItemCommands(program);

  for (const [group, example] of [
    ["project", "sfp server project list"],
    ["integration", "sfp server integration list"],
    ["application-token", "sfp server application-token list"],
  ] as const) {
    exampleForGroups(server.commands.find((command) => command.name() === group)!, example);
  }
  exampleForGroups(program.commands.find((command) => command.name() === "work-items")!, 'sfp work-items list --project "acme-corp/salesforce-main"');

  // Usage errors and --help/--version come back as exceptions (main.ts sets the exit code).
  const exitOverride = (command: Command) => {
    command.exitOverride();
    command.commands.forEach(exitOverride);
  };
  exitOverride(program);
  return program;
}
