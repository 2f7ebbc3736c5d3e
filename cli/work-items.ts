/**
 * `sfp work-items list --project <identifier>`: the project's work items, read from Jira with
 * the Jira credential the sfp server holds for that project (its own, else the global one).
 * The project's `configuration.workItems` ({provider: "jira", jiraProjects, baseUrl?}) says
 * which Jira projects; the credential says which site and how to sign in (jira.ts).
 */
import type { SfpClient } from "../client/index.ts";
import { CliError } from "./errors.ts";
import { jiraAccess, searchIssues, type WorkItem } from "./jira.ts";

export interface WorkItemsQuery {
  project: string;
  /** A JQL condition the issues must also meet, without ORDER BY. */
  jql?: string;
  limit: number;
}

interface WorkItemsConfiguration {
  provider?: unknown;
  jiraProjects?: unknown;
  baseUrl?: unknown;
}

export async function listWorkItems(client: SfpClient, query: WorkItemsQuery): Promise<WorkItem[]> {
  const project = await client.getProject(query.project);
  const workItems = (project.configuration as { workItems?: WorkItemsConfiguration }).workItems;
  if (!workItems) {
    throw new CliError(
      `Project '${project.identifier}' has no work items configuration: set one with sfp server project update -r ${project.identifier} -p configuration.workItems -v '{"provider":"jira","jiraProjects":["KEY"]}'`,
    );
  }
  if (workItems.provider !== "jira") {
    throw new CliError(`Project '${project.identifier}' takes its work items from '${String(workItems.provider)}': this CLI reads Jira work items only`);
  }
  // The server checked this shape when it was stored (functions/projects/schemas.ts).
  const keys = workItems.jiraProjects as string[];
  const [credential] = await client.readCredentials({ provider: "jira", project: project.identifier });
  const access = jiraAccess(credential);
  const linkBase = typeof workItems.baseUrl === "string" ? workItems.baseUrl : access.browseBase;
  return searchIssues(access, workItemsJql(keys, query.jql), query.limit, linkBase);
}

/** The search: the issues of these Jira projects (and the extra condition), most recently updated first. */
export function workItemsJql(keys: readonly string[], condition?: string): string {
  const projects = `project in (${keys.map((key) => `"${key}"`).join(", ")})`;
  return `${condition ? `${projects} AND (${condition})` : projects} ORDER BY updated DESC`;
}
