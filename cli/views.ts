/** How the CLI shows the API's objects (and work items): the table columns and the label/value records of each kind. */
import type { ApplicationToken, AuditEntry, AuditVerification, Credentials, Integration, Me, Member, Project } from "../client/index.ts";
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

/** A credential read, values included: what `integration credentials` was asked for. */
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

export const MEMBER_COLUMNS: Column<Member>[] = [
  { header: "EMAIL", value: (m) => m.email },
  { header: "ROLE", value: (m) => m.role },
  { header: "USER ID", value: (m) => m.user_id },
  { header: "ADDED", value: (m) => m.created_at },
];

export function memberRecord(member: Member): [string, unknown][] {
  return [
    ["email", member.email],
    ["role", member.role],
    ["user id", member.user_id],
    ["added", member.created_at],
    ["updated", member.updated_at],
  ];
}

export const AUDIT_COLUMNS: Column<AuditEntry>[] = [
  { header: "ID", value: (a) => a.id },
  { header: "TIME", value: (a) => a.occurred_at },
  { header: "ACTOR", value: (a) => auditActor(a) },
  { header: "ACTION", value: (a) => a.action },
  { header: "OUTCOME", value: (a) => a.outcome },
  { header: "PROVIDER", value: (a) => a.provider },
  { header: "PROJECT", value: (a) => a.project },
  { header: "MESSAGE", value: (a) => a.message },
];

/** Who did it: a user's email, an application token's name, or the kind of caller. */
function auditActor(entry: AuditEntry): string {
  if (entry.actor_email) return entry.actor_email;
  if (entry.actor_token_name) return `token ${entry.actor_token_name}`;
  return entry.actor_type;
}

/** Where and why the chain is broken, in a few words. */
export function brokenAt(report: AuditVerification): string {
  const broken = report.first_broken;
  if (!broken) return "none";
  const where = [
    ...(broken.seq === null || broken.seq === undefined ? [] : [`seq ${broken.seq}`]),
    ...(broken.audit_id === null || broken.audit_id === undefined ? [] : [`audit id ${broken.audit_id}`]),
  ];
  return where.length ? `${broken.reason} at ${where.join(", ")}` : broken.reason;
}

export function verificationRecord(report: AuditVerification): [string, unknown][] {
  return [
    ["intact", report.ok ? "yes" : "no"],
    ["links checked", report.checked],
    ["unsealed rows", report.unsealed],
    ["head", report.head_seq === null ? "none" : `seq ${report.head_seq} ${report.head_hash ?? ""}`],
    ["checkpoints", report.checkpoints ? `${report.checkpoints.checked} checked, latest at seq ${report.checkpoints.latest_seq ?? "none"}` : "none"],
    ["first broken", brokenAt(report)],
  ];
}

/** Who a token is, in a few words. */
export function caller(me: Me): string {
  if (me.type === "user") return `${me.email} (${me.role ?? "not a team member"})`;
  if (me.type === "application") return `application token '${me.name}'`;
  return "the service";
}
