import { z } from "zod";
import { ApiError } from "../_shared/errors.ts";
import { authTypeFor, configProblem, type Provider, providerSchema } from "../_shared/providers.ts";
import { jsonObjectOut, timestamp } from "../_shared/responses.ts";
import { describeIssues, projectIdentifier } from "../_shared/validation.ts";

const slug = /^[a-z][a-z0-9_]{0,39}$/;
const authTypeName = z.string().regex(slug, "authType must be a lowercase name such as pat or basic_auth");
// Passed through as sent (a record schema would rebuild the object): the credentials are
// then checked by their provider's strict schema and stored exactly as given.
const jsonObject = z.custom<Record<string, unknown>>(
  (value) => typeof value === "object" && value !== null && !Array.isArray(value),
  { message: "must be a JSON object" },
).meta({ type: "object", additionalProperties: true });

/**
 * POST /integrations, as documented (camelCase); the older snake_case spellings auth_type
 * and is_global are accepted too, and refused when both spellings disagree.
 */
const createIntegrationShape = z.strictObject({
  provider: providerSchema,
  authType: authTypeName.optional(),
  auth_type: authTypeName.optional(),
  credentials: jsonObject,
  isGlobal: z.boolean().optional(),
  is_global: z.boolean().optional(),
  projects: z.array(projectIdentifier).max(100, "at most 100 projects").optional(),
  config: jsonObject.optional(),
});

export interface CreateIntegration {
  provider: Provider;
  authType: string;
  credentials: Record<string, unknown>;
  isGlobal: boolean;
  projects: string[];
  config: Record<string, unknown>;
}

export const createIntegrationBody = createIntegrationShape.transform((body, ctx): CreateIntegration => {
  const authType = oneSpelling(body.authType, body.auth_type, "authType", "auth_type", ctx);
  const isGlobal = oneSpelling(body.isGlobal, body.is_global, "isGlobal", "is_global", ctx);
  if (authType === undefined) {
    ctx.addIssue({ code: "custom", message: "authType is required" });
    return z.NEVER;
  }
  const problem = pairProblem(body.provider, authType, body);
  if (problem) {
    ctx.addIssue({ code: "custom", message: problem });
    return z.NEVER;
  }
  return {
    provider: body.provider,
    authType,
    // Stored exactly as sent: the schema checks the fields, it does not rewrite them.
    credentials: body.credentials,
    isGlobal: isGlobal ?? false,
    projects: body.projects ?? [],
    config: body.config ?? {},
  };
});

/**
 * Why credentials or config (each when given) do not fit a provider and auth type (a 400
 * message), or null. Create checks both; so does PATCH, with the integration's provider and
 * its new or current auth type.
 */
export function pairProblem(
  provider: Provider,
  authType: string,
  given: { credentials?: unknown; config?: Record<string, unknown> },
): string | null {
  return (given.credentials !== undefined ? credentialsProblem(provider, authType, given.credentials) : null) ??
    (given.config !== undefined ? configProblem(given.config, { provider, authType }) : null);
}

/** Why `credentials` do not fit the provider and auth type (a 400 message), or null. */
export function credentialsProblem(provider: Provider, authType: string, credentials: unknown): string | null {
  const found = authTypeFor(provider, authType);
  if ("error" in found) return found.error;
  const parsed = found.entry.credentials.safeParse(credentials);
  return parsed.success ? null : `credentials: ${describeIssues(parsed.error)}`;
}

/**
 * PATCH /integrations/{id}: any of credentials (with authType, to change the auth type too),
 * config, and the scope (isGlobal or projects, as on create); `version` for check-and-set.
 * The known config keys are checked here by type; whether the integration's pair uses them
 * takes its provider and auth type: pairProblem, once the route has read them.
 */
export const updateIntegrationBody = z.strictObject({
  credentials: jsonObject.optional(),
  authType: authTypeName.optional(),
  auth_type: authTypeName.optional(),
  config: jsonObject.optional(),
  isGlobal: z.boolean().optional(),
  is_global: z.boolean().optional(),
  projects: z.array(projectIdentifier).max(100, "at most 100 projects").optional(),
  version: z.number().int().positive().optional(),
}).transform((body, ctx) => {
  const problem = body.config ? configProblem(body.config) : null;
  if (problem) ctx.addIssue({ code: "custom", message: problem });
  return {
    credentials: body.credentials,
    authType: oneSpelling(body.authType, body.auth_type, "authType", "auth_type", ctx),
    config: body.config,
    isGlobal: oneSpelling(body.isGlobal, body.is_global, "isGlobal", "is_global", ctx),
    projects: body.projects,
    version: body.version,
  };
});

/** POST /integrations/{id}/rollback */
export const rollbackBody = z.strictObject({
  version: z.number({ message: "version is required" }).int().positive(),
});

export const integrationId = z.uuid({ message: "integration id must be a UUID" });

/**
 * The expected version of a check-and-set, from the body's `version` or an If-Match header
 * ("3" or 3); both given must agree.
 */
