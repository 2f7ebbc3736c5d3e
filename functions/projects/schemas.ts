import { z } from "zod";
import { jsonObjectOut, timestamp } from "../_shared/responses.ts";
import { describeIssues, projectIdentifier } from "../_shared/validation.ts";

export const createProjectBody = z.strictObject({
  identifier: projectIdentifier,
  remoteUrl: z.string({ message: "remoteUrl is required" }).min(1, "remoteUrl is required").max(2048),
});
export type CreateProjectBody = z.infer<typeof createProjectBody>;

/**
 * PATCH /projects/{identifier}: one property and its new value, as sfp server's API takes it
 * (`{"property": "configuration.workItems", "value": {...}}`); `version` for check-and-set.
 * Which properties exist, and the type of each one's value, is sfp_api.update_project's rule;
 * the work items configuration's shape is checked here (workItemsProblem).
 */
export const updateProjectBody = z.strictObject({
  property: z.string({ message: "property is required" }).min(1, "property is required").max(600).meta({
    description:
      "`remoteUrl`, `configuration` (the whole object) or `configuration.<key>[.<key>...]` (one key; keys of ASCII letters, digits, `_` and `-`, at most 8 levels); the identifier never changes",
    example: "configuration.workItems",
  }),
  // Any JSON value, null (which removes a configuration key) included: never undefined, so required.
  value: z.custom<unknown>((value) => value !== undefined, { message: "value is required" }).meta({
    type: ["object", "array", "string", "number", "boolean", "null"],
    additionalProperties: true,
    description: "The new value: a string for `remoteUrl`, an object for `configuration`, any JSON for one key (`null` removes it)",
    example: { provider: "jira", jiraProjects: ["DP"], baseUrl: "https://acme.atlassian.net/browse" },
  }),
  version: z.number().int().positive().optional().meta({ description: "The version the change expects to be current (or If-Match); 409 when it is not" }),
}).superRefine((body, ctx) => {
  const problem = workItemsProblem(body.property, body.value);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});
export type UpdateProjectBody = z.infer<typeof updateProjectBody>;

/** A Jira project key as Jira allows it: an uppercase letter, then uppercase letters, digits or '_'. */
const jiraProjectKey = z.string().regex(/^[A-Z][A-Z0-9_]{0,254}$/, "must be a Jira project key such as DP (an uppercase letter, then uppercase letters, digits or '_')");

/**
 * `configuration.workItems` for Jira: the Jira projects whose issues are the project's work items, and
 * the address issue links are made from (`<baseUrl>/<key>`; the issues themselves are read from the
 * Jira credential's own base URL, never from here). Other providers' settings are stored as given.
 */
const jiraWorkItems = z.strictObject({
  provider: z.literal("jira"),
  jiraProjects: z.array(jiraProjectKey).min(1, "list at least one Jira project key").max(100, "at most 100 Jira projects"),
  baseUrl: z.url({ protocol: /^https?$/, message: "must be an http(s) URL, e.g. https://acme.atlassian.net/browse" }).max(2048).optional(),
});
const otherWorkItems = z.looseObject({
  provider: z.string({ message: "provider is required" }).regex(/^[a-z][a-z0-9-]{0,39}$/, "provider must be a lowercase name such as jira or azure-devops"),
});

/**
 * Why a change would store a work items configuration of the wrong shape (a 400 message), or
 * null: for `configuration.workItems` the value, for `configuration` its `workItems`. Below
 * `configuration.workItems` nothing can be set on its own: the shape holds only as a whole.
 */
export function workItemsProblem(property: string, value: unknown): string | null {
  if (property.startsWith("configuration.workItems.")) {
    return "configuration.workItems is set as a whole: send property configuration.workItems with its complete value";
  }
  let workItems: unknown;
  if (property === "configuration.workItems") workItems = value;
  else if (property === "configuration" && typeof value === "object" && value !== null && "workItems" in value) {
    workItems = (value as { workItems: unknown }).workItems;
  } else return null;
  if (workItems === null && property === "configuration.workItems") return null; // removes it
  // Parsed where it will be stored, so that every message names its full path.
  const stored = <T extends z.ZodType>(schema: T) => z.object({ configuration: z.object({ workItems: schema }) });
  const at = { configuration: { workItems } };
  const any = stored(otherWorkItems).safeParse(at);
  if (!any.success) return describeIssues(any.error);
  if (any.data.configuration.workItems.provider !== "jira") return null;
  const jira = stored(jiraWorkItems).safeParse(at);
  return jira.success ? null : describeIssues(jira.error);
}

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
