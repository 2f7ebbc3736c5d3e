/**
 * How commands print: aligned tables (and label/value records) for people, the data as JSON
 * with `--json` for scripts. Text from a server or from Jira may hold control characters
 * (an issue summary with an escape sequence could rewrite the terminal): cells are cleaned.
 */

/** One table column: its header and how a row shows in it. */
export interface Column<T> {
  header: string;
  value: (row: T) => string | number | boolean | null | undefined;
}

/** Control characters (C0, DEL, C1) become a space: nothing a terminal would interpret. */
export function cleanCell(value: unknown): string {
  if (value === null || value === undefined) return "";
  return String(value).replace(/[\u0000-\u001f\u007f-\u009f]+/g, " ");
}

/** The rows as an aligned table: a header line, then one line per row; columns two spaces apart. */
export function table<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = [
    columns.map((column) => column.header),
    ...rows.map((row) => columns.map((column) => cleanCell(column.value(row)))),
  ];
  // Widths in code points, so that a character outside the BMP counts once.
  const length = (cell: string) => [...cell].length;
  const widths = columns.map((_, index) => Math.max(...cells.map((line) => length(line[index]))));
  const pad = (cell: string, index: number) => cell + " ".repeat(widths[index] - length(cell));
  return cells.map((line) => line.map(pad).join("  ").trimEnd()).join("\n") + "\n";
}

/** Label/value pairs, the labels aligned: one object shown whole. */
export function record(pairs: readonly (readonly [string, unknown])[]): string {
  const width = Math.max(...pairs.map(([label]) => label.length));
  return pairs.map(([label, value]) => `${label.padEnd(width)}  ${cleanCell(value)}`.trimEnd()).join("\n") + "\n";
}

/** The data as pretty JSON, for --json. */
export function json(data: unknown): string {
  return JSON.stringify(data, null, 2) + "\n";
}
