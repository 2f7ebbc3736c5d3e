import { createFunctionApp, type Services } from "../_shared/app.ts";
import { jsonb } from "../_shared/database.ts";

/**
 * /health: liveness (no authentication, no database), and /health/auth, which authenticates
 * the bearer token and does nothing else (no database work for a JWT or the service key):
 * the floor an authenticated request costs, which `npm run bench` measures reads against.
 */
export function createHealthApp(services: Services) {
  const app = createFunctionApp("health", services, { publicPaths: ["/"] });

  app.get("/", (c) => c.json({ status: "ok" }));
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
