/**
 * One catalogue of error codes (docs/architecture.md, "SQL conventions"), kept in step in
 * four places: the SQLSTATEs the migrations raise, SQLSTATE_STATUS in
 * functions/_shared/errors.ts (the HTTP mapper), the catalogue comment at the top of the
 * *_schemas.sql migration, and the SQLSTATE table of docs/rpc.md. Proves:
 *   - every raise in the migrations carries an explicit SQLSTATE;
 *   - every raised SQLSTATE is mapped to an HTTP status;
 *   - every mapped SQLSTATE is raised by a migration, or is a standard PostgreSQL code the
 *     server raises by itself;
 *   - the catalogue comment lists every code, with the status the mapper gives it;
 *   - docs/rpc.md's table lists exactly those codes, with those statuses.
 * And that the documentation holds together: every relative link in README.md and docs/
 * points to a file that exists (and to a heading that exists, when it names one).
 * Reads files only: no database.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { SQLSTATE_STATUS } from "../functions/_shared/errors.ts";

const ROOT = join(import.meta.dirname, "..");
const MIGRATIONS = join(ROOT, "supabase", "migrations");
const migrationFiles = readdirSync(MIGRATIONS).filter((name) => name.endsWith(".sql")).sort();
const migrations = migrationFiles.map((name) => ({ name, text: readFileSync(join(MIGRATIONS, name), "utf8") }));

/** Standard PostgreSQL codes the mapper may list although no migration raises them. */
const STANDARD_CODES: Record<string, string> = {
  "22023": "invalid_parameter_value",
  "23505": "unique_violation",
  "42501": "insufficient_privilege",
};

function raisedCodes(): Set<string> {
  const codes = new Set<string>();
  for (const { text } of migrations) {
    for (const match of text.matchAll(/errcode\s*=\s*'([0-9A-Z]{5})'/g)) codes.add(match[1]);
  }
  return codes;
}

/** code -> HTTP status, from the comment lines at the top of the *_schemas.sql migration. */
function documentedCatalogue(): Map<string, number> {
  const schemas = migrations.find(({ name }) => name.endsWith("_schemas.sql"));
  expect(schemas, "a *_schemas.sql migration").toBeDefined();
  const header: string[] = [];
  for (const line of schemas!.text.split("\n")) {
    if (!line.startsWith("--")) break;
    header.push(line);
  }
  const catalogue = new Map<string, number>();
  const start = header.findIndex((line) => /error codes/i.test(line));
  expect(start, "an 'Error codes' paragraph in the header comment").toBeGreaterThanOrEqual(0);
  for (const line of header.slice(start)) {
    for (const match of line.matchAll(/\b([0-9A-Z]{5})\b[^>\n]*?->\s*(\d{3})/g)) {
      if (/\d/.test(match[1])) catalogue.set(match[1], Number(match[2]));
    }
  }
  return catalogue;
}

/** code -> HTTP status, from the `| SQLSTATE | HTTP | meaning |` table of docs/rpc.md. */
function rpcDocumentTable(): Map<string, number> {
  const lines = readFileSync(join(ROOT, "docs", "rpc.md"), "utf8").split("\n");
  const header = lines.findIndex((line) => /^\|\s*SQLSTATE\s*\|\s*HTTP\s*\|/.test(line));
  expect(header, "a | SQLSTATE | HTTP | meaning | table in docs/rpc.md").toBeGreaterThanOrEqual(0);
  const table = new Map<string, number>();
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith("|")) break;
    const [code, status] = line.split("|").slice(1, 3).map((cell) => cell.trim());
    expect(table.has(code), `${code} listed once in docs/rpc.md`).toBe(false);
    table.set(code, Number(status));
  }
  return table;
}

