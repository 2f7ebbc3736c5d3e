/**
 * Messages of the API that several test files expect word for word, written out here once
 * (never taken from functions/ or the migrations: a test that computed them from the code
 * would pass whatever the code says).
 */

// 401: no usable Supabase Auth or service-role token.
export const MISSING_TOKEN = "Missing bearer token: send Authorization: Bearer <token>";
export const NOT_A_JWT = "Invalid token: not a JWT";
export const TOKEN_EXPIRED = "Invalid token: expired";

// 401: application tokens.
export const INVALID_APPLICATION_TOKEN = "Invalid application token";
export const APPLICATION_TOKEN_REVOKED = "Application token revoked";
export const APPLICATION_TOKEN_EXPIRED = "Application token expired";
export const CREATOR_NOT_OWNER = "Application token no longer valid: the owner who created it is no longer an owner";

// 403: the caller's role.
export const OWNER_ONLY = "Forbidden - Requires role: owner";
export const OWNER_OR_APPLICATION = "Forbidden - Requires role: owner or application";
export const OWNER_MEMBER_OR_APPLICATION = "Forbidden - Requires role: owner, member or application";
export const OWNERS_CREATE_PROJECTS = "Forbidden - Only owners can create projects";
export const SERVICE_ROLE_ONLY = "Forbidden - Requires role: service_role";

// 400: input.
export const INVALID_IDENTIFIER =
  "Invalid project identifier: use ASCII letters, digits, '.', '_' and '-', with '/' between segments (e.g. org/repo), at most 255 characters";
export const EMPTY_PROJECTS =
  "projects must not be empty: list at least one project identifier, or leave projects out (or null) for a token not limited to projects";
/** 400: a provider outside the catalogue, wherever a provider is taken (field prefix added by the caller). */
export const UNKNOWN_PROVIDER =
  "provider must be one of: github, gitlab, azure-devops, jira, jfrog, npm, github_packages, datadog, newrelic, splunk, ai_anthropic, ai_openai, ai_google, ai_github_copilot, ai_amazon_bedrock";
export const EMPTY_PROVIDERS =
  "providers must not be empty: list at least one provider, or leave providers out (or null) for a token not limited to providers";

/** 503: what a client hears while the log guard refuses credential work (SFL01). */
export const LOG_GUARD_REFUSED =
  "Credential operations are disabled: the database server's logging settings would record statement parameters. An operator can see which with sfp_api.log_settings_check().";

/** What the audit tables' triggers answer an UPDATE, DELETE or TRUNCATE (42501). */
export const APPEND_ONLY = "The audit log is append-only";

/** SFK01: the key ring lacks the key version a ciphertext was sealed with. */
export const keyNotInRing = (version: number) => `Encryption key version ${version} is not in the key ring`;

/** SFK04: a key differs from the key check value stored for its version. */
export const wrongKey = (version: number) =>
  `Encryption key version ${version} of the key ring does not match the key this database was encrypted with: restore the original key for version ${version}`;

/** 403: an application token asking for a project or a provider outside its scope. */
export const notScopedToProject = (project: string) => `Forbidden - token not scoped to project '${project}'`;
export const notScopedToProvider = (provider: string) => `Forbidden - token not scoped to provider '${provider}'`;
