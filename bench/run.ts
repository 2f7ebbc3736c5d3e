/**
 * `npm run bench`: what a credential read costs, next to its floors and a peer, measured
 * side by side in one run. These shared 2-core machines drift, so every figure is also
 * reported as a ratio to a baseline measured minutes apart at most, in the same run.
 *
 *   1. floors: (a) a select of a stored jsonb row by key; (b) the same plus one audit-sized
 *      insert in one durable transaction, pipelined in one round trip like the server's reads
 *   2. the credentials RPC exactly as the Edge Functions send it (authenticator, session
 *      options, role, guard + call pipelined, claims and key ring as bind parameters)
 *   3. the same read over HTTP against the real Deno server, next to an authenticated no-op
 *   4. integration writes through the RPC
 *   5. crypto alone: sfp._open against pgp_sym_decrypt and the plain text, per row
 *   6. scale: 2. and 3. on 10 integrations and on 100,000 (10,000 projects, 5M audit rows),
 *      interleaved at each client count so drift hits both alike
 * pgbench and wrk run as processes of their own; this process only waits on them.
 * Output: a table here, bench/results/<date>.json and bench/results/latest.md.
 * Exits non-zero only when something fails to run, never because a target is missed.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, release, tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { databaseUrl } from "../stack/addresses.ts";
import { authenticatorUrl, PROJECT_ROOT } from "../stack/database-setup.ts";
import { measurePerRowCost } from "./crypto.ts";
import { createCryptoRows, createSmallDataSet, READ, settle, WRITES_PROJECT } from "./fixtures.ts";
import { type Connection, runPgbench } from "./pgbench.ts";
import { stopChildren } from "./processes.ts";
import { compact, computeRatios, judge, type ReadsAt, renderTerminal, type Results, writeResults } from "./report.ts";
import { countDataSet, sealAuditBacklog, seedLargeDataSet } from "./seed.ts";
import { loadSettings } from "./settings.ts";
import {
  cloneDatabase,
  connectionOf,
  createMigratedDatabase,
  dropDatabases,
  type Functions,
  generateSecrets,
  ownerContext,
  ownerToken,
  QUIET_OPTIONS,
  SERVER_SESSION_OPTIONS,
  type Server,
  startFunctions,
  startServer,
  superuserSql,
} from "./stack.ts";
import { type LoadResult, median } from "./stats.ts";
import { denoVersion, findPgbench, findWrk } from "./tools.ts";
import { runWrk } from "./wrk.ts";

const say = (line: string) => process.stdout.write(line + "\n");

// Teardown, newest first: the Deno servers, then PostgreSQL, then the temporary folders.
const teardown: (() => Promise<void>)[] = [];
let interrupted = false;
let workDir: string | undefined;

async function tearDown(): Promise<void> {
  while (teardown.length) {
    const step = teardown.pop()!;
    await step().catch((error) => say(`cleanup: ${(error as Error).message}`));
  }
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    say(`\n${signal}: stopping the load generator, the functions and PostgreSQL...`);
    stopChildren();
    // What can be done at once is done first, in case a wrapper (npm, tsx) ends this process
    // before the rest of the teardown has finished.
    if (workDir) rmSync(workDir, { recursive: true, force: true });
    tearDown().finally(() => process.exit(130));
  });
}

const describe = (r: LoadResult) =>
  `${Math.round(r.tps).toLocaleString("en-US")} tps, p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms`;

async function main(): Promise<number> {
  const settings = loadSettings();
  const started = new Date();
  workDir = mkdtempSync(join(tmpdir(), "sfp-bench-"));
  const work = workDir;
  teardown.push(async () => rmSync(work, { recursive: true, force: true }));
  const skipped: string[] = [];

  say("sfp integrations benchmark");
  const pgbench = await findPgbench(say);
  const wrk = await findWrk(say);
  if (!pgbench.path) {
    say(`SKIPPING the pgbench scenarios (floors, RPC, writes, crypto select): ${pgbench.missing}`);
    skipped.push(`pgbench scenarios (${pgbench.missing})`);
  }
  if (!wrk.path) {
    say(`SKIPPING the HTTP scenarios: ${wrk.missing}`);
    skipped.push(`HTTP scenarios (${wrk.missing})`);
  }
  const runsPerClientCount = (pgbench.path ? 5 : 0) + (wrk.path ? 3 : 0);
  const estimate = (settings.clients.length * runsPerClientCount + (pgbench.path ? 3 : 0)) * (settings.seconds + settings.warmup);
  say(`${settings.clients.length} client counts (${settings.clients.join(", ")}), ${settings.seconds} s per run after ${settings.warmup} s of warm-up: about ${Math.round(estimate / 60)} min of load, plus setup and seeding (about 4 min for 5M audit rows on 2 cores).`);

  const secrets = generateSecrets();
  const secretValues = [secrets.keyringJson, secrets.encryptionKeys, secrets.pgpPassword, secrets.authenticatorPassword, secrets.jwtSecret];

  // 1. The server and the two data sets.
  let t0 = performance.now();
  const server: Server = await startServer(settings.databaseUrl);
  teardown.push(server.stop);
  say(server.embedded ? "Started a fresh embedded PostgreSQL cluster." : "Using the PostgreSQL server named by BENCH_DATABASE_URL.");
  // On a shared server the databases get names of their own, and are dropped at the end.
  const prefix = server.embedded ? "sfp_bench" : `sfp_bench_${randomBytes(4).toString("hex")}`;
  const small = `${prefix}_small`;
  const large = `${prefix}_large`;
  if (!server.embedded) teardown.push(() => dropDatabases(server, [small, large]));

  const smallUrl = await createMigratedDatabase(server, small, secrets);
  const { readIntegrationId } = await createSmallDataSet(smallUrl, secrets);
  await createCryptoRows(smallUrl, secrets, settings.cryptoRows);
  await settle(smallUrl);
  const smallCounts = await countDataSet(smallUrl);
  say(`Small data set ready (bootstrap, migrations, 10 integrations, floors, ${settings.cryptoRows} crypto rows) in ${((performance.now() - t0) / 1000).toFixed(1)} s.`);

  t0 = performance.now();
  const largeUrl = await cloneDatabase(server, small, large);
  say(`Seeding the large data set (${settings.scale.integrations.toLocaleString("en-US")} integrations, ${settings.scale.projects.toLocaleString("en-US")} projects, ${settings.scale.auditRows.toLocaleString("en-US")} audit rows):`);
  const seeding = await seedLargeDataSet(largeUrl, secrets, settings.scale, say);
  say(`Large data set ready in ${((performance.now() - t0) / 1000).toFixed(1)} s.`);

  const smallSize = compact(smallCounts.integrations);
  const largeSize = compact(seeding.counts.integrations);
  const environment = await describeEnvironment(smallUrl, server, pgbench.version, wrk.version);
  say(`${environment.postgres}; ${environment.cores} cores; Node ${environment.node}; ${environment.deno}`);

  // 2. The Deno servers: one per data set, each running only while it is measured. Besides
  // requests, each one runs the product's audit sealer every few seconds: a server left idle
  // would load the machine during every other scenario.
  const token = await ownerToken(secrets);
  const readPath = `/sfp/api/integrations/credentials?provider=${READ.provider}&project=${encodeURIComponent(READ.project)}`;
  const withFunctions = async <T>(database: string, run: (functions: Functions) => Promise<T>): Promise<T> => {
    const functions = await startFunctions(server, database, secrets, settings.poolSize).catch((error) => {
      throw new Error(`the functions server (${database}) did not start: ${(error as Error).message}`);
    });
    const stop = () => functions.server.stop();
    teardown.push(stop);
    try {
      await checkHttp(functions, readPath, token);
      return await run(functions);
    } finally {
      teardown.splice(teardown.indexOf(stop), 1);
      await stop();
    }
  };
  if (wrk.path) {
    // Fail now rather than after minutes of pgbench.
    for (const database of [small, large]) await withFunctions(database, async () => {});
    say("Deno serves the functions on each data set: one HTTP read and one /health/auth answered as expected.");
  }

  // What pgbench connects as: the floors and crypto as the superuser, the RPCs as the server does.
  const as = {
    superuser: (url: string): Connection => connectionOf(url, QUIET_OPTIONS),
    server: (database: string): Connection =>
      connectionOf(authenticatorUrl(databaseUrl(server.superuserUrl, database), secrets.authenticatorPassword), SERVER_SESSION_OPTIONS),
  };
  for (const url of [smallUrl, largeUrl]) await checkRpc(as, url, server, secrets);
  say("The credentials RPC answers as authenticator/service_role with one credential on both data sets.");

  const context = ownerContext(secrets);
  const pg = (name: string, script: string, clients: number, connection: Connection, variables: Record<string, string> = {}) =>
    runPgbench(pgbench.path!, {
      name,
      script: join(PROJECT_ROOT, "bench", "pgbench", script),
      clients,
      connection,
      variables,
      warmup: settings.warmup,
      seconds: settings.seconds,
      logDir: work,
      secrets: secretValues,
    });
  const rpcVariables = { provider: READ.provider, project: READ.project, context, keyring: secrets.keyringJson };
  const floorVariables = { owner_id: secrets.owner.id, owner_email: secrets.owner.email, integration_id: readIntegrationId, project: READ.project };
  const audit = { small: superuserSql(smallUrl), large: superuserSql(largeUrl) };
  teardown.push(async () => {
    await audit.small.end();
    await audit.large.end();
  });

  // The audit rows a scenario left are sealed (untimed) before the next one starts; the Deno
  // servers' own sealers seal what a run writes while it runs, as they would in service.
  const sealBacklogs = async () => {
    await sealAuditBacklog(audit.small);
    await sealAuditBacklog(audit.large);
  };

  // 3. Reads: every scenario at one client count, then the next, so that the ratios at a
  // client count compare runs made within a minute or so of each other.
  const reads: ReadsAt[] = [];
  for (const clients of settings.clients) {
    say(`\n${clients} client(s):`);
    const at: ReadsAt = { clients };
    reads.push(at);
    const step = async (label: string, key: Exclude<keyof ReadsAt, "clients">, run: () => Promise<LoadResult>) => {
      await sealBacklogs();
      at[key] = await run();
      say(`  ${label.padEnd(38)} ${describe(at[key]!)}`);
    };
    if (pgbench.path) {
      await step("floor (a) select by key", "floorSelect", () => pg(`floor-a-${clients}`, "floor-select.sql", clients, as.superuser(smallUrl)));
      await step("floor (b) select + audit insert", "floorAudited", () =>
        checkedWrites(audit.small, "sfp_bench.audit_floor", "floor (b)", () =>
          pg(`floor-b-${clients}`, "floor-audited.sql", clients, as.superuser(smallUrl), floorVariables)));
      await step(`credentials RPC, ${smallSize} integrations`, "rpc", () =>
        checkedReads(audit.small, "RPC (small)", () => pg(`rpc-small-${clients}`, "credentials-rpc.sql", clients, as.server(small), rpcVariables)));
      await step(`credentials RPC, ${largeSize} integrations`, "rpcLarge", () =>
        checkedReads(audit.large, "RPC (large)", () => pg(`rpc-large-${clients}`, "credentials-rpc.sql", clients, as.server(large), rpcVariables)));
    }
    if (wrk.path) {
      const http = (name: string, base: Functions, path: string) =>
        runWrk(wrk.path!, { name, url: base.server.url + path, clients, token, warmup: settings.warmup, seconds: settings.seconds, workDir: work });
      await withFunctions(small, async (functions) => {
        await step("HTTP /health/auth (no DB)", "httpAuth", () => http(`auth-${clients}`, functions, "/sfp/api/health/auth"));
        await step(`HTTP credentials, ${smallSize} integrations`, "http", () => http(`http-small-${clients}`, functions, readPath));
      });
      await withFunctions(large, (functions) =>
        step(`HTTP credentials, ${largeSize} integrations`, "httpLarge", () => http(`http-large-${clients}`, functions, readPath)));
    }
  }

  // What one call of the product's sealer costs when there is nothing to seal, on each data
  // set as the reads left it: the Deno server makes that call every few seconds, on one of
  // its pool's connections.
  const sealer = { smallMs: await timeIdleSealer(audit.small), largeMs: await timeIdleSealer(audit.large) };
  say(`\nIdle audit sealer call: ${sealer.smallMs.toFixed(1)} ms on the small data set, ${sealer.largeMs.toFixed(1)} ms on the large one.`);

  // 4. Writes, after every read (they add integrations, to a project of their own).
  const writes: Results["writes"] = [];
  if (pgbench.path) {
    say("\nIntegration writes (small data set):");
    const writeVariables = {
      project: WRITES_PROJECT,
      context,
      keyring: secrets.keyringJson,
      credentials: JSON.stringify({ token: "ghp_" + "w".repeat(36) }),
    };
    for (const clients of settings.clients) {
      await sealBacklogs();
      const result = await checkedWrites(audit.small, "sfp.integrations", "writes", () =>
        pg(`writes-${clients}`, "create-integration.sql", clients, as.server(small), writeVariables));
      writes.push({ clients, result });
      say(`  ${String(clients).padStart(2)} client(s)                            ${describe(result)}`);
    }
  }

  // 5. Crypto alone.
  say("\nCrypto per row (small data set, superuser, 1 client):");
  const crypto: Results["crypto"] = {};
  if (pgbench.path) {
    const cryptoVariables = { rows: String(settings.cryptoRows) };
    const plain = await pg("crypto-plain", "crypto-plain.sql", 1, as.superuser(smallUrl), cryptoVariables);
    say(`  plain text select                      ${describe(plain)}`);
    const ours = await pg("crypto-ours", "crypto-ours.sql", 1, as.superuser(smallUrl), { ...cryptoVariables, keyring: secrets.keyringJson });
    say(`  sfp._open select                       ${describe(ours)}`);
    const pgp = await pg("crypto-pgp", "crypto-pgp.sql", 1, as.superuser(smallUrl), { ...cryptoVariables, password: secrets.pgpPassword });
    say(`  pgp_sym_decrypt (defaults) select      ${describe(pgp)}`);
    crypto.pgbench = { plain, ours, pgp };
  }
  crypto.perRow = await measurePerRowCost(smallUrl, secrets);
  say(`  in SQL, per row: plain ${crypto.perRow.plainUs.toFixed(2)} us, sfp._open ${crypto.perRow.oursUs.toFixed(1)} us, pgp_sym_decrypt ${crypto.perRow.pgpUs.toFixed(1)} us`);

  // 6. The report.
  const finished = new Date();
  const results: Results = {
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    durationSeconds: Math.round((finished.getTime() - started.getTime()) / 1000),
    environment,
    settings: {
      ...settings,
      // The URL names a server and may hold a password: only whether one was given is kept.
      databaseUrl: settings.databaseUrl ? "(BENCH_DATABASE_URL)" : undefined,
      readRequest: `GET ${readPath}`,
    },
    dataSets: { small: smallCounts, large: seeding.counts, seeding },
    reads,
    writes,
    crypto,
    sealer,
    skipped,
  };
  results.ratios = computeRatios(results);
  results.targets = judge(results);

  say("\n" + renderTerminal(results));
  const files = writeResults(results, join(PROJECT_ROOT, "bench", "results"));
  say(`\nWrote ${files.json} and ${files.markdown} (${results.durationSeconds} s in all).`);
  return 0;
}

/** Median time of three calls of sfp_api.seal_audit_log() with nothing left to seal. */
async function timeIdleSealer(sql: postgres.Sql): Promise<number> {
  await sealAuditBacklog(sql);
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    await sql`select sfp_api.seal_audit_log()`;
    times.push(performance.now() - t0);
  }
  return median(times);
}

