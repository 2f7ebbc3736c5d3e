/** `sfp work-items list`: a project's Jira issues, read with the credential the sfp server holds. */
import type { Command } from "commander";
import { command, serverCommand } from "../command.ts";
import { WORK_ITEM_COLUMNS } from "../views.ts";
import { integerArgument } from "../input.ts";
import { table } from "../output.ts";
import { withProgress } from "../progress.ts";
import { listWorkItems } from "../work-items.ts";

export function addWorkItemCommands(program: Command): void {
  const workItems = program.command("work-items").description("work items: the issues of a project's Jira projects");

  serverCommand<{ project: string; jql?: string; limit: number; json?: boolean }>(
    command(workItems, {
      name: "list",
      description:
        "the issues of the project's configuration.workItems.jiraProjects, most recently updated first, read with its Jira credential (needs a token that may read credentials: an owner's or an application token)",
      example: 'sfp work-items list --project "acme-corp/salesforce-main"',
    })
      .requiredOption("--project <identifier>", "the project, e.g. acme-corp/salesforce-main")
      .option("--jql <condition>", 'only the issues that also meet this JQL condition (no ORDER BY), e.g. "status != Done"')
      .option("--limit <n>", "at most this many issues, 1 to 1000", integerArgument(1, 1000), 50),
    async (options, { client }) => {
      const items = await withProgress("Reading work items", () => listWorkItems(client, options));
      return { text: items.length ? table(items, WORK_ITEM_COLUMNS) : "No work items.\n", data: items };
    },
  );
}
