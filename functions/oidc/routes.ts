import { BODY_ERRORS, declareRoutes, json } from "../_shared/openapi.ts";
import {
  createOidcPolicyBody,
  oidcAccessToken,
  oidcExplanation,
  oidcPolicy,
  oidcPolicyList,
  oidcTokenBody,
  policyPath,
} from "./schemas.ts";

/** /oidc-policies: the trust policies (functions/oidc/app.ts, createOidcPoliciesApp). */
export const oidcPolicyRoutes = declareRoutes("oidc-policies", {
  name: "OIDC policies",
  description: "Which pipelines may exchange their OIDC token for an access token, and what it reads (docs/oidc.md).",
}, {
  create: {
    method: "post",
    path: "/",
    summary: "Create an OIDC trust policy",
    description:
      "`issuer`: one of `SFP_OIDC_ISSUERS`. `audience`: required, specific to this server (a default or shared audience is refused). `claims`: claim name to exact value; `*` (any run of characters but `/` and `@`) only in ref, head_ref, base_ref, environment, workflow, workflow_ref, job_workflow_ref, ci_config_ref_uri (not in their repository part); the repository pinned by its id: repository_id (GitHub) or project_id (GitLab). `subject`: optional, a glob over `sub` (name-based or immutable id-based). `allowEvents`: events admitted beyond the default allow-list (push, workflow_dispatch, schedule, release, merge_group, deployment, repository_dispatch; GitLab's web, api, trigger, pipeline, parent_pipeline), e.g. pull_request. `projects`: required; `providers`: optional.",
    roles: ["owner", "service"],
    request: { body: { required: true, ...json(createOidcPolicyBody) } },
    responses: { 201: { description: "The policy", ...json(oidcPolicy) } },
    errors: {
      400: "Bad input (the message names the field), an untrusted issuer, a shared audience, \"Project 'x' not found\"",
      401: "No token, or a refused one",
      403: "Not an owner",
      409: "\"OIDC policy 'x' already exists\"",
      ...BODY_ERRORS,
    },
  },
  list: {
    method: "get",
    path: "/",
    summary: "List the OIDC trust policies",
    roles: ["owner", "service"],
    responses: { 200: { description: "Every policy, in name order", ...json(oidcPolicyList) } },
    errors: { 401: "No token, or a refused one", 403: "Not an owner" },
  },
  delete: {
    method: "delete",
    path: "/{id}",
    summary: "Delete an OIDC trust policy",
    description: "The access tokens it granted stop working at once.",
    roles: ["owner", "service"],
    request: { params: policyPath },
    responses: { 200: { description: "The deleted policy", ...json(oidcPolicy) } },
    errors: {
      400: "The id is not a UUID",
      401: "No token, or a refused one",
      403: "Not an owner",
      404: "\"OIDC policy 'id' not found\"",
    },
  },
});

/** /oidc: the exchange and explain (functions/oidc/app.ts, createOidcApp). */
export const oidcRoutes = declareRoutes("oidc", {
  name: "OIDC",
  description: "Pipelines without a stored token: a job's OIDC token exchanged for a short-lived access token (docs/oidc.md).",
}, {
  token: {
    method: "post",
    path: "/token",
    summary: "Exchange a job's OIDC token",
    description:
      "No other authentication: the OIDC token is the proof. The first trust policy (in name order) that matches, while the owner who created it is still an owner, grants an access token (`sfp_oidc_...`) that reads credentials of the policy's projects and providers, for at most 15 minutes and never past the OIDC token's `exp`. Each OIDC token is exchanged once. Audited, refusals too.",
    roles: ["anyone"],
    request: { body: { required: true, ...json(oidcTokenBody) } },
    responses: { 200: { description: "The access token, shown once", ...json(oidcAccessToken) } },
    errors: {
      400: "Bad input (the message names the field)",
      401:
        "\"Invalid OIDC token: <reason>\" (not a JWT, algorithm, issuer, signature, expiry, nbf, iat, jti, already used) or \"No trust policy matches this token: <the failed check>\"",
      429: "\"Too many refused requests from this address: retry later\", with `Retry-After`",
      ...BODY_ERRORS,
    },
  },
  explain: {
    method: "post",
    path: "/explain",
    summary: "Explain how an OIDC token fares",
    description:
      "For each trust policy: matched, or the first failing check with what the token says and what the policy requires; and whether the token itself is valid. Exchanges nothing and records nothing.",
    roles: ["owner", "service"],
    request: { body: { required: true, ...json(oidcTokenBody) } },
    responses: { 200: { description: "The token's verdict and every policy's", ...json(oidcExplanation) } },
    errors: {
      400: "Bad input (the message names the field)",
      401: "No token, or a refused one",
      403: "Not an owner",
      ...BODY_ERRORS,
    },
  },
});
