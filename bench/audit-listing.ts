import type postgres from "postgres";
import type { AuditListingRun } from "./results.ts";
import type { Functions } from "./stack.ts";
import { AUDIT_FILTERS, type AuditFilter } from "./targets.ts";

/**
 * The audit listing at scale (full runs): the first page of GET /sfp/api/audit-logs as an
 * owner pages it, filtered one way at a time, on the large data set once the reads are done.
 * The values come from the data: a project, a user and an application token of the seeded
 * rows (sql/bench/seed-audit.sql spreads each one evenly over the whole log: a project every
 * 10,000 rows, a user about every 75, a token every 60), and the integration every read of
 * the run returned (the busiest one: a row per read). "token" is the actor filter given a
 * token's id, which is how the API filters by token.
 */
export type AuditListingRequest = Pick<AuditListingRun, "filter" | "path">;

export async function auditListingRequests(sql: postgres.Sql, readIntegrationId: string): Promise<AuditListingRequest[]> {
  const [seeded] = await sql`
    select (select project from sfp.audit_log where project like 'seed-org-%' order by id limit 1) as project,
           (select actor_id::text from sfp.audit_log where actor_email like '%@seed.example' order by id limit 1) as actor,
           (select actor_token_id::text from sfp.audit_log where actor_token_id is not null order by id limit 1) as token`;
  const query: Record<AuditFilter, [string, string | null]> = {
    project: ["project", seeded.project],
    actor: ["actor", seeded.actor],
    token: ["actor", seeded.token],
    integration: ["integration_id", readIntegrationId],
  };
  return AUDIT_FILTERS.map((filter) => {
    const [name, value] = query[filter];
    if (!value) throw new Error(`the large data set has no seeded audit row to filter by ${filter}`);
    return { filter, path: `/sfp/api/audit-logs?${new URLSearchParams({ [name]: value })}` };
  });
}

/** The page answers 200 with at least one row before it is timed: an empty page measures nothing. */
export async function checkAuditPage(functions: Functions, path: string, token: string): Promise<AuditListingRun["page"]> {
  const response = await fetch(functions.server.url + path, { headers: { authorization: `Bearer ${token}` } });
  const body = await response.json().catch(() => undefined) as { items?: unknown[]; next_cursor?: number | null } | undefined;
  if (response.status !== 200 || !Array.isArray(body?.items) || body.items.length === 0) {
    throw new Error(`GET ${path} answered ${response.status} (${Array.isArray(body?.items) ? body.items.length + " rows" : "not a page"}), expected a page of rows\n${functions.output()}`);
  }
  return { items: body.items.length, more: body.next_cursor !== null && body.next_cursor !== undefined };
}
