import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { PerRowCost } from "./crypto.ts";
import type { DataSetCounts, SeedReport } from "./seed.ts";
import type { BenchSettings } from "./settings.ts";
import type { LoadResult } from "./stats.ts";

/**
 * Everything one run measured, the ratios between figures of the same run (the only
 * figures worth comparing across runs on these shared machines), the targets' verdicts,
 * and their renderings: a terminal table, bench/results/<date>.json and
 * bench/results/latest.md (linked from docs/performance.md).
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
  crypto: { pgbench?: { plain: LoadResult; ours: LoadResult; pgp: LoadResult }; perRow?: PerRowCost };
  /** One call of the audit sealer with nothing to seal, after the reads, ms. */
  sealer?: { smallMs: number; largeMs: number };
  skipped: string[];
  ratios?: ReturnType<typeof computeRatios>;
  targets?: Verdict[];
}

export interface Verdict {
  target: string;
  value: string;
  met: boolean | null;
  verdict: string;
}

/** 100000 -> "100k", 10 -> "10": how the data sets are named in tables and targets. */
export function compact(count: number): string {
  if (count >= 1_000_000 && count % 100_000 === 0) return `${count / 1_000_000}M`;
  if (count >= 1_000 && count % 100 === 0) return `${count / 1_000}k`;
  return count.toLocaleString("en-US");
}

const sizes = (results: Results) => ({
  small: compact(results.dataSets.small.integrations),
  large: compact(results.dataSets.large?.integrations ?? results.settings.scale.integrations),
});

const ratio = (a?: number, b?: number) => (a !== undefined && b !== undefined && b > 0 ? a / b : undefined);

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

const x = (value?: number, digits = 2) => (value === undefined ? "-" : `${value.toFixed(digits)}x`);

/** "met (0.97 >= 0.90)" or "missed: 0.79 < 0.90 (short by 12%)". */
type Show = (value: number) => string;

function atLeast(target: string, value: number | undefined, floor: number, show: Show = x): Verdict {
  if (value === undefined) return { target, value: "-", met: null, verdict: "not measured" };
  const met = value >= floor;
  return {
    target,
    value: show(value),
    met,
    verdict: met
      ? `met (${show(value)} >= ${show(floor)})`
      : `missed: ${show(value)} < ${show(floor)} (short by ${((1 - value / floor) * 100).toFixed(0)}%)`,
  };
}

function atMost(target: string, value: number | undefined, ceiling: number, show: Show = x): Verdict {
  if (value === undefined) return { target, value: "-", met: null, verdict: "not measured" };
  const met = value <= ceiling;
  return {
    target,
    value: show(value),
    met,
    verdict: met
      ? `met (${show(value)} <= ${show(ceiling)})`
      : `missed: ${show(value)} > ${show(ceiling)} (over by ${((value / ceiling - 1) * 100).toFixed(0)}%)`,
  };
}

export function judge(results: Results): Verdict[] {
  const r = computeRatios(results);
  const at = (clients: number) => r.reads.find((row) => row.clients === clients);
  const reads = (clients: number) => results.reads.find((row) => row.clients === clients);
  const ms = (value: number) => `${value.toFixed(2)} ms`;
  const { small, large } = sizes(results);
  const verdicts: Verdict[] = [];
  for (const row of r.reads) {
    verdicts.push(atLeast(`credentials RPC tps >= 90% of floor (b), ${row.clients} client(s)`, row.rpcTpsOverFloorAudited, 0.9));
  }
  verdicts.push(atMost("crypto per row <= 3x a plain read of the row (by-key select, pgbench, 1 client)", r.crypto.pgbenchOursOverPlain, 3));
  // Inside a scan a plain read costs a fraction of a microsecond: this one compares the
  // crypto with almost nothing, and is reported for completeness (see the crypto table).
  verdicts.push(atMost("crypto per row <= 3x a plain read of the row (in-SQL, per row of a scan)", r.crypto.perRowOursOverPlain, 3, (v) => x(v, 1)));
  verdicts.push(atLeast("HTTP reads >= 60% of the RPC's tps, 8 clients", at(8)?.httpTpsOverRpc, 0.6));
  verdicts.push(atLeast("HTTP reads >= 45% of the RPC's tps, 1 client", at(1)?.httpTpsOverRpc, 0.45));
  verdicts.push(atMost("HTTP read p50 < 3 ms, 8 clients", reads(8)?.http?.p50Ms, 3, ms));
  for (const row of results.reads) {
    if (!row.http || !row.floorAudited) continue;
    verdicts.push({
      target: `HTTP read p99 next to floor (b)'s p99, ${row.clients} client(s)`,
      value: `${ms(row.http.p99Ms)} vs ${ms(row.floorAudited.p99Ms)}`,
      met: null,
      verdict: `reported: ${x(row.http.p99Ms / row.floorAudited.p99Ms)} floor (b)`,
    });
  }
  for (const row of r.reads) {
    verdicts.push(atMost(`scale: RPC p50 at ${large} / at ${small} integrations <= 1.2, ${row.clients} client(s)`, row.scaleRpcP50, 1.2));
  }
  for (const row of r.reads) {
    verdicts.push(atMost(`scale: HTTP p50 at ${large} / at ${small} integrations <= 1.2, ${row.clients} client(s)`, row.scaleHttpP50, 1.2));
  }
  return verdicts;
}

