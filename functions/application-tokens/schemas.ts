import { z } from "zod";
import { providerSchema } from "../_shared/providers.ts";
import { timestamp } from "../_shared/responses.ts";
import { projectIdentifier } from "../_shared/validation.ts";

// The same wording as sfp._token_scope_project_ids and sfp._token_scope_providers, so a client
// sees one message wherever an empty scope is refused.
export const EMPTY_PROJECTS =
  "projects must not be empty: list at least one project identifier, or leave projects out (or null) for a token not limited to projects";
export const EMPTY_PROVIDERS =
  "providers must not be empty: list at least one provider, or leave providers out (or null) for a token not limited to providers";

/**
 * POST /application-tokens: a name, a lifetime in days (default 30, at most 365), and an
 * optional scope: `projects` (identifiers of registered projects: SQL refuses one that is not)
 * and `providers`, each left out (or null) for a token not limited in that dimension.
 */
export const createApplicationTokenBody = z.strictObject({
  name: z.string({ message: "name is required" }).trim().min(1, "name is required").max(100, "name must be at most 100 characters"),
  expiresIn: z.number({ message: "expiresIn must be a whole number of days from 1 to 365" })
    .int("expiresIn must be a whole number of days from 1 to 365")
    .min(1, "expiresIn must be a whole number of days from 1 to 365")
    .max(365, "expiresIn must be a whole number of days from 1 to 365")
    .default(30),
  projects: z.array(projectIdentifier, { message: "projects must be an array of project identifiers" })
    .min(1, EMPTY_PROJECTS)
    .max(100, "at most 100 projects")
    .nullish(),
  providers: z.array(providerSchema, { message: "providers must be an array of provider names" })
    .min(1, EMPTY_PROVIDERS)
    .max(100, "at most 100 providers")
    .nullish(),
});

export const tokenId = z.uuid({ message: "token id must be a UUID" });

/** An application token's metadata as sfp_api returns it (sfp._application_token_json): never the token. */
export const applicationToken = z.object({
  id: z.uuid(),
  name: z.string(),
  status: z.enum(["active", "expired", "revoked"]),
  projects: z.array(z.string()).nullable().meta({ description: "The projects it is limited to; null: not limited to projects" }),
  providers: z.array(z.string()).nullable().meta({ description: "The providers it is limited to; null: not limited to providers" }),
  created_by: z.uuid().nullable().meta({ description: "The owner who created it (null when made with the service-role key)" }),
  created_at: timestamp,
  expires_at: timestamp,
  revoked_at: timestamp.nullable(),
  last_used_at: timestamp.nullable().meta({ description: "Its last use, to the minute" }),
}).meta({ id: "ApplicationToken" });
export type ApplicationToken = z.infer<typeof applicationToken>;

/** POST /application-tokens: the metadata with the token, shown this once. */
export const createdApplicationToken = applicationToken.extend({
  token: z.string().regex(/^sfp_app_[A-Za-z0-9_-]{64}$/).meta({ description: "`sfp_app_` and 64 URL-safe characters: shown once, never again" }),
}).meta({ id: "CreatedApplicationToken" });
export type CreatedApplicationToken = z.infer<typeof createdApplicationToken>;

export const applicationTokenList = z.array(applicationToken);
export type ApplicationTokenList = z.infer<typeof applicationTokenList>;

export const tokenPath = z.object({ id: tokenId });
