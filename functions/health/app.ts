import { createFunctionApp, type Services } from "../_shared/app.ts";

/**
 * /health: liveness (no authentication, no database), and /health/auth, which authenticates
 * the bearer token and does nothing else: the floor an authenticated request costs, which
 * `npm run bench` measures credential reads against.
 */
export function createHealthApp(services: Services) {
  const app = createFunctionApp("health", services, { publicPaths: ["/"] });

  app.get("/", (c) => c.json({ status: "ok" }));
  app.get("/auth", (c) => c.json({ status: "ok", caller: c.get("caller").kind }));

  return app;
}
