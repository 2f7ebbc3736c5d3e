import { z } from "zod";
import { jsonObjectOut, timestamp } from "../_shared/responses.ts";
import { projectIdentifier } from "../_shared/validation.ts";

export const createProjectBody = z.strictObject({
  identifier: projectIdentifier,
  remoteUrl: z.string({ message: "remoteUrl is required" }).min(1, "remoteUrl is required").max(2048),
});
export type CreateProjectBody = z.infer<typeof createProjectBody>;

/** GET /projects and GET /projects/{identifier} take no query parameters. */
export const noQuery = z.strictObject({});

/** DELETE /projects/{identifier}?force=true */
export const deleteProjectQuery = z.strictObject({
  force: z.enum(["true", "false"], { message: "force must be true or false" }).optional(),
});

/** An integration that applies to a project: metadata only, never credentials. */
export const projectIntegration = z.object({
  id: z.uuid(),
  provider: z.string(),
  auth_type: z.string(),
  is_global: z.boolean(),
  created_at: timestamp,
}).meta({ id: "ProjectIntegration" });

/** A project as sfp_api returns it (sfp._project_json). */
export const project = z.object({
  id: z.uuid(),
  identifier: z.string(),
  remote_url: z.string(),
  platform: z.enum(["github", "gitlab", "azuredevops", "bitbucket", "other"]),
  configuration: jsonObjectOut,
  version: z.int(),
  created_at: timestamp,
  updated_at: timestamp,
  integrations: z.array(projectIntegration).meta({
    description: "The integrations that apply to it (scoped to it, and the global ones), by provider then creation",
  }),
}).meta({ id: "Project" });
export type Project = z.infer<typeof project>;

export const projectList = z.array(project);
export type ProjectList = z.infer<typeof projectList>;

/** The identifier as a path parameter (URL-encoded: "acme%2Fcore"; an unencoded "acme/core" matches too). */
export const projectPath = z.object({ identifier: projectIdentifier });
