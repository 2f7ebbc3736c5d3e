/** `sfp server project create | list | get | update | delete`. */
import type { Command } from "commander";
import type { UpdateProjectInput } from "../../client/index.ts";
import { command, serverCommand } from "../command.ts";
import { PROJECT_COLUMNS, projectRecord } from "../views.ts";
import { ifVersionOption, jsonValueArgument } from "../input.ts";
import { record, table } from "../output.ts";

const IDENTIFIER = "-r, --identifier <identifier>";
const IDENTIFIER_HELP = "the project's identifier, e.g. acme-corp/salesforce-main";

export function addProjectCommands(server: Command): void {
  const project = server.command("project").description("projects: the repositories integrations are scoped to");

  serverCommand<{ identifier: string; remoteUrl: string; json?: boolean }>(
    command(project, {
      name: "create",
      aliases: ["register"],
      description: "registers a project (owners)",
      example: 'sfp server project create --identifier "acme-corp/salesforce-main" --remote-url "https://github.com/acme-corp/salesforce-main"',
    })
      .requiredOption(IDENTIFIER, `${IDENTIFIER_HELP} ("org/repo" for GitHub)`)
      .requiredOption("--remote-url <url>", "the repository's URL (https://, ssh://, git:// or user@host:path)"),
    async (options, { client }) => {
      const created = await client.createProject({ identifier: options.identifier, remoteUrl: options.remoteUrl });
      return { text: record(projectRecord(created)), data: created };
    },
  );

  serverCommand(
    command(project, { name: "list", description: "every project, by identifier", example: "sfp server project list" }),
    async (_options, { client }) => {
      const projects = await client.listProjects();
      return { text: projects.length ? table(projects, PROJECT_COLUMNS) : "No projects.\n", data: projects };
    },
  );

  serverCommand<{ identifier: string; json?: boolean }>(
    command(project, {
      name: "get",
      description: "one project, with its configuration and the integrations that apply to it",
      example: "sfp server project get -r acme-corp/salesforce-main",
    }).requiredOption(IDENTIFIER, IDENTIFIER_HELP),
    async (options, { client }) => {
      const found = await client.getProject(options.identifier);
      return { text: record(projectRecord(found)), data: found };
    },
  );

  serverCommand<{ identifier: string; property: string; value: UpdateProjectInput["value"]; ifVersion?: number; json?: boolean }>(
    command(project, {
      name: "update",
      description:
        "changes one property: remoteUrl, configuration, or one key of it such as configuration.workItems (owners); a new version each time",
      example:
        `sfp server project update -r acme-corp/salesforce-main -p configuration.workItems -v '{"provider":"jira","jiraProjects":["DP"],"baseUrl":"https://acme.atlassian.net/browse"}'`,
    })
      .requiredOption(IDENTIFIER, IDENTIFIER_HELP)
      .requiredOption("-p, --property <property>", "remoteUrl, configuration or configuration.<key>[.<key>...]")
      .requiredOption("-v, --value <json>", "the new value as JSON (null removes a configuration key); text that is not JSON is a string", jsonValueArgument)
      .addOption(ifVersionOption("project")),
    async (options, { client }) => {
      const updated = await client.updateProject(
        options.identifier,
        { property: options.property, value: options.value },
        { ifVersion: options.ifVersion },
      );
      return { text: record(projectRecord(updated)), data: updated };
    },
  );

  serverCommand<{ identifier: string; force?: boolean; json?: boolean }>(
    command(project, {
      name: "delete",
      description: "deletes a project (owners); refused while integrations are scoped to it alone, unless --force",
      example: "sfp server project delete -r acme-corp/salesforce-main",
    })
      .requiredOption(IDENTIFIER, IDENTIFIER_HELP)
      .option("--force", "also when integrations are scoped to it alone: they lose that scope and are read by no one"),
    async (options, { client }) => {
      const deleted = await client.deleteProject(options.identifier, { force: options.force === true });
      return { text: `Deleted project ${deleted.identifier}\n`, data: deleted };
    },
  );
}
