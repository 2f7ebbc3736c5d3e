import type { Context } from "hono";
import { jsonb } from "../_shared/database.ts";
import { type AppEnv, createFunctionApp, type Services } from "../_shared/app.ts";
import { jsonBody, queryParams } from "../_shared/validation.ts";
import {
  createIntegrationBody,
  type CredentialsFilter,
  credentialsFilter,
  type CredentialsOutcome,
  credentialsResponse,
  listIntegrationsQuery,
} from "./schemas.ts";

/**
 * /integrations: create and list integrations, and the audited credential read.
 * Each handler is one sfp_api call; roles, scope rules and audit are decided in SQL.
 */
export function createIntegrationsApp(services: Services) {
  const { db, config } = services;
  const app = createFunctionApp("integrations", services, {
    // A credential read refused for its token is audited too (the RPC never sees it).
    onUnauthenticated: async (c, refusal, context) => {
      if (!new URL(c.req.url).pathname.endsWith("/credentials")) return;
      const filter = await refusedReadFilter(c);
      await db.query((sql) =>
        sql`select sfp_api.audit_refused_credentials_read(message => ${refusal.message},
              provider => ${filter.provider ?? null}, project => ${filter.project ?? null},
              context => ${jsonb(sql, context)}::jsonb)`
      );
    },
  });

  app.post("/", async (c) => {
    const body = await jsonBody(c, createIntegrationBody);
    const row = await db.secretQuery<{ integration: unknown }>((sql) =>
      sql`select sfp_api.create_integration(
            provider => ${body.provider}, auth_type => ${body.authType},
            credentials => ${jsonb(sql, body.credentials)}::jsonb,
            is_global => ${body.isGlobal}, projects => ${sql.array(body.projects)}::text[],
            config => ${jsonb(sql, body.config)}::jsonb,
            context => ${jsonb(sql, c.get("context"))}::jsonb,
            keyring => ${jsonb(sql, config.keyRing.sqlArgument)}::jsonb) as integration`
    );
    return c.json(row.integration, 201);
  });

  app.get("/", async (c) => {
    const { provider } = queryParams(c, listIntegrationsQuery);
    const [row] = await db.query((sql) =>
      sql`select sfp_api.list_integrations(provider => ${provider ?? null},
            context => ${jsonb(sql, c.get("context"))}::jsonb) as integrations`
    );
    return c.json(row.integrations);
  });

  const readCredentials = async (c: Context<AppEnv>, filter: CredentialsFilter) => {
    const row = await db.secretQuery<{ result: CredentialsOutcome }>((sql) =>
      sql`select sfp_api.get_credentials(
            provider => ${filter.provider ?? null}, project => ${filter.project ?? null},
            context => ${jsonb(sql, c.get("context"))}::jsonb,
            keyring => ${jsonb(sql, config.keyRing.sqlArgument)}::jsonb) as result`
    );
    return c.json(credentialsResponse(row.result));
  };

  app.get("/credentials", (c) => readCredentials(c, queryParams(c, credentialsFilter)));
  // The older documented form: POST with {provider?, project?} as JSON.
  app.post("/credentials", async (c) => readCredentials(c, await jsonBody(c, credentialsFilter)));

  return app;
}

/** What a refused credential read asked for, when it can be read and is valid; else nothing. */
async function refusedReadFilter(c: Context<AppEnv>): Promise<CredentialsFilter> {
  let asked: unknown = c.req.query();
  if (c.req.method === "POST") asked = await c.req.json().catch(() => ({}));
  const parsed = credentialsFilter.safeParse(asked);
  return parsed.success ? parsed.data : {};
}
