import { z } from "zod";

/** GET /health: liveness. */
export const liveness = z.object({ status: z.literal("ok") }).meta({ id: "Liveness" });
export type Liveness = z.infer<typeof liveness>;

/** GET /health/ready: the database answers. */
export const readiness = z.object({ status: z.literal("ready"), database: z.literal("ok") }).meta({ id: "Readiness" });
export type Readiness = z.infer<typeof readiness>;

/** GET /health/auth: the token was accepted, and what kind of caller it is. */
export const authCheck = z.object({ status: z.literal("ok"), caller: z.enum(["user", "application", "service"]) })
  .meta({ id: "AuthCheck" });
export type AuthCheck = z.infer<typeof authCheck>;
