import { createFunctionApp, type Services } from "../_shared/app.ts";
import { jsonb } from "../_shared/database.ts";
import { on } from "../_shared/openapi.ts";
import { jsonBody, parseOrThrow } from "../_shared/validation.ts";
import { applicationTokenRoutes as routes } from "./routes.ts";
import {
  type ApplicationToken,
  type ApplicationTokenList,
  createApplicationTokenBody,
  type CreatedApplicationToken,
  tokenId,
} from "./schemas.ts";

/**
 * /application-tokens: tokens for CI, optionally limited to projects and providers. Created
 * tokens are shown once; listings never show them. Owners only (decided in SQL, which also
 * checks that the scope's projects exist). Routes as declared in routes.ts.
 */
export function createApplicationTokensApp(services: Services) {
  const app = createFunctionApp("application-tokens", services);
  const { db } = services;

  on(app, routes.create, async (c) => {
    const body = await jsonBody(c, createApplicationTokenBody);
    // The answer carries the new token: a result, which PostgreSQL never logs.
    const [row] = await db.query((sql) =>
      sql<{ token: CreatedApplicationToken }[]>`select sfp_api.create_application_token(name => ${body.name},
            expires_in_days => ${body.expiresIn},
            context => ${jsonb(sql, c.get("context"))}::jsonb,
            projects => ${body.projects ? sql.array(body.projects) : null}::text[],
            providers => ${body.providers ? sql.array(body.providers) : null}::text[]) as token`
    );
    return c.json(row.token, 201);
  });

  on(app, routes.list, async (c) => {
    const [row] = await db.query((sql) =>
      sql<{ tokens: ApplicationTokenList }[]>`select sfp_api.list_application_tokens(
            context => ${jsonb(sql, c.get("context"))}::jsonb) as tokens`
    );
    return c.json(row.tokens);
  });

  on(app, routes.revoke, async (c) => {
    const id = parseOrThrow(tokenId, c.req.param("id"));
    const [row] = await db.query((sql) =>
      sql<{ token: ApplicationToken }[]>`select sfp_api.revoke_application_token(id => ${id}::uuid,
            context => ${jsonb(sql, c.get("context"))}::jsonb) as token`
    );
    return c.json(row.token);
  });

  return app;
}
