/**
 * What `npm run bench` measures and for how long, from the environment. Every value is
 * recorded in the results, so two runs can be compared knowing how each was made.
 */
export interface BenchSettings {
  /** Measured seconds per run (BENCH_SECONDS, default 5). */
  seconds: number;
  /** Seconds run and discarded before each measurement (BENCH_WARMUP, default 2). */
  warmup: number;
  /** Client counts every read scenario runs at (BENCH_CLIENTS, default 1,2,8,32). */
  clients: number[];
  /** A superuser URL of another PostgreSQL (BENCH_DATABASE_URL); default: a fresh embedded cluster. */
  databaseUrl?: string;
  /** Database connections of the Deno server (SFP_DB_POOL_SIZE of the functions). */
  poolSize: number;
  /** The large data set of the scale comparison. */
  scale: { integrations: number; projects: number; auditRows: number };
  /** Rows the in-SQL crypto cost is averaged over. */
  cryptoRows: number;
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

export function loadSettings(): BenchSettings {
  const clients = (process.env.BENCH_CLIENTS ?? "1,2,8,32").split(",").map((entry) => Number(entry.trim()));
  if (clients.some((count) => !Number.isInteger(count) || count < 1 || count > 64)) {
    throw new Error("BENCH_CLIENTS must be a comma-separated list of client counts between 1 and 64");
  }
  return {
    seconds: positive("BENCH_SECONDS", 5),
    warmup: process.env.BENCH_WARMUP === "0" ? 0 : positive("BENCH_WARMUP", 2),
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
