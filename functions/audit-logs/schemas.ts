import { z } from "zod";
import { jsonObjectOut, timestamp } from "../_shared/responses.ts";

/** GET /audit-logs (and /audit-logs/export): filters, page size and cursor. */
export const auditLogQuery = z.strictObject({
  actor: z.string().min(1).max(320).optional(),
  action: z.string().regex(/^[a-z_]+\.[a-z_]+$/, "action must look like credentials.read").optional(),
  integration_id: z.uuid({ message: "integration_id must be a UUID" }).optional(),
  project: z.string().min(1).max(255).optional(),
  outcome: z.enum(["granted", "denied", "not_found", "invalid", "error", "succeeded"], {
    message: "outcome must be one of: granted, denied, not_found, invalid, error, succeeded",
  }).optional(),
  from: z.iso.datetime({ offset: true, message: "must be an ISO 8601 date-time" }).optional(),
  to: z.iso.datetime({ offset: true, message: "must be an ISO 8601 date-time" }).optional(),
  limit: z.coerce.number({ message: "limit must be from 1 to 1000" }).int().min(1).max(1000).default(100),
  cursor: z.string().regex(/^\d{1,19}$/, "cursor must be the next_cursor of a previous page").optional(),
});
export type AuditLogQuery = z.infer<typeof auditLogQuery>;

/** The filters as sfp_api.list_audit_log takes them. */
export function filtersOf(query: Partial<AuditLogQuery>): Record<string, string> {
  const { limit: _limit, cursor: _cursor, ...filters } = query;
  return Object.fromEntries(Object.entries(filters).filter(([, value]) => value !== undefined)) as Record<string, string>;
}

/** GET /audit-logs/export: the filters and cursor, without a page size. */
export const exportQuery = auditLogQuery.omit({ limit: true });
/** GET /audit-logs/verify takes no query parameters. */
export const verifyQuery = auditLogQuery.pick({});

/** One audit row as sfp_api returns it (sfp._audit_json). Never holds a secret. */
export const auditEntry = z.object({
  id: z.int(),
  occurred_at: timestamp,
  actor_type: z.enum(["user", "application", "oidc", "service", "anonymous"]),
  actor_id: z.uuid().nullable(),
  actor_email: z.string().nullable(),
  actor_role: z.string().nullable(),
  actor_token_id: z.uuid().nullable(),
  actor_token_name: z.string().nullable(),
  action: z.string().meta({ example: "credentials.read" }),
  outcome: z.enum(["granted", "denied", "not_found", "invalid", "error", "succeeded"]),
  integration_ids: z.array(z.uuid()),
  provider: z.string().nullable(),
  project: z.string().nullable(),
  ip: z.string().nullable(),
  user_agent: z.string().nullable(),
  request_id: z.string().nullable(),
  message: z.string().nullable(),
  details: jsonObjectOut,
  row_hash: z.string().nullable().meta({ description: "The row's SHA-256, hex (null until hashed)" }),
}).meta({ id: "AuditEntry" });

/** A page of the audit log, newest first (sfp_api.list_audit_log). */
export const auditPage = z.object({
  items: z.array(auditEntry),
  next_cursor: z.int().nullable().meta({ description: "The cursor of the next page; null on the last page" }),
}).meta({ id: "AuditPage" });
export type AuditPage = z.infer<typeof auditPage>;

/** The tamper check's report (sfp_api.verify_audit_log). */
export const auditVerification = z.object({
  ok: z.boolean(),
  checked: z.int().meta({ description: "Links of the hash chain re-walked" }),
  unsealed: z.int().meta({ description: "Rows not yet sealed into the chain" }),
  anchor_seq: z.int().nullable(),
  head_seq: z.int().nullable(),
  head_hash: z.string().nullable(),
  checkpoints: z.object({ checked: z.int(), latest_seq: z.int().nullable() }).nullable(),
  first_broken: z.object({
    reason: z.enum(["row changed", "row missing", "link broken", "sequence gap", "checkpoint forged", "tail cut", "chain rebuilt"]),
    seq: z.int().nullable().optional(),
    audit_id: z.int().nullable().optional(),
  }).catchall(z.unknown()).nullable().meta({ description: "The first broken position and why; null when intact" }),
}).meta({ id: "AuditVerification" });
export type AuditVerification = z.infer<typeof auditVerification>;