// ---- rendering ---------------------------------------------------------------------------

const num = (value?: number) => (value === undefined ? "-" : Math.round(value).toLocaleString("en-US"));
const msText = (value?: number) => (value === undefined ? "-" : value < 10 ? value.toFixed(2) : value.toFixed(1));
const us = (value?: number) => (value === undefined ? "-" : value < 10 ? value.toFixed(2) : value.toFixed(1));

interface Table {
  title: string;
  header: string[];
  rows: string[][];
  /** Columns aligned right (numbers). */
  right: number[];
}

function readsTable(results: Results): Table {
  const rows: string[][] = [];
  const ratios = computeRatios(results).reads;
  const { small, large } = sizes(results);
  for (const at of results.reads) {
    const q = ratios.find((row) => row.clients === at.clients)!;
    const floor = at.floorAudited;
    const line = (label: string, result: LoadResult | undefined, note: string) => {
      if (!result) return;
      rows.push([
        String(at.clients), label, num(result.tps), msText(result.p50Ms), msText(result.p99Ms),
        x(ratio(result.tps, floor?.tps)), x(ratio(result.p50Ms, floor?.p50Ms)), x(ratio(result.p99Ms, floor?.p99Ms)), note,
      ]);
    };
    line("floor (a) select by key", at.floorSelect, "");
    line("floor (b) select + audit insert, 1 tx", at.floorAudited, `tps ${x(q.floorAuditedTpsOverFloorSelect)} floor (a)`);
    line(`credentials RPC, ${small} integrations`, at.rpc, "");
    line(`credentials RPC, ${large} integrations`, at.rpcLarge, `p50 ${x(q.scaleRpcP50)} small`);
    line("HTTP /health/auth (no DB)", at.httpAuth, "");
    line(`HTTP credentials, ${small} integrations`, at.http, `tps ${x(q.httpTpsOverRpc)} RPC`);
    line(`HTTP credentials, ${large} integrations`, at.httpLarge, `p50 ${x(q.scaleHttpP50)} small`);
  }
  return {
    title: "Credential reads (ratios to floor (b) at the same client count)",
    header: ["clients", "scenario", "tps", "p50 ms", "p99 ms", "tps/(b)", "p50/(b)", "p99/(b)", "compared"],
    rows,
    right: [0, 2, 3, 4, 5, 6, 7],
  };
}

function writesTable(results: Results): Table {
  const ratios = computeRatios(results).writes;
  return {
    title: "Integration writes (create_integration behind the guard, 1 round trip)",
    header: ["clients", "tps", "p50 ms", "p99 ms", "tps/(b)", "p50/(b)"],
    rows: results.writes.map((w) => {
      const q = ratios.find((row) => row.clients === w.clients)!;
      return [String(w.clients), num(w.result.tps), msText(w.result.p50Ms), msText(w.result.p99Ms), x(q.tpsOverFloorAudited), x(q.p50OverFloorAudited)];
    }),
    right: [0, 1, 2, 3, 4, 5],
  };
}

function cryptoTable(results: Results): Table {
  const { pgbench, perRow } = results.crypto;
  const q = computeRatios(results).crypto;
  const row = (label: string, load?: LoadResult, costRatio?: number, perRowUs?: number, perRowRatio?: number) => [
    label, num(load?.tps), msText(load?.p50Ms), x(costRatio), us(perRowUs), x(perRowRatio, 1),
    perRowUs !== undefined && perRow ? us(perRowUs - perRow.plainUs) : "-",
  ];
  return {
    title: `Crypto per row (${perRow?.rows ?? "-"} rows; by-key select with pgbench at 1 client, and in-SQL over a scan)`,
    header: ["way", "select tps", "p50 ms", "cost/plain", "in-SQL us/row", "/plain", "us/row over plain"],
    rows: [
      row("plain text of the row", pgbench?.plain, 1, perRow?.plainUs, 1),
      row("sfp._open (AES-256-CBC + HMAC)", pgbench?.ours, q.pgbenchOursOverPlain, perRow?.oursUs, q.perRowOursOverPlain),
      row("pgp_sym_decrypt, defaults", pgbench?.pgp, q.pgbenchPgpOverPlain, perRow?.pgpUs, q.perRowPgpOverPlain),
    ],
    right: [1, 2, 3, 4, 5, 6],
  };
}

