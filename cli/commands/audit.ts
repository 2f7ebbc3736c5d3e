/**
 * `sfp server audit list | export | verify`: the audit log (owners). `list` pages as the API
 * does (`--cursor`, or `--all` to follow every page); `export` is every matching row as the
 * API's NDJSON; `verify` seals and checks the hash chain and exits 1 when it is broken.
 * The slow ones show a spinner on a terminal (progress.ts).
 */
import { type Command, Option } from "commander";
import type { AuditEntry, AuditExportQuery, AuditLogQuery, SfpClient } from "../../client/index.ts";
import { command, serverCommand } from "../command.ts";
import { integerArgument } from "../input.ts";
import { record, table } from "../output.ts";
import { withProgress } from "../progress.ts";
import { AUDIT_COLUMNS, brokenAt, verificationRecord } from "../views.ts";

type Outcome = NonNullable<AuditLogQuery["outcome"]>;
const OUTCOMES: Outcome[] = ["granted", "denied", "not_found", "invalid", "error", "succeeded"];

interface FilterOptions {
  actor?: string;
  action?: string;
  integrationId?: string;
  project?: string;
  outcome?: Outcome;
  from?: string;
  to?: string;
}

/** The API's filters (docs/http-api.md, "The audit log"); the server checks their values. */
function addFilterOptions(target: Command): Command {
  return target
    .option("--actor <actor>", "a user id, an email, or an application token id")
    .option("--action <action>", "e.g. credentials.read, integration.update")
    .option("--integration-id <id>", "rows about this integration")
    .option("--project <identifier>", "rows about this project")
    .addOption(new Option("--outcome <outcome>", "what came of it").choices(OUTCOMES))
    .option("--from <time>", "rows at or after this ISO 8601 time, e.g. 2026-12-01T00:00:00Z")
    .option("--to <time>", "rows before this ISO 8601 time (exclusive)");
}

function filters(options: FilterOptions): AuditExportQuery {
  const query: AuditExportQuery = {
    actor: options.actor,
    action: options.action,
    integration_id: options.integrationId,
    project: options.project,
    outcome: options.outcome,
    from: options.from,
    to: options.to,
  };
  return Object.fromEntries(Object.entries(query).filter(([, value]) => value !== undefined)) as AuditExportQuery;
}

interface ListOptions extends FilterOptions {
  limit?: number;
  cursor?: string;
  all?: boolean;
  json?: boolean;
}

/** Every page from `query`'s on, following next_cursor; the count so far on the spinner. */
async function everyPage(client: SfpClient, query: AuditLogQuery): Promise<AuditEntry[]> {
  return withProgress("Reading the audit log", async (setLabel) => {
    const items: AuditEntry[] = [];
    let cursor = query.cursor;
    do {
      const page = await client.listAuditLogs({ ...query, ...(cursor === undefined ? {} : { cursor }) });
      items.push(...page.items);
      setLabel(`Reading the audit log: ${items.length} rows`);
      cursor = page.next_cursor === null ? undefined : String(page.next_cursor);
    } while (cursor !== undefined);
    return items;
  });
}

export function addAuditCommands(server: Command): void {
  const audit = server.command("audit").description("the audit log: every credential read and every change, hash-chained (owners)");

  serverCommand<ListOptions>(
    addFilterOptions(command(audit, {
      name: "list",
      description: "audit rows, newest first, a page at a time (--cursor for the next) or every page with --all",
      example: "sfp server audit list --action credentials.read --outcome denied --limit 50",
    }))
      .option("--limit <n>", "rows per page, 1 to 1000 (the server's default: 100)", integerArgument(1, 1000))
      .option("--cursor <cursor>", "the page after the one that printed this cursor")
      .addOption(new Option("--all", "follow every page to the end").conflicts("cursor")),
    async (options, { client }) => {
      const query: AuditLogQuery = {
        ...filters(options),
        ...(options.limit === undefined ? {} : { limit: options.limit }),
        ...(options.cursor === undefined ? {} : { cursor: options.cursor }),
      };
      const page = options.all ? { items: await everyPage(client, query), next_cursor: null } : await client.listAuditLogs(query);
      const rows = page.items.length ? table(page.items, AUDIT_COLUMNS) : "No audit rows.\n";
      const more = page.next_cursor === null ? "" : `More rows: add --cursor ${page.next_cursor} (or --all)\n`;
      return { text: rows + more, data: page };
    },
  );

  serverCommand<FilterOptions & { json?: boolean }>(
    addFilterOptions(command(audit, {
      name: "export",
      description: "every matching row, newest first, one JSON object per line (NDJSON, for a SIEM); --json prints them as one JSON array",
      example: "sfp server audit export --from 2026-11-01T00:00:00Z > audit.ndjson",
    })),
    async (options, { client }) => {
      const rows = await withProgress("Exporting the audit log", () => client.exportAuditLog(filters(options)));
      return { text: rows.map((row) => `${JSON.stringify(row)}\n`).join(""), data: rows };
    },
  );

  serverCommand(
    command(audit, {
      name: "verify",
      description: "seals what has committed, then re-walks the hash chain and its keyed checkpoints; exit code 1 when broken",
      example: "sfp server audit verify",
    }),
    async (_options, { client }) => {
      const report = await withProgress("Verifying the audit log", () => client.verifyAuditLog());
      return {
        text: record(verificationRecord(report)),
        data: report,
        ...(report.ok ? {} : { failure: `the audit log is broken: ${brokenAt(report)}` }),
      };
    },
  );
}
