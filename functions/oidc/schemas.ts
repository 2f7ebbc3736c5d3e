import { z } from "zod";
import { providerSchema } from "../_shared/providers.ts";
import { timestamp } from "../_shared/responses.ts";
import { projectIdentifier } from "../_shared/validation.ts";

/**
 * POST /oidc-policies: who may exchange an OIDC token (issuer, audience, claims, subject,
 * events) for what (projects, providers). SQL checks the rest: which claims a policy may
 * name, where `*` may stand, that the repository is pinned, that the audience is not a
 * shared default, that the projects are registered (sfp_api.create_oidc_policy).
 */
export const createOidcPolicyBody = z.strictObject({
  name: z.string({ message: "name is required" }).trim().min(1, "name is required").max(100, "name must be at most 100 characters"),
  issuer: z.string({ message: "issuer is required" }).min(1, "issuer is required").max(255, "issuer must be at most 255 characters"),
  audience: z.string({ message: "audience is required: a value specific to this server, e.g. its URL" })
    .min(1, "audience is required: a value specific to this server, e.g. its URL")
    .max(255, "audience must be at most 255 characters"),
  claims: z.record(z.string(), z.string({ message: "claim values must be strings" }), {
    message: "claims must be an object of claim names to values",
  }),
  subject: z.string({ message: "subject must be a string" }).min(1, "subject must not be empty").max(500).nullish(),
  allowEvents: z.array(z.string({ message: "allowEvents must be an array of event names" }), {
    message: "allowEvents must be an array of event names",
  }).max(10).nullish(),
  projects: z.array(projectIdentifier, { message: "projects is required: list the projects whose credentials the policy grants" })
    .min(1, "projects is required: list the projects whose credentials the policy grants")
    .max(100, "at most 100 projects"),
  providers: z.array(providerSchema, { message: "providers must be an array of provider names" })
    .min(1, "providers must not be empty: list at least one provider, or leave providers out (or null) for every provider")
    .max(100, "at most 100 providers")
    .nullish(),
});
export type CreateOidcPolicyBody = z.infer<typeof createOidcPolicyBody>;

export const policyId = z.uuid({ message: "policy id must be a UUID" });
export const policyPath = z.object({ id: policyId });

/** A trust policy as sfp_api returns it (sfp._oidc_policy_json). */
export const oidcPolicy = z.object({
  id: z.uuid(),
  name: z.string(),
  issuer: z.string(),
  audience: z.string(),
  claims: z.record(z.string(), z.string()).meta({ description: "Claim name to exact value (or glob, where allowed)" }),
  subject: z.string().nullable(),
  allowEvents: z.array(z.string()).meta({
    description: "Events beyond the default allow-list (push, workflow_dispatch, schedule, ...) that this policy admits",
  }),
  projects: z.array(z.string()).meta({ description: "The projects it grants (identifiers, sorted)" }),
  providers: z.array(z.string()).nullable().meta({ description: "The providers it grants; null: every provider" }),
  created_by: z.uuid().nullable(),
  created_at: timestamp,
}).meta({ id: "OidcPolicy" });
export type OidcPolicy = z.infer<typeof oidcPolicy>;

export const oidcPolicyList = z.array(oidcPolicy);
export type OidcPolicyList = z.infer<typeof oidcPolicyList>;

/** POST /oidc/token and /oidc/explain: a job's OIDC token (a JWT). */
export const oidcTokenBody = z.strictObject({
  token: z.string({ message: "token is required: the job's OIDC token" })
    .min(1, "token is required: the job's OIDC token")
    .max(16384, "token must be at most 16384 characters"),
});

/** POST /oidc/token: the access token, shown once. */
export const oidcAccessToken = z.object({
  access_token: z.string().regex(/^sfp_oidc_[A-Za-z0-9_-]{64}$/).meta({
    description: "`sfp_oidc_` and 64 URL-safe characters: send it as `Authorization: Bearer`",
  }),
  token_type: z.literal("bearer"),
  expires_in: z.int().meta({ description: "Seconds until it expires: at most 900, never past the OIDC token's exp" }),
  expires_at: timestamp,
  policy: z.string().meta({ description: "The trust policy that granted it" }),
  projects: z.array(z.string()).meta({ description: "The projects it reads" }),
  providers: z.array(z.string()).nullable().meta({ description: "The providers it reads; null: every provider" }),
}).meta({ id: "OidcAccessToken" });
export type OidcAccessToken = z.infer<typeof oidcAccessToken>;

/** POST /oidc/explain: what an exchange of this token would do, and why. */
export const oidcExplanation = z.object({
  valid: z.boolean().meta({
    description: "The token itself passes: a trusted issuer, its signature, exp, nbf, iat, a jti not yet exchanged",
  }),
  reason: z.string().nullable().meta({ description: "Why the token itself is refused; null when valid" }),
  claims: z.record(z.string(), z.unknown()).nullable().meta({
    description: "What the token says (iss, aud, sub and the claims a policy can match); null when it is not a JWT",
  }),
  policy: z.string().nullable().meta({ description: "The policy an exchange would use now; null when it would be refused" }),
  policies: z.array(z.object({
    id: z.uuid(),
    name: z.string(),
    matched: z.boolean(),
    check: z.enum(["issuer", "audience", "claims", "subject", "event", "owner"]).nullable().meta({
      description: "The first check that failed; null when it matched",
    }),
    message: z.string().nullable().meta({ description: "What the token says and what the policy requires" }),
  })).meta({ description: "Every policy, in name order" }),
}).meta({ id: "OidcExplanation" });
export type OidcExplanation = z.infer<typeof oidcExplanation>;
