/**
 * One catalogue of error codes (STYLE.md, habit 1), kept in step in three places: the
 * SQLSTATEs the migrations raise, SQLSTATE_STATUS in functions/_shared/errors.ts (the HTTP
 * mapper), and the catalogue comment at the top of the *_schemas.sql migration. Proves:
 *   - every raise in the migrations carries an explicit SQLSTATE;
 *   - every raised SQLSTATE is mapped to an HTTP status;
 *   - every mapped SQLSTATE is raised by a migration, or is a standard PostgreSQL code the
 *     server raises by itself;
 *   - the catalogue comment lists every code, with the status the mapper gives it.
 * Reads files only: no database.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SQLSTATE_STATUS } from "../functions/_shared/errors.ts";

const MIGRATIONS = join(import.meta.dirname, "..", "supabase", "migrations");
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
});
