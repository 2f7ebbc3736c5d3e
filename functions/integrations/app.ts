import type { Context } from "hono";
import { jsonb } from "../_shared/database.ts";
import { type AppEnv, createFunctionApp, type Services } from "../_shared/app.ts";
import { ApiError } from "../_shared/errors.ts";
import { on } from "../_shared/openapi.ts";
import type { Provider } from "../_shared/providers.ts";
import { jsonBody, parseOrThrow, queryParams } from "../_shared/validation.ts";
import { testConnection, validationProblem } from "./connection-test.ts";
import { auditCredentialRequests } from "./credentials-audit.ts";
import { readCredentials as readIssuing } from "./issuance.ts";
import { movedTargetWithoutCredentials, outboundTargetProblem } from "./outbound-targets.ts";
import type { Grant } from "./issuers.ts";
import { integrationRoutes as routes } from "./routes.ts";
import {
  createIntegrationBody,
  createIntegrationQuery,
  type CredentialsFilter,
  credentialsFilter,
  credentialsResponse,
  expectedVersion,
  integrationId,
  type IntegrationList,
  type IntegrationMetadata,
  type IntegrationWithVersions,
  listIntegrationsQuery,
  pairProblem,
  rollbackBody,
  updateIntegrationBody,
} from "./schemas.ts";

/**
 * /integrations: create and list integrations, and the audited credential read.
 * Each handler is one sfp_api call; roles, scope rules and audit are decided in SQL.
 * Routes as declared in routes.ts.
 */
