import type { PerRowCost } from "./crypto.ts";
import type { DataSetCounts, SeedReport } from "./seed.ts";
import type { BenchSettings } from "./settings.ts";
import type { LoadResult } from "./stats.ts";
import type { Target } from "./targets.ts";

/**
 * Everything one run measured, and the ratios between figures of the same run: the only
 * figures worth comparing across runs on these shared machines. Judged in targets.ts,
 * rendered and written in report.ts.
 */
export interface ReadsAt {
  clients: number;
  floorSelect?: LoadResult;
  floorAudited?: LoadResult;
  rpc?: LoadResult;
  rpcLarge?: LoadResult;
  httpAuth?: LoadResult;
  http?: LoadResult;
  httpLarge?: LoadResult;
}

/** One filtered page of GET /sfp/api/audit-logs on the large data set (full runs). */
export interface AuditListingRun {
  /** project, actor, token or integration. */
  filter: string;
  /** The request, without the host. */
  path: string;
  result: LoadResult;
  /** The page answered before timing: its rows (at most 100) and whether another follows. */
  page: { items: number; more: boolean };
}

/** The average stored size of floor (b)'s audit row and of the row the credentials RPC writes. */
export interface AuditRowSizes {
  floorBytes: number;
  rpcBytes: number;
}

export interface Results {
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  environment: {
    postgres: string;
    postgresServer: "embedded" | "BENCH_DATABASE_URL";
    serverSettings: Record<string, string>;
    cores: number;
    cpu: string;
    os: string;
    node: string;
    deno: string;
    pgbench?: string;
    wrk?: string;
  };
  settings: BenchSettings & { readRequest: string };
  dataSets: { small: DataSetCounts; large?: DataSetCounts; seeding?: SeedReport };
  reads: ReadsAt[];
  writes: { clients: number; result: LoadResult }[];
  auditListing: AuditListingRun[];
  auditRowSizes?: AuditRowSizes;
  crypto: { pgbench?: { plain: LoadResult; ours: LoadResult; pgp: LoadResult }; perRow?: PerRowCost };
  /** One call of the audit sealer with nothing to seal, after the reads, ms (full runs). */
  sealer?: { smallMs: number; largeMs: number };
  skipped: string[];
  ratios?: ReturnType<typeof computeRatios>;
  targets?: Target[];
}

/** 100000 -> "100k", 10 -> "10": how the data sets are named in tables and targets. */
export function compact(count: number): string {
  if (count >= 1_000_000 && count % 100_000 === 0) return `${count / 1_000_000}M`;
  if (count >= 1_000 && count % 100 === 0) return `${count / 1_000}k`;
  return count.toLocaleString("en-US");
}

/** The data sets' names; a quick run, which has no large one, names the one it would seed. */
export const sizes = (results: Results) => ({
  small: compact(results.dataSets.small.integrations),
  large: compact(results.dataSets.large?.integrations ?? results.settings.scale.integrations),
  largeAuditRows: compact(results.dataSets.large?.auditRows ?? results.settings.scale.auditRows),
});

export const ratio = (a?: number, b?: number) => (a !== undefined && b !== undefined && b > 0 ? a / b : undefined);

export function computeRatios(results: Results) {
  return {
    reads: results.reads.map((r) => ({
      clients: r.clients,
      floorAuditedTpsOverFloorSelect: ratio(r.floorAudited?.tps, r.floorSelect?.tps),
      rpcTpsOverFloorAudited: ratio(r.rpc?.tps, r.floorAudited?.tps),
      rpcP50OverFloorAudited: ratio(r.rpc?.p50Ms, r.floorAudited?.p50Ms),
      rpcP99OverFloorAudited: ratio(r.rpc?.p99Ms, r.floorAudited?.p99Ms),
      httpTpsOverRpc: ratio(r.http?.tps, r.rpc?.tps),
      httpTpsOverFloorAudited: ratio(r.http?.tps, r.floorAudited?.tps),
      httpP50OverFloorAudited: ratio(r.http?.p50Ms, r.floorAudited?.p50Ms),
      httpP99OverFloorAudited: ratio(r.http?.p99Ms, r.floorAudited?.p99Ms),
      httpTpsOverHttpAuth: ratio(r.http?.tps, r.httpAuth?.tps),
      httpAuthTpsOverFloorAudited: ratio(r.httpAuth?.tps, r.floorAudited?.tps),
      scaleRpcP50: ratio(r.rpcLarge?.p50Ms, r.rpc?.p50Ms),
      scaleRpcTps: ratio(r.rpcLarge?.tps, r.rpc?.tps),
      scaleHttpP50: ratio(r.httpLarge?.p50Ms, r.http?.p50Ms),
      scaleHttpTps: ratio(r.httpLarge?.tps, r.http?.tps),
    })),
    writes: results.writes.map((w) => {
      const floor = results.reads.find((r) => r.clients === w.clients)?.floorAudited;
      return { clients: w.clients, tpsOverFloorAudited: ratio(w.result.tps, floor?.tps), p50OverFloorAudited: ratio(w.result.p50Ms, floor?.p50Ms) };
    }),
    crypto: {
      // Cost of a by-key read relative to reading the plain text: the inverse of throughput.
      pgbenchOursOverPlain: ratio(results.crypto.pgbench?.plain.tps, results.crypto.pgbench?.ours.tps),
      pgbenchPgpOverPlain: ratio(results.crypto.pgbench?.plain.tps, results.crypto.pgbench?.pgp.tps),
      perRowOursOverPlain: ratio(results.crypto.perRow?.oursUs, results.crypto.perRow?.plainUs),
      perRowPgpOverPlain: ratio(results.crypto.perRow?.pgpUs, results.crypto.perRow?.plainUs),
      perRowPgpOverOurs: ratio(results.crypto.perRow?.pgpUs, results.crypto.perRow?.oursUs),
    },
  };
}
