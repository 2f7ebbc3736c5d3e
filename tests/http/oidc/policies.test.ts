/**
 * OIDC trust policies over HTTP (POST/GET /oidc-policies, DELETE /oidc-policies/{id}): owners
 * manage them, each change audited; safe by default: the audience required and never a
 * default or shared one, the repository pinned by its id (a name alone, an owner or a
 * namespace is not enough), `*` only where documented (never in a workflow's repository
 * part), allowEvents only for events beyond the default allow-list, subjects in GitHub's name-based or immutable format (or
 * GitLab's), projects required and registered, the issuer one of SFP_OIDC_ISSUERS.
 */
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createProject, expectError, TIMESTAMP } from "../../support/http.ts";
import { OWNER_ONLY } from "../../support/messages.ts";
import { useTestStack } from "../../support/test-stack.ts";

const stack = useTestStack();
const ISSUER = "https://token.actions.githubusercontent.com";
const GITLAB = "https://gitlab.example.com";

beforeAll(async () => {
  await stack.restartFunctions({ SFP_OIDC_ISSUERS: JSON.stringify([{ issuer: ISSUER }, { issuer: GITLAB }]) });
});
beforeEach(async () => {
  await stack.sql`truncate sfp.oidc_policies, sfp.oidc_used_tokens, sfp.oidc_sessions cascade`;
  await createProject(stack, "acme-corp/salesforce-main");
});

const PIN =
  "claims must pin the repository by its id: give repository_id (GitHub) or project_id (GitLab), with repository or project_path too if you like (a name can be re-registered, an id never)";

const valid = {
  name: "salesforce-main-ci",
  issuer: ISSUER,
  audience: "https://sfp.acme-corp.example",
  claims: { repository: "acme-corp/salesforce-main", repository_id: "684201337", ref: "refs/heads/main" },
  projects: ["acme-corp/salesforce-main"],
};

function create(body: Record<string, unknown>, token = stack.owner.token) {
  return stack.api("POST", "/oidc-policies", { token, body });
}

