import type postgres from "postgres";
import { pollUntil } from "./poll.ts";

/**
 * How many sessions of the database `sql` is connected to wait for a lock now (with
 * `functionsOnly`, only the Edge Functions' own: application_name sfp-integrations).
 */
export async function lockWaiters(sql: postgres.Sql, { functionsOnly = false } = {}): Promise<number> {
  const [{ waiting }] = await sql<{ waiting: number }[]>`
    select count(*)::int as waiting from pg_stat_activity
    where datname = current_database() and wait_event_type = 'Lock'
      and (${!functionsOnly} or application_name = 'sfp-integrations')`;
  return waiting;
}

/**
 * Waits until `count` sessions wait for a lock (lockWaiters): requests or transactions queued
 * behind a lock the test holds. Gives up after 20 seconds.
 */
export async function waitForLockWaiters(sql: postgres.Sql, count: number, { functionsOnly = false } = {}): Promise<void> {
  const waiting = await pollUntil(() => lockWaiters(sql, { functionsOnly }), (n) => n >= count, { timeoutMs: 20_000, everyMs: 25 });
  if (waiting < count) throw new Error(`expected ${count} sessions waiting for a lock, saw ${waiting}`);
}
