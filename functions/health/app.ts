import { createFunctionApp, type Services } from "../_shared/app.ts";
import { jsonb } from "../_shared/database.ts";
import { databaseUnavailable, errorBody } from "../_shared/errors.ts";
import { on } from "../_shared/openapi.ts";
import { healthRoutes as routes } from "./routes.ts";
import type { AuthCheck, Liveness, Readiness } from "./schemas.ts";

/**
 * /health: liveness (no authentication, no database); /health/ready, readiness: whether the
 * database answers (no authentication; 503 with Retry-After when it does not); and /health/auth, which authenticates
 * the bearer token and does nothing else (no database work for a JWT or the service key):
 * the floor an authenticated request costs, which `npm run bench` measures reads against.
 * Routes as declared in routes.ts.
 */
export function createHealthApp(services: Services) {
  const app = createFunctionApp("health", services, { publicPaths: ["/", "/ready"] });

  on(app, routes.live, (c) => c.json({ status: "ok" } satisfies Liveness));
  on(app, routes.ready, async (c) => {
    if (await services.db.ready()) return c.json({ status: "ready", database: "ok" } satisfies Readiness);
    const unavailable = databaseUnavailable();
    return c.json(errorBody(503, unavailable.message, { database: "unavailable" }), 503, unavailable.headers);
  });
  on(app, routes.auth, async (c) => {
    const caller = c.get("caller");
    // A JWT or the service key is verified here, without the database; an application token
    // can only be checked against its stored digest: that one costs a query.
    if (caller.kind === "application") {
      await services.db.query((sql) => sql`select sfp_api.get_me(context => ${jsonb(sql, c.get("context"))}::jsonb)`);
    }
    return c.json({ status: "ok", caller: caller.kind } satisfies AuthCheck);
  });

  return app;
}
