/**
 * How the functions spread their calls over their pool of database connections (its lanes,
 * functions/_shared/database.ts): each call takes the lane with the fewest calls in flight,
 * the first among equals. Requests that come one after another therefore run on one
 * connection, whose backend stays warm (docs/performance.md), and a call held up on one lane
 * does not hold up a request that comes meanwhile. A lane left idle for SFP_DB_IDLE_SECONDS
 * gets a new connection on its next call, even when the old one's peer stopped answering
 * (a proxy that forwards nothing, tests/support/tcp-proxy.ts), and its old one is closed; so is
 * a connection replaced at the deadline, its socket released although its peer never answers.
 */
import { expect, it } from "vitest";
import { databaseUrl } from "../../stack/addresses.ts";
import { githubRead, integrationCalls, pat1 } from "../support/integrations.ts";
import { lockWaiters } from "../support/locks.ts";
import { pollUntil } from "../support/poll.ts";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy.ts";
import { useTestStack } from "../support/test-stack.ts";

const stack = useTestStack({
  // The audit sealer has a connection of its own under the same application_name: kept from
  // connecting, so that the counts below are the pool's alone. SFP_DB_POOL_SIZE: 4, its default.
  env: { SFP_AUDIT_SEAL_SECONDS: "3600" },
});
const { createProject, createGithubPat, patch, read, waitForLockWaiters } = integrationCalls(stack);

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
  expect(await functionsBackends(since)).toHaveLength(1);
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
    expect(await functionsBackends(since)).toHaveLength(2);
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
  await stack.restartFunctions({ SFP_DB_IDLE_SECONDS: "2" });

  const first = await read("?provider=github&project=acme/core");
  expect(first.status).toBe(200);
  const opened = await functionsBackends();
  expect(opened).toHaveLength(1);

  // Closed once idle for a while (by postgres.js, a second after the lane would replace it).
  const left = await pollUntil(() => functionsBackends(), (pids) => pids.length === 0, { timeoutMs: 8000, everyMs: 100 });
  expect(left).toEqual([]);

  const again = await read("?provider=github&project=acme/core");
  expect(again.status).toBe(200);
  expect(again.body).toEqual([githubRead(id, pat1)]);
  const reopened = await functionsBackends();
  expect(reopened).toHaveLength(1);
  expect(reopened).not.toEqual(opened);
});

it("answers on a new connection when the peer of a lane left idle stopped answering", async () => {
  await createProject("acme/core");
  const id = await createGithubPat(pat1, { projects: ["acme/core"] });
  await behindProxy({ SFP_DB_IDLE_SECONDS: "2" }, async (proxy) => {
    expect((await read("?provider=github&project=acme/core")).status).toBe(200);
    const [stuck, ...others] = await functionsBackends();
    expect(others).toEqual([]);

    // The lane's connection now leads nowhere: a call sent on it, or queued behind its close,
    // would wait for SFP_DB_DEADLINE_MS and be answered 503.
    proxy.freezeOpenConnections();
    await new Promise((r) => setTimeout(r, 2500));
    const answer = await read("?provider=github&project=acme/core");
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual([githubRead(id, pat1)]);
    // The old connection is still open (nothing reaches its backend, not even its close), and
    // the read came from a new one.
    const now = await functionsBackends();
    expect(now).toHaveLength(2);
    expect(now).toContain(stuck);
  });
});

it("releases the socket of every connection it replaced at the deadline, although its peer never answers", async () => {
  await createProject("acme/core");
  await createGithubPat(pat1, { projects: ["acme/core"] });
  await behindProxy({ SFP_DB_DEADLINE_MS: "500" }, async (proxy) => {
    // Five times: a read opens a connection, its peer stops answering, the next read runs out
    // of time on it and the lane gets a fresh client (which connects on the next call).
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push((await read("?provider=github&project=acme/core")).status);
      proxy.freezeOpenConnections();
      statuses.push((await read("?provider=github&project=acme/core")).status);
    }
    expect(statuses).toEqual([200, 503, 200, 503, 200, 503, 200, 503, 200, 503]);
    // The proxy acknowledges the client's Terminate and FIN but never answers them: a socket only
    // ended stays half-closed in the functions for as long as they run (one per replacement:
    // patches/postgres+3.4.9.patch destroys it 5 s after Terminate is sent).
    expect(await pollUntil(async () => proxy.clientSocketsHeld(), (held) => held === 0, { timeoutMs: 9000, everyMs: 200 })).toBe(0);
  });
});

/**
 * Runs `test` with the functions restarted to reach the database through a TCP proxy that the
 * test may freeze (tests/support/tcp-proxy.ts), with `env` besides; restores them after.
 */
async function behindProxy(env: Record<string, string>, test: (proxy: TcpProxy) => Promise<void>): Promise<void> {
  const direct = new URL(databaseUrl(stack.server.superuserUrl, stack.database, {
    name: "authenticator",
    password: stack.server.authenticatorPassword,
  }));
  const proxy = await startTcpProxy(direct.hostname, Number(direct.port));
  try {
    const viaProxy = new URL(direct);
    viaProxy.port = String(proxy.port);
    await stack.restartFunctions({ SUPABASE_DB_URL: viaProxy.toString(), ...env });
    await test(proxy);
  } finally {
    await stack.restartFunctions();
    await proxy.close();
  }
}

/**
 * The process ids of the functions' live connections to this file's database; with `since`,
 * only those opened after it (the database's clock).
 */
async function functionsBackends(since?: Date): Promise<number[]> {
  const rows = await stack.sql<{ pid: number }[]>`
    select pid from pg_stat_activity
    where datname = current_database() and application_name = 'sfp-integrations'
      and (${since ?? null}::timestamptz is null or backend_start > ${since ?? null}::timestamptz)
    order by pid`;
  return rows.map((row) => row.pid);
}