describe("the SQLSTATE catalogue", () => {
  it("the migrations raise at least one SQLSTATE (the scan found them)", () => {
    expect(migrationFiles.length).toBeGreaterThan(0);
    expect(raisedCodes().size).toBeGreaterThan(0);
  });

  it("every raise of an exception in the migrations carries an explicit SQLSTATE", () => {
    const bare: string[] = [];
    for (const { name, text } of migrations) {
      // Comments are prose ("a raise would roll the audit row back"), not statements.
      const code = text.replace(/--[^\n]*/g, "").replace(/\/\*[\s\S]*?\*\//g, "");
      // Notices are messages, not errors: only exceptions need a code.
      for (const match of code.matchAll(/\braise\b(?!\s+(?:notice|warning|info|log|debug)\b)[\s\S]*?;/gi)) {
        if (!/\busing\b[\s\S]*\berrcode\s*=/i.test(match[0])) bare.push(`${name}: ${match[0].replace(/\s+/g, " ")}`);
      }
    }
    expect(bare).toEqual([]);
  });

  it("every SQLSTATE the migrations raise has an HTTP status in SQLSTATE_STATUS", () => {
    const unmapped = [...raisedCodes()].filter((code) => !(code in SQLSTATE_STATUS)).sort();
    expect(unmapped).toEqual([]);
  });

  it("every SQLSTATE in SQLSTATE_STATUS is raised by a migration or is a standard PostgreSQL code", () => {
    const raised = raisedCodes();
    const unexplained = Object.keys(SQLSTATE_STATUS).filter((code) => !raised.has(code) && !(code in STANDARD_CODES)).sort();
    expect(unexplained).toEqual([]);
  });

  it("the catalogue comment of the schemas migration lists every code with the status the mapper gives it", () => {
    const documented = documentedCatalogue();
    const codes = [...new Set([...raisedCodes(), ...Object.keys(SQLSTATE_STATUS)])].sort();

    expect(Object.fromEntries(codes.map((code) => [code, documented.get(code)])))
      .toEqual(Object.fromEntries(codes.map((code) => [code, SQLSTATE_STATUS[code]])));
    expect([...documented.keys()].sort()).toEqual(codes);
  });

  it("the SQLSTATE table of docs/rpc.md lists exactly every code, with the status the mapper gives it", () => {
    const documented = rpcDocumentTable();
    const codes = [...new Set([...raisedCodes(), ...Object.keys(SQLSTATE_STATUS)])].sort();

    expect(Object.fromEntries([...documented].sort(([a], [b]) => a.localeCompare(b))))
      .toEqual(Object.fromEntries(codes.map((code) => [code, SQLSTATE_STATUS[code]])));
  });
});

/** README.md and every Markdown file under docs/. */
function documentationFiles(): string[] {
  const files = [join(ROOT, "README.md")];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith(".md")) files.push(path);
    }
  };
  if (existsSync(join(ROOT, "docs"))) walk(join(ROOT, "docs"));
  return files;
}

/** A Markdown file's lines outside fenced code blocks. */
function proseLines(text: string): string[] {
  let fenced = false;
  return text.split("\n").filter((line) => {
    if (/^\s*(```|~~~)/.test(line)) {
      fenced = !fenced;
      return false;
    }
    return !fenced;
  });
}

/** The anchors GitHub gives a file's headings: lowercased, punctuation dropped, spaces as dashes. */
function headingAnchors(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of proseLines(text)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const base = heading[1]
      .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-");
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

describe("the documentation", () => {
  it("every link in README.md and docs/ resolves", () => {
    const files = documentationFiles();
    expect(files.length).toBeGreaterThan(1);
    const broken: string[] = [];
    let checked = 0;
    for (const file of files) {
      const text = readFileSync(file, "utf8");
      for (const line of proseLines(text)) {
        for (const match of line.matchAll(/\[[^\]]*\]\(([^)\s]+)\)/g)) {
          const target = match[1];
          if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:: not ours to check
          checked++;
          const [path, anchor] = target.split("#", 2);
          const resolved = path ? join(dirname(file), decodeURIComponent(path)) : file;
          const where = `${relative(ROOT, file)}: ${target}`;
          if (!existsSync(resolved)) {
            broken.push(`${where} (no such file)`);
          } else if (anchor !== undefined) {
            if (!resolved.endsWith(".md")) broken.push(`${where} (an anchor into a file that is not Markdown)`);
            else if (!headingAnchors(readFileSync(resolved, "utf8")).has(anchor)) broken.push(`${where} (no such heading)`);
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(0);
    expect(broken).toEqual([]);
  });
});
