/**
 * `npm run bench`: what a credential read costs, next to its floors and a peer, measured
 * side by side in one run. These shared 2-core machines drift, so every figure is also
 * reported as a ratio to a baseline measured minutes apart at most, in the same run.
 *
 *   1. floors: (a) a select of a stored jsonb row by key; (b) the same plus one audit row as
 *      large as the real one, in one durable transaction, pipelined in one round trip like
 *      the server's reads
 *   2. the credentials RPC exactly as the Edge Functions send it (authenticator, session
 *      options, role, guard + call pipelined, claims and key ring as bind parameters)
 *   3. the same read over HTTP against the real Deno server, next to an authenticated no-op
 *   4. integration writes through the RPC
 *   5. crypto alone: sfp._open against pgp_sym_decrypt and the plain text, per row
 *   6. scale: 2. and 3. on 10 integrations and on 100,000 (10,000 projects, 5M audit rows),
 *      interleaved at each client count so drift hits both alike
 *   7. the audit listing's first page on the 5M rows, filtered by project, actor, token and
 *      integration
 * `npm run bench -- --quick` runs only floor (b), 2., 3. (the read) and 4., on the small
 * data set, at 1 and 8 clients: under 2 minutes, for use while developing.
 * pgbench and wrk run as processes of their own; this process only waits on them.
 * Output: a table here, bench/results/latest.json and latest.md, and for a full run
 * bench/results/<date>.json. Exits non-zero only when something fails to run, never
 * because a target is missed.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, release, tmpdir } from "node:os";
import { join } from "node:path";
import type postgres from "postgres";
import { databaseUrl } from "../stack/addresses.ts";
import { authenticatorUrl, PROJECT_ROOT } from "../stack/database-setup.ts";
import { auditListingRequests, checkAuditPage } from "./audit-listing.ts";
import { checkedReads, checkedWrites, checkHttp, checkRpc, compareAuditRowSizes } from "./checks.ts";
import { measurePerRowCost } from "./crypto.ts";
import { createCryptoRows, createSmallDataSet, READ, settle, WRITES_PROJECT } from "./fixtures.ts";
import { type Connection, runPgbench } from "./pgbench.ts";
import { stopChildren } from "./processes.ts";
import { renderTerminal, writeResults } from "./report.ts";
import { compact, computeRatios, type ReadsAt, type Results } from "./results.ts";
import { countDataSet, type SeedReport, sealAuditBacklog, seedLargeDataSet } from "./seed.ts";
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
  REQUEST_META,
  SERVER_SESSION_OPTIONS,
  type Server,
  startFunctions,
  startServer,
  superuserSql,
} from "./stack.ts";
import { judge } from "./targets.ts";
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
  const settings = loadSettings(process.argv.slice(2));
  const full = settings.mode === "full";
  const started = new Date();
  workDir = mkdtempSync(join(tmpdir(), "sfp-bench-"));
  const work = workDir;
  teardown.push(async () => rmSync(work, { recursive: true, force: true }));
  const skipped: string[] = [];

  say(full ? "sfp integrations benchmark (full run)" : "sfp integrations benchmark (quick run: floor (b), credentials RPC, HTTP read and writes, small data set)");
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
  // Runs per client count: floor (a), floor (b), RPC small and large, writes; HTTP auth,
  // small and large. Then once: three crypto selects, four audit listings.
  const runsPerClientCount = (pgbench.path ? (full ? 5 : 3) : 0) + (wrk.path ? (full ? 3 : 1) : 0);
  const runsOnce = full ? (pgbench.path ? 3 : 0) + (wrk.path ? 4 : 0) : 0;
  const estimate = (settings.clients.length * runsPerClientCount + runsOnce) * (settings.seconds + settings.warmup);
  say(`${settings.clients.length} client counts (${settings.clients.join(", ")}), ${settings.seconds} s per run after ${settings.warmup} s of warm-up: about ${Math.round(estimate / 60)} min of load, plus setup` +
    (full ? " and seeding (about 4 min for 5M audit rows on 2 cores)." : " (under 30 s)."));

  const secrets = generateSecrets();
  const secretValues = [secrets.keyringJson, secrets.encryptionKeys, secrets.pgpPassword, secrets.authenticatorPassword, secrets.jwtSecret];

  // 1. The server and the data sets: the small one, and for a full run the large one.
  let t0 = performance.now();
  const server: Server = await startServer(settings.databaseUrl);
  teardown.push(server.stop);
  say(server.embedded ? "Started a fresh embedded PostgreSQL cluster." : "Using the PostgreSQL server named by BENCH_DATABASE_URL.");
  // On a shared server the databases get names of their own, and are dropped at the end.
  const prefix = server.embedded ? "sfp_bench" : `sfp_bench_${randomBytes(4).toString("hex")}`;
  const small = `${prefix}_small`;
  const large = `${prefix}_large`;
  if (!server.embedded) teardown.push(() => dropDatabases(server, full ? [small, large] : [small]));

  const smallUrl = await createMigratedDatabase(server, small, secrets);
  const { readIntegrationId } = await createSmallDataSet(smallUrl, secrets);
  if (full) await createCryptoRows(smallUrl, secrets, settings.cryptoRows);
  await settle(smallUrl);
  const smallCounts = await countDataSet(smallUrl);
  say(`Small data set ready (bootstrap, migrations, 10 integrations, floors${full ? `, ${settings.cryptoRows} crypto rows` : ""}) in ${((performance.now() - t0) / 1000).toFixed(1)} s.`);

  let largeUrl: string | undefined;
  let seeding: SeedReport | undefined;
  if (full) {
    t0 = performance.now();
    largeUrl = await cloneDatabase(server, small, large);
    say(`Seeding the large data set (${settings.scale.integrations.toLocaleString("en-US")} integrations, ${settings.scale.projects.toLocaleString("en-US")} projects, ${settings.scale.auditRows.toLocaleString("en-US")} audit rows):`);
    seeding = await seedLargeDataSet(largeUrl, secrets, settings.scale, say);
    say(`Large data set ready in ${((performance.now() - t0) / 1000).toFixed(1)} s.`);
  }
  const databases = full ? [small, large] : [small];
  const urls = largeUrl ? [smallUrl, largeUrl] : [smallUrl];

  const smallSize = compact(smallCounts.integrations);
  const largeSize = compact(seeding?.counts.integrations ?? settings.scale.integrations);
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
    for (const database of databases) await withFunctions(database, async () => {});
    say(`Deno serves the functions on ${full ? "each data set" : "the small data set"}: one HTTP read and one /health/auth answered as expected.`);
  }

  // What pgbench connects as: the floors and crypto as the superuser, the RPCs as the server does.
  const as = {
    superuser: (url: string): Connection => connectionOf(url, QUIET_OPTIONS),
    server: (database: string): Connection =>
      connectionOf(authenticatorUrl(databaseUrl(server.superuserUrl, database), secrets.authenticatorPassword), SERVER_SESSION_OPTIONS),
  };
  for (const url of urls) await checkRpc(as, url, server, secrets);
  say(`The credentials RPC answers as authenticator/service_role with one credential on ${full ? "both data sets" : "the small data set"}.`);

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
  const http = (name: string, functions: Functions, path: string, clients: number) =>
    runWrk(wrk.path!, { name, url: functions.server.url + path, clients, token, warmup: settings.warmup, seconds: settings.seconds, workDir: work });
  const rpcVariables = { provider: READ.provider, project: READ.project, context, keyring: secrets.keyringJson };
  const floorVariables = {
    owner_id: secrets.owner.id, owner_email: secrets.owner.email, integration_id: readIntegrationId, project: READ.project, ...REQUEST_META,
  };
  const audit = { small: superuserSql(smallUrl), large: largeUrl ? superuserSql(largeUrl) : undefined };
  teardown.push(async () => {
    await audit.small.end();
    await audit.large?.end();
  });

  // The audit rows a scenario left are sealed (untimed) before the next one starts; the Deno
  // servers' own sealers seal what a run writes while it runs, as they would in service.
  const sealBacklogs = async () => {
    await sealAuditBacklog(audit.small);
    if (audit.large) await sealAuditBacklog(audit.large);
  };

  // 3. Reads: every scenario at one client count, then the next, so that the ratios at a
  // client count compare runs made within a minute or so of each other.
  const reads: ReadsAt[] = [];
  let auditRowSizes: Results["auditRowSizes"];
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
      if (full) await step("floor (a) select by key", "floorSelect", () => pg(`floor-a-${clients}`, "floor-select.sql", clients, as.superuser(smallUrl)));
      await step("floor (b) select + audit insert", "floorAudited", () =>
        checkedWrites(audit.small, "sfp_bench.audit_floor", "floor (b)", () =>
          pg(`floor-b-${clients}`, "floor-audited.sql", clients, as.superuser(smallUrl), floorVariables)));
      await step(`credentials RPC, ${smallSize} integrations`, "rpc", () =>
        checkedReads(audit.small, "RPC (small)", () => pg(`rpc-small-${clients}`, "credentials-rpc.sql", clients, as.server(small), rpcVariables)));
      // Checked once both have written rows: before any other figure, so a floor that got
      // cheaper than the real row fails the run at its first client count.
      auditRowSizes ??= await compareAuditRowSizes(audit.small);
      if (audit.large) {
        const largeAudit = audit.large;
        await step(`credentials RPC, ${largeSize} integrations`, "rpcLarge", () =>
          checkedReads(largeAudit, "RPC (large)", () => pg(`rpc-large-${clients}`, "credentials-rpc.sql", clients, as.server(large), rpcVariables)));
      }
    }
    if (wrk.path) {
      await withFunctions(small, async (functions) => {
        if (full) await step("HTTP /health/auth (no DB)", "httpAuth", () => http(`auth-${clients}`, functions, "/sfp/api/health/auth", clients));
        await step(`HTTP credentials, ${smallSize} integrations`, "http", () => http(`http-small-${clients}`, functions, readPath, clients));
      });
      if (full) {
        await withFunctions(large, (functions) =>
          step(`HTTP credentials, ${largeSize} integrations`, "httpLarge", () => http(`http-large-${clients}`, functions, readPath, clients)));
      }
    }
  }
  if (auditRowSizes) say(`\nAudit row, average stored size: floor (b) ${auditRowSizes.floorBytes.toFixed(0)} bytes, the credentials RPC ${auditRowSizes.rpcBytes.toFixed(0)} bytes.`);

  // What one call of the product's sealer costs when there is nothing to seal, on each data
  // set as the reads left it: the Deno server makes that call every few seconds, on one of
  // its pool's connections.
  let sealer: Results["sealer"];
  if (audit.large) {
    sealer = { smallMs: await timeIdleSealer(audit.small), largeMs: await timeIdleSealer(audit.large) };
    say(`\nIdle audit sealer call: ${sealer.smallMs.toFixed(1)} ms on the small data set, ${sealer.largeMs.toFixed(1)} ms on the large one.`);
  }

  // 4. The audit listing at scale, after the reads (the read integration's rows are theirs).
  const auditListing: Results["auditListing"] = [];
  if (audit.large && wrk.path) {
    await sealBacklogs();
    const requests = await auditListingRequests(audit.large, readIntegrationId);
    say(`\nAudit listing, first page (large data set, ${compact(seeding!.counts.auditRows)} audit rows before the reads, 1 client):`);
    await withFunctions(large, async (functions) => {
      for (const request of requests) {
        const page = await checkAuditPage(functions, request.path, token);
        const result = await http(`audit-${request.filter}`, functions, request.path, 1);
        auditListing.push({ ...request, page, result });
        say(`  by ${request.filter.padEnd(35)} ${describe(result)} (${page.items} on the page${page.more ? ", more follow" : ""})`);
      }
    });
  }

  // 5. Writes, after every read (they add integrations, to a project of their own).
  const writes: Results["writes"] = [];
  if (pgbench.path) {
    say("\nIntegration writes (small data set):");
    const writeVariables = {
      project: WRITES_PROJECT,
      context,
      keyring: secrets.keyringJson,
      credentials: JSON.stringify({ token: "ghp_" + "w".repeat(36) }),
    };
    // Untimed first: sessions that plan on the small data set's tables as seeded (ten rows)
    // keep sequential scans, foreign-key checks included, that grow with every row written,
    // until autovacuum's next analyze (up to a minute away) has them replanned: one client's
    // writes slowed from about 1 to 2.2 ms each over 10 s. A store in service has more than
    // ten integrations; the timed runs start from a few thousand (docs/performance.md).
    await runPgbench(pgbench.path, {
      name: "writes-prefill", script: join(PROJECT_ROOT, "bench", "pgbench", "create-integration.sql"), clients: 1,
      connection: as.server(small), variables: writeVariables, warmup: 0, seconds: settings.mode === "quick" ? 2 : 3,
      logDir: work, secrets: secretValues,
    });
    for (const clients of settings.clients) {
      await sealBacklogs();
      const result = await checkedWrites(audit.small, "sfp.integrations", "writes", () =>
        pg(`writes-${clients}`, "create-integration.sql", clients, as.server(small), writeVariables));
      writes.push({ clients, result });
      say(`  ${String(clients).padStart(2)} client(s)                            ${describe(result)}`);
    }
  }

  // 6. Crypto alone (full runs).
  const crypto: Results["crypto"] = {};
  if (full) {
    say("\nCrypto per row (small data set, superuser, 1 client):");
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
  }

  // 7. The report.
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
    dataSets: { small: smallCounts, large: seeding?.counts, seeding },
    reads,
    writes,
    auditListing,
    auditRowSizes,
    crypto,
    sealer,
    skipped,
  };
  results.ratios = computeRatios(results);
  results.targets = judge(results);

  say("\n" + renderTerminal(results));
  const files = writeResults(results, join(PROJECT_ROOT, "bench", "results"));
  say(`\nWrote ${files.join(", ")} (${results.durationSeconds} s in all).`);
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
