import { createHash } from "node:crypto";
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeProtectedHeader,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
} from "jose";
import type { Config } from "./config.ts";
import { ApiError } from "./errors.ts";
import { TokenExpired, VerifiedTokens } from "./verified-tokens.ts";

/**
 * Who sent a request, once its bearer token is verified (as far as it can be here).
 *   service:     the service-role key, or a verified JWT whose role is service_role
 *   user:        a verified Supabase Auth JWT (role authenticated) for user `claims.sub`
 *   application: an sfp_app_ token; SQL finds it by its lookup id and checks its SHA-256 in
 *                constant time, its expiry and revocation (the token never leaves this process);
 *                or, with `oidc`, an sfp_oidc_ access token exchanged for a pipeline's OIDC
 *                token (functions/oidc), checked the same way against its session, which
 *                reads like a scoped application token (SQL's actor kind 'oidc')
 * The claims or the token's lookup id and hash go to SQL in `context`; roles are decided there.
 */
export type Caller =
  | { kind: "service" }
  | { kind: "user"; claims: { sub: string; role: "authenticated"; email?: string } }
  | { kind: "application"; lookupId: string; tokenHash: string; oidc?: true };

const APPLICATION_TOKEN = /^sfp_app_([A-Za-z0-9_-]{64})$/;
const OIDC_ACCESS_TOKEN = /^sfp_oidc_([A-Za-z0-9_-]{64})$/;

export type Authenticate = (authorization: string | undefined) => Promise<Caller>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Builds the authenticator for a configuration: HS256 with the secret, other algorithms through a JWKS. */
export function createAuthenticator(config: Config): Authenticate {
  // Imported once: given the raw secret, jose imports it anew for every token it verifies.
  const secret = config.jwtSecret
    ? crypto.subtle.importKey("raw", new TextEncoder().encode(config.jwtSecret), { name: "HMAC", hash: "SHA-256" }, false, ["verify"])
    : undefined;
  const jwks: JWTVerifyGetKey | undefined = config.jwks
    ? createLocalJWKSet(JSON.parse(config.jwks) as JSONWebKeySet)
    : config.supabaseUrl
    ? createRemoteJWKSet(new URL("/auth/v1/.well-known/jwks.json", config.supabaseUrl))
    : undefined;
  const serviceKeyDigest = config.serviceRoleKey ? digest(config.serviceRoleKey) : undefined;
  const verified = new VerifiedTokens();

  return async (authorization) => {
    const token = /^Bearer ([^\s]+)$/i.exec(authorization?.trim() ?? "")?.[1];
    if (!token) throw new ApiError(401, "Missing bearer token: send Authorization: Bearer <token>");

    if (token.startsWith("sfp_app_")) {
      const random = APPLICATION_TOKEN.exec(token)?.[1];
      if (!random) throw new ApiError(401, "Invalid application token");
      return { kind: "application", lookupId: random.slice(0, 16), tokenHash: sha256Hex(token) };
    }
    if (token.startsWith("sfp_oidc_")) {
      const random = OIDC_ACCESS_TOKEN.exec(token)?.[1];
      if (!random) throw new ApiError(401, "Invalid OIDC access token");
      return { kind: "application", lookupId: random.slice(0, 16), tokenHash: sha256Hex(token), oidc: true };
    }
    if (serviceKeyDigest && equalBytes(digest(token), serviceKeyDigest)) {
      return { kind: "service" };
    }

    const claims = await verifyJwt(token, secret, jwks, verified);
    if (claims.role === "service_role") return { kind: "service" };
    if (claims.role === "authenticated" && typeof claims.sub === "string" && UUID.test(claims.sub)) {
      // A Supabase Auth access token is issued for the "authenticated" audience.
      const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
      if (!audiences.includes("authenticated")) throw new ApiError(401, "Invalid token: not issued for the authenticated audience");
      return { kind: "user", claims: { sub: claims.sub, role: "authenticated", email: plainText(claims.email) } };
    }
    throw new ApiError(401, "Invalid token: a signed-in user's or the service role's token is required");
  };
}

async function verifyJwt(
  token: string,
  secret: Promise<CryptoKey> | undefined,
  jwks: JWTVerifyGetKey | undefined,
  verified: VerifiedTokens,
): Promise<JWTPayload> {
  try {
    const known = verified.claims(token);
    if (known) return known;
  } catch (error) {
    if (error instanceof TokenExpired) throw new ApiError(401, "Invalid token: expired");
    throw error;
  }
  let alg: string | undefined;
  try {
    alg = decodeProtectedHeader(token).alg;
  } catch {
    throw new ApiError(401, "Invalid token: not a JWT");
  }
  try {
    // Every token must expire: one without `exp` would be valid forever.
    if (alg === "HS256" && secret) {
      const { payload } = await jwtVerify(token, await secret, { algorithms: ["HS256"], requiredClaims: ["exp"] });
      // HS256 only: its one key lives as long as the process. A JWKS key can be withdrawn.
      verified.remember(token, payload);
      return payload;
    }
    if (alg && alg !== "HS256" && alg !== "none" && jwks) {
      return (await jwtVerify(token, jwks, { algorithms: ["RS256", "ES256", "EdDSA"], requiredClaims: ["exp"] }))
        .payload;
    }
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "ERR_JWT_EXPIRED") throw new ApiError(401, "Invalid token: expired");
    throw new ApiError(401, "Invalid token: signature or claims could not be verified");
  }
  const named = typeof alg === "string" && /^[A-Za-z0-9]{1,16}$/.test(alg) ? alg : "in its header";
  throw new ApiError(401, `Invalid token: no verification key configured for algorithm ${named}`);
}

/**
 * SHA-256, computed in place: crypto.subtle.digest answers through a promise settled from
 * another thread, which cost the functions about a tenth of their time at 8 clients, on every
 * request (the service-key comparison hashes each bearer token; docs/performance.md).
 */
function digest(value: string | Uint8Array): Uint8Array {
  return new Uint8Array(createHash("sha256").update(value).digest());
}

/** The hex SHA-256 of a token: what SQL compares an application or OIDC access token by. */
export function sha256Hex(token: string): string {
  return toHex(digest(token));
}

/**
 * What names an application token where its hash must not go (a call refused while the
 * database may log parameters): the hex SHA-256 of the token's SHA-256. SQL finds the token
 * by it (sfp_api.audit_credentials_request); it cannot be used as the token or its hash.
 */
export function applicationFingerprint(tokenHash: string): string {
  const hash = new Uint8Array(tokenHash.match(/../g)!.map((pair) => parseInt(pair, 16)));
  return toHex(digest(hash));
}

/** A claim worth recording: a short string PostgreSQL can store, else nothing. */
function plainText(value: unknown): string | undefined {
  return typeof value === "string" && value.length <= 320 && !value.includes("\u0000") && value.isWellFormed()
    ? value
    : undefined;
}

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Compares two SHA-256 digests in time independent of where they differ. */
function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  let difference = a.length ^ b.length;
  for (let i = 0; i < a.length && i < b.length; i++) difference |= a[i] ^ b[i];
  return difference === 0;
}
