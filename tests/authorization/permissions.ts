/**
 * Who may do what: every route against every kind of caller, with the exact status each
 * gets. This table is the documentation of permissions: tests/authorization/matrix.test.ts
 * checks every cell against the running server, and the "Permissions" section of
 * docs/http-api.md is rendered from it (`npm run docs:permissions`; a test fails while the
 * two differ).
 */
export const CALLERS = [
  "no token",
  "malformed token",
  "expired JWT",
  "JWT signed with another key",
  "JWT of a non-member",
  "member",
  "owner",
  "application token",
  "scoped application token",
  "expired application token",
  "revoked application token",
  "service-role key",
] as const;
export type CallerName = (typeof CALLERS)[number];

export interface RouteCase {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** As documented; the {placeholders} are filled in by the test's fixtures. */
  path: string;
  /** One status per caller, in the order of CALLERS. */
  statuses: readonly number[];
  /** True for the routes that read credentials: every refusal there leaves an audit row. */
  readsCredentials?: boolean;
  /**
   * True for a route that takes no authentication but proves who calls in its body (the OIDC
   * exchange): its statuses are those of the body's proof, whoever calls, and it is public.
   */
  bodyProof?: boolean;
}

// Placeholders: {project} a registered project, {empty} one without integrations of its own
// (a global one applies to it), {integration} an integration, {token} an application token's
// id, {email} a member's email, {policy} an OIDC trust policy's id. `GET /integrations/credentials` reads {project}.
// The scoped application token is limited to {project} and to github: it may use the same
// routes as an unscoped one, and reads only within its scope (refused for {empty};
// tests/http/application-token-scopes.test.ts covers the rest).
//                                                          none  malf  expJ  othK  nonM  memb  ownr  app   scAp  expA  revA  svc
export const MATRIX: readonly RouteCase[] = [
  { method: "POST", path: "/projects", statuses: [401, 401, 401, 401, 403, 403, 201, 403, 403, 401, 401, 201] },
  { method: "GET", path: "/projects", statuses: [401, 401, 401, 401, 403, 200, 200, 200, 200, 401, 401, 200] },
  { method: "GET", path: "/projects/{project}", statuses: [401, 401, 401, 401, 403, 200, 200, 200, 200, 401, 401, 200] },
  { method: "PATCH", path: "/projects/{project}", statuses: [401, 401, 401, 401, 403, 403, 200, 403, 403, 401, 401, 200] },
  { method: "DELETE", path: "/projects/{empty}", statuses: [401, 401, 401, 401, 403, 403, 200, 403, 403, 401, 401, 200] },
  { method: "POST", path: "/integrations", statuses: [401, 401, 401, 401, 403, 403, 201, 403, 403, 401, 401, 201] },
  { method: "GET", path: "/integrations", statuses: [401, 401, 401, 401, 403, 403, 200, 403, 403, 401, 401, 200] },
  { method: "GET", path: "/integrations/{integration}", statuses: [401, 401, 401, 401, 403, 403, 200, 403, 403, 401, 401, 200] },
  { method: "PATCH", path: "/integrations/{integration}", statuses: [401, 401, 401, 401, 403, 403, 200, 403, 403, 401, 401, 200] },
  {
    method: "POST",
    path: "/integrations/{integration}/rollback",
    statuses: [401, 401, 401, 401, 403, 403, 200, 403, 403, 401, 401, 200],
  },
  { method: "POST", path: "/integrations/{integration}/test", statuses: [401, 401, 401, 401, 403, 403, 200, 403, 403, 401, 401, 200] },
  { method: "DELETE", path: "/integrations/{integration}", statuses: [401, 401, 401, 401, 403, 403, 200, 403, 403, 401, 401, 200] },
  {
    method: "GET",
    path: "/integrations/credentials",
    statuses: [401, 401, 401, 401, 403, 403, 200, 200, 200, 401, 401, 200],
    readsCredentials: true,
  },
  {
    method: "GET",
    path: "/integrations/credentials?project={empty}",
    statuses: [401, 401, 401, 401, 403, 403, 200, 200, 403, 401, 401, 200],
    readsCredentials: true,
  },
  {
    method: "POST",
    path: "/integrations/credentials",
    statuses: [401, 401, 401, 401, 403, 403, 200, 200, 200, 401, 401, 200],
    readsCredentials: true,
  },
  { method: "POST", path: "/application-tokens", statuses: [401, 401, 401, 401, 403, 403, 201, 403, 403, 401, 401, 201] },
  { method: "GET", path: "/application-tokens", statuses: [401, 401, 401, 401, 403, 403, 200, 403, 403, 401, 401, 200] },
  { method: "DELETE", path: "/application-tokens/{token}", statuses: [401, 401, 401, 401, 403, 403, 200, 403, 403, 401, 401, 200] },
  { method: "POST", path: "/oidc-policies", statuses: [401, 401, 401, 401, 403, 403, 201, 403, 403, 401, 401, 201] },
  { method: "GET", path: "/oidc-policies", statuses: [401, 401, 401, 401, 403, 403, 200, 403, 403, 401, 401, 200] },
  { method: "DELETE", path: "/oidc-policies/{policy}", statuses: [401, 401, 401, 401, 403, 403, 200, 403, 403, 401, 401, 200] },
  // No authentication: the body's OIDC token is the proof (here not a JWT, so 401 for every caller).
  { method: "POST", path: "/oidc/token", statuses: [401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401, 401], bodyProof: true },
  { method: "POST", path: "/oidc/explain", statuses: [401, 401, 401, 401, 403, 403, 200, 403, 403, 401, 401, 200] },
  { method: "GET", path: "/users", statuses: [401, 401, 401, 401, 403, 403, 200, 403, 403, 401, 401, 200] },
  { method: "GET", path: "/users/me", statuses: [401, 401, 401, 401, 200, 200, 200, 200, 200, 401, 401, 200] },
  { method: "POST", path: "/users", statuses: [401, 401, 401, 401, 403, 403, 201, 403, 403, 401, 401, 201] },
  { method: "PUT", path: "/users/{email}", statuses: [401, 401, 401, 401, 403, 403, 200, 403, 403, 401, 401, 200] },
  { method: "DELETE", path: "/users/{email}", statuses: [401, 401, 401, 401, 403, 403, 200, 403, 403, 401, 401, 200] },
  { method: "GET", path: "/audit-logs", statuses: [401, 401, 401, 401, 403, 403, 200, 403, 403, 401, 401, 200] },
  { method: "GET", path: "/audit-logs/export", statuses: [401, 401, 401, 401, 403, 403, 200, 403, 403, 401, 401, 200] },
  { method: "GET", path: "/audit-logs/verify", statuses: [401, 401, 401, 401, 403, 403, 200, 403, 403, 401, 401, 200] },
  { method: "GET", path: "/health", statuses: [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200] },
  { method: "GET", path: "/health/auth", statuses: [401, 401, 401, 401, 200, 200, 200, 200, 200, 401, 401, 200] },
];

/** The document the table is rendered into, relative to the project's root. */
export const PERMISSIONS_DOCUMENT = "docs/http-api.md";
export const PERMISSIONS_START = "<!-- permissions:start (generated from tests/authorization/permissions.ts) -->";
export const PERMISSIONS_END = "<!-- permissions:end -->";

/** The table as PERMISSIONS_DOCUMENT shows it, markers included: one row per route, one column per caller. */
export function renderPermissions(): string {
  const header = `| Route (under /sfp/api) | ${CALLERS.join(" | ")} |`;
  const rule = `| --- | ${CALLERS.map(() => "---").join(" | ")} |`;
  const rows = MATRIX.map((route) =>
    `| \`${route.method} ${route.path}\`${route.readsCredentials ? " (audited)" : ""} | ${route.statuses.join(" | ")} |`
  );
  return [PERMISSIONS_START, header, rule, ...rows, PERMISSIONS_END].join("\n");
}
