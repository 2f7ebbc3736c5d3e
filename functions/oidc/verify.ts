import { decodeJwt, decodeProtectedHeader, jwtVerify } from "jose";
import { type JobClaims, jobClaims } from "./claims.ts";
import { type IssuerKeys, OidcRefusal } from "./keys.ts";

/** The algorithms accepted: asymmetric only (an HS256 token "signed" with a public key proves nothing). */
export const OIDC_ALGORITHMS = ["RS256", "ES256"];
/** Clock skew allowed for exp, nbf and iat. */
export const SKEW_SECONDS = 60;
/** The farthest ahead a token's exp may be. */
export const MAX_LIFETIME_SECONDS = 3600;

export interface Inspected {
  /** What the token says, verified or not; null when it is not a JWT. */
  claims: JobClaims | null;
}

/** What a token says without verifying anything (explain, audit rows of refusals). */
export function inspect(token: string): Inspected {
  try {
    return { claims: jobClaims(decodeJwt(token) as Record<string, unknown>) };
  } catch {
    return { claims: null };
  }
}

function shown(value: unknown, max = 100): string {
  return typeof value === "string" && /^[\x20-\x7e]*$/.test(value) ? value.slice(0, max) : "(unprintable)";
}

/**
 * Verifies a job's OIDC token, safe by default: RS256 or ES256 only; a trusted issuer
 * (checked before any key is fetched, so a token cannot aim the server at a host of its
 * choosing); the signature, with the issuer's published keys; `exp` required and at most
 * 1 hour ahead, `nbf` and `iat` not in the future, each with 60 s of skew; a `jti`. The
 * audience, the claims, the event and replay are SQL's (sfp_api.exchange_oidc_token).
 * Returns the claims SQL gets; throws OidcRefusal with a reason safe to show.
 */
export async function verifyOidcToken(token: string, keys: IssuerKeys): Promise<JobClaims> {
  let alg: unknown;
  let payload: Record<string, unknown>;
  try {
    alg = decodeProtectedHeader(token).alg;
    payload = decodeJwt(token) as Record<string, unknown>;
  } catch {
    throw new OidcRefusal("not a JWT");
  }
  if (typeof alg !== "string" || !OIDC_ALGORITHMS.includes(alg)) {
    throw new OidcRefusal(`algorithm '${shown(alg, 16)}' is not accepted: RS256 or ES256 only`);
  }
  const issuer = typeof payload.iss === "string" ? keys.trusted(payload.iss) : undefined;
  if (!issuer) throw new OidcRefusal(`issuer '${shown(payload.iss, 255)}' is not trusted`);

  let verified: Record<string, unknown>;
  try {
    verified = (await jwtVerify(token, keys.getKey(issuer), {
      algorithms: OIDC_ALGORITHMS,
      issuer: issuer.issuer,
      clockTolerance: SKEW_SECONDS,
      requiredClaims: ["exp"],
    })).payload as Record<string, unknown>;
  } catch (error) {
    if (error instanceof OidcRefusal) throw error;
    const { code, claim } = error as { code?: string; claim?: string };
    if (code === "ERR_JWT_EXPIRED") throw new OidcRefusal("expired");
    if (code === "ERR_JWT_CLAIM_VALIDATION_FAILED" && claim === "exp") throw new OidcRefusal("exp is required");
    if (code === "ERR_JWT_CLAIM_VALIDATION_FAILED" && claim === "nbf") throw new OidcRefusal("not valid yet (nbf is in the future)");
    if (code === "ERR_JWT_CLAIM_VALIDATION_FAILED" && claim === "iat") throw new OidcRefusal("issued in the future (iat)");
    if (code === "ERR_JWS_SIGNATURE_VERIFICATION_FAILED") throw new OidcRefusal("signature could not be verified");
    throw new OidcRefusal("signature or claims could not be verified");
  }
  const now = Math.floor(Date.now() / 1000);
  if (typeof verified.exp !== "number" || verified.exp > now + MAX_LIFETIME_SECONDS + SKEW_SECONDS) {
    throw new OidcRefusal("expires more than 1 hour ahead");
  }
  if (typeof verified.iat === "number" && verified.iat > now + SKEW_SECONDS) {
    throw new OidcRefusal("issued in the future (iat)");
  }
  if (typeof verified.jti !== "string" || verified.jti.length === 0 || verified.jti.length > 255) {
    throw new OidcRefusal("jti is required (each token is accepted once)");
  }
  return jobClaims(verified);
}
