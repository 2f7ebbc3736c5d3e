/**
 * A credential read's resolution (sfp._resolve_integrations) costs the same whatever the size
 * of the other projects: one plan for the session, the generic one, and in it each of the
 * project's integrations looked up by its primary key. Left to choose, PostgreSQL judged the
 * generic plan by the average project, so with one project holding thousands of integrations
 * it either hashed the whole of sfp.integrations or planned the statement anew on every read.
 *
 * Arranged: three projects, "big" with 3,000 GitHub integrations, "small" with one, "other"
 * with one Jira integration; analyzed, so the average project holds 1,001. Proves, from the
 * plan auto_explain prints for the resolution statement of the eighth read in one session
 * (plpgsql settles between a custom and the generic plan after five calls):
 *   - no Seq Scan (of sfp.integrations or of sfp.integration_projects) and no Hash Join: the
 *     small project's rows are found through integration_projects_project_idx and its
 *     integration is fetched through integrations_pkey;
 *   - the plan is the generic one: integration_projects is searched for the function's
 *     parameter ($2), not for the small project's uuid (a custom plan, made for that call);
 *   - every read returns exactly the small project's one credential.
 * Checked when it was written: without the function's settings, the old plain join was
 * planned anew on every read (the literal uuid); with force_generic_plan alone it hashed a
 * Seq Scan of integrations; with the lateral lookup but sequential scans allowed it filtered
 * the whole of integration_projects.
 */
import type postgres from "postgres";
import { expect, it } from "vitest";
import { guarded } from "../support/guarded.ts";
import { githubRead, jira1, pat1 } from "../support/integrations.ts";
import { describeNode, type ExplainedStatement, explainedStatements, explainHere, explainingSession, nodesOf, type PlanNode } from "../support/plans.ts";
import { useTestStack } from "../support/test-stack.ts";
import { contextFor, createIntegration, createProject } from "./rpc.ts";

const stack = useTestStack();

const BIG = "acme/big";
const SMALL = "acme/small";
const OTHER = "acme/other";
const BIG_PROJECT_SIZE = 3_000;
// More than the five custom plans after which plpgsql's plan cache compares them with the generic one.
const READS = 8;

/** The resolution statement among them: the scoped CTE over sfp.integration_projects. */
function resolutionPlan(statements: ExplainedStatement[]): PlanNode {
  const resolutions = statements.filter(
    (statement) => /\bwith scoped as\b/.test(statement["Query Text"]) && statement["Query Text"].includes("sfp.integration_projects"),
  );
  expect(resolutions, "one resolution statement per read").toHaveLength(1);
  return resolutions[0].Plan;
}

/** What a plan compares integration_projects.project_id with, wherever it does (index, recheck, filter). */
function projectConditions(plan: PlanNode): string[] {
  const conditions = nodesOf(plan)
    .filter((node) => node["Relation Name"] === "integration_projects" || node["Index Name"]?.startsWith("integration_projects"))
    .flatMap((node) => [node["Index Cond"], node["Recheck Cond"], node.Filter])
    .filter((condition): condition is string => condition?.includes("project_id") ?? false);
  return [...new Set(conditions)];
}

it("a read of a one-integration project keeps the generic plan, which looks integrations up by primary key", async () => {
  await createProject(stack, BIG);
  await createProject(stack, SMALL);
  await createProject(stack, OTHER);
  // Through the RPC, but in one statement: one call per integration would cost 3,000 round trips.
  const [{ created }] = await guarded(stack.sql, (tx) => tx`
    select count(sfp_api.create_integration(
      provider => 'github', auth_type => 'pat',
      credentials => jsonb_build_object('token', 'ghp_madeUpResolutionPlan' || lpad(n::text, 16, '0')),
      projects => array[${BIG}]::text[], keyring => ${tx.json(stack.keyring)}::jsonb))::int as created
    from generate_series(1, ${BIG_PROJECT_SIZE}::int) as n`);
  expect(created).toBe(BIG_PROJECT_SIZE);
  const small = await createIntegration(stack, { provider: "github", authType: "pat", credentials: pat1, projects: [SMALL] });
  await createIntegration(stack, { provider: "jira", authType: "basic_auth", credentials: jira1, projects: [OTHER] });
  await stack.sql`analyze sfp.projects, sfp.integrations, sfp.integration_projects, sfp.credential_versions`;
  // What the planner judges a generic plan by: 3,002 scoped rows over 3 projects.
  const [statistics] = await stack.sql`
    select s.n_distinct::int as projects, c.reltuples::int as rows
    from pg_stats s join pg_class c on c.oid = 'sfp.integration_projects'::regclass
    where s.schemaname = 'sfp' and s.tablename = 'integration_projects' and s.attname = 'project_id'`;
  expect({ ...statistics }).toEqual({ projects: 3, rows: BIG_PROJECT_SIZE + 2 });

  // A session of its own: the plan cache belongs to the session, and so do the notices.
  const notices: postgres.Notice[] = [];
  const session = await explainingSession(stack, notices);
  try {
    let lastRead: ExplainedStatement[] = [];
    for (let read = 1; read <= READS; read++) {
      notices.length = 0;
      // As the superuser, not through getCredentials' service_role transaction: the guard
      // refuses a session that prints plans, so they are turned on after it, for this
      // transaction only, and only a superuser may turn them on.
      const result = await guarded(session, async (tx) => {
        await explainHere(tx);
        const [row] = await tx`select sfp_api.get_credentials(
            provider => 'github', project => ${SMALL},
            context => ${tx.json(contextFor(stack.owner))}::jsonb,
            keyring => ${tx.json(stack.keyring)}::jsonb) as result`;
        return row.result;
      });
      expect(result, `read ${read}`).toEqual({ outcome: "granted", credentials: [githubRead(small.id, pat1)] });
      lastRead = explainedStatements(notices);
    }

    const plan = resolutionPlan(lastRead);
    const nodes = nodesOf(plan);
    expect(nodes.map(describeNode).filter((node) => node === "Hash Join" || node.startsWith("Seq Scan"))).toEqual([]);
    // An index scan or a bitmap index scan: either reads only the small project's entries.
    expect(nodes).toContainEqual(expect.objectContaining({
      "Index Name": "integration_projects_project_idx",
      "Index Cond": "(project_id = $2)",
    }));
    expect(nodes).toContainEqual(expect.objectContaining({
      "Node Type": "Index Scan",
      "Relation Name": "integrations",
      "Index Name": "integrations_pkey",
      "Index Cond": "(id = ip.integration_id)",
    }));
    // A custom plan would read "(project_id = '<the small project's id>'::uuid)".
    expect(projectConditions(plan)).toEqual(["(project_id = $2)"]);
  } finally {
    await session.end();
  }
});
