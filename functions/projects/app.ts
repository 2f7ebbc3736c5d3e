import type { Context } from "hono";
import { jsonb } from "../_shared/database.ts";
import { type AppEnv, createFunctionApp, type Services } from "../_shared/app.ts";
import { on } from "../_shared/openapi.ts";
import { jsonBody, parseOrThrow, projectIdentifier, queryParams } from "../_shared/validation.ts";
import { expectedVersion } from "../integrations/schemas.ts";
import { projectRoutes as routes } from "./routes.ts";
import { createProjectBody, deleteProjectQuery, noQuery, type Project, type ProjectList, updateProjectBody } from "./schemas.ts";

/**
 * /projects: register, list, read, change and delete projects. Each handler is one sfp_api
 * call; roles and errors are decided in SQL. Routes as declared in routes.ts.
 */
export function createProjectsApp(services: Services) {
  const app = createFunctionApp("projects", services);
  const { db } = services;

  on(app, routes.create, async (c) => {
    const body = await jsonBody(c, createProjectBody);
    const [row] = await db.query((sql) =>
      sql<{ project: Project }[]>`select sfp_api.create_project(
            identifier => ${body.identifier}, remote_url => ${body.remoteUrl},
            context => ${jsonb(sql, c.get("context"))}::jsonb) as project`
    );
    return c.json(row.project, 201);
  });

  on(app, routes.list, async (c) => {
    queryParams(c, noQuery);
    const [row] = await db.query((sql) =>
      sql<{ projects: ProjectList }[]>`select sfp_api.list_projects(context => ${jsonb(sql, c.get("context"))}::jsonb) as projects`
    );
    return c.json(row.projects);
  });

  // The identifier arrives URL-encoded ("acme%2Fcore"); an unencoded "acme/core" matches too.
  on(app, routes.get, async (c) => {
    queryParams(c, noQuery);
    const identifier = parseOrThrow(projectIdentifier, c.req.param("identifier"));
    const [row] = await db.query((sql) =>
      sql<{ project: Project }[]>`select sfp_api.get_project(identifier => ${identifier},
            context => ${jsonb(sql, c.get("context"))}::jsonb) as project`
    );
    return withVersion(c, row.project);
  });

  // One property per request, as sfp server's CLI sends it (`project update -p <property> -v <json>`).
  on(app, routes.update, async (c) => {
    const identifier = parseOrThrow(projectIdentifier, c.req.param("identifier"));
    const body = await jsonBody(c, updateProjectBody);
    const expected = expectedVersion(c.req.header("if-match"), body.version);
    const [row] = await db.query((sql) =>
      // The value may be any JSON value, null (which removes a key) included: sent inside an
      // object, since a bare null parameter would be SQL's null, not JSON's.
      sql<{ project: Project }[]>`select sfp_api.update_project(identifier => ${identifier},
            property => ${body.property}, value => ${jsonb(sql, { value: body.value })}::jsonb -> 'value',
            expected_version => ${expected ?? null}::integer,
            context => ${jsonb(sql, c.get("context"))}::jsonb) as project`
    );
    return withVersion(c, row.project);
  });

  // ?force=true also removes the scope of integrations scoped to this project alone.
  on(app, routes.delete, async (c) => {
    const { force } = queryParams(c, deleteProjectQuery);
    const identifier = parseOrThrow(projectIdentifier, c.req.param("identifier"));
    const [row] = await db.query((sql) =>
      sql<{ project: Project }[]>`select sfp_api.delete_project(identifier => ${identifier}, force => ${force === "true"},
            context => ${jsonb(sql, c.get("context"))}::jsonb) as project`
    );
    return c.json(row.project);
  });

  return app;
}

/** The project, with its version as the ETag a later If-Match can send. */
function withVersion(c: Context<AppEnv>, project: Project) {
  c.header("etag", `"${project.version}"`);
  return c.json(project);
}
