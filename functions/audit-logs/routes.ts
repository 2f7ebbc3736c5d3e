import { declareRoutes, json } from "../_shared/openapi.ts";
import { auditEntry, auditLogQuery, auditPage, auditVerification, exportQuery, verifyQuery } from "./schemas.ts";

const REFUSED = "No token, or a refused one";
const BAD_QUERY = "A bad filter value, or an unknown or repeated query parameter";

/** /audit-logs: the routes of functions/audit-logs/app.ts. */
export const auditLogRoutes = declareRoutes("audit-logs", {
  name: "Audit log",
  description: "Every credential read and every change, hash-chained and checkpointed.",
}, {
  list: {
    method: "get",
    path: "/",
    summary: "List the audit log",
    description: "Newest first, filtered, paged by cursor (`next_cursor` of the previous page). `to` is exclusive.",
    roles: ["owner", "service"],
    request: { query: auditLogQuery },
    responses: { 200: { description: "A page", ...json(auditPage) } },
    errors: { 400: BAD_QUERY, 401: REFUSED, 403: "Not an owner" },
  },
  export: {
    method: "get",
    path: "/export",
    summary: "Export the audit log",
    description: "Every matching row, newest first, one JSON object per line (NDJSON, for a SIEM).",
    roles: ["owner", "service"],
    request: { query: exportQuery },
    responses: {
      200: {
        description: "One audit row (AuditEntry) per line",
        content: { "application/x-ndjson": { schema: auditEntry } },
      },
    },
    errors: { 400: BAD_QUERY, 401: REFUSED, 403: "Not an owner" },
  },
  verify: {
    method: "get",
    path: "/verify",
    summary: "Verify the audit log",
    description:
      "Seals what has committed, then re-walks the hash chain and checks its keyed checkpoints with the server's key ring. No query parameters.",
    roles: ["owner", "service"],
    request: { query: verifyQuery },
    responses: { 200: { description: "The report; `first_broken` says where and why when broken", ...json(auditVerification) } },
    errors: { 400: "A query parameter was given", 401: REFUSED, 403: "Not an owner" },
  },
});
