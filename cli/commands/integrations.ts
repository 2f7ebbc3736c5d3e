/** `sfp server integration create | list | get | update | rollback | delete | credentials`. */
import { type Command, Option } from "commander";
import type { CreateIntegrationInput, UpdateIntegrationInput } from "../../client/index.ts";
import { command, serverCommand } from "../command.ts";
import { selectedField } from "../credential-field.ts";
import { CliError, EXIT_USAGE } from "../errors.ts";
import { collect, ifVersionOption, jsonObject, versionOption } from "../input.ts";
import { record, table } from "../output.ts";
import { credentialsInput, type CredentialsOptions, credentialsOptions } from "../secret-input.ts";
import { CREDENTIALS_COLUMNS, INTEGRATION_COLUMNS, integrationRecord } from "../views.ts";

type Provider = CreateIntegrationInput["provider"];

interface ScopeOptions {
  global?: boolean;
  project?: string[];
}

interface CreateOptions extends CredentialsOptions, ScopeOptions {
  provider: Provider;
  authType: string;
  config?: string;
  json?: boolean;
}

interface UpdateOptions extends CredentialsOptions, ScopeOptions {
  id: string;
  authType?: string;
  config?: string;
  ifVersion?: number;
  json?: boolean;
}

const ID = "-i, --id <id>";
const ID_HELP = "the integration's id (from list)";
const EXAMPLE_ID = "9d2e4c1a-5b7f-4e2a-8c3d-1f6a7b8c9d0e";

/** The options that say where an integration applies. */
function addScopeOptions(target: Command): Command {
  return target
    .option("--global", "every project may use it")
    .addOption(new Option("--project <identifier>", "a project it is scoped to (repeat for more)").argParser(collect).conflicts("global"));
}

/** The scope options as the API's body fields. */
function scopeInput(options: ScopeOptions): { isGlobal?: boolean; projects?: string[] } {
  return { ...(options.global ? { isGlobal: true } : {}), ...(options.project ? { projects: options.project } : {}) };
}

