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
  /** Any of these statuses, issue types (names as Jira shows them). */
  status?: string[];
  type?: string[];
  /** An account id, `me` (the credential's user) or `none` (unassigned). */
  assignee?: string;
  maxResults: number;
}

interface WorkItemsConfiguration {
  provider?: unknown;
  jiraProjects?: unknown;
  baseUrl?: unknown;
}

export async function listWorkItems(client: SfpClient, query: WorkItemsQuery, onPage?: (count: number) => void): Promise<WorkItem[]> {
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
  return searchIssues(access, workItemsJql(keys, query), query.maxResults, linkBase, onPage);
}

/**
 * The search: the issues of these Jira projects that meet every filter given, most recently
 * updated first. Values are JQL strings, quoted and escaped, so a status such as `To Do` or a
 * value with a quote stays one value.
 */
export function workItemsJql(keys: readonly string[], filters: Omit<WorkItemsQuery, "project" | "maxResults"> = {}): string {
  const conditions = [
    `project in (${keys.map(jqlString).join(", ")})`,
    ...(filters.status?.length ? [`status in (${filters.status.map(jqlString).join(", ")})`] : []),
    ...(filters.type?.length ? [`issuetype in (${filters.type.map(jqlString).join(", ")})`] : []),
    ...(filters.assignee === undefined ? [] : [assigneeCondition(filters.assignee)]),
    ...(filters.jql ? [`(${filters.jql})`] : []),
  ];
  return `${conditions.join(" AND ")} ORDER BY updated DESC`;
}

function assigneeCondition(assignee: string): string {
  if (assignee === "me") return "assignee = currentUser()";
  if (assignee === "none") return "assignee is EMPTY";
  return `assignee = ${jqlString(assignee)}`;
}

/** A JQL string literal. */
function jqlString(value: string): string {
  return `"${value.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
}
