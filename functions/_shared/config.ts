import { z } from "zod";
import { parseEnvironment } from "./environment.ts";
import { type KeyRing, parseKeyRing } from "./keyring.ts";

/**
 * The Edge Functions' configuration, read once from the environment and validated, so a
 * missing or malformed setting stops the server at start-up with a message that names the
 * variable (never its value).
 */
const environment = z.object({
  SUPABASE_DB_URL: z.string().min(1, "SUPABASE_DB_URL is required"),
  // The role the database connections act as (a startup parameter, so no extra round trip).
  // Empty: keep the login role (e.g. hosted Supabase's `postgres`, which owns the functions).
  SFP_DB_ROLE: z.string().regex(/^[a-z_][a-z0-9_]*$|^$/).default("service_role"),
  SFP_DB_POOL_SIZE: z.coerce.number().int().min(1).max(64).default(4),
  // How long a request may wait for the database (a call and its transaction), and for a
  // connection to open, before it is answered 503 (database.ts).
  SFP_DB_DEADLINE_MS: z.coerce.number().int().min(100).max(60_000).default(4000),
  SFP_DB_CONNECT_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(60).default(2),
  // A lane idle this long gets a new connection on its next call, and its old one is closed (0:
  // never; database.ts says why).
  SFP_DB_IDLE_SECONDS: z.coerce.number().int().min(0).max(86_400).default(60),
  // Start each database session with log_parameter_max_length = 0 (and _on_error = 0); the
  // login role needs the right to set them (GRANT SET ON PARAMETER, PostgreSQL 15+).
  SFP_DB_HIDE_PARAMETERS: z.enum(["true", "false"]).default("true"),
  // How many proxies in front of the functions append to X-Forwarded-For (hosted Supabase: 1).
  // 0: the client is the connection's peer address, and the header is ignored.
  SFP_TRUSTED_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
  SUPABASE_JWT_SECRET: z.string().min(32, "SUPABASE_JWT_SECRET must be at least 32 characters").optional(),
  SUPABASE_JWKS: z.string().optional(),
  SUPABASE_URL: z.url().optional(),
  SUPABASE_SERVICE_ROLE_KEY: z.string().min(32).optional(),
  SFP_ENCRYPTION_KEYS: z.string().min(1, "SFP_ENCRYPTION_KEYS is required"),
  SFP_ENCRYPTION_KEY_CURRENT: z.string().regex(/^\d{1,9}$/).optional(),
  SFP_MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(1048576).default(65536),
  SFP_CREDENTIAL_VERSIONS_KEPT: z.coerce.number().int().min(1).max(1000).default(10),
  // Credential requests refused for their token (401) from one address per window (or in
  // flight at once), before that address is answered 429 until the window ends; and the
  // window (refusal-limiter.ts).
  SFP_REFUSED_READS_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(60),
  SFP_REFUSAL_WINDOW_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
});

export interface Config {
  databaseUrl: string;
  databaseRole: string;
  poolSize: number;
  databaseDeadlineMs: number;
  databaseConnectSeconds: number;
  databaseIdleSeconds: number;
  hideParameters: boolean;
  trustedProxyHops: number;
  jwtSecret?: string;
  jwks?: string;
  supabaseUrl?: string;
  serviceRoleKey?: string;
  keyRing: KeyRing;
  maxBodyBytes: number;
  versionsKept: number;
  refusedReadsLimit: number;
  refusalWindowSeconds: number;
}

export function loadConfig(env: Record<string, string | undefined>): Config {
  const e = parseEnvironment(environment, env);
  return {
    databaseUrl: e.SUPABASE_DB_URL,
    databaseRole: e.SFP_DB_ROLE,
    poolSize: e.SFP_DB_POOL_SIZE,
    databaseDeadlineMs: e.SFP_DB_DEADLINE_MS,
    databaseConnectSeconds: e.SFP_DB_CONNECT_TIMEOUT_SECONDS,
    databaseIdleSeconds: e.SFP_DB_IDLE_SECONDS,
    hideParameters: e.SFP_DB_HIDE_PARAMETERS === "true",
    trustedProxyHops: e.SFP_TRUSTED_PROXY_HOPS,
    jwtSecret: e.SUPABASE_JWT_SECRET,
    jwks: e.SUPABASE_JWKS,
    supabaseUrl: e.SUPABASE_URL,
    serviceRoleKey: e.SUPABASE_SERVICE_ROLE_KEY,
    keyRing: parseKeyRing(e.SFP_ENCRYPTION_KEYS, e.SFP_ENCRYPTION_KEY_CURRENT),
    maxBodyBytes: e.SFP_MAX_BODY_BYTES,
    versionsKept: e.SFP_CREDENTIAL_VERSIONS_KEPT,
    refusedReadsLimit: e.SFP_REFUSED_READS_LIMIT,
    refusalWindowSeconds: e.SFP_REFUSAL_WINDOW_SECONDS,
  };
}
