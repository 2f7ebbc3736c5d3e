import postgres from "postgres";
import type { Config } from "./config.ts";

/**
 * The database connections of the Edge Functions, and the guard that keeps keys and
 * secrets out of PostgreSQL's log.
 *
 * PostgreSQL writes bind parameters into its log when statement or duration logging is on
 * (see DESIGN.md), and log_statement = all logs a statement before any SQL inside it runs,
 * so a check inside the RPC that receives a key comes too late. Instead, every statement
 * that carries a key ring or a secret is sent as
 *   begin; select sfp_api.guard_log_safety(); <the statement>; commit
 * in one network write. When the session would log parameters the guard raises, the
 * transaction is aborted, and PostgreSQL refuses the statement at Bind, before reading its
 * parameters. That checks the settings in force at that very moment (after a reload, an
 * ALTER ROLE/DATABASE ... SET, on a new connection) for no extra round trip. It also means a
 * credential is answered only once COMMIT (and with it the read's audit row) succeeded.
 *
 * Pipelining onto one connection needs a connection of our own: each lane is a postgres.js
 * client with exactly one connection (so an explicit BEGIN is allowed), taken in turn.
 */
export type Sql = postgres.Sql;

/** A value sent as a json parameter (cast to jsonb in the statement); postgres.js serialises it. */
export function jsonb(sql: Sql, value: object): postgres.Parameter {
  return sql.json(value as postgres.JSONValue);
}

export class Database {
  private readonly lanes: Sql[];
  private next = 0;

  constructor(config: Pick<Config, "databaseUrl" | "databaseRole" | "poolSize" | "hideParameters">) {
    const connection: Record<string, string> = { application_name: "sfp-integrations" };
    // Acting as service_role from the start of the session costs no round trip per request.
    if (config.databaseRole) connection.role = config.databaseRole;
    // Session settings outrank the server's configuration file, ALTER SYSTEM and per-role or
    // per-database settings, reloads included: with these, this session never writes a bind
    // parameter to the log, whatever else happens (the guard stays, for servers that do not
    // let the login role set them).
    if (config.hideParameters) {
      connection.options = "-c log_parameter_max_length=0 -c log_parameter_max_length_on_error=0";
    }
    this.lanes = Array.from(
      { length: config.poolSize },
      () => postgres(config.databaseUrl, { max: 1, connection, onnotice: () => {} }),
    );
  }

  private lane(): Sql {
    const lane = this.lanes[this.next];
    this.next = (this.next + 1) % this.lanes.length;
    return lane;
  }

  /** Runs a statement that carries no key and no secret. */
  query<T>(run: (sql: Sql) => Promise<T>): Promise<T> {
    return run(this.lane());
  }

  /**
   * Runs one statement that carries a key ring or a secret, behind the log-safety guard, in
   * its own transaction. Refuses with 503 (SFL01) when the database would log parameters.
   */
  async secretQuery<T>(run: (sql: Sql) => postgres.PendingQuery<postgres.Row[]>): Promise<T> {
    const sql = this.lane();
    // Queued synchronously on the lane's one connection: written together, run in order.
    const steps = [
      sql`begin`.execute(),
      sql`select sfp_api.guard_log_safety()`.execute(),
      run(sql).execute(),
      sql`commit`.execute(),
    ];
    const results = await Promise.allSettled(steps);
    // The first failure explains the rest (after a refused guard, the call fails as "current
    // transaction is aborted" and COMMIT rolls back).
    const failed = results.find((result) => result.status === "rejected");
    if (failed) throw (failed as PromiseRejectedResult).reason;
    // COMMIT answers ROLLBACK when the transaction had failed: then nothing was committed.
    const committed = (results[3] as PromiseFulfilledResult<postgres.RowList<postgres.Row[]>>).value;
    if (committed.command !== "COMMIT") throw new Error(`the transaction ended with ${committed.command}`);
    return (results[2] as PromiseFulfilledResult<postgres.Row[]>).value[0] as T;
  }

  async close(): Promise<void> {
    await Promise.all(this.lanes.map((lane) => lane.end({ timeout: 5 })));
  }
}