export function createIntegrationsApp(services: Services) {
  const { db, config, outbound } = services;
  // Every answer of a credentials route is audited, refusals before the read included.
  const app = createFunctionApp("integrations", services, { around: auditCredentialRequests(services) });

  on(app, routes.create, async (c) => {
    const { validate } = queryParams(c, createIntegrationQuery);
    const body = await jsonBody(c, createIntegrationBody);
    const target = outboundTargetProblem(body, outbound);
    if (target) throw new ApiError(400, target);
    if (validate === "true") {
      // Only an owner may make the server call a service with credentials of their choosing.
      await db.query((sql) => sql`select sfp_api.require_owner(context => ${jsonb(sql, c.get("context"))}::jsonb)`);
      const grant = { provider: body.provider, auth_type: body.authType, credentials: body.credentials, config: body.config };
      const problem = await validationProblem(grant, outbound);
      if (problem) throw new ApiError(problem.status, problem.message);
    }
    const row = await db.secretQuery<{ integration: IntegrationMetadata }>((sql, keyring) =>
      sql`select sfp_api.create_integration(
            provider => ${body.provider}, auth_type => ${body.authType},
            credentials => ${jsonb(sql, body.credentials)}::jsonb,
            is_global => ${body.isGlobal}, projects => ${sql.array(body.projects)}::text[],
            config => ${jsonb(sql, body.config)}::jsonb,
            context => ${jsonb(sql, c.get("context"))}::jsonb,
            keyring => ${keyring}::jsonb) as integration`
    );
    return c.json(row.integration, 201);
  });

  on(app, routes.list, async (c) => {
    const { provider } = queryParams(c, listIntegrationsQuery);
    const [row] = await db.query((sql) =>
      sql<{ integrations: IntegrationList }[]>`select sfp_api.list_integrations(provider => ${provider ?? null},
            context => ${jsonb(sql, c.get("context"))}::jsonb) as integrations`
    );
    return c.json(row.integrations);
  });

  const readCredentials = async (c: Context<AppEnv>, filter: CredentialsFilter) => {
    // The read audits itself, whatever its outcome; tokens issued on the way are audited too,
    // and an issuance that fails is answered 502 and audited by the middleware.
    const result = await readIssuing(services, c.get("context"), filter, () => c.set("audited", true));
    return c.json(credentialsResponse(result));
  };

  on(app, routes.readCredentials, (c) => readCredentials(c, queryParams(c, credentialsFilter)));
  // The older documented form: POST with {provider?, project?} as JSON.
  on(app, routes.readCredentialsByPost, async (c) => readCredentials(c, await jsonBody(c, credentialsFilter)));

  // One integration: its metadata (with the version as ETag), changes, rollback, deletion.
  on(app, routes.get, async (c) => {
    const id = parseOrThrow(integrationId, c.req.param("id"));
    const [row] = await db.query((sql) =>
      sql<{ integration: IntegrationWithVersions }[]>`select sfp_api.get_integration(id => ${id}::uuid, context => ${jsonb(sql, c.get("context"))}::jsonb) as integration`
    );
    return withVersion(c, row.integration);
  });

  on(app, routes.update, async (c) => {
    const id = parseOrThrow(integrationId, c.req.param("id"));
    const body = await jsonBody(c, updateIntegrationBody);
    const expected = expectedVersion(c.req.header("if-match"), body.version);
    let authType = body.authType;
    if (body.credentials === undefined && authType !== undefined) {
      throw new ApiError(400, "authType can only change together with credentials");
    }
    if (body.credentials !== undefined || body.config !== undefined) {
      // New credentials or config must fit the integration's provider and (new or current)
      // auth type, which only the database knows: one read first. The pair is then written together.
      const [row] = await db.query((sql) =>
        sql<{ integration: IntegrationWithVersions }[]>`select sfp_api.get_integration(id => ${id}::uuid,
          context => ${jsonb(sql, c.get("context"))}::jsonb) as integration`
      );
      const current = row.integration;
      // New credentials are stored with the auth type they are for (the current one unless given).
      if (body.credentials !== undefined) authType ??= current.auth_type;
      const problem = pairProblem(current.provider as Provider, authType ?? current.auth_type, body) ??
        movedTargetWithoutCredentials(current.config, body) ?? outboundTargetProblem(body, outbound);
      if (problem) throw new ApiError(400, problem);
    }
    const row = await db.secretQuery<{ integration: IntegrationMetadata }>((sql, keyring) =>
      sql`select sfp_api.update_integration(id => ${id}::uuid,
            credentials => ${body.credentials === undefined ? null : jsonb(sql, body.credentials)}::jsonb,
            auth_type => ${authType ?? null}, config => ${body.config === undefined ? null : jsonb(sql, body.config)}::jsonb,
            is_global => ${body.isGlobal ?? null}, projects => ${body.projects === undefined ? null : sql.array(body.projects)}::text[],
            expected_version => ${expected ?? null}::integer, versions_kept => ${config.versionsKept},
            context => ${jsonb(sql, c.get("context"))}::jsonb,
            keyring => ${keyring}::jsonb) as integration`
    );
    return withVersion(c, row.integration);
  });

  on(app, routes.rollback, async (c) => {
    const id = parseOrThrow(integrationId, c.req.param("id"));
    const body = await jsonBody(c, rollbackBody);
    const expected = expectedVersion(c.req.header("if-match"), undefined);
    const row = await db.secretQuery<{ integration: IntegrationMetadata }>((sql, keyring) =>
      sql`select sfp_api.rollback_integration(id => ${id}::uuid, version => ${body.version},
            expected_version => ${expected ?? null}::integer, versions_kept => ${config.versionsKept},
            context => ${jsonb(sql, c.get("context"))}::jsonb,
            keyring => ${keyring}::jsonb) as integration`
    );
    return withVersion(c, row.integration);
  });

  on(app, routes.test, async (c) => {
    const id = parseOrThrow(integrationId, c.req.param("id"));
    const row = await db.secretQuery<{ integration: Grant }>((sql, keyring) =>
      sql`select sfp_api.integration_grant(id => ${id}::uuid, context => ${jsonb(sql, c.get("context"))}::jsonb,
            keyring => ${keyring}::jsonb) as integration`
    );
    const record = (result: { ok: boolean; status: number | null; message: string }) =>
      db.query((sql) =>
        sql`select sfp_api.record_connection_test(id => ${id}::uuid, ok => ${result.ok}, status => ${result.status},
              message => ${result.message}, context => ${jsonb(sql, c.get("context"))}::jsonb)`
      );
    let result;
    try {
      result = await testConnection(row.integration, outbound);
    } catch (error) {
      // The credential went out (or was about to): the test is on record even when it broke.
      await record({ ok: false, status: null, message: "The connection test failed unexpectedly" }).catch(() => {});
      throw error;
    }
    await record(result);
    return c.json(result);
  });

  on(app, routes.delete, async (c) => {
    const id = parseOrThrow(integrationId, c.req.param("id"));
    const [row] = await db.query((sql) =>
      sql<{ integration: IntegrationMetadata }[]>`select sfp_api.delete_integration(id => ${id}::uuid, context => ${jsonb(sql, c.get("context"))}::jsonb) as integration`
    );
    return c.json(row.integration);
  });

  return app;
}

/** The integration's metadata, with its version as the ETag a later If-Match can send. */
function withVersion(c: Context<AppEnv>, integration: IntegrationMetadata) {
  c.header("etag", `"${integration.version}"`);
  return c.json(integration);
}
