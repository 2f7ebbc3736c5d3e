import postgres from "postgres";
import type { Config } from "./config.ts";
import { databaseUnavailable } from "./errors.ts";
import { withNeededKeys } from "./keyring.ts";

/**
 * The database connections of the Edge Functions, and the guard that keeps keys and
 * secrets out of PostgreSQL's log.
 *
 * PostgreSQL writes bind parameters into its log when statement or duration logging is on,
 * pgaudit writes function arguments when its parameter logging is on (docs/security.md, "The
 * log guard"), and log_statement = all logs a statement before any SQL inside it runs,
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
 * client with exactly one connection (so an explicit BEGIN is allowed). A call takes a free
 * lane (the one with the fewest calls in flight, the first among equals), so that a request
 * never queues behind a slow one while another lane sits idle.
 */
export type Sql = postgres.Sql;

/** The rejection of a call that ran out of time (never shown to a client). */
const DEADLINE = Symbol("deadline");

/**
 * Session settings that keep this session's bind parameters and function arguments out of
 * every log, whatever the server's configuration: they outrank the configuration file, ALTER
 * SYSTEM and per-role or per-database settings, reloads included. Superuser-only settings:
 * the login role needs GRANT SET ON PARAMETER (sql/bootstrap.sql does it locally). The guard
 * stays, for servers where the login role may not set them.
 */
export const HIDDEN_PARAMETERS = ["log_parameter_max_length=0", "log_parameter_max_length_on_error=0"];
/** pgaudit's, set the same way; a server that has pgaudit loaded refuses it to a role without the grant. */
export const HIDDEN_PGAUDIT_PARAMETERS = ["pgaudit.log_parameter=off"];

/** The startup `options` string for a list of settings. */
export function sessionOptions(settings: string[]): string {
  return settings.map((setting) => `-c ${setting}`).join(" ");
}

/** A value sent as a json parameter (cast to jsonb in the statement); postgres.js serialises it. */
export function jsonb(sql: Sql, value: object): postgres.Parameter {
  return sql.json(value as postgres.JSONValue);
}

type DatabaseConfig = Pick<
  Config,
  | "databaseUrl"
  | "databaseRole"
  | "poolSize"
  | "hideParameters"
  | "keyRing"
  | "databaseDeadlineMs"
  | "databaseConnectSeconds"
  | "databaseIdleSeconds"
>;

/**
 * A lane's client and what the pool knows of its use. A call keeps the Lane it started on, so
 * that what it counts stays with that client: a call still running on a client that was
 * replaced (at the deadline, or in an opening given up on) never counts against its successor.
 */
interface Lane {
  sql: Sql;
  /** Calls in flight on this client. */
  busy: number;
  /** When this client last finished a call (performance.now(): a clock that never steps back). */
  lastUsed?: number;
}

/**
 * A request never waits on a dead database: connecting gives up after
 * `databaseConnectSeconds`, and every call (its transaction included) after
 * `databaseDeadlineMs`; then the request is answered 503 "The database is unavailable; retry
 * later" with Retry-After, and the lane's connection, which may be stuck on a dead socket, is
 * replaced by a fresh one, so that the next request on it connects anew. A lane idle for
 * `databaseIdleSeconds` gets a fresh client on its next call, and its connection is closed:
 * under light load only the first lane serves (freeLane), and without this the others would keep
 * their connections open, one whose peer stopped answering among them, until a burst met it.
 */
export class Database {
  private lanes: Lane[] | undefined;
  private settings: string[] = [];
  private opening: Promise<Lane[]> | undefined;

  constructor(private readonly config: DatabaseConfig) {}

  private lane(): Lane {
    return { sql: this.client(), busy: 0 };
  }

  private client(): Sql {
    const connection: Record<string, string> = { application_name: "sfp-integrations" };
    // Acting as service_role from the start of the session costs no round trip per request.
    if (this.config.databaseRole) connection.role = this.config.databaseRole;
    if (this.settings.length) connection.options = sessionOptions(this.settings);
    return postgres(this.config.databaseUrl, {
      max: 1,
      connection,
      connect_timeout: this.config.databaseConnectSeconds,
      // A second later than idleTooLong: the lane is given a fresh client before postgres.js
      // starts closing the old one, never while a call could still be queued on it.
      idle_timeout: this.config.databaseIdleSeconds > 0 ? this.config.databaseIdleSeconds + 1 : 0,
      onnotice: () => {},
    });
  }

  private connect(settings: string[]): Lane[] {
    this.settings = settings;
    return Array.from({ length: this.config.poolSize }, () => this.lane());
  }

  /**
   * The lanes, opened on first use. With hidden parameters, the first connection tells
   * whether the login role may set pgaudit.log_parameter: where pgaudit is loaded and the
   * role lacks the grant, the server refuses the session (42501), and the lanes start without
   * that setting (the guard then refuses credential work while pgaudit would log arguments).
   */
  private open(): Promise<Lane[]> {
    if (this.lanes) return Promise.resolve(this.lanes);
    if (!this.opening) {
      // Only the opening still in force installs its lanes: one given up on (onLane) does not.
      const opening: Promise<Lane[]> = this.openLanes().then((lanes) => {
        if (this.opening === opening) this.lanes = lanes;
        return lanes;
      }, (error) => {
        if (this.opening === opening) this.opening = undefined;
        throw error;
      });
      this.opening = opening;
    }
    return this.opening;
  }

