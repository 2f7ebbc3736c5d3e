import { type Secrets, superuserSql } from "./stack.ts";
import { median } from "./stats.ts";

/**
 * In-SQL cost per row of each way to get a credential's plain text out of a stored row, over
 * every row of sfp_bench.crypto_rows: the plain text read as is, the chosen scheme
 * (sfp._open: HMAC check, then AES-256-CBC decryption) and pgp_sym_decrypt at default
 * settings. Timed by the server (EXPLAIN ANALYZE's execution time, with per-node timing off
 * so the clock reads cost nothing), so no network or client time is in it; median of
 * `repeats`, the three interleaved so that drift hits all alike. JIT is off: its compile
 * time would be a one-off cost of this aggregate, not of a read.
 */
export interface PerRowCost {
  rows: number;
  /** Median µs per row. */
  plainUs: number;
  oursUs: number;
  pgpUs: number;
  samples: { plain: number[]; ours: number[]; pgp: number[] };
}

const QUERIES = {
  plain: "select sum(octet_length(plain)) from sfp_bench.crypto_rows",
  // $1::text first: the ring arrives as JSON text, as pgbench sends it.
  ours: "select count(sfp._open(row(integration_id, 1, 'pat', key_version, iv, ciphertext, mac, now(), 2)::sfp.credential_versions, $1::text::jsonb)) from sfp_bench.crypto_rows",
  pgp: "select count(extensions.pgp_sym_decrypt(pgp, $1)) from sfp_bench.crypto_rows",
} as const;

export async function measurePerRowCost(url: string, secrets: Secrets, repeats = 5): Promise<PerRowCost> {
  const sql = superuserSql(url);
  try {
    await sql`set jit = off`;
    const [{ rows }] = await sql`select count(*)::int as rows from sfp_bench.crypto_rows`;
    const parameters = { plain: [], ours: [secrets.keyringJson], pgp: [secrets.pgpPassword] } as Record<keyof typeof QUERIES, string[]>;
    const samples = { plain: [] as number[], ours: [] as number[], pgp: [] as number[] };
    const time = async (name: keyof typeof QUERIES) => {
      const [row] = await sql.unsafe(`explain (analyze, timing off, format json) ${QUERIES[name]}`, parameters[name]);
      const plan = row["QUERY PLAN"] as { "Execution Time": number }[];
      samples[name].push((plan[0]["Execution Time"] * 1000) / rows);
    };
    // One untimed round of each: the rows into the cache, the functions' plans prepared.
    for (const name of Object.keys(QUERIES) as (keyof typeof QUERIES)[]) await time(name);
    for (const list of Object.values(samples)) list.length = 0;
    for (let i = 0; i < repeats; i++) {
      for (const name of Object.keys(QUERIES) as (keyof typeof QUERIES)[]) await time(name);
    }
    return { rows, plainUs: median(samples.plain), oursUs: median(samples.ours), pgpUs: median(samples.pgp), samples };
  } finally {
    await sql.end();
  }
}
