import { BODY_ERRORS, declareRoutes, json } from "../_shared/openapi.ts";
import { addMemberBody, me, member, memberList, memberPath, updateMemberBody } from "./schemas.ts";

const REFUSED = "No token, or a refused one";
const LAST_OWNER = '"The team must keep at least one owner"';

/** /users: the routes of functions/users/app.ts. */
export const userRoutes = declareRoutes("users", {
  name: "Team members",
  description: "Supabase Auth users on the team, owners or members.",
}, {
  me: {
    method: "get",
    path: "/me",
    summary: "Who am I",
    roles: ["signed-in user", "application", "service"],
    responses: { 200: { description: "The caller: a user (role null when not a member), an application or the service", ...json(me) } },
    errors: { 401: REFUSED },
  },
  list: {
    method: "get",
    path: "/",
    summary: "List the members",
    roles: ["owner", "service"],
    responses: { 200: { description: "Every member, by email", ...json(memberList) } },
    errors: { 401: REFUSED, 403: "Not an owner" },
  },
  add: {
    method: "post",
    path: "/",
    summary: "Add a member",
    description: "The user must have signed up and confirmed their email. `role`: owner or member.",
    roles: ["owner", "service"],
    request: { body: { required: true, ...json(addMemberBody) } },
    responses: { 201: { description: "The member", ...json(member) } },
    errors: {
      400: "Bad input; \"User 'x' has not confirmed their email: they must confirm it before they can be added\"",
      401: REFUSED,
      403: "Not an owner",
      404: "\"User 'x' not found: they must sign up before they can be added\"",
      409: '"The user is already a member."',
      ...BODY_ERRORS,
    },
  },
  update: {
    method: "put",
    path: "/{email}",
    summary: "Change a member's role",
    roles: ["owner", "service"],
    request: { params: memberPath, body: { required: true, ...json(updateMemberBody) } },
    responses: { 200: { description: "The member", ...json(member) } },
    errors: {
      400: "Bad input",
      401: REFUSED,
      403: "Not an owner",
      404: "\"Member 'x' not found\"",
      409: LAST_OWNER,
      ...BODY_ERRORS,
    },
  },
  remove: {
    method: "delete",
    path: "/{email}",
    summary: "Remove a member",
    roles: ["owner", "service"],
    request: { params: memberPath },
    responses: { 200: { description: "The removed member", ...json(member) } },
    errors: { 400: "Not an email address", 401: REFUSED, 403: "Not an owner", 404: "\"Member 'x' not found\"", 409: LAST_OWNER },
  },
});
