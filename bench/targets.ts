import { computeRatios, type Results, sizes } from "./results.ts";

/**
 * The targets of issue 14, each judged on figures of the same run. Every run lists every
 * target, under the same names from run to run, so that two runs compare target by target
 * and a quick run's list reads like a full run's: a target this run did not measure (a
 * quick run's full-only scenarios, a client count not run, a tool missing) has value and
 * met null, and its verdict says why. Missing a target never fails the run.
 */
export interface Target {
  name: string;
  /** The measured figure: a ratio ("x"), or milliseconds ("ms"); null when not measured. */
  value: number | null;
  limit: number;
  /** How value must compare with limit for the target to be met. */
  op: ">=" | "<=" | "<";
  unit: "x" | "ms";
  met: boolean | null;
  /** "met (0.97x >= 0.90x)", "missed: 0.79x < 0.90x (short by 12%)", or why it was not measured. */
  verdict: string;
}

/** The client counts the issue sets its per-client-count targets at. */
const TARGET_CLIENTS = [1, 2, 8, 32];

/** The audit listing's filters, in the order they are measured and listed. */
export const AUDIT_FILTERS = ["project", "actor", "token", "integration"] as const;
export type AuditFilter = (typeof AUDIT_FILTERS)[number];

export const show = (value: number, unit: Target["unit"]) => (unit === "ms" ? `${value.toFixed(2)} ms` : `${value.toFixed(2)}x`);

const FAILED_OP = { ">=": "<", "<=": ">", "<": ">=" } as const;

function target(name: string, value: number | undefined, op: Target["op"], limit: number, unit: Target["unit"], absent: string): Target {
  if (value === undefined || !Number.isFinite(value)) {
    return { name, value: null, limit, op, unit, met: null, verdict: `not measured: ${absent}` };
  }
  const met = op === ">=" ? value >= limit : op === "<=" ? value <= limit : value < limit;
  const off = op === ">=" ? `short by ${((1 - value / limit) * 100).toFixed(0)}%` : `over by ${((value / limit - 1) * 100).toFixed(0)}%`;
  return {
    name, value, limit, op, unit, met,
    verdict: met ? `met (${show(value, unit)} ${op} ${show(limit, unit)})` : `missed: ${show(value, unit)} ${FAILED_OP[op]} ${show(limit, unit)} (${off})`,
  };
}

export function judge(results: Results): Target[] {
  const r = computeRatios(results);
  const ratiosAt = (clients: number) => r.reads.find((row) => row.clients === clients);
  const readsAt = (clients: number) => results.reads.find((row) => row.clients === clients);
  const { small, large, largeAuditRows } = sizes(results);
  const quick = results.settings.mode === "quick";
  const why = (clients?: number, fullOnly = false) =>
    fullOnly && quick ? "full runs only"
    : clients !== undefined && !results.settings.clients.includes(clients) ? `no run at ${clients} client(s)`
    : results.skipped.length ? `skipped (${results.skipped.join("; ")})`
    : "no figure";
  const clientCounts = [...new Set([...TARGET_CLIENTS, ...results.settings.clients])].sort((a, b) => a - b);
  const perClients = (make: (clients: number) => Target) => clientCounts.map(make);
  const clientsText = (clients: number) => `${clients} client${clients === 1 ? "" : "s"}`;

  return [
    ...perClients((c) => target(`credentials RPC tps >= 0.9x floor (b), ${clientsText(c)}`,
      ratiosAt(c)?.rpcTpsOverFloorAudited, ">=", 0.9, "x", why(c))),
    target("HTTP read tps >= 0.6x the credentials RPC, 8 clients", ratiosAt(8)?.httpTpsOverRpc, ">=", 0.6, "x", why(8)),
    target("HTTP read tps >= 0.45x the credentials RPC, 1 client", ratiosAt(1)?.httpTpsOverRpc, ">=", 0.45, "x", why(1)),
    target("HTTP read p50 < 3 ms, 8 clients", readsAt(8)?.http?.p50Ms, "<", 3, "ms", why(8)),
    ...perClients((c) => target(`HTTP read p99 <= 4x floor (b)'s p99, ${clientsText(c)}`,
      ratiosAt(c)?.httpP99OverFloorAudited, "<=", 4, "x", why(c))),
    ...perClients((c) => target(`writes (create integration) tps >= 0.6x floor (b), ${clientsText(c)}`,
      r.writes.find((row) => row.clients === c)?.tpsOverFloorAudited, ">=", 0.6, "x", why(c))),
    ...perClients((c) => target(`scale: credentials RPC p50 at ${large} / at ${small} integrations <= 1.2, ${clientsText(c)}`,
      ratiosAt(c)?.scaleRpcP50, "<=", 1.2, "x", why(c, true))),
    ...perClients((c) => target(`scale: HTTP read p50 at ${large} / at ${small} integrations <= 1.2, ${clientsText(c)}`,
      ratiosAt(c)?.scaleHttpP50, "<=", 1.2, "x", why(c, true))),
    ...AUDIT_FILTERS.map((filter) => target(`audit listing p50 < 50 ms at ${largeAuditRows} audit rows, filtered by ${filter}`,
      results.auditListing.find((run) => run.filter === filter)?.result.p50Ms, "<", 50, "ms", why(undefined, true))),
  ];
}