  private async openLanes(): Promise<Lane[]> {
    if (!this.config.hideParameters) return this.connect([]);
    const lanes = this.connect([...HIDDEN_PARAMETERS, ...HIDDEN_PGAUDIT_PARAMETERS]);
    try {
      await lanes[0].sql`select 1`;
      return lanes;
    } catch (error) {
      const { code, message } = error as { code?: string; message?: string };
      if (code !== "42501" || !message?.includes("pgaudit")) return lanes; // not ours to decide: the request fails as usual
      await Promise.all(lanes.map((lane) => lane.sql.end({ timeout: 1 })));
      console.warn(JSON.stringify({
        level: "warn",
        message: "The login role may not set pgaudit.log_parameter; sessions start without it (credential work is refused while pgaudit would log arguments)",
      }));
      return this.connect(HIDDEN_PARAMETERS);
    }
  }

  /**
   * Runs `work` on the next lane, answering 503 when the database cannot be reached in time
   * (see the class comment). A connection error is answered 503 too (errors.ts).
   */
  private async onLane<T>(work: (sql: Sql) => Promise<T>): Promise<T> {
    let lanes = this.lanes;
    if (!lanes) {
      try {
        lanes = await this.withDeadline(this.open());
      } catch (error) {
        if (error !== DEADLINE) throw error;
        // Opening hangs (a pooler that never answers): start over on the next request.
        const opening = this.opening;
        this.opening = undefined;
        opening?.then((stuck) => Promise.all(stuck.map((lane) => lane.sql.end({ timeout: 0 })))).catch(() => {});
        throw databaseUnavailable();
      }
    }
    const index = this.freeLane(lanes);
    if (this.idleTooLong(lanes[index])) {
      // Not postgres.js's own reconnect: its close of an idle connection never completes when
      // the peer stopped answering, and a call queued on that client would wait for the deadline.
      this.replaceLane(lanes, index, lanes[index]);
    }
    const lane = lanes[index];
    lane.busy++;
    try {
      return await this.withDeadline(work(lane.sql));
    } catch (error) {
      if (error === DEADLINE) {
        // The connection may hang on a dead socket: give the lane a fresh one.
        this.replaceLane(lanes, index, lane);
        throw databaseUnavailable();
      }
      throw error;
    } finally {
      lane.busy--;
      lane.lastUsed = performance.now();
    }
  }

  /** Gives slot `index` a fresh lane unless that happened already, ending `lane`'s client without waiting. */
  private replaceLane(lanes: Lane[], index: number, lane: Lane): void {
    if (lanes[index] === lane) lanes[index] = this.lane();
    lane.sql.end({ timeout: 0 }).catch(() => {});
  }

  /** Whether a lane, with no call in flight, has been idle for `databaseIdleSeconds`. */
  private idleTooLong(lane: Lane): boolean {
    const idleMs = this.config.databaseIdleSeconds * 1000;
    return idleMs > 0 && lane.lastUsed !== undefined && lane.busy === 0 && performance.now() - lane.lastUsed >= idleMs;
  }

  /**
   * The lane with the fewest calls in flight; among equals, the first. Not the next in turn:
   * one backend kept busy answers a read with less CPU than eight taking turns (measured at 1
   * client: about 820 instead of 1,040 us of database CPU and 570 instead of 720 us of the
   * functions' per read; the cause, caches or scheduling, was not isolated: docs/performance.md).
   * Under load every lane still serves, and none queues behind a slow call while another idles.
   */
  private freeLane(lanes: Lane[]): number {
    let chosen = 0;
    for (let index = 1; index < lanes.length && lanes[chosen].busy > 0; index++) {
      if (lanes[index].busy < lanes[chosen].busy) chosen = index;
    }
    return chosen;
  }

  private withDeadline<T>(work: Promise<T>): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(DEADLINE), this.config.databaseDeadlineMs);
    });
    return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
  }

  /** Runs a statement that carries no key and no secret. */
  query<T>(run: (sql: Sql) => Promise<T>): Promise<T> {
    return this.onLane(run);
  }

  /** Whether the database answers now (the readiness check): `select 1` within the deadline. */
  async ready(): Promise<boolean> {
    try {
      await this.query((sql) => sql`select 1`);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Runs one statement that carries a key ring or a secret, behind the log-safety guard, in
   * its own transaction. `keyring` is the jsonb parameter of the key ring with the current key
   * only; a call that meets rows under other versions asks for them (SFK03) and runs again
   * with them. Refuses with 503 (SFL01) when the database would log parameters.
   */
  secretQuery<T>(run: (sql: Sql, keyring: postgres.Parameter) => postgres.PendingQuery<postgres.Row[]>): Promise<T> {
    return withNeededKeys(this.config.keyRing, (keyring) => this.guarded<T>((sql) => run(sql, jsonb(sql, keyring))));
  }

  /** `begin; select sfp_api.guard_log_safety(); <statement>; commit`, in one network write. */
  private guarded<T>(run: (sql: Sql) => postgres.PendingQuery<postgres.Row[]>): Promise<T> {
    return this.onLane((sql) => this.pipelined<T>(sql, run));
  }

  private async pipelined<T>(sql: Sql, run: (sql: Sql) => postgres.PendingQuery<postgres.Row[]>): Promise<T> {
    // Built before anything is queued: a statement that fails to build leaves no open transaction.
    const call = run(sql);
    // Queued synchronously on the lane's one connection: written together, run in order.
    const steps = [
      sql`begin`.execute(),
      sql`select sfp_api.guard_log_safety()`.execute(),
      call.execute(),
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
    const lanes = this.lanes ?? await this.opening?.catch(() => undefined);
    await Promise.all((lanes ?? []).map((lane) => lane.sql.end({ timeout: 5 })));
  }
}

