import { z } from "zod";
import { providerSchema } from "../_shared/providers.ts";
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
