/**
 * How the functions spread their calls over their pool of database connections (its lanes,
 * functions/_shared/database.ts): each call takes the lane with the fewest calls in flight,
 * the first among equals. Requests that come one after another therefore run on one
 * connection, whose backend stays warm (docs/performance.md), and a call held up on one lane
 * does not hold up a request that comes meanwhile. A lane left idle for SFP_DB_IDLE_SECONDS
 * closes its connection, and its next call gets a fresh one, even when the old one's peer
 * stopped answering.
 */
import { expect, it } from "vitest";
import { githubRead, integrationCalls, pat1 } from "../support/integrations.ts";
import { lockWaiters } from "../support/locks.ts";
import { useTestStack } from "../support/test-stack.ts";

const stack = useTestStack({
  // The audit sealer has a connection of its own under the same application_name: kept from
  // connecting, so that the counts below are the pool's alone. SFP_DB_POOL_SIZE: 4, its default.
  env: { SFP_AUDIT_SEAL_SECONDS: "3600" },
});
const { createProject, createGithubPat, patch, read, waitForLockWaiters } = integrationCalls(stack);

/** The functions' connections to this file's database opened since `since` (the database's clock). */
async function functionsConnections(since: Date): Promise<number> {
  const [{ count }] = await stack.sql<{ count: number }[]>`
    select count(*)::int as count from pg_stat_activity
    where datname = current_database() and application_name = 'sfp-integrations' and backend_start > ${since}`;
  return count;
}

it("runs requests that come one after another on one connection", async () => {
  const [{ since }] = await stack.sql<{ since: Date }[]>`select now() as since`;
  await stack.restartFunctions(); // no lane connected yet
  await createProject("acme/core");
  const id = await createGithubPat(pat1, { projects: ["acme/core"] });
  for (let i = 0; i < 8; i++) {
    const answer = await read("?provider=github&project=acme/core");
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual([githubRead(id, pat1)]);
  }
  expect(await functionsConnections(since)).toBe(1);
});

it("answers a read on another connection while a change waits for a lock on the first", async () => {
  await createProject("acme/core");
  const id = await createGithubPat(pat1, { projects: ["acme/core"] });
  const [{ since }] = await stack.sql<{ since: Date }[]>`select now() as since`;
  await stack.restartFunctions();

  const locked = await stack.sql.reserve();
  let change: ReturnType<typeof patch> | undefined;
  let committed = false;
  try {
    await locked`begin`;
    await locked`select 1 from sfp.integrations where id = ${id} for update`;
    change = patch(id, { config: { note: "after the lock" } });
    await waitForLockWaiters(1);

    const answer = await read("?provider=github&project=acme/core");
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual([githubRead(id, pat1)]);
    expect(await functionsConnections(since)).toBe(2);
    // The change is still waiting: the read did not queue behind it.
    expect(await lockWaiters(stack.sql, { functionsOnly: true })).toBe(1);

    await locked`commit`;
    committed = true;
    const changed = await change;
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ id, config: { note: "after the lock" } });
  } finally {
    if (!committed) await locked`rollback`.catch(() => {});
    locked.release();
    await change?.catch(() => {});
  }
});

it("closes a connection left idle for SFP_DB_IDLE_SECONDS and opens one again for the next request", async () => {
  await createProject("acme/core");
  const id = await createGithubPat(pat1, { projects: ["acme/core"] });
  await stack.restartFunctions({ SFP_DB_IDLE_SECONDS: "1" });

  const first = await read("?provider=github&project=acme/core");
  expect(first.status).toBe(200);
  const [opened] = await functionsBackends();
  expect(await functionsBackends()).toEqual([opened]);

  // Closed once idle for a second.
  const closedBy = Date.now() + 5000;
  while ((await functionsBackends()).length > 0 && Date.now() < closedBy) await new Promise((r) => setTimeout(r, 100));
  expect(await functionsBackends()).toEqual([]);

  const again = await read("?provider=github&project=acme/core");
  expect(again.status).toBe(200);
  expect(again.body).toEqual([githubRead(id, pat1)]);
  const [reopened] = await functionsBackends();
  expect(await functionsBackends()).toEqual([reopened]);
  expect(reopened).not.toBe(opened);
});

/** The process ids of the functions' live connections to this file's database. */
async function functionsBackends(): Promise<number[]> {
  const rows = await stack.sql<{ pid: number }[]>`
    select pid from pg_stat_activity
    where datname = current_database() and application_name = 'sfp-integrations' order by pid`;
  return rows.map((row) => row.pid);
}

it("answers on a fresh connection when the backend of a lane left idle stopped answering", async () => {
  await createProject("acme/core");
  const id = await createGithubPat(pat1, { projects: ["acme/core"] });
  await stack.restartFunctions({ SFP_DB_IDLE_SECONDS: "1" });
  expect((await read("?provider=github&project=acme/core")).status).toBe(200);
  const [stopped] = await functionsBackends();
  expect(await functionsBackends()).toEqual([stopped]);

  // A peer that stops answering: the idle lane's close never completes, as over a dead network.
  process.kill(stopped, "SIGSTOP");
  try {
    await new Promise((r) => setTimeout(r, 1500));
    // A call queued on the stopped connection would wait for SFP_DB_DEADLINE_MS and get a 503.
    const answer = await read("?provider=github&project=acme/core");
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual([githubRead(id, pat1)]);
    expect((await functionsBackends()).filter((pid) => pid !== stopped)).toHaveLength(1);
  } finally {
    process.kill(stopped, "SIGCONT");
  }
});
