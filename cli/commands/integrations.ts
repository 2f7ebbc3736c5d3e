/** `sfp server integration create | list | credentials`. */
import type { Command } from "commander";
import type { CreateIntegrationInput } from "../../client/index.ts";
import { command, serverCommand } from "../command.ts";
import { CREDENTIALS_COLUMNS, hiddenCredentials, INTEGRATION_COLUMNS, integrationRecord } from "../views.ts";
import { CliError, EXIT_USAGE } from "../errors.ts";
import { collect, jsonObjectArgument } from "../input.ts";
import { record, table } from "../output.ts";

interface CreateOptions {
  provider: CreateIntegrationInput["provider"];
  authType: string;
  credentials: string;
  global?: boolean;
  project?: string[];
  config?: string;
  json?: boolean;
}

export function addIntegrationCommands(server: Command): void {
  const integration = server.command("integration").description("integrations: credentials for Jira and GitHub, global or scoped to projects");

  serverCommand<CreateOptions>(
    command(integration, {
      name: "create",
      description: "stores credentials, encrypted, global or scoped to projects (owners); prints their metadata, never the credentials",
      example:
        `sfp server integration create --provider jira --auth-type basic_auth --global --credentials '{"base_url":"https://acme.atlassian.net","username":"sfp-service@acme.com","api_token":"..."}'`,
    })
      .requiredOption("--provider <provider>", "github or jira")
      .requiredOption("--auth-type <type>", "pat, oauth, app (github), basic_auth (jira)")
      // Parsed in the action, not by commander, whose message would repeat the (secret) value.
      .requiredOption("--credentials <json>", "the credentials as JSON; @file reads a file, - reads stdin (keeps them out of the shell's history)")
      .option("--global", "every project may use it")
      .option("--project <identifier>", "a project it is scoped to (repeat for more)", collect)
      .option("--config <json>", "provider-specific configuration as JSON"),
    async (options, { client }) => {
      if (options.global === undefined && options.project === undefined) {
        throw new CliError("give --global or at least one --project", EXIT_USAGE);
      }
      const created = await client.createIntegration({
        provider: options.provider,
        authType: options.authType,
        credentials: jsonObjectArgument(options.credentials, "--credentials"),
        ...(options.global ? { isGlobal: true } : {}),
        ...(options.project ? { projects: options.project } : {}),
        ...(options.config ? { config: jsonObjectArgument(options.config, "--config") } : {}),
      });
      return { text: record(integrationRecord(created)), data: created };
    },
  );

  serverCommand<{ provider?: CreateIntegrationInput["provider"]; json?: boolean }>(
    command(integration, {
      name: "list",
      description: "every integration's metadata, never credentials (owners)",
      example: "sfp server integration list --provider jira",
    }).option("--provider <provider>", "only this provider's"),
    async (options, { client }) => {
      const integrations = await client.listIntegrations(options.provider ? { provider: options.provider } : {});
      return { text: integrations.length ? table(integrations, INTEGRATION_COLUMNS) : "No integrations.\n", data: integrations };
    },
  );

  serverCommand<{ provider?: CreateIntegrationInput["provider"]; project?: string; reveal?: boolean; json?: boolean }>(
    command(integration, {
      name: "credentials",
      description:
        "the credentials that apply (a project's own, else the global ones), as a pipeline reads them (owners, application tokens; audited); values hidden unless --reveal",
      example: "sfp server integration credentials --provider jira --project acme-corp/salesforce-main",
    })
      .option("--provider <provider>", "github or jira")
      .option("--project <identifier>", "the project they are for (without it: the global ones)")
      .option("--reveal", "print the credentials' values (for a pipeline: mind where the output goes)"),
    async (options, { client }) => {
      const read = await client.readCredentials({
        ...(options.provider ? { provider: options.provider } : {}),
        ...(options.project ? { project: options.project } : {}),
      });
      const shown = options.reveal ? read : read.map(hiddenCredentials);
      return { text: table(shown, CREDENTIALS_COLUMNS), data: shown };
    },
  );
}
