import { BODY_ERRORS, declareRoutes, json } from "../_shared/openapi.ts";
import {
  connectionTestResult,
  createIntegrationBody,
  createIntegrationQuery,
  credentialsFilter,
  credentialsList,
  ifMatchHeader,
  integrationList,
  integrationMetadata,
  integrationPath,
  integrationWithVersions,
  listIntegrationsQuery,
  rollbackBody,
  updateIntegrationBody,
} from "./schemas.ts";

const REFUSED = "No token, or a refused one";
const ETAG = { ETag: { description: 'The current version, quoted ("3"): send it back as If-Match', schema: { type: "string" as const } } };
const CREDENTIAL_ERRORS = {
  400: "Bad input: an unknown or repeated parameter, a bad provider or project identifier",
  401: "No token, a malformed, expired or badly signed one, an unknown, expired or revoked application token",
  403:
    "\"Forbidden - Requires role: owner or application\" (a member); \"Forbidden - token not scoped to project 'x'\" (or provider) for a scoped application token asking outside its scope",
  404: "\"Project 'x' not found\"; \"No integration found for provider=jira, project=x\" when nothing matches",
  429: "\"Too many refused requests from this address: retry later\", with `Retry-After`",
  409:
    "\"Integration <id> (github oauth) needs re-authorization: <the service's refusal>. An owner must update its credentials\", with `integrationId`: the service refused the stored grant (a revoked refresh token); every read answers this until an owner updates the credentials",
  500:
    "A key is missing or wrong (\"Encryption key version 1 is not in the key ring\", ...), or a stored ciphertext failed its integrity check (with `integrationId`); or an unexpected failure",
  502:
    "A token could not be issued from the stored grant (GitHub App, OAuth refresh, client credentials): the service's own words, with `integrationId`, e.g. \"GitHub did not issue an installation token (401: A JSON web token could not be decoded)\"",
  503:
    "\"Credential operations are disabled: the database server's logging settings would record statement parameters. ...\" (the log guard); the database is unavailable; or another request is still issuing this read's token (`Retry-After`)",
};
const CREDENTIALS_DESCRIPTION =
  "With `project`: per provider, the integrations scoped to that project, and the global ones only for providers that have none scoped to it; without: the global integrations only. Ordered by provider, then creation time, then id. Every request is audited, whatever its answer. A grant is never returned: a GitHub App reads as `{token, expires_at, app_id, installation_id}` (an installation token), a client-credentials grant (`oauth_client_credentials`, `service_principal`) as its non-secret fields with `{access_token, expires_at}`, and an `oauth` credential without its `refresh_token` and `client_secret` (refreshed first when it expires within 5 minutes).";

