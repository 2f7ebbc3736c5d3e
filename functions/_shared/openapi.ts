/**
 * The routes' declarations, from which both the Hono routes and the OpenAPI document are made,
 * so the two cannot drift: a function registers each route with `on(app, route, handler)`, which
 * takes the method and the path from the declaration, and the handler validates its input with
 * the zod schemas the declaration names (functions/<name>/routes.ts). The document is rendered
 * by `openApiDocument` (served by functions/docs, committed as docs/openapi.json).
 *
 * Validation stays in the handlers (jsonBody, queryParams, parseOrThrow from validation.ts):
 * @hono/zod-openapi's validators would answer other statuses and messages than the API's (its
 * 415 "Unsupported Media Type", its own malformed-JSON error, the order of the checks), so the
 * declarations are registered with the document's registry only, never as validators.
 */
import type { Handler, Hono } from "hono";
import { OpenAPIHono, type RouteConfig } from "@hono/zod-openapi";
import { z } from "zod";
import type { AppEnv } from "./app.ts";
import { reasonPhrase } from "./errors.ts";

/** Who may call a route, in the words of tests/authorization/permissions.ts's columns. */
export type Role =
  | "anyone" // no token needed
  | "signed-in user" // any valid JWT, team member or not
  | "member"
  | "owner"
  | "application"
  | "service";

const ROLE_WORDING: Record<Role, string> = {
  anyone: "anyone, without authentication",
  "signed-in user": "any signed-in user (a team member or not)",
  member: "members",
  owner: "owners",
  application: "applications (`sfp_app_` tokens)",
  service: "the service (the service-role key)",
};

/** The error body every refusal and failure has (functions/_shared/errors.ts `errorBody`). */
export const errorSchema = z.object({
  statusCode: z.int().meta({ description: "The HTTP status", example: 404 }),
  message: z.string().meta({ description: "What went wrong, written for the client", example: "Project 'acme/unknown' not found" }),
  error: z.string().meta({ description: "The status's reason phrase", example: "Not Found" }),
}).catchall(z.unknown()).meta({
  id: "Error",
  description:
    "Every error's body; some carry extra fields, named where they occur (`currentVersion`, `integrationIds`, `integrationId`, `database`). Never a stack trace, a key or a secret.",
});

/** A JSON response or body of this schema. */
export function json<T>(schema: T) {
  return { content: { "application/json": { schema } } };
}

/** What a route that takes a JSON body answers before reading it. */
export const BODY_ERRORS = {
  413: "The body is larger than `SFP_MAX_BODY_BYTES` (65,536 bytes by default); it is not read",
  415: "The body is not `Content-Type: application/json`: \"Content-Type must be application/json\"",
} as const;

/** The statuses of failures any route that reaches the database can answer. */
const SERVER_ERRORS = {
  500: "An unexpected failure: `Internal Server Error (request <id>)`; the functions' log has what identifies it",
  503: "The database cannot be reached: \"The database is unavailable; retry later\", with `Retry-After: 2`",
} as const;

export interface RouteDeclaration {
  method: "get" | "post" | "put" | "patch" | "delete";
  /** The path under the function, OpenAPI-style: "/" or "/{id}/rollback". */
  path: string;
  /** Hono's pattern of a path parameter where it is not one segment (e.g. `{ identifier: ".+" }`). */
  patterns?: Record<string, string>;
  summary: string;
  description?: string;
  roles: readonly Role[];
  request?: RouteConfig["request"];
  /** The successful answers, by status. */
  responses: RouteConfig["responses"];
  /** The refusals and failures the route itself answers, by status, each with when. */
  errors: Record<number, string>;
  /** False for the routes answered without the database (no 500/503 of the database). */
  database?: boolean;
}

/** One route: where Hono registers it, and its OpenAPI declaration under /sfp/api/<function>. */
export interface ApiRoute {
  function: string;
  method: RouteDeclaration["method"];
  /** Hono's path, under the function's base path ("/", "/:id", "/:identifier{.+}"). */
  honoPath: string;
  roles: readonly Role[];
  config: RouteConfig;
}

/** Declares the routes of function `name` (its routes.ts). */
export function declareRoutes<K extends string>(
  name: string,
  tag: { name: string; description: string },
  declarations: Record<K, RouteDeclaration>,
): Record<K, ApiRoute> & { tag: { name: string; description: string } } {
  const routes = Object.fromEntries(
    Object.entries<RouteDeclaration>(declarations).map(([key, route]) => [key, apiRoute(name, tag.name, route)]),
  ) as Record<K, ApiRoute>;
  return Object.assign(routes, { tag });
}

