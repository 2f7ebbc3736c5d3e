/**
 * The local stack's HTTP server: every Edge Function in one Deno process, on one port, at
 * both /functions/v1/<function>/... (as Supabase serves them) and /sfp/api/<function>/...
 * (as sfp server's clients call them). Not deployed: Supabase runs each function's index.ts.
 */
import type { Hono } from "hono";
import { getPath } from "hono/utils/url";
import type { AppEnv } from "../_shared/app.ts";
import { Database } from "../_shared/database.ts";
import { errorBody } from "../_shared/errors.ts";
import { createServices } from "../_shared/start.ts";
import { createApplicationTokensApp } from "../application-tokens/app.ts";
import { createAuditLogsApp } from "../audit-logs/app.ts";
import { createDocsApp } from "../docs/app.ts";
import { createHealthApp } from "../health/app.ts";
import { createIntegrationsApp } from "../integrations/app.ts";
import { createOidcApp, createOidcPoliciesApp } from "../oidc/app.ts";
import { createProjectsApp } from "../projects/app.ts";
import { createUsersApp } from "../users/app.ts";

const services = createServices(Deno.env.toObject());
const functions: Record<string, Hono<AppEnv>> = {
  "application-tokens": createApplicationTokensApp(services),
  "audit-logs": createAuditLogsApp(services),
  docs: createDocsApp(services),
  health: createHealthApp(services),
  integrations: createIntegrationsApp(services),
  oidc: createOidcApp(services),
  "oidc-policies": createOidcPoliciesApp(services),
  projects: createProjectsApp(services),
  users: createUsersApp(services),
};

// On the path as the functions route it (percent-escapes decoded as Hono decodes them).
const PREFIX = /^\/(?:functions\/v1|sfp\/api)(\/([^/?]+)[\s\S]*)$/;
/** The OpenAPI document's own address, answered by the docs function (/sfp/api/docs/openapi.json). */
const OPENAPI_DOCUMENT = "/sfp/api/openapi.json";

const port = Number(Deno.env.get("PORT") ?? "54321");
const hostname = Deno.env.get("HOST") ?? "127.0.0.1";

const server = Deno.serve({
  port,
  hostname,
  onListen: ({ hostname, port }) => console.log(`sfp functions listening on http://${hostname}:${port}`),
}, (request, info) => {
  // The request goes to its function as it came, with its path under the function beside it
  // (AppEnv's Bindings): a new Request and URL for each request cost about 45 us of CPU and
  // 10 KB of allocations per request (docs/performance.md).
  const path = getPath(request);
  const match = PREFIX.exec(path === OPENAPI_DOCUMENT ? "/sfp/api/docs/openapi.json" : path);
  const app = match && Object.hasOwn(functions, match[2]) ? functions[match[2]] : undefined;
  if (!match || !app) {
    return Response.json(errorBody(404, `Cannot ${request.method} ${path}`), { status: 404 });
  }
  const remoteAddr = info.remoteAddr.transport === "tcp" ? info.remoteAddr.hostname : undefined;
  return app.fetch(request, { remoteAddr, path: match[1] });
});

// The audit sealer, on a connection of its own so that no request waits behind it: it seals
// what has committed and writes a keyed checkpoint of the chain's head (it holds the key
// ring, so behind the log guard); where the guard refuses, it still seals.
const sealing = new Database({ ...services.config, poolSize: 1 });
const sealer = setInterval(() => {
  sealing.secretQuery((sql, keyring) => sql`select sfp_api.checkpoint_audit_chain(keyring => ${keyring}::jsonb)`)
    .catch(() => sealing.query((sql) => sql`select sfp_api.seal_audit_log()`))
    .catch(() => {});
}, Number(Deno.env.get("SFP_AUDIT_SEAL_SECONDS") ?? "5") * 1000);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, async () => {
    clearInterval(sealer);
    await server.shutdown();
    await services.refusals.close(); // the refusals counted but not yet written
    await Promise.all([services.db.close(), sealing.close()]);
    Deno.exit(0);
  });
}
