/**
 * The audit listing's actor filter reads only the rows it returns, whatever the size of the
 * log (docs/performance.md, "Where the targets stand, and why"): each column the filter can
 * name (user id, token id, email) is read newest first through its own index and the branches
 * are merged, instead of one OR over the three that no index serves, for which PostgreSQL
 * walked the log backwards by id until a page was full (for an actor with few rows, the whole
 * log).
 *
 * Arranged over the superuser connection: a few rows of a rare user, a rare application token
 * and an email with no user id, then 20,000 rows of a frequent user, so that a backward walk
 * for a rare actor would cross all of them; analyzed. Proves, for each filter:
 *   - the page is exactly the rows a plain query over the log finds, newest first, with the
 *     cursor of a full page (the frequent user) and none for a short one;
 *   - the listing's statement, as auto_explain analyzes it, reads at most a page and one row
 *     of the log per column the filter can name (rows returned and rows its filters removed,
 *     over every scan of sfp.audit_log), however many rows other actors have.
 * Checked when it was written: the previous single statement walked audit_log_pkey backwards,
 * reading all 20,000 rows of the frequent user to list a rare actor, and fails these checks.
 */
import type postgres from "postgres";
import { beforeAll, describe, expect, it } from "vitest";
import { describeNode, explainedStatements, explainHere, explainingSession, nodesOf, rowsRead } from "../support/plans.ts";
import { useTestStack } from "../support/test-stack.ts";
import { contextFor } from "./rpc.ts";

// The tests share the log that beforeAll arranges; none of them writes.
const stack = useTestStack({ reset: false });

const FREQUENT = { id: "00000000-0000-4000-8000-00000000f00d", email: "frequent@example.test", rows: 20_000 };
// Too rare for the statistics' list of common values: with it, the planner takes any user id it
// does not list for one with hundreds of rows, which is what made it walk the log for a rare one.
const MIDDLING = { id: "00000000-0000-4000-8000-0000000000c3", email: "middling@example.test", rows: 1_000 };
const RARE_USER = { id: "00000000-0000-4000-8000-0000000000a1", email: "rare@example.test" };
const RARE_TOKEN = "00000000-0000-4000-8000-0000000000b2";
const LONE_EMAIL = "loner@example.test";
const PAGE = 100;

/** What a page may cost: a page and one more row from each of the three actor columns. */
const MOST_ROWS_READ = 3 * (PAGE + 1);

async function arrange(): Promise<void> {
  await stack.sql`
    insert into sfp.audit_log (actor_type, actor_id, actor_email, actor_role, action, outcome)
    select 'user', ${RARE_USER.id}::uuid, ${RARE_USER.email}, 'owner', action, 'succeeded'
    from unnest(array['project.create', 'integration.create', 'integration.update']) as action`;
  await stack.sql`
    insert into sfp.audit_log (actor_type, actor_token_id, actor_token_name, action, outcome)
    select 'application', ${RARE_TOKEN}::uuid, 'ci', 'credentials.read', 'granted' from generate_series(1, 2)`;
  await stack.sql`
    insert into sfp.audit_log (actor_type, actor_email, action, outcome)
    select 'anonymous', ${LONE_EMAIL}, 'credentials.read', 'denied' from generate_series(1, 2)`;
  await stack.sql`
    insert into sfp.audit_log (actor_type, actor_id, actor_email, actor_role, action, outcome)
    select 'user', ${MIDDLING.id}::uuid, ${MIDDLING.email}, 'owner', 'credentials.read', 'granted'
    from generate_series(1, ${MIDDLING.rows}::int)`;
  await stack.sql`
    insert into sfp.audit_log (actor_type, actor_id, actor_email, actor_role, action, outcome)
    select 'user', ${FREQUENT.id}::uuid, ${FREQUENT.email}, 'owner', 'credentials.read', 'granted'
    from generate_series(1, ${FREQUENT.rows}::int)`;
  await stack.sql`analyze sfp.audit_log`;
}

/** The ids a plain query over the log finds for `condition`, newest first, at most a page. */
async function expectedIds(condition: postgres.PendingQuery<postgres.Row[]>): Promise<number[]> {
  const rows = await stack.sql<{ id: string }[]>`
    select a.id from sfp.audit_log a where ${condition} order by a.id desc limit ${PAGE}`;
  return rows.map((row) => Number(row.id));
}

