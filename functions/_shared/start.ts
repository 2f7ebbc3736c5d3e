import type { Hono } from "hono";
import type { AppEnv, Services } from "./app.ts";
import { createAuthenticator } from "./auth.ts";
import { loadConfig } from "./config.ts";
import { Database } from "./database.ts";
import { outboundPolicy } from "./outbound.ts";
import { RefusalLimiter } from "./refusal-limiter.ts";

/** The services of one process, from its environment. Throws on invalid configuration. */
export function createServices(env: Record<string, string | undefined>): Services {
  const config = loadConfig(env);
  return {
    config,
    db: new Database(config),
    authenticate: createAuthenticator(config),
    refusals: new RefusalLimiter(config.refusedReadsLimit, config.refusalWindowSeconds * 1000),
    outbound: outboundPolicy(env),
  };
}

/** Serves one function the way Supabase's Edge Runtime runs it: Deno.serve on the app. */
export function startFunction(createApp: (services: Services) => Hono<AppEnv>): void {
  const app = createApp(createServices(Deno.env.toObject()));
  Deno.serve((request, info) => {
    const remoteAddr = info.remoteAddr.transport === "tcp" ? info.remoteAddr.hostname : undefined;
    return app.fetch(request, { remoteAddr });
  });
}