export function expectedVersion(ifMatch: string | undefined, bodyVersion: number | undefined): number | undefined {
  let fromHeader: number | undefined;
  if (ifMatch !== undefined) {
    const match = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(ifMatch);
    if (!match) throw new ApiError(400, 'If-Match must be a version, e.g. "3"');
    fromHeader = Number(match[1]);
  }
  if (fromHeader !== undefined && bodyVersion !== undefined && fromHeader !== bodyVersion) {
    throw new ApiError(400, "If-Match and version disagree: send one of them");
  }
  return fromHeader ?? bodyVersion;
}

function oneSpelling<T>(
  camel: T | undefined,
  snake: T | undefined,
  camelName: string,
  snakeName: string,
  ctx: z.RefinementCtx,
): T | undefined {
  if (camel !== undefined && snake !== undefined && camel !== snake) {
    ctx.addIssue({ code: "custom", message: `${camelName} and ${snakeName} disagree: send one of them` });
  }
  return camel ?? snake;
}

/** GET /integrations?provider= */
export const listIntegrationsQuery = z.strictObject({ provider: providerSchema.optional() });

/** GET /integrations/credentials?provider=&project= and POST with the same fields as JSON. */
export const credentialsFilter = z.strictObject({
  provider: providerSchema.optional(),
  project: projectIdentifier.optional(),
});
export type CredentialsFilter = z.infer<typeof credentialsFilter>;

/** What sfp_api.get_credentials returns: an outcome, never an exception, so refusals stay audited. */
export type CredentialsOutcome =
  | { outcome: "granted"; credentials: CredentialsList }
  | { outcome: "denied"; reason: "unauthenticated" | "forbidden"; message: string }
  | { outcome: "not_found"; message: string }
  | { outcome: "invalid"; message: string }
  | { outcome: "error"; code: string; message: string; integration_id: string | null };

const REFUSAL_STATUS = { unauthenticated: 401, forbidden: 403 } as const;

export function credentialsResponse(result: CredentialsOutcome): CredentialsList {
  switch (result.outcome) {
    case "granted":
      return result.credentials;
    case "denied":
      throw new ApiError(REFUSAL_STATUS[result.reason], result.message);
    case "not_found":
      throw new ApiError(404, result.message);
    case "invalid":
      throw new ApiError(400, result.message);
    case "error":
      // A missing or wrong key, or a failed integrity check: the message names the key
      // version or the integration, never a secret.
      throw new ApiError(500, result.message, result.integration_id ? { integrationId: result.integration_id } : {});
  }
}

/** An integration's metadata as sfp_api returns it (sfp._integration_json): never its credentials. */
export const integrationMetadata = z.object({
  id: z.uuid(),
  provider: z.string(),
  auth_type: z.string(),
  is_global: z.boolean(),
  projects: z.array(z.string()).meta({ description: "The identifiers of the projects it is scoped to (empty when global)" }),
  config: jsonObjectOut,
  version: z.int().meta({ description: "Its current version; every change makes a new one" }),
  created_at: timestamp,
  updated_at: timestamp,
}).meta({ id: "Integration" });
export type IntegrationMetadata = z.infer<typeof integrationMetadata>;

/** GET /integrations/{id}: the metadata with the kept version numbers. */
export const integrationWithVersions = integrationMetadata.extend({
  versions: z.array(z.int()).meta({ description: "The version numbers kept, ascending (a rollback may go back to any)" }),
}).meta({ id: "IntegrationWithVersions" });
export type IntegrationWithVersions = z.infer<typeof integrationWithVersions>;

export const integrationList = z.array(integrationMetadata);
export type IntegrationList = z.infer<typeof integrationList>;

/** One integration's credentials as a read returns them: exactly as stored. */
export const credentialsEntry = z.object({
  integration_id: z.uuid(),
  provider: z.string(),
  auth_type: z.string(),
  credentials: jsonObjectOut.meta({ description: "Exactly as stored; their shape is the provider's and auth type's" }),
}).meta({ id: "Credentials" });
export const credentialsList = z.array(credentialsEntry);
export type CredentialsList = z.infer<typeof credentialsList>;

export const integrationPath = z.object({ id: integrationId });

/** The check-and-set header of PATCH and rollback. */
export const ifMatchHeader = z.object({
  "if-match": z.string().optional().meta({
    description: 'The version the change expects to be current, as the ETag shows it ("3"); 409 when it is not',
  }),
});

/** POST /integrations?validate=true: test the credentials against their service before storing them. */
export const createIntegrationQuery = z.strictObject({
  validate: z.enum(["true", "false"], { message: "validate must be true or false" }).optional(),
});

/** POST /integrations/{id}/test: whether the service accepts the credential (connection-test.ts). */
export const connectionTestResult = z.object({
  ok: z.boolean(),
  status: z.number().int().nullable().meta({ description: "The service's HTTP status; null when it did not answer or no call was made" }),
  message: z.string().meta({ description: 'e.g. "Authenticated as octocat", or the service\'s refusal; never a secret' }),
}).meta({ id: "ConnectionTest" });