describe("managing policies", () => {
  it("create, list, delete: each change audited", async () => {
    const created = await create({ ...valid, providers: ["jira"], allowEvents: ["workflow_run", "issue_comment"] });
    expect(created.status, created.text).toBe(201);
    const policy = {
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: "salesforce-main-ci",
      issuer: ISSUER,
      audience: "https://sfp.acme-corp.example",
      claims: valid.claims,
      subject: null,
      allowEvents: ["issue_comment", "workflow_run"],
      projects: ["acme-corp/salesforce-main"],
      providers: ["jira"],
      created_by: stack.owner.id,
      created_at: expect.stringMatching(TIMESTAMP),
    };
    expect(created.body).toEqual(policy);
    expect(await stack.api("GET", "/oidc-policies", { token: stack.owner.token })).toMatchObject({ status: 200, body: [policy] });
    expectError(await create(valid), 409, "OIDC policy 'salesforce-main-ci' already exists");

    const deleted = await stack.api("DELETE", `/oidc-policies/${created.body.id}`, { token: stack.owner.token });
    expect(deleted).toMatchObject({ status: 200, body: policy });
    expect((await stack.api("GET", "/oidc-policies", { token: stack.owner.token })).body).toEqual([]);
    expectError(
      await stack.api("DELETE", `/oidc-policies/${created.body.id}`, { token: stack.owner.token }),
      404,
      `OIDC policy '${created.body.id}' not found`,
    );
    const audit = await stack.sql`select action, actor_type, actor_id, outcome, details ->> 'name' as name
                                  from sfp.audit_log where action like 'oidc_policy.%' order by id`;
    expect(audit.map((row) => ({ ...row }))).toEqual([
      { action: "oidc_policy.create", actor_type: "user", actor_id: stack.owner.id, outcome: "succeeded", name: "salesforce-main-ci" },
      { action: "oidc_policy.delete", actor_type: "user", actor_id: stack.owner.id, outcome: "succeeded", name: "salesforce-main-ci" },
    ]);
  });

  it("owners only", async () => {
    expectError(await create(valid, stack.member.token), 403, OWNER_ONLY);
    expectError(await stack.api("GET", "/oidc-policies", { token: stack.member.token }), 403, OWNER_ONLY);
    expect(await stack.sql`select * from sfp.oidc_policies`).toEqual([]);
  });

  it.each([
    ["GitHub's name-based subject", "repo:acme-corp/salesforce-main:ref:refs/heads/main"],
    ["GitHub's immutable subject", "repo:acme-corp@90412345/salesforce-main@684201337:environment:prod"],
    ["a glob after the repository", "repo:acme-corp/salesforce-main:ref:refs/heads/release/*"],
    ["a GitLab subject", "project_path:acme-corp/salesforce-main:ref_type:branch:ref:main"],
  ])("accepts %s", async (_, subject) => {
    expect((await create({ ...valid, subject })).status).toBe(201);
  });

  it.each([
    ["a GitLab project pinned by its id", { issuer: GITLAB, claims: { project_id: "4815162342", project_path: "acme-corp/salesforce-main", ref: "main" } }],
    ["a glob in a workflow's file name", { claims: { repository_id: "684201337", workflow_ref: "acme-corp/salesforce-main/.github/workflows/*@refs/heads/main" } }],
    ["the repository's id alone", { claims: { repository_id: "684201337" } }],
  ])("accepts %s", async (_, fields) => {
    const response = await create({ ...valid, ...fields });
    expect(response.status, response.text).toBe(201);
  });

  it.each([
    ["the issuer's default audience", { audience: "https://github.com/acme-corp" },
      "audience 'https://github.com/acme-corp' is a default or shared audience: use one specific to this server, e.g. its URL"],
    ["the issuer as audience", { audience: ISSUER },
      `audience '${ISSUER}' is a default or shared audience: use one specific to this server, e.g. its URL`],
    ["no audience", { audience: undefined }, "audience: audience is required: a value specific to this server, e.g. its URL"],
    ["an untrusted issuer", { issuer: "https://evil.example" },
      `issuer 'https://evil.example' is not trusted: SFP_OIDC_ISSUERS lists ${ISSUER}, ${GITLAB}`],
    ["claims that do not pin the repository", { claims: { ref: "refs/heads/main" } }, PIN],
    ["the repository's name without its id", { claims: { repository: "acme-corp/salesforce-main", ref: "refs/heads/main" } }, PIN],
    ["an owner-wide policy", { claims: { repository_owner_id: "90412345", ref: "refs/heads/main" } }, PIN],
    ["a GitLab project's path without its id", { issuer: GITLAB, claims: { project_path: "acme-corp/salesforce-main" } }, PIN],
    ["a namespace-wide GitLab policy", { issuer: GITLAB, claims: { namespace_id: "77", ref: "main" } }, PIN],
    ["a glob in a workflow's repository", { claims: { repository_id: "684201337", workflow_ref: "acme-corp/*/.github/workflows/ci.yml@refs/heads/main" } },
      "claims.workflow_ref: * is not allowed in the repository part (before /.github/)"],
    ["a glob in a reusable workflow's repository", { claims: { repository_id: "684201337", job_workflow_ref: "*/shared/.github/workflows/deploy.yml@refs/heads/main" } },
      "claims.job_workflow_ref: * is not allowed in the repository part (before /.github/)"],
    ["a glob in a GitLab config's project", { issuer: GITLAB, claims: { project_id: "4815162342", ci_config_ref_uri: "gitlab.example.com/acme-corp/*//.gitlab-ci.yml@refs/heads/main" } },
      "claims.ci_config_ref_uri: * is not allowed in the repository part (before //)"],
    ["a glob in the repository", { claims: { repository_id: "684201337", repository: "acme-corp/*" } },
      "claims.repository must be exact: * is allowed only in ref, head_ref, base_ref, environment, workflow, workflow_ref, job_workflow_ref, ci_config_ref_uri"],
    ["an unknown claim", { claims: { repository_id: "684201337", sha: "abc" } },
      "claims.sha is not a claim a policy can match; use one of: repository, repository_id, repository_owner, repository_owner_id, repository_visibility, ref, ref_type, ref_protected, environment, workflow, workflow_ref, job_workflow_ref, event_name, actor, actor_id, head_ref, base_ref, runner_environment, project_path, project_id, namespace_path, namespace_id, pipeline_source, ci_config_ref_uri, user_login"],
    ["an event admitted by default", { allowEvents: ["push"] },
      "allowEvents lists only events refused by default; these are admitted anyway: push, workflow_dispatch, schedule, release, merge_group, deployment, repository_dispatch, web, api, trigger, pipeline, parent_pipeline"],
    ["an event name of another shape", { allowEvents: ["Pull Request"] },
      "allowEvents must list at most 10 event names (lower case, e.g. pull_request)"],
    ["a subject of another shape", { subject: "acme-corp/salesforce-main" },
      "subject must be a GitHub subject (repo:owner/repo:..., or repo:owner@id/repo@id:...) or a GitLab one (project_path:group/project:...), the repository without *"],
    ["a glob in the subject's repository", { subject: "repo:acme-corp/*:ref:refs/heads/main" },
      "subject must be a GitHub subject (repo:owner/repo:..., or repo:owner@id/repo@id:...) or a GitLab one (project_path:group/project:...), the repository without *"],
    ["no projects", { projects: [] }, "projects: projects is required: list the projects whose credentials the policy grants"],
    ["a project that is not registered", { projects: ["acme-corp/missing"] }, "Project 'acme-corp/missing' not found"],
  ])("refuses %s: 400, nothing stored", async (_, fields, message) => {
    expectError(await create({ ...valid, ...fields }), 400, message);
    expect(await stack.sql`select * from sfp.oidc_policies`).toEqual([]);
    expect(await stack.sql`select * from sfp.audit_log where action like 'oidc_policy.%'`).toEqual([]);
  });

  it("a deleted project leaves the policy's scope", async () => {
    const created = await create(valid);
    await stack.sql`delete from sfp.projects where identifier = 'acme-corp/salesforce-main'`;
    const [listed] = (await stack.api("GET", "/oidc-policies", { token: stack.owner.token })).body;
    expect(listed).toMatchObject({ id: created.body.id, projects: [] });
  });
});
