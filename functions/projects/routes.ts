import { BODY_ERRORS, declareRoutes, json } from "../_shared/openapi.ts";
import { createProjectBody, deleteProjectQuery, noQuery, project, projectList, projectPath } from "./schemas.ts";


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
    responses: { 200: { description: "The project", ...json(project) } },
    errors: {
      400: "A malformed identifier, or a query parameter",
      401: "No token, or a refused one",
      403: "A signed-in user who is not a member",
      404: "\"Project 'x' not found\"",
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
