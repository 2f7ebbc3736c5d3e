import { z } from "zod";

/** GET /audit-logs (and /audit-logs/export): filters, page size and cursor. */
export const auditLogQuery = z.strictObject({
  actor: z.string().min(1).max(320).optional(),
  action: z.string().regex(/^[a-z_]+\.[a-z_]+$/, "action must look like credentials.read").optional(),
  integration_id: z.uuid({ message: "integration_id must be a UUID" }).optional(),
  project: z.string().min(1).max(255).optional(),
  outcome: z.enum(["granted", "denied", "not_found", "invalid", "error", "succeeded"], {
    message: "outcome must be one of: granted, denied, not_found, invalid, error, succeeded",
  }).optional(),
  from: z.iso.datetime({ offset: true, message: "from must be an ISO 8601 date-time" }).optional(),
  to: z.iso.datetime({ offset: true, message: "to must be an ISO 8601 date-time" }).optional(),
  limit: z.coerce.number({ message: "limit must be from 1 to 1000" }).int().min(1).max(1000).default(100),
  cursor: z.string().regex(/^\d{1,19}$/, "cursor must be the next_cursor of a previous page").optional(),
});
export type AuditLogQuery = z.infer<typeof auditLogQuery>;

/** The filters as sfp_api.list_audit_log takes them. */
export function filtersOf(query: Partial<AuditLogQuery>): Record<string, string> {
  const { limit: _limit, cursor: _cursor, ...filters } = query;
  return Object.fromEntries(Object.entries(filters).filter(([, value]) => value !== undefined)) as Record<string, string>;
}