export function addIntegrationCommands(server: Command): void {
  const integration = server.command("integration").description("integrations: credentials for Jira, GitHub and more, global or scoped to projects");

  const create = command(integration, {
    name: "create",
    description:
      "stores credentials, encrypted, global or scoped to projects (owners); the credentials come from a file or stdin, never from a flag; prints their metadata, never the credentials",
    example: "sfp server integration create --provider jira --auth-type basic_auth --global --credentials-file jira-credentials.json",
  })
    .requiredOption("--provider <provider>", "github, jira, gitlab, azure-devops, ... (the README's table)")
    .requiredOption("--auth-type <type>", "pat, oauth, app, basic_auth, ... (the README's table)");
  for (const option of credentialsOptions()) create.addOption(option);
  addScopeOptions(create).option("--config <json>", "provider-specific configuration as a JSON object, e.g. '{\"apiUrl\": \"https://github.example.com/api/v3\"}'");
  serverCommand<CreateOptions>(create, async (options, { client }) => {
    if (!options.global && !options.project) throw new CliError("give --global or at least one --project", EXIT_USAGE);
    const credentials = credentialsInput(options);
    if (!credentials) throw new CliError("give --credentials-file <path> or --credentials-stdin", EXIT_USAGE);
    const created = await client.createIntegration({
      provider: options.provider,
      authType: options.authType,
      credentials,
      ...scopeInput(options),
      ...(options.config ? { config: jsonObject(options.config, "--config") } : {}),
    });
    return { text: record(integrationRecord(created)), data: created };
  });

  serverCommand<{ provider?: Provider; json?: boolean }>(
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

  serverCommand<{ id: string; json?: boolean }>(
    command(integration, {
      name: "get",
      description: "one integration's metadata, its version and the versions kept for a rollback, never credentials (owners)",
      example: `sfp server integration get -i ${EXAMPLE_ID}`,
    }).requiredOption(ID, ID_HELP),
    async (options, { client }) => {
      const found = await client.getIntegration(options.id);
      return { text: record([...integrationRecord(found), ["versions kept", found.versions.join(", ")]]), data: found };
    },
  );

  const update = command(integration, {
    name: "update",
    description:
      "changes credentials (from a file or stdin), the auth type with them, the config or the scope, as a new version (owners); prints the metadata, never the credentials",
    example: `sfp server integration update -i ${EXAMPLE_ID} --credentials-file jira-credentials.json --if-version 1`,
  }).requiredOption(ID, ID_HELP);
  for (const option of credentialsOptions()) update.addOption(option);
  addScopeOptions(update)
    .option("--auth-type <type>", "a new auth type (only together with new credentials)")
    .option("--config <json>", "the new provider-specific configuration, a JSON object (replaces the old one)")
    .addOption(ifVersionOption("integration"));
  serverCommand<UpdateOptions>(update, async (options, { client }) => {
    const credentials = credentialsInput(options);
    const input: UpdateIntegrationInput = {
      ...(credentials ? { credentials } : {}),
      ...(options.authType ? { authType: options.authType } : {}),
      ...(options.config ? { config: jsonObject(options.config, "--config") } : {}),
      ...scopeInput(options),
    };
    if (Object.keys(input).length === 0) {
      throw new CliError("nothing to change: give --credentials-file or --credentials-stdin, --config, --global or --project", EXIT_USAGE);
    }
    const updated = await client.updateIntegration(options.id, input, { ifVersion: options.ifVersion });
    return { text: record(integrationRecord(updated)), data: updated };
  });

  serverCommand<{ id: string; version: number; ifVersion?: number; json?: boolean }>(
    command(integration, {
      name: "rollback",
      description: "makes a kept version's credentials (and auth type) current again, as a new version (owners)",
      example: `sfp server integration rollback -i ${EXAMPLE_ID} --version 1`,
    })
      .requiredOption(ID, ID_HELP)
      .addOption(versionOption("--version <n>", "the kept version to go back to (get lists them)").makeOptionMandatory())
      .addOption(ifVersionOption("integration")),
    async (options, { client }) => {
      const rolledBack = await client.rollbackIntegration(options.id, options.version, { ifVersion: options.ifVersion });
      return { text: record(integrationRecord(rolledBack)), data: rolledBack };
    },
  );

  serverCommand<{ id: string; json?: boolean }>(
    command(integration, {
      name: "delete",
      description: "deletes an integration: no read returns its credentials from then on (owners)",
      example: `sfp server integration delete -i ${EXAMPLE_ID}`,
    }).requiredOption(ID, ID_HELP),
    async (options, { client }) => {
      const deleted = await client.deleteIntegration(options.id);
      return { text: `Deleted integration ${deleted.id} (${deleted.provider} ${deleted.auth_type})\n`, data: deleted };
    },
  );

  serverCommand<{ provider?: Provider; project?: string; field?: string; json?: boolean }>(
    command(integration, {
      name: "credentials",
      description:
        "the credentials that apply (a project's own, else the global ones), printed as the API returns them (owners, application tokens; every read audited); --field prints one value alone",
      example: "sfp server integration credentials --provider jira --project acme-corp/salesforce-main --field api_token",
    })
      .option("--provider <provider>", "github, jira, ...")
      .option("--project <identifier>", "the project they are for (without it: the global ones)")
      .option("--field <name>", "print only this credential field's value (e.g. token, api_token), for $(...) in scripts; an error unless exactly one integration matches and it has the field"),
    async (options, { client }) => {
      const read = await client.readCredentials({
        ...(options.provider ? { provider: options.provider } : {}),
        ...(options.project ? { project: options.project } : {}),
      });
      if (options.field !== undefined) {
        const value = selectedField(read, options.field);
        return { text: `${typeof value === "string" ? value : JSON.stringify(value)}\n`, data: value };
      }
      return { text: table(read, CREDENTIALS_COLUMNS), data: read };
    },
  );
}
