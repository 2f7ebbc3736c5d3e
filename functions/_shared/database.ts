import postgres from "postgres";
import type { Config } from "./config.ts";
import { ApiError } from "./errors.ts";

/**
 * The database connections of the Edge Functions, and the guard that keeps keys and
 * secrets out of PostgreSQL's log.
 *
 * PostgreSQL writes bind parameters into its log when statement or duration logging is on
 * (see DESIGN.md), and the statement that carries a key is logged before any SQL inside it
 * runs. So a key or a secret is sent only on a connection whose settings were checked
 * first (sfp_api.log_settings_check): when the connection opens, and again whenever the
 * server's configuration load time, returned by every secret-carrying call at no extra
 * cost, moves (a reload may have turned logging on). Settings from ALTER ROLE/DATABASE
 * apply to new connections only, which are checked when they open.
 *
 * Each lane is a postgres.js client with exactly one connection, so "this connection was
 * checked" is something we can know: postgres.js reconnects a lane after a drop, and its
 * onclose hook marks the lane unchecked before that.
 */
export type Sql = postgres.Sql;

/** A value sent as a json parameter (cast to jsonb in the statement); postgres.js serialises it. */
export function jsonb(sql: Sql, value: object): postgres.Parameter {
  return sql.json(value as postgres.JSONValue);
}

interface LogSettingsCheck {
  safe: boolean;
  problems: string[];
  conf_loaded_at: string;
}

class Lane {
  readonly sql: Sql;
  private checkedConfLoadedAt: string | null = null;
  private checking: Promise<void> | null = null;

  constructor(url: string, role: string) {
    this.sql = postgres(url, {
      max: 1,
      // Setting the role at connection start costs no round trip per request.
      connection: role ? { role, application_name: "sfp-integrations" } : { application_name: "sfp-integrations" },
      onnotice: () => {},
      onclose: () => {
        this.checkedConfLoadedAt = null;
      },
    });
  }

  /** Resolves once this lane's connection is known not to log parameters; else 503. */
  ensureLogSafe(): Promise<void> {
    if (this.checkedConfLoadedAt !== null) return Promise.resolve();
    this.checking ??= this.check().finally(() => (this.checking = null));
    return this.checking;
  }

  /** Called with the configuration load time a secret-carrying call returned. */
  observeConfLoadedAt(confLoadedAt: string): void {
    if (confLoadedAt !== this.checkedConfLoadedAt) this.checkedConfLoadedAt = null;
  }

  private async check(): Promise<void> {
    const [row] = await this.sql<{ check: LogSettingsCheck }[]>`select sfp_api.log_settings_check() as check`;
    if (!row.check.safe) {
      throw new ApiError(
        503,
        `Credential operations are disabled: the database server would write statement parameters to its log (${
          row.check.problems.join(", ")
        }). Turn that logging off, or set log_parameter_max_length = 0 and log_parameter_max_length_on_error = 0.`,
      );
    }
    this.checkedConfLoadedAt = row.check.conf_loaded_at;
  }
}

export class Database {
  private readonly lanes: Lane[];
  private next = 0;

  constructor(config: Pick<Config, "databaseUrl" | "databaseRole" | "poolSize">) {
    this.lanes = Array.from({ length: config.poolSize }, () => new Lane(config.databaseUrl, config.databaseRole));
  }

  private lane(): Lane {
    const lane = this.lanes[this.next];
    this.next = (this.next + 1) % this.lanes.length;
    return lane;
  }

  /** Runs a statement that carries no key and no secret. */
  query<T>(run: (sql: Sql) => Promise<T>): Promise<T> {
    return run(this.lane().sql);
  }

  /**
   * Runs a statement that carries a key ring or a secret, on a checked connection. The
   * statement must return a `conf_loaded_at` column (pg_conf_load_time()).
   */
  async secretQuery<T extends { conf_loaded_at: string }>(run: (sql: Sql) => Promise<T[]>): Promise<T> {
    const lane = this.lane();
    await lane.ensureLogSafe();
    const [row] = await run(lane.sql);
    lane.observeConfLoadedAt(row.conf_loaded_at);
    return row;
  }

  async close(): Promise<void> {
    await Promise.all(this.lanes.map((lane) => lane.sql.end({ timeout: 5 })));
  }
}
