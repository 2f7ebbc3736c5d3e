/** The `sfp` command tree (commander). */
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { addApplicationTokenCommands } from "./commands/application-tokens.ts";
import { addAuditCommands } from "./commands/audit.ts";
import { addAuthCommands } from "./commands/auth.ts";
import { addIntegrationCommands } from "./commands/integrations.ts";
import { addOidcCommands } from "./commands/oidc.ts";
import { addProjectCommands } from "./commands/projects.ts";
import { addUserCommands } from "./commands/users.ts";
import { addWorkItemCommands } from "./commands/work-items.ts";
import { configPath } from "./config.ts";

const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };

/** The example of each group's --help (the commands below them have their own). */
const GROUP_EXAMPLES: Record<string, string> = {
  "sfp server": "sfp server project list",
  "sfp server auth": "sfp server auth login --sfp-server-url https://sfp.example.com --token-stdin < token.txt",
  "sfp server project": "sfp server project list",
  "sfp server integration": "sfp server integration list",
  "sfp server application-token": "sfp server application-token list",
  "sfp server oidc-policy": "sfp server oidc-policy list",
  "sfp server oidc": "sfp server oidc explain --token-file job-token.txt",
  "sfp server user": "sfp server user list",
  "sfp server audit": "sfp server audit verify",
  "sfp work-items": 'sfp work-items list --project "acme-corp/salesforce-main"',
};

export function createProgram(): Command {
  const program = new Command("sfp")
    .description("sfp server's Integrations from the command line: projects, integrations, application tokens, the team, the audit log, and work items read with stored credentials")
    .version(version, "-V, --version", "print the CLI's version")
    // The program's options only before a command: `integration rollback --version <n>` is the rollback's.
    .enablePositionalOptions()
    .addHelpText(
      "after",
      `
Connection: --sfp-server-url and -t/--application-token on each command (or SFP_SERVER_URL and
SFP_SERVER_TOKEN), else what sfp server auth login saved in
  ${configPath()}
(SFP_CONFIG_DIR, else XDG_CONFIG_HOME, chooses the folder). Every command takes --json.
Exit codes: 0 done, 1 refused or failed (the reason on stderr), 2 a wrong command line.

Example:
  $ sfp server project list
`,
    );

  const server = program.command("server").description("the sfp server: sign in, projects, integrations, application tokens, the team, the audit log");
  addAuthCommands(server);
  addProjectCommands(server);
  addIntegrationCommands(server);
  addApplicationTokenCommands(server);
  addOidcCommands(server);
  addUserCommands(server);
  addAuditCommands(server);
  addWorkItemCommands(program);

  const visit = (command: Command, prefix: string) => {
    const name = `${prefix}${command.name()}`;
    if (name in GROUP_EXAMPLES) command.addHelpText("after", `\nExample:\n  $ ${GROUP_EXAMPLES[name]}\n`);
    // Usage errors and --help/--version come back as exceptions (main.ts sets the exit code).
    command.exitOverride();
    command.commands.forEach((sub) => visit(sub, `${name} `));
  };
  visit(program, "");
  return program;
}