function apiRoute(name: string, tag: string, route: RouteDeclaration): ApiRoute {
  const honoPath = route.path.replaceAll(/\{([^}]+)\}/g, (_, param: string) => {
    const pattern = route.patterns?.[param];
    return pattern ? `:${param}{${pattern}}` : `:${param}`;
  });
  const errors: Record<number, string> = { ...route.errors };
  if (route.database !== false) Object.assign(errors, SERVER_ERRORS);
  const responses: RouteConfig["responses"] = { ...route.responses };
  for (const [status, when] of Object.entries(errors).sort(([a], [b]) => Number(a) - Number(b))) {
    responses[status] = {
      description: `${reasonPhrase(Number(status))}: ${when}`,
      content: { "application/json": { schema: errorSchema } },
    };
  }
  const publicRoute = route.roles.includes("anyone");
  const config: RouteConfig = {
    method: route.method,
    path: `/sfp/api/${name}${route.path === "/" ? "" : route.path}`,
    operationId: operationId(route.method, name, route.path),
    tags: [tag],
    summary: route.summary,
    description: [
      `**Who may call it:** ${route.roles.map((role) => ROLE_WORDING[role]).join("; ")}.`,
      route.description,
    ].filter(Boolean).join("\n\n"),
    security: publicRoute ? [] : [{ bearer: [] }],
    "x-sfp-roles": [...route.roles],
    request: route.request,
    responses,
  };
  return { function: name, method: route.method, honoPath, roles: route.roles, config };
}

function operationId(method: string, name: string, path: string): string {
  const words = [method, ...name.split("-"), ...path.split("/").filter(Boolean).map((part) => part.startsWith("{") ? `by-${part.slice(1, -1)}` : part)];
  return words.flatMap((word) => word.split("-")).filter(Boolean)
    .map((word, index) => index === 0 ? word : word[0].toUpperCase() + word.slice(1)).join("");
}

/** Registers `handler` for `route` on the function's app: method and path come from the declaration. */
export function on(app: Hono<AppEnv>, route: ApiRoute, handler: Handler<AppEnv>): void {
  app.on(route.method.toUpperCase(), route.honoPath, handler);
}

export interface RouteGroup {
  tag: { name: string; description: string };
  [key: string]: ApiRoute | { name: string; description: string };
}

/** The routes of a group (a function's routes.ts export), in declaration order. */
export function routesOf(group: RouteGroup): ApiRoute[] {
  return Object.entries(group).filter(([key]) => key !== "tag").map(([, route]) => route as ApiRoute);
}

export interface DocumentOptions {
  title: string;
  version: string;
  description: string;
  /** The servers' URL: the request's origin when served, "/" (relative: wherever it is served from) when committed. */
  server?: string;
}

/**
 * The OpenAPI 3.1 document of these routes: paths and component schemas in sorted order,
 * so the same routes give the same bytes (`JSON.stringify(document, null, 2)`).
 */
export function openApiDocument(groups: RouteGroup[], options: DocumentOptions): Record<string, unknown> {
  const app = new OpenAPIHono();
  const registry = app.openAPIRegistry;
  registry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    description:
      "A Supabase Auth JWT (HS256 with the JWT secret, or RS256/ES256/EdDSA through the JWKS), the service-role key, or an application token `sfp_app_...`. A missing, malformed, expired or badly signed token is 401; a valid one without the needed role is 403.",
  });
  for (const group of groups) {
    for (const route of routesOf(group)) registry.registerPath(route.config);
  }
  const document = app.getOpenAPI31Document({
    openapi: "3.1.0",
    info: { title: options.title, version: options.version, description: options.description },
    servers: [{ url: options.server ?? "/" }],
    tags: groups.map((group) => group.tag),
  }) as unknown as Record<string, unknown>;
  const components = document.components as Record<string, Record<string, unknown>> | undefined;
  if (components?.schemas) components.schemas = sortedKeys(components.schemas);
  document.paths = sortedKeys(document.paths as Record<string, unknown>);
  return document;
}

function sortedKeys<T>(object: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(object).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The document as committed (docs/openapi.json) and served: pretty, with a final newline. */
export function renderDocument(document: Record<string, unknown>): string {
  return JSON.stringify(document, null, 2) + "\n";
}
