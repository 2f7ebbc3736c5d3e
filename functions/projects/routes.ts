import { BODY_ERRORS, declareRoutes, json } from "../_shared/openapi.ts";
import { ifMatchHeader } from "../integrations/schemas.ts";
import { createProjectBody, deleteProjectQuery, noQuery, project, projectList, projectPath, updateProjectBody } from "./schemas.ts";

const ETAG = { ETag: { description: 'The project\'s version, quoted ("3"): send it back as If-Match', schema: { type: "string" as const } } };

/** /projects: the routes of functions/projects/app.ts. */
export const projectRoutes = declareRoutes("projects", {
  name: "Projects",
  description: "Repositories registered with the store; integrations are scoped to them.",
}, {
  create: {
    method: "post",
    path: "/",
    summary: "Register a project",
    roles: ["owner", "service"],
    request: { body: { required: true, ...json(createProjectBody) } },
    responses: { 201: { description: "The project", ...json(project) } },
    errors: {
      400: "Malformed JSON, an unknown field, a bad identifier or remote URL (the message names the field)",
      401: "No token, or a refused one",
      403: '"Forbidden - Only owners can create projects"',
      409: '"The project already exists."',
      ...BODY_ERRORS,
    },
  },
  list: {
    method: "get",
    path: "/",
    summary: "List the projects",
    description: "Every project, by identifier, each with the integrations that apply to it. No query parameters.",
    roles: ["owner", "member", "application", "service"],
    request: { query: noQuery },
    responses: { 200: { description: "Every project, by identifier", ...json(projectList) } },
    errors: {
      400: "A query parameter was given",
      401: "No token, or a refused one",
      403: "A signed-in user who is not a member",
    },
  },
  get: {
    method: "get",
    path: "/{identifier}",
    patterns: { identifier: ".+" },
    summary: "Read a project",
    description: "The identifier URL-encoded (`acme%2Fcore`); an unencoded `acme/core` matches too. No query parameters.",
    roles: ["owner", "member", "application", "service"],
    request: { params: projectPath, query: noQuery },
    responses: { 200: { description: "The project", headers: ETAG, ...json(project) } },
    errors: {
      400: "A malformed identifier, or a query parameter",
      401: "No token, or a refused one",
      403: "A signed-in user who is not a member",
      404: "\"Project 'x' not found\"",
    },
  },
  update: {
    method: "patch",
    path: "/{identifier}",
    patterns: { identifier: ".+" },
    summary: "Change a project",
    description:
      "One property at a time: `remoteUrl`, `configuration`, or one key of it (`configuration.workItems`; `null` removes the key). Every change is a new version. Check-and-set: `version` in the body or `If-Match`.",
    roles: ["owner", "service"],
    request: { params: projectPath, headers: ifMatchHeader, body: { required: true, ...json(updateProjectBody) } },
    responses: { 200: { description: "The project at its new version", headers: ETAG, ...json(project) } },
    errors: {
      400:
        "Bad input (the message names the field): an unknown property, a value of the wrong type, a work items configuration of the wrong shape, a malformed If-Match, or If-Match and version disagreeing",
      401: "No token, or a refused one",
      403: "Not an owner",
      404: "\"Project 'x' not found\"",
      409: '"Version 3 is not current: the project is at version 4", with `currentVersion`',
      ...BODY_ERRORS,
    },
  },
  delete: {
    method: "delete",
    path: "/{identifier}",
    patterns: { identifier: ".+" },
    summary: "Delete a project",
    description:
      "Refused while integrations are scoped to this project alone, unless `force=true`: then they lose that scope (they stay, read by no one, until re-scoped or deleted).",
    roles: ["owner", "service"],
    request: { params: projectPath, query: deleteProjectQuery },
    responses: { 200: { description: "The deleted project", ...json(project) } },
    errors: {
      400: "A malformed identifier, or a bad query parameter",
      401: "No token, or a refused one",
      403: "Not an owner",
      404: "\"Project 'x' not found\"",
      409: "\"Project 'x' has N integration(s) scoped to it alone; ...\", with `integrationIds`",
    },
  },
});
