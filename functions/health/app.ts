import { createFunctionApp, type Services } from "../_shared/app.ts";
import { jsonb } from "../_shared/database.ts";
import { databaseUnavailable, errorBody } from "../_shared/errors.ts";

/**
 * /health: liveness (no authentication, no database); /health/ready, readiness: whether the
 * database answers (no authentication; 503 with Retry-After when it does not); and /health/auth, which authenticates
 * the bearer token and does nothing else (no database work for a JWT or the service key):
 * the floor an authenticated request costs, which `npm run bench` measures reads against.
 */
export function createHealthApp(services: Services) {
  const app = createFunctionApp("health", services, { publicPaths: ["/", "/ready"] });

  app.get("/", (c) => c.json({ status: "ok" }));
  app.get("/ready", async (c) => {
    if (await services.db.ready()) return c.json({ status: "ready", database: "ok" });
    const unavailable = databaseUnavailable();
    return c.json(errorBody(503, unavailable.message, { database: "unavailable" }), 503, unavailable.headers);
  });
  app.get("/auth", async (c) => {
    const caller = c.get("caller");
    // A JWT or the service key is verified here, without the database; an application token
    // can only be checked against its stored digest: that one costs a query.
    if (caller.kind === "application") {
      await services.db.query((sql) => sql`select sfp_api.get_me(context => ${jsonb(sql, c.get("context"))}::jsonb)`);
    }
    return c.json({ status: "ok", caller: caller.kind });
  });

  return app;
}
