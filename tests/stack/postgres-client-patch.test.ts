/**
 * patches/postgres+3.4.9.patch, applied by `npm install`: postgres.js's Query constructor
 * assigned its resolve and reject arrows straight to properties, which V8 then allocates in the
 * old generation, and each dead one kept its query and result alive through every scavenge
 * (docs/performance.md). The probe builds 20,000 queries and asks V8 where the last one's
 * closures live. Without the patch both answers are false, in Deno (the functions' runtime) and
 * in Node.js (the CLI's and the commands'). The patch's other change (a closed connection's
 * socket released without waiting for the peer) is tested where it matters, in
 * tests/http/connection-lanes.test.ts.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../stack/database-setup.ts";
import { DENO, DENO_CONFIG, childEnvironment } from "../../stack/deno.ts";

const PROBE = join(PROJECT_ROOT, "tests", "support", "query-closure-probe.mjs");

function probe(command: string, args: string[]): unknown {
  return JSON.parse(execFileSync(command, args, { cwd: PROJECT_ROOT, encoding: "utf8", env: childEnvironment() }));
}

describe("the patched postgres.js", () => {
  it("allocates a query's resolve and reject closures young under Deno", () => {
    const answer = probe(DENO, ["run", "--quiet", "--v8-flags=--allow-natives-syntax", "--config", DENO_CONFIG, "--allow-env", "--allow-read", PROBE]);
    expect(answer).toEqual({ resolve: true, reject: true });
  });

  it("allocates them young under Node.js", () => {
    expect(probe(process.execPath, ["--allow-natives-syntax", PROBE])).toEqual({ resolve: true, reject: true });
  });
});
