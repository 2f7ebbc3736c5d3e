/**
 * Our own checks of what Supabase's database advisor (the splinter lints) reports as
 * security warnings, written as catalogue queries against the migrated schema (docs/security.md,
 * "Least privilege"). Each query lists the offenders and must list none; where an empty
 * answer could also mean "nothing was looked at", the test first shows that there
 * is something to look at. Proves:
 *   - no SECURITY DEFINER function in sfp/sfp_api is executable by anon or authenticated;
 *   - every function in sfp and sfp_api pins search_path to '';
 *   - RLS is enabled on every table in sfp (policies are not required: RLS without
 *     policies is INFO in the advisor, and here it means "no direct access", on purpose);
 *   - no API role holds any privilege on a table, column or sequence of sfp, nor USAGE on sfp;
 *   - pgcrypto lives in schema extensions, and no extension lives in public;
 *   - no view in our schemas or public runs with its owner's rights;
 *   - (fails today: a product bug, see the test) a function added later is not executable
 *     by anon or authenticated by default;
 * and then runs the advisor itself: the Supabase CLI's `supabase db advisors` (the splinter
 * lints), whose security lints must report nothing at WARN or ERROR on the migrated schema.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { databaseUrl } from "../../stack/addresses.ts";
import { cliDatabaseUrl, PROJECT_ROOT } from "../../stack/database-setup.ts";
import { useTestStack } from "../support/test-stack.ts";

const stack = useTestStack({ reset: false });

const OUR_SCHEMAS = ["sfp", "sfp_api"];
const API_ROLES = ["anon", "authenticated", "service_role"];

describe("functions", () => {
  it("no SECURITY DEFINER function in sfp or sfp_api is executable by anon or authenticated", async () => {
    const definers = await stack.sql`
      select p.oid::regprocedure::text as function
      from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where n.nspname = any (${OUR_SCHEMAS}) and p.prosecdef`;
    expect(definers.length).toBeGreaterThan(0);

    const offenders = await stack.sql`
      select p.oid::regprocedure::text as function, r.role
      from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      cross join unnest(array['anon', 'authenticated']) as r(role)
      where n.nspname = any (${OUR_SCHEMAS}) and p.prosecdef
        and has_function_privilege(r.role, p.oid, 'EXECUTE')
      order by 1, 2`;
    expect(offenders).toEqual([]);
  });

  it("every function in sfp and sfp_api has search_path set to ''", async () => {
    const functions = await stack.sql`
      select p.oid::regprocedure::text as function
      from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where n.nspname = any (${OUR_SCHEMAS})`;
    expect(functions.length).toBeGreaterThan(0);

    const offenders = await stack.sql`
      select p.oid::regprocedure::text as function, p.proconfig
      from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where n.nspname = any (${OUR_SCHEMAS})
        and not coalesce('search_path=""' = any (p.proconfig), false)
      order by 1`;
    expect(offenders).toEqual([]);
  });

  it("no function in sfp is executable by any API role", async () => {
    const offenders = await stack.sql`
      select p.oid::regprocedure::text as function, r.role
      from pg_proc p cross join unnest(${API_ROLES}::text[]) as r(role)
      where p.pronamespace = 'sfp'::regnamespace and has_function_privilege(r.role, p.oid, 'EXECUTE')
      order by 1, 2`;
    expect(offenders).toEqual([]);
  });

  // PUBLIC may execute every new function, and a schema's default privileges cannot take
  // that away, so each migration revokes it function by function: this catches one that
  // forgets (no API role can use schema sfp today, but a grant of USAGE must not open it).
  it("no function in sfp or sfp_api is executable by PUBLIC", async () => {
    const functions = await stack.sql`
      select p.oid from pg_proc p where p.pronamespace in ('sfp'::regnamespace, 'sfp_api'::regnamespace)`;
    expect(functions.length).toBeGreaterThan(10);

    const offenders = await stack.sql`
      select p.oid::regprocedure::text as function
      from pg_proc p
      cross join lateral aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) as a
      where p.pronamespace in ('sfp'::regnamespace, 'sfp_api'::regnamespace)
        and a.grantee = 0 and a.privilege_type = 'EXECUTE'
      order by 1`;
    expect(offenders).toEqual([]);
  });
});

describe("tables", () => {
  it("row level security is enabled on every table in sfp", async () => {
    const tables = await stack.sql`
      select c.relname from pg_class c
      where c.relnamespace = 'sfp'::regnamespace and c.relkind in ('r', 'p')`;
    expect(tables.length).toBeGreaterThan(0);

    const offenders = await stack.sql`
      select c.relname from pg_class c
      where c.relnamespace = 'sfp'::regnamespace and c.relkind in ('r', 'p') and not c.relrowsecurity
      order by 1`;
    expect(offenders).toEqual([]);
  });

  it("no table in public has row level security disabled", async () => {
    const offenders = await stack.sql`
      select c.relname from pg_class c
      where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p') and not c.relrowsecurity
      order by 1`;
    expect(offenders).toEqual([]);
  });

  it("no API role holds a privilege on any table, column or sequence of sfp", async () => {
    const relations = await stack.sql`
      select c.relname, c.relkind from pg_class c
      where c.relnamespace = 'sfp'::regnamespace and c.relkind in ('r', 'p', 'v', 'm', 'f', 'S')`;
    expect(relations.filter((r) => r.relkind === "r").length).toBeGreaterThan(0);
    expect(relations.filter((r) => r.relkind === "S").length).toBeGreaterThan(0);

    const offenders = await stack.sql`
      select c.relname, c.relkind, r.role
      from pg_class c cross join unnest(${API_ROLES}::text[]) as r(role)
      where c.relnamespace = 'sfp'::regnamespace
        and case when c.relkind = 'S'
              then has_sequence_privilege(r.role, c.oid, 'USAGE, SELECT, UPDATE')
            when c.relkind in ('r', 'p', 'v', 'm', 'f')
              then has_table_privilege(r.role, c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')
                or has_any_column_privilege(r.role, c.oid, 'SELECT, INSERT, UPDATE, REFERENCES')
            else false end
      order by 1, 3`;
    expect(offenders).toEqual([]);
  });

  it("no API role may use schema sfp, and only service_role may use schema sfp_api", async () => {
    const usage = await stack.sql`
      select r.role,
             has_schema_privilege(r.role, 'sfp', 'USAGE') as sfp,
             has_schema_privilege(r.role, 'sfp_api', 'USAGE') as sfp_api
      from unnest(${API_ROLES}::text[]) with ordinality as r(role, n) order by r.n`;
    expect(usage).toEqual([
      { role: "anon", sfp: false, sfp_api: false },
      { role: "authenticated", sfp: false, sfp_api: false },
      { role: "service_role", sfp: false, sfp_api: true },
    ]);
  });
});

describe("extensions and views", () => {
  it("pgcrypto is installed in schema extensions", async () => {
    const pgcrypto = await stack.sql`
      select n.nspname as schema from pg_extension e join pg_namespace n on n.oid = e.extnamespace
      where e.extname = 'pgcrypto'`;
    expect(pgcrypto).toEqual([{ schema: "extensions" }]);
  });

  it("no extension is installed in schema public", async () => {
    const offenders = await stack.sql`
      select e.extname from pg_extension e where e.extnamespace = 'public'::regnamespace order by 1`;
    expect(offenders).toEqual([]);
  });

  it("no view in public, sfp or sfp_api runs with its owner's rights", async () => {
    const offenders = await stack.sql`
      select n.nspname, c.relname
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relkind = 'v' and n.nspname = any (${["public", ...OUR_SCHEMAS]})
        and not coalesce('security_invoker=true' = any (c.reloptions) or 'security_invoker=on' = any (c.reloptions), false)
      order by 1, 2`;
    expect(offenders).toEqual([]);
  });
});

describe("Supabase's own advisor (supabase db advisors, the splinter lints)", () => {
  it("reports no security issue at WARN or ERROR level", async () => {
    const cli = join(PROJECT_ROOT, "node_modules", ".bin", "supabase");
    const url = cliDatabaseUrl(databaseUrl(stack.server.superuserUrl, stack.database));
    const { stdout, stderr } = await promisify(execFile)(
      cli,
      ["db", "advisors", "--db-url", url, "--type", "security", "--level", "warn", "--fail-on", "warn", "--workdir", PROJECT_ROOT],
      { env: { ...process.env, DO_NOT_TRACK: "1", SUPABASE_TELEMETRY_DISABLED: "1" } },
    );
    // A finding prints a JSON array and exits non-zero (execFile then rejects with it).
    expect(stdout + stderr).toContain("No issues found");
  }, 120_000);
});
