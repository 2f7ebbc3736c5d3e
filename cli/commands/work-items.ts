/** `sfp work-items list`: a project's Jira issues, read with the credential the sfp server holds. */
import type { Command } from "commander";
import { command, serverCommand } from "../command.ts";
import { collect, integerArgument } from "../input.ts";
import { table } from "../output.ts";
import { withProgress } from "../progress.ts";
import { WORK_ITEM_COLUMNS } from "../views.ts";
import { listWorkItems, type WorkItemsQuery } from "../work-items.ts";

export function addWorkItemCommands(program: Command): void {
  const workItems = program.command("work-items").description("work items: the issues of a project's Jira projects");

  serverCommand<WorkItemsQuery & { json?: boolean }>(
    command(workItems, {
      name: "list",
      description:
        "the issues of the project's configuration.workItems.jiraProjects, most recently updated first, read from Jira with the project's stored Jira credential (a token that may read credentials: an owner's or an application token)",
      example: 'sfp work-items list --project "acme-corp/salesforce-main" --status "In Progress" --max-results 20',
    })
      .requiredOption("--project <identifier>", "the project, e.g. acme-corp/salesforce-main")
      .option("--status <status>", 'only issues in this status, e.g. "In Progress" (repeat for any of several)', collect)
      .option("--type <type>", "only issues of this type, e.g. Bug (repeat for any of several)", collect)
      .option("--assignee <account>", "only issues assigned to this Jira account id; me: the credential's user; none: unassigned")
      .option("--jql <condition>", 'only issues that also meet this JQL condition (no ORDER BY), e.g. "labels = release"')
      .option("--max-results <n>", "at most this many issues, 1 to 100", integerArgument(1, 100), 50),
    async (options, { client }) => {
      const items = await withProgress("Reading work items", (setLabel) =>
        listWorkItems(client, options, (count) => setLabel(`Reading work items: ${count}`)));
      return { text: items.length ? table(items, WORK_ITEM_COLUMNS) : "No work items.\n", data: items };
    },
  );
}