function dataTable(results: Results): Table {
  const { small, large, seeding } = results.dataSets;
  const mb = (bytes?: number) => (bytes === undefined ? "-" : `${Math.round(bytes / 1048576).toLocaleString("en-US")} MB`);
  const sealer = (value?: number) => (value === undefined ? "-" : `${msText(value)} ms`);
  const rows = [
    ["small", num(small.projects), num(small.integrations), num(small.auditRows), mb(small.databaseBytes), "-", sealer(results.sealer?.smallMs)],
  ];
  if (large) {
    rows.push(["large", num(large.projects), num(large.integrations), num(large.auditRows), mb(large.databaseBytes),
      seeding ? `${seeding.seconds.toFixed(0)} s` : "-", sealer(results.sealer?.largeMs)]);
  }
  return {
    title: "Data sets (counts before the reads; writes and crypto ran on the small one). Idle sealer: one " +
      "sfp_api.seal_audit_log() call with nothing to seal, after the reads (the server makes one every 5 s)",
    header: ["data set", "projects", "integrations", "audit rows", "size", "seeded in", "idle sealer"],
    rows,
    right: [1, 2, 3, 4, 5, 6],
  };
}

function targetsTable(verdicts: Verdict[]): Table {
  return {
    title: "Targets",
    header: ["target", "value", "verdict"],
    rows: verdicts.map((v) => [v.target, v.value, v.verdict]),
    right: [],
  };
}

function renderText(table: Table): string {
  const widths = table.header.map((h, i) => Math.max(h.length, ...table.rows.map((row) => row[i].length)));
  const cell = (text: string, i: number) => (table.right.includes(i) ? text.padStart(widths[i]) : text.padEnd(widths[i]));
  const lines = [table.title, table.header.map(cell).join("  ").trimEnd(), widths.map((w) => "-".repeat(w)).join("  ")];
  for (const row of table.rows) lines.push(row.map(cell).join("  ").trimEnd());
  return lines.join("\n");
}

function renderMarkdown(table: Table): string {
  const lines = [`**${table.title}**`, "", `| ${table.header.join(" | ")} |`,
    `| ${table.header.map((_, i) => (table.right.includes(i) ? "---:" : "---")).join(" | ")} |`];
  for (const row of table.rows) lines.push(`| ${row.map((c) => c.replaceAll("|", "\\|")).join(" | ")} |`);
  return lines.join("\n");
}

function tables(results: Results): Table[] {
  const list = [readsTable(results)];
  if (results.writes.length) list.push(writesTable(results));
  if (results.crypto.perRow || results.crypto.pgbench) list.push(cryptoTable(results));
  list.push(dataTable(results));
  list.push(targetsTable(results.targets ?? []));
  return list;
}

export function renderTerminal(results: Results): string {
  return tables(results).map(renderText).join("\n\n");
}

function environmentLine(results: Results): string {
  const e = results.environment;
  return `${e.postgres} (${e.postgresServer}), ${e.cores} cores (${e.cpu}), Node ${e.node}, ${e.deno}, ${e.pgbench ?? "no pgbench"}, ${e.wrk ?? "no wrk"}; ` +
    `${results.settings.seconds} s per run after ${results.settings.warmup} s of warm-up; functions pool SFP_DB_POOL_SIZE=${results.settings.poolSize}.`;
}

export function renderMarkdownReport(results: Results): string {
  return [
    `### Measured ${results.startedAt.slice(0, 10)} with \`npm run bench\``,
    "",
    environmentLine(results),
    `Read measured: \`${results.settings.readRequest}\` as the owner (one credential returned, audited).`,
    "Timings on shared machines drift: compare the ratios, which are taken between figures of the same run, each at the same client count.",
    ...(results.skipped.length ? ["", `Skipped: ${results.skipped.join("; ")}.`] : []),
    "",
    tables(results).map(renderMarkdown).join("\n\n"),
    "",
  ].join("\n");
}

export function writeResults(results: Results, dir: string): { json: string; markdown: string } {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, `${results.startedAt.slice(0, 10)}.json`);
  const markdown = join(dir, "latest.md");
  writeFileSync(json, JSON.stringify(results, null, 2) + "\n");
  writeFileSync(markdown, renderMarkdownReport(results));
  return { json, markdown };
}
