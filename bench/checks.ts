import postgres from "postgres";
import { databaseUrl } from "../stack/addresses.ts";
import { authenticatorUrl } from "../stack/database-setup.ts";
import { READ } from "./fixtures.ts";
import type { Connection } from "./pgbench.ts";
import type { AuditRowSizes } from "./results.ts";
import { type Functions, generateSecrets, ownerContext, QUIET_OPTIONS, REQUEST_META, type Server } from "./stack.ts";
import type { LoadResult } from "./stats.ts";

/**
 * What the bench checks so that it never times something other than what it names: each
 * path answers as expected before any timing, every transaction a run completed left
 * exactly the rows it should, and floor (b)'s audit row is as large as the RPC's.
 */

/** The HTTP read answers 200 with one credential, and /health/auth 200, before any timing. */
export async function checkHttp(functions: Functions, readPath: string, token: string): Promise<void> {
  const headers = { authorization: `Bearer ${token}` };
  const read = await fetch(functions.server.url + readPath, { headers });
  const body = await read.json().catch(() => undefined);
  if (read.status !== 200 || !Array.isArray(body) || body.length !== 1) {
    throw new Error(`the HTTP read answered ${read.status} (${Array.isArray(body) ? body.length + " credentials" : "not a list"}), expected 200 with one credential\n${functions.output()}`);
  }
  const auth = await fetch(functions.server.url + "/sfp/api/health/auth", { headers });
  await auth.body?.cancel();
  if (auth.status !== 200) throw new Error(`/health/auth answered ${auth.status}\n${functions.output()}`);
}

/** The RPC, sent as the server sends it, grants the read with one credential. */
export async function checkRpc(
  as: { server: (database: string) => Connection },
  url: string,
  server: Server,
  secrets: ReturnType<typeof generateSecrets>,
): Promise<void> {
  const database = new URL(url).pathname.slice(1);
  const target = as.server(database);
  const sql = postgres(authenticatorUrl(databaseUrl(server.superuserUrl, database), secrets.authenticatorPassword), {
    max: 1,
    onnotice: () => {},
    connection: { options: QUIET_OPTIONS, role: "service_role" },
  });
  try {
    const [row] = await sql.begin(async (tx) => {
      await tx`select sfp_api.guard_log_safety()`;
      return tx`select sfp_api.get_credentials(provider => ${READ.provider}, project => ${READ.project},
                  context => ${sql.json(JSON.parse(ownerContext(secrets)))}::jsonb,
                  keyring => ${sql.json(secrets.keyring)}::jsonb) as result`;
    });
    const result = row.result as { outcome: string; credentials?: unknown[] };
    if (result.outcome !== "granted" || result.credentials?.length !== 1) {
      throw new Error(`the credentials RPC on ${target.database} answered ${result.outcome}, expected one granted credential`);
    }
  } finally {
    await sql.end();
  }
}

/**
 * Runs a read scenario and checks what it left in the audit log: exactly one `granted` row
 * per transaction pgbench completed, nothing else. A read that was refused or found nothing
 * would otherwise be timed as if it had worked.
 */
export async function checkedReads(sql: postgres.Sql, label: string, run: () => Promise<LoadResult>): Promise<LoadResult> {
  const [{ last }] = await sql`select coalesce(max(id), 0)::bigint as last from sfp.audit_log`;
  const result = await run();
  const rows = await sql`select outcome, count(*)::bigint as n from sfp.audit_log
                         where id > ${last} and request_id = ${REQUEST_META.request_id} group by outcome`;
  const outcomes = Object.fromEntries(rows.map((row) => [row.outcome as string, Number(row.n)]));
  if (Object.keys(outcomes).some((outcome) => outcome !== "granted") || outcomes.granted !== result.total) {
    throw new Error(`${label}: pgbench completed ${result.total} reads but the audit log holds ${JSON.stringify(outcomes)}`);
  }
  return result;
}

/** Runs a writing scenario and checks it wrote one row per completed transaction. */
export async function checkedWrites(sql: postgres.Sql, table: string, label: string, run: () => Promise<LoadResult>): Promise<LoadResult> {
  const count = async () => Number((await sql.unsafe(`select count(*)::bigint as n from ${table}`))[0].n);
  const before = await count();
  const result = await run();
  const written = (await count()) - before;
  if (written !== result.total) throw new Error(`${label}: pgbench completed ${result.total} transactions but ${written} rows were written`);
  return result;
}


/**
 * The average stored size of floor (b)'s audit rows and of the granted rows the credentials
 * RPC wrote (the latest 1,000 of each). Floor (b) is the least an audited read can cost only
 * if its row is as large as the real one: a difference over 10% fails the run.
 */
export async function compareAuditRowSizes(sql: postgres.Sql): Promise<AuditRowSizes> {
  const [row] = await sql`
    select (select avg(pg_column_size(f.*)) from (select * from sfp_bench.audit_floor order by id desc limit 1000) f)::float8 as floor_bytes,
           (select avg(pg_column_size(a.*)) from (select * from sfp.audit_log
              where request_id = ${REQUEST_META.request_id} and action = 'credentials.read' and outcome = 'granted'
              order by id desc limit 1000) a)::float8 as rpc_bytes`;
  const sizes = { floorBytes: Number(row.floor_bytes), rpcBytes: Number(row.rpc_bytes) };
  if (!(Math.abs(sizes.floorBytes - sizes.rpcBytes) <= 0.1 * sizes.rpcBytes)) {
    throw new Error(`floor (b)'s audit rows average ${sizes.floorBytes.toFixed(0)} bytes, the RPC's ${sizes.rpcBytes.toFixed(0)}: the floor does not insert a row like the real one`);
  }
  return sizes;
}
