import { z } from "zod";
import { ApiError } from "../_shared/errors.ts";
import { credentialsSchemaFor, type Provider, providerSchema } from "../_shared/providers.ts";
import { describeIssues, projectIdentifier } from "../_shared/validation.ts";

const slug = /^[a-z][a-z0-9_]{0,39}$/;
const authTypeName = z.string().regex(slug, "authType must be a lowercase name such as pat or basic_auth");
// Passed through as sent (a record schema would rebuild the object): the credentials are
// then checked by their provider's strict schema and stored exactly as given.
const jsonObject = z.custom<Record<string, unknown>>(
  (value) => typeof value === "object" && value !== null && !Array.isArray(value),
  { message: "must be a JSON object" },
);

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
  const found = credentialsSchemaFor(body.provider, authType);
  if ("error" in found) {
    ctx.addIssue({ code: "custom", message: found.error });
    return z.NEVER;
  }
  const credentials = found.schema.safeParse(body.credentials);
  if (!credentials.success) {
    ctx.addIssue({ code: "custom", path: ["credentials"], message: describeIssues(credentials.error) });
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
  | { outcome: "granted"; credentials: unknown[] }
  | { outcome: "denied"; reason: "unauthenticated" | "forbidden"; message: string }
  | { outcome: "not_found"; message: string };

const REFUSAL_STATUS = { unauthenticated: 401, forbidden: 403 } as const;

export function credentialsResponse(result: CredentialsOutcome): unknown[] {
  if (result.outcome === "granted") return result.credentials;
  throw new ApiError(result.outcome === "denied" ? REFUSAL_STATUS[result.reason] : 404, result.message);
}
