/**
 * The API's OpenAPI 3.1 document, made from every function's route declarations
 * (functions/<name>/routes.ts): served by this function at /sfp/api/openapi.json and committed
 * as docs/openapi.json (`npm run docs:openapi`; tests/http/openapi.test.ts fails while the
 * two differ).
 */
import { openApiDocument, renderDocument, type RouteGroup } from "../_shared/openapi.ts";
import { applicationTokenRoutes } from "../application-tokens/routes.ts";
import { auditLogRoutes } from "../audit-logs/routes.ts";
import { healthRoutes } from "../health/routes.ts";
import { integrationRoutes } from "../integrations/routes.ts";
import { oidcPolicyRoutes, oidcRoutes } from "../oidc/routes.ts";
import { projectRoutes } from "../projects/routes.ts";
import { userRoutes } from "../users/routes.ts";

/** Every function's routes, in the order the document shows their tags. */
export const ROUTE_GROUPS: RouteGroup[] = [
  projectRoutes,
  integrationRoutes,
  applicationTokenRoutes,
  oidcPolicyRoutes,
  oidcRoutes,
  userRoutes,
  auditLogRoutes,
  healthRoutes,
];

const DESCRIPTION = `A credential store for sfp: projects, the integrations (GitHub, Jira credentials) scoped to
them, application tokens for CI, team members and the audit log. Every route but the health checks
needs \`Authorization: Bearer <token>\`. Request bodies are JSON (\`Content-Type: application/json\`, else
415), at most 65,536 bytes (else 413); unknown fields and unknown query parameters are refused (400).
Every response carries an \`X-Request-Id\`. Every error has the body \`{statusCode, message, error}\`
(the \`Error\` schema). The same routes answer under \`/functions/v1/<function>/...\` on hosted Supabase.
Who may call each route is in its description; the full matrix is in docs/http-api.md.`;

/** The document; `server` is the servers' URL (default "/": wherever it is served from). */
export function apiDocument(server?: string): Record<string, unknown> {
  return openApiDocument(ROUTE_GROUPS, {
    title: "sfp integrations API",
    version: "0.1.0",
    description: DESCRIPTION,
    server,
  });
}

/** docs/openapi.json's text. */
export function committedDocument(): string {
  return renderDocument(apiDocument());
}
