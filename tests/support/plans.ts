/**
 * The plans PostgreSQL chose for the statements a test runs, nested ones included (the
 * statements inside the sfp_api functions), as auto_explain prints them: to the one client
 * that asks, as notices, never to the server's log. For tests that prove a statement's plan
 * (an index used, no table walked) on data shaped to tempt the planner.
 */
import postgres from "postgres";
import { databaseUrl } from "../../stack/addresses.ts";
import type { TestStack } from "./test-stack.ts";

/** A node of a plan as EXPLAIN (FORMAT JSON) writes it: the fields the tests read. */
export interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  "Index Cond"?: string;
  "Recheck Cond"?: string;
  Filter?: string;
  /** With `analyze` (explainingSession): per loop, as EXPLAIN ANALYZE reports them. */
  "Actual Rows"?: number;
  "Actual Loops"?: number;
  "Rows Removed by Filter"?: number;
  "Rows Removed by Index Recheck"?: number;
  Plans?: PlanNode[];
}

export interface ExplainedStatement {
  "Query Text": string;
  Plan: PlanNode;
}

/** Every node of a plan, depth first (init plans, subplans and CTEs are among the children). */
export function nodesOf(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(nodesOf)];
}

/** "Index Scan on audit_log using audit_log_actor_idx": a node in one line, for exact comparisons. */
export function describeNode(node: PlanNode): string {
  return [node["Node Type"], node["Relation Name"] && `on ${node["Relation Name"]}`, node["Index Name"] && `using ${node["Index Name"]}`]
    .filter(Boolean).join(" ");
}

/** The rows a scan node read: those it returned and those its filters removed, over all its loops. */
export function rowsRead(node: PlanNode): number {
  const perLoop = (node["Actual Rows"] ?? 0) + (node["Rows Removed by Filter"] ?? 0) + (node["Rows Removed by Index Recheck"] ?? 0);
  return perLoop * (node["Actual Loops"] ?? 1);
}

/**
 * A superuser session of its own (plan caches and notices belong to a session) that prints
 * the plans of nested statements, as JSON, to `notices`, once a transaction asks for them
 * (explainHere): the log-safety guard refuses a session that would print every statement.
 * With `analyze`, the plans carry the rows each node returned and removed (no timings).
 */
export async function explainingSession(stack: TestStack, notices: postgres.Notice[], options: { analyze?: boolean } = {}): Promise<postgres.Sql> {
  const session = postgres(databaseUrl(stack.server.superuserUrl, stack.database), {
    max: 1,
    onnotice: (notice) => notices.push(notice),
  });
  await session`load 'auto_explain'`;
  await session`set auto_explain.log_nested_statements = on`;
  await session`set auto_explain.log_format = 'json'`;
  // Plans can hold a key ring as a constant: they go to this client, never to the server's log.
  await session`set auto_explain.log_level = 'notice'`;
  await session`set client_min_messages = 'notice'`;
  await session`set log_min_messages = 'warning'`;
  if (options.analyze) {
    await session`set auto_explain.log_analyze = on`;
    await session`set auto_explain.log_timing = off`;
  }
  return session;
}

/** Prints the plan of every statement in the rest of this transaction (superuser only). */
export async function explainHere(tx: postgres.TransactionSql): Promise<void> {
  await tx`set local auto_explain.log_min_duration = 0`;
}

/** The statements auto_explain printed (log_format json): "duration: 0.123 ms  plan:\n{...}". */
export function explainedStatements(notices: postgres.Notice[]): ExplainedStatement[] {
  return notices
    .map((notice) => String(notice.message))
    .filter((message) => /^duration: [\d.]+ ms\s+plan:\n\{/.test(message))
    .map((message) => JSON.parse(message.slice(message.indexOf("{"))) as ExplainedStatement);
}
