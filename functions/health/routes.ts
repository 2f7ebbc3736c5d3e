import { declareRoutes, json } from "../_shared/openapi.ts";
import { authCheck, liveness, readiness } from "./schemas.ts";

/** /health: the routes of functions/health/app.ts. */
export const healthRoutes = declareRoutes("health", {
  name: "Health",
  description: "Liveness, readiness, and the cost floor of an authenticated request.",
}, {
  live: {
    method: "get",
    path: "/",
    summary: "Liveness",
    description: "Without authentication and without the database.",
    roles: ["anyone"],
    responses: { 200: { description: "The functions answer", ...json(liveness) } },
    errors: {},
    database: false,
  },
  ready: {
    method: "get",
    path: "/ready",
    summary: "Readiness",
    description: "Asks the database, within the database deadline. Without authentication.",
    roles: ["anyone"],
    responses: { 200: { description: "The database answers", ...json(readiness) } },
    errors: {
      503: '"The database is unavailable; retry later", with `database: "unavailable"` and `Retry-After: 2`',
    },
    database: false,
  },
  auth: {
    method: "get",
    path: "/auth",
    summary: "Check a token",
    description:
      "Authenticates the bearer token and does nothing else (an application token costs one query, to check its digest).",
    roles: ["signed-in user", "application", "service"],
    responses: { 200: { description: "The token is accepted", ...json(authCheck) } },
    errors: { 401: "No token, or a refused one" },
  },
});
