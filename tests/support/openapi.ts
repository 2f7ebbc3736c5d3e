/**
 * What tests/http/openapi.test.ts needs of the functions: the Hono routes each function's app
 * registers (app.routes), read by Deno from the real apps (they run on Deno, not Node).
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../stack/database-setup.ts";
import { DENO, DENO_CONFIG, childEnvironment } from "../../stack/deno.ts";

/** The API's functions and the factory of each one's app, as functions/_local/serve.ts serves them. */
export const API_FUNCTIONS: Readonly<Record<string, string>> = {
  projects: "createProjectsApp",
  integrations: "createIntegrationsApp",
  "application-tokens": "createApplicationTokensApp",
  users: "createUsersApp",
  "audit-logs": "createAuditLogsApp",
  health: "createHealthApp",
  oidc: "createOidcApp",
  "oidc-policies": "createOidcPoliciesApp",
};

/** Functions whose app lives in another function's folder (functions/<folder>/app.ts). */
const APP_FOLDER: Readonly<Record<string, string>> = { "oidc-policies": "oidc" };

export interface RegisteredRoute {
  function: string;
  method: string;
  /** Hono's path, base path included: "/projects/:identifier{.+}". */
  path: string;
}

/** Every route handler (not middleware) each API function's app registers. */
export function registeredRoutes(): RegisteredRoute[] {
  const imports = Object.entries(API_FUNCTIONS).map(([name, factory], index) =>
    `import { ${factory} as f${index} } from ${JSON.stringify(`file://${join(PROJECT_ROOT, "functions", APP_FOLDER[name] ?? name, "app.ts")}`)};`
  );
  // The apps are only built, never served: services are read when a request comes.
  const script = `${imports.join("\n")}
const services = { config: { maxBodyBytes: 65536, trustedProxyHops: 0, versionsKept: 10 } };
const apps = { ${Object.keys(API_FUNCTIONS).map((name, index) => `${JSON.stringify(name)}: f${index}(services)`).join(", ")} };
const routes = [];
for (const [name, app] of Object.entries(apps)) {
  for (const route of app.routes) {
    if (route.method !== "ALL") routes.push({ function: name, method: route.method, path: route.path });
  }
}
console.log(JSON.stringify(routes));`;
  const output = execFileSync(
    DENO,
    ["eval", "--quiet", "--ext=ts", "--config", DENO_CONFIG, script],
    { cwd: PROJECT_ROOT, encoding: "utf8", env: childEnvironment() },
  );
  return JSON.parse(output) as RegisteredRoute[];
}

/** Hono's path as OpenAPI writes it, under /sfp/api: "/projects/:identifier{.+}" -> "/sfp/api/projects/{identifier}". */
export function openApiPath(honoPath: string): string {
  return `/sfp/api${honoPath.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?/g, "{$1}")}`;
}
