import { readdirSync, readFileSync, rmSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { redact, runChild } from "./processes.ts";
import { type LoadResult, percentile } from "./stats.ts";

/**
 * Runs one pgbench measurement and reads its per-transaction log.
 *
 * One pgbench process runs for warm-up + measured seconds; the transactions that completed
 * during the warm-up are dropped when the log is read. The warm-up thus happens on the very
 * connections that are then measured (their plans and catalog caches are warm), with no
 * second connection phase. Throughput, p50 and p99 come from the log, not from pgbench's
 * summary, so that all three cover the same window.
 *
 * Always `-n` (no vacuum of pgbench's own tables, which do not exist here) and `-M prepared`:
 * each statement is parsed and planned once per connection and each :variable travels as a
 * bind parameter, as postgres.js sends the server's statements (named prepared statements);
 * \startpipeline needs the extended protocol too. With `-M extended` every statement was
 * parsed and planned again on every transaction, which cost floor (b) far more than the read
 * (docs/performance.md).
 */
export interface Connection {
  host: string;
  port: string;
  user: string;
  password: string;
  database: string;
  /** PGOPTIONS: settings applied at connection start, in order. */
  options?: string;
}

export interface PgbenchRun {
  /** A short name, used for the log files. */
  name: string;
  /** The pgbench script file. */
  script: string;
  clients: number;
  connection: Connection;
  /** -D name=value: sent as bind parameters by -M prepared. */
  variables?: Record<string, string>;
  warmup: number;
  seconds: number;
  /** Where the per-transaction logs go (removed once read). */
  logDir: string;
  /** Values never to show in an error message. */
  secrets?: string[];
}

export async function runPgbench(pgbench: string, run: PgbenchRun): Promise<LoadResult> {
  const prefix = join(run.logDir, run.name.replace(/[^A-Za-z0-9_-]/g, "_"));
  const args = [
    "-n",
    "-M", "prepared",
    "-c", String(run.clients),
    "-j", String(Math.min(run.clients, 2)),
    "-T", String(Math.ceil(run.warmup + run.seconds)),
    "-f", run.script,
    "-l", `--log-prefix=${prefix}`,
  ];
  // The key ring reaches pgbench only here (argv of a throwaway key generated for this run).
  for (const [name, value] of Object.entries(run.variables ?? {})) args.push("-D", `${name}=${value}`);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    PGHOST: run.connection.host,
    PGPORT: run.connection.port,
    PGUSER: run.connection.user,
    PGPASSWORD: run.connection.password,
    PGDATABASE: run.connection.database,
    PGSSLMODE: "disable",
    PGAPPNAME: `sfp-bench-${run.name}`,
  };
  if (run.connection.options) env.PGOPTIONS = run.connection.options;

  const result = await runChild(pgbench, args, env);
  const logs = readdirSync(dirname(prefix)).filter((file) => file.startsWith(basename(prefix) + "."));
  try {
    if (result.code !== 0) {
      const output = redact(`${result.stderr}\n${result.stdout}`.trim(), [run.connection.password, ...(run.secrets ?? [])]);
      throw new Error(`pgbench ${run.name} (${run.clients} clients) exited with ${result.code}:\n${tail(output, 30)}`);
    }
    // pgbench 15 keeps going after a failed transaction only when told to retry; still, say so.
    const failed = /number of failed transactions: (\d+)/.exec(result.stdout);
    if (failed && Number(failed[1]) > 0) {
      throw new Error(`pgbench ${run.name} (${run.clients} clients): ${failed[1]} transactions failed`);
    }
    return readLogs(logs.map((file) => join(dirname(prefix), file)), run.warmup, run.seconds, run.name);
  } finally {
    for (const file of logs) rmSync(join(dirname(prefix), file), { force: true });
  }
}

/**
 * Reads pgbench's per-transaction logs: lines of
 *   client_id transaction_no latency_us script_no end_epoch_s end_us [...]
 * The run starts when the first transaction started; transactions ending in the first
 * `warmup` seconds are dropped, then `seconds` are measured.
 */
function readLogs(files: string[], warmup: number, seconds: number, name: string): LoadResult {
  const ends: number[] = [];
  const latencies: number[] = [];
  let start = Infinity;
  let failed = 0;
  for (const file of files) {
    for (const line of readFileSync(file, "utf8").split("\n")) {
      if (!line) continue;
      const fields = line.split(" ");
      if (fields[2] === "failed" || fields[2] === "skipped") {
        failed++;
        continue;
      }
      const latencyUs = Number(fields[2]);
      const endUs = Number(fields[4]) * 1e6 + Number(fields[5]);
      ends.push(endUs);
      latencies.push(latencyUs);
      start = Math.min(start, endUs - latencyUs);
    }
  }
  if (failed > 0) throw new Error(`pgbench ${name}: ${failed} transactions failed`);
  if (ends.length === 0) throw new Error(`pgbench ${name}: no transaction completed`);
  const from = start + warmup * 1e6;
  const lastEnd = ends.reduce((a, b) => Math.max(a, b), 0);
  const to = Math.min(from + seconds * 1e6, lastEnd);
  const window: number[] = [];
  for (let i = 0; i < ends.length; i++) if (ends[i] > from && ends[i] <= to) window.push(latencies[i]);
  if (window.length === 0) throw new Error(`pgbench ${name}: no transaction completed after the warm-up`);
  const sorted = Float64Array.from(window).sort();
  const windowSeconds = (to - from) / 1e6;
  return {
    tps: window.length / windowSeconds,
    p50Ms: percentile(sorted, 0.5) / 1000,
    p99Ms: percentile(sorted, 0.99) / 1000,
    count: window.length,
    seconds: windowSeconds,
    total: ends.length,
  };
}

function tail(text: string, lines: number): string {
  return text.split("\n").slice(-lines).join("\n");
}
