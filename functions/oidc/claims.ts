/**
 * Which claims of a job's OIDC token go to SQL: those a policy can match on (the same list as
 * sfp._oidc_matchable_claims) and the run's ids, which SQL records
 * (sfp._oidc_recorded_claims); with iss, aud, sub, jti and exp. Nothing else of the token is
 * sent anywhere, and SQL stores less than this.
 */
export const MATCHABLE_CLAIMS = [
  "repository",
  "repository_id",
  "repository_owner",
  "repository_owner_id",
  "repository_visibility",
  "ref",
  "ref_type",
  "ref_protected",
  "environment",
  "workflow",
  "workflow_ref",
  "job_workflow_ref",
  "event_name",
  "actor",
  "actor_id",
  "head_ref",
  "base_ref",
  "runner_environment",
  "project_path",
  "project_id",
  "namespace_path",
  "namespace_id",
  "pipeline_source",
  "ci_config_ref_uri",
  "user_login",
] as const;

const RUN_CLAIMS = ["run_id", "run_attempt", "pipeline_id"] as const;

export type JobClaims = Record<string, string | number | string[]>;

/** A claim value worth sending: a short string (or a number or boolean, as text). */
function text(value: unknown): string | undefined {
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return typeof value === "string" && value.length <= 1000 && !value.includes("\u0000") && value.isWellFormed()
    ? value
    : undefined;
}

/** The claims SQL gets, from a token's payload (verified or, for explain and audit rows, not). */
export function jobClaims(payload: Record<string, unknown>): JobClaims {
  const claims: JobClaims = {};
  for (const name of ["iss", "sub", "jti", ...MATCHABLE_CLAIMS, ...RUN_CLAIMS]) {
    const value = text(payload[name]);
    if (value !== undefined) claims[name] = value;
  }
  const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  claims.aud = aud.map(text).filter((value): value is string => value !== undefined).slice(0, 10);
  if (typeof payload.exp === "number" && Number.isFinite(payload.exp)) claims.exp = payload.exp;
  return claims;
}
