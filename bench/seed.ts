import type postgres from "postgres";
import type { BenchSettings } from "./settings.ts";
import { type Secrets, superuserSql } from "./stack.ts";
import { sqlFile, statements } from "./fixtures.ts";

/**
 * The scale comparison's large data set: the small one (cloned), topped up in SQL with
 * insert ... select generate_series (sql/bench/seed-*.sql) to the configured totals:
 * 100,000 integrations over 10,000 projects, with real ciphertexts sealed for their own row,
 * and 5 million audit rows. In batches, each timed and printed, so a slow machine shows
 * where the time goes.
 */
export interface SeedStep {
  name: string;
  rows: number;
  seconds: number;
}

export interface SeedReport {
  steps: SeedStep[];
  seconds: number;
  counts: DataSetCounts;
}

export interface DataSetCounts {
  projects: number;
  integrations: number;
  credentialVersions: number;
  auditRows: number;
  /** On-disk size of the database, bytes. */
  databaseBytes: number;
}

export async function countDataSet(url: string): Promise<DataSetCounts> {
  const sql = superuserSql(url);
  try {
    const [row] = await sql`
      select (select count(*) from sfp.projects)::bigint as projects,
             (select count(*) from sfp.integrations)::bigint as integrations,
             (select count(*) from sfp.credential_versions)::bigint as credential_versions,
             (select count(*) from sfp.audit_log)::bigint as audit_rows,
             pg_database_size(current_database())::bigint as bytes`;
    return {
      projects: Number(row.projects),
      integrations: Number(row.integrations),
      credentialVersions: Number(row.credential_versions),
      auditRows: Number(row.audit_rows),
      databaseBytes: Number(row.bytes),
    };
  } finally {
    await sql.end();
  }
}

const WORKERS = 2;

export async function seedLargeDataSet(
  url: string,
  secrets: Secrets,
  scale: BenchSettings["scale"],
  say: (line: string) => void,
): Promise<SeedReport> {
  const started = performance.now();
  const steps: SeedStep[] = [];
  // Two sessions: the batches are CPU-bound (sealing, the audit log's row-hash trigger and
  // indexes), and this machine has two cores with nothing else to do during the seed.
  const sql = superuserSql(url, WORKERS);
  const before = await countDataSet(url);
  // `run` may return how many rows it handled, when that is known only afterwards.
  const step = async (name: string, expected: number, run: () => Promise<unknown>) => {
    const t0 = performance.now();
    const returned = await run().catch((error) => {
      throw new Error(`seeding ${name}: ${(error as Error).message}`);
    });
    const rows = typeof returned === "number" ? returned : expected;
    const seconds = (performance.now() - t0) / 1000;
    steps.push({ name, rows, seconds });
    say(`  ${name}: ${rows.toLocaleString("en-US")} rows in ${seconds.toFixed(1)} s`);
  };
  // Batches [from, to] of 1..total, `WORKERS` at a time; then one line for the whole phase.
  const inBatches = async (label: string, total: number, size: number, run: (from: number, to: number) => Promise<unknown>) => {
    const t0 = performance.now();
    let next = 1;
    const worker = async () => {
      while (next <= total) {
        const from = next;
        const to = Math.min(total, from + size - 1);
        next = to + 1;
        await step(`${label} ${from.toLocaleString("en-US")}-${to.toLocaleString("en-US")}`, to - from + 1, () => run(from, to));
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, worker));
    if (total > 0) say(`  ${label}: ${total.toLocaleString("en-US")} rows in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  };
  try {
    const projects = Math.max(0, scale.projects - before.projects);
    const integrations = Math.max(0, scale.integrations - before.integrations);
    const auditRows = Math.max(0, scale.auditRows - before.auditRows);

    if (projects > 0) {
      await step("projects", projects, () => sql.unsafe(sqlFile("seed-projects.sql"), [1, projects, secrets.owner.id]));
    }

    // One AES encryption and two HMACs per row, in plpgsql.
    await inBatches("integrations (sealed)", integrations, 10_000, (from, to) =>
      sql.begin(async (tx) => {
        await tx`select set_config('sfp.keyring', ${secrets.keyringJson}, true)`;
        for (const statement of statements(sqlFile("seed-integrations.sql"))) {
          // Only the statement that reads $1..$4 gets them.
          await (/\$\d/.test(statement)
            ? tx.unsafe(statement, [from, to, Math.max(1, projects), secrets.owner.id])
            : tx.unsafe(statement));
        }
      }));

    // The slowest part: each row goes through the row-hash trigger and seven indexes, as in
    // service. Two sessions interleave their ids; occurred_at follows the batch's position, so
    // it is only roughly in id order (nothing measured here depends on it).
    await inBatches("audit rows", auditRows, 250_000, (from, to) =>
      sql.unsafe(sqlFile("seed-audit.sql"), [from, to, auditRows]));

    // A deployment holding 5M audit rows has them sealed into the hash chain (the sealer runs
    // every few seconds). Left unsealed, they would keep the Deno server's sealer busy all
    // through the measurements. Sealed by the product's own sealer, in batches.
    const sealBatch = 500_000;
    let sealedSoFar = 0;
    for (;;) {
      await step("audit chain: rows sealed", sealBatch, () => sealOnce(sql, sealBatch));
      const sealed = steps[steps.length - 1].rows;
      sealedSoFar += sealed;
      if (sealed < sealBatch) break;
    }
    say(`  audit chain: ${sealedSoFar.toLocaleString("en-US")} rows sealed`);

    // What autovacuum would have done by the time a deployment held this much: statistics,
    // hint bits and the visibility map; then a checkpoint, so no measurement pays for the seed.
    await step("vacuum (analyze) and checkpoint", 0, async () => {
      await sql`vacuum (analyze)`;
      await sql`checkpoint`;
    });
  } finally {
    await sql.end();
  }
  return { steps, seconds: (performance.now() - started) / 1000, counts: await countDataSet(url) };
}

/** One call of the product's sealer; returns how many rows it linked into the chain. */
async function sealOnce(sql: postgres.Sql, maxRows: number): Promise<number> {
  for (;;) {
    const [{ result }] = await sql`select sfp_api.seal_audit_log(${maxRows}) as result`;
    const { sealed, busy } = result as { sealed: number; busy?: boolean };
    // Another sealer (a Deno server's) holds the lock: its rows are being sealed anyway.
    if (!busy) return sealed;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Seals every audit row not yet in the chain. Between measurements: the rows one scenario
 * wrote are sealed before the next one starts, so no scenario pays for another's audit rows.
 */
export async function sealAuditBacklog(sql: postgres.Sql): Promise<number> {
  let total = 0;
  for (;;) {
    const sealed = await sealOnce(sql, 100_000);
    total += sealed;
    if (sealed === 0) return total;
  }
}