/** /integrations: the routes of functions/integrations/app.ts. */
export const integrationRoutes = declareRoutes("integrations", {
  name: "Integrations",
  description: "Credentials for an external service (GitHub, Jira), scoped to projects or global; versioned.",
}, {
  create: {
    method: "post",
    path: "/",
    summary: "Create an integration",
    description:
      "Exactly one of `isGlobal: true` or a non-empty `projects`. `credentials` must fit the provider and auth type (functions/_shared/providers.ts). The older snake_case `auth_type` and `is_global` are accepted too.",
    roles: ["owner", "service"],
    request: { query: createIntegrationQuery, body: { required: true, ...json(createIntegrationBody) } },
    responses: { 201: { description: "The integration's metadata (never its credentials)", ...json(integrationMetadata) } },
    errors: {
      400:
        'Bad input (the message names the field); "Either isGlobal or projects must be specified"; "Specify either isGlobal or projects, not both"; "Project \'x\' not found"; with `validate=true`, "The service rejected the credentials: ..." or "The credentials cannot be validated: ..." (nothing stored)',
      401: REFUSED,
      403: "Not an owner",
      502: "With `validate=true`: \"The credentials could not be validated: ...\" (the service did not answer; nothing stored)",
      ...BODY_ERRORS,
    },
  },
  list: {
    method: "get",
    path: "/",
    summary: "List the integrations",
    roles: ["owner", "service"],
    request: { query: listIntegrationsQuery },
    responses: { 200: { description: "Every integration's metadata (of one provider), never credentials", ...json(integrationList) } },
    errors: { 400: "An unknown provider, or an unknown or repeated query parameter", 401: REFUSED, 403: "Not an owner" },
  },
  readCredentials: {
    method: "get",
    path: "/credentials",
    summary: "Read credentials",
    description: CREDENTIALS_DESCRIPTION,
    roles: ["owner", "application", "service"],
    request: { query: credentialsFilter },
    responses: { 200: { description: "The credentials that apply", ...json(credentialsList) } },
    errors: CREDENTIAL_ERRORS,
    database: false,
  },
  readCredentialsByPost: {
    method: "post",
    path: "/credentials",
    summary: "Read credentials (the older form)",
    description: `The same read as GET, the filters as a JSON body. ${CREDENTIALS_DESCRIPTION}`,
    roles: ["owner", "application", "service"],
    request: { body: { required: true, ...json(credentialsFilter) } },
    responses: { 200: { description: "The credentials that apply", ...json(credentialsList) } },
    errors: { ...CREDENTIAL_ERRORS, ...BODY_ERRORS },
    database: false,
  },
  get: {
    method: "get",
    path: "/{id}",
    summary: "Read an integration's metadata",
    roles: ["owner", "service"],
    request: { params: integrationPath },
    responses: {
      200: { description: "The metadata, with the versions kept", headers: ETAG, ...json(integrationWithVersions) },
    },
    errors: { 400: "The id is not a UUID", 401: REFUSED, 403: "Not an owner", 404: "\"Integration 'id' not found\"" },
  },
  update: {
    method: "patch",
    path: "/{id}",
    summary: "Change an integration",
    description:
      "Any of `credentials` (with `authType` to change the auth type too), `config`, the scope (`isGlobal` or `projects`). Every change is a new version. Check-and-set: `version` in the body or `If-Match`.",
    roles: ["owner", "service"],
    request: { params: integrationPath, headers: ifMatchHeader, body: { required: true, ...json(updateIntegrationBody) } },
    responses: { 200: { description: "The metadata at its new version", headers: ETAG, ...json(integrationMetadata) } },
    errors: {
      400: "Bad input (the message names the field), a malformed If-Match, or If-Match and version disagreeing",
      401: REFUSED,
      403: "Not an owner",
      404: "\"Integration 'id' not found\"",
      409: '"Version 3 is not current: the integration is at version 4", with `currentVersion`',
      ...BODY_ERRORS,
    },
  },
  rollback: {
    method: "post",
    path: "/{id}/rollback",
    summary: "Roll an integration back",
    description: "Makes a kept version's credentials (and auth type) current again, as a new version.",
    roles: ["owner", "service"],
    request: { params: integrationPath, headers: ifMatchHeader, body: { required: true, ...json(rollbackBody) } },
    responses: { 200: { description: "The metadata at its new version", headers: ETAG, ...json(integrationMetadata) } },
    errors: {
      400: "Bad input, or a malformed If-Match",
      401: REFUSED,
      403: "Not an owner",
      404: "The integration, or that version (no longer kept), not found",
      409: "If-Match names a version that is not current, with `currentVersion`",
      ...BODY_ERRORS,
    },
  },
  test: {
    method: "post",
    path: "/{id}/test",
    summary: "Test an integration's connection",
    description:
      "One call to the integration's service with its current credentials, changing nothing there: GitHub `GET /user` (a GitHub App: an installation token issued), Jira `GET /rest/api/3/myself`, GitLab `GET /api/v4/user`, Azure DevOps `GET /_apis/connectionData` (with `config.baseUrl`). Other providers answer `ok: false`, not supported. Audited as `integration.test`.",
    roles: ["owner", "service"],
    request: { params: integrationPath },
    responses: { 200: { description: "Whether the service accepted the credential; never a secret", ...json(connectionTestResult) } },
    errors: { 400: "The id is not a UUID", 401: REFUSED, 403: "Not an owner", 404: "\"Integration 'id' not found\"" },
  },
  delete: {
    method: "delete",
    path: "/{id}",
    summary: "Delete an integration",
    roles: ["owner", "service"],
    request: { params: integrationPath },
    responses: { 200: { description: "The deleted integration's metadata; no read returns it any more", ...json(integrationMetadata) } },
    errors: { 400: "The id is not a UUID", 401: REFUSED, 403: "Not an owner", 404: "\"Integration 'id' not found\"" },
  },
});
