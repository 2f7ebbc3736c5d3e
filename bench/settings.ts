/**
 * What `npm run bench` measures and for how long, from its arguments and the environment.
 * Every value is recorded in the results, so two runs can be compared knowing how each was
 * made.
 */
export type BenchMode = "full" | "quick";

export interface BenchSettings {
  /**
   * full (the default): every scenario on both data sets. quick (`--quick`): the read
   * (floor (b) and the credentials RPC), the HTTP read and the writes on the small data set
   * only, at 1 and 8 clients, in under 2 minutes: a check while developing.
   */
  mode: BenchMode;
  /** Measured seconds per run (BENCH_SECONDS, default 5; quick: 3). */
  seconds: number;
  /** Seconds run and discarded before each measurement (BENCH_WARMUP, default 2; quick: 1). */
  warmup: number;
  /** Client counts every read scenario runs at (BENCH_CLIENTS, default 1,2,8,32; quick: 1,8). */
  clients: number[];
  /** A superuser URL of another PostgreSQL (BENCH_DATABASE_URL); default: a fresh embedded cluster. */
  databaseUrl?: string;
  /** Database connections of the Deno server (SFP_DB_POOL_SIZE of the functions). */
  poolSize: number;
  /** The large data set of the scale comparison and the audit listing (full runs only). */
  scale: { integrations: number; projects: number; auditRows: number };
  /** Rows the in-SQL crypto cost is averaged over. */
  cryptoRows: number;
}

const DEFAULTS: Record<BenchMode, { seconds: number; warmup: number; clients: string }> = {
  full: { seconds: 5, warmup: 2, clients: "1,2,8,32" },
  // 3 s after 1 s of warm-up keeps the quick run's 8 runs and its setup under 2 minutes.
  quick: { seconds: 3, warmup: 1, clients: "1,8" },
};

const USAGE = "usage: npm run bench [-- --quick]";

function modeOf(args: string[]): BenchMode {
  const unknown = args.filter((arg) => arg !== "--quick");
  if (unknown.length) throw new Error(`unknown argument ${JSON.stringify(unknown[0])}; ${USAGE}`);
  return args.includes("--quick") ? "quick" : "full";
}

function positive(name: string, fallback: number, integer = false): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new Error(`${name} must be a positive ${integer ? "integer" : "number"}`);
  }
  return value;
}

/** The settings of a run, from its command-line arguments (after `npm run bench --`) and BENCH_*. */
export function loadSettings(args: string[]): BenchSettings {
  const mode = modeOf(args);
  const defaults = DEFAULTS[mode];
  const clients = (process.env.BENCH_CLIENTS || defaults.clients).split(",").map((entry) => Number(entry.trim()));
  if (clients.some((count) => !Number.isInteger(count) || count < 1 || count > 64)) {
    throw new Error("BENCH_CLIENTS must be a comma-separated list of client counts between 1 and 64");
  }
  return {
    mode,
    seconds: positive("BENCH_SECONDS", defaults.seconds),
    warmup: process.env.BENCH_WARMUP === "0" ? 0 : positive("BENCH_WARMUP", defaults.warmup),
    clients,
    databaseUrl: process.env.BENCH_DATABASE_URL || undefined,
    poolSize: 8,
    scale: {
      integrations: positive("BENCH_SCALE_INTEGRATIONS", 100_000, true),
      projects: positive("BENCH_SCALE_PROJECTS", 10_000, true),
      auditRows: positive("BENCH_SCALE_AUDIT_ROWS", 5_000_000, true),
    },
    cryptoRows: 2_000,
  };
}
