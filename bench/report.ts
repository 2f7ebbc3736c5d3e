import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { computeRatios, ratio, type Results, sizes } from "./results.ts";
import type { LoadResult } from "./stats.ts";
import { show, type Target } from "./targets.ts";

/**
 * A run's renderings: a terminal table, and the files under bench/results/ (linked from
 * docs/performance.md): latest.json (every figure, and the targets as {name, value, limit,
 * met, ...}) and latest.md from every run, and <date>.json from full runs only, so that a
 * quick run never replaces the day's full one.
 */

const x = (value?: number, digits = 2) => (value === undefined ? "-" : `${value.toFixed(digits)}x`);

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
    line("floor (b) select + audit insert, 1 tx", at.floorAudited, at.floorSelect ? `tps ${x(q.floorAuditedTpsOverFloorSelect)} floor (a)` : "");
    line(`credentials RPC, ${small} integrations`, at.rpc, "");
    line(`credentials RPC, ${large} integrations`, at.rpcLarge, `p50 ${x(q.scaleRpcP50)} small`);
    line("HTTP /health/auth (no DB)", at.httpAuth, "");
    line(`HTTP credentials, ${small} integrations`, at.http, `tps ${x(q.httpTpsOverRpc)} RPC`);
    line(`HTTP credentials, ${large} integrations`, at.httpLarge, `p50 ${x(q.scaleHttpP50)} small`);
  }
  const rowSizes = results.auditRowSizes;
  return {
    title: "Credential reads (ratios to floor (b) at the same client count)" + (rowSizes
      ? `; floor (b)'s audit row: ${Math.round(rowSizes.floorBytes)} bytes, the RPC's: ${Math.round(rowSizes.rpcBytes)} bytes`
      : ""),
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

/**
 * The targets this run measured; the others are counted in the title, grouped by why (all of
 * them are in latest.json, with met null), so that a quick run's table stays short.
 */
function targetsTable(targets: Target[]): Table {
  const measured = targets.filter((t) => t.met !== null);
  const met = measured.filter((t) => t.met).length;
  const absent = new Map<string, number>();
  for (const t of targets) if (t.met === null) absent.set(t.verdict, (absent.get(t.verdict) ?? 0) + 1);
  const notMeasured = [...absent].map(([why, count]) => `${count} ${why.replace(/^not measured: /, "")}`).join(", ");
  return {
    title: `Targets: ${met} met, ${measured.length - met} missed` + (absent.size ? `; not measured: ${notMeasured}` : ""),
    header: ["target", "value", "verdict"],
    rows: measured.map((t) => [t.name, show(t.value!, t.unit), t.verdict]),
    right: [],
  };
}

function auditListingTable(results: Results): Table {
  return {
    title: `Audit listing on the large data set (GET /sfp/api/audit-logs, one filter, first page of 100, 1 client, as the owner)`,
    header: ["filter", "request", "rows on page", "more pages", "rps", "p50 ms", "p99 ms"],
    rows: results.auditListing.map((run) => [
      run.filter, run.path, String(run.page.items), run.page.more ? "yes" : "no", num(run.result.tps), msText(run.result.p50Ms), msText(run.result.p99Ms),
    ]),
    right: [2, 4, 5, 6],
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
  if (results.auditListing.length) list.push(auditListingTable(results));
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

const MODES = {
  full: "`npm run bench` (full run)",
  quick: "`npm run bench -- --quick` (quick run: small data set, no floor (a), scale, audit listing or crypto)",
};

export function renderMarkdownReport(results: Results): string {
  return [
    `### Measured ${results.startedAt.slice(0, 10)} with ${MODES[results.settings.mode]}`,
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

/** Writes latest.json and latest.md, and a full run's <date>.json; returns the paths written. */
export function writeResults(results: Results, dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const json = JSON.stringify(results, null, 2) + "\n";
  const files: [string, string][] = [[join(dir, "latest.json"), json], [join(dir, "latest.md"), renderMarkdownReport(results)]];
  if (results.settings.mode === "full") files.unshift([join(dir, `${results.startedAt.slice(0, 10)}.json`), json]);
  for (const [path, text] of files) writeFileSync(path, text);
  return files.map(([path]) => path);
}
