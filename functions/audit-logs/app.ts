import { createFunctionApp, type Services } from "../_shared/app.ts";
import { jsonb, type Sql } from "../_shared/database.ts";
import { on } from "../_shared/openapi.ts";
import type { RequestContext } from "../_shared/request-context.ts";
import { queryParams } from "../_shared/validation.ts";
import { auditLogRoutes as routes } from "./routes.ts";
import { auditLogQuery, type AuditPage, type AuditVerification, exportQuery, filtersOf, verifyQuery } from "./schemas.ts";

/**
 * /audit-logs: the audit log, newest first, filtered and paged by cursor; an NDJSON export
 * for a SIEM; and the tamper check of its hash chain. Owners only (decided in SQL). Routes as
 * declared in routes.ts.
 */
export function createAuditLogsApp(services: Services) {
  const app = createFunctionApp("audit-logs", services);
  const { db } = services;

  const page = (sql: Sql, filters: Record<string, string>, cursor: string | null, limit: number, context: RequestContext) =>
    sql<{ page: AuditPage }[]>`select sfp_api.list_audit_log(filters => ${jsonb(sql, filters)}::jsonb,
      before_id => ${cursor}::bigint, page_size => ${limit}, context => ${jsonb(sql, context)}::jsonb) as page`;

  on(app, routes.list, async (c) => {
    const query = queryParams(c, auditLogQuery);
    const [row] = await db.query((sql) => page(sql, filtersOf(query), query.cursor ?? null, query.limit, c.get("context")));
    return c.json(row.page);
  });

  // Every matching row, one JSON object per line, fetched page by page as the client reads.
  on(app, routes.export, (c) => {
    const query = queryParams(c, exportQuery);
    const filters = filtersOf(query);
    const context = c.get("context");
    let cursor: string | null = query.cursor ?? null;
    let done = false;
    const encoder = new TextEncoder();
    const stream = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (done) return controller.close();
        const [row] = await db.query((sql) => page(sql, filters, cursor, 1000, context));
        const lines = row.page.items.map((item) => JSON.stringify(item) + "\n").join("");
        if (lines) controller.enqueue(encoder.encode(lines));
        if (row.page.next_cursor === null) done = true;
        else cursor = String(row.page.next_cursor);
      },
    });
    // The first page is read before answering, so that a refusal is a proper error response.
    return db.query((sql) => page(sql, filters, cursor, 1, context)).then(() =>
      new Response(stream, { headers: { "content-type": "application/x-ndjson" } })
    );
  });

  // Seals what has committed (once the caller is authorized), then re-walks the whole chain
  // and checks its keyed checkpoints (with the key ring: behind the log guard).
  on(app, routes.verify, async (c) => {
    queryParams(c, verifyQuery);
    const row = await db.secretQuery<{ result: AuditVerification }>((sql, keyring) =>
      sql`select sfp_api.verify_audit_log(context => ${jsonb(sql, c.get("context"))}::jsonb,
            keyring => ${keyring}::jsonb) as result`
    );
    return c.json(row.result);
  });

  return app;
}
