import { BODY_ERRORS, declareRoutes, json } from "../_shared/openapi.ts";
import { applicationToken, applicationTokenList, createApplicationTokenBody, createdApplicationToken, tokenPath } from "./schemas.ts";

/** /application-tokens: the routes of functions/application-tokens/app.ts. */
export const applicationTokenRoutes = declareRoutes("application-tokens", {
  name: "Application tokens",
  description: "Tokens for CI (`sfp_app_...`): they read credentials and projects, optionally limited to projects and providers.",
}, {
  create: {
    method: "post",
    path: "/",
    summary: "Create an application token",
    description:
      "`expiresIn`: whole days, 1 to 365 (default 30). `projects` (registered identifiers) and `providers` limit what it reads; each optional (null: not limited), never empty. The token is in this answer only.",
    roles: ["owner", "service"],
    request: { body: { required: true, ...json(createApplicationTokenBody) } },
    responses: { 201: { description: "The token's metadata and the token, shown once", ...json(createdApplicationToken) } },
    errors: {
      400: "Bad input (the message names the field), an empty scope, \"Project 'x' not found\"",
      401: "No token, or a refused one",
      403: "Not an owner",
      ...BODY_ERRORS,
    },
  },
  list: {
    method: "get",
    path: "/",
    summary: "List the application tokens",
    roles: ["owner", "service"],
    responses: { 200: { description: "Every token's metadata, newest first (never the token)", ...json(applicationTokenList) } },
    errors: { 401: "No token, or a refused one", 403: "Not an owner" },
  },
  revoke: {
    method: "delete",
    path: "/{id}",
    summary: "Revoke an application token",
    roles: ["owner", "service"],
    request: { params: tokenPath },
    responses: { 200: { description: "The token's metadata, now revoked", ...json(applicationToken) } },
    errors: {
      400: "The id is not a UUID",
      401: "No token, or a refused one",
      403: "Not an owner",
      404: "\"Application token 'id' not found\"",
    },
  },
});
