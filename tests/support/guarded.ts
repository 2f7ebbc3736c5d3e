import type postgres from "postgres";

/**
 * Runs `work` in a transaction behind the log-safety guard, as every caller that sends a key
 * ring or a secret must (the functions that take one refuse otherwise, SFL02).
 */
export function guarded<T>(sql: postgres.Sql, work: (tx: postgres.TransactionSql) => Promise<T>): Promise<T> {
  return sql.begin(async (tx) => {
    await tx`select sfp_api.guard_log_safety()`;
    return work(tx);
  }) as Promise<T>;
}