interface Listing {
  ids: number[];
  nextCursor: number | null;
  /** "Index Scan on audit_log using ...: n rows": every scan of the log in the listing's statement. */
  logReads: string[];
  /** The rows those scans read, all together. */
  rowsRead: number;
}

/** Lists one page as the owner, with the plan of the statement that read the log. */
async function listWithPlan(filters: Record<string, string>): Promise<Listing> {
  const notices: postgres.Notice[] = [];
  const session = await explainingSession(stack, notices, { analyze: true });
  try {
    const page = await session.begin(async (tx) => {
      await explainHere(tx);
      const [row] = await tx`select sfp_api.list_audit_log(filters => ${tx.json(filters)}::jsonb, page_size => ${PAGE},
                                                            context => ${tx.json(contextFor(stack.owner))}::jsonb) as page`;
      return row.page as { items: { id: number }[]; next_cursor: number | null };
    });
    // The statement the function assembles and runs (EXECUTE), not the one that assembles it.
    const listings = explainedStatements(notices).filter((statement) => statement["Query Text"].trimStart().startsWith("with page as"));
    expect(listings, "one statement reads the log").toHaveLength(1);
    const scans = nodesOf(listings[0].Plan).filter((node) => node["Relation Name"] === "audit_log");
    return {
      ids: page.items.map((item) => Number(item.id)),
      nextCursor: page.next_cursor === null ? null : Number(page.next_cursor),
      logReads: scans.map((node) => `${describeNode(node)}: ${rowsRead(node)} rows`),
      rowsRead: scans.reduce((sum, node) => sum + rowsRead(node), 0),
    };
  } finally {
    await session.end();
  }
}

/** The listing read the log, and no more of it than a page needs. */
function expectPageSizedReads(listing: Listing): void {
  expect(listing.logReads.length, "the statement scans the log").toBeGreaterThan(0);
  expect(listing.rowsRead, listing.logReads.join("\n")).toBeLessThanOrEqual(MOST_ROWS_READ);
}

describe("the audit listing by actor", () => {
  beforeAll(arrange);

  it("a rare user's id: their three rows, reading no more of the log than a page", async () => {
    const listing = await listWithPlan({ actor: RARE_USER.id });
    expect(listing.ids).toEqual(await expectedIds(stack.sql`a.actor_id = ${RARE_USER.id}::uuid`));
    expect(listing.ids).toHaveLength(3);
    expect(listing.nextCursor).toBeNull();
    expectPageSizedReads(listing);
  });

  it("a rare user's id with another filter: the one matching row, reading no more than a page", async () => {
    const listing = await listWithPlan({ actor: RARE_USER.id, action: "project.create" });
    expect(listing.ids).toEqual(await expectedIds(stack.sql`a.actor_id = ${RARE_USER.id}::uuid and a.action = 'project.create'`));
    expect(listing.ids).toHaveLength(1);
    expectPageSizedReads(listing);
  });

  it("a rare token's id: its two rows, reading no more than a page", async () => {
    const listing = await listWithPlan({ actor: RARE_TOKEN });
    expect(listing.ids).toEqual(await expectedIds(stack.sql`a.actor_token_id = ${RARE_TOKEN}::uuid`));
    expect(listing.ids).toHaveLength(2);
    expectPageSizedReads(listing);
  });

  it("an email in another case: the rows with that email and no user id, reading no more than a page", async () => {
    const listing = await listWithPlan({ actor: "LONER@Example.TEST" });
    expect(listing.ids).toEqual(await expectedIds(stack.sql`lower(a.actor_email) = ${LONE_EMAIL}`));
    expect(listing.ids).toHaveLength(2);
    expectPageSizedReads(listing);
  });

  it("the frequent user's id: the newest full page and its cursor, reading no more than a page", async () => {
    const listing = await listWithPlan({ actor: FREQUENT.id });
    const expected = await expectedIds(stack.sql`a.actor_id = ${FREQUENT.id}::uuid`);
    expect(listing.ids).toEqual(expected);
    expect(listing.ids).toHaveLength(PAGE);
    expect(listing.nextCursor).toBe(expected[PAGE - 1]);
    expectPageSizedReads(listing);
  });
});