/** The HTTP read answers 200 with one credential, and /health/auth 200, before any timing. */
async function checkHttp(functions: Functions, readPath: string, token: string): Promise<void> {
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
async function checkRpc(
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
async function checkedReads(sql: postgres.Sql, label: string, run: () => Promise<LoadResult>): Promise<LoadResult> {
  const [{ last }] = await sql`select coalesce(max(id), 0)::bigint as last from sfp.audit_log`;
  const result = await run();
  const rows = await sql`select outcome, count(*)::bigint as n from sfp.audit_log
                         where id > ${last} and request_id = 'bench' group by outcome`;
  const outcomes = Object.fromEntries(rows.map((row) => [row.outcome as string, Number(row.n)]));
  if (Object.keys(outcomes).some((outcome) => outcome !== "granted") || outcomes.granted !== result.total) {
    throw new Error(`${label}: pgbench completed ${result.total} reads but the audit log holds ${JSON.stringify(outcomes)}`);
  }
  return result;
}

/** Runs a writing scenario and checks it wrote one row per completed transaction. */
async function checkedWrites(sql: postgres.Sql, table: string, label: string, run: () => Promise<LoadResult>): Promise<LoadResult> {
  const count = async () => Number((await sql.unsafe(`select count(*)::bigint as n from ${table}`))[0].n);
  const before = await count();
  const result = await run();
  const written = (await count()) - before;
  if (written !== result.total) throw new Error(`${label}: pgbench completed ${result.total} transactions but ${written} rows were written`);
  return result;
}

async function describeEnvironment(url: string, server: Server, pgbench?: string, wrk?: string): Promise<Results["environment"]> {
  const sql = superuserSql(url);
  try {
    const [{ version }] = await sql`select version()`;
    const rows = await sql`select name, current_setting(name) as value from pg_settings
      where name in ('shared_buffers', 'synchronous_commit', 'fsync', 'wal_sync_method', 'max_connections',
                     'max_wal_size', 'checkpoint_timeout', 'jit', 'work_mem', 'effective_io_concurrency')
      order by name`;
    return {
      postgres: String(version).split(" on ")[0],
      postgresServer: server.embedded ? "embedded" : "BENCH_DATABASE_URL",
      serverSettings: Object.fromEntries(rows.map((row) => [row.name as string, row.value as string])),
      cores: cpus().length,
      cpu: cpus()[0]?.model ?? "unknown",
      os: `${process.platform} ${release()}`,
      node: process.versions.node,
      deno: await denoVersion(),
      pgbench,
      wrk,
    };
  } finally {
    await sql.end();
  }
}

main().then(
  async (code) => {
    if (interrupted) return;
    await tearDown();
    process.exit(code);
  },
  async (error) => {
    if (interrupted) return;
    say(`\nThe benchmark could not run: ${(error as Error).message}`);
    await tearDown();
    process.exit(1);
  },
);
