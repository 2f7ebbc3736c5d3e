import type postgres from "postgres";
import type { BenchSettings } from "./settings.ts";
import { type Secrets, superuserSql } from "./stack.ts";
import { sqlFile } from "./fixtures.ts";

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

export async function seedLargeDataSet(
  url: string,
  secrets: Secrets,
  scale: BenchSettings["scale"],
  say: (line: string) => void,
): Promise<SeedReport> {
  const started = performance.now();
  const steps: SeedStep[] = [];
  const sql = superuserSql(url);
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
  try {
    const projects = Math.max(0, scale.projects - before.projects);
    const integrations = Math.max(0, scale.integrations - before.integrations);
    const auditRows = Math.max(0, scale.auditRows - before.auditRows);

    if (projects > 0) {
      await step("projects", projects, () => sql.unsafe(sqlFile("seed-projects.sql"), [1, projects, secrets.owner.id]));
    }

    // Sealing is the slow part (one AES encryption and two HMACs per row, in plpgsql).
    const integrationBatch = 10_000;
    for (let from = 1; from <= integrations; from += integrationBatch) {
      const to = Math.min(integrations, from + integrationBatch - 1);
      await step(`integrations ${from.toLocaleString("en-US")}-${to.toLocaleString("en-US")} (sealed)`, to - from + 1, () =>
        sql.begin(async (tx) => {
          await tx`select set_config('sfp.keyring', ${secrets.keyringJson}, true)`;
          await tx.unsafe(sqlFile("seed-integrations.sql"), [from, to, Math.max(1, projects), secrets.owner.id]);
        }));
    }

    const auditBatch = 500_000;
    for (let from = 1; from <= auditRows; from += auditBatch) {
      const to = Math.min(auditRows, from + auditBatch - 1);
      await step(`audit rows ${from.toLocaleString("en-US")}-${to.toLocaleString("en-US")}`, to - from + 1, () =>
        sql.unsafe(sqlFile("seed-audit.sql"), [from, to, auditRows]));
    }

    // A deployment holding 5M audit rows has them sealed into the hash chain (the sealer runs
    // every few seconds). Left unsealed, they would keep the Deno server's sealer busy all
    // through the measurements. Sealed by the product's own sealer, in batches.
    const sealBatch = 250_000;
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
