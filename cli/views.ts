/** How the CLI shows the API's objects (and work items): the table columns and the label/value records of each kind. */
import type { ApplicationToken, Credentials, Integration, Me, Project } from "../client/index.ts";
import type { WorkItem } from "./jira.ts";
import type { Column } from "./output.ts";

export const PROJECT_COLUMNS: Column<Project>[] = [
  { header: "IDENTIFIER", value: (p) => p.identifier },
  { header: "PLATFORM", value: (p) => p.platform },
  { header: "VERSION", value: (p) => p.version },
  { header: "INTEGRATIONS", value: (p) => projectIntegrations(p) },
  { header: "REMOTE URL", value: (p) => p.remote_url },
];

export function projectRecord(project: Project): [string, unknown][] {
  return [
    ["identifier", project.identifier],
    ["remote url", project.remote_url],
    ["platform", project.platform],
    ["version", project.version],
    ["configuration", JSON.stringify(project.configuration)],
    ["integrations", projectIntegrations(project)],
    ["created", project.created_at],
    ["updated", project.updated_at],
  ];
}

function projectIntegrations(project: Project): string {
  return project.integrations.map((i) => `${i.provider}/${i.auth_type}${i.is_global ? " (global)" : ""}`).join(", ") || "none";
}

export const INTEGRATION_COLUMNS: Column<Integration>[] = [
  { header: "ID", value: (i) => i.id },
  { header: "PROVIDER", value: (i) => i.provider },
  { header: "AUTH TYPE", value: (i) => i.auth_type },
  { header: "SCOPE", value: (i) => integrationScope(i) },
  { header: "VERSION", value: (i) => i.version },
  { header: "UPDATED", value: (i) => i.updated_at },
];

export function integrationRecord(integration: Integration): [string, unknown][] {
  return [
    ["id", integration.id],
    ["provider", integration.provider],
    ["auth type", integration.auth_type],
    ["scope", integrationScope(integration)],
    ["config", JSON.stringify(integration.config)],
    ["version", integration.version],
    ["created", integration.created_at],
  ];
}

function integrationScope(integration: Integration): string {
  return integration.is_global ? "global" : integration.projects.join(", ") || "none (read by no one)";
}

/** A read's credentials with every value hidden: only the field names show. */
export function hiddenCredentials(entry: Credentials): Credentials {
  return { ...entry, credentials: Object.fromEntries(Object.keys(entry.credentials).map((key) => [key, "(hidden)"])) };
}

export const CREDENTIALS_COLUMNS: Column<Credentials>[] = [
  { header: "INTEGRATION", value: (c) => c.integration_id },
  { header: "PROVIDER", value: (c) => c.provider },
  { header: "AUTH TYPE", value: (c) => c.auth_type },
  { header: "CREDENTIALS", value: (c) => JSON.stringify(c.credentials) },
];

export const TOKEN_COLUMNS: Column<ApplicationToken>[] = [
  { header: "ID", value: (t) => t.id },
  { header: "NAME", value: (t) => t.name },
  { header: "STATUS", value: (t) => t.status },
  { header: "PROJECTS", value: (t) => t.projects?.join(", ") ?? "all" },
  { header: "PROVIDERS", value: (t) => t.providers?.join(", ") ?? "all" },
  { header: "EXPIRES", value: (t) => t.expires_at },
  { header: "LAST USED", value: (t) => t.last_used_at ?? "never" },
];

export function tokenRecord(token: ApplicationToken): [string, unknown][] {
  return [
    ["id", token.id],
    ["name", token.name],
    ["status", token.status],
    ["projects", token.projects?.join(", ") ?? "all"],
    ["providers", token.providers?.join(", ") ?? "all"],
    ["expires", token.expires_at],
  ];
}

export const WORK_ITEM_COLUMNS: Column<WorkItem>[] = [
  { header: "KEY", value: (w) => w.key },
  { header: "TYPE", value: (w) => w.type },
  { header: "STATUS", value: (w) => w.status },
  { header: "ASSIGNEE", value: (w) => w.assignee ?? "unassigned" },
  { header: "SUMMARY", value: (w) => w.summary },
];

/** Who a token is, in a few words. */
export function caller(me: Me): string {
  if (me.type === "user") return `${me.email} (${me.role ?? "not a team member"})`;
  if (me.type === "application") return `application token '${me.name}'`;
  return "the service";
}
